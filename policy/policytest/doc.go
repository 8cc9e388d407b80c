// Package policytest is the conformance suite every policy.Store passes.
//
// It is for the tests of store implementations (policy/xmlstore,
// policy/ldapstore): each calls [Run] with a function that makes a fresh
// backing store and opens handles on it. The suite checks the contract of
// policy.Store — a missing store loads as policy.ErrNotFound, Save at
// revision 0 creates, a stale Save is policy.ErrConflict and writes
// nothing, a policy round-trips exactly (including [Rich], which uses every
// feature of the model), edits made through policy.Update land exactly,
// concurrent updates lose nothing, and Watch reports another handle's save
// within [WatchDeadline].
package policytest
