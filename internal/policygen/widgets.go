package policygen

import (
	"errors"
	"fmt"

	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// WidgetOps is an application's own catalog: IDs far apart, so the
// checker indexes them with a map rather than a dense table.
func WidgetOps() []operations.Operation {
	return []operations.Operation{
		{ID: 1, Name: "List Widgets"},
		{ID: 2, Name: "Create Widget"},
		{ID: 70000, Name: "Delete Widget"},
		{ID: 3, Name: "Read Service Configuration"}, // a Hyper-V name with another ID
	}
}

// Widgets is a store whose application "Widgets" has the widget
// operations (in the store's own letter case and numbering), a role
// definition "Widget Admin" with all of them, one "Widget Viewer" with
// List Widgets, assigned to admins and viewers, plus "Polish Widget", which
// the catalog lacks.
func Widgets() (*policy.Policy, error) {
	p, err := (&policy.Policy{MajorVersion: 2}).Edit(func(p *policy.Policy) error {
		a := &policy.Application{Name: "Widgets"}
		p.Applications = append(p.Applications, a)
		a.GUID = policy.NewGUID()
		app := policy.Location{App: "Widgets"}
		steps := []error{
			p.CreateOperation("Widgets", &policy.Operation{Name: "list widgets", OperationID: 11}),
			p.CreateOperation("Widgets", &policy.Operation{Name: "Create Widget", OperationID: 12}),
			p.CreateOperation("Widgets", &policy.Operation{Name: "Delete Widget", OperationID: 13}),
			p.CreateOperation("Widgets", &policy.Operation{Name: "Read Service Configuration", OperationID: 3}),
			p.CreateOperation("Widgets", &policy.Operation{Name: "Polish Widget", OperationID: 14}),
			p.CreateScope("Widgets", &policy.Scope{Name: "Blue"}),
			p.CreateTask(app, &policy.Task{Name: "Widget Admin", RoleDefinition: true}),
			p.CreateTask(app, &policy.Task{Name: "Widget Viewer", RoleDefinition: true}),
			p.Link(app, policy.KindRoleDefinition, "Widget Viewer", policy.RelOperation, "List Widgets"),
			p.Link(app, policy.KindRoleDefinition, "Widget Admin", policy.RelTask, "Widget Viewer"),
			p.Link(app, policy.KindRoleDefinition, "Widget Admin", policy.RelOperation, "Create Widget"),
			p.Link(app, policy.KindRoleDefinition, "Widget Admin", policy.RelOperation, "Delete Widget"),
			p.Link(app, policy.KindRoleDefinition, "Widget Admin", policy.RelOperation, "Read Service Configuration"),
			p.Link(app, policy.KindRoleDefinition, "Widget Admin", policy.RelOperation, "Polish Widget"),
			p.CreateRole(app, &policy.Role{Name: "Admins"}),
			p.Link(app, policy.KindRole, "Admins", policy.RelTask, "Widget Admin"),
			p.Link(app, policy.KindRole, "Admins", policy.RelMember, `CORP\admins`),
			p.CreateRole(policy.Location{App: "Widgets", Scope: "Blue"}, &policy.Role{Name: "Blue Viewers"}),
			p.Link(policy.Location{App: "Widgets", Scope: "Blue"}, policy.KindRole, "Blue Viewers", policy.RelTask, "Widget Viewer"),
			p.Link(policy.Location{App: "Widgets", Scope: "Blue"}, policy.KindRole, "Blue Viewers", policy.RelMember, `CORP\viewers`),
		}
		return errors.Join(steps...)
	})
	if err != nil {
		return nil, fmt.Errorf("build the widget policy: %w", err)
	}
	return p, nil
}
