// Package client is the Go client of azgate's HTTP API: access checks
// (single and batch), explanations and who-can lists, the policy admin
// API by names, and the management engine's calls — typed with the
// documents of package api, the ones the server serves.
//
// A [Client] talks to one server; [New] takes its URL and options:
// [WithToken] (an API token, sent as a Bearer credential) or
// [WithBasicAuth], and [WithHTTPClient] for the transport, TLS and
// timeouts. Every call takes a context.
//
// # Errors
//
// An answer other than 2xx is an [*Error]: its HTTP status and the server's
// JSON error (code, message, and for a denial the operation). errors.Is
// matches it against [ErrUnauthenticated], [ErrAccessDenied],
// [ErrNotFound], [ErrExists] and [ErrConflict]. A check's deny is not an
// error: it is a result with Allowed false.
//
// # Policy writes
//
// The policy API is optimistic: every read returns the store's
// [Revision], and every write takes the revision it was made against and
// returns the new one. When another writer saved in between, the write
// fails with a [*ConflictError]: read again, reapply, retry.
//
// [Objects] covers tasks, role definitions, role assignments and
// application groups alike (List, Get, Create, Update, Delete, Link,
// Unlink), each at a [Location]: an application's level, one of its
// scopes, or the store level for groups.
package client
