// Package audit is azgate's append-only audit trail, for the server and the
// engine interceptor: every authorization decision and every policy change
// becomes one JSON object on its own line (JSON Lines).
//
// # Format
//
// Each line is a complete JSON object with a "type" field:
//
//	{"type":"decision","time":"…","principal":"alice","operation":"Start Virtual Machine","operation_id":…,"scope":"…","object":"vm1","result":"allowed","grant":{…}}
//	{"type":"policy_change","time":"…","who":"admin","what":"add role assignment \"Ops\"","old_revision":"41","new_revision":"42"}
//
// # Guarantees
//
// A record is marshalled in full and then handed to the writer in a single
// Write call while a mutex is held, so lines written through one [Log] never
// interleave. A file opened by [Open] uses O_APPEND, so on a local file
// system several processes appending to the same file also keep whole lines
// (the kernel positions and performs each write atomically). Records are not
// fsynced one by one; call [Log.Sync] where durability matters more than
// throughput.
//
// A write error is returned to the caller and not retried: a caller that must
// not act without an audit trail (fail closed) denies when Decision fails.
package audit
