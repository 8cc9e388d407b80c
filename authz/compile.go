package authz

import (
	"bytes"
	"cmp"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// MaxDepth is the deepest task or application-group nesting a check follows.
// policy.Validate forbids cycles; deeper (or looping) nesting makes every
// path through it deny with ErrDepthExceeded.
const MaxDepth = 32

// Options tune Compile.
type Options struct {
	// QueryMatcher decides LDAP query application groups. Nil: nobody is a
	// member of one, and paths through one report ErrQuery.
	QueryMatcher QueryMatcher
	// Logger receives Compile's warnings. Nil: they are only returned by
	// Warnings.
	Logger *slog.Logger
	// Engine is the operations of the program gated through the
	// application (the bundled engine: operations.HyperV()), which asks
	// by its own IDs. Compile matches them to the application's operations
	// by name and takes the IDs from the store (Checker.Engine); the ones
	// the application lacks are one warning, and checks of them deny. Nil:
	// no such program (Checker.Engine is nil).
	Engine *operations.Index
	// RuleTimeLimit bounds one evaluation of a JScript business rule; a
	// rule still running then is interrupted and denies. Zero:
	// DefaultRuleTimeLimit.
	RuleTimeLimit time.Duration
	// Now is the clock of members limited in time (policy.Term): Compile
	// takes the members in force at Now(), and a check past the next
	// start or expiry is decided by a Checker compiled anew, never by the
	// old one (see terms.go). Nil: time.Now.
	Now func() time.Time
}

// Levels of objects: scope indexes are >= 0.
const (
	appLevel   int32 = -1
	storeLevel int32 = -2
)

// Checker is a compiled policy of one application. It is immutable and safe
// for concurrent use.
type Checker struct {
	app      string
	opts     Options // as compiled, for Recompile
	warnings []string
	matcher  QueryMatcher

	ops    *operations.Index // the application's operations, from the store: operation i has bit i
	words  int               // 64-bit words of an operation set
	masks  []uint64          // the operation sets (see mref)
	all    mref              // every operation
	engine *Binding          // Options.Engine matched to ops

	scopeIdx map[string]int32 // folded scope name → index
	scopeTab *keyTable        // the same, for the hot path
	scopes   []string         // index → scope name as spelled in the store

	tasks   []taskNode
	assigns []assignNode
	groups  []groupNode

	ptags    []uint64 // principal table: tag<<32 | index+1 (see printable.go)
	pmask    uint64
	pfilter  []uint64 // a blocked Bloom filter of the principal keys (see printable.go)
	fmask    uint64
	keyArena []byte   // principal keys longer than inlineKey
	keyNames []string // index → folded principal
	prins    []prinNode
	entries  []entry
	escope   []int32       // entries[i].scope, searched by binary search
	flat     []int32       // group lists of prinNode spans
	dynUp    []int32       // LDAP query and business rule groups and the groups above them
	levels   []levelFilter // the application's (0) and each scope's (1+scope), see relevance.go
	lfilter  []uint64

	pool sync.Pool // *scratch

	terms termState // members limited in time (terms.go)

	wsigs  whatIfSigs // for WhatIf, computed on first use
	gnames struct {   // application groups by folded name, built on first use
		once sync.Once
		m    map[string][]int32
	}
}

type taskNode struct {
	name     string
	guid     string
	scope    int32
	roleDef  bool
	rule     *rule
	err      error
	direct   mref    // operation links
	children []int32 // task links
	inner    mref    // direct | static of children: granted once this task's own rule holds
	static   mref    // inner when the task has neither rule nor error, else empty
	full     mref    // everything reachable, ignoring rules and errors
}

type assignNode struct {
	name    string
	guid    string
	scope   int32
	direct  mref
	links   []int32 // tasks
	static  mref    // granted without evaluating any rule
	full    mref
	members []string // raw, as in the store
	groups  []int32  // application groups linked as members
}

type groupNode struct {
	name           string
	guid           string
	level          int32
	typ            policy.GroupType
	memberLinks    []int32
	nonMemberLinks []int32
	parents        []int32 // groups that link this one as a member
	members        []string
	nonMembers     []string
	rule           *rule
	query          string
	err            error
	app            []int32 // application-level assignments linking this group
	appFull        mref
	scoped         []scopedIdx // scope-level assignments linking it, by scope
}

func (c *Checker) groupSpan(s span) []int32 { return c.flat[s.off : s.off+s.n] }
func (c *Checker) entrySpan(s span) []entry { return c.entries[s.off : s.off+s.n] }

// memberRef is a role assignment a principal is a direct member of.
type memberRef struct {
	assign int32
	member int32 // index in the assignment's members
}

// scopedIdx are the assignments of one scope linking a group.
type scopedIdx struct {
	scope int32
	full  mref
	list  []int32
}

// span is a run of a flat array.
type span struct{ off, n int32 }

// entry is a way a principal reaches role assignments at one level: as a
// direct member of an assignment, or through a group it may be in (its up
// closure) that assignments of that level link.
type entry struct {
	scope  int32 // appLevel or a scope index
	assign int32 // direct: the assignment; -1 for a group entry
	member int32 // direct: index in the assignment's members
	group  int32 // group entry: the group; -1 for a direct entry
	full   mref
	static mref // direct: granted without rules
}

// prinNode is a principal's hot record: one cache line of spans.
type prinNode struct {
	scopeMask   uint64 // bit scope%64 set for every scope with entries: a quick "not in this scope"
	appFull     mref
	app         span // entries at application level
	scoped      span // entries in scopes, sorted by scope
	memberOf    span // in flat: groups listing it as a member
	nonMemberOf span // groups listing it as a non-member
	up          span // memberOf and every group above them
	key         prinKey
	_           [12]byte // 128 bytes: two whole cache lines per record
}

// prinBuild is a principal while compiling.
type prinBuild struct {
	app                   []memberRef
	memberOf, nonMemberOf []int32
	up                    []int32
}

func scopeKey(scope, idx int32) uint64 { return uint64(uint32(scope))<<32 | uint64(uint32(idx)) }

// Compile builds the Checker of application app of p ("" means
// p.DefaultApp()). The application's operations are the ones its store
// defines; checks name them by the store's OperationIDs. Compile does not
// re-validate p (stores do); anything it cannot follow — a dangling link, a
// cycle, an unevaluable business rule, an operation without a usable name
// or ID — is reported by Warnings and fails closed.
func Compile(p *policy.Policy, app string, opts Options) (*Checker, error) {
	return compileAt(p, app, opts, opts.now())
}

// compileAt is Compile with the members in force at time at.
func compileAt(p *policy.Policy, app string, opts Options, at time.Time) (*Checker, error) {
	if p == nil {
		return nil, fmt.Errorf("compile: nil policy: %w", ErrUnknownApplication)
	}
	if app == "" {
		app = p.DefaultApp()
	}
	a, err := p.Application(app)
	if err != nil {
		return nil, fmt.Errorf("compile: application %q: %w", app, ErrUnknownApplication)
	}
	c := &Checker{
		opts:     opts,
		app:      a.Name,
		matcher:  opts.QueryMatcher,
		scopeIdx: map[string]int32{},
	}
	np := memberCount(p, a) // at least the principals: sized once, not grown
	b := &builder{c: c, at: at, js: newJSSandbox(opts.RuleTimeLimit), taskIdx: map[string]int32{}, groupIdx: map[string]int32{}, opBits: map[string]int{},
		keys: make(map[string]int32, np), prinScoped: map[uint64][]memberRef{}, groupScoped: map[uint64][]int32{},
		prins: make([]prinBuild, 0, np)}
	c.keyNames = make([]string, 0, np)
	b.operations(a)
	if opts.Engine != nil {
		c.engine = c.Bind(opts.Engine)
		if s := c.engine.Summary(); s != "" {
			b.warn("%s", s)
		}
	}
	var levels []*policy.Objects // objects of each scope, by scope index
	for _, s := range a.Scopes {
		k := foldKey(s.Name)
		if _, dup := c.scopeIdx[k]; dup {
			b.warn("scope %q is defined twice; the second is ignored", s.Name)
			continue
		}
		c.scopeIdx[k] = int32(len(c.scopes))
		c.scopes = append(c.scopes, s.Name)
		levels = append(levels, &s.Objects)
	}
	b.tasks(&a.Objects, levels)
	b.groups(p.Groups, &a.Objects, levels)
	b.assignments(&a.Objects, levels)
	b.closures()
	b.scopedLists()
	b.index()
	c.buildLevelFilters(c.buildPrinTable(), b)
	folded := make([]string, len(c.scopes))
	for i, s := range c.scopes {
		folded[i] = foldKey(s)
	}
	c.scopeTab = newKeyTable(folded)
	n := len(c.groups)
	c.pool.New = func() any { return newScratch(n) }
	b.finishTerms(p)
	if opts.Logger != nil {
		for _, w := range c.warnings {
			opts.Logger.Warn("authz compile", "application", c.app, "warning", w)
		}
	}
	return c, nil
}

// memberCount is the number of member and non-member strings of
// application a's role assignments and of every group in its reach.
func memberCount(p *policy.Policy, a *policy.Application) int {
	n := 0
	groups := func(gs []*policy.Group) {
		for _, g := range gs {
			n += len(g.Members) + len(g.NonMembers)
		}
	}
	groups(p.Groups)
	levels := []*policy.Objects{&a.Objects}
	for _, s := range a.Scopes {
		levels = append(levels, &s.Objects)
	}
	for _, o := range levels {
		groups(o.Groups)
		for _, r := range o.Roles {
			n += len(r.Members)
		}
	}
	return n
}

// Recompile compiles p as c was compiled: the same application (by name)
// and Options, but for the logger (a staged policy's warnings are
// returned, not logged). It is how a what-if compiles the policy with
// staged edits.
func (c *Checker) Recompile(p *policy.Policy) (*Checker, error) {
	opts := c.opts
	opts.Logger = nil
	return Compile(p, c.app, opts)
}

// Warnings lists what Compile could not follow and what it will deny
// because of it.
func (c *Checker) Warnings() []string { return append([]string(nil), c.warnings...) }

// Application is the name of the compiled application.
func (c *Checker) Application() string { return c.app }

// Scopes lists the application's scope names.
func (c *Checker) Scopes() []string { return append([]string(nil), c.scopes...) }

type builder struct {
	c        *Checker
	at       time.Time // members are taken as in force at this time
	boundary time.Time // the first start or expiry after at
	lapsed   []lapsed
	js       *jsSandbox       // Options.RuleTimeLimit and the running JScript rules
	opBits   map[string]int   // folded operation GUID → bit (-1: an operation that cannot be checked)
	interned map[string]mref  // operation sets in c.masks, by their words
	unions   map[[2]mref]mref // union's memo
	taskIdx  map[string]int32 // folded GUID → task index
	groupIdx map[string]int32 // folded GUID → group index

	keys        map[string]int32       // folded principal → index in prins
	prins       []prinBuild            // by principal index
	prinScoped  map[uint64][]memberRef // scopeKey(scope, principal) → assignments in that scope
	groupScoped map[uint64][]int32     // scopeKey(scope, group) → assignments in that scope linking it
	fold        []byte                 // lookupFolded's buffer
	scopeNames  []string               // levelName of each scope, made once
}

// lookupFolded is m[foldKey(s)] without building the key's string when s
// is ASCII: it is folded into b.fold, which a map index reads without
// copying. Compiling looks up a GUID or principal for every link and
// member of the store.
func lookupFolded[V any](b *builder, m map[string]V, s string) (V, bool) {
	buf, ascii := b.fold[:0], true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf = append(buf, c)
	}
	b.fold = buf
	if !ascii {
		v, ok := m[foldKey(s)]
		return v, ok
	}
	// foldKey trims space first: for ASCII input, these bytes.
	buf = bytes.TrimFunc(buf, func(r rune) bool { return r == ' ' || '\t' <= r && r <= '\r' })
	v, ok := m[string(buf)]
	return v, ok
}

func (b *builder) warn(format string, args ...any) {
	b.c.warnings = append(b.c.warnings, fmt.Sprintf(format, args...))
}

func (b *builder) levelName(l int32) string {
	switch l {
	case storeLevel:
		return "store"
	case appLevel:
		return "application " + strconv.Quote(b.c.app)
	}
	if b.scopeNames == nil {
		b.scopeNames = make([]string, len(b.c.scopes))
	}
	if b.scopeNames[l] == "" {
		b.scopeNames[l] = "scope " + strconv.Quote(b.c.scopes[l])
	}
	return b.scopeNames[l]
}

func (b *builder) opMask(owner string, links []string) opBits {
	m := b.newBits()
	for _, l := range links {
		bit, ok := lookupFolded(b, b.opBits, l)
		switch {
		case !ok:
			b.warn("%s: operation link %s names no operation; ignored", owner, l)
		case bit >= 0:
			m.set(bit)
		}
	}
	return m
}

// visibleTask reports whether an object at level from may link task t.
func (b *builder) visibleTask(from int32, t int32) bool {
	s := b.c.tasks[t].scope
	return s == appLevel || s == from
}

func (b *builder) taskLinks(owner string, from int32, links []string) []int32 {
	var out []int32
	for _, l := range links {
		t, ok := lookupFolded(b, b.taskIdx, l)
		if !ok || !b.visibleTask(from, t) {
			b.warn("%s: task link %s names no task in reach; ignored", owner, l)
			continue
		}
		out = append(out, t)
	}
	return out
}

func (b *builder) tasks(app *policy.Objects, levels []*policy.Objects) {
	c := b.c
	type pending struct {
		t     *policy.Task
		owner string
	}
	var ps []pending
	add := func(level int32, o *policy.Objects) {
		for _, t := range o.Tasks {
			kind := "task"
			if t.RoleDefinition {
				kind = "role definition"
			}
			owner := b.levelName(level) + " / " + kind + " " + strconv.Quote(t.Name)
			k := foldKey(t.GUID)
			if _, dup := b.taskIdx[k]; dup {
				b.warn("%s: GUID %s is used twice; ignored", owner, t.GUID)
				continue
			}
			b.taskIdx[k] = int32(len(c.tasks))
			c.tasks = append(c.tasks, taskNode{name: t.Name, guid: t.GUID, scope: level, roleDef: t.RoleDefinition})
			ps = append(ps, pending{t, owner})
		}
	}
	add(appLevel, app)
	for i, o := range levels {
		if o != nil {
			add(int32(i), o)
		}
	}
	// The sets while compiling, by task; interned into the nodes at the end.
	direct := make([]opBits, len(c.tasks))
	inner := make([]opBits, len(c.tasks))
	static := make([]opBits, len(c.tasks))
	full := make([]opBits, len(c.tasks))
	for i, p := range ps {
		n := &c.tasks[i]
		direct[i] = b.opMask(p.owner, p.t.OperationLinks)
		n.children = b.taskLinks(p.owner, n.scope, p.t.TaskLinks)
		r, w := compileRule(p.owner, p.t.BizRule, b.js)
		n.rule = r
		if w != "" {
			b.warn("%s", w)
		}
	}
	// Heights and masks, depth-first; nesting deeper than MaxDepth or looping
	// marks the task broken.
	state := make([]uint8, len(c.tasks))
	height := make([]int, len(c.tasks))
	var visit func(i int32) int
	visit = func(i int32) int {
		switch state[i] {
		case 1:
			return MaxDepth + 1 // a loop
		case 2:
			return height[i]
		}
		state[i] = 1
		h := 1
		for _, ch := range c.tasks[i].children {
			h = max(h, 1+visit(ch))
		}
		h = min(h, MaxDepth+1)
		n := &c.tasks[i]
		inner[i], static[i], full[i] = b.newBits(), b.newBits(), b.newBits()
		if h > MaxDepth {
			n.err = fmt.Errorf("%s: task %q: %w (more than %d levels, or a loop)", b.levelName(n.scope), n.name, ErrDepthExceeded, MaxDepth)
			full[i], n.children = b.bitsOf(c.all), nil
		} else {
			inner[i].or(direct[i])
			full[i].or(direct[i])
			for _, ch := range n.children {
				if static[ch] != nil { // nil: ch is on a loop, being visited
					inner[i].or(static[ch])
					full[i].or(full[ch])
				}
			}
			if n.rule == nil {
				static[i].or(inner[i])
			}
		}
		state[i], height[i] = 2, h
		return h
	}
	for i := range c.tasks {
		visit(int32(i))
	}
	for i := range c.tasks {
		n := &c.tasks[i]
		n.direct, n.inner, n.static, n.full = b.intern(direct[i]), b.intern(inner[i]), b.intern(static[i]), b.intern(full[i])
	}
	for i := range c.tasks {
		if err := c.tasks[i].err; err != nil {
			b.warn("%v; paths through it deny", err)
		}
	}
}

func (b *builder) visibleGroup(from, g int32) bool {
	l := b.c.groups[g].level
	switch {
	case l == storeLevel:
		return true
	case l == appLevel:
		return from != storeLevel
	}
	return l == from
}

// groups compiles the application groups of the store, the application
// and its scopes (levels), in three phases: index every group, define each
// (links, members, query or rule), then break those nested too deep.
func (b *builder) groups(store []*policy.Group, app *policy.Objects, levels []*policy.Objects) {
	for i, p := range b.indexGroups(store, app, levels) {
		b.defineGroup(int32(i), p)
	}
	b.limitGroupDepth()
}

// pendingGroup is a group indexed but not yet defined: its source and the
// owner its warnings name.
type pendingGroup struct {
	g     *policy.Group
	owner string
}

// indexGroups gives every group of the store, the application and its
// scopes its node (in that order: a node's index is its place in the
// returned list), so that links can be resolved in any order; a GUID
// used twice keeps its first group.
func (b *builder) indexGroups(store []*policy.Group, app *policy.Objects, levels []*policy.Objects) []pendingGroup {
	c := b.c
	var ps []pendingGroup
	add := func(level int32, gs []*policy.Group) {
		for _, g := range gs {
			owner := b.levelName(level) + " / application group " + strconv.Quote(g.Name)
			k := foldKey(g.GUID)
			if _, dup := b.groupIdx[k]; dup {
				b.warn("%s: GUID %s is used twice; ignored", owner, g.GUID)
				continue
			}
			b.groupIdx[k] = int32(len(c.groups))
			c.groups = append(c.groups, groupNode{name: g.Name, guid: g.GUID, level: level, typ: g.Type,
				members: b.inForce(owner, -1, true, g.Terms, g.Members), nonMembers: g.NonMembers})
			ps = append(ps, pendingGroup{g, owner})
		}
	}
	add(storeLevel, store)
	add(appLevel, app.Groups)
	for i, o := range levels {
		if o != nil {
			add(int32(i), o.Groups)
		}
	}
	return ps
}

// defineGroup fills node gi from its source by the group's type: links
// and members of a basic group, the query of an LDAP query group, the rule
// of a business rule group. A group that cannot be decided is broken
// (nobody is a member); what can be ignored is, with a warning.
func (b *builder) defineGroup(gi int32, p pendingGroup) {
	n := &b.c.groups[gi]
	fail := func(format string, args ...any) {
		if n.err == nil {
			n.err = fmt.Errorf("%s: %s: %w", p.owner, fmt.Sprintf(format, args...), ErrBrokenGroup)
			b.warn("%v; nobody is a member", n.err)
		}
	}
	switch n.typ {
	case policy.GroupBasic, "":
		n.typ = policy.GroupBasic
		b.basicGroup(gi, p, fail)
	case policy.GroupLDAPQuery:
		n.query = strings.TrimSpace(p.g.LDAPQuery)
		if n.query == "" {
			fail("LDAP query group has no query")
		} else if _, err := policy.NormalizeLDAPQuery(n.query); err != nil {
			fail("%v", err)
		}
	case policy.GroupBizRule:
		r, w := compileRule(p.owner, p.g.BizRule, b.js)
		switch {
		case r == nil:
			fail("business rule group has no rule")
		case w != "":
			b.warn("%s", w)
		}
		n.rule = r
	default:
		fail("unknown group type %q", n.typ)
	}
}

// basicGroup resolves a basic group's links to groups in reach (a member
// link that does not resolve is ignored, a non-member link breaks the
// group: ignoring it would let in whom it excludes) and its members.
func (b *builder) basicGroup(gi int32, p pendingGroup, fail func(format string, args ...any)) {
	c := b.c
	n := &c.groups[gi]
	for _, l := range b.inForce(p.owner, -1, false, p.g.Terms, p.g.AppMemberLinks) {
		h, ok := lookupFolded(b, b.groupIdx, l)
		if !ok || !b.visibleGroup(n.level, h) {
			b.warn("%s: member link %s names no application group in reach; ignored", p.owner, l)
			continue
		}
		n.memberLinks = append(n.memberLinks, h)
		c.groups[h].parents = append(c.groups[h].parents, gi)
	}
	for _, l := range p.g.AppNonMemberLinks {
		h, ok := lookupFolded(b, b.groupIdx, l)
		if !ok || !b.visibleGroup(n.level, h) {
			fail("non-member link %s names no application group in reach", l)
			continue
		}
		n.nonMemberLinks = append(n.nonMemberLinks, h)
	}
	for j, m := range n.members {
		if pi, ok := b.principal(m); ok {
			b.prins[pi].memberOf = append(b.prins[pi].memberOf, gi)
		} else {
			b.warn("%s: member %d is empty; ignored", p.owner, j+1)
		}
	}
	for j, m := range p.g.NonMembers {
		if pi, ok := b.principal(m); ok {
			b.prins[pi].nonMemberOf = append(b.prins[pi].nonMemberOf, gi)
		} else {
			b.warn("%s: non-member %d is empty; ignored", p.owner, j+1)
		}
	}
}

// limitGroupDepth breaks every group nested, over member and non-member
// links, more than MaxDepth levels deep or in a loop.
func (b *builder) limitGroupDepth() {
	c := b.c
	state := make([]uint8, len(c.groups))
	height := make([]int, len(c.groups))
	var visit func(i int32) int
	visit = func(i int32) int {
		switch state[i] {
		case 1:
			return MaxDepth + 1
		case 2:
			return height[i]
		}
		state[i] = 1
		h := 1
		n := &c.groups[i]
		for _, ch := range n.memberLinks {
			h = max(h, 1+visit(ch))
		}
		for _, ch := range n.nonMemberLinks {
			h = max(h, 1+visit(ch))
		}
		h = min(h, MaxDepth+1)
		if h > MaxDepth && n.err == nil {
			n.err = fmt.Errorf("%s / application group %q: %w (more than %d levels, or a loop)", b.levelName(n.level), n.name, ErrDepthExceeded, MaxDepth)
			b.warn("%v; nobody is a member", n.err)
		}
		state[i], height[i] = 2, h
		return h
	}
	for i := range c.groups {
		visit(int32(i))
	}
}

// principal returns the index of the folded principal m, creating it.
func (b *builder) principal(m string) (int32, bool) {
	if i, ok := lookupFolded(b, b.keys, m); ok {
		return i, true
	}
	k := foldKey(m)
	if k == "" {
		return 0, false
	}
	if i, ok := b.keys[k]; ok {
		return i, true
	}
	i := int32(len(b.prins))
	b.keys[k] = i
	b.c.keyNames = append(b.c.keyNames, k)
	b.prins = append(b.prins, prinBuild{})
	return i, true
}

func (b *builder) assignments(app *policy.Objects, levels []*policy.Objects) {
	c := b.c
	add := func(level int32, roles []*policy.Role) {
		for _, r := range roles {
			owner := b.levelName(level) + " / role assignment " + strconv.Quote(r.Name)
			ai := int32(len(c.assigns))
			n := assignNode{name: r.Name, guid: r.GUID, scope: level, members: b.inForce(owner, ai, true, r.Terms, r.Members)}
			direct := b.opMask(owner, r.OperationLinks)
			n.links = b.taskLinks(owner, level, r.TaskLinks)
			static, full := b.newBits(), b.newBits()
			static.or(direct)
			full.or(direct)
			for _, t := range n.links {
				orInto(static, b.bitsOf(c.tasks[t].static))
				orInto(full, b.bitsOf(c.tasks[t].full))
			}
			n.direct, n.static, n.full = b.intern(direct), b.intern(static), b.intern(full)
			for _, l := range b.inForce(owner, ai, false, r.Terms, r.AppMemberLinks) {
				g, ok := lookupFolded(b, b.groupIdx, l)
				if !ok || !b.visibleGroup(level, g) {
					b.warn("%s: application group link %s names no group in reach; ignored", owner, l)
					continue
				}
				n.groups = append(n.groups, g)
			}
			c.assigns = append(c.assigns, n)
			for j, m := range n.members {
				pi, ok := b.principal(m)
				if !ok {
					b.warn("%s: member %d is empty; ignored", owner, j+1)
					continue
				}
				ref := memberRef{assign: ai, member: int32(j)}
				if level == appLevel {
					b.prins[pi].app = append(b.prins[pi].app, ref)
				} else {
					k := scopeKey(level, pi)
					b.prinScoped[k] = append(b.prinScoped[k], ref)
				}
			}
			for _, g := range n.groups {
				if level == appLevel {
					c.groups[g].app = append(c.groups[g].app, ai)
					c.groups[g].appFull = b.union(c.groups[g].appFull, n.full)
				} else {
					k := scopeKey(level, g)
					b.groupScoped[k] = append(b.groupScoped[k], ai)
				}
			}
		}
	}
	add(appLevel, app.Roles)
	for i, o := range levels {
		if o != nil {
			add(int32(i), o.Roles)
		}
	}
}

// closures computes, per principal, the groups it may be in (the groups
// listing it as a member and every group above them), and the same for
// LDAP query and business rule groups, which anyone may be in.
func (b *builder) closures() {
	c := b.c
	seen := make([]uint32, len(c.groups))
	var stamp uint32
	up := func(start []int32) []int32 {
		stamp++
		var out []int32
		queue := append([]int32(nil), start...)
		for len(queue) > 0 {
			g := queue[0]
			queue = queue[1:]
			if seen[g] == stamp {
				continue
			}
			seen[g] = stamp
			out = append(out, g)
			queue = append(queue, c.groups[g].parents...)
		}
		return out
	}
	for i := range b.prins {
		if len(b.prins[i].memberOf) > 0 {
			b.prins[i].up = up(b.prins[i].memberOf)
		}
	}
	var dyn []int32
	for i := range c.groups {
		if t := c.groups[i].typ; t == policy.GroupLDAPQuery || t == policy.GroupBizRule {
			dyn = append(dyn, int32(i))
		}
	}
	if len(dyn) > 0 {
		c.dynUp = up(dyn)
	}
}

// scopedLists turns the scope-level group map into per-group lists sorted
// by scope.
func (b *builder) scopedLists() {
	c := b.c
	for k, list := range b.groupScoped {
		scope, g := int32(k>>32), int32(uint32(k))
		var full mref
		for _, a := range list {
			full = b.union(full, c.assigns[a].full)
		}
		c.groups[g].scoped = append(c.groups[g].scoped, scopedIdx{scope: scope, full: full, list: list})
	}
	for i := range c.groups {
		slices.SortFunc(c.groups[i].scoped, func(x, y scopedIdx) int { return cmp.Compare(x.scope, y.scope) })
	}
}

// index lays the principals out for the hot path: per principal, the
// entries reaching assignments at application level, those in scopes sorted
// by scope, and its group lists, in flat arrays.
func (b *builder) index() {
	c := b.c
	c.prins = make([]prinNode, len(b.prins))
	scoped := make([][]entry, len(b.prins))
	for k, refs := range b.prinScoped {
		scope, pi := int32(k>>32), int32(uint32(k))
		for _, r := range refs {
			a := &c.assigns[r.assign]
			scoped[pi] = append(scoped[pi], entry{scope: scope, assign: r.assign, member: r.member, group: -1, full: a.full, static: a.static})
		}
	}
	groupList := func(gs []int32) span {
		s := span{off: int32(len(c.flat)), n: int32(len(gs))}
		c.flat = append(c.flat, gs...)
		return s
	}
	for pi := range b.prins {
		pb, p := &b.prins[pi], &c.prins[pi]
		p.app.off = int32(len(c.entries))
		for _, r := range pb.app {
			a := &c.assigns[r.assign]
			c.entries = append(c.entries, entry{scope: appLevel, assign: r.assign, member: r.member, group: -1, full: a.full, static: a.static})
			p.appFull = b.union(p.appFull, a.full)
		}
		for _, g := range pb.up {
			if f := c.groups[g].appFull; f != 0 {
				c.entries = append(c.entries, entry{scope: appLevel, assign: -1, member: -1, group: g, full: f})
				p.appFull = b.union(p.appFull, f)
			}
		}
		p.app.n = int32(len(c.entries)) - p.app.off
		es := scoped[pi]
		for _, g := range pb.up {
			for _, s := range c.groups[g].scoped {
				es = append(es, entry{scope: s.scope, assign: -1, member: -1, group: g, full: s.full})
			}
		}
		slices.SortStableFunc(es, func(x, y entry) int { return cmp.Compare(x.scope, y.scope) })
		for _, e := range es {
			p.scopeMask |= 1 << uint(e.scope&63)
		}
		p.scoped = span{off: int32(len(c.entries)), n: int32(len(es))}
		c.entries = append(c.entries, es...)
		p.memberOf = groupList(pb.memberOf)
		p.nonMemberOf = groupList(pb.nonMemberOf)
		p.up = groupList(pb.up)
	}
	b.prins = nil
	c.escope = make([]int32, len(c.entries))
	for i := range c.entries {
		c.escope[i] = c.entries[i].scope
	}
}

// scopeEntries returns the entries of span sp in scope.
func (c *Checker) scopeEntries(sp span, scope int32) []entry {
	ss := c.escope[sp.off : sp.off+sp.n]
	lo, hi := 0, len(ss)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ss[m] < scope {
			lo = m + 1
		} else {
			hi = m
		}
	}
	end := lo
	for end < len(ss) && ss[end] == scope {
		end++
	}
	return c.entries[sp.off+int32(lo) : sp.off+int32(end)]
}

func findScopedIdx(list []scopedIdx, scope int32) *scopedIdx {
	lo, hi := 0, len(list)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if list[m].scope < scope {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(list) && list[lo].scope == scope {
		return &list[lo]
	}
	return nil
}
