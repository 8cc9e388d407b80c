package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/policy"
)

// set: change the plain fields of an existing object (description,
// business rule, LDAP query), shared by the object command groups.

// fields points at the settable fields of one object; nil: the kind has no
// such field.
type fields struct {
	description *string
	bizRule     *policy.BizRule
	ldapQuery   *string
}

func setCmd(c *cli, spec *kindSpec, l *locFlags) *cobra.Command {
	var desc, query string
	var biz bizRuleFlag
	var noBiz bool
	cmd := &cobra.Command{
		Use:     "set NAME",
		Short:   fmt.Sprintf("Change the description or other fields of a %s", spec.kind),
		Example: `  azgate role-def set "Hyper-V Monitor" --bizrule 'hour >= 8' --description "Day-time monitors"`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			changed := cmd.Flags().Changed
			if !changed("description") && !changed("bizrule") && !changed("no-bizrule") && !changed("ldap-query") {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("nothing to set")}
			}
			if changed("bizrule") && noBiz {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--bizrule and --no-bizrule exclude each other")}
			}
			name := a[0]
			return editAt(cmd, c, l, fmt.Sprintf("updated %s %q in", spec.kind, name), func(p *policy.Policy, loc policy.Location) error {
				f, err := spec.fields(p, loc, name)
				if err != nil {
					return err
				}
				lacks := func(flag string) error {
					return fmt.Errorf("--%s: %s %q has no such field: %w", flag, spec.kind, name, policy.ErrInvalid)
				}
				if changed("description") {
					*f.description = desc
				}
				if changed("bizrule") || noBiz {
					if f.bizRule == nil {
						return lacks("bizrule")
					}
					*f.bizRule = biz.value()
				}
				if changed("ldap-query") {
					if f.ldapQuery == nil {
						return lacks("ldap-query")
					}
					*f.ldapQuery = query
				}
				return nil
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&desc, "description", "", "new description")
	if spec.kind != policy.KindRole && spec.kind != policy.KindScope {
		biz.register(fs)
		fs.BoolVar(&noBiz, "no-bizrule", false, "remove the business rule")
	}
	if spec.kind == policy.KindGroup {
		fs.StringVar(&query, "ldap-query", "", "new LDAP filter (LDAP query groups)")
	}
	return cmd
}
