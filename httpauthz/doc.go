// Package httpauthz is net/http middleware that gates another management
// server's routes with azgate decisions: for each request it identifies the
// client, maps the route to an operation, finds the scope and parameters,
// and asks a Decider (an *authz.Checker, or an *authz.Live that follows
// the store). A grant reaches the handler with the result in the request
// context; anything else — a denial, an unmapped route, any failure to
// decide — is refused with a JSON error body. It fails closed.
//
// http.ServeMux is the first-class router: route keys are the patterns the
// handlers are registered with ("POST /vms/{name}/start"), matched by
// Request.Pattern, and ScopeFromPathValue reads a wildcard. gorilla/mux is
// supported by the adapter in package gorillamux, so servers on ServeMux
// link neither gorilla/mux nor Casbin.
//
//	gate := httpauthz.Middleware(checker, httpauthz.Options{
//		Client:    identify,
//		Operation: opFor, // from RouteOperations(table)
//		Scope:     httpauthz.ScopeFromPathValue("scope"),
//	})
//	mux.Handle("POST /scopes/{scope}/vms/{name}/start", gate(http.HandlerFunc(start)))
//
// examples/gatedserver is a complete server built this way.
package httpauthz
