package policy

import (
	"strings"

	"github.com/azgate/azgate/internal/names"
	"github.com/google/uuid"
)

// Revision identifies a saved state of a store. It grows by one with every
// save. Zero means "no store yet".
type Revision uint64

// GroupType is the kind of an application group (AzMan's GroupType).
type GroupType string

// The application group types.
const (
	GroupBasic     GroupType = "Basic"     // members and non-members
	GroupLDAPQuery GroupType = "LdapQuery" // the user's directory entry matches a filter
	GroupBizRule   GroupType = "Bizrule"   // a business rule decides
)

// DefaultApplication is the application of the Hyper-V default store.
const DefaultApplication = "Hyper-V services"

// Policy is a whole AzMan store.
type Policy struct {
	GUID         string // the store's own GUID (AzAdminManager Guid); may be empty
	MajorVersion int    // 1 or 2
	MinorVersion int
	Description  string
	// Groups are store-level application groups, usable by every application.
	Groups       []*Group
	Applications []*Application
}

// Application is an AzMan application. Its own level is the default scope.
type Application struct {
	GUID            string
	Name            string
	Description     string
	Version         string // ApplicationVersion
	ApplicationData string
	Operations      []*Operation
	Objects
	Scopes []*Scope
}

// Objects are what both an application and a scope contain.
type Objects struct {
	Tasks  []*Task  // tasks and role definitions
	Groups []*Group // application groups
	Roles  []*Role  // role assignments
}

// Scope is a named scope inside an application.
type Scope struct {
	GUID        string
	Name        string
	Description string
	Objects
}

// Operation is a low-level permission.
type Operation struct {
	GUID            string
	Name            string
	Description     string
	OperationID     int
	ApplicationData string
}

// BizRule is a business rule: a condition on request parameters.
// Language "" or "Expr" is azgate's expression language; "VBScript" and
// "JScript" come from AzMan and cannot be evaluated, so paths through them deny.
type BizRule struct {
	Script       string
	Language     string
	ImportedPath string
}

// Defined reports whether b is a business rule at all. As in AzMan, a
// language or an imported path without a script is no rule: the task
// applies.
func (b BizRule) Defined() bool { return strings.TrimSpace(b.Script) != "" }

// IsZero reports whether no rule is set.
func (b BizRule) IsZero() bool { return b.Script == "" && b.Language == "" && b.ImportedPath == "" }

// Task is a named set of operations and tasks. A role definition is a task
// with RoleDefinition set.
type Task struct {
	GUID            string
	Name            string
	Description     string
	RoleDefinition  bool
	OperationLinks  []string // operation GUIDs
	TaskLinks       []string // task GUIDs
	BizRule         BizRule
	ApplicationData string
}

// Role is a role assignment (AzMan's AzRole): it links role definitions,
// tasks and operations to members.
type Role struct {
	GUID           string
	Name           string
	Description    string
	TaskLinks      []string // role definition / task GUIDs
	OperationLinks []string // operation GUIDs
	Members        []string // SIDs or account names
	AppMemberLinks []string // application group GUIDs
	// Terms limit members (of Members or AppMemberLinks) in time; a
	// member without one is in force always. An azgate extension.
	Terms []Term
}

// Group is an application group.
type Group struct {
	GUID              string
	Name              string
	Description       string
	Type              GroupType
	Members           []string // SIDs or account names
	NonMembers        []string
	AppMemberLinks    []string // application group GUIDs
	AppNonMemberLinks []string
	LDAPQuery         string
	BizRule           BizRule
	// Terms limit members (of Members or AppMemberLinks) of a basic group
	// in time; a member without one is in force always. An azgate
	// extension. Non-members have no terms.
	Terms []Term
}

// NewGUID returns a fresh random GUID in AzMan's lower-case form.
func NewGUID() string { return uuid.NewString() }

// Application returns the application with the given name (case-insensitive).
func (p *Policy) Application(name string) (*Application, error) {
	for _, a := range p.Applications {
		if names.Equal(a.Name, name) {
			return a, nil
		}
	}
	return nil, notFound("application", name)
}

// Scope returns the named scope; "" returns nil and no error (the default scope).
func (a *Application) Scope(name string) (*Scope, error) {
	if name == "" {
		return nil, nil
	}
	for _, s := range a.Scopes {
		if names.Equal(s.Name, name) {
			return s, nil
		}
	}
	return nil, notFound("scope", name)
}

// Container returns the objects of the named scope, or of the application
// level when scope is "".
func (a *Application) Container(scope string) (*Objects, error) {
	if scope == "" {
		return &a.Objects, nil
	}
	s, err := a.Scope(scope)
	if err != nil {
		return nil, err
	}
	return &s.Objects, nil
}

// Operation returns the operation with the given name (case-insensitive).
func (a *Application) Operation(name string) (*Operation, error) {
	for _, o := range a.Operations {
		if names.Equal(o.Name, name) {
			return o, nil
		}
	}
	return nil, notFound("operation", name)
}

// Task returns the task or role definition with the given name.
func (o *Objects) Task(name string) (*Task, error) {
	for _, t := range o.Tasks {
		if names.Equal(t.Name, name) {
			return t, nil
		}
	}
	return nil, notFound("task", name)
}

// Group returns the application group with the given name.
func (o *Objects) Group(name string) (*Group, error) { return findGroup(o.Groups, name) }

// Role returns the role assignment with the given name.
func (o *Objects) Role(name string) (*Role, error) {
	for _, r := range o.Roles {
		if names.Equal(r.Name, name) {
			return r, nil
		}
	}
	return nil, notFound("role assignment", name)
}

// Group returns the store-level application group with the given name.
func (p *Policy) Group(name string) (*Group, error) { return findGroup(p.Groups, name) }

func findGroup(gs []*Group, name string) (*Group, error) {
	for _, g := range gs {
		if names.Equal(g.Name, name) {
			return g, nil
		}
	}
	return nil, notFound("application group", name)
}
