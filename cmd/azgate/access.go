package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/server"
)

// access, access-list, whatif: effective access, complete access lists and
// what-if, decided with the policy of --store (as check and who-can are).

// subjectFlags name whose access a command is about, and the business
// rule parameters it is decided with.
type subjectFlags struct {
	user, appGroup, groupScope string
	groups, params             []string
}

func (f *subjectFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.user, "user", "", "the user (SID or account name)")
	fl.StringSliceVar(&f.groups, "group", nil, "a group the user is in (repeatable; give every group, transitively)")
	fl.StringVar(&f.appGroup, "app-group", "", "an application group instead of a user: what membership in it confers")
	fl.StringVar(&f.groupScope, "group-scope", "", "the scope of a scope-level --app-group")
	fl.StringArrayVar(&f.params, "param", nil, "business rule parameter K=V (repeatable)")
}

// query reads the subject and the business rule parameters.
func (f *subjectFlags) query(cmd *cobra.Command) (authz.Subject, authz.Params, error) {
	subj, err := f.subject(cmd)
	if err != nil {
		return authz.Subject{}, nil, err
	}
	params, err := parseParams(f.params)
	if err != nil {
		return authz.Subject{}, nil, &usageError{cmd: cmd.CommandPath(), err: err}
	}
	return subj, params, nil
}

func (f *subjectFlags) subject(cmd *cobra.Command) (authz.Subject, error) {
	switch {
	case strings.TrimSpace(f.user) != "" && f.appGroup != "":
		return authz.Subject{}, &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("give --user or --app-group, not both")}
	case f.appGroup != "":
		return authz.ApplicationGroupSubject(f.appGroup, f.groupScope), nil
	case strings.TrimSpace(f.user) != "":
		return authz.UserSubject(directory.ClientContext{Name: f.user, IDs: []string{f.user}, Groups: f.groups}), nil
	}
	return authz.Subject{}, &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--user or --app-group is required")}
}

// compileStore loads the --store policy and compiles application app.
func (c *cli) compileStore(cmd *cobra.Command, app string) (*authz.Checker, policy.Revision, *policy.Policy, error) {
	p, rev, err := c.loadRev(cmd.Context())
	if err != nil {
		return nil, 0, nil, err
	}
	loc, err := (&locFlags{app: app}).resolve(p)
	if err != nil {
		return nil, 0, nil, err
	}
	chk, err := authz.Compile(p, loc.App, authz.Options{})
	if err != nil {
		return nil, 0, nil, err
	}
	return chk, rev, p, nil
}

func newAccessCmd(c *cli) *cobra.Command {
	var (
		sf             subjectFlags
		scopeList, ops []string
		app            string
		asJSON         bool
	)
	cmd := &cobra.Command{
		Use:   "access (--user ID [--group ID]... | --app-group NAME) [--scope NAME]... [--op NAME_OR_ID]...",
		Short: "Show the operations a user or application group may perform in each scope",
		Long: `Show the effective access of a user (with the given groups) or of an application
group (what membership in it confers): for each scope — the default scope,
then every scope, or those of --scope — the operations it may perform, each
decided as check decides it. --json prints the whole grid (every cell, with
the role assignment that grants it); check --explain says why for one cell.`,
		Example: `  azgate access --user bob --group 'CONTOSO\Lab-Staff'
  azgate access --app-group 'Lab Operators' --group-scope Lab --scope Lab --json`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			subj, params, err := sf.query(cmd)
			if err != nil {
				return err
			}
			chk, _, _, err := c.compileStore(cmd, app)
			if err != nil {
				return err
			}
			opts := authz.GridOptions{Params: params}
			if cmd.Flags().Changed("scope") {
				opts.Scopes = scopeList
			}
			for _, o := range ops {
				op, err := chk.Operations().Parse(o)
				if err != nil {
					return err
				}
				opts.Operations = append(opts.Operations, op.ID)
			}
			g, err := chk.EffectiveAccess(cmd.Context(), subj, opts)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), g)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SCOPE\tALLOWED")
			for _, row := range g.Rows {
				var allowed []string
				for i, cell := range row.Cells {
					if cell.Allowed {
						allowed = append(allowed, g.Operations[i].Name)
					}
				}
				fmt.Fprintf(tw, "%s\t%s\n", scopeLabel(row.Scope), orDash(strings.Join(allowed, ", ")))
			}
			return tw.Flush()
		},
	}
	sf.add(cmd)
	f := cmd.Flags()
	f.StringSliceVar(&scopeList, "scope", nil, `a scope to show (repeatable; "" is the default scope; default: every scope)`)
	f.StringArrayVar(&ops, "op", nil, "an operation to show, by name or ID (repeatable; default: all)")
	f.StringVar(&app, "app", "", "application (default: the store's only application)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func scopeLabel(s string) string {
	if s == "" {
		return "(default)"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newAccessListCmd(c *cli) *cobra.Command {
	var (
		sf         subjectFlags
		op, app    string
		token      string
		limit      int
		asJSON     bool
		whole      bool
		printedAny bool
	)
	cmd := &cobra.Command{
		Use:   "access-list (--user ID [--group ID]... | --app-group NAME) [--op NAME_OR_ID] [--limit N] [--token T | --all]",
		Short: "List every scope where a user or application group may do something",
		Long: `List everything a user (with the given groups) or an application group may do:
every scope (the default scope first, then the store's order) with the
operations allowed there, or with --op only where that one is. The list is
paged (--limit entries, default 100); when more follow, the last line says
so and gives the --token of the next page. A token holds for the store
revision it was issued at: once the store changes, it is refused and the
listing starts again. --all prints every page. Engine objects (VMs, switches,
ports) are listed by the server's GET /v1/access-list, which knows them.`,
		Example: `  azgate access-list --user bob --group 'CONTOSO\Lab-Staff'
  azgate access-list --user bob --group 'CONTOSO\Lab-Staff' --op 'Start Virtual Machine' --limit 10 --json`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			subj, params, err := sf.query(cmd)
			if err != nil {
				return err
			}
			chk, rev, _, err := c.compileStore(cmd, app)
			if err != nil {
				return err
			}
			opts := authz.AccessListOptions{Params: params, Revision: rev, Limit: limit, Token: token}
			if op != "" {
				o, err := chk.Operations().Parse(op)
				if err != nil {
					return err
				}
				opts.Operation = o.ID
			}
			out := cmd.OutOrStdout()
			for {
				pg, err := chk.AccessList(cmd.Context(), subj, opts)
				if err != nil {
					return err
				}
				if asJSON {
					if err := printJSON(out, pg); err != nil {
						return err
					}
				} else {
					for _, e := range pg.Entries {
						fmt.Fprintf(out, "%s: %s\n", scopeLabel(e.Scope), strings.Join(e.Operations, ", "))
						printedAny = true
					}
				}
				if pg.Next == "" || !whole {
					if pg.Next != "" && !asJSON {
						fmt.Fprintf(out, "# more: --token %s\n", pg.Next)
					} else if !printedAny && !asJSON {
						fmt.Fprintln(out, "# nothing allowed")
					}
					return nil
				}
				opts.Token = pg.Next
			}
		},
	}
	sf.add(cmd)
	f := cmd.Flags()
	f.StringVar(&op, "op", "", "one operation, by name or ID (default: all)")
	f.IntVar(&limit, "limit", 0, "entries a page (default 100, at most 1000)")
	f.StringVar(&token, "token", "", "continue a listing: the token the last page gave")
	f.BoolVar(&whole, "all", false, "print every page")
	f.StringVar(&app, "app", "", "application (default: the store's only application)")
	f.BoolVar(&asJSON, "json", false, "print JSON (one document a page)")
	return cmd
}

func newWhatIfCmd(c *cli) *cobra.Command {
	var (
		file   string
		save   bool
		limit  int
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "whatif --edits FILE [--save]",
		Short: "Show which decisions staged policy edits would change; save them as one revision",
		Long: `Apply the staged edits of FILE (the body of POST /v1/whatif: {"edits": [...]},
each edit {"action", "kind", "scope", "name", "object", "link"} in the policy
admin API's documents) to a copy of the store's policy and list exactly
which decisions they change: for the users the file names ({"users":
[{"user", "groups"}]}), every principal string (taken alone) and every
application group either policy names, in every scope, each operation
granted (+) or revoked (-). Nothing is written unless --save: then the edits are saved as
one revision, against the revision they were compared with (if the store
changed meanwhile, nothing is saved: run whatif again).`,
		Example: `  azgate whatif --edits staged.json
  azgate whatif --edits staged.json --save`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--edits is required")}
			}
			raw, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			var in server.WhatIfRequest
			dec := json.NewDecoder(strings.NewReader(string(raw)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			ctx := cmd.Context()
			s, err := c.openStore(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			p, rev, err := s.Load(ctx)
			if err != nil {
				return c.loadError(err)
			}
			loc, err := (&locFlags{app: in.Application}).resolve(p)
			if err != nil {
				return err
			}
			if in.BaseRevision != 0 && in.BaseRevision != uint64(rev) {
				return fmt.Errorf("%s: staged at revision %d, the store is at %d: %w", file, in.BaseRevision, rev, policy.ErrConflict)
			}
			edit, what, err := server.StagedEdits(loc.App, in.Edits)
			if err != nil {
				return err
			}
			q, err := p.Edit(edit)
			if err != nil {
				return err
			}
			base, err := authz.Compile(p, loc.App, authz.Options{})
			if err != nil {
				return err
			}
			next, err := base.Recompile(q)
			if err != nil {
				return err
			}
			var subjects []authz.Subject
			for _, u := range in.Users {
				if strings.TrimSpace(u.User) == "" {
					return fmt.Errorf("%s: a user without \"user\"", file)
				}
				subjects = append(subjects, authz.UserSubject(directory.ClientContext{Name: u.User, IDs: []string{u.User}, Groups: u.Groups}))
			}
			subjects = append(subjects, base.PolicySubjects()...)
			subjects = append(subjects, next.PolicySubjects()...)
			if limit == 0 {
				limit = in.Limit
			}
			rep, err := authz.WhatIf(ctx, base, next, authz.WhatIfOptions{Subjects: subjects, Params: in.Parameters, Limit: limit})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				if err := printJSON(out, server.WhatIfResponse{BaseRevision: uint64(rev), WhatIfReport: rep}); err != nil {
					return err
				}
			} else {
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "CHANGE\tSUBJECT\tKIND\tSCOPE\tOPERATION")
				for _, ch := range rep.Changes {
					sign := "- revoked"
					if ch.Granted {
						sign = "+ granted"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", sign, ch.Subject.Name, ch.Subject.Kind, scopeLabel(ch.Scope), ch.Operation)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				fmt.Fprintf(out, "%d changed (%d granted, %d revoked) against revision %d", rep.Total, rep.Granted, rep.Revoked, rev)
				if rep.Truncated {
					fmt.Fprintf(out, "; %d listed (--limit)", len(rep.Changes))
				}
				fmt.Fprintln(out)
				for _, w := range rep.Warnings {
					fmt.Fprintf(cmd.ErrOrStderr(), "azgate: warning: %s\n", w)
				}
			}
			if !save {
				return nil
			}
			return c.audited(ctx, c.storeURL, func(ctx context.Context) (policy.Revision, policy.Revision, error) {
				nrev, err := s.Save(ctx, q, rev)
				if err != nil {
					return 0, 0, fmt.Errorf("save %s (what-if: %s): %w", file, what, err)
				}
				if !asJSON {
					fmt.Fprintf(out, "saved as revision %d\n", nrev)
				}
				return rev, nrev, nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&file, "edits", "", "the staged edits, a JSON file (required)")
	f.BoolVar(&save, "save", false, "save the edits as one revision")
	f.IntVar(&limit, "limit", 0, "list at most this many changes (default 10,000; the counts are complete)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
