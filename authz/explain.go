package authz

import (
	"context"
	"fmt"
	"strings"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// Step is one link of an access path, and Explanation says why a check was
// granted or denied (it always agrees with AccessCheck): the HTTP API's
// documents.
type (
	Step        = api.Step
	Explanation = api.Explanation
)

func (c *Checker) levelLabel(l int32) string {
	switch l {
	case storeLevel:
		return "store"
	case appLevel:
		return "application"
	}
	return "scope " + c.scopes[l]
}

func (c *Checker) scopePhrase(l int32) string {
	if l == appLevel {
		return "at application level"
	}
	return fmt.Sprintf("in scope \"%s\"", c.scopes[l])
}

// explainer holds one Explain's evaluation: every key of the client marked,
// so that any group's membership can be decided.
type explainer struct {
	c       *Checker
	st      *scratch
	r       request
	bit     int              // the operation explained
	matched map[int32]string // principal index → the client's string that matched it
}

// Explain returns why client may or may not do op (an OperationID of the
// application) in scope: the path that granted, or the nearest misses. It runs the same evaluation as AccessCheck
// (business rules with params, LDAP query groups through the matcher).
func (c *Checker) Explain(ctx context.Context, client directory.ClientContext, scope string, op operations.ID, params Params) Explanation {
	return c.explain(ctx, client, nil, scope, op, params)
}

// explain is Explain for client as a member of the application groups
// assume.
func (c *Checker) explain(ctx context.Context, client directory.ClientContext, assume []int32, scope string, op operations.ID, params Params) Explanation {
	c, err := c.fresh()
	if err != nil {
		return Explanation{Client: client.Name, Scope: scope, Operation: fmt.Sprintf("operation %d", op), Reason: err.Error(), Error: err.Error()}
	}
	ex := Explanation{Client: client.Name, Scope: scope, Operation: fmt.Sprintf("operation %d", op)}
	if ex.Client == "" && len(client.IDs) > 0 {
		ex.Client = client.IDs[0]
	}
	results, grants := newResults(1)
	rs, err := c.check(ctx, results, grants, client, assume, scope, []operations.ID{op}, params)
	res := rs[0]
	if res.Operation.Name != "" {
		ex.Operation = res.Operation.Name
	}
	if err == nil && c.ops.Pos(op) < 0 {
		err = res.Err
	}
	if err != nil { // unknown scope or operation, done context
		ex.Error, ex.Reason = err.Error(), err.Error()
		return ex
	}
	if res.Err != nil {
		ex.Error = res.Err.Error()
	}
	si := appLevel
	if scope != "" {
		si = c.scopeIdx[foldKey(scope)]
	}
	st := newScratch(len(c.groups))
	e := &explainer{c: c, st: st, r: request{ctx: ctx, client: client, scope: si, params: params, assume: assume},
		bit: c.ops.Pos(op), matched: map[int32]string{}}
	e.mark()
	if res.Allowed {
		ex.Allowed = true
		ex.Path = e.grantPath(res.Grant)
		g := res.Grant
		ex.Reason = fmt.Sprintf("role assignment \"%s\" %s grants it through %s, matching \"%s\"",
			g.Assignment, levelOfGrant(g), orDirect(g.RoleDefinition), g.Principal)
		return ex
	}
	ex.Misses = e.misses()
	if len(c.terms.lapsed) > 0 { // memberships limited in time that are not in force now
		keys := append(append([]string(nil), client.IDs...), client.Groups...)
		ex.Misses = append(c.lapsedNotes(keys, e.bit), ex.Misses...)
	}
	ex.Hints, _ = c.Hints(scope, op) // the scope and operation are known by now
	if len(ex.Misses) > 0 {
		ex.Reason = ex.Misses[0]
	} else {
		ex.Reason = "no role assignment grants it anywhere"
	}
	return ex
}

func levelOfGrant(g *Grant) string {
	if g.Scope == "" {
		return "at application level"
	}
	return fmt.Sprintf("in scope \"%s\"", g.Scope)
}

func orDirect(rd string) string {
	if rd == "" {
		return "a direct operation link"
	}
	return fmt.Sprintf("\"%s\"", rd)
}

// mark sets the per-group flags from every key of the client.
func (e *explainer) mark() {
	c, st := e.c, e.st
	st.begin()
	for _, keys := range [][]string{e.r.client.IDs, e.r.client.Groups} {
		for _, k := range keys {
			pi, ok := c.lookupPrin(k)
			if !ok {
				continue
			}
			if _, seen := e.matched[pi]; !seen {
				e.matched[pi] = k
			}
			p := &c.prins[pi]
			for _, g := range c.groupSpan(p.memberOf) {
				st.set(g, fMember)
			}
			for _, g := range c.groupSpan(p.nonMemberOf) {
				st.set(g, fNonMember)
			}
			for _, g := range c.groupSpan(p.up) {
				st.set(g, fPossible)
			}
		}
	}
	for _, g := range c.dynUp {
		st.set(g, fPossible)
	}
	if len(e.r.assume) > 0 {
		c.assumeMembers(st, &e.r, 0, 0)
	}
}

// assumed reports whether g is one of the groups the request assumes.
func (e *explainer) assumed(g int32) bool {
	for _, a := range e.r.assume {
		if a == g {
			return true
		}
	}
	return false
}

// directMember returns the index of a member of assignment a the client
// matches, or -1.
func (e *explainer) directMember(a int32) int32 {
	for i, m := range e.c.assigns[a].members {
		if pi, ok := e.c.lookupPrin(m); ok {
			if _, hit := e.matched[pi]; hit {
				return int32(i)
			}
		}
	}
	return -1
}

// matchesMember reports whether member string m of assignment a matches the client.
func (e *explainer) matchesMember(a *assignNode, m string) bool {
	for _, mem := range a.members {
		if mem != m {
			continue
		}
		if pi, ok := e.c.lookupPrin(mem); ok {
			if _, hit := e.matched[pi]; hit {
				return true
			}
		}
	}
	return false
}

// groupChain is the path from a key of the client up to group g, which the
// client is a member of.
func (e *explainer) groupChain(g int32, depth int) []Step {
	c := e.c
	grp := &c.groups[g]
	self := Step{Kind: "application group", Name: grp.name, Level: c.levelLabel(grp.level)}
	if depth > MaxDepth {
		return []Step{self}
	}
	if e.assumed(g) {
		return []Step{{Kind: "principal", Name: fmt.Sprintf("a member of \"%s\"", grp.name)}, self}
	}
	if grp.typ == policy.GroupBasic && e.st.flags(g)&fMember != 0 {
		for _, m := range grp.members {
			if pi, ok := c.lookupPrin(m); ok {
				if k, hit := e.matched[pi]; hit {
					return []Step{{Kind: "principal", Name: k}, self}
				}
			}
		}
	}
	for _, h := range grp.memberLinks {
		if y, _ := c.member(e.st, &e.r, h, 0); y {
			return append(e.groupChain(h, depth+1), self)
		}
	}
	// LDAP query or business rule group: the client itself.
	if grp.rule != nil {
		_, self.Note, _ = grp.rule.evalNote(e.r.ctx, e.r.params)
	}
	return []Step{{Kind: "principal", Name: e.r.client.Name}, self}
}

// taskChain finds the tasks from task t down to operation bit m with every
// rule true; on failure it says why.
func (e *explainer) taskChain(t int32, depth int) ([]Step, bool, string) {
	c := e.c
	n := &c.tasks[t]
	kind := "task"
	if n.roleDef {
		kind = "role definition"
	}
	self := Step{Kind: kind, Name: n.name, Level: c.levelLabel(n.scope)}
	if n.err != nil {
		return nil, false, n.err.Error()
	}
	if depth > MaxDepth {
		return nil, false, fmt.Sprintf("%s \"%s\": %v", kind, n.name, ErrDepthExceeded)
	}
	if n.rule != nil {
		ok, note, err := n.rule.evalNote(e.r.ctx, e.r.params)
		switch {
		case err != nil:
			return nil, false, withNote(err.Error(), note)
		case !ok:
			return nil, false, withNote(fmt.Sprintf("the business rule of %s \"%s\" (%s) is false", kind, n.name, n.rule.script), note)
		}
		self.Note = note
	}
	if c.has(n.direct, e.bit) {
		return []Step{self}, true, ""
	}
	why := ""
	for _, ch := range n.children {
		if !c.has(c.tasks[ch].full, e.bit) {
			continue
		}
		chain, ok, w := e.taskChain(ch, depth+1)
		if ok {
			return append([]Step{self}, chain...), true, ""
		}
		if why == "" {
			why = w
		}
	}
	return nil, false, why
}

func (e *explainer) grantPath(g *Grant) []Step {
	c := e.c
	for ai := range c.assigns {
		a := &c.assigns[ai]
		if a.name != g.Assignment || (a.scope >= 0 && c.scopes[a.scope] != g.Scope) || (a.scope == appLevel && g.Scope != "") {
			continue
		}
		var path []Step
		if e.matchesMember(a, g.Principal) {
			path = []Step{{Kind: "principal", Name: g.Principal}}
		} else {
			for _, gi := range a.groups {
				if c.groups[gi].name == g.Principal {
					if y, _ := c.member(e.st, &e.r, gi, 0); y {
						path = e.groupChain(gi, 0)
						break
					}
				}
			}
		}
		path = append(path, Step{Kind: "role assignment", Name: a.name, Level: c.levelLabel(a.scope)})
		for _, t := range a.links {
			if c.tasks[t].name != g.RoleDefinition {
				continue
			}
			if chain, ok, _ := e.taskChain(t, 0); ok {
				path = append(path, chain...)
				break
			}
		}
		return append(path, Step{Kind: "operation", Name: c.ops.At(e.bit).Name})
	}
	return nil
}

// membershipMiss says why the client does not reach assignment a through
// its members and groups; "" when it does.
func (e *explainer) membershipMiss(a int32) string {
	c := e.c
	as := &c.assigns[a]
	if e.directMember(a) >= 0 {
		return ""
	}
	var reasons []string
	for _, g := range as.groups {
		y, err := c.member(e.st, &e.r, g, 0)
		if y {
			return ""
		}
		grp := &c.groups[g]
		switch {
		case err != nil:
			reasons = append(reasons, fmt.Sprintf("membership of application group \"%s\" could not be decided: %v", grp.name, err))
		case grp.rule != nil:
			_, note, _ := grp.rule.evalNote(e.r.ctx, e.r.params)
			reasons = append(reasons, withNote(fmt.Sprintf("the business rule of application group \"%s\" is false", grp.name), note))
		default:
			if w := e.nonMemberWhy(g); w != "" {
				reasons = append(reasons, w)
			}
		}
	}
	if len(reasons) > 0 {
		return strings.Join(reasons, "; ")
	}
	return ""
}

// nonMemberWhy explains an exclusion from group g by its non-members, when
// the client would otherwise be in it.
func (e *explainer) nonMemberWhy(g int32) string {
	c := e.c
	grp := &c.groups[g]
	if grp.typ != policy.GroupBasic || e.st.flags(g)&fPossible == 0 {
		return ""
	}
	pos := e.st.flags(g)&fMember != 0
	for _, h := range grp.memberLinks {
		if y, _ := c.member(e.st, &e.r, h, 0); y {
			pos = true
		}
	}
	if !pos {
		for _, h := range grp.memberLinks {
			if w := e.nonMemberWhy(h); w != "" {
				return w
			}
		}
		return ""
	}
	if e.st.flags(g)&fNonMember != 0 {
		for _, m := range grp.nonMembers {
			if pi, ok := c.lookupPrin(m); ok {
				if _, hit := e.matched[pi]; hit {
					return fmt.Sprintf("you are a non-member of application group \"%s\" (it lists \"%s\" as a non-member)", grp.name, m)
				}
			}
		}
	}
	for _, h := range grp.nonMemberLinks {
		if y, _ := c.member(e.st, &e.r, h, 0); y {
			return fmt.Sprintf("you are a non-member of application group \"%s\" (you are in \"%s\", its non-member group)", grp.name, c.groups[h].name)
		}
	}
	return ""
}

// misses lists the near misses of a denial, nearest first.
func (e *explainer) misses() []string {
	const limit = 10
	c := e.c
	var near, elsewhere, far []string
	holding := 0
	for ai := range c.assigns {
		a := &c.assigns[ai]
		if !c.has(a.full, e.bit) {
			continue
		}
		inScope := a.scope == appLevel || a.scope == e.r.scope
		what := fmt.Sprintf("role assignment \"%s\" %s", a.name, c.scopePhrase(a.scope))
		if len(a.links) > 0 {
			var names []string
			for _, t := range a.links {
				if c.has(c.tasks[t].full, e.bit) {
					names = append(names, c.tasks[t].name)
				}
			}
			if len(names) > 0 {
				what += fmt.Sprintf(" (%s)", strings.Join(names, ", "))
			}
		}
		memberWhy := e.membershipMiss(int32(ai))
		reached := memberWhy == "" && (e.directMember(int32(ai)) >= 0 || e.reachesByGroup(int32(ai)))
		switch {
		case !inScope && reached:
			elsewhere = append(elsewhere, fmt.Sprintf("%s grants it, but this check is in %s", what, e.scopeName()))
		case !inScope:
		case reached:
			holding++
			why := "a path through it fails"
			for _, t := range a.links {
				if !c.has(c.tasks[t].full, e.bit) {
					continue
				}
				if _, ok, w := e.taskChain(t, 0); !ok && w != "" {
					why = w
					break
				}
			}
			near = append(near, fmt.Sprintf("%s would grant it, but %s", what, why))
		case memberWhy != "":
			holding++
			near = append(near, fmt.Sprintf("%s grants it, but %s", what, memberWhy))
		default:
			holding++
			far = append(far, fmt.Sprintf("%s grants it, but you are not a member of it", what))
		}
	}
	out := append(append(near, elsewhere...), far...)
	if holding == 0 {
		var defs []string
		for ti := range c.tasks {
			t := &c.tasks[ti]
			if t.roleDef && c.has(t.full, e.bit) && (t.scope == appLevel || t.scope == e.r.scope) {
				defs = append(defs, fmt.Sprintf("\"%s\"", t.name))
			}
		}
		msg := "no role assignment in reach grants it"
		if len(defs) > 0 {
			msg += "; role definitions that hold it: " + strings.Join(defs, ", ")
		} else {
			msg += "; no role definition in reach holds it"
		}
		out = append([]string{msg}, out...)
	}
	if len(out) > limit {
		out = append(out[:limit], fmt.Sprintf("… and %d more", len(out)-limit))
	}
	return out
}

func (e *explainer) reachesByGroup(a int32) bool {
	for _, g := range e.c.assigns[a].groups {
		if y, _ := e.c.member(e.st, &e.r, g, 0); y {
			return true
		}
	}
	return false
}

func (e *explainer) scopeName() string {
	if e.r.scope == appLevel {
		return "the default scope"
	}
	return fmt.Sprintf("scope \"%s\"", e.c.scopes[e.r.scope])
}

// withNote appends a rule's BusinessRuleString, when it set one, to why.
func withNote(why, note string) string {
	if note == "" {
		return why
	}
	return fmt.Sprintf("%s (business rule says: %q)", why, note)
}
