// Package gorillamux adapts package httpauthz to gorilla/mux: route keys
// are gorilla route names ("start-vm") or a method and a mux path template
// ("POST /vms/{name}/start"), matched against mux.CurrentRoute, and the
// scope may come from a route variable. Install the middleware with
// router.Use so that the current route is set when it runs.
package gorillamux

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/azgate/azgate/httpauthz"
	"github.com/azgate/azgate/operations"
)

// RouteOperations builds an httpauthz.Options.Operation function for
// gorilla/mux over the Hyper-V catalog; a route name is looked up before
// the route's method and path template.
func RouteOperations(table map[string]operations.ID) (func(*http.Request) (operations.ID, bool), error) {
	return RouteOperationsFor(nil, table)
}

// RouteOperationsFor is RouteOperations for the operation catalog ops.
func RouteOperationsFor(ops []operations.Operation, table map[string]operations.ID) (func(*http.Request) (operations.ID, bool), error) {
	rt, err := httpauthz.NewRoutes(ops, table)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (operations.ID, bool) {
		route := mux.CurrentRoute(r)
		if route == nil {
			return 0, false
		}
		if name := route.GetName(); name != "" {
			if id, ok := rt.Name(name); ok {
				return id, true
			}
		}
		tpl, err := route.GetPathTemplate()
		if err != nil {
			return 0, false
		}
		return rt.Pattern(r.Method, tpl)
	}, nil
}

// ScopeFromVar returns a Scope function reading the mux route variable
// name ("" when absent: the default scope).
func ScopeFromVar(name string) func(*http.Request) (string, error) {
	return func(r *http.Request) (string, error) { return mux.Vars(r)[name], nil }
}
