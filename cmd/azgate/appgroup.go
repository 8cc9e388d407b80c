package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policydoc"
)

// app-group: application groups — basic (members, non-members, nested
// groups), LDAP query, or business rule — at store, application or scope
// level.

func newAppGroupCmd(c *cli) *cobra.Command {
	spec := &kindSpec{
		kind:       policy.KindGroup,
		storeLevel: true,
		links: []linkSpec{
			{name: "member", rel: policy.RelMember, arg: "PRINCIPAL", noun: "member"},
			{name: "non-member", rel: policy.RelNonMember, arg: "PRINCIPAL", noun: "non-member"},
			{name: "group", rel: policy.RelGroup, arg: "APP-GROUP", noun: "member group"},
			{name: "non-group", rel: policy.RelNonGroup, arg: "APP-GROUP", noun: "non-member group"},
		},
		views: func(p *policy.Policy, loc policy.Location) ([]namedView, error) {
			gs := p.Groups
			if loc.App != "" {
				o, err := objectsAt(p, loc)
				if err != nil {
					return nil, err
				}
				gs = o.Groups
			}
			return groupViews(policydoc.NewNamer(p).Groups(gs)), nil
		},
		fields: func(p *policy.Policy, loc policy.Location, name string) (fields, error) {
			var g *policy.Group
			var err error
			if loc.App == "" {
				g, err = p.Group(name)
			} else if o, oerr := objectsAt(p, loc); oerr != nil {
				err = oerr
			} else {
				g, err = o.Group(name)
			}
			if err != nil {
				return fields{}, fmt.Errorf("%s: %w", loc, err)
			}
			f := fields{description: &g.Description}
			switch g.Type {
			case policy.GroupLDAPQuery:
				f.ldapQuery = &g.LDAPQuery
			case policy.GroupBizRule:
				f.bizRule = &g.BizRule
			}
			return f, nil
		},
	}
	return objectCmd(c, "app-group", "Create, edit and inspect application groups", spec,
		func(l *locFlags) *cobra.Command { return appGroupCreateCmd(c, l) })
}

// groupTypes maps --type values to group types.
var groupTypes = map[string]policy.GroupType{
	"basic":      policy.GroupBasic,
	"ldap-query": policy.GroupLDAPQuery,
	"bizrule":    policy.GroupBizRule,
}

func appGroupCreateCmd(c *cli, l *locFlags) *cobra.Command {
	var (
		desc, typ, query                       string
		members, nonMembers, groups, nonGroups []string
		bizRule                                bizRuleFlag
	)
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an application group",
		Example: `  azgate app-group create "Lab Operators" --member 'CONTOSO\alice' --scope Lab
  azgate app-group create Engineers --type ldap-query --ldap-query '(department=Engineering)'
  azgate app-group create Everyone --store-level --member S-1-1-0`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			gt, ok := groupTypes[strings.ToLower(typ)]
			if !ok {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--type %q: want basic, ldap-query or bizrule", typ)}
			}
			switch {
			case gt == policy.GroupLDAPQuery && query == "":
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--type ldap-query needs --ldap-query FILTER")}
			case gt != policy.GroupLDAPQuery && query != "":
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--ldap-query needs --type ldap-query")}
			case gt == policy.GroupBizRule && bizRule.script == "":
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--type bizrule needs --bizrule EXPR")}
			case gt != policy.GroupBizRule && bizRule.script != "":
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--bizrule needs --type bizrule")}
			}
			name := a[0]
			return editAt(cmd, c, l, fmt.Sprintf("created application group %q in", name), func(p *policy.Policy, loc policy.Location) error {
				g := &policy.Group{Name: name, Description: desc, Type: gt, LDAPQuery: query, BizRule: bizRule.value()}
				if err := p.CreateGroup(loc, g); err != nil {
					return err
				}
				return linkEach(p, loc, policy.KindGroup, name,
					relTargets{policy.RelMember, members}, relTargets{policy.RelNonMember, nonMembers},
					relTargets{policy.RelGroup, groups}, relTargets{policy.RelNonGroup, nonGroups})
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&desc, "description", "", "description")
	f.StringVar(&typ, "type", "basic", "group type: basic, ldap-query or bizrule")
	f.StringVar(&query, "ldap-query", "", "LDAP filter the user's directory entry must match (--type ldap-query)")
	f.StringArrayVar(&members, "member", nil, "member: a SID or account name (repeatable)")
	f.StringArrayVar(&nonMembers, "non-member", nil, "non-member, never in the group (repeatable)")
	f.StringArrayVar(&groups, "group", nil, "application group whose members are members (repeatable)")
	f.StringArrayVar(&nonGroups, "non-group", nil, "application group whose members are non-members (repeatable)")
	bizRule.register(f)
	return cmd
}
