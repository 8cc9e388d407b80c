package authz

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/azgate/azgate/policy"
)

// DefaultWhatIfLimit is how many changes a WhatIf report lists when
// WhatIfOptions.Limit is zero.
const DefaultWhatIfLimit = 10_000

// WhatIfOptions say whose decisions a WhatIf compares.
type WhatIfOptions struct {
	// Subjects are compared in order. A principal subject whose name is
	// an identifier of a user or group subject of the list is left out:
	// that subject's rows cover it. PolicySubjects lists what a policy
	// names; a server adds its directory's users and groups.
	Subjects []Subject
	// Params are the business-rule parameters both sides decide with.
	Params Params
	// Limit bounds the changes listed (0: DefaultWhatIfLimit); Total always
	// counts them all and Truncated says when the list is shorter.
	Limit int
}

// Change is one decision that staged edits change.
type Change struct {
	Subject     Subject `json:"subject"`
	Scope       string  `json:"scope"` // "" is the default scope
	Operation   string  `json:"operation"`
	OperationID int     `json:"operationId"`
	// Granted is true when the edits grant the operation, false when they
	// revoke it.
	Granted bool `json:"granted"`
	// Before and After name the role assignment that grants it before and
	// after the edits (nil on the side that denies).
	Before *Grant `json:"before,omitempty"`
	After  *Grant `json:"after,omitempty"`
}

// WhatIfReport lists the decisions staged edits change.
type WhatIfReport struct {
	Application string   `json:"application"`
	Changes     []Change `json:"changes"`
	// Total, Granted and Revoked count every change, listed or not.
	Total     int  `json:"total"`
	Granted   int  `json:"granted"`
	Revoked   int  `json:"revoked"`
	Truncated bool `json:"truncated"`
	// Compared is the number of subjects compared, Affected of those the
	// edits could reach (the others were proven unchanged).
	Compared int `json:"compared"`
	Affected int `json:"affected"`
	// Warnings are the warnings of the edited policy's compile that the
	// base did not have.
	Warnings []string `json:"warnings,omitempty"`
}

// PolicySubjects lists every principal string the compiled policy names
// (role assignment members, application group members and non-members),
// each once, as a PrincipalSubject, then every application group as an
// ApplicationGroupSubject.
func (c *Checker) PolicySubjects() []Subject {
	var out []Subject
	seen := map[string]bool{}
	add := func(m string) {
		k := foldKey(m)
		if k == "" || seen[k] {
			return
		}
		seen[k] = true
		out = append(out, PrincipalSubject(strings.TrimSpace(m)))
	}
	for i := range c.assigns {
		for _, m := range c.assigns[i].members {
			add(m)
		}
	}
	for i := range c.groups {
		for _, m := range c.groups[i].members {
			add(m)
		}
		for _, m := range c.groups[i].nonMembers {
			add(m)
		}
	}
	for i := range c.groups {
		g := &c.groups[i]
		scope := ""
		if g.level >= 0 {
			scope = c.scopes[g.level]
		}
		out = append(out, ApplicationGroupSubject(g.name, scope))
	}
	return out
}

// WhatIf lists exactly which decisions change between base and next, two
// compilations of the same application (next is usually
// base.Recompile(policy with staged edits)): for every subject of opts,
// every scope of either and every operation of the catalog, the
// decisions AccessCheck would make with each that differ — granted or
// revoked.
//
// It is exact without deciding everything twice. It compares the two
// compilations object by object (tasks, application groups and role
// assignments by GUID, each with everything below it) and finds the role
// assignments whose grants may differ; only a subject that one of them
// can reach — a member of it, or a member or non-member of an application
// group below it, or anyone when an LDAP query or business rule group is
// below it — is decided again, only in their scopes (every scope for one
// at application level) and only for the operations they hold on either
// side. Any other decision depends on nothing that changed. In a scope
// where a subject reaches no scope-level assignment on either side, its
// decisions are those of the default scope, decided once.
func WhatIf(ctx context.Context, base, next *Checker, opts WhatIfOptions) (WhatIfReport, error) {
	if base == nil || next == nil {
		return WhatIfReport{}, fmt.Errorf("what-if: nil checker: %w", ErrCatalogMismatch)
	}
	if !sameCatalog(base, next) {
		return WhatIfReport{}, fmt.Errorf("what-if: application %q and %q: %w", base.app, next.app, ErrCatalogMismatch)
	}
	// Both sides decide with the memberships in force now (terms.go): a
	// start or expiry since base was compiled is not a change of the edits.
	var err error
	if base, err = base.fresh(); err != nil {
		return WhatIfReport{}, fmt.Errorf("what-if: %w", err)
	}
	if next, err = next.fresh(); err != nil {
		return WhatIfReport{}, fmt.Errorf("what-if: %w", err)
	}
	return whatIfWith(ctx, base, next, opts, runtime.GOMAXPROCS(0))
}

// whatIfWith is WhatIf with up to workers goroutines.
func whatIfWith(ctx context.Context, base, next *Checker, opts WhatIfOptions, workers int) (WhatIfReport, error) {
	limit := opts.Limit
	if limit <= 0 {
		limit = DefaultWhatIfLimit
	}
	rep := WhatIfReport{Application: next.app, Changes: []Change{}, Warnings: newWarnings(base, next)}
	// Which subjects, and what changed (next's signatures, computed here
	// for the first time): on two goroutines when there are two.
	var subjects []Subject
	var dedup sync.WaitGroup
	if workers > 1 {
		dedup.Go(func() { subjects = dedupSubjects(opts.Subjects, base, next) })
	} else {
		subjects = dedupSubjects(opts.Subjects, base, next)
	}
	imp := impacts(base, next)
	scopes := unionScopes(base, next)
	shared := whatIfShared{ctx: ctx, base: base, next: next, params: opts.Params, scopes: scopes, limit: limit,
		baseRef: make([]int, len(base.scopes)), nextRef: make([]int, len(next.scopes))}
	refOf := make(map[string]int, len(scopes))
	for i, sc := range scopes {
		refOf[sc.key] = i
		if sc.base >= 0 {
			shared.baseRef[sc.base] = i
		}
		if sc.next >= 0 {
			shared.nextRef[sc.next] = i
		}
		if sc.base == absent || sc.next == absent {
			// A scope made or deleted: every decision in it was or becomes
			// a denial of an unknown scope, for everyone.
			imp.newRefs = append(imp.newRefs, i)
			imp.newOps = next.view(next.all)
		}
	}
	for i := range imp.list {
		if !imp.list[i].allScopes {
			imp.list[i].ref = refOf[imp.list[i].scope]
		}
	}
	imp.buildFilter(base, next)
	shared.imp = imp
	dedup.Wait()
	rep.Compared = len(subjects)
	if err := shared.run(subjects, &rep, workers); err != nil {
		return WhatIfReport{}, err
	}
	rep.Truncated = rep.Total > len(rep.Changes)
	return rep, nil
}

// whatIfChunk is how many subjects a worker of a what-if takes at a time
// at most.
const whatIfChunk = 64

// run compares subjects into rep with up to workers goroutines (at most
// GOMAXPROCS). Subjects are taken in chunks; each chunk's changes are
// appended to rep in subject order, so the report is the same whatever
// the number of workers.
func (sh *whatIfShared) run(subjects []Subject, rep *WhatIfReport, workers int) error {
	chunk := min(whatIfChunk, max(1, len(subjects)/(8*max(workers, 1))))
	n := (len(subjects) + chunk - 1) / chunk
	workers = max(1, min(workers, n))
	var (
		mu      sync.Mutex
		next    int                     // the next chunk to take
		folded  int                     // chunks folded into rep
		done    = map[int]*whatIfPart{} // finished chunks waiting for their turn
		firstEr error
		erChunk = n
		full    atomic.Bool // rep lists limit changes: later chunks only count
	)
	fold := func(i int, part *whatIfPart) {
		mu.Lock()
		defer mu.Unlock()
		if part.err != nil && i < erChunk {
			firstEr, erChunk = part.err, i
		}
		done[i] = part
		for {
			p, ok := done[folded]
			if !ok {
				return
			}
			delete(done, folded)
			folded++
			rep.Affected += p.affected
			rep.Total += p.total
			rep.Granted += p.granted
			rep.Revoked += p.revoked
			room := sh.limit - len(rep.Changes)
			rep.Changes = append(rep.Changes, p.changes[:min(room, len(p.changes))]...)
			if len(rep.Changes) >= sh.limit {
				full.Store(true)
			}
		}
	}
	work := func() {
		w := sh.worker()
		for {
			mu.Lock()
			i := next
			next++
			stop := i >= n || erChunk < n
			mu.Unlock()
			if stop {
				return
			}
			part := &whatIfPart{}
			w.part, w.full = part, full.Load()
			for _, s := range subjects[i*chunk : min(len(subjects), (i+1)*chunk)] {
				if err := w.one(s); err != nil {
					part.err = err
					break
				}
			}
			fold(i, part)
		}
	}
	if workers == 1 {
		work()
	} else {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(work)
		}
		wg.Wait()
	}
	return firstEr
}

// one compares subject s.
func (w *whatIf) one(s Subject) error {
	if err := w.ctx.Err(); err != nil {
		return fmt.Errorf("what-if: %w", err)
	}
	w.stamp++
	refs, all, ops := w.imp.reach(w.base, w.next, s, w)
	if ops.empty() {
		return nil
	}
	w.part.affected++
	return w.subject(s, refs, all, ops)
}

// whatIfPart is what one chunk of subjects adds to a report.
type whatIfPart struct {
	changes                           []Change
	affected, total, granted, revoked int
	err                               error
}

func sameCatalog(a, b *Checker) bool {
	if foldKey(a.app) != foldKey(b.app) || a.ops.Len() != b.ops.Len() {
		return false
	}
	for i, o := range a.ops.All() {
		if p := b.ops.At(i); o.ID != p.ID || o.Name != p.Name {
			return false
		}
	}
	return true
}

func newWarnings(base, next *Checker) []string {
	had := map[string]bool{}
	for _, w := range base.warnings {
		had[w] = true
	}
	var out []string
	for _, w := range next.warnings {
		if !had[w] {
			out = append(out, w)
		}
	}
	return out
}

// dedupSubjects drops repeated subjects and principal subjects that name
// an identifier of a user or group subject. Users and groups come from a
// directory, one entry each; they are told apart by kind and exact name.
func dedupSubjects(in []Subject, base, next *Checker) []Subject {
	sides := [2]*Checker{base, next}
	var covered [2][]bool // by principal index
	for side, c := range sides {
		covered[side] = make([]bool, len(c.prins))
	}
	for _, s := range in {
		if s.Kind == SubjectUser || s.Kind == SubjectGroup {
			for _, id := range s.Client.IDs {
				h, fast := hashKey(id)
				for side, c := range sides {
					if pi, ok := c.lookupPrinHashed(id, h, fast); ok {
						covered[side][pi] = true
					}
				}
			}
		}
	}
	isCovered := func(name string) bool {
		h, fast := hashKey(name)
		for side, c := range sides {
			if pi, ok := c.lookupPrinHashed(name, h, fast); ok && covered[side][pi] {
				return true
			}
		}
		return false
	}
	type plain struct {
		kind SubjectKind
		name string
	}
	seenPlain := make(map[plain]bool, len(in))
	seen := map[string]bool{}
	out := make([]Subject, 0, len(in))
	for _, s := range in {
		switch s.Kind {
		case SubjectPrincipal, SubjectApplicationGroup:
			if s.Kind == SubjectPrincipal && isCovered(s.Name) {
				continue
			}
			if k := s.key(); !seen[k] {
				seen[k] = true
				out = append(out, s)
			}
		default: // users and groups: by kind and exact name
			if k := (plain{s.Kind, s.Name}); !seenPlain[k] {
				seenPlain[k] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// scopeRef is a scope of either side: its level in each (-3: absent).
type scopeRef struct {
	name       string
	key        string
	base, next int32
}

const absent int32 = -3

// unionScopes lists the default scope, next's scopes in store order, then
// the scopes only base has.
func unionScopes(base, next *Checker) []scopeRef {
	out := []scopeRef{{name: "", base: appLevel, next: appLevel}}
	for i, n := range next.scopes {
		k := foldKey(n)
		r := scopeRef{name: n, key: k, base: absent, next: int32(i)}
		if bi, ok := base.scopeIdx[k]; ok {
			r.base = bi
		}
		out = append(out, r)
	}
	for i, n := range base.scopes {
		k := foldKey(n)
		if _, ok := next.scopeIdx[k]; !ok {
			out = append(out, scopeRef{name: n, key: k, base: int32(i), next: absent})
		}
	}
	return out
}

// ---- what changed ----

// sigs are deep signatures of a Checker's tasks and groups: a hash of the
// object and everything below it that its decisions depend on.
type sigs struct {
	c      *Checker
	task   []string
	group  []string
	tstate []uint8
	gstate []uint8
	// shape is a task's signature without its operation sets: its GUID,
	// level, rule, error and its children's shapes. Two assignments of one
	// shape grant alike but for the operations their trees' sets differ
	// in (opDelta).
	shape  []string
	sstate []uint8
}

func newSigs(c *Checker) *sigs {
	return &sigs{c: c, task: make([]string, len(c.tasks)), group: make([]string, len(c.groups)),
		tstate: make([]uint8, len(c.tasks)), gstate: make([]uint8, len(c.groups)),
		shape: make([]string, len(c.tasks)), sstate: make([]uint8, len(c.tasks))}
}

type sigHash struct{ h []byte }

func (h *sigHash) str(s string) {
	h.h = binary.AppendUvarint(h.h, uint64(len(s)))
	h.h = append(h.h, s...)
}
func (h *sigHash) u64(v uint64) { h.h = binary.BigEndian.AppendUint64(h.h, v) }

// set hashes operation set r of c.
func (h *sigHash) set(c *Checker, r mref) {
	for _, w := range c.view(r) {
		h.u64(w)
	}
}
func (h *sigHash) sorted(ss []string) {
	ss = slices.Clone(ss)
	slices.Sort(ss)
	h.u64(uint64(len(ss)))
	for _, s := range ss {
		h.str(s)
	}
}
func (h *sigHash) sum() string {
	f := fnv.New128a()
	f.Write(h.h)
	return string(f.Sum(nil))
}

func ruleSig(h *sigHash, r *rule) {
	if r == nil {
		h.str("")
		return
	}
	h.str("rule")
	h.str(r.script)
	h.u64(b2u(r.js != nil) | b2u(r.prog != nil)<<1)
	if r.err != nil {
		h.str(r.err.Error())
	} else {
		h.str("")
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func errSig(h *sigHash, err error) {
	if err != nil {
		h.str(err.Error())
	} else {
		h.str("")
	}
}

func (s *sigs) level(l int32) string {
	switch l {
	case appLevel:
		return "\x00app"
	case storeLevel:
		return "\x00store"
	}
	return foldKey(s.c.scopes[l])
}

func (s *sigs) taskSig(t int32) string {
	switch s.tstate[t] {
	case 2:
		return s.task[t]
	case 1:
		return "loop" // compile marked loops broken already; keep it finite
	}
	s.tstate[t] = 1
	n := &s.c.tasks[t]
	h := &sigHash{}
	h.str(foldKey(n.guid))
	h.str(s.level(n.scope))
	h.set(s.c, n.direct)
	h.set(s.c, n.full)
	ruleSig(h, n.rule)
	errSig(h, n.err)
	var ch []string
	for _, c := range n.children {
		ch = append(ch, s.taskSig(c))
	}
	h.sorted(ch)
	s.task[t], s.tstate[t] = h.sum(), 2
	return s.task[t]
}

func (s *sigs) taskShape(t int32) string {
	switch s.sstate[t] {
	case 2:
		return s.shape[t]
	case 1:
		return "loop"
	}
	s.sstate[t] = 1
	n := &s.c.tasks[t]
	h := &sigHash{}
	h.str(foldKey(n.guid))
	h.str(s.level(n.scope))
	ruleSig(h, n.rule)
	errSig(h, n.err)
	var ch []string
	for _, c := range n.children {
		ch = append(ch, s.taskShape(c))
	}
	h.sorted(ch)
	s.shape[t], s.sstate[t] = h.sum(), 2
	return s.shape[t]
}

func (s *sigs) groupSig(g int32) string {
	switch s.gstate[g] {
	case 2:
		return s.group[g]
	case 1:
		return "loop"
	}
	s.gstate[g] = 1
	n := &s.c.groups[g]
	h := &sigHash{}
	h.str(foldKey(n.guid))
	h.str(s.level(n.level))
	h.str(string(n.typ))
	h.str(n.query)
	ruleSig(h, n.rule)
	errSig(h, n.err)
	fold := func(ss []string) []string {
		out := make([]string, len(ss))
		for i, m := range ss {
			out[i] = foldKey(m)
		}
		return out
	}
	h.sorted(fold(n.members))
	h.sorted(fold(n.nonMembers))
	var ml, nl []string
	for _, c := range n.memberLinks {
		ml = append(ml, s.groupSig(c))
	}
	for _, c := range n.nonMemberLinks {
		nl = append(nl, s.groupSig(c))
	}
	h.sorted(ml)
	h.sorted(nl)
	s.group[g], s.gstate[g] = h.sum(), 2
	return s.group[g]
}

// assignSig returns the deep signature of assignment a and its shape: the
// same without operation sets (its members, groups and the shapes of its
// tasks).
func (s *sigs) assignSig(a int32) (sig, shape string) {
	n := &s.c.assigns[a]
	var ts, ss, gs, ms []string
	for _, t := range n.links {
		ts = append(ts, s.taskSig(t))
		ss = append(ss, s.taskShape(t))
	}
	for _, g := range n.groups {
		gs = append(gs, s.groupSig(g))
	}
	for _, m := range n.members {
		ms = append(ms, foldKey(m))
	}
	h := &sigHash{}
	h.str(s.level(n.scope))
	h.sorted(ss)
	h.sorted(gs)
	h.sorted(ms)
	shape = h.sum()
	h.set(s.c, n.direct)
	h.set(s.c, n.full)
	h.set(s.c, n.static)
	h.sorted(ts)
	return h.sum(), shape
}

// assignSigOf is an assignment's signatures, by identity.
type assignSigOf struct {
	sig, shape string
	idx        int32
}

// opDelta returns the operations whose decisions through assignment a of
// base and b of next, of one shape, may differ: those any of the
// assignment's own sets or of its tasks' (matched by GUID) hold on one side
// only. Anything else about a decision through them is the same on both
// sides: members, groups, rules, errors and task nesting are in the shape.
func opDelta(base *Checker, a int32, next *Checker, b int32) opBits {
	d := base.newSet()
	xor := func(x, y opBits) {
		for i := range d {
			d[i] |= x[i] ^ y[i]
		}
	}
	na, nb := &base.assigns[a], &next.assigns[b]
	xor(base.view(na.direct), next.view(nb.direct))
	xor(base.view(na.static), next.view(nb.static))
	xor(base.view(na.full), next.view(nb.full))
	byGUID := next.tasksByGUID()
	seen := map[int32]bool{}
	var walk func(t int32)
	walk = func(t int32) {
		if seen[t] {
			return
		}
		seen[t] = true
		x := &base.tasks[t]
		u, ok := byGUID[foldKey(x.guid)]
		if !ok { // not of one shape after all: every operation either holds
			xor(base.view(base.all), next.newSet())
			return
		}
		y := &next.tasks[u]
		xor(base.view(x.direct), next.view(y.direct))
		xor(base.view(x.inner), next.view(y.inner))
		xor(base.view(x.static), next.view(y.static))
		xor(base.view(x.full), next.view(y.full))
		for _, ch := range x.children {
			walk(ch)
		}
	}
	for _, t := range na.links {
		walk(t)
	}
	return d
}

// tasksByGUID maps folded task GUIDs to task indexes.
func (c *Checker) tasksByGUID() map[string]int32 {
	c.wsigs.taskOnce.Do(func() {
		m := make(map[string]int32, len(c.tasks))
		for i := range c.tasks {
			m[foldKey(c.tasks[i].guid)] = int32(i)
		}
		c.wsigs.tasks = m
	})
	return c.wsigs.tasks
}

// impact is what a changed role assignment can reach: the principal keys
// and application groups (by folded GUID) below it, on either side.
type impact struct {
	allScopes bool   // at application level: every scope
	scope     string // folded scope name otherwise
	ref       int    // and its index in the what-if's scopes
	everyone  bool   // an LDAP query or business rule group is below it
	ops       opBits // what it may grant on either side
}

type impactSet struct {
	// newRefs are the scopes only one side has; newOps the operations
	// either side has: every subject may see them change there.
	newRefs []int
	newOps  opBits
	list    []impact
	// byPrin are the impacts reaching each principal of base (0) and next
	// (1), by principal index: every key below a role assignment is a
	// principal of the side it is on.
	byPrin   [2]map[int32][]int32
	byGroup  map[string][]int32 // folded group GUID → impacts
	everyone []int32
	// filter holds the hashes of the keys of byPrin's principals (a Bloom
	// filter as a level filter is): a subject's other keys need no lookup.
	filter []uint64
}

// buildFilter fills set.filter from byPrin.
func (set *impactSet) buildFilter(base, next *Checker) {
	n := len(set.byPrin[0]) + len(set.byPrin[1])
	words := 1
	for words*4 < n {
		words <<= 1
	}
	set.filter = make([]uint64, words)
	for side, c := range []*Checker{base, next} {
		for pi := range set.byPrin[side] {
			h := hashFolded(c.keyNames[pi])
			set.filter[(h>>8)&uint64(words-1)] |= levelBits(h)
		}
	}
}

// mayReach reports whether the key of hash h may be a principal of byPrin.
func (set *impactSet) mayReach(h uint64) bool {
	m := levelBits(h)
	return set.filter[(h>>8)&uint64(len(set.filter)-1)]&m == m
}

// impacts compares base and next and returns what each changed role
// assignment can reach.
func impacts(base, next *Checker) *impactSet {
	set := &impactSet{byPrin: [2]map[int32][]int32{{}, {}}, byGroup: map[string][]int32{}}
	changed := func(side int, c *Checker, other map[string]assignSigOf) {
		s, mine := c.sigs(), c.assignSigs()
		for i := range c.assigns {
			k := s.assignIdentity(int32(i))
			m, o := mine[k], other[k]
			var ops opBits
			switch {
			case o.sig == "" || m.sig == dupSig || o.sig == dupSig:
				ops = c.view(c.assigns[i].full) // new, deleted, or not matched one to one
			case o.sig == m.sig:
				continue
			case o.shape == m.shape: // only operation sets changed
				if side == 0 {
					ops = opDelta(base, int32(i), next, o.idx)
				} else {
					ops = opDelta(base, o.idx, next, int32(i))
				}
				if ops.empty() {
					continue
				}
			default:
				ops = c.view(c.assigns[i].full)
			}
			set.add(side, c, int32(i), ops)
		}
	}
	changed(0, base, next.assignSigs())
	changed(1, next, base.assignSigs())
	return set
}

// dupSig is the signature of an assignment identity two assignments share:
// never equal, so both sides decide again.
const dupSig = "\x00dup"

// whatIfSigs are a Checker's deep signatures, computed once: a Checker is
// immutable, and the base of a what-if is the policy in force, compared
// again and again.
type whatIfSigs struct {
	once     sync.Once
	s        *sigs
	assigns  map[string]assignSigOf // by assignment identity
	taskOnce sync.Once
	tasks    map[string]int32 // folded task GUID → task (tasksByGUID)
}

func (c *Checker) sigs() *sigs {
	c.wsigs.once.Do(c.computeSigs)
	return c.wsigs.s
}

func (c *Checker) assignSigs() map[string]assignSigOf {
	c.wsigs.once.Do(c.computeSigs)
	return c.wsigs.assigns
}

func (c *Checker) computeSigs() {
	s := newSigs(c)
	m := make(map[string]assignSigOf, len(c.assigns))
	for i := range c.assigns {
		k := s.assignIdentity(int32(i))
		if _, dup := m[k]; dup {
			m[k] = assignSigOf{sig: dupSig}
			continue
		}
		sig, shape := s.assignSig(int32(i))
		m[k] = assignSigOf{sig: sig, shape: shape, idx: int32(i)}
	}
	c.wsigs.s, c.wsigs.assigns = s, m
}

// assignIdentity is what matches an assignment across two compilations:
// its GUID and level.
func (s *sigs) assignIdentity(a int32) string {
	n := &s.c.assigns[a]
	k := foldKey(n.guid) + "\x00" + s.level(n.scope)
	if n.guid == "" {
		k += "\x00" + foldKey(n.name)
	}
	return k
}

// add records what assignment a of c reaches, for operations ops.
func (set *impactSet) add(side int, c *Checker, a int32, ops opBits) {
	n := &c.assigns[a]
	im := impact{ops: ops}
	if n.scope == appLevel {
		im.allScopes = true
	} else {
		im.scope = foldKey(c.scopes[n.scope])
	}
	idx := int32(len(set.list))
	keys := map[int32]bool{}
	key := func(m string) {
		if pi, ok := c.lookupPrin(m); ok {
			keys[pi] = true
		}
	}
	groups := map[int32]bool{}
	for _, m := range n.members {
		key(m)
	}
	var down func(g int32, depth int)
	down = func(g int32, depth int) {
		if groups[g] || depth > MaxDepth+1 {
			return
		}
		groups[g] = true
		grp := &c.groups[g]
		if grp.typ == policy.GroupLDAPQuery || grp.typ == policy.GroupBizRule {
			im.everyone = true
		}
		for _, m := range grp.members {
			key(m)
		}
		for _, m := range grp.nonMembers {
			key(m)
		}
		for _, h := range grp.memberLinks {
			down(h, depth+1)
		}
		for _, h := range grp.nonMemberLinks {
			down(h, depth+1)
		}
	}
	for _, g := range n.groups {
		down(g, 0)
	}
	set.list = append(set.list, im)
	if im.everyone {
		set.everyone = append(set.everyone, idx)
	}
	for pi := range keys {
		set.byPrin[side][pi] = append(set.byPrin[side][pi], idx)
	}
	for g := range groups {
		gk := foldKey(c.groups[g].guid)
		set.byGroup[gk] = append(set.byGroup[gk], idx)
	}
}

// reach returns the scopes (indexes in w.scopes, each once) in which
// subject s may see a changed decision, whether that is every scope, and
// the operations that may change (empty: none).
func (set *impactSet) reach(base, next *Checker, s Subject, w *whatIf) (refs []int, all bool, ops opBits) {
	ops = next.newSet()
	if len(w.hit) < len(set.list) {
		w.hit = make([]uint32, len(set.list))
	}
	hits := w.hits[:0]
	hitOne := func(i int32) {
		if w.hit[i] != w.stamp {
			w.hit[i] = w.stamp
			hits = append(hits, i)
		}
	}
	for _, i := range set.everyone {
		hitOne(i)
	}
	switch s.Kind {
	case SubjectApplicationGroup:
		for _, c := range []*Checker{base, next} {
			if g, ok := c.findGroup(s.Name, s.Scope); ok {
				for _, i := range set.byGroup[foldKey(c.groups[g].guid)] {
					hitOne(i)
				}
			}
		}
	default:
		look := func(k string) {
			h, fast := hashKey(k)
			if fast && !set.mayReach(h) {
				return
			}
			for side, c := range []*Checker{base, next} {
				if len(set.byPrin[side]) == 0 {
					continue
				}
				if pi, ok := c.lookupPrinHashed(k, h, fast); ok {
					for _, i := range set.byPrin[side][pi] {
						hitOne(i)
					}
				}
			}
		}
		for _, keys := range [][]string{s.Client.IDs, s.Client.Groups} {
			for _, k := range keys {
				look(k)
			}
		}
		if s.Client.Name != "" && len(s.Client.IDs) == 0 {
			look(s.Client.Name)
		}
	}
	refs = w.refs[:0]
	add := func(ref int) {
		if w.direct[ref] != w.stamp {
			w.direct[ref] = w.stamp
			refs = append(refs, ref)
		}
	}
	for _, ref := range set.newRefs {
		add(ref)
		ops.or(set.newOps)
	}
	w.hits = hits
	for _, i := range hits {
		im := &set.list[i]
		ops.or(im.ops)
		if im.allScopes {
			all = true
		} else {
			add(im.ref)
		}
	}
	slices.Sort(refs)
	w.refs = refs
	return refs, all, ops
}

// ---- deciding again ----

// whatIfShared is what every worker of a what-if reads.
type whatIfShared struct {
	ctx              context.Context
	base, next       *Checker
	params           Params
	scopes           []scopeRef
	limit            int
	imp              *impactSet
	baseRef, nextRef []int // scope level on each side → index in scopes
}

// whatIf is a worker of a what-if: its scratch memory and the chunk of the
// report it is filling.
type whatIf struct {
	*whatIfShared
	part     *whatIfPart
	full     bool // the report is full already: count changes, list none
	stB, stN *scratch
	rb, rn   maskResult

	// Per subject, stamped with stamp: the scopes a changed assignment
	// names (direct, listed in refs), and those in which the subject
	// reaches a scope-level assignment on each side.
	stamp              uint32
	direct             []uint32
	reachedB, reachedN []uint32
	refs               []int
	hit                []uint32 // impacts, stamped when they reach the subject
	hits               []int32
}

func (sh *whatIfShared) worker() *whatIf {
	return &whatIf{whatIfShared: sh, stB: newScratch(len(sh.base.groups)), stN: newScratch(len(sh.next.groups)),
		direct: make([]uint32, len(sh.scopes)), reachedB: make([]uint32, len(sh.scopes)), reachedN: make([]uint32, len(sh.scopes))}
}

// decide decides ops for subject s in scope level si of c into out; a
// scope c does not have denies everything.
func (w *whatIf) decide(c *Checker, st *scratch, s Subject, si int32, ops opBits, out *maskResult) error {
	out.reset(c)
	if si == absent {
		return nil
	}
	client, assume, err := c.subjectRequest(s)
	if err != nil {
		if s.Kind == SubjectApplicationGroup {
			return nil // the group does not exist on this side: a member of nothing
		}
		return err
	}
	r := request{ctx: w.ctx, client: client, scope: si, params: w.params, assume: assume}
	c.decideMask(st, &r, ops, out)
	return w.ctx.Err()
}

// subject compares s's decisions in the scopes it may see changed: refs,
// or when all every scope.
func (w *whatIf) subject(s Subject, refs []int, all bool, ops opBits) error {
	if !all {
		for _, ref := range refs {
			if err := w.compare(s, ref, ops); err != nil {
				return err
			}
		}
		return nil
	}
	w.base.scopesReached(s, func(l int32) { w.reachedB[w.baseRef[l]] = w.stamp })
	w.next.scopesReached(s, func(l int32) { w.reachedN[w.nextRef[l]] = w.stamp })
	var defB, defN opBits // default-scope decisions, for scopes s reaches nothing in
	var defGB, defGN []Grant
	haveDef := false
	for ref, sc := range w.scopes {
		if sc.base >= 0 && sc.next >= 0 && w.direct[ref] != w.stamp && w.reachedB[ref] != w.stamp && w.reachedN[ref] != w.stamp {
			// Only application-level assignments reach s here on either
			// side: the default scope's decisions hold.
			if !haveDef {
				if err := w.decide(w.base, w.stB, s, appLevel, ops, &w.rb); err != nil {
					return err
				}
				if err := w.decide(w.next, w.stN, s, appLevel, ops, &w.rn); err != nil {
					return err
				}
				defB, defN, haveDef = slices.Clone(w.rb.allowed), slices.Clone(w.rn.allowed), true
				defGB, defGN = slices.Clone(w.rb.grants), slices.Clone(w.rn.grants)
			}
			if !defB.equal(defN) {
				w.emit(s, sc.name, ops, defB, defN, defGB, defGN)
			}
			continue
		}
		if err := w.compare(s, ref, ops); err != nil {
			return err
		}
	}
	return nil
}

// compare decides ops for s in scope ref on both sides and lists what
// differs. It fills a Grant only for a decision that changed.
func (w *whatIf) compare(s Subject, ref int, ops opBits) error {
	sc := w.scopes[ref]
	var rb, rn request
	okB, err := w.request(w.base, s, sc.base, &rb)
	if err != nil {
		return err
	}
	okN, err := w.request(w.next, s, sc.next, &rn)
	if err != nil {
		return err
	}
	for wd, m := range ops {
		if m == 0 {
			continue
		}
		var before, after uint64
		if okB {
			before = w.base.allowedWord(w.stB, &rb, wd, m)
		}
		if okN {
			after = w.next.allowedWord(w.stN, &rn, wd, m)
		}
		for d := (before ^ after) & m; d != 0; d &= d - 1 {
			bit := d & -d
			granted := after&bit != 0
			w.change(s, sc.name, firstBit(wd, d), granted, func(g *Grant) {
				if granted {
					w.next.decide(w.stN, &rn, wd, bit, g) // st.hits are still this word's
				} else {
					w.base.decide(w.stB, &rb, wd, bit, g)
				}
			})
		}
	}
	return w.ctx.Err()
}

// request sets r to the request deciding for s in scope level si of c and
// reports true; false when c has no such scope, or no such application
// group: every decision there is a denial.
func (w *whatIf) request(c *Checker, s Subject, si int32, r *request) (bool, error) {
	if si == absent {
		return false, nil
	}
	client, assume, err := c.subjectRequest(s)
	if err != nil {
		if s.Kind == SubjectApplicationGroup {
			return false, nil // the group does not exist on this side: a member of nothing
		}
		return false, err
	}
	*r = request{ctx: w.ctx, client: client, scope: si, params: w.params, assume: assume}
	return true, nil
}

// allowedWord decides the operations m of word w for r: the allowed ones.
// st.hits stay those of word w for a decide of the same word after it.
func (c *Checker) allowedWord(st *scratch, r *request, w int, m uint64) uint64 {
	c.reach(st, r, w, m)
	var out uint64
	for b := m; b != 0; b &= b - 1 {
		if hi, _, _ := c.decideRef(st, r, w, b&-b); hi >= 0 {
			out |= b & -b
		}
	}
	return out
}

func (w *whatIf) emit(s Subject, scope string, ops, before, after opBits, gb, gn []Grant) {
	diff := make(opBits, len(ops))
	for j := range diff {
		diff[j] = (before[j] ^ after[j]) & ops[j]
	}
	diff.each(func(i int) {
		granted := after.has(i)
		w.change(s, scope, i, granted, func(g *Grant) {
			if granted {
				*g = gn[i]
			} else {
				*g = gb[i]
			}
		})
	})
}

// change counts a changed decision of operation bit i and lists it while
// the report has room, with the Grant of the side that grants (fill).
func (w *whatIf) change(s Subject, scope string, i int, granted bool, fill func(*Grant)) {
	w.part.total++
	if granted {
		w.part.granted++
	} else {
		w.part.revoked++
	}
	if w.full || len(w.part.changes) >= w.limit {
		return
	}
	op := w.next.ops.At(i)
	ch := Change{Subject: s, Scope: scope, Operation: op.Name, OperationID: int(op.ID), Granted: granted}
	g := new(Grant)
	fill(g)
	if granted {
		ch.After = g
	} else {
		ch.Before = g
	}
	w.part.changes = append(w.part.changes, ch)
}

// scopesReached lists the scopes in which subject s may reach a
// scope-level role assignment: through a key's own entries, a group above
// a key, an LDAP query or business rule group (or one above it), or an
// assumed application group and the groups above it. Elsewhere only
// application-level assignments reach s.
func (c *Checker) scopesReached(s Subject, mark func(scope int32)) {
	groups := map[int32]bool{}
	addGroup := func(g int32) {
		groups[g] = true
	}
	switch s.Kind {
	case SubjectApplicationGroup:
		if g, ok := c.findGroup(s.Name, s.Scope); ok {
			queue := []int32{g}
			for len(queue) > 0 {
				h := queue[0]
				queue = queue[1:]
				if groups[h] {
					continue
				}
				addGroup(h)
				queue = append(queue, c.groups[h].parents...)
			}
		}
	default:
		cl := s.Client
		keys := append(append([]string(nil), cl.IDs...), cl.Groups...)
		if len(cl.IDs) == 0 && cl.Name != "" {
			keys = append(keys, cl.Name)
		}
		for _, k := range keys {
			pi, ok := c.lookupPrin(k)
			if !ok {
				continue
			}
			p := &c.prins[pi]
			for _, e := range c.entrySpan(p.scoped) {
				mark(e.scope)
			}
			for _, g := range c.groupSpan(p.up) {
				addGroup(g)
			}
		}
	}
	for _, g := range c.dynUp {
		addGroup(g)
	}
	for g := range groups {
		for _, sc := range c.groups[g].scoped {
			mark(sc.scope)
		}
	}
}
