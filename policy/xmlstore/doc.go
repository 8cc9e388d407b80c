// Package xmlstore is the msxml://PATH policy store: an Authorization
// Manager policy held in one XML file in the MS-AZMP format, AzMan's own
// (Hyper-V's InitialStore.xml is one). It is for cmd/azgate, which opens a
// store with [Open] and hands it to code that knows only [policy.Store], and
// for tools and tests that read or write the format directly with [Parse],
// [Decode] and [Marshal].
//
// # Format
//
// Elements and attributes are spelled as in MS-AZMP: AzAdminManager
// (MajorVersion, MinorVersion, Guid, Description) holds AzApplication
// (Guid, Name, Description, ApplicationVersion) and store-level
// AzApplicationGroup elements. An application holds AzApplicationGroup,
// AzTask, AzOperation (with an OperationID child), AzRole and AzScope; a
// scope holds AzApplicationGroup, AzTask and AzRole. Links are GUIDs in
// TaskLink, OperationLink, AppMemberLink and AppNonMemberLink children;
// members are SIDs or account names in Member and NonMember children,
// kept exactly as written. ApplicationData is an attribute.
//
// An element this package does not know is an error, never skipped: it might
// grant or restrict access in a way azgate cannot honour, so the store fails
// closed. An unknown attribute is dropped and reported as a [Warning].
//
// # Revisions
//
// The revision (see [policy.Revision]) is kept in the file as a namespaced
// attribute of the root element,
//
//	<AzAdminManager ... xmlns:azgate="urn:x-azgate:xmlstore" azgate:Revision="7">
//
// A namespaced attribute is the XML way to extend a vocabulary: AzMan and
// other XML readers ignore it, and it can never collide with an attribute a
// later AzMan adds. A file without it (one written by AzMan) is revision 1.
// Because a foreign tool may rewrite the file without raising the revision,
// a Store also remembers a hash of what it last loaded and treats a changed
// file at the same revision as a conflict.
//
// Beside the revision azgate writes its digest of the document,
// azgate:Digest (SHA-256 of the file as azgate writes it without the
// digest: the policy, revision and GUID in canonical form).
// [Store.LoadProvenance] reports a file whose digest is missing or does
// not match as written outside azgate (a text editor), and its
// fingerprint, the SHA-256 of the file, changes with every edit — so a
// running server reloads, audits and counts an edit that left the revision
// as it was ([policy.Provenance]).
//
// # Terms
//
// A member limited in time ([policy.Term], an azgate extension) carries
// its term as attributes in the same namespace on its Member or
// AppMemberLink element, which AzMan reads only for its text:
//
//	<Member azgate:Start="2026-12-02T08:00:00Z" azgate:Expires="2026-12-02T16:00:00Z">CONTOSO\alice</Member>
//
// RFC 3339 times, written in UTC. An edit in AzMan that removes the member
// removes its term with it.
//
// # Writes
//
// [Store.Save] takes an advisory lock (PATH.lock, github.com/gofrs/flock)
// around check-revision-and-write, writes a temporary file in the same
// directory, fsyncs it, keeps the previous file as PATH.bak, renames the new
// file over PATH and fsyncs the directory. Readers see the old file or the
// new one, never a mix. [Store.Watch] reports changes by any writer through
// fsnotify on the directory, with a stat poll as a fallback.
//
// # Repair
//
// A file a failed write or a foreign tool left unloadable is repaired with
// [Store.Restore]: it writes a known-good policy — [Store.Backup] reads
// PATH.bak, or a copy from another store — under the same lock, at a
// revision above both the broken file's and the copy's, and keeps the
// broken file as PATH.broken-<time>. `azgate store repair` calls it.
//
// # Hostile input
//
// Input is limited in size (64 MiB by default) and element depth; DOCTYPE and
// entity declarations are refused; every malformation is a [*ParseError]
// naming the file, line and element. Foreign stores' operations are matched
// to the catalog (package operations) by name; an OperationID that differs
// from the catalog's, or an operation the catalog lacks, is kept and
// reported as a [Warning].
package xmlstore
