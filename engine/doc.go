// Package engine is azgate's bundled management engine, in the spirit of
// Hyper-V's Virtual Machine Management Service (VMMS): virtual machines,
// virtual switches and their ports, internal and external Ethernet ports,
// VLAN settings, LAN endpoints and the service configuration, persisted in
// one bbolt database file under a data directory.
//
// It is for the azgate server (which exposes it over HTTP) and for tests that
// need a real, gated engine. Other code never touches engine state directly.
//
// # Gated by construction
//
// The only exported type with methods is [*Engine], and every exported method
// of it except Close is an entry of one gate table (gateTable in gate.go)
// that names the catalog operation the method needs and where the scope of
// the check comes from: the default scope, the scope the request names
// (creation), the object's ScopeOfResidence, or both the object's current
// and new scope (moving an object). Methods never name their own operation:
// each passes its own name to the interceptor, which takes the operation
// from the table (a test parses the source and fails when a method passes
// any name but its own), so a method cannot ask for the wrong one. Raw
// state access needs a permit, and only an allowing decision makes one;
// before a decision the engine reads only whether an object exists and its
// scope, and re-checks that scope inside the transaction that acts.
//
// A decision is made by an [Authorizer] (the authz checker in production).
// Any error on the decision path is a denial (fail closed), reported as a
// [*DeniedError] that matches [ErrAccessDenied] with errors.Is. Every
// decision, allowed or not, is passed to Config.OnDecision (the server wires
// it to the audit log).
//
// Lists are filtered, not denied: ListVMs returns only the virtual machines
// the caller may view in their own scope, and likewise for switches, switch
// ports and LAN endpoints.
//
// # Durability
//
// Every change is one bbolt transaction, synced to disk on commit: a change
// either happened completely or not at all, across restarts and kill -9.
package engine
