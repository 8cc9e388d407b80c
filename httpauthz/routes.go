package httpauthz

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/operations"
)

// Route is the route a request matched, as its router tells it
// (Config.Match).
type Route struct {
	// Name is the route's name (gorilla/mux), "" when it has none. A name
	// in the route table is looked up before the method and path.
	Name string
	// Method and Path are the request's method and the route's path
	// template ("POST", "/vms/{name}/start").
	Method, Path string
}

// serveMuxRoute is the default Config.Match: the http.ServeMux pattern
// the request matched. A pattern without a method, or whose method is not
// the request's (HEAD is served by GET patterns), matches no route.
func serveMuxRoute(r *http.Request) (Route, bool) {
	method, path, ok := strings.Cut(r.Pattern, " ")
	if !ok || method != r.Method && !(method == http.MethodGet && r.Method == http.MethodHead) {
		return Route{}, false
	}
	return Route{Method: method, Path: strings.TrimLeft(path, " \t")}, true
}

// routeTable is Config.Routes, validated: route i of routes is found by
// name or by method and path.
type routeTable struct {
	routes    []tableRoute // sorted by key
	byName    map[string]int
	byPattern map[patternKey]int
}

type tableRoute struct {
	key string // as written in Config.Routes
	op  string // the operation's name or ID, as written
}

type patternKey struct{ method, path string }

// parseRoutes validates the keys of table; serveMux refuses route names,
// which only gorilla/mux can match.
func parseRoutes(table map[string]string, serveMux bool) (*routeTable, error) {
	rt := &routeTable{byName: map[string]int{}, byPattern: make(map[patternKey]int, len(table))}
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var errs []error
	for _, k := range keys {
		if err := rt.add(k, table[k], serveMux); err != nil {
			errs = append(errs, fmt.Errorf("route %q: %w", k, err))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("httpauthz: %w", errors.Join(errs...))
	}
	return rt, nil
}

func (rt *routeTable) add(k, op string, serveMux bool) error {
	if strings.TrimSpace(op) == "" {
		return errors.New("no operation (want an operation name or OperationID)")
	}
	i := len(rt.routes)
	key := strings.TrimSpace(k)
	if key == "" {
		return errors.New("empty route name")
	}
	method, path, ok := strings.Cut(key, " ")
	if !ok {
		if serveMux {
			return errors.New(`route names need gorilla/mux (package gorillamux); http.ServeMux routes are "METHOD /path" patterns`)
		}
		rt.byName[key] = i
		rt.routes = append(rt.routes, tableRoute{key: k, op: op})
		return nil
	}
	if !isMethod(method) {
		return fmt.Errorf(`%q is not an HTTP method (want "METHOD /path/{var}" or a route name)`, method)
	}
	path = strings.TrimSpace(path)
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("path template %q must start with /", path)
	}
	pk := patternKey{method, path}
	if j, dup := rt.byPattern[pk]; dup {
		return fmt.Errorf("the same route as %q", rt.routes[j].key)
	}
	rt.byPattern[pk] = i
	rt.routes = append(rt.routes, tableRoute{key: k, op: op})
	return nil
}

func isMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return true
	}
	return false
}

// route returns the index of the table route r matched.
func (g *Gate) route(r *http.Request) (int, bool) {
	match := g.cfg.Match
	if match == nil {
		match = serveMuxRoute
	}
	m, ok := match(r)
	if !ok {
		return 0, false
	}
	if m.Name != "" {
		if i, ok := g.routes.byName[m.Name]; ok {
			return i, true
		}
	}
	i, ok := g.routes.byPattern[patternKey{m.Method, m.Path}]
	return i, ok
}

// binding is the route table resolved against one policy: the Checker of
// the application and the operation of each route.
type binding struct {
	snap *authz.Snapshot
	chk  *authz.Checker // nil when err is set
	err  error          // the application is not in the policy
	ops  []boundOp      // by route index; always len(routes)
}

type boundOp struct {
	op  operations.Operation // as resolved; only the name or ID of the table when err is set
	err error                // the application lacks the operation
}

// bind resolves every route of rt in application app of s.
func bind(s *authz.Snapshot, app string, rt *routeTable) *binding {
	b := &binding{snap: s, ops: make([]boundOp, len(rt.routes))}
	b.chk, b.err = appChecker(s, app)
	for i, r := range rt.routes {
		if b.err != nil {
			b.ops[i] = boundOp{op: asWritten(r.op), err: b.err}
			continue
		}
		op, err := b.chk.Operations().Parse(r.op)
		if err != nil {
			b.ops[i] = boundOp{op: asWritten(r.op), err: unknownOperation{err}}
			continue
		}
		b.ops[i] = boundOp{op: op}
	}
	return b
}

// unknownOperation is the operations.UnknownError of a route (it names
// the application and the closest names), matching
// authz.ErrUnknownOperation as well.
type unknownOperation struct{ err error }

func (e unknownOperation) Error() string   { return e.err.Error() }
func (e unknownOperation) Unwrap() []error { return []error{e.err, authz.ErrUnknownOperation} }

// asWritten is the operation of a route table entry the policy does not
// define: its ID or its name as written, for the refusal.
func asWritten(ref string) operations.Operation {
	t := strings.TrimSpace(ref)
	if n, err := strconv.Atoi(t); err == nil {
		return operations.Operation{ID: operations.ID(n)}
	}
	return operations.Operation{Name: t}
}

// appChecker returns the Checker of application app in s.
func appChecker(s *authz.Snapshot, app string) (*authz.Checker, error) {
	switch {
	case s == nil:
		return nil, errors.New("no policy in force")
	case s.Checker != nil && names.Equal(s.Checker.Application(), app):
		return s.Checker, nil
	case s.Policy == nil: // Static
		have := "none"
		if s.Checker != nil {
			have = strconv.Quote(s.Checker.Application())
		}
		return nil, fmt.Errorf("application %q: %w (the policy has %s)", app, authz.ErrUnknownApplication, have)
	}
	return s.App(app)
}

// logRebind logs what resolving the routes against a new policy changed:
// the application or route operations it lacks now (those routes deny),
// the ones it has again, and routes whose operation is another one now.
func (g *Gate) logRebind(old, b *binding) {
	rev := b.snap.Revision
	switch {
	case b.err != nil && old.err == nil:
		g.log.Error("authz middleware: the policy lacks the application; every gated route denies",
			"application", g.app, "revision", rev, "err", b.err)
		return
	case b.err != nil:
		return
	case old.err != nil:
		g.log.Info("authz middleware: the application is back", "application", g.app, "revision", rev)
	}
	for i, r := range g.routes.routes {
		was, now := old.ops[i], b.ops[i]
		switch {
		case now.err != nil && (was.err == nil || old.err != nil):
			g.log.Error("authz middleware: the policy lacks a route's operation; the route denies",
				"route", r.key, "application", g.app, "operation", r.op, "revision", rev, "err", now.err)
		case now.err == nil && was.err != nil:
			g.log.Info("authz middleware: route resolves again", "route", r.key, "application", g.app,
				"operation", now.op.Name, "id", now.op.ID, "revision", rev)
		case now.err == nil && (now.op.ID != was.op.ID || now.op.Name != was.op.Name):
			g.log.Info("authz middleware: route's operation changed", "route", r.key, "application", g.app,
				"from", was.op.Name, "from_id", was.op.ID, "to", now.op.Name, "to_id", now.op.ID, "revision", rev)
		}
	}
}
