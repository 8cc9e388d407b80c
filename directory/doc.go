// Package directory is where client contexts come from: who is asking, as
// the user's identifiers and every group it belongs to, transitively.
//
// It holds only the shared types, as database/sql/driver does for SQL
// drivers: the ClientContext every decision takes, and the Directory
// interface the server authenticates callers with. Two drivers implement
// it:
//
//   - localdir: the embedded default, a file of users (password hashes, API
//     tokens) and nested groups;
//   - ldapdir: OpenLDAP or Active Directory, with nested groups, LDAP-query
//     application groups and bind authentication.
//
// The package imports nothing from azgate, so the decision core (authz),
// the middleware (httpauthz) and both drivers can share it without
// importing each other.
package directory
