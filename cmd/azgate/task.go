package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policydoc"
)

// task and role-def: tasks and role definitions are both AzMan tasks; a
// role definition is a task marked as one.

func newTaskCmd(c *cli) *cobra.Command {
	return taskCmd(c, false)
}

func newRoleDefCmd(c *cli) *cobra.Command {
	return taskCmd(c, true)
}

func taskCmd(c *cli, roleDef bool) *cobra.Command {
	kind, use, short := policy.KindTask, "task", "Create, edit and inspect tasks (named sets of operations and tasks)"
	if roleDef {
		kind, use, short = policy.KindRoleDefinition, "role-def", "Create, edit and inspect role definitions"
	}
	spec := &kindSpec{
		kind: kind,
		links: []linkSpec{
			{name: "op", rel: policy.RelOperation, arg: "OPERATION", noun: "operation"},
			{name: "task", rel: policy.RelTask, arg: "TASK", noun: "task"},
		},
		views: func(p *policy.Policy, loc policy.Location) ([]namedView, error) {
			o, err := objectsAt(p, loc)
			if err != nil {
				return nil, err
			}
			return taskViews(policydoc.NewNamer(p).Tasks(o.Tasks, roleDef), roleDef), nil
		},
		fields: func(p *policy.Policy, loc policy.Location, name string) (fields, error) {
			t, err := findTask(p, loc, name, kind, roleDef)
			if err != nil {
				return fields{}, err
			}
			return fields{description: &t.Description, bizRule: &t.BizRule}, nil
		},
		check: func(p *policy.Policy, loc policy.Location, name string) error {
			_, err := findTask(p, loc, name, kind, roleDef)
			return err
		},
	}
	return objectCmd(c, use, short, spec, func(l *locFlags) *cobra.Command { return taskCreateCmd(c, l, kind, roleDef) })
}

// findTask returns the named task or role definition at loc, and an error
// if it is not of the wanted kind.
func findTask(p *policy.Policy, loc policy.Location, name string, kind policy.Kind, roleDef bool) (*policy.Task, error) {
	o, err := objectsAt(p, loc)
	if err != nil {
		return nil, err
	}
	t, err := o.Task(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", loc, err)
	}
	if t.RoleDefinition != roleDef {
		other := "azgate task"
		if t.RoleDefinition {
			other = "azgate role-def"
		}
		return nil, fmt.Errorf("%s: %q is not a %s; use '%s': %w", loc, name, kind, other, policy.ErrInvalid)
	}
	return t, nil
}

func taskCreateCmd(c *cli, l *locFlags, kind policy.Kind, roleDef bool) *cobra.Command {
	var (
		desc    string
		ops     []string
		tasks   []string
		bizRule bizRuleFlag
	)
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: fmt.Sprintf("Create a %s", kind),
		Example: `  azgate role-def create "Hyper-V Monitor" --op "View Switches" --op 309
  azgate task create "Console" --op "Allow Input to Virtual Machine" --scope Lab`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			name := a[0]
			return editAt(cmd, c, l, fmt.Sprintf("created %s %q in", kind, name), func(p *policy.Policy, loc policy.Location) error {
				t := &policy.Task{Name: name, Description: desc, RoleDefinition: roleDef, BizRule: bizRule.value()}
				if err := p.CreateTask(loc, t); err != nil {
					return err
				}
				return linkEach(p, loc, kind, name, relTargets{policy.RelOperation, ops}, relTargets{policy.RelTask, tasks})
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&desc, "description", "", "description")
	f.StringArrayVar(&ops, "op", nil, "operation to include, by name or ID (repeatable)")
	f.StringArrayVar(&tasks, "task", nil, "task or role definition to include (repeatable)")
	bizRule.register(f)
	return cmd
}

// objectsAt returns the objects of an application or scope.
func objectsAt(p *policy.Policy, loc policy.Location) (*policy.Objects, error) {
	a, err := p.Application(loc.App)
	if err != nil {
		return nil, err
	}
	return a.Container(loc.Scope)
}
