// Package api holds the JSON documents of azgate's HTTP API, the one
// definition the server serves, the Go client ([github.com/azgate/azgate/client])
// sends and decodes, and the CLI prints: checks and their answers,
// explanations and who-can lists, the policy objects by name, the engine's
// objects, and the error body.
//
// It is a leaf: it imports nothing of azgate, so a Go program that talks to
// azgate links only this package and the client. The engine and the
// decision core use its types as their own (engine.VM is api.VM, authz.Explanation is
// api.Explanation), so what they return is what goes on the wire.
//
// # Policy documents
//
// The policy admin API speaks names, never GUIDs: a task's operations, a
// role assignment's role definitions, a group's member groups are the names
// of the linked objects. [Policy] is the whole store; [Application] and
// [ScopeObjects] hold an [Objects] each (tasks, role definitions, role
// assignments, application groups). Lists are never null in answers.
//
// # Errors
//
// Every non-2xx answer carries an [ErrorBody]; its Code is one of the Code
// constants.
package api
