package authz

import "errors"

// Sentinel errors. Errors returned by this package, and Result.Err values,
// wrap one of them; test with errors.Is.
var (
	// ErrUnknownScope: the check names a scope the application does not
	// have. Callers deny.
	ErrUnknownScope = errors.New("unknown scope")
	// ErrUnknownOperation: the check names an OperationID the application
	// does not define (or, through Checker.Engine, an engine operation the
	// application lacks).
	ErrUnknownOperation = errors.New("unknown operation")
	// ErrUnknownApplication: Compile was given an application the store
	// does not have.
	ErrUnknownApplication = errors.New("unknown application")
	// ErrDepthExceeded: task or application-group nesting is deeper than
	// MaxDepth (or loops), so paths through it deny.
	ErrDepthExceeded = errors.New("nesting depth exceeded")
	// ErrBizRule: a business rule could not be evaluated (missing
	// parameter, runtime error, non-bool result, or a language azgate
	// cannot run). Paths through it deny.
	ErrBizRule = errors.New("business rule failed")
	// ErrQuery: membership of an LDAP query application group could not be
	// decided (no QueryMatcher, or the matcher failed).
	ErrQuery = errors.New("LDAP query group undecidable")
	// ErrBrokenGroup: an application group cannot be evaluated (unknown
	// type, a non-member link to a group out of reach). Nobody is a member.
	ErrBrokenGroup = errors.New("application group cannot be evaluated")
	// ErrUnknownGroup: a Subject names an application group the
	// application does not have (or is of an unknown kind).
	ErrUnknownGroup = errors.New("unknown application group")
	// ErrStaleToken: a continuation token of an access list or who-can
	// page was issued for another policy revision; the listing must start
	// again (HTTP 410).
	ErrStaleToken = errors.New("continuation token is from another policy revision")
	// ErrBadToken: a continuation token is malformed, or was issued for
	// another query (another subject, operation, scope or application).
	ErrBadToken = errors.New("invalid continuation token")
	// ErrCatalogMismatch: WhatIf was given two Checkers of different
	// applications or operation catalogs.
	ErrCatalogMismatch = errors.New("checkers of different applications or catalogs")
)
