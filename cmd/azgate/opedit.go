package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/policy"
)

// op create, rename, delete: the operations an application defines.

// opEditCmds returns op create, rename and delete, each with --app.
func opEditCmds(c *cli) []*cobra.Command {
	return []*cobra.Command{opCreateCmd(c), opRenameCmd(c), opSetCmd(c), opDeleteCmd(c)}
}

// appOnly registers --app on cmd and returns its locFlags.
func appOnly(cmd *cobra.Command) *locFlags {
	l := &locFlags{}
	l.register(cmd.Flags(), &kindSpec{noScope: true})
	return l
}

func opCreateCmd(c *cli) *cobra.Command {
	var l *locFlags
	var desc string
	var id int
	cmd := &cobra.Command{
		Use:   "create NAME --id N",
		Short: "Create an operation of an application",
		Long: `Create an operation: a name and an OperationID, both unique within the
application (names compare without regard to case). Other applications may
use the same name or ID: a check always names its application.`,
		Example: `  azgate op create "Approve Expense" --id 3 --app "Expense Web"`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			if !cmd.Flags().Changed("id") {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--id is required: the operation's OperationID, a positive number")}
			}
			return editAt(cmd, c, l, fmt.Sprintf("created operation %q (ID %d) in", a[0], id),
				func(p *policy.Policy, loc policy.Location) error {
					return p.CreateOperation(loc.App, &policy.Operation{Name: a[0], OperationID: id, Description: desc})
				})
		},
	}
	l = appOnly(cmd)
	cmd.Flags().IntVar(&id, "id", 0, "OperationID, unique within the application")
	cmd.Flags().StringVar(&desc, "description", "", "description")
	return cmd
}

func opRenameCmd(c *cli) *cobra.Command {
	var l *locFlags
	cmd := &cobra.Command{
		Use:   "rename NAME NEW-NAME",
		Short: "Rename an operation; the tasks and role assignments holding it keep it",
		Long: `Rename an operation; its OperationID and every link to it stay. Callers that
check the operation by its old name get "unknown operation"; callers using
its ID are not affected. The engine's application must keep the names of
the engine's operations: a server gating its engine refuses a policy that
lacks one.`,
		Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return editAt(cmd, c, l, fmt.Sprintf("renamed operation %q to %q in", a[0], a[1]),
				func(p *policy.Policy, loc policy.Location) error { return p.RenameOperation(loc.App, a[0], a[1]) })
		},
	}
	l = appOnly(cmd)
	return cmd
}

func opSetCmd(c *cli) *cobra.Command {
	var l *locFlags
	var desc string
	var id int
	cmd := &cobra.Command{
		Use:   "set NAME [--id N] [--description TEXT]",
		Short: "Change an operation's OperationID or description",
		Long: `Change an operation's OperationID (unique within the application) or its
description. Links to it stay; callers checking it by its old ID no longer
reach it.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			changed := cmd.Flags().Changed
			if !changed("id") && !changed("description") {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("nothing to set: give --id or --description")}
			}
			return editAt(cmd, c, l, fmt.Sprintf("updated operation %q in", a[0]), func(p *policy.Policy, loc policy.Location) error {
				if changed("id") {
					if err := p.SetOperationID(loc.App, a[0], id); err != nil {
						return err
					}
				}
				if changed("description") {
					app, err := p.Application(loc.App)
					if err != nil {
						return err
					}
					o, err := app.Operation(a[0])
					if err != nil {
						return fmt.Errorf("application %q: %w", app.Name, err)
					}
					o.Description = desc
				}
				return nil
			})
		},
	}
	l = appOnly(cmd)
	cmd.Flags().IntVar(&id, "id", 0, "new OperationID, unique within the application")
	cmd.Flags().StringVar(&desc, "description", "", "new description")
	return cmd
}

func opDeleteCmd(c *cli) *cobra.Command {
	var l *locFlags
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete an operation no task or role assignment holds",
		Long: `Delete an operation. One that a task, role definition or role assignment
still holds is not deleted: the error names them; remove it from them
first (task remove-operation, role-def remove-operation, role
remove-operation).`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return editAt(cmd, c, l, fmt.Sprintf("deleted operation %q from", a[0]),
				func(p *policy.Policy, loc policy.Location) error { return p.Delete(loc, policy.KindOperation, a[0]) })
		},
	}
	l = appOnly(cmd)
	return cmd
}
