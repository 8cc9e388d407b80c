package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/policy"
)

// app: the applications of the store.

func newAppCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "app", Short: "Create, rename, delete and list applications"}
	cmd.AddCommand(appListCmd(c), appCreateCmd(c), appRenameCmd(c), appDeleteCmd(c))
	return cmd
}

// appRow is one line of app list.
type appRow struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Version     string `json:"version,omitempty"`
	Operations  int    `json:"operations"`
	Scopes      int    `json:"scopes"`
}

func appListCmd(c *cli) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the store's applications",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := c.load(cmd.Context())
			if err != nil {
				return err
			}
			rows := []appRow{}
			for _, a := range p.Applications {
				rows = append(rows, appRow{Name: a.Name, Description: a.Description, Version: a.Version,
					Operations: len(a.Operations), Scopes: len(a.Scopes)})
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), rows)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tOPERATIONS\tSCOPES")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%d\t%d\n", r.Name, r.Operations, r.Scopes)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func appCreateCmd(c *cli) *cobra.Command {
	var desc, version string
	cmd := &cobra.Command{
		Use:     "create NAME",
		Short:   "Create an empty application",
		Example: `  azgate app create "Expense Web" --description "Expense reports"`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			err := c.update(cmd.Context(), func(p *policy.Policy) error {
				return p.CreateApplication(&policy.Application{Name: a[0], Description: desc, Version: version})
			})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "created application %q\n", a[0])
			return err
		},
	}
	cmd.Flags().StringVar(&desc, "description", "", "description")
	cmd.Flags().StringVar(&version, "version", "", "application version (AzMan's ApplicationVersion)")
	return cmd
}

func appRenameCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "rename NAME NEW-NAME",
		Short: "Rename an application; its objects stay as they are",
		Long: `Rename an application. A server gating its engine by the old name stops
deciding with the new policy (it keeps the last good one and reports the
reload failure) until it is started with --application NEW-NAME; the
policy admin API refuses to rename the application its server gates.
azgate's own delegation application "azgate" cannot be renamed.`,
		Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			var old string
			err := c.update(cmd.Context(), func(p *policy.Policy) error {
				app, err := p.Application(a[0])
				if err != nil {
					return err
				}
				old = app.Name
				return p.RenameApplication(a[0], a[1])
			})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "renamed application %q to %q\n", old, a[1])
			return err
		},
	}
}

func appDeleteCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete an application with everything in it",
		Long: `Delete an application with its operations, tasks, role definitions, role
assignments, application groups and scopes. The policy admin API refuses to
delete the application its server gates; a server whose application is
deleted by this command keeps deciding with its last good policy and
reports the reload failure. azgate's own delegation application "azgate"
cannot be deleted.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			var name string
			err := c.update(cmd.Context(), func(p *policy.Policy) error {
				app, err := p.Application(a[0])
				if err != nil {
					return err
				}
				name = app.Name
				return p.Delete(policy.Location{}, policy.KindApplication, a[0])
			})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "deleted application %q\n", name)
			return err
		},
	}
}
