// Package ldapstore is the msldap://DN policy store: an Authorization
// Manager policy held as directory objects, laid out as Active Directory
// lays out AzMan stores, in OpenLDAP (with the schema of policies/ldapschema) or
// AD. Many azgate replicas share one store through a replicated directory.
//
// It is for cmd/azgate (through policy/stores), which opens a store with
// [Open] or [OpenURL] and hands it to code that knows only [policy.Store].
//
// # Layout
//
// The store entry (msDS-AzAdminManager, the URL's DN) holds the store's
// description and versions. Under it, as README.md of policies/ldapschema draws:
//
//	CN=AzGroupObjectContainer-<store CN>     store-level application groups
//	CN=ForeignSecurityPrincipals             the principals the store names
//	CN=<application>                         msDS-AzApplication
//	  CN=AzOpObjectContainer-<app CN>        msDS-AzOperation (msDS-AzOperationID)
//	  CN=AzTaskObjectContainer-<app CN>      msDS-AzTask (tasks, role definitions)
//	  CN=AzRoleObjectContainer-<app CN>      msDS-AzRole (role assignments)
//	  CN=AzGroupObjectContainer-<app CN>     group (application groups)
//	  CN=<scope>                             msDS-AzScope, with task, role and group containers
//
// An object's CN is its name. An application or scope whose name does not
// fit a CN (longer than 64 characters, outer spaces, or clashing with a
// container) is named by its GUID; msDS-AzApplicationName and
// msDS-AzScopeName always hold the real name. Every object carries its GUID
// in msDS-AzObjectGuid (16 bytes, AD's byte order).
//
// Links are DNs: msDS-OperationsForAzTask, msDS-TasksForAzTask,
// msDS-TasksForAzRole, msDS-OperationsForAzRole; members and application
// groups share msDS-MembersForAzRole (role assignments), member and
// msDS-NonMembers (groups). Application groups are "group" entries with
// groupType 16 (basic), 32 (LDAP query, msDS-AzLDAPQuery) or 64 (business
// rule; AD documents no value, azgate chose the next bit). Load maps DNs
// back to GUIDs; a DN that names nothing of the right kind is an error
// naming the entry and attribute.
//
// Members limited in time (policy.Term, an azgate extension AD's schema
// has no attribute for) are azgate's value of msDS-AzGenericData on the
// role assignment or group entry: "azgate:terms=" and a JSON list of
// member, start and expiry (terms.go says why, and what happens to other
// tools' values).
//
// # Principals
//
// AD links a member known by SID to a foreignSecurityPrincipal entry
// CN=<SID>,CN=ForeignSecurityPrincipals,<domain>. azgate keeps the store
// self-contained: each principal the policy names gets an entry under the
// store's own CN=ForeignSecurityPrincipals container — a
// foreignSecurityPrincipal (CN = the SID, objectSid = its binary form) for
// a SID, a container (CN = the name) for an account name such as
// CONTOSO\alice, which AD would resolve to a user DN. The member values are
// the DNs CN=<member>,CN=ForeignSecurityPrincipals,<store>, and Load takes
// the member back from the first RDN of the value, exactly as written, so a
// member round-trips byte for byte. A member DN under any
// CN=ForeignSecurityPrincipals (AD's domain container included) is read
// the same way; a member DN naming another directory object (an AD user or
// group) is read as that object's objectSid, and one without an objectSid
// is an error, never skipped: a dropped non-member would grant more.
//
// # Revisions and concurrency
//
// The revision lives in msDS-AzGenericData of the store entry:
// "azgate:revision=N" when committed, "azgate:revision=N+1;pending;
// writer=…;since=…" while a save runs. A store without it (AzMan's) is at
// revision 1. A save
//
//  1. takes the store: one modify that deletes the committed value it
//     expects and adds the pending one. If another writer changed the
//     marker, the delete fails, so the modify fails: policy.ErrConflict,
//     nothing written. This is the lock.
//  2. reads the entries and writes only the differences, matching entries
//     by GUID: deletes (children first), renames (modify DN), adds
//     (parents first) and modifies that replace changed single values and
//     delete or add individual link values. Never delete-and-rewrite.
//  3. commits: one modify from the pending value to "azgate:revision=N+1".
//
// A long save renews its pending marker every third of Config.Lease. The
// committed marker also carries a digest of what the save wrote
// ("…;digest=<hex>", independent of entry and value order).
//
// # Replicas catching up
//
// Replication may deliver a save's marker before its entries (a provider
// catching up after an outage sends the store entry first). A reader whose
// entries do not match the marker's digest reads again, for up to
// Config.CatchUp (1 s), and only then takes the entries as they are — they
// may have been edited by another tool (AzMan's MMC, ldapmodify), which
// changes entries without the marker.
//
// # Edits by other tools
//
// Anyone who may write the store's subtree changes the policy. Watch sees
// such edits although the marker stays as it was: every
// Config.EntryPollInterval it reads each entry's change stamp (entryCSN in
// OpenLDAP, uSNChanged in AD, else modifyTimestamp) and signals when they
// changed. LoadProvenance reports content no azgate save wrote — entries
// that do not match the marker's digest, or a marker without one — with
// the modifiersName of the entries changed since the marker was written,
// so that servers audit and count it (policy.Provenance).
//
// # Readers never see a torn policy
//
// Load reads the marker, the entries (one paged subtree search) and the
// marker again, and accepts only a committed marker that did not change
// meanwhile; a pending marker makes it wait (up to Config.Timeout, then
// ErrBusy). So a reader gets the old policy or the new one, never a mix —
// a mix could grant more than either (a member added before its
// non-membership is).
//
// A save that fails half-way undoes its writes and restores the old
// marker. A writer that dies half-way (or loses the directory and cannot
// undo) leaves the marker pending: once its lease runs out, Load and
// Revision return an *InterruptedError (ErrInterrupted) instead of a
// policy, so running servers keep deciding from their last good policy and
// report themselves degraded — fail closed, nothing granted by the torn
// entries. A Save at the interrupted revision or the one before takes the
// store over and, since it writes the differences against what is really
// there, leaves exactly its policy: the repair.
//
// With multi-provider replication the lock is per provider: two writers on
// two providers in the same instant can both take it, and replication keeps
// the later marker. Send policy writes to one provider when that matters
// (docs/scale-out.md).
//
// # Watching
//
// Watch polls the marker (Config.PollInterval, 250 ms by default) and the
// entries' change stamps (Config.EntryPollInterval, 2 s), and Fingerprint
// reads both, so authz.Live notices a change within a poll and skips
// reloads it does not need. When the directory stops answering Watch
// signals, the consumer's reload fails and it reports itself degraded; when
// the directory answers again Watch signals once more.
//
// # Limits
//
// Every operation is bounded by Config.Timeout (dial, bind, each request).
// Entries under the store that azgate does not know make Load fail (fail
// closed); a Save removes them. Order: a directory does not order entries;
// OpenLDAP's back-mdb returns them in creation order, which is policy
// order for stores azgate wrote.
package ldapstore
