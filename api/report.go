package api

import (
	"encoding/json"
	"time"
)

// LeastPrivilegeReport is the body of GET /v1/reports/least-privilege:
// for each role assignment of an application and each of its members,
// which of the operations the assignment grants were used (granted by it
// in an allowed decision of the audit log) since a time, and which never.
type LeastPrivilegeReport struct {
	Application string `json:"application"`
	// Revision is the policy revision the assignments are read at.
	Revision uint64 `json:"revision"`
	// Since and Until bound the audit records counted; Horizon is the
	// time of the oldest record the log holds (how far back it can see).
	Since   time.Time `json:"since"`
	Until   time.Time `json:"until"`
	Horizon time.Time `json:"horizon"`
	// Decisions counts the decision records since Since (of every
	// application), Allowed the allowed ones, Counted those attributed to
	// an operation of an assignment below. Unattributed are allowed
	// decisions of this application whose grant names an assignment,
	// member or operation the policy no longer has.
	Decisions    int `json:"decisions"`
	Allowed      int `json:"allowed"`
	Counted      int `json:"counted"`
	Unattributed int `json:"unattributed"`
	// Notes say what the log may not hold (decisions not audited).
	Notes       []string                   `json:"notes,omitempty"`
	Assignments []LeastPrivilegeAssignment `json:"assignments"`
}

// LeastPrivilegeAssignment is one role assignment: the operations it
// grants, used or never, in all and per member.
type LeastPrivilegeAssignment struct {
	Scope string `json:"scope"` // "" is the application level
	Name  string `json:"name"`
	// RoleDefinitions are its linked role definitions and tasks.
	RoleDefinitions []string `json:"roleDefinitions"`
	// Conditional says a business rule lies on a path to some of its
	// operations: their use depends on each request.
	Conditional bool `json:"conditional,omitempty"`
	// Used are the granted operations used through it (by any member),
	// Unused those never used since Since; both in the catalog's order.
	Used    []OperationUse            `json:"used"`
	Unused  []string                  `json:"unused"`
	Members []LeastPrivilegeMember    `json:"members"`
	Suggest *LeastPrivilegeSuggestion `json:"suggestion,omitempty"`
	// NoSuggestion says why there is no suggestion when some operations
	// went unused.
	NoSuggestion string `json:"noSuggestion,omitempty"`
}

// LeastPrivilegeMember is one member of an assignment: a member string (a
// SID or account name) or a linked application group.
type LeastPrivilegeMember struct {
	Name string `json:"name"`
	// Kind is "member" or "application group", as in who-can.
	Kind   string         `json:"kind"`
	Used   []OperationUse `json:"used"`
	Unused []string       `json:"unused"`
}

// OperationUse is an operation used through an assignment: how often and
// when last.
type OperationUse struct {
	Operation string    `json:"operation"`
	Count     int       `json:"count"`
	Last      time.Time `json:"last"`
}

// LeastPrivilegeSuggestion narrows an assignment to the operations used:
// a new role definition holding exactly them, linked by the assignment
// instead of what it links now — or, when nothing was used, the
// assignment deleted. It is applied only through a what-if: WhatIf is the
// body of POST /v1/whatif (which shows the decisions it changes) and of
// POST /v1/whatif/save (which applies it), and the file of azgate whatif
// --edits.
type LeastPrivilegeSuggestion struct {
	// RoleDefinition is the new role definition's name, made in the
	// assignment's scope; "" when the assignment is to be deleted.
	RoleDefinition   string       `json:"roleDefinition,omitempty"`
	Operations       []string     `json:"operations"`
	DeleteAssignment bool         `json:"deleteAssignment,omitempty"`
	WhatIf           StagedChange `json:"whatIf"`
}

// StagedChange is a what-if's body (POST /v1/whatif, /v1/whatif/save):
// edits staged at a revision of an application's policy.
type StagedChange struct {
	Application  string       `json:"application,omitempty"`
	BaseRevision uint64       `json:"baseRevision,omitempty"`
	Edits        []StagedEdit `json:"edits"`
}

// StagedEdit is one edit of a what-if, in the policy admin API's terms:
// the action (create, update, delete, link, unlink) its route takes on an
// object of a kind (scopes, tasks, role-definitions, role-assignments,
// groups) at a scope.
type StagedEdit struct {
	Action string `json:"action"`
	Kind   string `json:"kind"`
	Scope  string `json:"scope,omitempty"`
	Level  string `json:"level,omitempty"`
	Name   string `json:"name,omitempty"`
	// Object is the kind's document (Scope, Task, RoleAssignment, Group)
	// of a create or update.
	Object EditObject `json:"object,omitempty"`
	Link   *Link      `json:"link,omitempty"`
}

// EditObject is the document of a create or update edit, kept as JSON
// (its type depends on the edit's kind).
type EditObject []byte

// MarshalJSON writes the document as kept.
func (o EditObject) MarshalJSON() ([]byte, error) {
	if len(o) == 0 {
		return []byte("null"), nil
	}
	return json.RawMessage(o).MarshalJSON()
}

// UnmarshalJSON keeps the document.
func (o *EditObject) UnmarshalJSON(b []byte) error {
	*o = append((*o)[:0], b...)
	return nil
}

// JSONSchema states the document's OpenAPI schema.
func (EditObject) JSONSchema() map[string]any {
	return map[string]any{"type": "object",
		"description": "The document of the edit's kind, as the policy admin API takes it: Scope, Task, RoleAssignment or Group."}
}
