// Package audit is azgate's append-only audit trail, for the server and the
// commands that edit a policy: every recorded decision and every policy
// change becomes one JSON object on its own line (JSON Lines), sealed into
// a hash chain that [Verify] checks.
//
// # Format
//
// Each line is a complete JSON object. It starts with its place in the
// chain, "seq" (1, 2, ...) and "prev" (the "hash" of the record before it,
// "" for the first record of a chain), then a "type" and the record's
// fields, and ends with "hash", the hex SHA-256 of every byte of the line
// before ,"hash":
//
//	{"seq":7,"prev":"9f…","type":"decision","time":"…","source":"engine","principal":"alice","application":"Hyper-V services","operation":"Start Virtual Machine","operation_id":…,"scope":"…","object":"vm1","result":"allowed","grant":{…},"hash":"3c…"}
//	{"seq":8,"prev":"3c…","type":"policy_change","time":"…","source":"cli","who":"alice","what":"task create Ops --op \"View Switches\"","store":"msxml://…","old_revision":"41","new_revision":"42","hash":"b2…"}
//
// Field values are bounded ([MaxNameBytes], [MaxTextBytes]): a longer value
// is cut and ends with "…". Newlines and other control characters in values
// are escaped by JSON, so a value never breaks a line.
//
// # Several writers, rotation
//
// A file opened by [Open] is shared by every process that opens it (a
// server and any number of commands): each write takes an exclusive lock
// on PATH.lock, reads the end of the chain from the file when another
// process wrote since (or rotated it), and appends its records with one
// write. [WithRotation] rotates the file by size, PATH → PATH.1 → PATH.2,
// keeping N rotated files; the first record of a new file carries the hash
// of the last record of the one before, so the chain runs on across files.
// Records are not fsynced one by one; call [Log.Sync] where durability
// matters more than throughput.
//
// A write error is returned to the caller and not retried: a caller that must
// not act without an audit trail (fail closed) denies when Decision fails.
//
// # Verification
//
// [Verify] follows the chain through files and names the file and line of
// every break: an edited line (its hash no longer matches), a deleted one
// (a gap in seq), an inserted one, a record cut short. The chain has no
// anchor outside the files: it finds edits, not an attacker who rewrites
// a whole tail with fresh hashes or removes whole records from the end.
package audit
