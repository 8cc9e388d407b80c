package authz

import (
	"context"
	"errors"
	"fmt"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// Per-request state of an application group.
const (
	fPossible    uint8 = 1 << iota // the client may be in it: a key of the client is a member below it
	fNonMember                     // a key of the client is listed in its NonMembers
	fMember                        // a key of the client is listed in its Members
	fDone                          // membership decided (memo)
	fYes                           // decided: member
	fErr                           // decided: undecidable, see scratch.gerr
	fQueuedApp                     // queued: its application-level assignments are in reach
	fQueuedScope                   // queued: its assignments in the checked scope are in reach
)

type gstate struct {
	stamp uint32 // the request generation the flags belong to
	flags uint8
}

// hit is a role assignment in reach of the client in the checked scope.
type hit struct {
	assign int32
	member int32  // index in the assignment's members; -1 when through a group
	group  int32  // the application group; -1 for a direct member
	bad    bool   // the group's membership could not be decided: the path denies
	full   uint64 // the assignment's operations, in the word being decided
	static uint64
}

// scratch is the per-request working memory, pooled per Checker.
type scratch struct {
	gen  uint32
	g    []gstate
	gerr []error
	hash [32]uint64 // a batch of key hashes
	fast [32]bool
	cand []int32 // queued groups: g for application level, ^g for the checked scope
	hits []hit
	pos  []int32 // the bit of each operation asked, -1 when unknown
}

func newScratch(groups int) *scratch {
	return &scratch{g: make([]gstate, groups), gerr: make([]error, groups), cand: make([]int32, 0, 16), hits: make([]hit, 0, 16)}
}

func (st *scratch) begin() {
	st.gen++
	if st.gen == 0 {
		clear(st.g)
		st.gen = 1
	}
	st.cand = st.cand[:0]
	st.hits = st.hits[:0]
}

// set sets flag f of group g and reports whether it was newly set.
func (st *scratch) set(g int32, f uint8) bool {
	s := &st.g[g]
	if s.stamp != st.gen {
		s.stamp, s.flags = st.gen, 0
	}
	if s.flags&f != 0 {
		return false
	}
	s.flags |= f
	return true
}

func (st *scratch) flags(g int32) uint8 {
	if s := st.g[g]; s.stamp == st.gen {
		return s.flags
	}
	return 0
}

// request is one check's inputs.
type request struct {
	ctx    context.Context
	client directory.ClientContext
	scope  int32
	params Params
	// assume are application groups the client is taken to be a member
	// of (an application-group Subject); nil for every AccessCheck.
	assume []int32
}

// AccessCheck decides each of ops for client in scope ("" is the default,
// application-level scope) with params for business rules. It returns one
// Result per operation, in order. Results with a non-nil Err are denials.
//
// An unknown scope or a done ctx is an error; the results are then all
// denials carrying it, so a caller that only reads the results still denies.
// Operations are the application's OperationIDs (Operations); an ID it
// does not define is a denial with ErrUnknownOperation.
// Grants share no memory with the Checker; they may be kept.
func (c *Checker) AccessCheck(ctx context.Context, client directory.ClientContext, scope string, ops []operations.ID, params Params) ([]Result, error) {
	results, grants := newResults(len(ops))
	return c.check(ctx, results, grants, client, nil, scope, ops, params)
}

// Buffer is memory that [Checker.AccessCheckInto] reuses for its results
// and their grants. The zero Buffer is ready to use. A Buffer is not safe
// for concurrent use: give each goroutine its own.
type Buffer struct {
	results []Result
	grants  []Grant
}

// AccessCheckInto is [Checker.AccessCheck] without allocating: the results
// (and the grants they point to) are written into buf, growing it when ops
// is longer than any check before, and stay valid until buf is used again.
// Callers that keep a result past that must copy it. A nil buf makes it
// AccessCheck.
func (c *Checker) AccessCheckInto(ctx context.Context, buf *Buffer, client directory.ClientContext, scope string, ops []operations.ID, params Params) ([]Result, error) {
	if buf == nil {
		return c.AccessCheck(ctx, client, scope, ops, params)
	}
	n := len(ops)
	if cap(buf.results) < n {
		buf.results, buf.grants = make([]Result, n), make([]Grant, n)
	}
	results, grants := buf.results[:n], buf.grants[:n]
	clear(results)
	clear(grants)
	return c.check(ctx, results, grants, client, nil, scope, ops, params)
}

// check is AccessCheck into zeroed results and grants of len(ops), for
// client as a member of the application groups assume (nil but for
// application-group subjects).
func (c *Checker) check(ctx context.Context, results []Result, grants []Grant, client directory.ClientContext, assume []int32, scope string, ops []operations.ID, params Params) ([]Result, error) {
	if c.terms.boundary != 0 { // members limited in time: decide with the memberships in force now
		n, err := c.fresh()
		if err != nil {
			return c.denyAll(results, ops, err)
		}
		if n != c {
			return n.check(ctx, results, grants, client, assume, scope, ops, params)
		}
	}
	if ctx == nil {
		return c.denyAll(results, ops, errNilContext)
	}
	if err := ctx.Err(); err != nil {
		return c.denyAll(results, ops, fmt.Errorf("access check: %w", err))
	}
	st := c.pool.Get().(*scratch)
	defer c.pool.Put(st)
	si := appLevel
	if scope != "" {
		v, ok := c.scopeTab.lookup(scope)
		if !ok {
			return c.denyAll(results, ops, fmt.Errorf("application %q: scope %q: %w", c.app, scope, ErrUnknownScope))
		}
		si = v
	}
	pos := st.pos[:0]
	for i, id := range ops {
		bit := c.ops.Pos(id)
		pos = append(pos, int32(bit))
		if bit < 0 {
			results[i] = Result{Operation: operations.Operation{ID: id},
				Err: fmt.Errorf("application %q has no operation with ID %d: %w", c.app, id, ErrUnknownOperation)}
			continue
		}
		results[i].Operation = c.ops.At(bit)
	}
	st.pos = pos
	r := request{ctx: ctx, client: client, scope: si, params: params, assume: assume}
	// One pass per word of the operation sets that the operations asked
	// fall in, lowest first: one pass for an application of up to 64.
	for w := -1; ; {
		next := -1
		for _, b := range pos {
			if bw := int(b >> 6); b >= 0 && bw > w && (next < 0 || bw < next) {
				next = bw
			}
		}
		if next < 0 {
			break
		}
		w = next
		var want uint64
		for _, b := range pos {
			if b >= 0 && int(b>>6) == w {
				want |= 1 << uint(b&63)
			}
		}
		c.reach(st, &r, w, want)
		for i, b := range pos {
			if b < 0 || int(b>>6) != w {
				continue
			}
			if ok, err := c.decide(st, &r, w, 1<<uint(b&63), &grants[i]); ok {
				results[i].Allowed, results[i].Grant = true, &grants[i]
			} else {
				results[i].Err = err
			}
		}
	}
	return results, nil
}

var errNilContext = errors.New("access check: nil context")

func newResults(n int) ([]Result, []Grant) {
	if n == 1 {
		blk := new(struct {
			r [1]Result
			g [1]Grant
		})
		return blk.r[:], blk.g[:]
	}
	return make([]Result, n), make([]Grant, n)
}

func (c *Checker) denyAll(results []Result, ops []operations.ID, err error) ([]Result, error) {
	for i, id := range ops {
		results[i] = Result{Operation: c.operation(id), Err: err}
	}
	return results, err
}

// reach collects into st.hits the role assignments of the request's levels
// that the client reaches and that may grant an operation of want, a set
// of operations in word w of the operation sets.
func (c *Checker) reach(st *scratch, r *request, w int, want uint64) {
	st.begin()
	if want == 0 {
		return
	}
	var got uint64 // granted without rules, through a direct membership
	appF, scopeF := c.levelFilterOf(appLevel), levelFilter{}
	if r.scope >= 0 {
		scopeF = c.levelFilterOf(r.scope)
	}
	for pass := 0; pass < 2; pass++ {
		keys := r.client.IDs
		if pass == 1 {
			keys = r.client.Groups
		}
		for len(keys) > 0 {
			batch := keys[:min(len(keys), len(st.hash))]
			keys = keys[len(batch):]
			for j, k := range batch { // hash first: the client's strings load in parallel
				st.hash[j], st.fast[j] = hashKey(k)
			}
			for j, k := range batch {
				if h := st.hash[j]; st.fast[j] && !c.mayMatter(appF, h) && !c.mayMatter(scopeF, h) {
					continue // in no group and no assignment a check here reads
				}
				pi, ok := c.lookupPrinHashed(k, st.hash[j], st.fast[j])
				if !ok {
					continue
				}
				if c.take(st, r, pi, w, want, &got) {
					return // every operation is granted already; groups cannot change that
				}
			}
		}
	}
	if len(r.assume) > 0 {
		c.assumeMembers(st, r, w, want)
	}
	for _, g := range c.dynUp { // LDAP query and business rule groups, and the groups above them
		st.set(g, fPossible)
		grp := &c.groups[g]
		if c.word(grp.appFull, w)&want != 0 && st.set(g, fQueuedApp) {
			st.cand = append(st.cand, g)
		}
		if r.scope >= 0 && len(grp.scoped) > 0 {
			if s := findScopedIdx(grp.scoped, r.scope); s != nil && c.word(s.full, w)&want != 0 && st.set(g, fQueuedScope) {
				st.cand = append(st.cand, ^g)
			}
		}
	}
	for _, q := range st.cand {
		g, scoped := q, false
		if q < 0 {
			g, scoped = ^q, true
		}
		yes, err := c.member(st, r, g, 0)
		if !yes && err == nil {
			continue
		}
		grp := &c.groups[g]
		list := grp.app
		if scoped {
			list = findScopedIdx(grp.scoped, r.scope).list
		}
		for _, ai := range list {
			a := &c.assigns[ai]
			if full := c.word(a.full, w); full&want != 0 {
				static := c.word(a.static, w)
				st.hits = append(st.hits, hit{assign: ai, member: -1, group: g, bad: !yes, full: full, static: static})
				if yes {
					got |= static
				}
			}
		}
		if got&want == want {
			return
		}
	}
}

// take records what principal pi of the client reaches; true when every
// operation of want is granted already.
func (c *Checker) take(st *scratch, r *request, pi int32, w int, want uint64, got *uint64) bool {
	p := &c.prins[pi]
	if c.word(p.appFull, w)&want != 0 {
		*got |= c.enter(st, c.entrySpan(p.app), w, want)
	}
	if r.scope >= 0 && p.scopeMask&(1<<uint(r.scope&63)) != 0 {
		*got |= c.enter(st, c.scopeEntries(p.scoped, r.scope), w, want)
	}
	if *got&want == want {
		return true
	}
	for _, g := range c.groupSpan(p.memberOf) {
		st.set(g, fMember)
	}
	for _, g := range c.groupSpan(p.nonMemberOf) {
		st.set(g, fNonMember)
	}
	for _, g := range c.groupSpan(p.up) {
		st.set(g, fPossible)
	}
	return false
}

// enter takes a principal's entries of one level: direct memberships become
// hits, groups are queued for evaluation. It returns what the direct hits
// grant without rules.
func (c *Checker) enter(st *scratch, es []entry, w int, want uint64) (got uint64) {
	for i := range es {
		e := &es[i]
		full := c.word(e.full, w)
		if full&want == 0 {
			continue
		}
		if e.group < 0 {
			static := c.word(e.static, w)
			st.hits = append(st.hits, hit{assign: e.assign, member: e.member, group: -1, full: full, static: static})
			got |= static
			continue
		}
		if e.scope == appLevel {
			if st.set(e.group, fQueuedApp) {
				st.cand = append(st.cand, e.group)
			}
		} else if st.set(e.group, fQueuedScope) {
			st.cand = append(st.cand, ^e.group)
		}
	}
	return got
}

// member decides whether the client is in application group g.
func (c *Checker) member(st *scratch, r *request, g int32, depth int) (bool, error) {
	grp := &c.groups[g]
	f := st.flags(g)
	if f&fDone != 0 {
		if f&fErr != 0 {
			return false, st.gerr[g]
		}
		return f&fYes != 0, nil
	}
	if depth > MaxDepth {
		return false, fmt.Errorf("application group %q: %w", grp.name, ErrDepthExceeded)
	}
	var yes bool
	var err error
	switch grp.typ {
	case policy.GroupBasic:
		if f&fPossible == 0 {
			return false, nil // no key of the client is a member at or below it
		}
		if grp.err != nil {
			err = grp.err
			break
		}
		yes, err = c.basicMember(st, r, g, f, depth)
	case policy.GroupLDAPQuery:
		switch {
		case grp.err != nil:
			err = grp.err
		case r.client.DN == "":
			// no directory entry: in no LDAP query group
		case c.matcher == nil:
			err = fmt.Errorf("application group %q: no LDAP query matcher configured: %w", grp.name, ErrQuery)
		default:
			var merr error
			yes, merr = c.matcher.MatchQuery(r.ctx, r.client, grp.query)
			if merr != nil {
				yes, err = false, fmt.Errorf("application group %q: LDAP query %q: %w: %w", grp.name, grp.query, ErrQuery, merr)
			}
		}
	case policy.GroupBizRule:
		if grp.err != nil {
			err = grp.err
			break
		}
		yes, err = grp.rule.eval(r.ctx, r.params)
		if err != nil {
			yes = false
		}
	default:
		err = grp.err
		if err == nil {
			err = fmt.Errorf("application group %q: type %q: %w", grp.name, grp.typ, ErrBrokenGroup)
		}
	}
	st.set(g, fDone)
	if err != nil {
		st.set(g, fErr)
		st.gerr[g] = err
		return false, err
	}
	if yes {
		st.set(g, fYes)
	}
	return yes, nil
}

// basicMember: (a key is a member, or a member group holds) and no key is a
// non-member and no non-member group holds. An undecidable non-member group
// makes the answer undecidable (fail closed).
func (c *Checker) basicMember(st *scratch, r *request, g int32, f uint8, depth int) (bool, error) {
	grp := &c.groups[g]
	pos := f&fMember != 0
	var perr error
	if !pos {
		for _, h := range grp.memberLinks {
			y, err := c.member(st, r, h, depth+1)
			if y {
				pos = true
				break
			}
			if err != nil && perr == nil {
				perr = err
			}
		}
	}
	if !pos {
		return false, perr
	}
	if f&fNonMember != 0 {
		return false, nil
	}
	var nerr error
	for _, h := range grp.nonMemberLinks {
		y, err := c.member(st, r, h, depth+1)
		if y {
			return false, nil
		}
		if err != nil && nerr == nil {
			nerr = err
		}
	}
	if nerr != nil {
		return false, fmt.Errorf("application group %q: cannot tell whether the client is a non-member: %w", grp.name, nerr)
	}
	return true, nil
}

// decide grants the operation m of word w (one bit) through one of
// st.hits, filling g, or returns the first error met on a path that could
// have granted it.
func (c *Checker) decide(st *scratch, r *request, w int, m uint64, g *Grant) (bool, error) {
	hi, link, err := c.decideRef(st, r, w, m)
	if hi < 0 {
		return false, err
	}
	c.fillGrant(g, st.hits[hi], c.grantLink(st.hits[hi], link, w, m))
	return true, nil
}

// staticGrant is decideRef's link for a grant without rules: the
// assignment's first link granting the operation (staticLink), found only
// when a Grant is filled.
const staticGrant int32 = -2

// decideRef is decide without the Grant: the index in st.hits of the hit
// granting m (-1: denied, with the first error met) and the task link it
// grants through (-1: a direct operation link; staticGrant: see
// grantLink).
func (c *Checker) decideRef(st *scratch, r *request, w int, m uint64) (int, int32, error) {
	for i, h := range st.hits {
		if !h.bad && h.static&m != 0 {
			return i, staticGrant, nil
		}
	}
	var first error
	for i, h := range st.hits {
		if h.full&m == 0 {
			continue
		}
		a := &c.assigns[h.assign]
		if h.bad {
			if first == nil {
				first = st.gerr[h.group]
			}
			continue
		}
		for _, t := range a.links {
			if c.word(c.tasks[t].full, w)&m == 0 {
				continue
			}
			ok, err := c.evalTask(r, t, w, m, 0)
			if ok {
				return i, t, nil
			}
			if err != nil && first == nil {
				first = err
			}
		}
	}
	return -1, -1, first
}

// grantLink resolves decideRef's link for hit h.
func (c *Checker) grantLink(h hit, link int32, w int, m uint64) int32 {
	if link == staticGrant {
		return c.staticLink(h.assign, w, m)
	}
	return link
}

// staticLink is the first task link of assignment a granting m (of word
// w) without rules, or -1 when a direct operation link does.
func (c *Checker) staticLink(a int32, w int, m uint64) int32 {
	for _, t := range c.assigns[a].links {
		if c.word(c.tasks[t].static, w)&m != 0 {
			return t
		}
	}
	return -1
}

// evalTask reports whether task t grants m (of word w) with every rule on
// the way true.
func (c *Checker) evalTask(r *request, t int32, w int, m uint64, depth int) (bool, error) {
	n := &c.tasks[t]
	if n.err != nil {
		return false, n.err
	}
	if depth > MaxDepth {
		return false, fmt.Errorf("task %q: %w", n.name, ErrDepthExceeded)
	}
	if n.rule != nil {
		ok, err := n.rule.eval(r.ctx, r.params)
		if !ok || err != nil {
			return false, err
		}
	}
	if c.word(n.inner, w)&m != 0 {
		return true, nil
	}
	var first error
	for _, ch := range n.children {
		if c.word(c.tasks[ch].full, w)&m == 0 {
			continue
		}
		ok, err := c.evalTask(r, ch, w, m, depth+1)
		if ok {
			return true, nil
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return false, first
}

func (c *Checker) fillGrant(g *Grant, h hit, link int32) {
	a := &c.assigns[h.assign]
	*g = Grant{Assignment: a.name}
	if a.scope >= 0 {
		g.Scope = c.scopes[a.scope]
	}
	if h.group >= 0 {
		g.Principal = c.groups[h.group].name
	} else {
		g.Principal = a.members[h.member]
	}
	if link >= 0 {
		g.RoleDefinition = c.tasks[link].name
	}
}
