package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/scopes"
)

// check: the access check, a fixed contract for scripts.

// checkJSON is the --json output of check.
type checkJSON struct {
	User        string        `json:"user"`
	Groups      []string      `json:"groups"`
	Application string        `json:"application"`
	Scope       string        `json:"scope"` // "" for the default scope
	Allowed     bool          `json:"allowed"`
	Results     []checkResult `json:"results"`
}

type checkResult struct {
	Operation string     `json:"operation"`
	ID        int        `json:"id"`
	Allowed   bool       `json:"allowed"`
	Grant     *grantJSON `json:"grant,omitempty"`
	Error     string     `json:"error,omitempty"`
	// Missing and Hints, on a denial: the operation and scope it lacks,
	// and the smallest existing grants (whoever reads the store may read
	// the policy).
	Missing     string             `json:"missing,omitempty"`
	Hints       []string           `json:"hints,omitempty"`
	Explanation *authz.Explanation `json:"explanation,omitempty"`
}

// grantJSON names the role assignment that granted an operation.
type grantJSON struct {
	Scope          string `json:"scope"` // "" for the default scope
	Assignment     string `json:"assignment"`
	RoleDefinition string `json:"roleDefinition"`
	Principal      string `json:"principal"`
}

func grantOf(g *authz.Grant) *grantJSON {
	if g == nil {
		return nil
	}
	return &grantJSON{Scope: g.Scope, Assignment: g.Assignment, RoleDefinition: g.RoleDefinition, Principal: g.Principal}
}

func newCheckCmd(c *cli) *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check --user ID [--group ID]... [--scope NAME] --op NAME_OR_ID [--op ...] [--param K=V]...",
		Short: "Decide whether a user may perform operations",
		Long: `Decide, with the policy of --store, whether the user (with the given groups)
may perform each operation in the scope (default: the application level).

Prints one line per operation, "NAME: allowed" or "NAME: denied". Exit status:
0 when every operation is allowed, 1 when any is denied, 2 on any error
(unknown scope or operation, unreadable store, bad flags). This output and
these codes are a fixed contract for scripts.

--param K=V sets a business-rule parameter; V is read as an integer, a
float, true or false, else kept as a string.`,
		Example: `  azgate check --user 'S-1-5-32-544' --op 'Start Virtual Machine'
  azgate check --user alice --group 'CONTOSO\HV-Monitors' --op 'View Switches' --op 107
  azgate check --user bob --group 'CONTOSO\Lab-VMOperators' --scope Lab --op 'Start Virtual Machine' --explain`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			q, err := f.query()
			if err != nil {
				return &usageError{cmd: cmd.CommandPath(), err: err}
			}
			ctx := cmd.Context()
			rc, err := resolveCheck(ctx, c, q)
			if err != nil {
				return err
			}
			doc, err := rc.decide(ctx, q)
			if err != nil {
				return err
			}
			return writeCheck(cmd, doc, f.json)
		},
	}
	f.register(cmd.Flags())
	return cmd
}

// check runs in four phases: the flags become a checkQuery (query), the
// query is resolved in the store's policy (resolveCheck), decided
// (resolvedCheck.decide) and written (writeCheck).

// checkFlags are check's flags, as given.
type checkFlags struct {
	user, scope, app   string
	groups, ops, param []string
	explain, json      bool
}

func (f *checkFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.user, "user", "", "the user: a SID or account name (required)")
	fs.StringArrayVar(&f.groups, "group", nil, "a group the user is in, SID or name (repeatable)")
	fs.StringVar(&f.scope, "scope", "", "scope to check in (default: the application level)")
	fs.StringVar(&f.app, "app", "", appFlagHelp)
	fs.StringArrayVar(&f.ops, "op", nil, "operation, by name or ID (repeatable; at least one)")
	fs.StringArrayVar(&f.param, "param", nil, "business-rule parameter K=V (repeatable)")
	fs.BoolVar(&f.explain, "explain", false, "explain each decision under its line")
	fs.BoolVar(&f.json, "json", false, "print a JSON document")
}

// checkQuery is the check the flags ask for, before it meets a policy.
type checkQuery struct {
	client  directory.ClientContext
	where   locFlags // application and scope, as given
	ops     []string // by name or OperationID, as given
	params  authz.Params
	explain bool
}

// query validates the flags; an error is a usage error.
func (f *checkFlags) query() (checkQuery, error) {
	if strings.TrimSpace(f.user) == "" {
		return checkQuery{}, errors.New("--user is required")
	}
	if len(f.ops) == 0 {
		return checkQuery{}, errors.New("at least one --op is required")
	}
	params, err := parseParams(f.param)
	if err != nil {
		return checkQuery{}, err
	}
	return checkQuery{
		client:  directory.ClientContext{Name: f.user, IDs: []string{f.user}, Groups: f.groups},
		where:   locFlags{app: f.app, scope: f.scope},
		ops:     f.ops,
		params:  params,
		explain: f.explain,
	}, nil
}

// resolvedCheck is a query resolved in the store's policy: the
// application compiled, the scope and operations as it names them.
type resolvedCheck struct {
	chk *authz.Checker
	loc policy.Location
	ids []operations.ID
}

// resolveCheck loads the policy, finds the application and scope, and
// resolves each operation by name or by that application's OperationID.
func resolveCheck(ctx context.Context, c *cli, q checkQuery) (resolvedCheck, error) {
	p, err := c.load(ctx)
	if err != nil {
		return resolvedCheck{}, err
	}
	loc, err := q.where.resolve(p)
	if err != nil {
		return resolvedCheck{}, err
	}
	chk, err := authz.Compile(p, loc.App, authz.Options{})
	if err != nil {
		return resolvedCheck{}, err
	}
	ids := make([]operations.ID, len(q.ops))
	for i, o := range q.ops {
		op, err := chk.Operations().Parse(o)
		if err != nil {
			return resolvedCheck{}, err
		}
		ids[i] = op.ID
	}
	return resolvedCheck{chk: chk, loc: loc, ids: ids}, nil
}

// decide checks every operation and documents each result: the grant, or
// what is missing and the grants that would give it; the explanation
// when asked.
func (rc resolvedCheck) decide(ctx context.Context, q checkQuery) (checkJSON, error) {
	results, err := rc.chk.AccessCheck(ctx, q.client, rc.loc.Scope, rc.ids, q.params)
	if err != nil {
		return checkJSON{}, err
	}
	doc := checkJSON{User: q.client.Name, Groups: nonNil(q.client.Groups), Application: rc.loc.App, Scope: rc.loc.Scope, Allowed: true}
	for _, r := range results {
		cr := checkResult{Operation: r.Operation.Name, ID: int(r.Operation.ID), Allowed: r.Allowed, Grant: grantOf(r.Grant)}
		if r.Err != nil {
			cr.Error = r.Err.Error()
		}
		if !r.Allowed {
			cr.Missing = fmt.Sprintf("%q in %s", r.Operation.Name, scopes.Label(rc.loc.Scope))
			hs, _ := rc.chk.Hints(rc.loc.Scope, r.Operation.ID)
			for _, h := range hs {
				cr.Hints = append(cr.Hints, h.String())
			}
		}
		if q.explain {
			ex := rc.chk.Explain(ctx, q.client, rc.loc.Scope, r.Operation.ID, q.params)
			cr.Explanation = &ex
		}
		doc.Allowed = doc.Allowed && r.Allowed
		doc.Results = append(doc.Results, cr)
	}
	return doc, nil
}

// writeCheck prints doc, as JSON or one line per operation, and returns
// the exit status: 1 (exitFalse) when any operation is denied.
func writeCheck(cmd *cobra.Command, doc checkJSON, asJSON bool) error {
	var err error
	if asJSON {
		err = printJSON(cmd.OutOrStdout(), doc)
	} else {
		err = printCheck(cmd, doc)
	}
	if err != nil {
		return err
	}
	if !doc.Allowed {
		return withCode(exitFalse, nil)
	}
	return nil
}

func printCheck(cmd *cobra.Command, doc checkJSON) error {
	out := cmd.OutOrStdout()
	for _, r := range doc.Results {
		word := "denied"
		if r.Allowed {
			word = "allowed"
		}
		if _, err := fmt.Fprintf(out, "%s: %s\n", r.Operation, word); err != nil {
			return err
		}
		if r.Explanation != nil {
			for _, l := range strings.Split(r.Explanation.String(), "\n") {
				if _, err := fmt.Fprintf(out, "    %s\n", strings.TrimSpace(l)); err != nil {
					return err
				}
			}
		} else if r.Error != "" {
			fmt.Fprintf(cmd.ErrOrStderr(), "azgate: %s: %s\n", r.Operation, r.Error)
		}
		if r.Explanation == nil && r.Missing != "" {
			// stdout stays one line per operation; what would grant it
			// goes to stderr.
			fix := "no role assignment or role definition grants it there"
			if len(r.Hints) > 0 {
				fix = "would grant it: " + strings.Join(r.Hints, "; ")
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "azgate: %s not granted; %s\n", r.Missing, fix)
		}
	}
	return nil
}

// parseParams reads K=V pairs; V becomes an int, a float64, a bool or a
// string, the first that parses.
func parseParams(ps []string) (authz.Params, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	out := authz.Params{}
	for _, p := range ps {
		k, v, ok := strings.Cut(p, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("--param %q: want KEY=VALUE", p)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("--param %q: %s is given twice", p, k)
		}
		out[k] = paramValue(v)
	}
	return out, nil
}

func paramValue(v string) any {
	if i, err := strconv.Atoi(v); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return f
	}
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	}
	return v
}

// nonNil is ss, or an empty list for nil (a JSON [] rather than null).
func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
