package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/azgate/azgate/internal/names"
)

// Edit applies fn to a deep copy of p and validates the result. It returns
// the new policy, or an error and leaves p untouched: a failed edit changes
// nothing.
func (p *Policy) Edit(fn func(*Policy) error) (*Policy, error) {
	q := p.Clone()
	if err := fn(q); err != nil {
		return nil, err
	}
	q.normalizeTerms()
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if err := newLDAPQueries(p, q); err != nil {
		return nil, err
	}
	return q, nil
}

// Location says where an object lives: an application and optionally a scope
// in it. An empty App means the store level, where only application groups
// live.
type Location struct {
	App   string
	Scope string
}

func (l Location) String() string {
	switch {
	case l.App == "":
		return "store"
	case l.Scope == "":
		return fmt.Sprintf("application %q", l.App)
	}
	return fmt.Sprintf("application %q / scope %q", l.App, l.Scope)
}

// Kind names a kind of policy object in edits.
type Kind string

// The kinds of objects Create, Delete, Link and Unlink act on.
const (
	KindTask           Kind = "task"
	KindRoleDefinition Kind = "role definition"
	KindRole           Kind = "role assignment"
	KindGroup          Kind = "application group"
	KindScope          Kind = "scope"
	KindOperation      Kind = "operation"
)

// Relation names a link or member list of an object.
type Relation string

// Relations. Which apply to which kind:
//   - task, role definition: RelOperation, RelTask
//   - role assignment: RelOperation, RelTask, RelMember, RelGroup
//   - application group: RelMember, RelNonMember, RelGroup, RelNonGroup
const (
	RelOperation Relation = "operation"  // link an operation, by name
	RelTask      Relation = "task"       // link a task or role definition, by name
	RelMember    Relation = "member"     // a SID or account name
	RelNonMember Relation = "non-member" // a SID or account name never in the group
	RelGroup     Relation = "group"      // link an application group, by name, as member
	RelNonGroup  Relation = "non-group"  // link an application group, by name, as non-member
)

// DefaultApp returns the name of the application checks and edits use
// when none is given: the only application of the store besides the
// delegation application (DelegationApplication, never a default), else
// DefaultApplication (the engine's), which the store may lack.
func (p *Policy) DefaultApp() string { return p.DefaultAppOr(DefaultApplication) }

// DefaultAppOr is DefaultApp with another fallback: the only application
// of the store besides the delegation application, else fallback (a
// server's engine application, which may have another name). It is the one
// rule every face (CLI, HTTP) defaults an application by.
func (p *Policy) DefaultAppOr(fallback string) string {
	only, n := "", 0
	for _, a := range p.Applications {
		if !names.Equal(a.Name, DelegationApplication) {
			only, n = a.Name, n+1
		}
	}
	if n == 1 {
		return only
	}
	return fallback
}

// scopeObjects resolves a Location to its application and objects.
func (p *Policy) scopeObjects(l Location) (*Application, *Objects, error) {
	if l.App == "" {
		return nil, nil, fmt.Errorf("%s: only application groups live at store level: %w", l, ErrInvalid)
	}
	a, err := p.Application(l.App)
	if err != nil {
		return nil, nil, err
	}
	o, err := a.Container(l.Scope)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", l, err)
	}
	return a, o, nil
}

// CreateScope adds a scope to an application. A missing GUID is generated.
func (p *Policy) CreateScope(app string, s *Scope) error {
	a, err := p.Application(app)
	if err != nil {
		return err
	}
	if _, err := a.Scope(s.Name); err == nil {
		return fmt.Errorf("application %q: scope %q exists: %w", app, s.Name, ErrDuplicate)
	}
	fillGUID(&s.GUID)
	a.Scopes = append(a.Scopes, s)
	return nil
}

// CreateOperation adds an operation to an application.
func (p *Policy) CreateOperation(app string, o *Operation) error {
	a, err := p.Application(app)
	if err != nil {
		return err
	}
	if other, err := a.Operation(o.Name); err == nil {
		return fmt.Errorf("application %q: operation %q exists: %w", a.Name, other.Name, ErrDuplicate)
	}
	if i := slices.IndexFunc(a.Operations, func(x *Operation) bool { return x.OperationID == o.OperationID }); i >= 0 {
		return fmt.Errorf("application %q: OperationID %d is taken by operation %q: %w", a.Name, o.OperationID, a.Operations[i].Name, ErrDuplicate)
	}
	fillGUID(&o.GUID)
	a.Operations = append(a.Operations, o)
	return nil
}

// CreateTask adds a task or role definition at l.
func (p *Policy) CreateTask(l Location, t *Task) error {
	_, o, err := p.scopeObjects(l)
	if err != nil {
		return err
	}
	if _, err := o.Task(t.Name); err == nil {
		return fmt.Errorf("%s: %s %q exists: %w", l, taskKind(t), t.Name, ErrDuplicate)
	}
	fillGUID(&t.GUID)
	o.Tasks = append(o.Tasks, t)
	return nil
}

// CreateRole adds a role assignment at l.
func (p *Policy) CreateRole(l Location, r *Role) error {
	_, o, err := p.scopeObjects(l)
	if err != nil {
		return err
	}
	if _, err := o.Role(r.Name); err == nil {
		return fmt.Errorf("%s: role assignment %q exists: %w", l, r.Name, ErrDuplicate)
	}
	fillGUID(&r.GUID)
	o.Roles = append(o.Roles, r)
	return nil
}

// CreateGroup adds an application group at l (store level when l.App is "").
func (p *Policy) CreateGroup(l Location, g *Group) error {
	groups, err := p.groupList(l)
	if err != nil {
		return err
	}
	if _, err := findGroup(*groups, g.Name); err == nil {
		return fmt.Errorf("%s: application group %q exists: %w", l, g.Name, ErrDuplicate)
	}
	if g.Type == "" {
		g.Type = GroupBasic
	}
	fillGUID(&g.GUID)
	*groups = append(*groups, g)
	return nil
}

func (p *Policy) groupList(l Location) (*[]*Group, error) {
	if l.App == "" {
		return &p.Groups, nil
	}
	_, o, err := p.scopeObjects(l)
	if err != nil {
		return nil, err
	}
	return &o.Groups, nil
}

func fillGUID(g *string) {
	if *g == "" {
		*g = NewGUID()
	}
}

// Delete removes the named object at l and every link to it. An
// application (KindApplication, named by name; l is ignored) goes with
// everything in it, but never the delegation application. An operation
// still linked by a task, role definition or role assignment is not
// deleted: the ErrInUse error names them.
func (p *Policy) Delete(l Location, kind Kind, name string) error {
	var guid string
	switch kind {
	case KindApplication:
		return p.deleteApplication(name)
	case KindScope:
		a, err := p.Application(l.App)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(a.Scopes, func(s *Scope) bool { return names.Equal(s.Name, name) })
		if i < 0 {
			return notFound("scope", name)
		}
		a.Scopes = slices.Delete(a.Scopes, i, i+1)
		return nil
	case KindOperation:
		return p.deleteOperation(l.App, name)
	case KindTask, KindRoleDefinition:
		_, o, err := p.scopeObjects(l)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(o.Tasks, func(t *Task) bool { return names.Equal(t.Name, name) })
		if i < 0 {
			return fmt.Errorf("%s: %w", l, notFound(string(kind), name))
		}
		guid = o.Tasks[i].GUID
		o.Tasks = slices.Delete(o.Tasks, i, i+1)
	case KindRole:
		_, o, err := p.scopeObjects(l)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(o.Roles, func(r *Role) bool { return names.Equal(r.Name, name) })
		if i < 0 {
			return fmt.Errorf("%s: %w", l, notFound(string(kind), name))
		}
		o.Roles = slices.Delete(o.Roles, i, i+1)
		return nil
	case KindGroup:
		groups, err := p.groupList(l)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(*groups, func(g *Group) bool { return names.Equal(g.Name, name) })
		if i < 0 {
			return fmt.Errorf("%s: %w", l, notFound(string(kind), name))
		}
		guid = (*groups)[i].GUID
		*groups = slices.Delete(*groups, i, i+1)
	default:
		return fmt.Errorf("delete: unknown kind %q: %w", kind, ErrInvalid)
	}
	p.unlinkEverywhere(guid)
	return nil
}

// unlinkEverywhere removes every link to guid.
func (p *Policy) unlinkEverywhere(guid string) {
	drop := func(ls *[]string) { *ls = removeFold(*ls, guid) }
	dropGroups := func(gs []*Group) {
		for _, g := range gs {
			drop(&g.AppMemberLinks)
			drop(&g.AppNonMemberLinks)
			g.PruneTerms()
		}
	}
	dropGroups(p.Groups)
	for _, a := range p.Applications {
		for _, o := range a.allObjects() {
			for _, t := range o.Tasks {
				drop(&t.OperationLinks)
				drop(&t.TaskLinks)
			}
			for _, r := range o.Roles {
				drop(&r.TaskLinks)
				drop(&r.OperationLinks)
				drop(&r.AppMemberLinks)
				r.PruneTerms()
			}
			dropGroups(o.Groups)
		}
	}
}

// allObjects returns the application level's objects followed by each scope's.
func (a *Application) allObjects() []*Objects {
	out := []*Objects{&a.Objects}
	for _, s := range a.Scopes {
		out = append(out, &s.Objects)
	}
	return out
}

func removeFold(ss []string, v string) []string {
	return slices.DeleteFunc(ss, func(s string) bool { return names.Equal(s, v) })
}

// Link adds target to relation rel of the object kind/name at l. Targets of
// RelOperation, RelTask, RelGroup and RelNonGroup are names, resolved in the
// scope first, then at application level, then (groups) at store level.
// Adding a link that exists is an ErrDuplicate error.
func (p *Policy) Link(l Location, kind Kind, name string, rel Relation, target string) error {
	list, value, err := p.relation(l, kind, name, rel, target)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(*list, func(s string) bool { return names.Equal(s, value) }) {
		return fmt.Errorf("%s: %s %q already has %s %q: %w", l, kind, name, rel, target, ErrDuplicate)
	}
	*list = append(*list, value)
	return nil
}

// Unlink removes target from relation rel of the object kind/name at l.
func (p *Policy) Unlink(l Location, kind Kind, name string, rel Relation, target string) error {
	list, value, err := p.relation(l, kind, name, rel, target)
	if err != nil {
		return err
	}
	n := len(*list)
	*list = removeFold(*list, value)
	if len(*list) == n {
		return fmt.Errorf("%s: %s %q has no %s %q: %w", l, kind, name, rel, target, ErrNotFound)
	}
	if rel == RelMember || rel == RelGroup {
		if terms, err := p.termsOf(l, kind, name); err == nil {
			setTerm(terms, Term{Member: value}) // the term goes with the member
		}
	}
	return nil
}

// relation returns the list rel of the object and the value target stands for.
func (p *Policy) relation(l Location, kind Kind, name string, rel Relation, target string) (*[]string, string, error) {
	bad := func() (*[]string, string, error) {
		return nil, "", fmt.Errorf("a %s has no %q relation: %w", kind, rel, ErrInvalid)
	}
	if strings.TrimSpace(target) == "" {
		return nil, "", fmt.Errorf("%s: empty %s: %w", l, rel, ErrInvalid)
	}
	switch kind {
	case KindTask, KindRoleDefinition:
		a, o, err := p.scopeObjects(l)
		if err != nil {
			return nil, "", err
		}
		t, err := o.Task(name)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", l, err)
		}
		switch rel {
		case RelOperation:
			g, err := p.resolve(a, l.Scope, KindOperation, target)
			return &t.OperationLinks, g, err
		case RelTask:
			g, err := p.resolve(a, l.Scope, KindTask, target)
			return &t.TaskLinks, g, err
		}
		return bad()
	case KindRole:
		a, o, err := p.scopeObjects(l)
		if err != nil {
			return nil, "", err
		}
		r, err := o.Role(name)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", l, err)
		}
		switch rel {
		case RelOperation:
			g, err := p.resolve(a, l.Scope, KindOperation, target)
			return &r.OperationLinks, g, err
		case RelTask:
			g, err := p.resolve(a, l.Scope, KindTask, target)
			return &r.TaskLinks, g, err
		case RelMember:
			return &r.Members, strings.TrimSpace(target), nil
		case RelGroup:
			g, err := p.resolve(a, l.Scope, KindGroup, target)
			return &r.AppMemberLinks, g, err
		}
		return bad()
	case KindGroup:
		groups, err := p.groupList(l)
		if err != nil {
			return nil, "", err
		}
		g, err := findGroup(*groups, name)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", l, err)
		}
		var a *Application
		if l.App != "" {
			a, _ = p.Application(l.App)
		}
		switch rel {
		case RelMember:
			return &g.Members, strings.TrimSpace(target), nil
		case RelNonMember:
			return &g.NonMembers, strings.TrimSpace(target), nil
		case RelGroup:
			guid, err := p.resolve(a, l.Scope, KindGroup, target)
			return &g.AppMemberLinks, guid, err
		case RelNonGroup:
			guid, err := p.resolve(a, l.Scope, KindGroup, target)
			return &g.AppNonMemberLinks, guid, err
		}
		return bad()
	}
	return bad()
}

// resolve finds the GUID of the named operation, task or group in reach of
// the given scope of application a (a nil a: store level).
func (p *Policy) resolve(a *Application, scope string, kind Kind, name string) (string, error) {
	if kind == KindOperation {
		o, err := a.Operation(name)
		if err != nil {
			return "", err
		}
		return o.GUID, nil
	}
	var levels []*Objects
	if a != nil {
		if scope != "" {
			o, err := a.Container(scope)
			if err != nil {
				return "", err
			}
			levels = append(levels, o)
		}
		levels = append(levels, &a.Objects)
	}
	for _, o := range levels {
		if kind == KindTask {
			if t, err := o.Task(name); err == nil {
				return t.GUID, nil
			}
		} else if g, err := o.Group(name); err == nil {
			return g.GUID, nil
		}
	}
	if kind == KindGroup {
		if g, err := p.Group(name); err == nil {
			return g.GUID, nil
		}
	}
	return "", notFound(string(kind), name)
}
