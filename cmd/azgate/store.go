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
	"github.com/azgate/azgate/policy/xmlstore"
)

// store: create, check, print and copy whole stores.

func newStoreCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "store", Short: "Create, validate, show and copy policy stores"}
	cmd.AddCommand(storeInitCmd(c), storeValidateCmd(c), storeShowCmd(c), storeCopyCmd(c))
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
	if _, err := s.Save(ctx, p, 0); err != nil {
		if errors.Is(err, policy.ErrConflict) {
			return fmt.Errorf("store %s exists; refusing to overwrite it", url)
		}
		return fmt.Errorf("save %s: %w", url, err)
	}
	return nil
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
	_, _, err = policy.Update(ctx, s, func(q *policy.Policy) error { *q = *p.Clone(); return nil })
	if errors.Is(err, policy.ErrNotFound) {
		_, err = s.Save(ctx, p, 0)
	}
	if err != nil {
		return fmt.Errorf("save %s: %w", url, err)
	}
	return nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
