package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/operations"
)

// who-can: who holds an operation in a scope.

// whoCanJSON is the --json output of who-can.
type whoCanJSON struct {
	Operation   string            `json:"operation"`
	ID          int               `json:"id"`
	Application string            `json:"application"`
	Scope       string            `json:"scope"` // "" for the default scope
	Principals  []authz.Principal `json:"principals"`
}

func newWhoCanCmd(c *cli) *cobra.Command {
	var op, scope, app string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "who-can --op NAME_OR_ID [--scope NAME]",
		Short: "List who may perform an operation in a scope",
		Long: `List the members and application groups that hold the operation in the scope
(default: the application level), with the role assignment and role
definition that give it to them. Caveats mark grants that depend on
non-members, business rules or LDAP queries.`,
		Example: `  azgate who-can --op "View Switches"
  azgate who-can --op 307 --scope Lab --json`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if strings.TrimSpace(op) == "" {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--op is required")}
			}
			p, err := c.load(cmd.Context())
			if err != nil {
				return err
			}
			loc, err := (&locFlags{app: app, scope: scope}).resolve(p)
			if err != nil {
				return err
			}
			chk, err := authz.Compile(p, loc.App, authz.Options{})
			if err != nil {
				return err
			}
			o, err := chk.Operations().Parse(op)
			if err != nil {
				return err
			}
			ps, err := chk.WhoCan(loc.Scope, o.ID)
			if err != nil {
				return err
			}
			if asJSON {
				if ps == nil {
					ps = []authz.Principal{}
				}
				return printJSON(cmd.OutOrStdout(), whoCanJSON{Operation: o.Name, ID: int(o.ID), Application: loc.App, Scope: loc.Scope, Principals: ps})
			}
			return printWhoCan(cmd, o, loc.Scope, ps)
		},
	}
	f := cmd.Flags()
	f.StringVar(&op, "op", "", "operation, by name or ID (required)")
	f.StringVar(&scope, "scope", "", "scope (default: the application level)")
	f.StringVar(&app, "app", "", "application (default: the store's only application)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printWhoCan(cmd *cobra.Command, o operations.Operation, scope string, ps []authz.Principal) error {
	out := cmd.OutOrStdout()
	where := "the default scope"
	if scope != "" {
		where = fmt.Sprintf("scope %q", scope)
	}
	if len(ps) == 0 {
		_, err := fmt.Fprintf(out, "nobody may do %q in %s\n", o.Name, where)
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PRINCIPAL\tKIND\tROLE ASSIGNMENT\tROLE DEFINITION\tVIA\tCAVEATS")
	for _, p := range ps {
		assignment := p.Assignment
		if p.AssignmentScope != "" {
			assignment += " (scope " + p.AssignmentScope + ")"
		}
		rd := p.RoleDefinition
		if rd == "" {
			rd = "(direct operation link)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Kind, assignment, rd,
			dash(strings.Join(p.Via, " > ")), dash(strings.Join(p.Caveats, "; ")))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
