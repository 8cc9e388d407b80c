// Package enginetest is the behavioural table every engine.Backend passes,
// as policy/policytest is for policy stores.
//
// It is for the tests of backends (the simulator in package engine's tests,
// engine/libvirt against a private libvirtd): each calls [Run] with a
// function that makes a fresh, empty hypervisor for one subtest and returns
// a function that opens a backend on it. The table drives the backend the
// way azgate does — through an engine.Engine whose Authorizer allows
// everything, so that what is checked is the backend, not the policy — and
// directly where the contract is about the backend alone (the Guard).
//
// It checks Hyper-V's states and transitions (every action from every
// state), reconfiguration and its state rules, names compared as azgate
// compares them, ScopeOfResidence stored with the object and read back
// (also by a new backend on the same hypervisor), console, snapshots,
// switches, ports and connections with their constraints, VLANs applied or
// refused with engine.ErrUnsupported (never recorded when refused), the
// service configuration and the hypervisor's facts, the errors each misuse
// returns, and that a change the Guard does not cover is refused with
// engine.ErrChanged and changes nothing.
package enginetest
