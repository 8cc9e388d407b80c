package authz

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/policygen"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// widgetPolicy is policygen.Widgets, failing t when it cannot be built.
func widgetPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := policygen.Widgets()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func compileApp(t *testing.T, p *policy.Policy, app string, opts Options) *Checker {
	t.Helper()
	c, err := Compile(p, app, opts)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return c
}

// The store defines an application's operations: checks name them by the
// store's OperationIDs, and an ID is read against that application only.
func TestCompile_StoreOperations(t *testing.T) {
	p := widgetPolicy(t)
	c := compileApp(t, p, "Widgets", Options{})
	ops := c.Operations()
	if ops.Len() != 5 || ops.Application() != "Widgets" || ops.At(0).Name != "list widgets" || ops.At(0).ID != 11 {
		t.Errorf("Operations() = %v", ops.All())
	}
	admin, viewer := user("ann", `CORP\admins`), user("vic", `CORP\viewers`)
	tests := []struct {
		name    string
		client  directory.ClientContext
		scope   string
		op      operations.ID
		allowed bool
		err     error
		opName  string
	}{
		{"admin lists", admin, "", 11, true, nil, "list widgets"},
		{"admin creates", admin, "", 12, true, nil, "Create Widget"},
		{"admin deletes", admin, "Blue", 13, true, nil, "Delete Widget"},
		{"a Hyper-V name with the store's ID", admin, "", 3, true, nil, "Read Service Configuration"},
		{"an operation no catalog knows", admin, "", 14, true, nil, "Polish Widget"},
		{"viewer lists in Blue", viewer, "blue", 11, true, nil, "list widgets"},
		{"viewer lists at application level", viewer, "", 11, false, nil, "list widgets"},
		{"viewer creates", viewer, "Blue", 12, false, nil, "Create Widget"},
		{"a Hyper-V ID the store does not use", admin, "", operations.StartVM, false, ErrUnknownOperation, ""},
		{"ID 1 is Hyper-V's, not this application's", admin, "", 1, false, ErrUnknownOperation, ""},
		{"negative ID", admin, "", -5, false, ErrUnknownOperation, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := check1(t, c, tc.client, tc.scope, tc.op, nil)
			if err != nil {
				t.Fatalf("AccessCheck: %v", err)
			}
			if r.Allowed != tc.allowed || (tc.err != nil && !errors.Is(r.Err, tc.err)) || (tc.err == nil && r.Err != nil) {
				t.Fatalf("Allowed=%v Err=%v, want %v %v", r.Allowed, r.Err, tc.allowed, tc.err)
			}
			if r.Operation.Name != tc.opName || r.Operation.ID != tc.op {
				t.Errorf("Operation = %+v, want %q (%d)", r.Operation, tc.opName, tc.op)
			}
			if tc.err != nil && !strings.Contains(r.Err.Error(), `application "Widgets"`) {
				t.Errorf("the error does not name the application: %v", r.Err)
			}
			ex := c.Explain(context.Background(), tc.client, tc.scope, tc.op, nil)
			if ex.Allowed != tc.allowed {
				t.Errorf("Explain disagrees: %s", ex)
			}
			if tc.allowed && (len(ex.Path) == 0 || ex.Path[len(ex.Path)-1].Name != tc.opName) {
				t.Errorf("Explain path does not end at %q: %s", tc.opName, ex)
			}
		})
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("warnings: %q", w)
	}
	who, err := c.WhoCan("Blue", 11)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range who {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, ","); got != `CORP\admins,CORP\viewers` {
		t.Errorf("WhoCan(Blue, List Widgets) = %s", got)
	}
	if _, err := c.WhoCan("", operations.StartVM); !errors.Is(err, ErrUnknownOperation) {
		t.Errorf("WhoCan of a Hyper-V ID: %v", err)
	}
}

// Operations a store defines badly (by hand: stores refuse them) are left
// out with a warning each; links to them grant nothing.
func TestCompile_BadStoreOperations(t *testing.T) {
	p := widgetPolicy(t)
	a := p.Applications[0]
	a.Operations = append(a.Operations,
		&policy.Operation{GUID: policy.NewGUID(), Name: "Zero", OperationID: 0},
		&policy.Operation{GUID: policy.NewGUID(), Name: "Twelve Again", OperationID: 12},
		&policy.Operation{GUID: policy.NewGUID(), Name: " CREATE WIDGET ", OperationID: 99},
		&policy.Operation{GUID: policy.NewGUID(), Name: " ", OperationID: 98})
	for _, o := range a.Operations[5:] {
		a.Tasks[0].OperationLinks = append(a.Tasks[0].OperationLinks, o.GUID)
	}
	c := compileApp(t, p, "Widgets", Options{})
	w := strings.Join(c.Warnings(), "\n")
	for _, want := range []string{`"Zero": OperationID 0 is not positive`, `"Twelve Again": OperationID 12 is also "Create Widget"'s`,
		`" CREATE WIDGET " is defined twice`, "OperationID 98 has no name"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
	if c.Operations().Len() != 5 {
		t.Errorf("%d operations indexed, want the 5 good ones", c.Operations().Len())
	}
	for _, id := range []operations.ID{0, 98, 99} {
		if r, _ := check1(t, c, user("ann", `CORP\admins`), "", id, nil); r.Allowed || !errors.Is(r.Err, ErrUnknownOperation) {
			t.Errorf("ID %d: %+v", id, r)
		}
	}
	if r, _ := check1(t, c, user("ann", `CORP\admins`), "", 12, nil); !r.Allowed || r.Operation.Name != "Create Widget" {
		t.Errorf("ID 12: %+v", r)
	}
}

// The engine's operations are matched to the application's by name, with
// the store's IDs; the ones it lacks are one warning, and deny.
func TestCompile_EngineBinding(t *testing.T) {
	p := edit(t, policy.NewDefault(), func(p *policy.Policy) error {
		a := p.Applications[0]
		for _, o := range a.Operations {
			o.OperationID += 1000 // another writer's numbering
		}
		if o, err := a.Operation("Start Virtual Machine"); err == nil {
			o.Name = "START virtual machine"
		}
		loc := policy.Location{App: a.Name}
		return errors.Join(p.Unlink(loc, policy.KindRoleDefinition, "Administrator", policy.RelOperation, "Allow Virtual Machine Snapshot"),
			p.Delete(loc, policy.KindOperation, "Allow Virtual Machine Snapshot"))
	})
	c := compileApp(t, p, "", Options{Engine: operations.HyperV()})
	b := c.Engine()
	if b == nil || b.Checker() != c {
		t.Fatal("no engine binding")
	}
	if m := b.Missing(); len(m) != 1 || m[0].ID != operations.AllowVMSnapshot {
		t.Errorf("Missing() = %v", m)
	}
	var summaries int
	for _, w := range c.Warnings() {
		if strings.Contains(w, "of the engine's") {
			summaries++
			if !strings.Contains(w, `1 of the engine's 34 operations are not in it`) || !strings.Contains(w, `"Allow Virtual Machine Snapshot"`) {
				t.Errorf("summary: %s", w)
			}
		}
	}
	if summaries != 1 {
		t.Errorf("%d summaries of missing operations, want 1: %q", summaries, c.Warnings())
	}
	admin := user("root", policy.AdministratorsSID)
	rs, err := b.AccessCheck(context.Background(), admin, "", []operations.ID{operations.StartVM, operations.AllowVMSnapshot, 4242, operations.ViewSwitches}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rs[0].Allowed || rs[0].Operation.ID != operations.StartVM+1000 || rs[0].Operation.Name != "START virtual machine" {
		t.Errorf("Start VM through the engine's ID: %+v", rs[0])
	}
	if rs[1].Allowed || !errors.Is(rs[1].Err, ErrUnknownOperation) || !strings.Contains(rs[1].Err.Error(), `no operation "Allow Virtual Machine Snapshot"`) {
		t.Errorf("a missing operation: %+v", rs[1])
	}
	if rs[2].Allowed || !errors.Is(rs[2].Err, ErrUnknownOperation) {
		t.Errorf("an ID the engine lacks: %+v", rs[2])
	}
	if !rs[3].Allowed || rs[3].Operation.ID != operations.ViewSwitches+1000 {
		t.Errorf("View Switches: %+v", rs[3])
	}
	// Asked directly, the Checker reads IDs as the store's.
	if r, _ := check1(t, c, admin, "", operations.StartVM, nil); r.Allowed {
		t.Errorf("the engine's ID read as the store's: %+v", r)
	}
	if compileApp(t, p, "", Options{}).Engine() != nil {
		t.Error("a binding without Options.Engine")
	}
}

// An application may define far more than 64 operations: sets span words,
// and a check asking operations of several words decides each.
func TestCompile_ManyOperations(t *testing.T) {
	const n = 1000
	p := edit(t, &policy.Policy{MajorVersion: 2}, func(p *policy.Policy) error {
		a := &policy.Application{Name: "Big", GUID: policy.NewGUID()}
		p.Applications = append(p.Applications, a)
		loc := policy.Location{App: "Big"}
		var errs []error
		for i := range n {
			errs = append(errs, p.CreateOperation("Big", &policy.Operation{Name: fmt.Sprintf("Op %d", i), OperationID: 5000 + 7*i}))
		}
		// Task "Odd" holds every odd operation; "Top" holds Odd and op 999;
		// "Ruled" holds op 998 behind a rule.
		errs = append(errs, p.CreateTask(loc, &policy.Task{Name: "Odd"}), p.CreateTask(loc, &policy.Task{Name: "Top", RoleDefinition: true}),
			p.CreateTask(loc, &policy.Task{Name: "Ruled", BizRule: policy.BizRule{Script: `amount < 10`}}))
		for i := 1; i < n; i += 2 {
			errs = append(errs, p.Link(loc, policy.KindTask, "Odd", policy.RelOperation, fmt.Sprintf("Op %d", i)))
		}
		errs = append(errs, p.Link(loc, policy.KindRoleDefinition, "Top", policy.RelTask, "Odd"),
			p.Link(loc, policy.KindRoleDefinition, "Top", policy.RelOperation, "Op 998"),
			p.Link(loc, policy.KindTask, "Ruled", policy.RelOperation, "Op 0"),
			p.CreateRole(loc, &policy.Role{Name: "Tops"}),
			p.Link(loc, policy.KindRole, "Tops", policy.RelTask, "Top"),
			p.Link(loc, policy.KindRole, "Tops", policy.RelTask, "Ruled"),
			p.Link(loc, policy.KindRole, "Tops", policy.RelMember, "alice"))
		return errors.Join(errs...)
	})
	c := compileApp(t, p, "Big", Options{})
	if w := c.Warnings(); len(w) != 0 {
		t.Fatalf("warnings: %q", w)
	}
	id := func(i int) operations.ID { return operations.ID(5000 + 7*i) }
	ops := []operations.ID{id(999), id(0), id(1), id(64), id(65), id(998), id(500), id(127), 4}
	want := []bool{true, true, true, false, true, true, false, true, false}
	rs, err := c.AccessCheck(context.Background(), user("alice"), "", ops, Params{"amount": 3})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if r.Allowed != want[i] || (r.Operation.ID != ops[i] && ops[i] != 4) {
			t.Errorf("op %d: %+v, want allowed=%v", ops[i], r, want[i])
		}
	}
	if r, _ := check1(t, c, user("alice"), "", id(0), Params{"amount": 30}); r.Allowed {
		t.Errorf("op 0 with the rule false: %+v", r)
	}
	for i, o := range ops[:8] {
		if ex := c.Explain(context.Background(), user("alice"), "", o, Params{"amount": 3}); ex.Allowed != want[i] {
			t.Errorf("Explain of op %d: %s", o, ex)
		}
	}
	who, err := c.WhoCan("", id(997))
	if err != nil || len(who) != 1 || who[0].Name != "alice" || who[0].RoleDefinition != "Top" {
		t.Errorf("WhoCan(op 997) = %+v, %v", who, err)
	}
}
