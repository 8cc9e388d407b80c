// Package localdir is azgate's embedded default directory, for the server's
// authenticator and the `azgate user`/`azgate group` commands: a single JSON
// file of users (bcrypt password hashes, SHA-256-hashed API tokens) and
// groups (nested), which produces directory.ClientContext values.
//
// Its "Administrators" group is the well-known BUILTIN\Administrators,
// SID S-1-5-32-544, the member of the default store's Administrator role
// assignment. Every other user and group gets a SID at creation,
// S-1-5-21-<a>-<b>-<c>-<RID>: the three sub-authorities are chosen at random
// when the file is created (the "machine" part) and RIDs count up from 1000,
// never reused.
//
// # Names
//
// User, group and token-label names compare by the one rule of
// internal/names: simple Unicode case folding ("sam", "SAM" and "ſam" are one
// name; NFC and NFD spellings are two). Every lookup, index and uniqueness
// check uses it, so a name that compares equal to an existing user or group
// is refused with ErrExists, and a command given a look-alike acts on the
// one account it names. A name that compares equal to "S-1-…" is refused, so
// no account can be taken for a SID. A file written by an older azgate that
// lower-cased names may hold two such records (sam and ſam): it is
// reported as ErrCorrupt naming both, and loads again once one is renamed
// or removed in the file.
//
// # Client contexts
//
// A user's client context has Name = the user name, IDs = [name, SID] and
// Groups = every group the user is in, directly or through nested groups, by
// name and by SID; Administrators is also listed as BUILTIN\Administrators.
//
// # Storage and concurrency
//
// The file is replaced atomically on every change (write a temporary file in
// the same directory, fsync, rename over the old one, fsync the directory).
// Each read-modify-write holds an exclusive advisory lock on PATH.lock
// (github.com/gofrs/flock), re-reads the file under the lock, applies the
// change and writes it back, so several processes (the server and the CLI)
// may edit one directory without losing changes. Readers take no lock: they
// check the file's identity, size and mtime and reload it when another
// process has replaced it. Listing (Users, Groups) and every change check
// the file each time. The authentication path (Authenticate,
// AuthenticateToken, Resolve) checks it at most once per recheck interval
// (250 ms, WithRecheckInterval; 0 checks every call), so a change written
// by another Directory (the CLI, a second server) takes effect there within
// that interval; a change made through the same Directory takes effect at
// once. What another Directory adds (a user,
// a token, a new password) is seen at once too: a lookup that fails on a
// state it did not just read from the file looks at the file again
// before failing. A file that fails to parse or
// validate is reported with ErrCorrupt and its path, on every call until
// it is good again; it is never silently replaced.
//
// # Authentication cost and the credential cache
//
// Passwords are hashed with bcrypt at bcrypt.DefaultCost (about 50 ms per
// check on a server core). HTTP Basic authentication checks the password on
// every request, so a Directory keeps an in-memory cache of recently
// verified credentials: the key is an HMAC-SHA-256, under a random key held
// only in memory, of the user name and the password (so the cache holds no
// plain or unsalted password hashes); the entry remembers the bcrypt hash it
// was verified against and expires after one minute (WithCredentialCacheTTL;
// 0 disables the cache). An entry is used only if the user's stored hash is
// still the same, so a password change or user deletion invalidates it at
// once through the same Directory and within the recheck interval through
// another; SetPassword and DeleteUser also drop the user's entries. Failed checks are never cached, so guessing always pays
// the full bcrypt cost. Unknown users pay it too (a dummy comparison), so
// response time does not reveal which user names exist, and Authenticate
// returns ErrBadCredentials for both.
//
// API tokens have the form "azg_<43 base64url characters>" (256 random
// bits). Only their SHA-256 is stored; the plaintext is returned once by
// CreateToken. A plain hash suffices because tokens are random, not chosen.
// A token may expire (CreateTokenTTL); an expired token is refused on the
// path of an unknown one. A token's last use is written to the file, by
// the locked write path, at most once a minute per token, so that
// authenticating does not write the file per request.
package localdir
