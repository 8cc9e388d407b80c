// Package httpauthz is net/http middleware that gates another management
// server's routes with azgate decisions, in one AzMan application of a
// policy store. For each request it identifies the client, finds the
// route's operation, the scope and the parameters, and checks them in the
// application. A grant reaches the handler with the result in the request
// context; anything else — a denial, an unmapped route, any failure to
// decide — is refused with a JSON error body. It fails closed.
//
// A Gate is configured with an application (Config.Application; by default
// the one every azgate face picks: the only application besides azgate,
// else the one the authz.Live was made for) and a route table naming each route's operation by
// name or by that application's OperationID, as the store defines them.
// New checks the table against the policy in force: an unknown operation
// is an error naming the application and the closest names. With an
// *authz.Live source the routes are resolved again on every reload; a
// route whose operation was renamed or deleted in the store is refused
// (403) and logged, never taken for another operation. An OperationID is
// never read against another application's operations.
//
// http.ServeMux is the first-class router: route keys are the patterns the
// handlers are registered with ("POST /vms/{name}/start"), matched by
// Request.Pattern, and ScopeFromPathValue reads a wildcard. gorilla/mux is
// supported by the adapter in package gorillamux (Config.Match), so servers
// on ServeMux link neither gorilla/mux nor Casbin.
//
//	gate, err := httpauthz.New(live, httpauthz.Config{ // live: an *authz.Live
//		Application: "Widget Service",
//		Routes: map[string]string{
//			"GET /scopes/{scope}/widgets":        "List Widgets", // by name
//			"POST /scopes/{scope}/widgets/{name}": "3",           // by the application's OperationID
//		},
//		Client: identify,
//		Scope:  httpauthz.ScopeFromPathValue("scope"),
//	})
//	mux.Handle("GET /scopes/{scope}/widgets", gate.Wrap(http.HandlerFunc(list)))
//
// examples/gatedserver is a complete server built this way.
package httpauthz
