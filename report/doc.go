// Package report reads the audit log against the policy in force, for
// administrators who want to know what the access they granted is used
// for. Its one report so far is least privilege ([LeastPrivilege]): for
// each role assignment of an application and each of its members, which
// of the operations it grants were used in a time window and which never,
// with a suggested narrower role definition.
//
// The log is the evidence: every allowed engine decision is recorded with
// the role assignment, member and role definition that granted it (audit
// records carry the grant), /v1/check and AuthZEN decisions as serve's
// --audit-checks says. The log is streamed, never held: memory grows with
// the policy (assignments × members × operations), not with the log.
//
// The server (GET /v1/reports/least-privilege), the CLI (azgate report
// least-privilege) and the console's report page share it. A suggestion
// is never applied here: it is a what-if's body (api.StagedChange), which
// the what-if machinery shows and, once an administrator confirms, saves.
package report
