package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	name "github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/policy"
)

// This file holds what the object command groups (task, role-def, role,
// scope, app-group) share: where an object lives, and the delete, list,
// show, add-* and remove-* subcommands.

// locFlags are --app, --scope and --store-level.
type locFlags struct {
	app, scope string
	storeLevel bool
}

func (l *locFlags) register(fs *pflag.FlagSet, spec *kindSpec) {
	fs.StringVar(&l.app, "app", "", appFlagHelp)
	if !spec.noScope {
		fs.StringVar(&l.scope, "scope", "", "scope the object lives in (default: the application level)")
	}
	if spec.storeLevel {
		fs.BoolVar(&l.storeLevel, "store-level", false, "the object lives at store level, shared by all applications")
	}
}

// appFlagHelp is the help of every --app flag.
const appFlagHelp = "application (default: the only one besides azgate, else \"Hyper-V services\")"

// resolve turns the flags into a Location in p, with names as p spells them.
func (l *locFlags) resolve(p *policy.Policy) (policy.Location, error) {
	if l.storeLevel {
		if l.app != "" || l.scope != "" {
			return policy.Location{}, fmt.Errorf("--store-level cannot be combined with --app or --scope")
		}
		return policy.Location{}, nil
	}
	name := l.app
	if name == "" {
		name = p.DefaultApp()
	}
	a, err := p.Application(name)
	if err != nil {
		var have []string
		for _, a := range p.Applications {
			have = append(have, strconv.Quote(a.Name))
		}
		if l.app == "" {
			return policy.Location{}, fmt.Errorf("the store has %d applications (%s) and none is the default; choose one with --app", len(p.Applications), strings.Join(have, ", "))
		}
		return policy.Location{}, fmt.Errorf("%w; the store has %s", err, strings.Join(have, ", "))
	}
	loc := policy.Location{App: a.Name}
	if l.scope != "" {
		s, err := a.Scope(l.scope)
		if err != nil {
			names := make([]string, len(a.Scopes))
			for i, s := range a.Scopes {
				names[i] = strconv.Quote(s.Name)
			}
			have := "it has no scopes"
			if len(names) > 0 {
				have = "its scopes are " + strings.Join(names, ", ")
			}
			return policy.Location{}, fmt.Errorf("application %q (%s): %w", a.Name, have, err)
		}
		loc.Scope = s.Name
	}
	return loc, nil
}

// kindSpec describes one kind of object for the shared subcommands.
type kindSpec struct {
	kind       policy.Kind
	storeLevel bool // may live at store level (--store-level)
	noScope    bool // never lives in a scope (scopes themselves)
	links      []linkSpec
	// views returns the objects of this kind at loc.
	views func(p *policy.Policy, loc policy.Location) ([]namedView, error)
	// fields returns the settable fields of the named object at loc.
	fields func(p *policy.Policy, loc policy.Location, name string) (fields, error)
	// check, if set, verifies that the named object is of this kind.
	check func(p *policy.Policy, loc policy.Location, name string) error
}

// where says where objects of the kind live, for help texts.
func (s *kindSpec) where() string {
	switch {
	case s.noScope:
		return "of an application"
	case s.storeLevel:
		return "of an application, a scope or the store"
	}
	return "of an application or a scope"
}

// linkSpec describes one add-X / remove-X pair of subcommands.
type linkSpec struct {
	name string // "member": add-member, remove-member
	rel  policy.Relation
	arg  string // placeholder in usage, "MEMBER"
	noun string // what a target is: "member", "role definition"
}

// objectCmd builds the command group for spec: the create command made by
// create, then delete, list, show and the link commands.
func objectCmd(c *cli, use, short string, spec *kindSpec, create func(*locFlags) *cobra.Command) *cobra.Command {
	loc := &locFlags{}
	cmd := &cobra.Command{Use: use, Short: short}
	loc.register(cmd.PersistentFlags(), spec)
	cmd.AddCommand(create(loc), deleteCmd(c, spec, loc), listCmd(c, spec, loc), showCmd(c, spec, loc), setCmd(c, spec, loc))
	for _, ls := range spec.links {
		cmd.AddCommand(linkCmd(c, spec, loc, ls, true), linkCmd(c, spec, loc, ls, false))
	}
	return cmd
}

// editAt runs edit on the store at the location l names, then prints
// report followed by that location: report `created task "Watch" in`
// prints `created task "Watch" in application "App"`.
func editAt(cmd *cobra.Command, c *cli, l *locFlags, report string, edit func(*policy.Policy, policy.Location) error) error {
	var loc policy.Location
	err := c.update(cmd.Context(), func(p *policy.Policy) error {
		var err error
		if loc, err = l.resolve(p); err != nil {
			return err
		}
		return edit(p, loc)
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", report, loc)
	return err
}

func deleteCmd(c *cli, spec *kindSpec, l *locFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: fmt.Sprintf("Delete a %s and every link to it", spec.kind),
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			report := fmt.Sprintf("deleted %s %q from", spec.kind, a[0])
			return editAt(cmd, c, l, report, func(p *policy.Policy, loc policy.Location) error {
				if spec.check != nil {
					if err := spec.check(p, loc, a[0]); err != nil {
						return err
					}
				}
				return p.Delete(loc, spec.kind, a[0])
			})
		},
	}
}

func listCmd(c *cli, spec *kindSpec, l *locFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: fmt.Sprintf("List the %ss %s", spec.kind, spec.where()),
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			vs, err := loadViews(cmd, c, spec, l)
			if err != nil {
				return err
			}
			if asJSON {
				docs := []any{}
				for _, v := range vs {
					docs = append(docs, v.doc)
				}
				return printJSON(cmd.OutOrStdout(), docs)
			}
			for _, v := range vs {
				if _, err := fmt.Fprintln(cmd.OutOrStdout(), v.name); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON, with every object's links")
	return cmd
}

func showCmd(c *cli, spec *kindSpec, l *locFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: fmt.Sprintf("Show a %s with its links", spec.kind),
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			vs, err := loadViews(cmd, c, spec, l)
			if err != nil {
				return err
			}
			for _, v := range vs {
				if name.Equal(v.name, a[0]) {
					if asJSON {
						return printJSON(cmd.OutOrStdout(), v.doc)
					}
					t := &tree{w: cmd.OutOrStdout()}
					v.print(t)
					return t.err
				}
			}
			return fmt.Errorf("%s %q: %w", spec.kind, a[0], policy.ErrNotFound)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func loadViews(cmd *cobra.Command, c *cli, spec *kindSpec, l *locFlags) ([]namedView, error) {
	p, err := c.load(cmd.Context())
	if err != nil {
		return nil, err
	}
	loc, err := l.resolve(p)
	if err != nil {
		return nil, err
	}
	vs, err := spec.views(p, loc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", loc, err)
	}
	return vs, nil
}

// linkCmd builds add-X (add true) or remove-X for one relation.
func linkCmd(c *cli, spec *kindSpec, l *locFlags, ls linkSpec, add bool) *cobra.Command {
	verb, prep, short := "add", "to", "Add %ss to a %s"
	if !add {
		verb, prep, short = "remove", "from", "Remove %ss from a %s"
	}
	timed := add && (ls.rel == policy.RelMember || ls.rel == policy.RelGroup) &&
		(spec.kind == policy.KindRole || spec.kind == policy.KindGroup)
	var starts, expires string
	cmd := &cobra.Command{
		Use:   fmt.Sprintf("%s-%s NAME %s...", verb, ls.name, ls.arg),
		Short: fmt.Sprintf(short, ls.noun, spec.kind),
		Args:  args(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			name, targets := a[0], a[1:]
			now := time.Now()
			var term policy.Term
			var err error
			if term.Start, err = parseWhen("--starts", starts, now); err != nil {
				return err
			}
			if term.Expires, err = parseWhen("--expires", expires, now); err != nil {
				return err
			}
			err = c.update(cmd.Context(), func(p *policy.Policy) error {
				loc, err := l.resolve(p)
				if err != nil {
					return err
				}
				if spec.check != nil {
					if err := spec.check(p, loc, name); err != nil {
						return err
					}
				}
				if term.IsZero() {
					return linkAll(p, loc, spec.kind, name, ls.rel, targets, add)
				}
				for _, t := range targets { // a member there already gets the term
					if err := p.Link(loc, spec.kind, name, ls.rel, t); err != nil && !errors.Is(err, policy.ErrDuplicate) {
						return err
					}
					if err := p.UpdateTerm(loc, spec.kind, name, ls.rel, t, term); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, t := range targets {
				if _, err := fmt.Fprintf(cmd.OutOrStdout(), "%sed %s \"%s\" %s %s %q%s\n",
					strings.TrimSuffix(verb, "e"), ls.noun, t, prep, spec.kind, name, termSuffix(term)); err != nil {
					return err
				}
			}
			return nil
		},
	}
	if timed {
		cmd.Flags().StringVar(&starts, "starts", "", "the membership starts at this time: RFC 3339 (2026-12-24T08:00:00Z) or a duration from now (8h, 30m, 7d)")
		cmd.Flags().StringVar(&expires, "expires", "", "the membership expires at this time: RFC 3339 or a duration from now (8h, 30m, 7d); given for a member there already, it changes its term")
	}
	return cmd
}

// maxTermDays bounds a term's duration in days (100 years).
const maxTermDays = 100 * 365

// parseWhen reads a term's time: RFC 3339, or a duration from now (Go's
// units, and d for days). "" is no limit.
func parseWhen(flag, s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := policy.ParseTime(s); err == nil {
		return t, nil
	}
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		if err == nil && (n < 0 || n > maxTermDays) { // n × 24h would overflow: 213504d was 25 minutes
			err = fmt.Errorf("more than %d days", maxTermDays)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d < 0 {
		return time.Time{}, fmt.Errorf("%s %q: want an RFC 3339 time (2026-12-24T08:00:00Z) or a duration from now (8h, 30m, 7d)", flag, s)
	}
	return now.Add(d).UTC().Truncate(time.Second), nil
}

// termSuffix is " (from … until …)" for a term, "" for none.
func termSuffix(t policy.Term) string {
	if t.IsZero() {
		return ""
	}
	return " (" + t.String() + ")"
}

// relTargets are the targets of one relation, from a repeatable flag of a
// create command.
type relTargets struct {
	rel     policy.Relation
	targets []string
}

// linkEach links every target of links to the new object, in order.
func linkEach(p *policy.Policy, loc policy.Location, kind policy.Kind, name string, links ...relTargets) error {
	for _, l := range links {
		if err := linkAll(p, loc, kind, name, l.rel, l.targets, true); err != nil {
			return err
		}
	}
	return nil
}

// linkAll links (or unlinks) every target to relation rel of the object.
func linkAll(p *policy.Policy, loc policy.Location, kind policy.Kind, name string, rel policy.Relation, targets []string, add bool) error {
	for _, t := range targets {
		if rel == policy.RelOperation {
			var err error
			if t, err = opTarget(p, loc, t); err != nil {
				return err
			}
		}
		var err error
		if add {
			err = p.Link(loc, kind, name, rel, t)
		} else {
			err = p.Unlink(loc, kind, name, rel, t)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// opTarget returns the name of the operation arg stands for in loc's
// application: arg is a name, or an OperationID. An unknown name gets the
// catalog's suggestions.
func opTarget(p *policy.Policy, loc policy.Location, arg string) (string, error) {
	a, err := p.Application(loc.App)
	if err != nil {
		return "", err
	}
	idx, _ := a.OperationIndex()
	o, err := idx.Parse(arg)
	if err != nil {
		return "", fmt.Errorf("%w (run 'azgate op list --app %q')", err, a.Name)
	}
	return o.Name, nil
}

// bizRuleFlag is --bizrule and --bizrule-lang.
type bizRuleFlag struct{ script, lang string }

func (b *bizRuleFlag) register(fs *pflag.FlagSet) {
	fs.StringVar(&b.script, "bizrule", "", "business rule: an expression over request parameters, or a JScript script (--bizrule-lang JScript)")
	fs.StringVar(&b.lang, "bizrule-lang", policy.LangExpr, "language of --bizrule: Expr or JScript (VBScript is kept but denies)")
}

func (b *bizRuleFlag) value() policy.BizRule {
	if b.script == "" {
		return policy.BizRule{}
	}
	return policy.BizRule{Script: b.script, Language: b.lang}
}
