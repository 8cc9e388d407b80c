package main

import (
	"errors"

	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// appName is the AzMan application of the widget server in a policy store.
const appName = "Widget Service"

// The widget server's own operations, as the example store defines them
// (the store is their source of truth: the routes name them by name, and
// the gate finds each one's OperationID in the store's "Widget Service").
const (
	ListWidgets  operations.ID = 1
	ViewWidget   operations.ID = 2
	CreateWidget operations.ID = 3
	PolishWidget operations.ID = 4
	DeleteWidget operations.ID = 5
)

// catalog is the operations examplePolicy gives application "Widget
// Service".
var catalog = []operations.Operation{
	{ID: ListWidgets, Name: "List Widgets", Description: "List the widgets of a scope."},
	{ID: ViewWidget, Name: "View Widget", Description: "Read one widget."},
	{ID: CreateWidget, Name: "Create Widget", Description: "Create a widget."},
	{ID: PolishWidget, Name: "Polish Widget", Description: "Polish a widget (change its state)."},
	{ID: DeleteWidget, Name: "Delete Widget", Description: "Delete a widget."},
}

// Principals of the example policy.
const (
	viewersGroup     = `CONTOSO\Widget-Viewers`
	labStaffGroup    = `CONTOSO\Lab-Staff`
	contractorsGroup = `CONTOSO\Contractors`
)

// examplePolicy is the embedded store: application "Widget Service" with
// the catalog's operations and
//
//   - "Widget Viewer" (List Widgets, View Widget), held at application level
//     by CONTOSO\Widget-Viewers;
//   - "Widget Operator" (Widget Viewer, Create Widget, Polish Widget), held
//     in scope "Lab" by the application group "Lab Operators": members of
//     CONTOSO\Lab-Staff except CONTOSO\Contractors (a non-member);
//   - "Widget Administrator" (every operation), held at application level
//     by BUILTIN\Administrators.
func examplePolicy() (*policy.Policy, error) {
	return (&policy.Policy{GUID: policy.NewGUID(), MajorVersion: 2}).Edit(func(p *policy.Policy) error {
		p.Applications = append(p.Applications, &policy.Application{GUID: policy.NewGUID(), Name: appName, Version: "1.0",
			Description: "The gatedserver example: widgets behind azgate's middleware."})
		app := policy.Location{App: appName}
		lab := policy.Location{App: appName, Scope: "Lab"}
		var steps []error
		add := func(err error) { steps = append(steps, err) }
		for _, o := range catalog {
			add(p.CreateOperation(appName, &policy.Operation{Name: o.Name, Description: o.Description, OperationID: int(o.ID)}))
		}
		add(p.CreateScope(appName, &policy.Scope{Name: "Lab", Description: "Widgets of the lab."}))
		add(p.CreateTask(app, &policy.Task{Name: "Widget Viewer", RoleDefinition: true}))
		add(p.Link(app, policy.KindRoleDefinition, "Widget Viewer", policy.RelOperation, "List Widgets"))
		add(p.Link(app, policy.KindRoleDefinition, "Widget Viewer", policy.RelOperation, "View Widget"))
		add(p.CreateTask(app, &policy.Task{Name: "Widget Operator", RoleDefinition: true}))
		add(p.Link(app, policy.KindRoleDefinition, "Widget Operator", policy.RelTask, "Widget Viewer"))
		add(p.Link(app, policy.KindRoleDefinition, "Widget Operator", policy.RelOperation, "Create Widget"))
		add(p.Link(app, policy.KindRoleDefinition, "Widget Operator", policy.RelOperation, "Polish Widget"))
		add(p.CreateTask(app, &policy.Task{Name: "Widget Administrator", RoleDefinition: true}))
		for _, o := range catalog {
			add(p.Link(app, policy.KindRoleDefinition, "Widget Administrator", policy.RelOperation, o.Name))
		}
		add(p.CreateRole(app, &policy.Role{Name: "Widget Administrators"}))
		add(p.Link(app, policy.KindRole, "Widget Administrators", policy.RelTask, "Widget Administrator"))
		add(p.Link(app, policy.KindRole, "Widget Administrators", policy.RelMember, policy.AdministratorsSID))
		add(p.CreateRole(app, &policy.Role{Name: "Widget Viewers"}))
		add(p.Link(app, policy.KindRole, "Widget Viewers", policy.RelTask, "Widget Viewer"))
		add(p.Link(app, policy.KindRole, "Widget Viewers", policy.RelMember, viewersGroup))
		add(p.CreateGroup(lab, &policy.Group{Name: "Lab Operators", Type: policy.GroupBasic}))
		add(p.Link(lab, policy.KindGroup, "Lab Operators", policy.RelMember, labStaffGroup))
		add(p.Link(lab, policy.KindGroup, "Lab Operators", policy.RelNonMember, contractorsGroup))
		add(p.CreateRole(lab, &policy.Role{Name: "Lab Widget Operators"}))
		add(p.Link(lab, policy.KindRole, "Lab Widget Operators", policy.RelTask, "Widget Operator"))
		add(p.Link(lab, policy.KindRole, "Lab Widget Operators", policy.RelGroup, "Lab Operators"))
		return errors.Join(steps...)
	})
}
