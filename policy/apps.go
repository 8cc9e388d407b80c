package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/azgate/azgate/internal/names"
)

// DelegationApplication is the application holding azgate's own delegation
// roles (Check Access, Read Policy, Write Policy). It can be edited like any
// other, but never renamed, deleted or made by renaming another: every
// azgate serving the store decides who may administer it there.
const DelegationApplication = "azgate"

// KindApplication names applications in edits (Delete).
const KindApplication Kind = "application"

// refuseDelegation refuses an edit that would remove or take the name of
// the delegation application.
func refuseDelegation(verb, name string) error {
	if names.Equal(name, DelegationApplication) {
		return fmt.Errorf("cannot %s application %q: it holds azgate's delegation roles: %w", verb, name, ErrInvalid)
	}
	return nil
}

// CreateApplication adds an application. A missing GUID is generated; an
// application whose name is taken (names.Equal) is an ErrDuplicate error.
func (p *Policy) CreateApplication(a *Application) error {
	if other, err := p.Application(a.Name); err == nil {
		return fmt.Errorf("application %q exists: %w", other.Name, ErrDuplicate)
	}
	if err := refuseDelegation("create", a.Name); err != nil {
		return err
	}
	fillGUID(&a.GUID)
	p.Applications = append(p.Applications, a)
	return nil
}

// RenameApplication renames an application; its objects and links stay as
// they are. The delegation application is neither renamed nor a new name.
func (p *Policy) RenameApplication(name, newName string) error {
	a, err := p.Application(name)
	if err != nil {
		return err
	}
	if err := refuseDelegation("rename", a.Name); err != nil {
		return err
	}
	if err := refuseDelegation(fmt.Sprintf("rename %q to", a.Name), newName); err != nil {
		return err
	}
	if other, err := p.Application(newName); err == nil && other != a {
		return fmt.Errorf("application %q exists: %w", other.Name, ErrDuplicate)
	}
	a.Name = newName
	return nil
}

// deleteApplication removes an application with everything in it. Nothing
// outside an application links into it (store-level groups reach only
// store-level groups), so no link is left dangling.
func (p *Policy) deleteApplication(name string) error {
	i := slices.IndexFunc(p.Applications, func(a *Application) bool { return names.Equal(a.Name, name) })
	if i < 0 {
		return notFound("application", name)
	}
	if err := refuseDelegation("delete", p.Applications[i].Name); err != nil {
		return err
	}
	p.Applications = slices.Delete(p.Applications, i, i+1)
	return nil
}

// RenameOperation renames an operation of an application. Links are by
// GUID, so every task and role assignment holding it keeps it.
func (p *Policy) RenameOperation(app, name, newName string) error {
	a, err := p.Application(app)
	if err != nil {
		return err
	}
	o, err := a.Operation(name)
	if err != nil {
		return fmt.Errorf("application %q: %w", a.Name, err)
	}
	if other, err := a.Operation(newName); err == nil && other != o {
		return fmt.Errorf("application %q: operation %q exists: %w", a.Name, other.Name, ErrDuplicate)
	}
	o.Name = newName
	return nil
}

// SetOperationID changes the OperationID of an operation; an ID another
// operation of the application has is an ErrDuplicate error. Links are by
// GUID and stay; callers checking by the old ID no longer reach it.
func (p *Policy) SetOperationID(app, name string, id int) error {
	a, err := p.Application(app)
	if err != nil {
		return err
	}
	o, err := a.Operation(name)
	if err != nil {
		return fmt.Errorf("application %q: %w", a.Name, err)
	}
	if i := slices.IndexFunc(a.Operations, func(x *Operation) bool { return x != o && x.OperationID == id }); i >= 0 {
		return fmt.Errorf("application %q: OperationID %d is taken by operation %q: %w", a.Name, id, a.Operations[i].Name, ErrDuplicate)
	}
	o.OperationID = id
	return nil
}

// OperationUsers lists the tasks, role definitions and role assignments of
// application a that link the operation with the given GUID, each as
// `task "T"` or `role assignment "R" in scope "S"`.
func (a *Application) OperationUsers(guid string) []string {
	var out []string
	k := guidKey(guid)
	has := func(links []string) bool {
		return slices.ContainsFunc(links, func(l string) bool { return guidKey(l) == k })
	}
	for i, o := range a.allObjects() {
		where := ""
		if i > 0 {
			where = fmt.Sprintf(" in scope %q", a.Scopes[i-1].Name)
		}
		for _, t := range o.Tasks {
			if has(t.OperationLinks) {
				out = append(out, fmt.Sprintf("%s %q%s", taskKind(t), t.Name, where))
			}
		}
		for _, r := range o.Roles {
			if has(r.OperationLinks) {
				out = append(out, fmt.Sprintf("role assignment %q%s", r.Name, where))
			}
		}
	}
	return out
}

// deleteOperation removes an operation no task, role definition or role
// assignment links; one still linked is an ErrInUse error naming them.
func (p *Policy) deleteOperation(app, name string) error {
	a, err := p.Application(app)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(a.Operations, func(o *Operation) bool { return names.Equal(o.Name, name) })
	if i < 0 {
		return fmt.Errorf("application %q: %w", a.Name, notFound("operation", name))
	}
	if users := a.OperationUsers(a.Operations[i].GUID); len(users) > 0 {
		return fmt.Errorf("application %q: operation %q is used by %s; remove it from them first: %w",
			a.Name, a.Operations[i].Name, strings.Join(users, ", "), ErrInUse)
	}
	a.Operations = slices.Delete(a.Operations, i, i+1)
	return nil
}
