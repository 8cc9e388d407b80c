package authz

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

const app = policy.DefaultApplication

var (
	appLoc = policy.Location{App: app}
	labLoc = policy.Location{App: app, Scope: "Lab"}
)

// edit applies fn to p through policy.Edit (so the result is valid) or fails the test.
func edit(t *testing.T, p *policy.Policy, fn func(p *policy.Policy) error) *policy.Policy {
	t.Helper()
	q, err := p.Edit(fn)
	if err != nil {
		t.Fatalf("edit: %v", err)
	}
	return q
}

// run stops at the first error of a sequence of edits.
func run(fns ...func() error) error {
	for _, f := range fns {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

func linkAll(p *policy.Policy, l policy.Location, kind policy.Kind, name string, rel policy.Relation, targets ...string) error {
	for _, t := range targets {
		if err := p.Link(l, kind, name, rel, t); err != nil {
			return err
		}
	}
	return nil
}

func opNames(ids ...operations.ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = operations.MustID(id).Name
	}
	return out
}

var (
	monitorOps = opNames(operations.ReadServiceConfiguration, operations.ViewVirtualSwitchMgmt, operations.AllowOutputFromVM,
		operations.ViewVMConfiguration, operations.ViewExternalEthernetPorts, operations.ViewInternalEthernetPorts,
		operations.ViewLANEndpoints, operations.ViewSwitchPorts, operations.ViewSwitches, operations.ViewVLANSettings)
	serviceReads = opNames(operations.ReadServiceConfiguration, operations.ViewVirtualSwitchMgmt)
)

func networkOps() []string {
	var out []string
	for _, o := range operations.All() {
		if o.Category == operations.Network {
			out = append(out, o.Name)
		}
	}
	return out
}

// bookPolicy is the Hyper-V book's example: Hyper-V Monitor, Virtual Network
// Manager and Hyper-V Manager at application level; Virtual Machine Manager
// defined in scope "Lab" through nested tasks, assigned to the application
// group "Lab Operators" (nested groups, non-members).
func bookPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	return edit(t, policy.NewDefault(), func(p *policy.Policy) error {
		rd := func(l policy.Location, name string, ops ...string) func() error {
			return func() error {
				if err := p.CreateTask(l, &policy.Task{Name: name, RoleDefinition: true}); err != nil {
					return err
				}
				return linkAll(p, l, policy.KindRoleDefinition, name, policy.RelOperation, ops...)
			}
		}
		task := func(l policy.Location, name string, ops ...string) func() error {
			return func() error {
				if err := p.CreateTask(l, &policy.Task{Name: name}); err != nil {
					return err
				}
				return linkAll(p, l, policy.KindTask, name, policy.RelOperation, ops...)
			}
		}
		role := func(l policy.Location, name string, defs []string, members ...string) func() error {
			return func() error {
				if err := p.CreateRole(l, &policy.Role{Name: name}); err != nil {
					return err
				}
				if err := linkAll(p, l, policy.KindRole, name, policy.RelTask, defs...); err != nil {
					return err
				}
				return linkAll(p, l, policy.KindRole, name, policy.RelMember, members...)
			}
		}
		group := func(l policy.Location, name string, members, nonMembers []string) func() error {
			return func() error {
				if err := p.CreateGroup(l, &policy.Group{Name: name}); err != nil {
					return err
				}
				if err := linkAll(p, l, policy.KindGroup, name, policy.RelMember, members...); err != nil {
					return err
				}
				return linkAll(p, l, policy.KindGroup, name, policy.RelNonMember, nonMembers...)
			}
		}
		return run(
			func() error { return p.CreateScope(app, &policy.Scope{Name: "Lab"}) },
			func() error { return p.CreateScope(app, &policy.Scope{Name: "Prod"}) },
			rd(appLoc, "Hyper-V Monitor", monitorOps...),
			rd(appLoc, "Virtual Network Manager", append(append([]string(nil), serviceReads...), networkOps()...)...),
			rd(appLoc, "Hyper-V Manager", serviceReads...),
			// Virtual Machine Manager, in Lab, through nested tasks:
			// VMM → Console (input, output) → View (view configuration); VMM → Power (pause, start, stop).
			task(labLoc, "View", operations.MustID(operations.ViewVMConfiguration).Name),
			task(labLoc, "Console", opNames(operations.AllowInputToVM, operations.AllowOutputFromVM)...),
			func() error { return p.Link(labLoc, policy.KindTask, "Console", policy.RelTask, "View") },
			task(labLoc, "Power", opNames(operations.PauseAndRestartVM, operations.StartVM, operations.StopVM)...),
			rd(labLoc, "Virtual Machine Manager"),
			func() error {
				return linkAll(p, labLoc, policy.KindRoleDefinition, "Virtual Machine Manager", policy.RelTask, "Console", "Power")
			},
			role(appLoc, "Monitors", []string{"Hyper-V Monitor"}, `CONTOSO\monitors`),
			role(appLoc, "Network Admins", []string{"Virtual Network Manager"}, `CONTOSO\alice`),
			role(appLoc, "Managers", []string{"Hyper-V Manager"}, "S-1-5-21-7-1104"),
			// Groups: Interns (store level) nested into Lab Operators (application
			// level); Contractors (scope level) excluded from it.
			group(policy.Location{}, "Interns", []string{`CONTOSO\erin`}, nil),
			group(appLoc, "Lab Operators", []string{`CONTOSO\lab-team`}, []string{`CONTOSO\carol`}),
			group(labLoc, "Contractors", []string{`CONTOSO\contractors`}, nil),
			func() error { return p.Link(appLoc, policy.KindGroup, "Lab Operators", policy.RelGroup, "Interns") },
			role(labLoc, "Lab VM Managers", []string{"Virtual Machine Manager"}),
			func() error {
				return p.Link(labLoc, policy.KindRole, "Lab VM Managers", policy.RelGroup, "Lab Operators")
			},
			func() error {
				return p.Link(labLoc, policy.KindRole, "Lab VM Managers", policy.RelGroup, "Contractors")
			},
		)
	})
}

// In the book store, Contractors are granted VMM directly (as their own group)
// but are non-members of Lab Operators: set below per test.

func user(name string, groups ...string) directory.ClientContext {
	return directory.ClientContext{Name: name, IDs: []string{name}, Groups: groups}
}

func mustCompile(t *testing.T, p *policy.Policy, opts Options) *Checker {
	t.Helper()
	c, err := Compile(p, app, opts)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return c
}

func check1(t *testing.T, c *Checker, cl directory.ClientContext, scope string, op operations.ID, params Params) (Result, error) {
	t.Helper()
	rs, err := c.AccessCheck(context.Background(), cl, scope, []operations.ID{op}, params)
	if len(rs) != 1 {
		t.Fatalf("AccessCheck returned %d results, want 1", len(rs))
	}
	return rs[0], err
}

func TestBookRoles(t *testing.T) {
	p := bookPolicy(t)
	// Contractors are non-members of Lab Operators.
	p = edit(t, p, func(p *policy.Policy) error {
		return p.Link(appLoc, policy.KindGroup, "Lab Operators", policy.RelNonGroup, "Interns")
	})
	c := mustCompile(t, p, Options{})
	var (
		monitor = user(`CONTOSO\mona`, `CONTOSO\Monitors`)
		alice   = user(`contoso\ALICE`)
		bob     = directory.ClientContext{Name: "bob", IDs: []string{`CONTOSO\bob`, "S-1-5-21-7-1104"}}
		dave    = user(`CONTOSO\dave`, `contoso\lab-team`)
		carol   = user(`CONTOSO\carol`, `CONTOSO\lab-team`)
		erin    = user(`CONTOSO\erin`)
		admin   = user(`CONTOSO\root`, policy.AdministratorsSID)
		nobody  = user(`CONTOSO\nobody`, `CONTOSO\Domain Users`)
	)
	tests := []struct {
		name   string
		client directory.ClientContext
		scope  string
		op     operations.ID
		allow  bool
		grant  Grant // checked when allowed
	}{
		{"monitor views switches", monitor, "", operations.ViewSwitches, true,
			Grant{Assignment: "Monitors", RoleDefinition: "Hyper-V Monitor", Principal: `CONTOSO\monitors`}},
		{"monitor cannot create switches", monitor, "", operations.CreateVirtualSwitch, false, Grant{}},
		{"application-level assignment holds in a scope", monitor, "Lab", operations.ViewVMConfiguration, true,
			Grant{Assignment: "Monitors", RoleDefinition: "Hyper-V Monitor", Principal: `CONTOSO\monitors`}},
		{"monitor cannot start a VM", monitor, "Lab", operations.StartVM, false, Grant{}},
		{"network manager, case-insensitive", alice, "", operations.CreateVirtualSwitch, true,
			Grant{Assignment: "Network Admins", RoleDefinition: "Virtual Network Manager", Principal: `CONTOSO\alice`}},
		{"network manager has no VM operations", alice, "", operations.StartVM, false, Grant{}},
		{"Hyper-V manager by SID", bob, "Prod", operations.ReadServiceConfiguration, true,
			Grant{Assignment: "Managers", RoleDefinition: "Hyper-V Manager", Principal: "S-1-5-21-7-1104"}},
		{"Hyper-V manager cannot reconfigure", bob, "", operations.ReconfigureService, false, Grant{}},
		{"VMM in Lab through group", dave, "Lab", operations.StartVM, true,
			Grant{Scope: "Lab", Assignment: "Lab VM Managers", RoleDefinition: "Virtual Machine Manager", Principal: "Lab Operators"}},
		{"VMM nested task two levels down", dave, "lab", operations.ViewVMConfiguration, true,
			Grant{Scope: "Lab", Assignment: "Lab VM Managers", RoleDefinition: "Virtual Machine Manager", Principal: "Lab Operators"}},
		{"VMM not in the default scope", dave, "", operations.StartVM, false, Grant{}},
		{"VMM not in another scope", dave, "Prod", operations.StartVM, false, Grant{}},
		{"VMM has no create", dave, "Lab", operations.CreateVM, false, Grant{}},
		{"non-member is never in the group", carol, "Lab", operations.StartVM, false, Grant{}},
		{"nested group member excluded by non-member group", erin, "Lab", operations.StartVM, false, Grant{}},
		{"default store: administrators hold everything", admin, "Lab", operations.AllowVMSnapshot, true,
			Grant{Assignment: "Administrator", RoleDefinition: "Administrator", Principal: policy.AdministratorsSID}},
		{"nobody else", nobody, "Lab", operations.ViewSwitches, false, Grant{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := check1(t, c, tc.client, tc.scope, tc.op, nil)
			if err != nil {
				t.Fatalf("AccessCheck: %v", err)
			}
			if r.Allowed != tc.allow {
				t.Fatalf("Allowed = %v, want %v (err %v)", r.Allowed, tc.allow, r.Err)
			}
			if r.Operation.ID != tc.op {
				t.Errorf("Operation = %v, want %d", r.Operation, tc.op)
			}
			if !tc.allow {
				if r.Grant != nil || r.Err != nil {
					t.Errorf("denial has Grant %v, Err %v", r.Grant, r.Err)
				}
				return
			}
			if r.Grant == nil || *r.Grant != tc.grant {
				t.Errorf("Grant = %+v, want %+v", r.Grant, tc.grant)
			}
		})
	}
	t.Run("unknown scope", func(t *testing.T) {
		r, err := check1(t, c, admin, "Nowhere", operations.StartVM, nil)
		if !errors.Is(err, ErrUnknownScope) || !errors.Is(r.Err, ErrUnknownScope) || r.Allowed {
			t.Fatalf("err %v, result %+v; want ErrUnknownScope and a denial", err, r)
		}
	})
	t.Run("several operations in one check", func(t *testing.T) {
		ops := []operations.ID{operations.StartVM, operations.CreateVM, operations.ViewSwitches, 4242}
		rs, err := c.AccessCheck(context.Background(), dave, "Lab", ops, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []bool{true, false, false, false}
		for i, r := range rs {
			if r.Allowed != want[i] {
				t.Errorf("op %d: Allowed = %v, want %v", ops[i], r.Allowed, want[i])
			}
		}
		if !errors.Is(rs[3].Err, ErrUnknownOperation) {
			t.Errorf("unknown operation: Err = %v", rs[3].Err)
		}
	})
	t.Run("nil context denies", func(t *testing.T) {
		//lint:ignore SA1012 a nil context is what this test is about
		rs, err := c.AccessCheck(nil, admin, "", []operations.ID{operations.StartVM}, nil) //nolint:staticcheck
		if err == nil || rs[0].Allowed || rs[0].Err == nil {
			t.Fatalf("err %v, result %+v", err, rs[0])
		}
	})
	t.Run("cancelled context denies", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rs, err := c.AccessCheck(ctx, admin, "", []operations.ID{operations.StartVM}, nil)
		if !errors.Is(err, context.Canceled) || rs[0].Allowed {
			t.Fatalf("err %v, result %+v", err, rs[0])
		}
	})
}

// A Checker is shared by concurrent requests: same answers as one at a time.
func TestConcurrentChecks(t *testing.T) {
	c := mustCompile(t, bookPolicy(t), Options{})
	clients := []directory.ClientContext{user(`CONTOSO\dave`, `contoso\lab-team`), user(`CONTOSO\carol`, `CONTOSO\lab-team`),
		user(`CONTOSO\mona`, `CONTOSO\Monitors`), user(`CONTOSO\root`, policy.AdministratorsSID)}
	ops := []operations.ID{operations.StartVM, operations.ViewSwitches, operations.CreateVM}
	scopes := []string{"", "Lab", "Prod"}
	want := map[string]bool{}
	key := func(ci, si, oi int) string { return fmt.Sprint(ci, si, oi) }
	for ci, cl := range clients {
		for si, s := range scopes {
			rs, _ := c.AccessCheck(context.Background(), cl, s, ops, nil)
			for oi := range ops {
				want[key(ci, si, oi)] = rs[oi].Allowed
			}
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				ci, si := (i+w)%len(clients), (i/3+w)%len(scopes)
				rs, _ := c.AccessCheck(context.Background(), clients[ci], scopes[si], ops, nil)
				for oi := range ops {
					if rs[oi].Allowed != want[key(ci, si, oi)] {
						errs <- fmt.Sprintf("client %d scope %q op %d: %v", ci, scopes[si], ops[oi], rs[oi].Allowed)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
