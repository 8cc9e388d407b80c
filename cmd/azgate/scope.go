package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policydoc"
)

// scope: named scopes of an application, each with its own role
// definitions, tasks, application groups and role assignments.

func newScopeCmd(c *cli) *cobra.Command {
	spec := &kindSpec{
		kind:    policy.KindScope,
		noScope: true,
		views: func(p *policy.Policy, loc policy.Location) ([]namedView, error) {
			a, err := p.Application(loc.App)
			if err != nil {
				return nil, err
			}
			n := policydoc.NewNamer(p)
			var docs []api.ScopeObjects
			for _, s := range a.Scopes {
				docs = append(docs, n.ScopeObjects(s))
			}
			return scopeViews(docs), nil
		},
		fields: func(p *policy.Policy, loc policy.Location, name string) (fields, error) {
			a, err := p.Application(loc.App)
			if err != nil {
				return fields{}, err
			}
			sc, err := a.Scope(name)
			if err != nil {
				return fields{}, fmt.Errorf("%s: %w", loc, err)
			}
			return fields{description: &sc.Description}, nil
		},
	}
	return objectCmd(c, "scope", "Create, delete and inspect scopes", spec,
		func(l *locFlags) *cobra.Command { return scopeCreateCmd(c, l) })
}

func scopeCreateCmd(c *cli, l *locFlags) *cobra.Command {
	var desc string
	cmd := &cobra.Command{
		Use:     "create NAME",
		Short:   "Create a scope",
		Example: `  azgate scope create Lab --description "Lab virtual machines"`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return editAt(cmd, c, l, fmt.Sprintf("created scope %q in", a[0]), func(p *policy.Policy, loc policy.Location) error {
				return p.CreateScope(loc.App, &policy.Scope{Name: a[0], Description: desc})
			})
		},
	}
	cmd.Flags().StringVar(&desc, "description", "", "description")
	return cmd
}
