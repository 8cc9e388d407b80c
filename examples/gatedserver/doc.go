// Command gatedserver is a small management server gated by azgate's
// net/http middleware (authz.Middleware). It is for developers of other
// management servers who want AzMan-style access checks in front of their
// own routes: it keeps a tiny in-memory list of virtual machines, maps each
// route to a catalog operation, takes the scope from the VM (or from the
// ?scope= query for listings), and lets the middleware decide.
//
// Callers identify themselves with the X-User header (and X-Groups, a
// comma-separated list of group SIDs or names). That is for the demo only:
// a real server authenticates (TLS client certificates, tokens, Kerberos) and
// builds the authz.ClientContext from its directory.
//
// Usage:
//
//	go run ./examples/gatedserver [-addr 127.0.0.1:8090] [-store msxml://PATH]
//
// Without -store it uses an embedded policy: the Hyper-V default store plus
// the Resource Kit's example roles (policies.BookRoles). With -store it loads
// the store and recompiles whenever the store changes.
package main
