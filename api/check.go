package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// CheckItem is one access check: may User (with Groups) perform Operations
// in Scope?
type CheckItem struct {
	// User is the principal (account name or SID).
	User string `json:"user"`
	// IDs are further identifiers of the same user (its SID, DN), optional.
	IDs []string `json:"ids,omitempty"`
	// Groups are every group the user is in, transitively, taken as given:
	// absent means none.
	Groups []string `json:"groups,omitempty"`
	// Resolve asks the server's directory (local or LDAP) for the user's
	// identifiers, DN and transitive groups instead; Groups must then be
	// absent. An unknown user is a 404; a directory that cannot answer
	// (and has no cached answer within its TTL) a 503.
	Resolve bool `json:"resolve,omitempty"`
	// DN is the user's directory entry, for LDAP query groups; optional.
	// With Resolve the directory supplies it.
	DN string `json:"dn,omitempty"`
	// Scope is the scope of the check; "" is the default scope.
	Scope string `json:"scope,omitempty"`
	// Application is the application whose operations are checked,
	// compared by names.Equal. Empty: the default — the only application
	// besides azgate's delegation application ("azgate", never a default),
	// else the one the server gates. In a batch, an item's Application
	// overrides the request's.
	Application string `json:"application,omitempty"`
	// Operations are operation names (case-insensitive) or OperationIDs of
	// the Application, never of another application.
	Operations []OperationRef `json:"operations"`
	// Parameters are the business rule parameters.
	Parameters map[string]any `json:"parameters,omitempty"`
}

// CheckRequest is the body of POST /v1/check: one check (the CheckItem
// fields) or a batch (Checks), not both; a batch may give an Application,
// the default of its items.
type CheckRequest struct {
	CheckItem
	Checks []CheckItem `json:"checks,omitempty"`
}

// CheckResult is the decision about one operation.
type CheckResult struct {
	Operation string `json:"operation"`
	ID        int    `json:"id"`
	Allowed   bool   `json:"allowed"`
	// Error says why the decision failed (always a denial).
	Error string `json:"error,omitempty"`
	// Missing names, on a denial, the operation and the scope it was not
	// granted in.
	Missing string `json:"missing,omitempty"`
	// Hints, on a denial and for callers who may read the policy (Read
	// Policy), are the smallest existing role assignments or role
	// definitions that would grant it. Missing and Hints come with the
	// first denials of a body only, so the answer stays bounded.
	Hints []string `json:"hints,omitempty"`
}

// CheckResponse answers a single check: one result per operation, in the
// order asked.
type CheckResponse struct {
	Results  []CheckResult `json:"results"`
	Revision uint64        `json:"revision"`
}

// BatchCheckResponse answers a batch: one result list per item, in order,
// all decided with the same policy revision.
type BatchCheckResponse struct {
	Results  [][]CheckResult `json:"results"`
	Revision uint64          `json:"revision"`
}

// OperationRef names an operation by its name ("Start Virtual Machine",
// compared case-insensitively) or by its OperationID (307). On the wire it
// is a JSON string or a number; a string of digits names an operation by
// ID when no operation has that name.
type OperationRef struct {
	// Name is the operation's name; "" when the reference is by ID.
	Name string
	// ID is the OperationID, when Name is "".
	ID int
}

// OpName refers to an operation by name.
func OpName(name string) OperationRef { return OperationRef{Name: name} }

// OpID refers to an operation by OperationID.
func OpID(id int) OperationRef { return OperationRef{ID: id} }

// Ops refers to operations by name.
func Ops(names ...string) []OperationRef {
	out := make([]OperationRef, len(names))
	for i, n := range names {
		out[i] = OpName(n)
	}
	return out
}

func (o OperationRef) String() string {
	if o.Name != "" {
		return o.Name
	}
	return strconv.Itoa(o.ID)
}

// MarshalJSON writes a name as a string and an ID as a number.
func (o OperationRef) MarshalJSON() ([]byte, error) {
	if o.Name != "" {
		return json.Marshal(o.Name)
	}
	return strconv.AppendInt(nil, int64(o.ID), 10), nil
}

// UnmarshalJSON accepts a string (a name, or a decimal ID) or an integer;
// null leaves o as it is.
func (o *OperationRef) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, " \t\r\n") // JSON's white space
	if string(b) == "null" {
		return nil
	}
	// The common forms without encoding/json: a string of printable ASCII
	// without escapes, a short decimal without leading zeros.
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && plainASCII(b[1:n-1]) {
		*o = OperationRef{Name: string(b[1 : n-1])}
		return nil
	}
	if n := len(b); n >= 1 && n <= 9 && '0' <= b[0] && b[0] <= '9' && (n == 1 || b[0] != '0') {
		if id, err := strconv.Atoi(string(b)); err == nil {
			*o = OperationRef{ID: id}
			return nil
		}
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*o = OperationRef{Name: s}
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("operation %s: want a name or an OperationID", b)
	}
	*o = OperationRef{ID: n}
	return nil
}

// plainASCII reports whether b is printable ASCII without quotes or
// backslashes: a JSON string's content that means itself.
func plainASCII(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// Step is one link of an access path.
type Step struct {
	// Kind is "principal", "application group", "role assignment",
	// "role definition", "task" or "operation".
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Level is where the object lives: "store", "application" or
	// "scope NAME". Empty for principals and operations.
	Level string `json:"level,omitempty"`
	// Note is the BusinessRuleString the step's JScript business rule set,
	// if any.
	Note string `json:"note,omitempty"`
}

func (s Step) String() string {
	switch s.Kind {
	case "principal", "operation":
		return fmt.Sprintf("%s \"%s\"", s.Kind, s.Name)
	}
	if s.Note != "" {
		return fmt.Sprintf("%s \"%s\" (%s; business rule: %q)", s.Kind, s.Name, s.Level, s.Note)
	}
	return fmt.Sprintf("%s \"%s\" (%s)", s.Kind, s.Name, s.Level)
}

// Explanation says why a check was granted or denied. It always agrees with
// the check.
type Explanation struct {
	Allowed   bool   `json:"allowed"`
	Client    string `json:"client"`
	Operation string `json:"operation"`
	Scope     string `json:"scope"` // "" is the default scope
	// Path is the path that granted: principal → application groups →
	// role assignment → role definition → tasks → operation.
	Path []Step `json:"path,omitempty"`
	// Reason is one sentence: the grant, or the nearest miss.
	Reason string `json:"reason"`
	// Misses are the near misses of a denial, nearest first.
	Misses []string `json:"misses,omitempty"`
	// Error is the error that denied, if any.
	Error string `json:"error,omitempty"`
	// Hints are the smallest existing role assignments and role
	// definitions that would grant it (a denial only).
	Hints []Hint `json:"hints,omitempty"`
}

// Hint is an existing role assignment, or role definition, that would
// grant an operation in a scope: the fix a denial suggests to someone who
// may read the policy.
type Hint struct {
	// Kind is "role assignment" (make the user a member) or "role
	// definition" (assign it in the scope).
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Scope is where the role assignment lives, or where the role
	// definition would be assigned; "" is the application level (the
	// default scope).
	Scope string `json:"scope,omitempty"`
	// Operations counts the operations it grants: the smaller, the closer
	// to least privilege.
	Operations int `json:"operations"`
	// Conditional: a business rule on the way decides it per request.
	Conditional bool `json:"conditional,omitempty"`
}

// String words the hint: `member of role assignment "Lab VM Operators" in
// scope "Lab"`.
func (h Hint) String() string {
	where := "at application level"
	if h.Scope != "" {
		where = fmt.Sprintf("in scope %q", h.Scope)
	}
	s := fmt.Sprintf("member of role assignment %q %s", h.Name, where)
	if h.Kind == "role definition" {
		s = fmt.Sprintf("a role assignment of role definition %q %s", h.Name, where)
	}
	if h.Conditional {
		s += " (when its business rule holds)"
	}
	return s
}

func (e Explanation) String() string {
	var b strings.Builder
	verdict, may := "DENIED", "not do"
	if e.Allowed {
		verdict, may = "ALLOWED", "do"
	}
	scope := "the default scope"
	if e.Scope != "" {
		scope = fmt.Sprintf("scope \"%s\"", e.Scope)
	}
	fmt.Fprintf(&b, "%s: %s may %s \"%s\" in %s: %s", verdict, e.Client, may, e.Operation, scope, e.Reason)
	if len(e.Path) > 0 {
		parts := make([]string, len(e.Path))
		for i, s := range e.Path {
			parts[i] = s.String()
		}
		fmt.Fprintf(&b, "\n  path: %s", strings.Join(parts, " → "))
	}
	for _, m := range e.Misses {
		fmt.Fprintf(&b, "\n  miss: %s", m)
	}
	for _, h := range e.Hints {
		fmt.Fprintf(&b, "\n  hint: %s", h)
	}
	if e.Error != "" {
		fmt.Fprintf(&b, "\n  error: %s", e.Error)
	}
	return b.String()
}

// ExplainResponse is the body of GET /v1/explain.
type ExplainResponse struct {
	Explanation
	// Application is the application decided in.
	Application string `json:"application"`
	Revision    uint64 `json:"revision"`
}

// Principal is one answer of who-can: a member string of a role assignment
// or an application group, with the assignment that grants.
type Principal struct {
	Name string `json:"name"` // the raw member string, or the application group name
	// Kind is "member" (a SID or account name as the store spells it) or
	// "application group".
	Kind string `json:"kind"`
	// Via lists the application groups between the principal and the role
	// assignment, outermost (the one the assignment links) first.
	Via             []string `json:"via,omitempty"`
	Assignment      string   `json:"assignment"`
	AssignmentScope string   `json:"assignmentScope,omitempty"` // "" at application level
	RoleDefinition  string   `json:"roleDefinition,omitempty"`  // the linked role definition or task; "" for a direct operation link
	// Caveats say when the grant does not hold for everyone listed:
	// non-members of a group on the way, business rules, LDAP queries.
	Caveats []string `json:"caveats,omitempty"`
}

// WhoCanResponse is the body of GET /v1/who-can.
type WhoCanResponse struct {
	// Application is the application whose Operation it is.
	Application string      `json:"application"`
	Operation   string      `json:"operation"`
	Scope       string      `json:"scope"`
	Principals  []Principal `json:"principals"`
	Revision    uint64      `json:"revision"`
	// Total (the whole list's length) and Next (the token of the next
	// page, absent on the last) are set on pages (limit or token given).
	Total int    `json:"total,omitempty"`
	Next  string `json:"next,omitempty"`
}

// JSONSchema is the JSON Schema of an operation reference, whose JSON shape
// reflection cannot see.
func (OperationRef) JSONSchema() map[string]any {
	return map[string]any{
		"description": "An operation: its name (case-insensitive) or its OperationID.",
		"oneOf":       []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}},
	}
}
