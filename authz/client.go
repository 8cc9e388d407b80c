package authz

import (
	"context"

	"github.com/azgate/azgate/operations"
)

// ClientContext is who is asking: the user's identifiers and every group it
// belongs to, transitively. Directories (the local directory, ldapsync)
// produce client contexts; a trusted caller of the check endpoint may build
// one from what it already knows.
//
// Identifiers and groups are principal strings as they appear in role
// assignments and application groups: SIDs ("S-1-5-32-544"), account names
// ("CONTOSO\alice", "alice") or distinguished names. Matching is
// case-insensitive.
type ClientContext struct {
	// Name is the display identity used in audit records and errors.
	Name string
	// IDs are every identifier of the user itself (account names, SID, DN).
	IDs []string
	// Groups are every group the user is in, transitively, by any identifier.
	Groups []string
	// DN is the user's directory entry, used to evaluate LDAP-query
	// application groups. Empty when the user has no directory entry; such
	// a user is in no LDAP-query group.
	DN string
}

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
// filter of an LdapQuery application group. ldapsync implements it. It must
// return an error, never false, when it cannot decide; the checker then denies
// the paths through that group.
type QueryMatcher interface {
	MatchQuery(ctx context.Context, client ClientContext, filter string) (bool, error)
}
