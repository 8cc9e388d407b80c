package engine

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
)

// testAuthz is a tiny stand-in for the authz checker: it grants
// (principal, scope) → operations, and, as AzMan does, grants made in the
// default scope ("") apply in every scope. A scope it does not know is an
// error, like the real checker's unknown scope.
type testAuthz struct {
	mu     sync.Mutex
	scopes map[string]bool
	grants map[string]map[string]map[operations.ID]bool // principal → scope → ops
}

func newTestAuthz(scopes ...string) *testAuthz {
	a := &testAuthz{scopes: map[string]bool{"": true}, grants: map[string]map[string]map[operations.ID]bool{}}
	for _, s := range scopes {
		a.scopes[s] = true
	}
	return a
}

// grant gives principal the operations in scope and returns its client
// context.
func (a *testAuthz) grant(principal, scope string, ops ...operations.ID) directory.ClientContext {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.grants[principal] == nil {
		a.grants[principal] = map[string]map[operations.ID]bool{}
	}
	if a.grants[principal][scope] == nil {
		a.grants[principal][scope] = map[operations.ID]bool{}
	}
	for _, op := range ops {
		a.grants[principal][scope][op] = true
	}
	return client(principal)
}

func client(principal string) directory.ClientContext {
	return directory.ClientContext{Name: principal, IDs: []string{principal}}
}

func (a *testAuthz) AccessCheck(ctx context.Context, c directory.ClientContext, scope string, ops []operations.ID, _ authz.Params) ([]authz.Result, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.scopes[scope] {
		return nil, fmt.Errorf("unknown scope %q", scope)
	}
	out := make([]authz.Result, len(ops))
	for i, id := range ops {
		op, err := operations.ByID(id)
		if err != nil {
			return nil, err
		}
		out[i] = authz.Result{Operation: op}
		for _, p := range append(slices.Clone(c.IDs), c.Groups...) {
			for _, s := range []string{"", scope} {
				if a.grants[p][s][id] {
					out[i].Allowed = true
					out[i].Grant = &authz.Grant{Scope: s, Assignment: "test", RoleDefinition: "test", Principal: p}
				}
			}
		}
	}
	return out, nil
}

// allOps returns every catalog operation ID except the excluded ones.
func allOps(except ...operations.ID) []operations.ID {
	var out []operations.ID
	for _, o := range operations.All() {
		if !slices.Contains(except, o.ID) {
			out = append(out, o.ID)
		}
	}
	return out
}

// decisions records every decision of an engine.
type decisions struct {
	mu  sync.Mutex
	all []Decision
}

func (d *decisions) add(_ context.Context, x Decision) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.all = append(d.all, x)
}

func (d *decisions) take() []Decision {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.all
	d.all = nil
	return out
}

// openTest opens an engine on a fresh directory.
func openTest(t *testing.T, a Authorizer) (*Engine, *decisions, string) {
	t.Helper()
	dir := t.TempDir()
	e, d := openDir(t, dir, a)
	return e, d, dir
}

func openDir(t *testing.T, dir string, a Authorizer) (*Engine, *decisions) {
	t.Helper()
	d := &decisions{}
	e, err := Open(context.Background(), Config{Dir: dir, Authorizer: a, OnDecision: d.add,
		DecisionPoint: func(context.Context, directory.ClientContext) error { return nil }})
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e, d
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// hostIfaces returns the names of the host's interfaces, non-loopback
// first.
func hostIfaces(t *testing.T) []string {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil || len(ifs) == 0 {
		t.Fatalf("no host interfaces: %v", err)
	}
	var out, lo []string
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 {
			lo = append(lo, i.Name)
		} else {
			out = append(out, i.Name)
		}
	}
	return append(out, lo...)
}

func hostIface(t *testing.T) string { return hostIfaces(t)[0] }

// fixture fills an engine with one object of every kind, in scope S1:
// VM off1 (Off, adapters nic1 and nic2, snapshot snap1), VM run1 (Running),
// VM paused1 (Paused), switch sw1 with ports p1 (disconnected) and p2
// (connected to internal port ip1), switch sw2 bound to a host interface,
// internal ports ip1 and ip2.
func fixture(t *testing.T, e *Engine, admin directory.ClientContext) {
	t.Helper()
	ctx := context.Background()
	mustVM := must[VM](t)
	mustVM(e.CreateVM(ctx, admin, VMSpec{Name: "off1", MemoryMB: 512, Processors: 1, Scope: "S1", NetworkAdapters: []string{"nic1", "nic2"}}))
	must[Snapshot](t)(e.CreateSnapshot(ctx, admin, "off1", "snap1"))
	mustVM(e.CreateVM(ctx, admin, VMSpec{Name: "run1", MemoryMB: 1024, Processors: 2, Scope: "S1"}))
	mustVM(e.StartVM(ctx, admin, "run1"))
	mustVM(e.CreateVM(ctx, admin, VMSpec{Name: "paused1", MemoryMB: 1024, Processors: 2, Scope: "S1"}))
	mustVM(e.StartVM(ctx, admin, "paused1"))
	mustVM(e.PauseVM(ctx, admin, "paused1"))
	mustSw := must[Switch](t)
	mustSw(e.CreateSwitch(ctx, admin, SwitchSpec{Name: "sw1", Scope: "S1"}))
	mustSw(e.CreateSwitch(ctx, admin, SwitchSpec{Name: "sw2", Scope: "S1"}))
	mustSw(e.BindExternalPort(ctx, admin, "sw2", hostIface(t)))
	mustIP := must[InternalPort](t)
	mustIP(e.CreateInternalPort(ctx, admin, InternalPortSpec{Name: "ip1"}))
	mustIP(e.CreateInternalPort(ctx, admin, InternalPortSpec{Name: "ip2"}))
	mustPort := must[Port](t)
	mustPort(e.CreatePort(ctx, admin, PortSpec{Name: "p1", Switch: "sw1", Scope: "S1"}))
	mustPort(e.CreatePort(ctx, admin, PortSpec{Name: "p2", Switch: "sw1", Scope: "S1"}))
	mustPort(e.ConnectPort(ctx, admin, "p2", Connection{InternalPort: "ip1"}))
}
