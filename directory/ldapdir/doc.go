// Package ldapdir turns an LDAP directory (OpenLDAP or Active Directory)
// into azgate client contexts.
//
// It is for the server's authentication layer and for the authz checker:
//
//   - Resolve maps a user name to an directory.ClientContext: the user's
//     identifiers (name, DOMAIN\name, DN, SID) and every group it is in,
//     transitively — nested groups are followed level by level, cycles are
//     tolerated, posixGroup memberUid and memberOf are honoured when
//     configured.
//   - Authenticate checks a password with an LDAP simple bind as the user
//     on a connection of its own, then resolves the user. An empty password
//     is refused before anything is sent: an unauthenticated bind never
//     authenticates anyone. With Config.BindCacheTTL a successful sign-in is
//     remembered (a keyed hash of name and password, never the password)
//     so that repeated sign-ins do not each bind.
//   - MatchQuery implements authz.QueryMatcher for LDAP-query application
//     groups (AzMan GroupType LdapQuery): the user is in the group when its
//     own entry matches the group's filter.
//
// A name goes into a client context only when it names exactly one
// directory entry of one kind and is not shaped like a SID or a DN (see
// names.go): a group cn=alice never passes user alice's grants to its
// members. Left-out names are logged and listed by Directory.Collisions.
//
// # Failing closed
//
// Every value placed in a filter is escaped (RFC 4515), so user names like
// "*)(uid=*" match nothing but themselves. Every dial and request has a
// timeout. Results are cached for Config.CacheTTL and refreshed once older
// than Config.RefreshAfter; while the directory is unreachable, cached
// answers are served until their TTL ends, after which the calls fail with
// ErrUnavailable — access is then denied, never granted. "Unknown user" is
// cached too, for Config.NegativeTTL (30 s by default), so a flood of
// lookups of names the directory lacks does not reach it; a user created
// in the directory is seen by Resolve once that ends (Authenticate sees it
// at once: its bind proves the user exists).
//
// # Lifecycle
//
// New validates the configuration; it neither connects nor starts a
// goroutine. Start(ctx) starts the background work — refreshing used
// answers ahead of their expiry, sweeping expired ones — which runs until
// ctx ends or Close is called. Close stops it, waits for every goroutine
// the Directory started, and closes the pooled connections. Start is
// optional: without it, refreshes happen in the caller's goroutine.
//
// # Usage
//
//	cfg := ldapdir.PresetOpenLDAP("ldaps://ldap.example.org", "dc=example,dc=org")
//	cfg.BindDN, cfg.BindPassword = "cn=azgate,ou=services,dc=example,dc=org", secret
//	dir, err := ldapdir.New(cfg, logger)
//	...
//	defer dir.Close()
//	if err := dir.Start(ctx); err != nil { ... }
//	client, err := dir.Authenticate(ctx, "alice", password)
package ldapdir
