package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
)

// view is the backend as a call decided by the gate sees it: every record
// it reads is checked against the call's permit (an object the decision did
// not cover is hidden or changed, never returned), and every change it
// makes carries the permit's Guard, which the backend checks when it
// applies the change. Only the gate makes a view (Engine.view), and only
// from a permit it made.
type view struct {
	ctx   context.Context
	b     Backend
	p     permit
	cache map[ref]any
	// listed holds, per kind prefetched by a list decision, the IDs of
	// every object in the backend's order.
	listed map[kind][]string
}

// view returns the view of a call holding permit p. A permit the gate did
// not make (no method) yields a view that refuses everything.
func (e *Engine) view(ctx context.Context, p permit) *view {
	return &view{ctx: ctx, b: e.backend, p: p, cache: map[ref]any{}, listed: map[kind][]string{}}
}

// errNoPermit: a view used without a permit (a programming error).
var errNoPermit = errors.New("engine: backend use without a permit")

// guard is the Guard of the view's permit: every object decided for
// writing, in the scope decided, and the host's interfaces when decided.
func (v *view) guard() (Guard, error) {
	if v.p.method == "" {
		return Guard{}, errNoPermit
	}
	var g Guard
	for r, gr := range v.p.objs {
		if gr.access == readWrite {
			g.Objects = append(g.Objects, Ref{Kind: r.kind, ID: r.id, Scope: gr.scope})
		}
	}
	slices.SortFunc(g.Objects, func(a, b Ref) int { return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID)) })
	g.Host = v.p.kinds[kindExternal][scopeKey("")] == readWrite
	return g, nil
}

// may reports whether the permit lets the call access kind-wide objects
// (host interfaces, the service) with a.
func (v *view) may(k kind, a access) error {
	if v.p.method == "" {
		return errNoPermit
	}
	return v.p.check(k, "", "", a)
}

// scopeOf is the ScopeOfResidence of a record.
func scopeOf(x any) string {
	switch r := x.(type) {
	case VM:
		return r.Scope
	case Switch:
		return r.Scope
	case PortRecord:
		return r.Scope
	}
	return "" // internal ports: the default scope
}

func fetchOne(ctx context.Context, b Backend, k kind, id string) (any, error) {
	switch k {
	case kindVM:
		return b.VM(ctx, id)
	case kindSwitch:
		return b.Switch(ctx, id)
	case kindPort:
		return b.Port(ctx, id)
	case kindInternal:
		return b.InternalPort(ctx, id)
	}
	return nil, fmt.Errorf("engine: no records of kind %q", k)
}

func fetchAll(ctx context.Context, b Backend, k kind) (ids []string, recs []any, err error) {
	add := func(id string, x any) { ids, recs = append(ids, id), append(recs, x) }
	switch k {
	case kindVM:
		all, err := b.VMs(ctx)
		for _, x := range all {
			add(x.ID, x)
		}
		return ids, recs, err
	case kindSwitch:
		all, err := b.Switches(ctx)
		for _, x := range all {
			add(x.ID, x)
		}
		return ids, recs, err
	case kindPort:
		all, err := b.Ports(ctx)
		for _, x := range all {
			add(x.ID, x)
		}
		return ids, recs, err
	case kindInternal:
		all, err := b.InternalPorts(ctx)
		for _, x := range all {
			add(x.ID, x)
		}
		return ids, recs, err
	}
	return nil, nil, fmt.Errorf("engine: no records of kind %q", k)
}

// get reads object id of kind k if the permit covers it.
func (v *view) get(k kind, id string) (any, error) {
	if v.p.method == "" {
		return nil, errNoPermit
	}
	r := ref{k, id}
	x, ok := v.cache[r]
	if !ok {
		var err error
		if x, err = fetchOne(v.ctx, v.b, k, id); err != nil {
			return nil, err
		}
		v.cache[r] = x
	}
	if err := v.p.check(k, id, scopeOf(x), readOnly); err != nil {
		return nil, err
	}
	return x, nil
}

func getAs[T any](v *view, k kind, id string) (T, error) {
	x, err := v.get(k, id)
	if err != nil {
		var zero T
		return zero, err
	}
	return x.(T), nil
}

// prefetch reads every object of kind k once (a list's read before its
// decision) and returns their scopes.
func (v *view) prefetch(k kind) ([]string, error) {
	ids, recs, err := fetchAll(v.ctx, v.b, k)
	if err != nil {
		return nil, err
	}
	scopes := make([]string, len(recs))
	for i, x := range recs {
		v.cache[ref{k, ids[i]}] = x
		scopes[i] = scopeOf(x)
	}
	v.listed[k] = ids
	return scopes, nil
}

// readable returns the objects of kind k the permit lets the call read; the
// others are left out as if absent. The kind is read from the backend
// unless a list decision prefetched it.
func readable[T any](v *view, k kind) ([]T, error) {
	if v.p.method == "" {
		return nil, errNoPermit
	}
	if _, ok := v.listed[k]; !ok {
		if _, err := v.prefetch(k); err != nil {
			return nil, err
		}
	}
	var out []T
	for _, id := range v.listed[k] {
		x := v.cache[ref{k, id}]
		switch err := v.p.check(k, id, scopeOf(x), readOnly); {
		case errors.Is(err, errHidden), errors.Is(err, errChanged):
			continue
		case err != nil:
			return nil, err
		}
		out = append(out, x.(T))
	}
	return out, nil
}

// writer returns the backend and the Guard of the view's permit, for a
// change to objects the gate decided.
func (v *view) writer() (Backend, Guard, error) {
	g, err := v.guard()
	return v.b, g, err
}

// creator returns the backend for creating an object of kind k in scope,
// if the gate decided that creation.
func (v *view) creator(k kind, scope string) (Backend, error) {
	if v.p.method == "" {
		return nil, errNoPermit
	}
	if err := v.p.check(k, "", scope, readWrite); err != nil {
		return nil, err
	}
	return v.b, nil
}

// kindWide returns the backend for a kind-wide object (host interfaces,
// the service) the gate decided with a.
func (v *view) kindWide(k kind, a access) (Backend, error) {
	if err := v.may(k, a); err != nil {
		return nil, err
	}
	return v.b, nil
}
