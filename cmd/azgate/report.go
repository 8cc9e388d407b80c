package main

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/internal/regfile"
	"github.com/azgate/azgate/report"
)

func newReportCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Reports over the audit log and the policy",
	}
	cmd.AddCommand(reportLeastPrivilegeCmd(c))
	return cmd
}

func reportLeastPrivilegeCmd(c *cli) *cobra.Command {
	var (
		since, app, format, whatIfOut, assignment, scope string
	)
	cmd := &cobra.Command{
		Use:   "least-privilege --since AGE [--app NAME] [--format text|json|csv]",
		Short: "For each role assignment and member: the granted operations used since AGE, and those never used",
		Long: `least-privilege reads the audit log (--audit-log) against the --store policy:
for each role assignment of the application and each of its members (member
strings and application groups), which of the operations the assignment
grants were used — an allowed decision granted through it, at or after
--since — how often and when last, and which were never used. Where some went
unused it suggests a narrower role definition holding only the used
operations (or, when nothing was used, deleting the assignment). A
suggestion is never applied here: --whatif-out FILE --assignment NAME
[--scope S] writes it as a what-if (the body of POST /v1/whatif); review
the decisions it changes with azgate whatif --edits FILE, and apply it with
--save.

--since is an age (30d, 2w, 12h, 90m), a date (2026-11-01), an RFC 3339
time, or all (every record the log holds). A --since older than the oldest record the log still holds (older
files rotated away, or the log began later) is an error that says how far
back the log can see.

Engine decisions are always in the log; allowed /v1/check and AuthZEN
decisions are counted by the grant usage records serve writes every
--audit-usage-interval under --audit-checks denials (the default), or
recorded one by one under --audit-checks all.`,
		Example: `  azgate report least-privilege --since 30d
  azgate report least-privilege --since 2026-11-01 --format csv > usage.csv
  azgate report least-privilege --since 30d --assignment 'Lab Ops' --scope Lab --whatif-out narrow.json
  azgate whatif --edits narrow.json`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			usage := func(format string, a ...any) error {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf(format, a...)}
			}
			if since == "" {
				return usage("--since is required (an age such as 30d, or a date)")
			}
			now := time.Now()
			from, err := report.ParseSince(since, now)
			if err != nil {
				return usage("--%v", err)
			}
			switch format {
			case report.FormatText, report.FormatJSON, report.FormatCSV:
			default:
				return usage("--format %q: want text, json or csv", format)
			}
			if (whatIfOut == "") != (assignment == "") {
				return usage("--whatif-out and --assignment go together")
			}
			ctx := cmd.Context()
			p, rev, err := c.loadRev(ctx)
			if err != nil {
				return err
			}
			loc, err := (&locFlags{app: app}).resolve(p)
			if err != nil {
				return err
			}
			rep, err := report.LeastPrivilege(ctx, p, c.auditPath(), report.Options{Application: loc.App,
				DefaultApplication: p.DefaultApp(), Since: from, Until: now, Revision: rev})
			if err != nil {
				return fmt.Errorf("--since %s: %w", since, err)
			}
			if whatIfOut != "" {
				return writeSuggestion(rep, assignment, scope, whatIfOut, cmd)
			}
			out := cmd.OutOrStdout()
			switch format {
			case report.FormatJSON:
				return printJSON(out, rep)
			case report.FormatCSV:
				return report.WriteCSV(out, rep)
			}
			return report.WriteText(out, rep)
		},
	}
	f := cmd.Flags()
	f.StringVar(&since, "since", "", "count the audit records since: an age (30d, 2w, 12h), a date, an RFC 3339 time, or all (required)")
	f.StringVar(&app, "app", "", appFlagHelp)
	f.StringVar(&format, "format", report.FormatText, "text, json or csv")
	f.StringVar(&whatIfOut, "whatif-out", "", "write the suggestion for --assignment as a what-if file (for azgate whatif --edits)")
	f.StringVar(&assignment, "assignment", "", "the role assignment whose suggestion --whatif-out writes")
	f.StringVar(&scope, "scope", "", "the scope of --assignment (default: the application level)")
	return cmd
}

// writeSuggestion writes the suggestion for one assignment as a what-if
// file.
func writeSuggestion(rep *api.LeastPrivilegeReport, assignment, scope, file string, cmd *cobra.Command) error {
	for _, a := range rep.Assignments {
		if !names.Equal(a.Name, strings.TrimSpace(assignment)) || !names.Equal(a.Scope, strings.TrimSpace(scope)) {
			continue
		}
		if a.Suggest == nil {
			why := "every operation it grants was used"
			if a.NoSuggestion != "" {
				why = a.NoSuggestion
			}
			return fmt.Errorf("role assignment %q in %s: no suggestion: %s", a.Name, scopeLabel(a.Scope), why)
		}
		var buf bytes.Buffer
		if err := printJSON(&buf, a.Suggest.WhatIf); err != nil {
			return err
		}
		if _, err := regfile.WriteAtomic(file, buf.Bytes(), regfile.WriteOptions{Perm: 0o600}); err != nil {
			return err
		}
		_, err := fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d edits against revision %d; review them with: azgate whatif --edits %s\n",
			file, len(a.Suggest.WhatIf.Edits), rep.Revision, file)
		return err
	}
	return fmt.Errorf("no role assignment %q in %s of %q", assignment, scopeLabel(scope), rep.Application)
}
