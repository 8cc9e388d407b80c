package api

import "time"

// BizRule is a business rule: an expression or a script. Language is
// "Expr", "JScript" or "VBScript" (which cannot run: such a rule denies);
// answers always name it, a request may leave it empty for "Expr".
type BizRule struct {
	Script       string `json:"script,omitempty"`
	Language     string `json:"language,omitempty"`
	ImportedPath string `json:"importedPath,omitempty"`
}

// Task is a task or a role definition (the route or the list it is in
// says which).
type Task struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Operations and Tasks are the names of the linked operations and of
	// the nested tasks (and role definitions).
	Operations []string `json:"operations"`
	Tasks      []string `json:"tasks"`
	BizRule    *BizRule `json:"bizRule,omitempty"`
}

// RoleAssignment is a role assignment (AzMan's AzRole).
type RoleAssignment struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// RoleDefinitions are the linked role definitions and tasks.
	RoleDefinitions []string `json:"roleDefinitions"`
	Operations      []string `json:"operations"`
	// Members are SIDs or account names.
	Members []string `json:"members"`
	// Groups are the linked application groups.
	Groups []string `json:"groups"`
	// Terms limit members and groups in time. In a replacing document
	// (PUT) an absent (nil) Terms keeps the terms of the members kept,
	// and an empty list removes them all.
	Terms []MemberTerm `json:"terms,omitzero"`
}

// MemberTerm limits one member in time, an azgate extension AzMan
// ignores: the member (a SID or account name of Members) or the
// application group (of Groups) counts from Starts until Expires, to the
// second; a zero time is no limit on that side. Times are RFC 3339.
type MemberTerm struct {
	Member  string    `json:"member,omitempty"`
	Group   string    `json:"group,omitempty"`
	Starts  time.Time `json:"starts,omitzero"`
	Expires time.Time `json:"expires,omitzero"`
}

// Application group types.
const (
	GroupBasic     = "Basic"     // members and non-members
	GroupLDAPQuery = "LdapQuery" // the user's directory entry matches LDAPQuery
	GroupBizRule   = "Bizrule"   // a business rule decides
)

// Group is an application group.
type Group struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Type is GroupBasic (the default in requests), GroupLDAPQuery or
	// GroupBizRule.
	Type       string   `json:"type,omitempty"`
	Members    []string `json:"members"`
	NonMembers []string `json:"nonMembers"`
	// Groups and NonGroups are the names of member and non-member
	// application groups.
	Groups    []string `json:"groups"`
	NonGroups []string `json:"nonGroups"`
	LDAPQuery string   `json:"ldapQuery,omitempty"`
	BizRule   *BizRule `json:"bizRule,omitempty"`
	// Terms limit members and member groups in time; in a replacing
	// document (PUT) absent keeps those of the members kept, [] removes
	// them all (as RoleAssignment.Terms).
	Terms []MemberTerm `json:"terms,omitzero"`
}

// Scope is a scope of an application.
type Scope struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Link relations of a [Link].
const (
	RelOperation = "operation"  // tasks, role definitions, role assignments
	RelTask      = "task"       // tasks, role definitions, role assignments (role definitions and tasks)
	RelMember    = "member"     // role assignments, groups: a SID or account name
	RelGroup     = "group"      // role assignments, groups: an application group
	RelNonMember = "non-member" // groups
	RelNonGroup  = "non-group"  // groups
)

// Link adds a link or member to an object (POST …/{name}/links); removing
// one names the same two fields as query parameters.
type Link struct {
	// Relation is one of the Rel constants.
	Relation string `json:"relation"`
	// Target is the linked object's name, or a member's SID or name.
	Target string `json:"target"`
	// Starts and Expires limit a member or member group (relations
	// member and group) in time; adding a member that is there already
	// with either of them sets that side of its term and keeps the
	// other. Zero: no limit (or, for a member there already, unchanged).
	Starts  time.Time `json:"starts,omitzero"`
	Expires time.Time `json:"expires,omitzero"`
}

// Policy is the whole store, by names (GET /v1/policy).
type Policy struct {
	// Revision is the store revision, also the answer's ETag.
	Revision uint64 `json:"revision"`
	// Version is the store format version, such as "2.0".
	Version      string        `json:"version,omitempty"`
	Description  string        `json:"description,omitempty"`
	Groups       []Group       `json:"groups"` // store-level application groups
	Applications []Application `json:"applications"`
}

// AppInfo is an application's own fields (the /v1/policy/applications
// routes).
type AppInfo struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Version     string `json:"version,omitempty"` // AzMan's ApplicationVersion
}

// Application is an application with its operations, default-scope
// objects and scopes.
type Application struct {
	AppInfo
	Operations []Operation `json:"operations"`
	Objects
	Scopes []ScopeObjects `json:"scopes"`
}

// Objects is what an application's default scope and every scope hold.
type Objects struct {
	Tasks           []Task           `json:"tasks"`
	RoleDefinitions []Task           `json:"roleDefinitions"`
	RoleAssignments []RoleAssignment `json:"roleAssignments"`
	Groups          []Group          `json:"groups"`
}

// Operation is an operation of an application.
type Operation struct {
	Name        string `json:"name"`
	ID          int    `json:"id"`
	Description string `json:"description,omitempty"`
}

// ScopeObjects is a scope with its objects.
type ScopeObjects struct {
	Scope
	Objects
}

// Listing is the envelope of every list answer.
type Listing[T any] struct {
	Items []T `json:"items"`
}

// Me is the body of GET /v1/me: the caller as the server sees it.
type Me struct {
	Name   string   `json:"name"`
	IDs    []string `json:"ids"`
	Groups []string `json:"groups"`
}
