package directory

import "context"

// ClientContext is who is asking: the user's identifiers and every group it
// belongs to, transitively. Directories produce client contexts; a trusted
// caller of the check endpoint may build one from what it already knows.
//
// Identifiers and groups are principal strings as they appear in role
// assignments and application groups: SIDs ("S-1-5-32-544"), account names
// ("CONTOSO\alice", "alice") or distinguished names. Matching is
// case-insensitive, by the one rule of internal/names.
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

// Directory authenticates callers and produces their client contexts.
// localdir.Directory satisfies it; with an LDAP directory the server
// composes ldapdir (passwords, users) with the local directory (API tokens).
type Directory interface {
	// Authenticate checks a user name and password and returns the user's
	// client context (IDs and transitive groups). Wrong credentials, unknown
	// users included, are an error. A driver that cannot answer (its
	// server is down) returns an error the caller can tell apart, such as
	// ldapdir.ErrUnavailable.
	Authenticate(ctx context.Context, user, password string) (ClientContext, error)
	// AuthenticateToken checks an API token (the Bearer credential) and
	// returns its owner's client context, or an error.
	AuthenticateToken(ctx context.Context, token string) (ClientContext, error)
}

// Resolver is an optional Directory capability: the client context of a
// user named by a trusted checker without a group list.
type Resolver interface {
	// Resolve returns the client context of the user given by name or SID,
	// or an error wrapping the driver's not-found sentinel when there is
	// none.
	Resolve(ctx context.Context, name string) (ClientContext, error)
}
