// Command gatedserver is a small management server gated by azgate's
// net/http middleware (httpauthz.New, Gate.Wrap). It is for developers of other
// management servers who want AzMan-style access checks in front of their
// own routes, for their own operations: it keeps a tiny in-memory list of
// widgets, is gated in its own AzMan application "Widget Service" (whose
// operations List Widgets, View Widget, Create Widget, Polish Widget and
// Delete Widget the store defines — see catalog.go), names each route's
// operation by name (httpauthz.Config.Routes), takes the scope from the
// widget (or from the ?scope= query for listings and new widgets), and lets
// the middleware decide.
//
// Callers identify themselves with the X-User header (and X-Groups, a
// comma-separated list of group SIDs or names). That is for the demo only:
// a real server authenticates (TLS client certificates, tokens, Kerberos) and
// builds the directory.ClientContext from its directory.
//
// Usage:
//
//	go run ./examples/gatedserver [-addr 127.0.0.1:8090] [-store URL]
//	go run ./examples/gatedserver -init URL
//
// Without -store it uses the embedded example policy (examplePolicy). With
// -store (msxml://PATH or msldap://DN) it loads the store's "Widget
// Service" application and recompiles whenever the store changes; the
// routes are resolved again on every reload (a route whose operation was
// renamed or deleted in the store is refused, and logged). -init
// writes the embedded policy to a new store and exits.
package main
