package policy

import (
	"errors"
	"strings"
	"testing"
)

// appsPolicy is the default store plus a second application "Orders" with
// operations that overlap Hyper-V's IDs, a task and a role assignment in a
// scope using one of them, and the delegation application.
func appsPolicy(t *testing.T) *Policy {
	t.Helper()
	p, err := NewDefault().Edit(func(p *Policy) error {
		if err := p.CreateApplication(&Application{Name: "Orders"}); err != nil {
			return err
		}
		// As serve adds it: CreateApplication refuses the name.
		p.Applications = append(p.Applications, &Application{GUID: NewGUID(), Name: DelegationApplication})
		orders := Location{App: "Orders"}
		for i, n := range []string{"View Purchase Order", "Approve Purchase Order", "Unused"} {
			if err := p.CreateOperation("Orders", &Operation{Name: n, OperationID: i + 1}); err != nil {
				return err
			}
		}
		if err := p.CreateTask(orders, &Task{Name: "Approver", RoleDefinition: true}); err != nil {
			return err
		}
		if err := p.Link(orders, KindTask, "Approver", RelOperation, "Approve Purchase Order"); err != nil {
			return err
		}
		if err := p.CreateScope("Orders", &Scope{Name: "East"}); err != nil {
			return err
		}
		east := Location{App: "Orders", Scope: "East"}
		if err := p.CreateRole(east, &Role{Name: "Clerks"}); err != nil {
			return err
		}
		return p.Link(east, KindRole, "Clerks", RelOperation, "approve purchase order")
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPolicy_ApplicationAndOperationEdits(t *testing.T) {
	orders := Location{App: "Orders"}
	tests := []struct {
		name    string
		edit    func(*Policy) error
		wantErr error
		wantMsg string // the error names this
		check   func(*testing.T, *Policy)
	}{
		{name: "create application", edit: func(p *Policy) error { return p.CreateApplication(&Application{Name: "Expenses"}) },
			check: func(t *testing.T, p *Policy) {
				a, err := p.Application("expenses")
				if err != nil || a.GUID == "" {
					t.Fatalf("Expenses = %+v, %v", a, err)
				}
			}},
		{name: "create application twice", edit: func(p *Policy) error { return p.CreateApplication(&Application{Name: "ORDERS"}) },
			wantErr: ErrDuplicate, wantMsg: `"Orders" exists`},
		{name: "create the delegation application", edit: func(p *Policy) error {
			return p.CreateApplication(&Application{Name: "AzGate"})
		}, wantErr: ErrDuplicate},
		{name: "rename application keeps its objects", edit: func(p *Policy) error { return p.RenameApplication("orders", "Purchasing") },
			check: func(t *testing.T, p *Policy) {
				a, err := p.Application("Purchasing")
				if err != nil || len(a.Operations) != 3 || len(a.Scopes) != 1 {
					t.Fatalf("Purchasing = %+v, %v", a, err)
				}
				if _, err := p.Application("Orders"); !errors.Is(err, ErrNotFound) {
					t.Fatalf("Orders still there: %v", err)
				}
			}},
		{name: "rename application to a taken name", edit: func(p *Policy) error { return p.RenameApplication("Orders", "hyper-v SERVICES") },
			wantErr: ErrDuplicate, wantMsg: `"Hyper-V services" exists`},
		{name: "rename application in case only", edit: func(p *Policy) error { return p.RenameApplication("Orders", "ORDERS") },
			check: func(t *testing.T, p *Policy) {
				if a, _ := p.Application("orders"); a.Name != "ORDERS" {
					t.Fatalf("name = %q", a.Name)
				}
			}},
		{name: "create the delegation application when missing", edit: func(p *Policy) error {
			if err := p.Delete(Location{}, KindApplication, "Orders"); err != nil {
				return err
			}
			p.Applications = p.Applications[:1]
			return p.CreateApplication(&Application{Name: "azgate"})
		}, wantErr: ErrInvalid, wantMsg: "delegation roles"},
		{name: "rename the delegation application", edit: func(p *Policy) error { return p.RenameApplication("azgate", "old") },
			wantErr: ErrInvalid, wantMsg: "delegation roles"},
		{name: "rename an application to azgate", edit: func(p *Policy) error {
			p.Applications = p.Applications[:2] // no delegation application
			return p.RenameApplication("Orders", "AZGATE")
		}, wantErr: ErrInvalid, wantMsg: "delegation roles"},
		{name: "rename missing application", edit: func(p *Policy) error { return p.RenameApplication("Nope", "X") }, wantErr: ErrNotFound},
		{name: "delete application", edit: func(p *Policy) error { return p.Delete(Location{}, KindApplication, "orders") },
			check: func(t *testing.T, p *Policy) {
				if len(p.Applications) != 2 {
					t.Fatalf("applications = %d", len(p.Applications))
				}
			}},
		{name: "delete the delegation application", edit: func(p *Policy) error {
			return p.Delete(Location{}, KindApplication, "Azgate")
		}, wantErr: ErrInvalid, wantMsg: "delegation roles"},
		{name: "delete missing application", edit: func(p *Policy) error { return p.Delete(Location{}, KindApplication, "Nope") }, wantErr: ErrNotFound},
		{name: "create operation", edit: func(p *Policy) error {
			return p.CreateOperation("Orders", &Operation{Name: "Start Virtual Machine", OperationID: 4})
		}, check: func(t *testing.T, p *Policy) {
			a, _ := p.Application("Orders")
			if o, err := a.Operation("start virtual machine"); err != nil || o.OperationID != 4 || o.GUID == "" {
				t.Fatalf("operation = %+v, %v", o, err)
			}
		}},
		{name: "create operation with a taken name", edit: func(p *Policy) error {
			return p.CreateOperation("Orders", &Operation{Name: "VIEW purchase order", OperationID: 40})
		}, wantErr: ErrDuplicate, wantMsg: `"View Purchase Order" exists`},
		{name: "create operation with a taken ID", edit: func(p *Policy) error {
			return p.CreateOperation("Orders", &Operation{Name: "Cancel", OperationID: 2})
		}, wantErr: ErrDuplicate, wantMsg: `OperationID 2 is taken by operation "Approve Purchase Order"`},
		{name: "create operation with another application's ID", edit: func(p *Policy) error {
			return p.CreateOperation("Orders", &Operation{Name: "Cancel", OperationID: 355})
		}},
		{name: "create operation without an ID", edit: func(p *Policy) error {
			return p.CreateOperation("Orders", &Operation{Name: "Cancel"})
		}, wantErr: ErrInvalid, wantMsg: "OperationID"},
		{name: "rename operation keeps its links", edit: func(p *Policy) error {
			return p.RenameOperation("Orders", "approve purchase order", "Approve PO")
		}, check: func(t *testing.T, p *Policy) {
			a, _ := p.Application("Orders")
			o, err := a.Operation("Approve PO")
			if err != nil {
				t.Fatal(err)
			}
			if got := a.OperationUsers(o.GUID); len(got) != 2 {
				t.Fatalf("users = %q", got)
			}
		}},
		{name: "rename operation to a taken name", edit: func(p *Policy) error {
			return p.RenameOperation("Orders", "Unused", "view purchase ORDER")
		}, wantErr: ErrDuplicate},
		{name: "rename missing operation", edit: func(p *Policy) error { return p.RenameOperation("Orders", "Nope", "X") },
			wantErr: ErrNotFound, wantMsg: `application "Orders"`},
		{name: "delete unused operation", edit: func(p *Policy) error { return p.Delete(orders, KindOperation, "unused") },
			check: func(t *testing.T, p *Policy) {
				if a, _ := p.Application("Orders"); len(a.Operations) != 2 {
					t.Fatalf("operations = %d", len(a.Operations))
				}
			}},
		{name: "delete operation in use names its users", edit: func(p *Policy) error {
			return p.Delete(orders, KindOperation, "Approve Purchase Order")
		}, wantErr: ErrInUse, wantMsg: `role definition "Approver", role assignment "Clerks" in scope "East"`},
		{name: "delete missing operation", edit: func(p *Policy) error { return p.Delete(orders, KindOperation, "Nope") }, wantErr: ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := appsPolicy(t)
			q, err := p.Edit(tc.edit)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantMsg) {
					t.Fatalf("err = %v, want %v naming %q", err, tc.wantErr, tc.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, q)
			}
		})
	}
}
