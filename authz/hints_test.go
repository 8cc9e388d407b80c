package authz

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// hintCatalog is the catalog of hintPolicy.
var hintCatalog = []operations.Operation{{ID: 1, Name: "start"}, {ID: 2, Name: "stop"}, {ID: 3, Name: "view"},
	{ID: 4, Name: "delete"}, {ID: 5, Name: "destroy"}}

// hintPolicy: role definitions VM Operator (start, stop, view) and VM
// Admin (all but destroy) at application level, Self Service (start, under
// a business rule); Secret Destroyer (destroy) defined in scope Secret.
// Role assignments: Operators (VM Operator) at application level, Lab VM
// Operators (VM Operator) in Lab, Secret Destroyers (Secret Destroyer) in
// Secret.
func hintPolicy(t *testing.T) *Checker {
	t.Helper()
	p, err := (&policy.Policy{GUID: policy.NewGUID(), MajorVersion: 2}).Edit(func(p *policy.Policy) error {
		p.Applications = append(p.Applications, &policy.Application{GUID: policy.NewGUID(), Name: "VMs", Version: "1.0"})
		app, lab, secret := policy.Location{App: "VMs"}, policy.Location{App: "VMs", Scope: "Lab"}, policy.Location{App: "VMs", Scope: "Secret"}
		var steps []error
		add := func(err error) { steps = append(steps, err) }
		for _, o := range hintCatalog {
			add(p.CreateOperation("VMs", &policy.Operation{Name: o.Name, OperationID: int(o.ID)}))
		}
		add(p.CreateScope("VMs", &policy.Scope{Name: "Lab"}))
		add(p.CreateScope("VMs", &policy.Scope{Name: "Secret"}))
		def := func(l policy.Location, name string, ops ...string) {
			add(p.CreateTask(l, &policy.Task{Name: name, RoleDefinition: true}))
			for _, o := range ops {
				add(p.Link(l, policy.KindRoleDefinition, name, policy.RelOperation, o))
			}
		}
		def(app, "VM Operator", "start", "stop", "view")
		def(app, "VM Admin", "start", "stop", "view", "delete")
		add(p.CreateTask(app, &policy.Task{Name: "Start Own", BizRule: policy.BizRule{Script: "owner == user"}}))
		add(p.Link(app, policy.KindTask, "Start Own", policy.RelOperation, "start"))
		def(app, "Self Service")
		add(p.Link(app, policy.KindRoleDefinition, "Self Service", policy.RelTask, "Start Own"))
		def(secret, "Secret Destroyer", "destroy")
		assign := func(l policy.Location, name, def string) {
			add(p.CreateRole(l, &policy.Role{Name: name}))
			add(p.Link(l, policy.KindRole, name, policy.RelTask, def))
			add(p.Link(l, policy.KindRole, name, policy.RelMember, "ops"))
		}
		assign(app, "Operators", "VM Operator")
		assign(lab, "Lab VM Operators", "VM Operator")
		assign(secret, "Secret Destroyers", "Secret Destroyer")
		return errors.Join(steps...)
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compile(p, "VMs", Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChecker_Hints(t *testing.T) {
	c := hintPolicy(t)
	tests := []struct {
		name  string
		scope string
		op    operations.ID
		want  []string
	}{
		{"start in Lab: the narrowest first, assignments before definitions", "Lab", 1, []string{
			`member of role assignment "Self Service"`, // placeholder, replaced below
		}},
		{"delete: only a definition holds it", "", 4, []string{
			`a role assignment of role definition "VM Admin" at application level`}},
		{"delete in Lab: the definition, assigned in Lab", "Lab", 4, []string{
			`a role assignment of role definition "VM Admin" in scope "Lab"`}},
		{"destroy in Secret", "Secret", 5, []string{
			`member of role assignment "Secret Destroyers" in scope "Secret"`,
			`a role assignment of role definition "Secret Destroyer" in scope "Secret"`}},
		{"destroy in Lab: what grants it lies in Secret, and is not named", "Lab", 5, nil},
		{"destroy in the default scope: neither", "", 5, nil},
	}
	tests[0].want = []string{
		`member of role assignment "Lab VM Operators" in scope "Lab"`,
		`member of role assignment "Operators" at application level`,
		`a role assignment of role definition "VM Operator" in scope "Lab"`,
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs, err := c.Hints(tc.scope, tc.op)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hs {
				got = append(got, h.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("hints\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			for _, h := range got {
				if tc.scope != "Secret" && strings.Contains(h, "Secret") {
					t.Fatalf("hint %q names scope Secret's objects", h)
				}
			}
		})
	}
	if _, err := c.Hints("Attic", 1); !errors.Is(err, ErrUnknownScope) {
		t.Fatalf("unknown scope: %v", err)
	}
	if _, err := c.Hints("", 99); !errors.Is(err, ErrUnknownOperation) {
		t.Fatalf("unknown operation: %v", err)
	}
}

func TestChecker_HintsConditional(t *testing.T) {
	c := hintPolicy(t)
	// Self Service grants start (its only operation) only when its rule
	// holds: the grants that hold for sure come first, however wider.
	hs, err := c.Hints("", 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hs {
		got = append(got, h.Name)
	}
	if strings.Join(got, ", ") != "Operators, VM Operator, VM Admin" {
		t.Fatalf("hints %v", got)
	}
	h := Hint{Kind: "role definition", Name: "Self Service", Conditional: true}
	if h.String() != `a role assignment of role definition "Self Service" at application level (when its business rule holds)` {
		t.Fatalf("%s", h)
	}
}

func TestExplain_Hints(t *testing.T) {
	c := hintPolicy(t)
	e := c.Explain(context.Background(), directory.ClientContext{Name: "eve", IDs: []string{"eve"}}, "Lab", 4, nil)
	if e.Allowed || len(e.Hints) != 1 || !strings.Contains(e.String(), `hint: a role assignment of role definition "VM Admin" in scope "Lab"`) {
		t.Fatalf("explanation %s", e)
	}
	e = c.Explain(context.Background(), directory.ClientContext{Name: "ops", IDs: []string{"ops"}}, "Lab", 1, nil)
	if !e.Allowed || e.Hints != nil {
		t.Fatalf("a grant has no hints: %+v", e)
	}
}
