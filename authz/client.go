package authz

import (
	"context"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
)

// Params are the request parameters business rules are evaluated over
// (AzMan's varParameterNames / varParameterValues).
type Params map[string]any

// Result is the decision for one operation of an AccessCheck.
type Result struct {
	Operation operations.Operation
	Allowed   bool
	// Grant names the path that granted access; nil when denied.
	Grant *Grant
	// Err is why the decision path failed, if it did. A result with a
	// non-nil Err is always a denial (fail closed).
	Err error
}

// Grant names the role assignment that granted an operation.
type Grant struct {
	Scope          string `json:"scope,omitempty"`          // "" for the default (application-level) scope
	Assignment     string `json:"assignment"`               // the role assignment (AzRole) name
	RoleDefinition string `json:"roleDefinition,omitempty"` // the role definition or task linked by the assignment
	Principal      string `json:"principal"`                // the member of the assignment that matched
}

// QueryMatcher decides whether a client's directory entry matches the LDAP
// filter of an LdapQuery application group. ldapdir implements it. It must
// return an error, never false, when it cannot decide; the checker then denies
// the paths through that group. It is called concurrently (checks run
// in parallel, and so do a what-if's).
type QueryMatcher interface {
	MatchQuery(ctx context.Context, client directory.ClientContext, filter string) (bool, error)
}
