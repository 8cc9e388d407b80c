package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/authz"
	name "github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policies"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/ldapstore"
	"github.com/azgate/azgate/policy/policydoc"
	"github.com/azgate/azgate/policy/xmlstore"
)

// store: create, check, print and copy whole stores.

func newStoreCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "store", Short: "Create, validate, show and copy policy stores"}
	cmd.AddCommand(storeInitCmd(c), storeValidateCmd(c), storeShowCmd(c), storeCopyCmd(c), storeRepairCmd(c), storeConvertRulesCmd(c))
	return cmd
}

// examples are the policies store init can write.
var examples = map[string]func() []byte{
	"default": policies.InitialStore,
	"book":    policies.BookRoles,
}

func storeInitCmd(c *cli) *cobra.Command {
	var example string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create the store from the Hyper-V default (or an example)",
		Long: `Create the store named by --store from the embedded Hyper-V default policy:
one application "Hyper-V services" with every operation, a role definition
"Administrator" holding all of them, assigned to BUILTIN\Administrators.
--example book adds the Hyper-V Resource Kit's example roles. An existing
store is never overwritten.`,
		Example: "  azgate store init --store msxml://./store.xml --example book",
		Args:    args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			data, ok := examples[strings.ToLower(example)]
			if !ok {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--example %q: want default or book", example)}
			}
			p, _, _, err := xmlstore.Parse(bytes.NewReader(data()), "embedded "+example+" store")
			if err != nil {
				return fmt.Errorf("embedded %s store: %w", example, err)
			}
			if err := c.create(cmd.Context(), c.storeURL, p); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "created %s from the %s policy\n", c.storeURL, example)
			return err
		},
	}
	cmd.Flags().StringVar(&example, "example", "default", "policy to write: default (Hyper-V) or book (with the book's example roles)")
	return cmd
}

// create saves p as a new store at url; an existing store is an error.
func (c *cli) create(ctx context.Context, url string, p *policy.Policy) error {
	s, err := c.open(ctx, url)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, _, err := s.Load(ctx); err == nil {
		return fmt.Errorf("store %s exists; refusing to overwrite it", url)
	} else if !errors.Is(err, policy.ErrNotFound) {
		return fmt.Errorf("store %s: %w", url, err)
	}
	return c.audited(ctx, url, func(ctx context.Context) (policy.Revision, policy.Revision, error) {
		nrev, err := s.Save(ctx, p, 0)
		if errors.Is(err, policy.ErrConflict) {
			return 0, 0, fmt.Errorf("store %s exists; refusing to overwrite it", url)
		} else if err != nil {
			return 0, 0, fmt.Errorf("save %s: %w", url, err)
		}
		return 0, nrev, nil
	})
}

// warner is a store that reports oddities of what it last loaded (an
// imported store's foreign operations, dropped attributes).
type warner interface {
	Warnings() []xmlstore.Warning
}

func storeValidateCmd(c *cli) *cobra.Command {
	var strict bool
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the store; print problems and warnings",
		Long: `Load the store, validate it, and compile every application for decisions.
Problems (malformed file, dangling links, cycles, duplicate names) and warnings
(operations that differ from the catalog, attributes dropped, rules that cannot
be evaluated) are printed.

Exit status: 0 the store is valid (warnings allowed, unless --strict);
1 the store is invalid, or has warnings with --strict; 2 it could not be read.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			s, err := c.openStore(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			p, rev, err := s.Load(ctx)
			if err != nil {
				if !invalid(err) {
					return fmt.Errorf("load store %s: %w", c.storeURL, err)
				}
				fmt.Fprintf(out, "%s is invalid:\n", c.storeURL)
				for _, line := range problems(ctx, s, err) {
					fmt.Fprintf(out, "  %s\n", line)
				}
				return withCode(exitFalse, nil)
			}
			if err := p.LDAPQueryErrors(); err != nil {
				fmt.Fprintf(out, "%s is invalid:\n", c.storeURL)
				for _, line := range strings.Split(err.Error(), "\n") {
					fmt.Fprintf(out, "  %s\n", line)
				}
				fmt.Fprintf(out, "  (azgate loads such a store and lets nobody into the group; fix the filter with 'azgate app-group set NAME --ldap-query FILTER')\n")
				return withCode(exitFalse, nil)
			}
			var warnings []string
			if w, ok := s.(warner); ok {
				for _, x := range w.Warnings() {
					warnings = append(warnings, x.String())
				}
			}
			for _, a := range p.Applications {
				w, err := applicationWarnings(p, a)
				if err != nil {
					fmt.Fprintf(out, "%s is invalid:\n  application %q: %v\n", c.storeURL, a.Name, err)
					return withCode(exitFalse, nil)
				}
				warnings = append(warnings, w...)
			}
			for _, w := range warnings {
				fmt.Fprintf(out, "warning: %s\n", w)
			}
			fmt.Fprintf(out, "%s is valid: revision %d, %s, %s\n",
				c.storeURL, rev, plural(len(p.Applications), "application"), plural(len(warnings), "warning"))
			if strict && len(warnings) > 0 {
				return withCode(exitFalse, nil)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&strict, "strict", false, "treat warnings as problems (exit 1)")
	return cmd
}

// problems lists what makes a store invalid: for a directory store every
// malformed entry, by DN and attribute (the first one is loadErr; the rest
// are found by reading past it), else loadErr's lines.
func problems(ctx context.Context, s policy.Store, loadErr error) []string {
	if st, ok := s.(*ldapstore.Store); ok {
		if sv, err := st.Salvage(ctx); err == nil && len(sv.Fixes) > 0 {
			lines := make([]string, len(sv.Fixes))
			for i, f := range sv.Fixes {
				what, _, _ := strings.Cut(f, " — ")
				lines[i] = what
			}
			return append(lines, "('azgate store repair' shows how each would be repaired; an edit with --repair repairs them in the same save)")
		}
	}
	return strings.Split(loadErr.Error(), "\n")
}

// invalid reports whether err says the store exists but is not a valid
// policy, as opposed to not readable at all.
func invalid(err error) bool {
	var ve *policy.ValidationError
	var pe *xmlstore.ParseError
	return errors.As(err, &ve) || errors.As(err, &pe) ||
		errors.Is(err, policy.ErrInvalid) || errors.Is(err, policy.ErrDanglingLink) ||
		errors.Is(err, policy.ErrCycle) || errors.Is(err, policy.ErrDuplicate)
}

func storeShowCmd(c *cli) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the whole store as a tree (or JSON)",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, rev, err := c.loadRev(cmd.Context())
			if err != nil {
				return err
			}
			v := policydoc.Of(p, rev)
			if asJSON {
				return printJSON(cmd.OutOrStdout(), v)
			}
			t := &tree{w: cmd.OutOrStdout()}
			t.store(v)
			return t.err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func storeCopyCmd(c *cli) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "copy SRC DST",
		Short: "Copy a store to another, of any kind",
		Example: `  azgate store copy msxml://./InitialStore.xml msxml:///var/lib/azgate/store.xml
  azgate store copy msxml://./store.xml msldap://ldap.example.com/CN=azgate,DC=example,DC=com`,
		Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			ctx := cmd.Context()
			src, err := c.open(ctx, a[0])
			if err != nil {
				return err
			}
			defer src.Close()
			p, _, err := src.Load(ctx)
			if err != nil {
				return fmt.Errorf("load %s: %w", a[0], err)
			}
			if force {
				err = c.replace(ctx, a[1], p)
			} else {
				err = c.create(ctx, a[1], p)
			}
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "copied %s to %s\n", a[0], a[1])
			return err
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace DST if it exists")
	return cmd
}

// replace saves p to url whether or not a store is there.
func (c *cli) replace(ctx context.Context, url string, p *policy.Policy) error {
	s, err := c.open(ctx, url)
	if err != nil {
		return err
	}
	defer s.Close()
	return c.audited(ctx, url, func(ctx context.Context) (old, nrev policy.Revision, err error) {
		old, nrev, err = policy.Update(ctx, s, func(q *policy.Policy) error { *q = *p.Clone(); return nil })
		switch {
		case errors.Is(err, policy.ErrNotFound):
			old = 0
			nrev, err = s.Save(ctx, p, 0)
		case err != nil && old == 0:
			// DST exists but cannot be loaded: --force replaces it anyway.
			old, nrev, err = c.overwriteBroken(ctx, url, s, p, err)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("save %s: %w", url, err)
		}
		return old, nrev, nil
	})
}

// overwriteBroken saves p over a store that cannot be loaded (loadErr):
// a malformed entry, an interrupted or stuck save in a directory; an
// invalid file (kept as PATH.broken-<time>).
func (c *cli) overwriteBroken(ctx context.Context, url string, s policy.Store, p *policy.Policy, loadErr error) (old, nrev policy.Revision, err error) {
	switch st := s.(type) {
	case *ldapstore.Store:
		if !invalid(loadErr) && !errors.Is(loadErr, ldapstore.ErrInterrupted) && !errors.Is(loadErr, ldapstore.ErrBusy) {
			return 0, 0, loadErr
		}
		nrev, err = st.TakeOver(ctx, p)
	case *xmlstore.Store:
		if !invalid(loadErr) {
			return 0, 0, loadErr
		}
		nrev, err = st.Restore(ctx, p, 0)
	default:
		return 0, 0, loadErr
	}
	if err == nil {
		fmt.Fprintf(c.stderr, "%s could not be loaded (%s); replaced it\n", url, firstErrLine(loadErr.Error()))
	}
	return 0, nrev, err
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func storeRepairCmd(c *cli) *cobra.Command {
	var from string
	var yes, accept bool
	cmd := &cobra.Command{
		Use:   "repair",
		Short: "Repair a store a failed write left unloadable",
		Long: `Repair the store named by --store when it cannot be loaded because a write
went wrong. A healthy store is left alone. Without --yes, repair only says
what is wrong and what it would write.

msxml:// — when the file is invalid (malformed XML, an invalid policy), repair
restores the previous version the store keeps as PATH.bak (or the store given
by --from). It writes it under the store's lock at a revision above both, so
running servers reload it, and keeps the invalid file as PATH.broken-<time>.

msldap:// — with --from URL (an XML export made with 'azgate store copy',
another store), repair saves that known-good policy over the store whatever
is wrong with it: malformed entries, a save that never finished (its entries
may mix two policies), a "save in progress" marker that never ends (dated in
the future: forged, or a clock far ahead). Without --from, repair saves the
entries as they stand, with each malformed entry repaired (a bad
msDS-AzObjectGuid gets a new GUID) or left out, every one listed; an
interrupted save needs --from, since its entries cannot be trusted.

Repair never changes the policy in force silently: it lists what the restore
would change — members and links added or removed, e.g. a grant revoked since
the backup coming back — and writes such a repair only with --accept-changes.

Exit status: 0 healthy or repaired; 1 repair needed but --yes (or
--accept-changes) not given; 2 an error (nothing to restore from, an
unreadable copy, the directory down).`,
		Example: `  azgate store repair --store msxml:///var/lib/azgate/store.xml --yes
  azgate store repair --store msldap://ldap1/CN=AzStore,DC=example,DC=org --from msxml://./backup.xml --yes`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			s, err := c.openStore(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			_, rev, loadErr := s.Load(ctx)
			if loadErr == nil {
				_, err := fmt.Fprintf(out, "%s is healthy (revision %d); nothing to repair\n", c.storeURL, rev)
				return err
			}
			if from != "" && strings.EqualFold(strings.TrimSpace(from), strings.TrimSpace(c.storeURL)) {
				return fmt.Errorf("--from %s is the store being repaired", from)
			}
			var plan *repairPlan
			switch st := s.(type) {
			case *xmlstore.Store:
				plan, err = c.planXMLRepair(ctx, st, loadErr, from)
			case *ldapstore.Store:
				plan, err = c.planLDAPRepair(ctx, st, loadErr, from)
			default:
				err = fmt.Errorf("load store %s: %w (repair knows msxml:// and msldap:// stores)", c.storeURL, loadErr)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%s: %s\nrepair: %s\n", c.storeURL, plan.problem, plan.action)
			confirm := plan.printChanges(out)
			switch {
			case !yes:
				flags := "--yes"
				if confirm {
					flags += " --accept-changes"
				}
				fmt.Fprintf(out, "nothing written; run again with %s to repair\n", flags)
				return withCode(exitFalse, nil)
			case confirm && !accept:
				fmt.Fprintln(out, "nothing written: this repair changes the policy in force as listed above; run again with --yes --accept-changes to write it")
				return withCode(exitFalse, nil)
			}
			err = c.audited(ctx, c.storeURL, func(ctx context.Context) (policy.Revision, policy.Revision, error) {
				rev, err = plan.apply(ctx)
				return plan.from, rev, err
			})
			if err != nil {
				return fmt.Errorf("repair %s: %w", c.storeURL, err)
			}
			_, err = fmt.Fprintf(out, "repaired %s: revision %d\n", c.storeURL, rev)
			return err
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "store URL of a known-good copy to restore (required for msldap://; default for msxml:// is PATH.bak)")
	cmd.Flags().BoolVar(&yes, "yes", false, "write the repair (without it, only say what would be done)")
	cmd.Flags().BoolVar(&accept, "accept-changes", false, "with --yes: write a repair that changes the policy as listed (members or links added or removed, entries left out)")
	return cmd
}

// repairPlan is what store repair found and would do.
type repairPlan struct {
	problem string // what is wrong
	action  string // what apply writes
	from    policy.Revision
	// changes lists what the repair changes in the policy ("- …", "+ …",
	// see policy.Changes); unknown, when set, says why they cannot be
	// listed (so the repair must be confirmed as if it changed anything).
	changes []string
	unknown string
	apply   func(ctx context.Context) (policy.Revision, error)
}

// printChanges lists what the repair changes and reports whether it must
// be confirmed with --accept-changes.
func (p *repairPlan) printChanges(w io.Writer) (confirm bool) {
	switch {
	case p.unknown != "":
		fmt.Fprintf(w, "changes: cannot be listed: %s; the repair may undo any change made since the copy (a revoked grant would come back)\n", p.unknown)
		return true
	case len(p.changes) == 0:
		fmt.Fprintln(w, "changes: none to the policy")
		return false
	}
	fmt.Fprintf(w, "changes to the policy (- removed, + added back or added):\n")
	for _, l := range p.changes {
		fmt.Fprintf(w, "  %s\n", l)
	}
	return true
}

// loadCopy loads the known-good copy a repair restores.
func (c *cli) loadCopy(ctx context.Context, url string) (*policy.Policy, policy.Revision, error) {
	s, err := c.open(ctx, url)
	if err != nil {
		return nil, 0, err
	}
	defer s.Close()
	p, rev, err := s.Load(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("load the copy to restore, %s: %w", url, err)
	}
	if err := p.Validate(); err != nil {
		return nil, 0, fmt.Errorf("the copy to restore, %s: %w", url, err)
	}
	return p, rev, nil
}

func policySummary(p *policy.Policy) string {
	names := make([]string, len(p.Applications))
	for i, a := range p.Applications {
		names[i] = fmt.Sprintf("%q", a.Name)
	}
	return fmt.Sprintf("%s %s", plural(len(p.Applications), "application"), strings.Join(names, ", "))
}

// planLDAPRepair: a known-good --from copy is saved over the store,
// whatever is wrong with it (ldapstore.Store.TakeOver); without one, the
// entries as they stand, each malformed one repaired or left out
// (ldapstore.Store.Salvage).
func (c *cli) planLDAPRepair(ctx context.Context, st *ldapstore.Store, loadErr error, from string) (*repairPlan, error) {
	var ie *ldapstore.InterruptedError
	interrupted := errors.As(loadErr, &ie) && !ie.Future
	if !invalid(loadErr) && !errors.Is(loadErr, ldapstore.ErrInterrupted) && !errors.Is(loadErr, ldapstore.ErrBusy) {
		return nil, fmt.Errorf("load store %s: %w (nothing repair can mend: it mends malformed entries, interrupted and stuck saves)", c.storeURL, loadErr)
	}
	plan := &repairPlan{problem: firstErrLine(loadErr.Error())}
	sv, serr := st.Salvage(ctx)
	if serr == nil {
		plan.from = sv.Revision
	}
	if from != "" {
		p, rev, err := c.loadCopy(ctx, from)
		if err != nil {
			return nil, err
		}
		plan.action = fmt.Sprintf("save the policy of %s (revision %d; %s) over it, replacing whatever is there", from, rev, policySummary(p))
		if serr != nil {
			plan.unknown = fmt.Sprintf("the store cannot be read entry by entry (%v)", serr)
		} else {
			plan.changes = policy.Changes(sv.Policy, p)
			if interrupted {
				plan.unknown = "an interrupted save left entries that may mix two policies"
			}
		}
		plan.apply = func(ctx context.Context) (policy.Revision, error) { return st.TakeOver(ctx, p) }
		return plan, nil
	}
	switch {
	case interrupted:
		return nil, fmt.Errorf("store %s: %s. Its entries may mix two policies and the directory keeps no copy of the last committed one: give a known-good copy with --from URL, e.g. an XML export made with 'azgate store copy'", c.storeURL, plan.problem)
	case serr != nil:
		return nil, fmt.Errorf("store %s: %s; it cannot be repaired entry by entry (%v): give a known-good copy with --from URL", c.storeURL, plan.problem, serr)
	}
	plan.action = fmt.Sprintf("save the entries as they stand (revision %d; %s)", sv.Revision, policySummary(sv.Policy))
	if len(sv.Fixes) > 0 {
		plan.action += ", with:\n  " + strings.Join(sv.Fixes, "\n  ")
	}
	for _, f := range sv.Fixes {
		if strings.Contains(f, "left out") {
			plan.changes = append(plan.changes, "- "+f)
		}
	}
	plan.apply = func(ctx context.Context) (policy.Revision, error) { return st.TakeOver(ctx, sv.Policy) }
	return plan, nil
}

// planXMLRepair: an invalid file is replaced by its backup (PATH.bak) or
// the --from copy (xmlstore.Store.Backup and Restore).
func (c *cli) planXMLRepair(ctx context.Context, st *xmlstore.Store, loadErr error, from string) (*repairPlan, error) {
	path := st.Path()
	switch {
	case errors.Is(loadErr, policy.ErrNotFound):
		return nil, fmt.Errorf("store %s: %w: there is no file to repair (to bring back %s.bak: azgate store copy msxml://%s.bak msxml://%s)",
			c.storeURL, loadErr, path, path, path)
	case !invalid(loadErr):
		return nil, fmt.Errorf("load store %s: %w (repair restores invalid files only)", c.storeURL, loadErr)
	}
	src := from
	var p *policy.Policy
	var rev policy.Revision
	var err error
	if src == "" {
		src = xmlstore.Scheme + st.BackupPath()
		p, rev, err = st.Backup(ctx)
		if errors.Is(err, policy.ErrNotFound) {
			return nil, fmt.Errorf("store %s is invalid and has no backup to restore (%w); give a known-good copy with --from URL", c.storeURL, err)
		}
		if err != nil {
			return nil, fmt.Errorf("load the copy to restore, %s: %w", src, err)
		}
	} else if p, rev, err = c.loadCopy(ctx, src); err != nil {
		return nil, err
	}
	plan := &repairPlan{
		problem: fmt.Sprintf("invalid: %s", firstErrLine(loadErr.Error())),
		action:  fmt.Sprintf("restore %s (revision %d; %s); keep the invalid file as %s.broken-<time>", src, rev, policySummary(p), path),
		apply: func(ctx context.Context) (policy.Revision, error) {
			return st.Restore(ctx, p, rev)
		},
	}
	// What the restore undoes: the broken file against the copy, read as
	// far as it can be.
	if cur, crev, err := st.Unchecked(ctx); err != nil {
		plan.unknown = fmt.Sprintf("the broken file cannot be read (%s)", firstErrLine(err.Error()))
	} else {
		plan.from = crev
		plan.changes = policy.Changes(cur, p)
		if crev != rev {
			plan.action += fmt.Sprintf("; the broken file is at revision %d", crev)
		}
	}
	return plan, nil
}

func firstErrLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// applicationWarnings compiles application a as checks decide it, over its
// own operations (the store defines each application's operations), and
// returns what a person should know. For the engine's application that
// includes the engine's operations it lacks, as one line.
func applicationWarnings(p *policy.Policy, a *policy.Application) ([]string, error) {
	chk, err := authz.Compile(p, a.Name, authz.Options{})
	if err != nil {
		return nil, err
	}
	var warnings []string
	for _, w := range chk.Warnings() {
		warnings = append(warnings, fmt.Sprintf("access checks: application %q: %s", a.Name, w))
	}
	if name.Equal(a.Name, policy.DefaultApplication) {
		// One line for the engine's operations the application lacks. A
		// store with other OperationIDs (Microsoft's) is matched by name:
		// no warning.
		if s := chk.Bind(operations.HyperV()).Summary(); s != "" {
			warnings = append(warnings, fmt.Sprintf("application %q: %s", a.Name, s))
		}
	}
	return warnings, nil
}
