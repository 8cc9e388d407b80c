package policy

import "github.com/azgate/azgate/operations"

// Well-known principals.
const (
	// AdministratorsSID is BUILTIN\Administrators.
	AdministratorsSID = "S-1-5-32-544"
)

// NewDefault returns the Hyper-V default store (InitialStore.xml): one
// application "Hyper-V services" holding every operation of the catalog,
// one role definition "Administrator" holding all of them, and one
// application-level role assignment "Administrator" whose member is
// BUILTIN\Administrators. GUIDs are fresh.
func NewDefault() *Policy {
	app := &Application{GUID: NewGUID(), Name: DefaultApplication, Description: "Hyper-V authorization policy", Version: "1.0"}
	admin := &Task{GUID: NewGUID(), Name: "Administrator", Description: "Holds every operation.", RoleDefinition: true}
	for _, op := range operations.All() {
		o := &Operation{GUID: NewGUID(), Name: op.Name, Description: op.Description, OperationID: int(op.ID)}
		app.Operations = append(app.Operations, o)
		admin.OperationLinks = append(admin.OperationLinks, o.GUID)
	}
	app.Tasks = []*Task{admin}
	app.Roles = []*Role{{
		GUID: NewGUID(), Name: "Administrator", Description: "Members of BUILTIN\\Administrators hold every operation.",
		TaskLinks: []string{admin.GUID}, Members: []string{AdministratorsSID},
	}}
	return &Policy{GUID: NewGUID(), MajorVersion: 2, MinorVersion: 0, Applications: []*Application{app}}
}
