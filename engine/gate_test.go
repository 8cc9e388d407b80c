package engine

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
)

// ungated are the exported methods of *Engine that touch no state.
func ungated() []string { return []string{"Close"} }

// TestGateTable_CoversEveryMethod fails when an exported method of *Engine
// has no entry in the gate table, or the table names a method that does not
// exist, or an entry names an operation missing from the catalog.
func TestGateTable_CoversEveryMethod(t *testing.T) {
	table := gateTable()
	typ := reflect.TypeFor[*Engine]()
	methods := map[string]bool{}
	for m := range typ.Methods() {
		methods[m.Name] = true
		if slices.Contains(ungated(), m.Name) {
			continue
		}
		if _, ok := table[m.Name]; !ok {
			t.Errorf("exported method (*Engine).%s has no entry in gateTable", m.Name)
		}
	}
	for name, rule := range table {
		if !methods[name] {
			t.Errorf("gateTable names %q, which is not a method of *Engine", name)
		}
		if len(rule.needs) == 0 {
			t.Errorf("gateTable[%q]: no needs", name)
		}
		roles, kinds := map[role]bool{}, map[kind]bool{}
		for _, n := range rule.needs {
			if _, err := operations.ByID(n.op); err != nil {
				t.Errorf("gateTable[%q]: %v", name, err)
			}
			if n.role < roleService || n.role > roleExternal || n.mode < required || n.mode > shown {
				t.Errorf("gateTable[%q]: need %+v has no role or mode", name, n)
			}
			if roles[n.role] {
				t.Errorf("gateTable[%q]: role %s twice", name, n.role)
			}
			roles[n.role] = true
			// A list's permit is by kind: one need per kind.
			if rule.list && kinds[n.role.kind()] {
				t.Errorf("gateTable[%q]: list with two needs on %s", name, n.role.kind().label())
			}
			kinds[n.role.kind()] = true
		}
	}
	// Only *Engine may have methods among the exported types (apart from the
	// error type and the state enum's String).
	if n := reflect.TypeFor[Engine]().NumMethod(); n != 0 {
		t.Errorf("Engine (non-pointer) has %d methods", n)
	}
}

// call runs one engine method against the fixture as c and returns how many
// objects it returned (1 for a non-list call).
type call func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error)

func one[T any](_ T, err error) (int, error) { return 1, err }
func none(err error) (int, error)            { return 1, err }
func count[T any](l []T, err error) (int, error) {
	return len(l), err
}

func ptr[T any](v T) *T { return &v }

// calls has one successful call per gated method against the fixture.
// ifaces are the host's interfaces; the fixture binds the first to sw2, and
// BindExternalPort binds the second to sw1 (or, on a host with only one,
// unbinds sw2 first).
func calls(ifaces []string) map[string]call {
	return map[string]call{
		"GetServiceConfig": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.GetServiceConfig(ctx, c))
		},
		"SetServiceConfig": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.SetServiceConfig(ctx, c, ServiceUpdate{ConsoleBufferBytes: ptr(4096)}))
		},
		"GetSwitchService": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.GetSwitchService(ctx, c))
		},
		"CreateVM": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.CreateVM(ctx, c, VMSpec{Name: "new", MemoryMB: 256, Processors: 1, Scope: "S1"}))
		},
		"DeleteVM": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return none(e.DeleteVM(ctx, c, "off1"))
		},
		"GetVM": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.GetVM(ctx, c, "off1"))
		},
		"ListVMs": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return count(e.ListVMs(ctx, c))
		},
		"StartVM": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.StartVM(ctx, c, "off1"))
		},
		"StopVM": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.StopVM(ctx, c, "run1"))
		},
		"SaveVM": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.SaveVM(ctx, c, "run1"))
		},
		"PauseVM": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.PauseVM(ctx, c, "run1"))
		},
		"ResumeVM": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.ResumeVM(ctx, c, "paused1"))
		},
		"ReconfigureVM": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.ReconfigureVM(ctx, c, "off1", VMUpdate{MemoryMB: ptr(2048), Notes: ptr("bigger")}))
		},
		"SendConsoleInput": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return none(e.SendConsoleInput(ctx, c, "run1", "dir\n"))
		},
		"ReadConsole": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.ReadConsole(ctx, c, "run1"))
		},
		"SetVMScope": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.SetVMScope(ctx, c, "off1", "S2"))
		},
		"CreateSnapshot": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.CreateSnapshot(ctx, c, "off1", "snap2"))
		},
		"ListSnapshots": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return count(e.ListSnapshots(ctx, c, "off1"))
		},
		"ApplySnapshot": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.ApplySnapshot(ctx, c, "off1", "snap1"))
		},
		"DeleteSnapshot": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return none(e.DeleteSnapshot(ctx, c, "off1", "snap1"))
		},
		"CreateSwitch": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.CreateSwitch(ctx, c, SwitchSpec{Name: "sw3", Scope: "S1"}))
		},
		"DeleteSwitch": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return none(e.DeleteSwitch(ctx, c, "sw2"))
		},
		"ModifySwitch": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.ModifySwitch(ctx, c, "sw1", SwitchUpdate{Name: ptr("sw1-renamed"), Notes: ptr("n")}))
		},
		"GetSwitch": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.GetSwitch(ctx, c, "sw1"))
		},
		"ListSwitches": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return count(e.ListSwitches(ctx, c))
		},
		"CreatePort": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.CreatePort(ctx, c, PortSpec{Name: "p3", Switch: "sw1", Scope: "S1"}))
		},
		"DeletePort": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return none(e.DeletePort(ctx, c, "p1"))
		},
		"ModifyPort": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.ModifyPort(ctx, c, "p1", PortUpdate{Notes: ptr("uplink")}))
		},
		"GetPort": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.GetPort(ctx, c, "p1"))
		},
		"VMDecisionScopes": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return count(e.VMDecisionScopes(ctx, c, "off1"))
		},
		"SwitchDecisionScopes": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return count(e.SwitchDecisionScopes(ctx, c, "sw1"))
		},
		"PortDecisionScopes": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return count(e.PortDecisionScopes(ctx, c, "p1"))
		},
		"ListPorts": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return count(e.ListPorts(ctx, c))
		},
		"ConnectPort": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.ConnectPort(ctx, c, "p1", Connection{VM: "off1", Adapter: "nic1"}))
		},
		"DisconnectPort": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.DisconnectPort(ctx, c, "p2"))
		},
		"GetPortVLAN": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.GetPortVLAN(ctx, c, "p1"))
		},
		"SetPortVLAN": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.SetPortVLAN(ctx, c, "p1", VLAN{AccessVLANID: 42}))
		},
		"CreateInternalPort": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.CreateInternalPort(ctx, c, InternalPortSpec{Name: "ip3"}))
		},
		"DeleteInternalPort": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return none(e.DeleteInternalPort(ctx, c, "ip2"))
		},
		"ModifyInternalPort": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.ModifyInternalPort(ctx, c, "ip2", InternalPortUpdate{Name: ptr("ip2-renamed")}))
		},
		"ListInternalPorts": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return count(e.ListInternalPorts(ctx, c))
		},
		"ListExternalPorts": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return count(e.ListExternalPorts(ctx, c))
		},
		"BindExternalPort": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			if len(ifaces) > 1 {
				return one(e.BindExternalPort(ctx, c, "sw1", ifaces[1]))
			}
			if _, err := e.UnbindExternalPort(ctx, client("admin"), "sw2"); err != nil {
				return 0, err
			}
			return one(e.BindExternalPort(ctx, c, "sw1", ifaces[0]))
		},
		"UnbindExternalPort": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return one(e.UnbindExternalPort(ctx, c, "sw2"))
		},
		"ListLANEndpoints": func(ctx context.Context, e *Engine, c directory.ClientContext) (int, error) {
			return count(e.ListLANEndpoints(ctx, c))
		},
	}
}

// TestGate_EveryOperation checks, for each of the 34 catalog operations, that
// a principal holding only that operation succeeds at every engine call
// mapped to it, and that a principal holding every other operation is denied
// (or, for a list, sees nothing).
func TestGate_EveryOperation(t *testing.T) {
	testEveryOperation(t, func(scopes ...string) granter { return newTestAuthz(scopes...) })
}

// TestGate_EveryOperationRealChecker runs the same walk with decisions made
// by the real authz checker, compiled from an AzMan policy in which each
// grant is a role definition and a role assignment.
func TestGate_EveryOperationRealChecker(t *testing.T) {
	testEveryOperation(t, func(scopes ...string) granter { return newRealAuthz(t, scopes...) })
}

// granter is an Authorizer whose grants a test can add.
type granter interface {
	Authorizer
	grant(principal, scope string, ops ...operations.ID) directory.ClientContext
}

// ruleOps returns the operations of a rule's needs, leaving out those that
// only show an object.
func ruleOps(r gateRule, withShown bool) []operations.ID {
	var out []operations.ID
	for _, n := range r.needs {
		if (withShown || n.mode != shown) && !slices.Contains(out, n.op) {
			out = append(out, n.op)
		}
	}
	return out
}

// testEveryOperation checks, for every gated method, that a principal
// holding just the operations its gate rule needs succeeds, and that for
// each operation the call decided, a principal holding every other
// operation is denied naming it (a list: sees nothing). Every catalog
// operation must be needed by some method.
func testEveryOperation(t *testing.T, newAz func(scopes ...string) granter) {
	ctx := context.Background()
	table := gateTable()
	cs := calls(hostIfaces(t))
	for name := range table {
		if cs[name] == nil {
			t.Errorf("no test call for gated method %s", name)
		}
	}

	// Denials change nothing, so one fixture serves every denial.
	denyAz := newAz("S1", "S2")
	denyEngine, denyDecisions, _ := openTest(t, denyAz)
	fixture(t, denyEngine, denyAz.grant("admin", "", allOps()...))

	ops := operations.All()
	if len(ops) != operations.Count {
		t.Fatalf("catalog has %d operations, want %d", len(ops), operations.Count)
	}
	for _, op := range ops {
		used := false
		for _, rule := range table {
			used = used || slices.Contains(ruleOps(rule, true), op.ID)
		}
		if !used {
			t.Errorf("operation %q (%d) has no engine call", op.Name, op.ID)
		}
	}
	methods := slices.Sorted(maps.Keys(table))
	for _, m := range methods {
		rule := table[m]
		t.Run(m, func(t *testing.T) {
			// The holder: only the rule's operations, in the default scope.
			az := newAz("S1", "S2")
			e, d, _ := openTest(t, az)
			fixture(t, e, az.grant("admin", "", allOps()...))
			holder := az.grant("holder", "", ruleOps(rule, false)...)
			d.take()
			n, err := cs[m](ctx, e, holder)
			if err != nil {
				t.Fatalf("%s as holder of %v: %v", m, ruleOps(rule, false), err)
			}
			if n == 0 {
				t.Errorf("%s as holder returned nothing", m)
			}
			var decided []operations.ID
			for _, dec := range d.take() {
				if !slices.Contains(ruleOps(rule, true), dec.Operation.ID) || dec.Principal != "holder" {
					t.Errorf("%s: unexpected decision %+v", m, dec)
				}
				if dec.Allowed && !slices.Contains(decided, dec.Operation.ID) {
					decided = append(decided, dec.Operation.ID)
				}
			}
			for _, id := range decided {
				op := operations.MustID(id)
				// The other: every operation but this one.
				other := denyAz.grant("not-"+op.Name, "", allOps(op.ID)...)
				denyDecisions.take()
				n, err = cs[m](ctx, denyEngine, other)
				if rule.list {
					if err != nil || n != 0 {
						t.Errorf("%s without %q: got %d objects, err %v; want none", m, op.Name, n, err)
					}
				} else {
					var de *DeniedError
					if !errors.Is(err, ErrAccessDenied) || !errors.As(err, &de) {
						t.Fatalf("%s without %q: err %v, want a denial", m, op.Name, err)
					}
					want := op.ID
					if de.Conn { // the far end of a connection: the port's operation
						n, _ := rule.need(rolePort)
						want = n.op
					}
					if de.Operation.ID != want {
						t.Errorf("%s: denial names %q, want %q", m, de.Operation.Name, operations.MustID(want).Name)
					}
				}
				denied := false
				for _, dec := range denyDecisions.take() {
					denied = denied || (!dec.Allowed && dec.Operation.ID == op.ID)
				}
				if !denied {
					t.Errorf("%s without %q: no denied decision reported", m, op.Name)
				}
			}
		})
	}
}

// state is everything an administrator can see, for before/after checks.
func state(t *testing.T, e *Engine, admin directory.ClientContext) string {
	t.Helper()
	ctx := context.Background()
	var parts []any
	parts = append(parts, must[[]VM](t)(e.ListVMs(ctx, admin)))
	parts = append(parts, must[[]Switch](t)(e.ListSwitches(ctx, admin)))
	parts = append(parts, must[[]Port](t)(e.ListPorts(ctx, admin)))
	parts = append(parts, must[[]InternalPort](t)(e.ListInternalPorts(ctx, admin)))
	parts = append(parts, must[ServiceConfig](t)(e.GetServiceConfig(ctx, admin)))
	for _, vm := range []string{"off1", "run1", "paused1"} {
		parts = append(parts, must[[]Snapshot](t)(e.ListSnapshots(ctx, admin, vm)))
		parts = append(parts, must[Console](t)(e.ReadConsole(ctx, admin, vm)))
	}
	raw, err := json.Marshal(parts)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// TestGate_NothingWithoutDecision calls every exported method of *Engine by
// reflection, with zero-valued arguments, as a principal granted nothing:
// each must be denied (lists: return nothing), report at least one denied
// decision, and leave the state untouched.
func TestGate_NothingWithoutDecision(t *testing.T) {
	ctx := context.Background()
	az := newTestAuthz("S1", "S2")
	e, d, _ := openTest(t, az)
	admin := az.grant("admin", "", allOps()...)
	fixture(t, e, admin)
	before := state(t, e, admin)
	nobody := client("nobody")
	table := gateTable()

	v := reflect.ValueOf(e)
	typ := v.Type()
	for m := range typ.Methods() {
		if slices.Contains(ungated(), m.Name) {
			continue
		}
		t.Run(m.Name, func(t *testing.T) {
			ft := m.Type // includes the receiver
			args := []reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(nobody)}
			if ft.NumIn() < 3 || ft.In(1) != reflect.TypeFor[context.Context]() || ft.In(2) != reflect.TypeFor[directory.ClientContext]() {
				t.Fatalf("(*Engine).%s does not take (ctx, client context, ...)", m.Name)
			}
			for i := 3; i < ft.NumIn(); i++ {
				args = append(args, reflect.Zero(ft.In(i)))
			}
			d.take()
			out := v.Method(m.Index).Call(args)
			errV := out[len(out)-1].Interface()
			err, _ := errV.(error)
			if table[m.Name].list {
				if err != nil || out[0].Len() != 0 {
					t.Errorf("%s as nobody: %d objects, err %v; want none", m.Name, out[0].Len(), err)
				}
			} else if !errors.Is(err, ErrAccessDenied) {
				t.Errorf("%s as nobody: err %v, want access denied", m.Name, err)
			}
			decs := d.take()
			if len(decs) == 0 {
				t.Errorf("%s as nobody: no decision", m.Name)
			}
			for _, dec := range decs {
				if dec.Allowed || dec.Principal != "nobody" || !slices.Contains(ruleOps(table[m.Name], true), dec.Operation.ID) {
					t.Errorf("%s as nobody: decision %+v", m.Name, dec)
				}
			}
		})
	}
	if after := state(t, e, admin); after != before {
		t.Errorf("state changed by denied calls:\nbefore %s\nafter  %s", before, after)
	}
}

func TestGate_ListFiltering(t *testing.T) {
	ctx := context.Background()
	az := newTestAuthz("S1", "S2")
	e, _, _ := openTest(t, az)
	admin := az.grant("admin", "", allOps()...)
	for _, s := range []string{"", "S1", "S2"} {
		must[VM](t)(e.CreateVM(ctx, admin, VMSpec{Name: "vm-" + s, MemoryMB: 128, Processors: 1, Scope: s}))
		must[Switch](t)(e.CreateSwitch(ctx, admin, SwitchSpec{Name: "sw-" + s, Scope: s}))
		must[Port](t)(e.CreatePort(ctx, admin, PortSpec{Name: "p-" + s, Switch: "sw-" + s, Scope: s}))
		must[InternalPort](t)(e.CreateInternalPort(ctx, admin, InternalPortSpec{Name: "ip-" + s}))
		must[Port](t)(e.ConnectPort(ctx, admin, "p-"+s, Connection{InternalPort: "ip-" + s}))
	}
	alice := az.grant("alice", "S1", operations.ViewVMConfiguration, operations.ViewSwitches, operations.ViewSwitchPorts, operations.ViewLANEndpoints)
	bob := az.grant("bob", "S2", operations.ViewVMConfiguration)
	carol := az.grant("carol", "S1", operations.ViewLANEndpoints)
	az.grant("carol", "", operations.ViewInternalEthernetPorts)
	az.grant("bob", "", operations.ViewSwitchPorts)

	names := func(n int, f func(i int) string) []string {
		var out []string
		for i := range n {
			out = append(out, f(i))
		}
		return out
	}
	tests := []struct {
		name string
		list func(c directory.ClientContext) []string
		who  directory.ClientContext
		want []string
	}{
		{"vms/admin", vmNames(t, e), admin, []string{"vm-", "vm-S1", "vm-S2"}},
		{"vms/alice", vmNames(t, e), alice, []string{"vm-S1"}},
		{"vms/bob", vmNames(t, e), bob, []string{"vm-S2"}},
		{"switches/alice", func(c directory.ClientContext) []string {
			l := must[[]Switch](t)(e.ListSwitches(ctx, c))
			return names(len(l), func(i int) string { return l[i].Name })
		}, alice, []string{"sw-S1"}},
		{"switches/bob", func(c directory.ClientContext) []string {
			l := must[[]Switch](t)(e.ListSwitches(ctx, c))
			return names(len(l), func(i int) string { return l[i].Name })
		}, bob, nil},
		{"ports/alice", func(c directory.ClientContext) []string {
			l := must[[]Port](t)(e.ListPorts(ctx, c))
			return names(len(l), func(i int) string { return l[i].Name })
		}, alice, []string{"p-S1"}},
		// A default-scope grant applies in every scope.
		{"ports/bob", func(c directory.ClientContext) []string {
			l := must[[]Port](t)(e.ListPorts(ctx, c))
			return names(len(l), func(i int) string { return l[i].Name })
		}, bob, []string{"p-", "p-S1", "p-S2"}},
		{"endpoints/alice", func(c directory.ClientContext) []string {
			l := must[[]LANEndpoint](t)(e.ListLANEndpoints(ctx, c))
			return names(len(l), func(i int) string { return l[i].Port + ">" + l[i].Target })
		}, alice, []string{"p-S1>"}}, // the internal port is the host's: not alice's to view
		{"endpoints/carol", func(c directory.ClientContext) []string {
			l := must[[]LANEndpoint](t)(e.ListLANEndpoints(ctx, c))
			return names(len(l), func(i int) string { return l[i].Port + ">" + l[i].Target })
		}, carol, []string{"p-S1>ip-S1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.list(tt.who); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	// Single-object views follow the same scopes.
	if _, err := e.GetVM(ctx, alice, "vm-S2"); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("alice GetVM(vm-S2): %v, want denied", err)
	}
	if vm, err := e.GetVM(ctx, alice, "vm-S1"); err != nil || vm.Scope != "S1" {
		t.Errorf("alice GetVM(vm-S1) = %+v, %v", vm, err)
	}
}

func vmNames(t *testing.T, e *Engine) func(c directory.ClientContext) []string {
	return func(c directory.ClientContext) []string {
		var out []string
		for _, vm := range must[[]VM](t)(e.ListVMs(context.Background(), c)) {
			out = append(out, vm.Name)
		}
		return out
	}
}

func TestGate_ScopeChangeNeedsBothScopes(t *testing.T) {
	ctx := context.Background()
	az := newTestAuthz("S1", "S2")
	e, _, _ := openTest(t, az)
	admin := az.grant("admin", "", allOps()...)
	must[VM](t)(e.CreateVM(ctx, admin, VMSpec{Name: "web", MemoryMB: 128, Processors: 1, Scope: "S1"}))

	onlyOld := az.grant("only-old", "S1", operations.ChangeVMAuthzScope)
	onlyNew := az.grant("only-new", "S2", operations.ChangeVMAuthzScope)
	both := az.grant("both", "S1", operations.ChangeVMAuthzScope)
	az.grant("both", "S2", operations.ChangeVMAuthzScope)

	tests := []struct {
		who       directory.ClientContext
		deniedIn  string // "" with wantOK
		wantOK    bool
		wantScope string
	}{
		{onlyOld, "S2", false, "S1"},
		{onlyNew, "S1", false, "S1"},
		{both, "", true, "S2"},
	}
	for _, tt := range tests {
		t.Run(tt.who.Name, func(t *testing.T) {
			_, err := e.SetVMScope(ctx, tt.who, "web", "S2")
			if tt.wantOK {
				ok(t, err)
			} else {
				var de *DeniedError
				if !errors.As(err, &de) || de.Scope != tt.deniedIn || de.Operation.ID != operations.ChangeVMAuthzScope || de.Object != "web" {
					t.Fatalf("err = %v, want denial in %q", err, tt.deniedIn)
				}
			}
			if vm := must[VM](t)(e.GetVM(ctx, admin, "web")); vm.Scope != tt.wantScope {
				t.Errorf("scope = %q, want %q", vm.Scope, tt.wantScope)
			}
		})
	}

	// Moving a switch or a port through Modify follows the same rule.
	must[Switch](t)(e.CreateSwitch(ctx, admin, SwitchSpec{Name: "sw", Scope: "S1"}))
	mod := az.grant("mod", "S1", operations.ModifySwitchSettings)
	if _, err := e.ModifySwitch(ctx, mod, "sw", SwitchUpdate{Scope: ptr("S2")}); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("ModifySwitch to S2 without S2: %v, want denied", err)
	}
	if _, err := e.ModifySwitch(ctx, mod, "sw", SwitchUpdate{Notes: ptr("ok")}); err != nil {
		t.Errorf("ModifySwitch notes in S1: %v", err)
	}
}

func TestGate_FailsClosed(t *testing.T) {
	ctx := context.Background()
	az := newTestAuthz("S1")
	e, d, _ := openTest(t, az)
	admin := az.grant("admin", "", allOps()...)

	// An unknown scope is an authorizer error: a denial wrapping the cause.
	_, err := e.CreateVM(ctx, admin, VMSpec{Name: "x", MemoryMB: 1, Processors: 1, Scope: "no-such-scope"})
	var de *DeniedError
	if !errors.As(err, &de) || !errors.Is(err, ErrAccessDenied) || de.Err == nil || de.Scope != "no-such-scope" {
		t.Fatalf("err = %v, want a denial wrapping the authorizer error", err)
	}
	if !strings.Contains(err.Error(), "Create Virtual Machine") || !strings.Contains(err.Error(), "unknown scope") {
		t.Errorf("error %q does not name the operation and cause", err)
	}
	decs := d.take()
	if len(decs) != 1 || decs[0].Allowed || decs[0].Err == nil || decs[0].Operation.ID != operations.CreateVM {
		t.Errorf("decisions = %+v", decs)
	}

	// A cancelled context is a denial too.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.ListInternalPorts(cctx, admin); !errors.Is(err, ErrAccessDenied) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}

	// A list over an unknown scope hides that scope's objects.
	must[VM](t)(e.CreateVM(ctx, admin, VMSpec{Name: "a", MemoryMB: 1, Processors: 1, Scope: "S1"}))
	delete(az.scopes, "S1")
	if l, err := e.ListVMs(ctx, admin); err != nil || len(l) != 0 {
		t.Errorf("ListVMs over an unknown scope = %v, %v; want nothing", l, err)
	}

	// Not found: decided in the default scope first.
	if _, err := e.GetVM(ctx, client("nobody"), "ghost"); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("nobody GetVM(ghost): %v, want denied", err)
	}
	if _, err := e.GetVM(ctx, admin, "ghost"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "ghost") {
		t.Errorf("admin GetVM(ghost): %v, want not found naming it", err)
	}
}

// TestGate_CallerMustBeInTable checks that the interceptor refuses (fails
// closed) when asked for a method the gate table lacks.
func TestGate_CallerMustBeInTable(t *testing.T) {
	az := newTestAuthz()
	e, d, _ := openTest(t, az)
	admin := az.grant("admin", "", allOps()...)
	_, err := e.authorize(context.Background(), admin, "NoSuchMethod")
	if !errors.Is(err, ErrAccessDenied) || !errors.Is(err, errNoRule) {
		t.Fatalf("authorize from a test: %v, want a denial", err)
	}
	if decs := d.take(); len(decs) != 1 || decs[0].Allowed {
		t.Errorf("decisions = %+v", decs)
	}
	v := e.view(context.Background(), permit{})
	if _, err := v.get(kindVM, "x"); !errors.Is(err, errNoPermit) {
		t.Errorf("read without a permit: %v, want errNoPermit", err)
	}
	if _, _, err := v.writer(); !errors.Is(err, errNoPermit) {
		t.Errorf("write without a permit: %v, want errNoPermit", err)
	}
	if _, err := v.creator(kindVM, ""); !errors.Is(err, errNoPermit) {
		t.Errorf("creation without a permit: %v, want errNoPermit", err)
	}
}

// hookAuthz runs hook once, before answering the first check of principal.
type hookAuthz struct {
	*testAuthz
	principal string
	hook      func()
}

func (h *hookAuthz) AccessCheck(ctx context.Context, c directory.ClientContext, scope string, ops []operations.ID, p authz.Params) ([]authz.Result, error) {
	if c.Name == h.principal && h.hook != nil {
		hook := h.hook
		h.hook = nil
		hook()
	}
	return h.testAuthz.AccessCheck(ctx, c, scope, ops, p)
}

// TestGate_ObjectMovedDuringDecision moves a VM to another scope while the
// caller's decision in the old scope is being made: the call must be decided
// again in the new scope, not act on the old decision.
func TestGate_ObjectMovedDuringDecision(t *testing.T) {
	ctx := context.Background()
	h := &hookAuthz{testAuthz: newTestAuthz("S1", "S2"), principal: "racer"}
	e, d, _ := openTest(t, h)
	admin := h.grant("admin", "", allOps()...)
	racer := h.grant("racer", "S1", operations.StartVM)
	must[VM](t)(e.CreateVM(ctx, admin, VMSpec{Name: "web", MemoryMB: 64, Processors: 1, Scope: "S1"}))
	h.hook = func() { must[VM](t)(e.SetVMScope(ctx, admin, "web", "S2")) }
	d.take()

	_, err := e.StartVM(ctx, racer, "web")
	var de *DeniedError
	if !errors.As(err, &de) || de.Scope != "S2" {
		t.Fatalf("StartVM during a move: %v, want a denial in S2", err)
	}
	if vm := must[VM](t)(e.GetVM(ctx, admin, "web")); vm.State != Off || vm.Scope != "S2" {
		t.Errorf("vm = %v in %q, want Off in S2", vm.State, vm.Scope)
	}
	var racerDecisions []string
	for _, x := range d.take() {
		if x.Principal == "racer" {
			racerDecisions = append(racerDecisions, x.Scope+"="+strconv.FormatBool(x.Allowed))
		}
	}
	if !slices.Equal(racerDecisions, []string{"S1=true", "S2=false"}) {
		t.Errorf("racer decisions = %v, want S1 allowed then S2 denied", racerDecisions)
	}
}

// TestGate_BoundDuringDecision binds the switch while the caller's decision
// in the switch's scope is being made: the write must not unbind the host
// interface on that decision, which did not cover it, but decide the call
// again, now with Unbind External Ethernet Port in the default scope.
func TestGate_BoundDuringDecision(t *testing.T) {
	ctx := context.Background()
	iface := hostIface(t)
	for _, tc := range []struct {
		method string
		op     operations.ID
		call   func(e *Engine, c directory.ClientContext) error
	}{
		{"DeleteSwitch", operations.DeleteVirtualSwitch, func(e *Engine, c directory.ClientContext) error {
			return e.DeleteSwitch(ctx, c, "uplink")
		}},
		{"UnbindExternalPort", operations.UnbindExternalEthernetPort, func(e *Engine, c directory.ClientContext) error {
			_, err := e.UnbindExternalPort(ctx, c, "uplink")
			return err
		}},
	} {
		t.Run(tc.method, func(t *testing.T) {
			h := &hookAuthz{testAuthz: newTestAuthz("Lab"), principal: "racer"}
			e, d, _ := openTest(t, h)
			admin := h.grant("admin", "", allOps()...)
			racer := h.grant("racer", "Lab", tc.op)
			must[Switch](t)(e.CreateSwitch(ctx, admin, SwitchSpec{Name: "uplink", Scope: "Lab"}))
			if tc.method == "UnbindExternalPort" { // bound and unbound: the racer finds it unbound
				must[Switch](t)(e.BindExternalPort(ctx, admin, "uplink", iface))
				must[Switch](t)(e.UnbindExternalPort(ctx, admin, "uplink"))
			}
			h.hook = func() { must[Switch](t)(e.BindExternalPort(ctx, admin, "uplink", iface)) }
			d.take()

			err := tc.call(e, racer)
			var de *DeniedError
			if !errors.As(err, &de) || de.Scope != "" || de.Operation.ID != operations.UnbindExternalEthernetPort {
				t.Fatalf("%s while bound during the decision: %v, want Unbind External Ethernet Port denied in the default scope", tc.method, err)
			}
			if sw := must[Switch](t)(e.GetSwitch(ctx, admin, "uplink")); sw.External != iface {
				t.Errorf("switch bound to %q, want %q", sw.External, iface)
			}
			var racerDecisions []string
			for _, x := range d.take() {
				if x.Principal == "racer" {
					racerDecisions = append(racerDecisions, x.Scope+"="+strconv.FormatBool(x.Allowed))
				}
			}
			if want := []string{"Lab=true", "Lab=true", "=false"}; !slices.Equal(racerDecisions, want) {
				t.Errorf("racer decisions = %v, want %v (decided again when it changed)", racerDecisions, want)
			}
		})
	}
}

// TestGate_PermitCoversEveryLink checks the write-time check itself: a
// write that makes or breaks a link to an object its permit did not decide
// (binding a switch on a permit for its settings, connecting a port on a
// permit for its VLAN) is refused as changed, so the call is decided again.
func TestGate_PermitCoversEveryLink(t *testing.T) {
	ctx := context.Background()
	az := newTestAuthz("Lab")
	e, _, _ := openTest(t, az)
	admin := az.grant("admin", "", allOps()...)
	sw := must[Switch](t)(e.CreateSwitch(ctx, admin, SwitchSpec{Name: "sw", Scope: "Lab"}))
	port := must[Port](t)(e.CreatePort(ctx, admin, PortSpec{Name: "p", Switch: "sw", Scope: "Lab"}))
	vm := must[VM](t)(e.CreateVM(ctx, admin, VMSpec{Name: "v", MemoryMB: 64, Processors: 1, Scope: "Lab", NetworkAdapters: []string{"nic"}}))

	p, err := e.authorize(ctx, admin, "ModifySwitch", named(roleSwitch, "sw"))
	ok(t, err)
	b, g, err := e.view(ctx, p).writer()
	ok(t, err)
	if _, err := b.BindExternal(ctx, g, sw.ID, hostIface(t)); !errors.Is(err, errChanged) {
		t.Errorf("ModifySwitch's permit binds a host interface: %v, want errChanged", err)
	}
	p, err = e.authorize(ctx, admin, "SetPortVLAN", named(rolePort, "p"))
	ok(t, err)
	b, g, err = e.view(ctx, p).writer()
	ok(t, err)
	if _, err := b.ConnectPort(ctx, g, port.ID, PortLink{VMID: vm.ID, Adapter: "nic"}); !errors.Is(err, errChanged) {
		t.Errorf("SetPortVLAN's permit connects the port to a VM: %v, want errChanged", err)
	}
	if err := b.DeletePort(ctx, g, port.ID); err != nil {
		t.Errorf("SetPortVLAN's permit covers the port and its switch: %v", err)
	}
}

// TestGate_SwitchShowsHostInterfaceOnlyWithView checks that a switch's
// host interface is shown only to a caller holding View External Ethernet
// Ports in the default scope; to others the switch says it is hidden.
func TestGate_SwitchShowsHostInterfaceOnlyWithView(t *testing.T) {
	ctx := context.Background()
	iface := hostIface(t)
	az := newTestAuthz("Lab")
	e, _, _ := openTest(t, az)
	admin := az.grant("admin", "", allOps()...)
	must[Switch](t)(e.CreateSwitch(ctx, admin, SwitchSpec{Name: "uplink", Scope: "Lab"}))
	must[Switch](t)(e.BindExternalPort(ctx, admin, "uplink", iface))
	answers := func(c directory.ClientContext) map[string]Switch {
		l := must[[]Switch](t)(e.ListSwitches(ctx, c))
		if len(l) != 1 {
			t.Fatalf("ListSwitches = %+v, want one switch", l)
		}
		return map[string]Switch{
			"GetSwitch":    must[Switch](t)(e.GetSwitch(ctx, c, "uplink")),
			"ModifySwitch": must[Switch](t)(e.ModifySwitch(ctx, c, "uplink", SwitchUpdate{Notes: ptr("n")})),
			"ListSwitches": l[0],
		}
	}
	lab := az.grant("lab", "Lab", allOps()...)
	for m, sw := range answers(lab) {
		if sw.External != "" || !sw.ExternalHidden {
			t.Errorf("%s without View External Ethernet Ports: external %q, hidden %v; want hidden", m, sw.External, sw.ExternalHidden)
		}
	}
	viewer := az.grant("lab", "", operations.ViewExternalEthernetPorts)
	for m, sw := range answers(viewer) {
		if sw.External != iface || sw.ExternalHidden {
			t.Errorf("%s with View External Ethernet Ports: external %q, hidden %v; want %q", m, sw.External, sw.ExternalHidden, iface)
		}
	}
}

// TestGate_ConnDenialHidesFarEnd checks that a denial at the far end of a
// port's connection reads the same whether a VM or an internal port is
// there: it names the port's operation and its connection, nothing else.
func TestGate_ConnDenialHidesFarEnd(t *testing.T) {
	ctx := context.Background()
	iface := hostIface(t)
	az := newTestAuthz("Lab", "Secret")
	e, _, _ := openTest(t, az)
	admin := az.grant("admin", "", allOps()...)
	hiddenFixture(t, e, admin, iface)
	must[VM](t)(e.SetVMScope(ctx, admin, "alpha", "Secret"))
	caller := az.grant("caller", "Lab", allOps()...)
	for _, tc := range []struct {
		method string
		call   func(port string) error
	}{
		{"DeletePort", func(port string) error { return e.DeletePort(ctx, caller, port) }},
		{"DisconnectPort", func(port string) error { _, err := e.DisconnectPort(ctx, caller, port); return err }},
	} {
		toVM, toInternal := tc.call("portVM"), tc.call("portHost")
		var vmDenial, internalDenial *DeniedError
		if !errors.As(toVM, &vmDenial) || !errors.As(toInternal, &internalDenial) {
			t.Fatalf("%s: %v, %v; want two denials", tc.method, toVM, toInternal)
		}
		if vmDenial.Operation != internalDenial.Operation ||
			strings.ReplaceAll(vmDenial.Public(), "portVM", "portHost") != internalDenial.Public() {
			t.Errorf("%s: the denials tell the far ends apart:\n to a VM:            %q (%s)\n to an internal port: %q (%s)",
				tc.method, vmDenial.Public(), vmDenial.Operation.Name, internalDenial.Public(), internalDenial.Operation.Name)
		}
	}
}
