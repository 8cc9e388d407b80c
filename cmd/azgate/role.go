package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policydoc"
)

// role: role assignments (AzMan's AzRole), which give role definitions,
// tasks and operations to members.

func newRoleCmd(c *cli) *cobra.Command {
	spec := &kindSpec{
		kind: policy.KindRole,
		links: []linkSpec{
			{name: "member", rel: policy.RelMember, arg: "PRINCIPAL", noun: "member"},
			{name: "group", rel: policy.RelGroup, arg: "APP-GROUP", noun: "application group"},
			{name: "role-def", rel: policy.RelTask, arg: "ROLE-DEF", noun: "role definition"},
			{name: "task", rel: policy.RelTask, arg: "TASK", noun: "task"},
			{name: "op", rel: policy.RelOperation, arg: "OPERATION", noun: "operation"},
		},
		views: func(p *policy.Policy, loc policy.Location) ([]namedView, error) {
			o, err := objectsAt(p, loc)
			if err != nil {
				return nil, err
			}
			return roleViews(policydoc.NewNamer(p).RoleAssignments(o.Roles)), nil
		},
		fields: func(p *policy.Policy, loc policy.Location, name string) (fields, error) {
			o, err := objectsAt(p, loc)
			if err != nil {
				return fields{}, err
			}
			r, err := o.Role(name)
			if err != nil {
				return fields{}, fmt.Errorf("%s: %w", loc, err)
			}
			return fields{description: &r.Description}, nil
		},
	}
	return objectCmd(c, "role", "Create, edit and inspect role assignments", spec,
		func(l *locFlags) *cobra.Command { return roleCreateCmd(c, l) })
}

func roleCreateCmd(c *cli, l *locFlags) *cobra.Command {
	var desc string
	var members, groups, defs, tasks, ops []string
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a role assignment",
		Example: `  azgate role create Monitors --role-def "Hyper-V Monitor" --member 'CONTOSO\Mon'
  azgate role create "Lab operators" --role-def "Virtual Machine Manager" --group "Lab Operators" --scope Lab`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			name := a[0]
			return editAt(cmd, c, l, fmt.Sprintf("created role assignment %q in", name), func(p *policy.Policy, loc policy.Location) error {
				if err := p.CreateRole(loc, &policy.Role{Name: name, Description: desc}); err != nil {
					return err
				}
				return linkEach(p, loc, policy.KindRole, name,
					relTargets{policy.RelTask, defs}, relTargets{policy.RelTask, tasks}, relTargets{policy.RelOperation, ops},
					relTargets{policy.RelMember, members}, relTargets{policy.RelGroup, groups})
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&desc, "description", "", "description")
	f.StringArrayVar(&defs, "role-def", nil, "role definition (or task) to assign (repeatable)")
	f.StringArrayVar(&tasks, "task", nil, "task to assign (repeatable)")
	f.StringArrayVar(&ops, "op", nil, "operation to assign directly, by name or ID (repeatable)")
	f.StringArrayVar(&members, "member", nil, "member: a SID or account name (repeatable)")
	f.StringArrayVar(&groups, "group", nil, "application group to make a member (repeatable)")
	return cmd
}
