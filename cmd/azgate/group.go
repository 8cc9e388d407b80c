package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/directory/localdir"
)

func newGroupCmd(c *cli) *cobra.Command {
	d := &dirFlags{}
	cmd := &cobra.Command{
		Use:   "group",
		Short: "Manage the groups of the local directory",
		Long: `group adds, deletes and lists the groups of azgate's local directory and
their members (users and groups; nesting is allowed, cycles are not). The
group "Administrators" is BUILTIN\Administrators, S-1-5-32-544.`,
	}
	d.register(cmd)
	cmd.AddCommand(
		&cobra.Command{
			Use:   "add NAME",
			Short: "Add an empty group",
			Args:  args(cobra.ExactArgs(1)),
			RunE: func(cmd *cobra.Command, a []string) error {
				return withDir(cmd, c, d, func(dir *localdir.Directory) error {
					if err := dir.AddGroup(cmd.Context(), a[0]); err != nil {
						return err
					}
					_, err := fmt.Fprintf(cmd.OutOrStdout(), "added group %q\n", a[0])
					return err
				})
			},
		},
		&cobra.Command{
			Use:   "delete NAME",
			Short: "Delete a group and remove it from every group",
			Args:  args(cobra.ExactArgs(1)),
			RunE: func(cmd *cobra.Command, a []string) error {
				return withDir(cmd, c, d, func(dir *localdir.Directory) error {
					if err := dir.DeleteGroup(cmd.Context(), a[0]); err != nil {
						return err
					}
					_, err := fmt.Fprintf(cmd.OutOrStdout(), "deleted group %q\n", a[0])
					return err
				})
			},
		},
		&cobra.Command{
			Use:     "add-member GROUP MEMBER...",
			Short:   "Make users or groups direct members of a group",
			Example: `  azgate group add-member HV-Monitors alice bob`,
			Args:    args(cobra.MinimumNArgs(2)),
			RunE: func(cmd *cobra.Command, a []string) error {
				return withDir(cmd, c, d, func(dir *localdir.Directory) error {
					for _, m := range a[1:] {
						if err := dir.AddMember(cmd.Context(), a[0], m); err != nil {
							return err
						}
						if _, err := fmt.Fprintf(cmd.OutOrStdout(), "added %q to group %q\n", m, a[0]); err != nil {
							return err
						}
					}
					return nil
				})
			},
		},
		&cobra.Command{
			Use:   "remove-member GROUP MEMBER...",
			Short: "Remove direct members from a group",
			Args:  args(cobra.MinimumNArgs(2)),
			RunE: func(cmd *cobra.Command, a []string) error {
				return withDir(cmd, c, d, func(dir *localdir.Directory) error {
					for _, m := range a[1:] {
						if err := dir.RemoveMember(cmd.Context(), a[0], m); err != nil {
							return err
						}
						if _, err := fmt.Fprintf(cmd.OutOrStdout(), "removed %q from group %q\n", m, a[0]); err != nil {
							return err
						}
					}
					return nil
				})
			},
		},
		&cobra.Command{
			Use:   "list",
			Short: "List groups, their SIDs and direct members",
			Args:  args(cobra.NoArgs),
			RunE: func(cmd *cobra.Command, _ []string) error {
				return withDir(cmd, c, d, func(dir *localdir.Directory) error {
					groups, err := dir.Groups(cmd.Context())
					if err != nil {
						return err
					}
					tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "NAME\tSID\tMEMBERS")
					for _, g := range groups {
						fmt.Fprintf(tw, "%s\t%s\t%s\n", g.Name, g.SID, strings.Join(g.Members, ","))
					}
					return tw.Flush()
				})
			},
		},
	)
	return cmd
}
