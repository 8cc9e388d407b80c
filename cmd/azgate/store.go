package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/policies"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/ldapstore"
	"github.com/azgate/azgate/policy/xmlstore"
)

// store: create, check, print and copy whole stores.

func newStoreCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "store", Short: "Create, validate, show and copy policy stores"}
	cmd.AddCommand(storeInitCmd(c), storeValidateCmd(c), storeShowCmd(c), storeCopyCmd(c), storeRepairCmd(c))
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
				for _, line := range strings.Split(err.Error(), "\n") {
					fmt.Fprintf(out, "  %s\n", line)
				}
				return withCode(exitFalse, nil)
			}
			var warnings []string
			if w, ok := s.(warner); ok {
				for _, x := range w.Warnings() {
					warnings = append(warnings, x.String())
				}
			}
			for _, a := range p.Applications {
				chk, err := authz.Compile(p, a.Name, authz.Options{})
				if err != nil {
					fmt.Fprintf(out, "%s is invalid:\n  application %q: %v\n", c.storeURL, a.Name, err)
					return withCode(exitFalse, nil)
				}
				for _, w := range chk.Warnings() {
					warnings = append(warnings, "access checks: "+w)
				}
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
			p, err := c.load(cmd.Context())
			if err != nil {
				return err
			}
			v := storeViewOf(p)
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
		if errors.Is(err, policy.ErrNotFound) {
			old = 0
			nrev, err = s.Save(ctx, p, 0)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("save %s: %w", url, err)
		}
		return old, nrev, nil
	})
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func storeRepairCmd(c *cli) *cobra.Command {
	var from string
	var yes bool
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

msldap:// — when a writer died in the middle of a save, the store is refused
(an interrupted save: its entries may mix two policies). The directory keeps
no copy of the last committed policy, so repair needs a known-good copy,
--from URL (an XML export made with 'azgate store copy', another store). It
saves that policy over the store at the interrupted revision, which leaves
exactly that policy in the directory.

Exit status: 0 healthy or repaired; 1 repair needed but --yes not given;
2 an error (nothing to restore from, an unreadable copy, the directory down).`,
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
			if !yes {
				fmt.Fprintln(out, "nothing written; run again with --yes to repair")
				return withCode(exitFalse, nil)
			}
			err = c.audited(ctx, c.storeURL, func(ctx context.Context) (policy.Revision, policy.Revision, error) {
				rev, err = plan.apply(ctx)
				return 0, rev, err
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
	return cmd
}

// repairPlan is what store repair found and would do.
type repairPlan struct {
	problem string // what is wrong
	action  string // what apply writes
	apply   func(ctx context.Context) (policy.Revision, error)
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

// planLDAPRepair: an interrupted save is repaired by saving a whole,
// known-good policy at the interrupted revision (see package ldapstore).
func (c *cli) planLDAPRepair(ctx context.Context, st *ldapstore.Store, loadErr error, from string) (*repairPlan, error) {
	var ie *ldapstore.InterruptedError
	if !errors.As(loadErr, &ie) {
		return nil, fmt.Errorf("load store %s: %w (repair fixes interrupted saves only)", c.storeURL, loadErr)
	}
	problem := fmt.Sprintf("the save of revision %d by %s, started %s, never finished; its entries may mix two policies", ie.Revision, ie.Writer, ie.Since)
	if from == "" {
		return nil, fmt.Errorf("store %s: %s. The directory keeps no copy of the last committed policy (the interrupted save overwrote part of it): give a known-good copy with --from URL, e.g. an XML export made with 'azgate store copy'", c.storeURL, problem)
	}
	p, rev, err := c.loadCopy(ctx, from)
	if err != nil {
		return nil, err
	}
	return &repairPlan{
		problem: problem,
		action:  fmt.Sprintf("save the policy of %s (revision %d; %s) over it, at revision %d", from, rev, policySummary(p), ie.Revision),
		apply: func(ctx context.Context) (policy.Revision, error) {
			return st.Save(ctx, p, policy.Revision(ie.Revision))
		},
	}, nil
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
	return &repairPlan{
		problem: fmt.Sprintf("invalid: %s", firstErrLine(loadErr.Error())),
		action:  fmt.Sprintf("restore %s (revision %d; %s); keep the invalid file as %s.broken-<time>", src, rev, policySummary(p), path),
		apply: func(ctx context.Context) (policy.Revision, error) {
			return st.Restore(ctx, p, rev)
		},
	}, nil
}

func firstErrLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
