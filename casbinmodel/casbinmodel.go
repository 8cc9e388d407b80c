package casbinmodel

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/policy"
	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	defaultrolemanager "github.com/casbin/casbin/v2/rbac/default-role-manager"
)

// Model is AzMan's decision rule as a Casbin model; it is shipped as
// policies/azman.conf.
//
//   - r = (client, scope, operation): "c:<client name>", "s:<scope>" ("s:"
//     for the default scope), "o:<operation name>" (the application's own
//     operations, as its store names them), all folded.
//   - p = one row per grant target: a task or role definition linked by some
//     role assignment ("t:<guid>") or an operation linked directly ("o:<name>").
//     Rows are few (targets, not assignments): Enforce cost grows with them.
//   - g = who holds what: client → its identifiers and groups ("p:<principal>")
//     and the application groups it is effectively in ("ag:<guid>");
//     principal or application group → "<target>@<scope>" for every role
//     assignment naming it, where <scope> is "" at application level.
//   - g2 = operation → task → enclosing task, for tasks without business rules.
//   - g3 = the scopes the application has.
//
// Application-group membership is not monotonic (a non-member is never in
// the group, and Casbin links have no negation), so it is computed outside
// Casbin per client (ClientLines) and given to Casbin as g lines.
// Business rules and LDAP query groups depend on the request; the Casbin
// policy leaves every path through them out (they never grant there).
const Model = `# azgate: AzMan role-based authorization as a Casbin model.
# Generated policy lines come from casbinmodel.Policy (over the application's own
# operations, by name) and casbinmodel.ClientLines.

[request_definition]
r = sub, scope, op

[policy_definition]
p = target

[role_definition]
g = _, _
g2 = _, _
g3 = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g3(r.scope, "scope") && g2(r.op, p.target) && (g(r.sub, p.target + "@s:") || g(r.sub, p.target + "@" + r.scope))
`

// Lines are Casbin policy lines for Model.
type Lines struct {
	P  [][]string // grant targets
	G  [][]string // principals and application groups → grants; clients → principals and groups
	G2 [][]string // operations → tasks → tasks
	G3 [][]string // scopes
}

// Casbin names.
func casbinClient(name string) string { return "c:" + foldKey(name) }
func casbinScope(scope string) string { return "s:" + foldKey(scope) }
func casbinOp(name string) string     { return "o:" + foldKey(name) }
func casbinTask(guid string) string   { return "t:" + foldKey(guid) }
func casbinPrin(m string) string      { return "p:" + foldKey(m) }
func casbinGroup(guid string) string  { return "ag:" + foldKey(guid) }

// Request is the Enforce request for a check of the operation named op
// (as the application names it; letter case does not matter) by client in
// scope.
func Request(client directory.ClientContext, scope string, op string) []any {
	return []any{casbinClient(client.Name), casbinScope(scope), casbinOp(op)}
}

// Policy compiles application app of p ("" means p.DefaultApp()) into
// policy lines for Model, over the application's own operations (by name:
// Request names the operation). It validates p first. The client lines
// (ClientLines) are added separately. Members limited in time (policy.Term)
// count as they are now: Casbin has no clock, so lines made now go stale at
// the next start or expiry (authz.Checker.Boundary) — make them again then.
func Policy(p *policy.Policy, app string) (*Lines, error) {
	return PolicyAt(p, app, time.Now())
}

// PolicyAt is Policy with the memberships in force at now.
func PolicyAt(p *policy.Policy, app string, now time.Time) (*Lines, error) {
	if p == nil {
		return nil, fmt.Errorf("casbin policy: nil policy: %w", authz.ErrUnknownApplication)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("casbin policy: %w", err)
	}
	if p.HasTerms() {
		p = p.InForce(now)
	}
	if app == "" {
		app = p.DefaultApp()
	}
	a, err := p.Application(app)
	if err != nil {
		return nil, fmt.Errorf("casbin policy: %w", authz.ErrUnknownApplication)
	}
	opName := map[string]string{} // folded GUID → name
	for _, o := range a.Operations {
		opName[foldKey(o.GUID)] = o.Name
	}
	plain := map[string]bool{} // folded GUIDs of tasks without business rules
	type level struct {
		scope string // "" at application level
		o     *policy.Objects
	}
	levels := []level{{"", &a.Objects}}
	for _, s := range a.Scopes {
		levels = append(levels, level{s.Name, &s.Objects})
	}
	for _, l := range levels {
		for _, t := range l.o.Tasks {
			if !t.BizRule.Defined() {
				plain[foldKey(t.GUID)] = true
			}
		}
	}
	out := &Lines{G3: [][]string{{casbinScope(""), "scope"}}}
	targets := map[string]bool{}
	for _, l := range levels {
		if l.scope != "" {
			out.G3 = append(out.G3, []string{casbinScope(l.scope), "scope"})
		}
		for _, t := range l.o.Tasks {
			if !plain[foldKey(t.GUID)] {
				continue
			}
			for _, ol := range t.OperationLinks {
				if n, ok := opName[foldKey(ol)]; ok {
					out.G2 = append(out.G2, []string{casbinOp(n), casbinTask(t.GUID)})
				}
			}
			for _, tl := range t.TaskLinks {
				if plain[foldKey(tl)] {
					out.G2 = append(out.G2, []string{casbinTask(tl), casbinTask(t.GUID)})
				}
			}
		}
		suffix := "@s:"
		if l.scope != "" {
			suffix = "@" + casbinScope(l.scope)
		}
		for _, r := range l.o.Roles {
			var ts []string
			for _, tl := range r.TaskLinks {
				if plain[foldKey(tl)] {
					ts = append(ts, casbinTask(tl))
				}
			}
			for _, ol := range r.OperationLinks {
				if n, ok := opName[foldKey(ol)]; ok {
					ts = append(ts, casbinOp(n))
				}
			}
			for _, t := range ts {
				targets[t] = true
				for _, m := range r.Members {
					out.G = append(out.G, []string{casbinPrin(m), t + suffix})
				}
				for _, g := range r.AppMemberLinks {
					out.G = append(out.G, []string{casbinGroup(g), t + suffix})
				}
			}
		}
	}
	for t := range targets {
		out.P = append(out.P, []string{t})
	}
	slices.SortFunc(out.P, func(x, y []string) int { return strings.Compare(x[0], y[0]) })
	return out, nil
}

// ClientLines returns the g lines placing clients in Model:
// client → each identifier and group that some role assignment names, and
// client → each application group of app it is effectively in. Membership is
// computed here, outside Casbin, by a plain recursive reading of AzMan's rule
// (members and member groups, less non-members and non-member groups);
// LDAP query and business rule groups are never joined (undecidable here).
// Client names must be unique. Members limited in time count as they are
// now (see Policy).
func ClientLines(p *policy.Policy, app string, clients []directory.ClientContext) ([][]string, error) {
	return ClientLinesAt(p, app, clients, time.Now())
}

// ClientLinesAt is ClientLines with the memberships in force at now.
func ClientLinesAt(p *policy.Policy, app string, clients []directory.ClientContext, now time.Time) ([][]string, error) {
	if p == nil {
		return nil, fmt.Errorf("casbin client lines: nil policy: %w", authz.ErrUnknownApplication)
	}
	if p.HasTerms() {
		p = p.InForce(now)
	}
	if app == "" {
		app = p.DefaultApp()
	}
	a, err := p.Application(app)
	if err != nil {
		return nil, fmt.Errorf("casbin client lines: %w", authz.ErrUnknownApplication)
	}
	named := map[string]bool{}
	groups := map[string]*policy.Group{}
	addGroups := func(gs []*policy.Group) {
		for _, g := range gs {
			groups[foldKey(g.GUID)] = g
		}
	}
	addGroups(p.Groups)
	addGroups(a.Groups)
	for _, o := range append([]*policy.Objects{&a.Objects}, scopeObjects(a)...) {
		addGroups(o.Groups)
		for _, r := range o.Roles {
			for _, m := range r.Members {
				named[foldKey(m)] = true
			}
		}
	}
	guids := make([]string, 0, len(groups))
	for k := range groups {
		guids = append(guids, k)
	}
	slices.Sort(guids)
	var out [][]string
	seen := map[string]bool{}
	for _, cl := range clients {
		if strings.TrimSpace(cl.Name) == "" {
			return nil, fmt.Errorf("casbin client lines: a client has no name")
		}
		c := casbinClient(cl.Name)
		if seen[c] {
			return nil, fmt.Errorf("casbin client lines: client %q given twice", cl.Name)
		}
		seen[c] = true
		keys := map[string]bool{}
		for _, k := range append(append([]string(nil), cl.IDs...), cl.Groups...) {
			keys[foldKey(k)] = true
		}
		for k := range keys {
			if named[k] {
				out = append(out, []string{c, "p:" + k})
			}
		}
		ref := refMembership{groups: groups, keys: keys, memo: map[string]refState{}}
		for _, g := range guids {
			if ref.state(g, 0) == refYes {
				out = append(out, []string{c, casbinGroup(g)})
			}
		}
	}
	return out, nil
}

func scopeObjects(a *policy.Application) []*policy.Objects {
	out := make([]*policy.Objects, len(a.Scopes))
	for i, s := range a.Scopes {
		out[i] = &s.Objects
	}
	return out
}

type refState uint8

const (
	refNo refState = iota + 1
	refYes
	refUndecided
)

// refMembership is the reference reading of application-group membership.
type refMembership struct {
	groups map[string]*policy.Group
	keys   map[string]bool
	memo   map[string]refState
}

func (r *refMembership) state(guid string, depth int) refState {
	if s, ok := r.memo[guid]; ok {
		return s
	}
	g, ok := r.groups[guid]
	if !ok || depth > authz.MaxDepth {
		return refUndecided
	}
	s := refUndecided
	if g.Type == policy.GroupBasic || g.Type == "" {
		s = r.basic(g, depth)
	}
	r.memo[guid] = s
	return s
}

func (r *refMembership) basic(g *policy.Group, depth int) refState {
	in, undecided := false, false
	for _, m := range g.Members {
		if r.keys[foldKey(m)] {
			in = true
		}
	}
	for _, l := range g.AppMemberLinks {
		switch r.state(foldKey(l), depth+1) {
		case refYes:
			in = true
		case refUndecided:
			undecided = true
		}
	}
	if !in {
		if undecided {
			return refUndecided
		}
		return refNo
	}
	for _, m := range g.NonMembers {
		if r.keys[foldKey(m)] {
			return refNo
		}
	}
	undecided = false
	for _, l := range g.AppNonMemberLinks {
		switch r.state(foldKey(l), depth+1) {
		case refYes:
			return refNo
		case refUndecided:
			undecided = true
		}
	}
	if undecided {
		return refUndecided
	}
	return refYes
}

// NewEnforcer builds a plain casbin.Enforcer from model text (use
// Model) and lines, without an adapter. Its role managers follow up to
// authz.MaxDepth links, as the Checker does (Casbin's default of 10 would silently
// deny deeper task nesting). Duplicate lines are dropped (Casbin's AddPolicies refuses a
// whole batch holding one that exists).
func NewEnforcer(modelText string, lines *Lines) (*casbin.Enforcer, error) {
	if lines == nil {
		lines = &Lines{}
	}
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("casbin model: %w", err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("casbin enforcer: %w", err)
	}
	e.EnableLog(false)
	for _, pt := range []string{"g", "g2", "g3"} {
		e.SetNamedRoleManager(pt, defaultrolemanager.NewRoleManagerImpl(authz.MaxDepth))
	}
	if p := dedupLines(lines.P); len(p) > 0 {
		if ok, err := e.AddPolicies(p); err != nil || !ok {
			return nil, fmt.Errorf("casbin: add %d p lines: ok=%v: %w", len(p), ok, err)
		}
	}
	for _, gl := range []struct {
		ptype string
		rules [][]string
	}{{"g", lines.G}, {"g2", lines.G2}, {"g3", lines.G3}} {
		rules := dedupLines(gl.rules)
		if len(rules) == 0 {
			continue
		}
		if ok, err := e.AddNamedGroupingPolicies(gl.ptype, rules); err != nil || !ok {
			return nil, fmt.Errorf("casbin: add %d %s lines: ok=%v: %w", len(rules), gl.ptype, ok, err)
		}
	}
	return e, nil
}

func dedupLines(in [][]string) [][]string {
	seen := make(map[string]bool, len(in))
	out := make([][]string, 0, len(in))
	for _, l := range in {
		k := strings.Join(l, "\x00")
		if !seen[k] {
			seen[k] = true
			out = append(out, l)
		}
	}
	return out
}

// foldKey is the key of a principal, scope, operation name or GUID: the
// input cleaned of surrounding space, then names.Key, the one rule names
// compare by (authz keys them the same way).
func foldKey(s string) string { return names.Key(strings.TrimSpace(s)) }
