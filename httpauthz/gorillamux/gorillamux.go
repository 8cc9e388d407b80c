// Package gorillamux adapts package httpauthz to gorilla/mux: route keys
// are gorilla route names ("start-vm") or a method and a mux path template
// ("POST /vms/{name}/start"), matched against mux.CurrentRoute, and the
// scope may come from a route variable. Install the gate with
// router.Use(gate.Wrap) so that the current route is set when it runs.
//
//	gate, err := httpauthz.New(live, httpauthz.Config{
//		Routes: map[string]string{"start-vm": "Start Virtual Machine"},
//		Match:  gorillamux.Match,
//		Scope:  gorillamux.ScopeFromVar("scope"),
//		Client: identify,
//	})
//	router.Use(gate.Wrap)
package gorillamux

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/azgate/azgate/httpauthz"
)

// Match is the httpauthz.Config.Match of gorilla/mux: the route's name and
// path template, and the request's method. A request no route matched is
// unmapped.
func Match(r *http.Request) (httpauthz.Route, bool) {
	route := mux.CurrentRoute(r)
	if route == nil {
		return httpauthz.Route{}, false
	}
	m := httpauthz.Route{Name: route.GetName(), Method: r.Method}
	if tpl, err := route.GetPathTemplate(); err == nil {
		m.Path = tpl
	}
	return m, true
}

// ScopeFromVar returns a Scope function reading the mux route variable
// name ("" when absent: the default scope).
func ScopeFromVar(name string) func(*http.Request) (string, error) {
	return func(r *http.Request) (string, error) { return mux.Vars(r)[name], nil }
}
