// Package engine is azgate's bundled management engine, in the spirit of
// Hyper-V's Virtual Machine Management Service (VMMS): virtual machines,
// virtual switches and their ports, internal and external Ethernet ports,
// VLAN settings, LAN endpoints and the service configuration, kept by a
// [Backend]: the [Simulator] (records in one bbolt database file under a
// data directory; the default) or libvirt (engine/libvirt: real QEMU/KVM
// domains and networks).
//
// It is for the azgate server (which exposes it over HTTP) and for tests that
// need a real, gated engine. Other code never touches engine state directly.
//
// # Backends
//
// The engine stands to its backend as database/sql to a driver: the
// [Engine] holds the gate, the audit hook and the callers' view; a
// [Backend] holds the objects and makes the changes, and never sees a
// caller. Reality is the source of truth: lists and states are read from
// the backend on every call, never from a copy. Changes made outside azgate
// reach Config.OnEvent through [Watcher]. A backend that cannot be reached
// fails calls with [ErrUnavailable] (the server's 503) while decisions go
// on; one that cannot do a thing at all refuses with [ErrUnsupported].
// engine/enginetest is the behavioural table every backend passes.
//
// # Gated by construction
//
// The only exported type with methods is [*Engine], and every exported method
// of it except Close is an entry of one gate table (gateTable in gate.go)
// that lists every object the method reads or changes — by role: the VM, the
// switch, the port, the port's switch, what the port connects to, the
// internal or external Ethernet port, the scope a creation or a move names —
// with the catalog operation each needs, decided in that object's own scope.
// Methods never name their own operations: each passes its own name to the
// interceptor, which takes the rule from the table (a test parses the source
// and fails when a method passes any name but its own), and the interceptor
// itself finds the objects a named object leads to (a port's switch and
// connection), so a method cannot leave one out.
//
// Backend access needs a permit, and only the interceptor makes one: it
// lists the objects decided (by ID, with the scope decided) or, for lists
// and creations, the kinds and scopes allowed. Every record the engine
// reads is checked against it, so an object whose scope was not decided
// cannot be read; every change carries the permit's [Guard], which the
// backend checks when it applies the change, so it cannot be made to an
// object not decided, nor make or break a link (a switch's host interface,
// a port's switch and connection) to one. An object that moved or was
// relinked since the decision makes the call decided again (a test parses
// the source and fails when the backend is reached any other way). Constraints that span scopes (a switch still
// has ports, an adapter is connected) are checked by scans that see links
// only, never names or scopes, and refuse naming nothing hidden.
//
// A denial names the operation and the object the caller named, never the
// object's scope; a missing object is decided in the default scope, so a
// caller without rights there gets the same denial for a missing object as
// for a hidden one. Names are unique engine-wide (compared by
// internal/names), so creating a name that exists is a conflict whatever
// its scope: that an object of the name exists is the one thing a caller
// learns about an object it may not see.
//
// A policy decision point (the server's AuthZEN API) asks about another
// subject: [Engine.VMDecisionScopes], [Engine.SwitchDecisionScopes] and
// [Engine.PortDecisionScopes] tell only the scopes a decision about an
// object is made in (a port's and its switch's). They are gate-table
// entries like any other — the caller must view the object — and the
// interceptor also requires the caller to be a decision point
// (Config.DecisionPoint); a hidden object and a missing one get the same
// denial, whatever the caller may do in the default scope.
//
// A decision is made by an [Authorizer] (the authz checker in production).
// Any error on the decision path is a denial (fail closed), reported as a
// [*DeniedError] that matches [ErrAccessDenied] with errors.Is. Every
// decision, allowed or not, is passed to Config.OnDecision (the server wires
// it to the audit log).
//
// Lists are filtered, not denied: ListVMs returns only the virtual machines
// the caller may view in their own scope, and likewise for switches, switch
// ports (in the port's and the switch's scope) and LAN endpoints. What a
// port connects to, and the host interface a switch is bound to, is shown
// only where the caller may view it; otherwise it is marked hidden. A
// denial at the far end of a port's connection names the port's operation
// and its connection, not the far end's operation.
//
// # Durability
//
// In the simulator every change is one bbolt transaction, synced to disk on
// commit: a change either happened completely or not at all, across
// restarts and kill -9. Every backend makes a change completely or not at
// all.
package engine
