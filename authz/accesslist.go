package authz

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// Page sizes of access lists and who-can pages.
const (
	DefaultPageLimit = 100
	MaxPageLimit     = 1000
)

// Object is an object of the management engine (a virtual machine, a
// switch, a port) in its scope, for access lists.
type Object struct {
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Scope string `json:"scope"` // its ScopeOfResidence; "" is the default scope
	// Operations are the operations that act on the object; nil: all.
	Operations []operations.ID `json:"-"`
	// AlsoIn are further scopes every operation on the object is decided
	// in as well (a switch port's switch): the object lists an operation
	// only when it is allowed in Scope and in each of them.
	AlsoIn []string `json:"-"`
}

// ObjectLister lists the objects an access list names, each with its
// scope. The server lists the engine's objects through it.
type ObjectLister interface {
	// ListObjects returns every object, in any order. An error ends the
	// listing (the access list fails with it; nothing is left out
	// silently).
	ListObjects(ctx context.Context) ([]Object, error)
}

// AccessListOptions select an access list and its page.
type AccessListOptions struct {
	// Operation limits the list to one operation (a catalog ID); 0: all.
	Operation operations.ID
	// Params are the business-rule parameters the decisions are made with.
	Params Params
	// Objects lists the engine objects; nil: scopes only.
	Objects ObjectLister
	// Revision is the policy revision the Checker was compiled from: every
	// token is bound to it.
	Revision policy.Revision
	// Limit is the number of entries of a page: 0 is DefaultPageLimit; at
	// most MaxPageLimit.
	Limit int
	// Token continues a listing: the Next of the previous page. "" starts.
	Token string
}

// AccessEntry is a scope, or an object in it, and the operations the
// subject may perform there.
type AccessEntry struct {
	Scope string `json:"scope"` // "" is the default scope
	// ObjectKind and Object name an object; both "" for the scope itself.
	ObjectKind string   `json:"objectKind,omitempty"`
	Object     string   `json:"object,omitempty"`
	Operations []string `json:"operations"`
}

// AccessPage is one page of an access list.
type AccessPage struct {
	Application string          `json:"application"`
	Subject     Subject         `json:"subject"`
	Revision    policy.Revision `json:"revision"`
	Entries     []AccessEntry   `json:"entries"`
	// Next continues the list; "" when this page ends it. A list is never
	// cut short: it ends only where nothing more is allowed.
	Next string `json:"next,omitempty"`
}

// pageToken is the position a continuation token carries.
type pageToken struct {
	V     int    `json:"v"`
	Rev   uint64 `json:"r"`
	Query uint64 `json:"q"`
	// Scope is the index of the scope being listed (0: the default scope,
	// i+1: scope i); After the sort key of the last object listed there,
	// "" when the scope's own entry is next, "\x00" when it was listed.
	Scope int    `json:"s,omitempty"`
	After string `json:"a,omitempty"`
	// Offset is a who-can page's position.
	Offset int `json:"o,omitempty"`
}

const tokenVersion = 1

func encodeToken(t pageToken) string {
	t.V = tokenVersion
	b, _ := json.Marshal(t) // a struct of numbers and a string always encodes
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken reads token s, which must have been issued for query q at
// revision rev.
func decodeToken(s string, rev policy.Revision, q uint64) (pageToken, error) {
	var t pageToken
	if s == "" {
		return t, nil
	}
	if len(s) > 4096 {
		return t, fmt.Errorf("token of %d bytes: %w", len(s), ErrBadToken)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	switch {
	case err != nil || t.V != tokenVersion || t.Scope < 0 || t.Offset < 0:
		return t, fmt.Errorf("token %.32q is not one azgate issued: %w", s, ErrBadToken)
	case t.Rev != uint64(rev):
		return t, fmt.Errorf("token of policy revision %d, the policy is at revision %d; start the listing again: %w", t.Rev, rev, ErrStaleToken)
	case t.Query != q:
		return t, fmt.Errorf("token was issued for another query (subject, operation, scope or application): %w", ErrBadToken)
	}
	return t, nil
}

// queryHash identifies a query a token belongs to.
func queryHash(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return h.Sum64()
}

func paramsKey(p Params) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%q=%#v;", k, p[k])
	}
	return b.String()
}

func pageLimit(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultPageLimit, nil
	case n < 0 || n > MaxPageLimit:
		return 0, fmt.Errorf("page limit %d: want 1 to %d: %w", n, MaxPageLimit, ErrBadToken)
	}
	return n, nil
}

// listedObject is an object of a scope being listed, with its sort key.
type listedObject struct {
	key string // kind, NUL, names.Key of the name
	obj *Object
}

// AccessList lists everything subj may do: every scope (the default
// scope first, then the application's scopes in store order) where it may
// perform an operation, with those operations, each followed by the
// objects of opts.Objects in that scope (by kind, then name) and the
// operations it may perform on each. opts.Operation limits it to one
// operation. Decisions are AccessCheck's, with opts.Params.
//
// The list is paged: a page holds at most opts.Limit entries and its Next
// continues it; the list ends when Next is "". A token is bound to
// opts.Revision and to the query: one from another revision is
// ErrStaleToken (the policy changed; start again), one from another query
// or not issued by azgate ErrBadToken. Objects are listed again for each
// page; one added or removed meanwhile appears or not by its position
// (the token holds the last key listed, not an offset), so no object that
// stays is skipped or repeated.
func (c *Checker) AccessList(ctx context.Context, subj Subject, opts AccessListOptions) (AccessPage, error) {
	c, err := c.fresh()
	if err != nil {
		return AccessPage{}, err
	}
	client, assume, err := c.subjectRequest(subj)
	if err != nil {
		return AccessPage{}, err
	}
	limit, err := pageLimit(opts.Limit)
	if err != nil {
		return AccessPage{}, err
	}
	want := slices.Clone(c.view(c.all))
	if opts.Operation != 0 {
		b := c.ops.Pos(opts.Operation)
		if b < 0 {
			return AccessPage{}, fmt.Errorf("application %q has no operation with ID %d: %w", c.app, opts.Operation, ErrUnknownOperation)
		}
		clear(want)
		want.set(b)
	}
	q := queryHash("access", c.app, subj.key(), paramsKey(opts.Params), fmt.Sprint(opts.Operation, opts.Objects != nil))
	tok, err := decodeToken(opts.Token, opts.Revision, q)
	if err != nil {
		return AccessPage{}, err
	}
	page := AccessPage{Application: c.app, Subject: subj, Revision: opts.Revision, Entries: []AccessEntry{}}
	// The objects of each scope from the token's on: those of scope index
	// si (0: the default scope, i+1: scope i) are objs[at[si]:at[si+1]].
	var objs []Object
	var at []int
	if opts.Objects != nil {
		all, err := opts.Objects.ListObjects(ctx)
		if err != nil {
			return AccessPage{}, fmt.Errorf("access list: list objects: %w", err)
		}
		objs, at = c.groupByScope(all, tok.Scope)
	}
	st := newScratch(len(c.groups))
	var res maskResult
	var other maskResult
	masks := map[int32]opBits{} // decisions in the scopes of AlsoIn
	maskIn := func(scope string) (opBits, error) {
		l, err := c.scopeLevel(scope)
		if err != nil {
			return c.newSet(), nil // a scope the policy lacks: every check there denies
		}
		if m, ok := masks[l]; ok {
			return m, nil
		}
		r := request{ctx: ctx, client: client, scope: l, params: opts.Params, assume: assume}
		c.decideMask(st, &r, want, &other)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("access list: %w", err)
		}
		masks[l] = slices.Clone(other.allowed)
		return masks[l], nil
	}
	nScopes := len(c.scopes) + 1
	for si := tok.Scope; si < nScopes; si++ {
		if err := ctx.Err(); err != nil {
			return AccessPage{}, fmt.Errorf("access list: %w", err)
		}
		level := int32(si) - 1
		after := ""
		if si == tok.Scope {
			after = tok.After
		}
		r := request{ctx: ctx, client: client, scope: level, params: opts.Params, assume: assume}
		c.decideMask(st, &r, want, &res)
		if err := ctx.Err(); err != nil {
			return AccessPage{}, fmt.Errorf("access list: %w", err)
		}
		allowed := c.newSet()
		for i := range allowed {
			allowed[i] = res.allowed[i] & want[i]
		}
		if allowed.empty() {
			continue // nothing allowed in the scope, so on none of its objects
		}
		scope := c.scopeName(level)
		if after == "" {
			if len(page.Entries) == limit {
				page.Next = encodeToken(pageToken{Rev: uint64(opts.Revision), Query: q, Scope: si})
				return page, nil
			}
			page.Entries = append(page.Entries, AccessEntry{Scope: scope, Operations: c.opNames(allowed)})
			after = "\x00"
		}
		if objs == nil || at[si] == at[si+1] {
			continue
		}
		in := objs[at[si]:at[si+1]]
		list := make([]listedObject, len(in))
		for i := range in {
			list[i] = listedObject{key: in[i].Kind + "\x00" + foldKey(in[i].Name), obj: &in[i]}
		}
		slices.SortFunc(list, func(a, b listedObject) int { return cmp.Compare(a.key, b.key) })
		start, _ := slices.BinarySearchFunc(list, after, func(o listedObject, k string) int { return cmp.Compare(o.key, k) })
		for _, o := range list[start:] {
			if o.key <= after {
				continue // the last one listed (and repeats of it)
			}
			ops := allowed
			if o.obj.Operations != nil {
				m := c.newSet()
				for _, id := range o.obj.Operations {
					if b := c.ops.Pos(id); b >= 0 {
						m.set(b)
					}
				}
				for i := range m {
					m[i] &= allowed[i]
				}
				ops = m
			}
			for _, also := range o.obj.AlsoIn {
				if ops.empty() {
					break
				}
				m, err := maskIn(also)
				if err != nil {
					return AccessPage{}, err
				}
				ops = slices.Clone(ops)
				for i := range ops {
					ops[i] &= m[i]
				}
			}
			if ops.empty() {
				continue
			}
			if len(page.Entries) == limit {
				page.Next = encodeToken(pageToken{Rev: uint64(opts.Revision), Query: q, Scope: si, After: after})
				return page, nil
			}
			page.Entries = append(page.Entries, AccessEntry{Scope: scope, ObjectKind: o.obj.Kind, Object: o.obj.Name, Operations: c.opNames(ops)})
			after = o.key
		}
	}
	return page, nil
}

// groupByScope orders the objects of scope index from on (0: the default
// scope, i+1: scope i) by scope index, a counting sort: those of index si
// are out[at[si]:at[si+1]]. Objects in a scope the policy lacks are left
// out: every check there denies.
func (c *Checker) groupByScope(objs []Object, from int) (out []Object, at []int) {
	n := len(c.scopes) + 1
	idx := make([]int32, len(objs))
	at = make([]int, n+1)
	for i := range objs {
		si := int32(0)
		if s := objs[i].Scope; s != "" {
			v, ok := c.scopeTab.lookup(s)
			if !ok {
				idx[i] = -1
				continue
			}
			si = v + 1
		}
		if int(si) < from {
			si = -1
		} else {
			at[si+1]++
		}
		idx[i] = si
	}
	for i := 1; i <= n; i++ {
		at[i] += at[i-1]
	}
	out = make([]Object, at[n])
	fill := slices.Clone(at[:n])
	for i, si := range idx {
		if si >= 0 {
			out[fill[si]] = objs[i]
			fill[si]++
		}
	}
	return out, at
}

// opNames names the operations of set m, in the application's order.
func (c *Checker) opNames(m opBits) []string {
	var out []string
	m.each(func(b int) { out = append(out, c.ops.At(b).Name) })
	return out
}

// WhoCanOptions select a page of WhoCan.
type WhoCanOptions struct {
	// Revision is the policy revision the Checker was compiled from: every
	// token is bound to it.
	Revision policy.Revision
	// Limit is the number of principals of a page: 0 is DefaultPageLimit;
	// at most MaxPageLimit.
	Limit int
	// Token continues a listing: the Next of the previous page.
	Token string
}

// WhoCanPage is one page of WhoCan.
type WhoCanPage struct {
	Revision   policy.Revision `json:"revision"`
	Principals []Principal     `json:"principals"`
	// Total is the length of the whole list.
	Total int `json:"total"`
	// Next continues the list; "" when this page ends it.
	Next string `json:"next,omitempty"`
}

// WhoCanPaged is WhoCan in pages, with continuation tokens bound to
// opts.Revision and to the query (ErrStaleToken, ErrBadToken as in
// AccessList). The whole list is the one WhoCan returns, in its order.
func (c *Checker) WhoCanPaged(scope string, op operations.ID, opts WhoCanOptions) (WhoCanPage, error) {
	c, err := c.fresh()
	if err != nil {
		return WhoCanPage{}, err
	}
	limit, err := pageLimit(opts.Limit)
	if err != nil {
		return WhoCanPage{}, err
	}
	all, err := c.WhoCan(scope, op)
	if err != nil {
		return WhoCanPage{}, err
	}
	q := queryHash("who-can", c.app, foldKey(scope), fmt.Sprint(op))
	tok, err := decodeToken(opts.Token, opts.Revision, q)
	if err != nil {
		return WhoCanPage{}, err
	}
	if tok.Offset > len(all) {
		return WhoCanPage{}, fmt.Errorf("token past the end of the list: %w", ErrBadToken)
	}
	end := min(tok.Offset+limit, len(all))
	p := WhoCanPage{Revision: opts.Revision, Total: len(all), Principals: all[tok.Offset:end]}
	if p.Principals == nil {
		p.Principals = []Principal{}
	}
	if end < len(all) {
		p.Next = encodeToken(pageToken{Rev: uint64(opts.Revision), Query: q, Offset: end})
	}
	return p, nil
}
