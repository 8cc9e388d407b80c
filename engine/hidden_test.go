package engine

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
)

// hiddenEnv is what a hidden-object call is run with: the scope a creation
// or move names, and the name each fixture object is called by (a hidden
// object's, or a missing one's).
type hiddenEnv struct {
	ctx   context.Context
	e     *Engine
	c     directory.ClientContext
	scope string
	n     func(string) string
}

// hiddenCase is one object of one call, hidden from the caller.
type hiddenCase struct {
	method string
	role   role
	// hide is the fixture object moved to scope Secret; "" when the object
	// lives in the default scope (the caller then lacks its operation
	// there).
	hide string
	// secret names a default-scope object (internal port, host interface)
	// that must not show through.
	secret string
	// ghost is the named object whose missing twin must be denied in the
	// very same words; "" when the hidden object is not one the caller
	// named.
	ghost string
	call  func(x hiddenEnv) (any, error)
}

const ghostName = "no-such-object"

// hiddenFixture fills an engine, all in scope Lab: VMs alpha (Off,
// adapters nic1 and nic2, snapshot shot1), bravo (Running), charlie
// (Paused) and delta (Off, adapter nic1); switch swOne with ports portFree
// (disconnected), portVM (to alpha/nic2) and portHost (to internal port
// hostA); switch swBound bound to a host interface; switch swFree; internal
// ports hostA and hostB.
func hiddenFixture(t *testing.T, e *Engine, admin directory.ClientContext, iface string) {
	t.Helper()
	ctx := context.Background()
	mustVM, mustSw, mustPort := must[VM](t), must[Switch](t), must[Port](t)
	mustVM(e.CreateVM(ctx, admin, VMSpec{Name: "alpha", MemoryMB: 64, Processors: 1, Scope: "Lab", NetworkAdapters: []string{"nic1", "nic2"}}))
	must[Snapshot](t)(e.CreateSnapshot(ctx, admin, "alpha", "shot1"))
	mustVM(e.CreateVM(ctx, admin, VMSpec{Name: "bravo", MemoryMB: 64, Processors: 1, Scope: "Lab"}))
	mustVM(e.StartVM(ctx, admin, "bravo"))
	mustVM(e.CreateVM(ctx, admin, VMSpec{Name: "charlie", MemoryMB: 64, Processors: 1, Scope: "Lab"}))
	mustVM(e.StartVM(ctx, admin, "charlie"))
	mustVM(e.PauseVM(ctx, admin, "charlie"))
	mustVM(e.CreateVM(ctx, admin, VMSpec{Name: "delta", MemoryMB: 64, Processors: 1, Scope: "Lab", NetworkAdapters: []string{"nic1"}}))
	for _, sw := range []string{"swOne", "swBound", "swFree"} {
		mustSw(e.CreateSwitch(ctx, admin, SwitchSpec{Name: sw, Scope: "Lab"}))
	}
	mustSw(e.BindExternalPort(ctx, admin, "swBound", iface))
	must[InternalPort](t)(e.CreateInternalPort(ctx, admin, InternalPortSpec{Name: "hostA"}))
	must[InternalPort](t)(e.CreateInternalPort(ctx, admin, InternalPortSpec{Name: "hostB"}))
	for _, p := range []string{"portFree", "portVM", "portHost"} {
		mustPort(e.CreatePort(ctx, admin, PortSpec{Name: p, Switch: "swOne", Scope: "Lab"}))
	}
	mustPort(e.ConnectPort(ctx, admin, "portVM", Connection{VM: "alpha", Adapter: "nic2"}))
	mustPort(e.ConnectPort(ctx, admin, "portHost", Connection{InternalPort: "hostA"}))
}

// hiddenCases lists, for every gated method, each object role of its gate
// rule with a call in which that object plays the role.
func hiddenCases(iface string) []hiddenCase {
	var cs []hiddenCase
	add := func(method string, r role, hide, secret, ghost string, call func(x hiddenEnv) (any, error)) {
		cs = append(cs, hiddenCase{method, r, hide, secret, ghost, call})
	}
	wrap := func(err error) (any, error) { return nil, err }
	vmCall := func(method, vm string, f func(x hiddenEnv) (any, error)) {
		add(method, roleVM, vm, "", vm, f)
	}
	// Service.
	add("GetServiceConfig", roleService, "", "", "", func(x hiddenEnv) (any, error) { return x.e.GetServiceConfig(x.ctx, x.c) })
	add("SetServiceConfig", roleService, "", "", "", func(x hiddenEnv) (any, error) {
		return x.e.SetServiceConfig(x.ctx, x.c, ServiceUpdate{ConsoleBufferBytes: ptr(2048)})
	})
	add("GetSwitchService", roleService, "", "", "", func(x hiddenEnv) (any, error) { return x.e.GetSwitchService(x.ctx, x.c) })

	// Virtual machines.
	add("CreateVM", roleTarget, "", "", "", func(x hiddenEnv) (any, error) {
		return x.e.CreateVM(x.ctx, x.c, VMSpec{Name: "echo", MemoryMB: 64, Processors: 1, Scope: x.scope})
	})
	vmCall("DeleteVM", "delta", func(x hiddenEnv) (any, error) { return wrap(x.e.DeleteVM(x.ctx, x.c, x.n("delta"))) })
	vmCall("GetVM", "alpha", func(x hiddenEnv) (any, error) { return x.e.GetVM(x.ctx, x.c, x.n("alpha")) })
	add("ListVMs", roleVM, "alpha", "", "", func(x hiddenEnv) (any, error) { return x.e.ListVMs(x.ctx, x.c) })
	vmCall("StartVM", "alpha", func(x hiddenEnv) (any, error) { return x.e.StartVM(x.ctx, x.c, x.n("alpha")) })
	vmCall("StopVM", "bravo", func(x hiddenEnv) (any, error) { return x.e.StopVM(x.ctx, x.c, x.n("bravo")) })
	vmCall("SaveVM", "bravo", func(x hiddenEnv) (any, error) { return x.e.SaveVM(x.ctx, x.c, x.n("bravo")) })
	vmCall("PauseVM", "bravo", func(x hiddenEnv) (any, error) { return x.e.PauseVM(x.ctx, x.c, x.n("bravo")) })
	vmCall("ResumeVM", "charlie", func(x hiddenEnv) (any, error) { return x.e.ResumeVM(x.ctx, x.c, x.n("charlie")) })
	vmCall("ReconfigureVM", "alpha", func(x hiddenEnv) (any, error) {
		return x.e.ReconfigureVM(x.ctx, x.c, x.n("alpha"), VMUpdate{Notes: ptr("n")})
	})
	vmCall("SendConsoleInput", "bravo", func(x hiddenEnv) (any, error) {
		return wrap(x.e.SendConsoleInput(x.ctx, x.c, x.n("bravo"), "x"))
	})
	vmCall("ReadConsole", "bravo", func(x hiddenEnv) (any, error) { return x.e.ReadConsole(x.ctx, x.c, x.n("bravo")) })
	setScope := func(x hiddenEnv) (any, error) { return x.e.SetVMScope(x.ctx, x.c, x.n("delta"), x.scope) }
	add("SetVMScope", roleVM, "delta", "", "delta", setScope)
	add("SetVMScope", roleNewScope, "", "", "", setScope)
	vmCall("CreateSnapshot", "alpha", func(x hiddenEnv) (any, error) { return x.e.CreateSnapshot(x.ctx, x.c, x.n("alpha"), "s2") })
	vmCall("ListSnapshots", "alpha", func(x hiddenEnv) (any, error) { return x.e.ListSnapshots(x.ctx, x.c, x.n("alpha")) })
	vmCall("ApplySnapshot", "alpha", func(x hiddenEnv) (any, error) { return x.e.ApplySnapshot(x.ctx, x.c, x.n("alpha"), "shot1") })
	vmCall("DeleteSnapshot", "alpha", func(x hiddenEnv) (any, error) {
		return wrap(x.e.DeleteSnapshot(x.ctx, x.c, x.n("alpha"), "shot1"))
	})

	// Virtual switches.
	add("CreateSwitch", roleTarget, "", "", "", func(x hiddenEnv) (any, error) {
		return x.e.CreateSwitch(x.ctx, x.c, SwitchSpec{Name: "swNew", Scope: x.scope})
	})
	add("DeleteSwitch", roleSwitch, "swFree", "", "swFree", func(x hiddenEnv) (any, error) {
		return wrap(x.e.DeleteSwitch(x.ctx, x.c, x.n("swFree")))
	})
	add("DeleteSwitch", roleExternal, "", iface, "", func(x hiddenEnv) (any, error) {
		return wrap(x.e.DeleteSwitch(x.ctx, x.c, "swBound"))
	})
	modSwitch := func(x hiddenEnv) (any, error) {
		u := SwitchUpdate{Notes: ptr("n")}
		if x.scope != "Lab" {
			u.Scope = ptr(x.scope)
		}
		return x.e.ModifySwitch(x.ctx, x.c, x.n("swFree"), u)
	}
	add("ModifySwitch", roleSwitch, "swFree", "", "swFree", modSwitch)
	add("ModifySwitch", roleNewScope, "", "", "", modSwitch)
	add("ModifySwitch", roleExternal, "", iface, "", func(x hiddenEnv) (any, error) {
		return x.e.ModifySwitch(x.ctx, x.c, "swBound", SwitchUpdate{Notes: ptr("n")})
	})
	add("GetSwitch", roleSwitch, "swOne", "", "swOne", func(x hiddenEnv) (any, error) { return x.e.GetSwitch(x.ctx, x.c, x.n("swOne")) })
	add("GetSwitch", roleExternal, "", iface, "", func(x hiddenEnv) (any, error) { return x.e.GetSwitch(x.ctx, x.c, "swBound") })
	listSwitches := func(x hiddenEnv) (any, error) { return x.e.ListSwitches(x.ctx, x.c) }
	add("ListSwitches", roleSwitch, "swOne", "", "", listSwitches)
	add("ListSwitches", roleExternal, "", iface, "", listSwitches)

	// Switch ports: the port, its switch, and what it is connected to.
	portRoles := func(method string, call func(port string) func(x hiddenEnv) (any, error)) {
		add(method, rolePort, "portFree", "", "portFree", call("portFree"))
		add(method, roleSwitch, "swOne", "", "", call("portFree"))
	}
	endRoles := func(method string, call func(port string) func(x hiddenEnv) (any, error)) {
		add(method, roleConnVM, "alpha", "", "", call("portVM"))
		add(method, roleConnInternal, "", "hostA", "", call("portHost"))
	}
	createPort := func(x hiddenEnv) (any, error) {
		return x.e.CreatePort(x.ctx, x.c, PortSpec{Name: "portNew", Switch: x.n("swFree"), Scope: x.scope})
	}
	add("CreatePort", roleTarget, "", "", "", createPort)
	add("CreatePort", roleSwitch, "swFree", "", "swFree", createPort)
	deletePort := func(p string) func(x hiddenEnv) (any, error) {
		return func(x hiddenEnv) (any, error) { return wrap(x.e.DeletePort(x.ctx, x.c, x.n(p))) }
	}
	portRoles("DeletePort", deletePort)
	endRoles("DeletePort", deletePort)
	modPort := func(p string) func(x hiddenEnv) (any, error) {
		return func(x hiddenEnv) (any, error) {
			u := PortUpdate{Notes: ptr("n")}
			if x.scope != "Lab" {
				u.Scope = ptr(x.scope)
			}
			return x.e.ModifyPort(x.ctx, x.c, x.n(p), u)
		}
	}
	portRoles("ModifyPort", modPort)
	add("ModifyPort", roleNewScope, "", "", "", modPort("portFree"))
	endRoles("ModifyPort", modPort)
	getPort := func(p string) func(x hiddenEnv) (any, error) {
		return func(x hiddenEnv) (any, error) { return x.e.GetPort(x.ctx, x.c, x.n(p)) }
	}
	portRoles("GetPort", getPort)
	endRoles("GetPort", getPort)

	// A decision point's questions: the object's scopes.
	vmCall("VMDecisionScopes", "alpha", func(x hiddenEnv) (any, error) { return x.e.VMDecisionScopes(x.ctx, x.c, x.n("alpha")) })
	add("SwitchDecisionScopes", roleSwitch, "swOne", "", "swOne", func(x hiddenEnv) (any, error) {
		return x.e.SwitchDecisionScopes(x.ctx, x.c, x.n("swOne"))
	})
	portRoles("PortDecisionScopes", func(p string) func(x hiddenEnv) (any, error) {
		return func(x hiddenEnv) (any, error) { return x.e.PortDecisionScopes(x.ctx, x.c, x.n(p)) }
	})
	listPorts := func(string) func(x hiddenEnv) (any, error) {
		return func(x hiddenEnv) (any, error) { return x.e.ListPorts(x.ctx, x.c) }
	}
	add("ListPorts", rolePort, "portFree", "", "", listPorts(""))
	add("ListPorts", roleSwitch, "swOne", "", "", listPorts(""))
	endRoles("ListPorts", listPorts)
	connect := func(to Connection) func(port string) func(x hiddenEnv) (any, error) {
		return func(p string) func(x hiddenEnv) (any, error) {
			return func(x hiddenEnv) (any, error) {
				to := to
				to.VM, to.InternalPort = x.n(to.VM), x.n(to.InternalPort)
				return x.e.ConnectPort(x.ctx, x.c, x.n(p), to)
			}
		}
	}
	toDelta := connect(Connection{VM: "delta", Adapter: "nic1"})
	portRoles("ConnectPort", toDelta)
	add("ConnectPort", roleConnVM, "delta", "", "delta", toDelta("portFree"))
	add("ConnectPort", roleConnInternal, "", "", "hostB", connect(Connection{InternalPort: "hostB"})("portFree"))
	disconnect := func(p string) func(x hiddenEnv) (any, error) {
		return func(x hiddenEnv) (any, error) { return x.e.DisconnectPort(x.ctx, x.c, x.n(p)) }
	}
	add("DisconnectPort", rolePort, "portVM", "", "portVM", disconnect("portVM"))
	add("DisconnectPort", roleSwitch, "swOne", "", "", disconnect("portVM"))
	endRoles("DisconnectPort", disconnect)
	portRoles("GetPortVLAN", func(p string) func(x hiddenEnv) (any, error) {
		return func(x hiddenEnv) (any, error) { return x.e.GetPortVLAN(x.ctx, x.c, x.n(p)) }
	})
	portRoles("SetPortVLAN", func(p string) func(x hiddenEnv) (any, error) {
		return func(x hiddenEnv) (any, error) { return x.e.SetPortVLAN(x.ctx, x.c, x.n(p), VLAN{AccessVLANID: 7}) }
	})

	// Internal and external Ethernet ports (default scope).
	add("CreateInternalPort", roleTarget, "", "", "", func(x hiddenEnv) (any, error) {
		return x.e.CreateInternalPort(x.ctx, x.c, InternalPortSpec{Name: "hostC"})
	})
	add("DeleteInternalPort", roleInternal, "", "", "hostB", func(x hiddenEnv) (any, error) {
		return wrap(x.e.DeleteInternalPort(x.ctx, x.c, x.n("hostB")))
	})
	add("ModifyInternalPort", roleInternal, "", "", "hostB", func(x hiddenEnv) (any, error) {
		return x.e.ModifyInternalPort(x.ctx, x.c, x.n("hostB"), InternalPortUpdate{Notes: ptr("n")})
	})
	add("ListInternalPorts", roleInternals, "", "hostA", "", func(x hiddenEnv) (any, error) { return x.e.ListInternalPorts(x.ctx, x.c) })
	add("ListExternalPorts", roleExternal, "", "", "", func(x hiddenEnv) (any, error) { return x.e.ListExternalPorts(x.ctx, x.c) })
	bind := func(x hiddenEnv) (any, error) { return x.e.BindExternalPort(x.ctx, x.c, x.n("swFree"), iface) }
	add("BindExternalPort", roleSwitch, "swFree", "", "swFree", bind)
	add("BindExternalPort", roleExternal, "", "", "", bind)
	unbind := func(x hiddenEnv) (any, error) { return x.e.UnbindExternalPort(x.ctx, x.c, x.n("swBound")) }
	add("UnbindExternalPort", roleSwitch, "swBound", "", "swBound", unbind)
	add("UnbindExternalPort", roleExternal, "", "", "", unbind)

	// LAN endpoints.
	endpoints := func(x hiddenEnv) (any, error) { return x.e.ListLANEndpoints(x.ctx, x.c) }
	add("ListLANEndpoints", rolePort, "portVM", "", "", endpoints)
	add("ListLANEndpoints", roleSwitch, "swOne", "", "", endpoints)
	add("ListLANEndpoints", roleConnVM, "alpha", "", "", endpoints)
	add("ListLANEndpoints", roleConnInternal, "", "hostA", "", endpoints)
	add("ListLANEndpoints", roleExternal, "", iface, "", endpoints)
	return cs
}

// TestGate_HiddenObjects checks, for every method of the gate table and
// every object role of its rule, that a caller holding every operation in
// scope Lab (and what the call needs in the default scope, but for the
// hidden object's operation) is denied when that one object is in scope
// Secret, or lives in the default scope, where it has no rights; and that
// neither the error nor the result reveals anything about the object: not
// its scope, ID, MAC or (when the caller did not name it) name. A denial
// for a named object reads exactly like the denial for a missing one. A
// list, or an object the call only shows, is left out or shown as hidden.
// It fails when a method or a role of the table has no case.
func TestGate_HiddenObjects(t *testing.T) {
	testHiddenObjects(t, func(scopes ...string) granter { return newTestAuthz(scopes...) })
}

// TestGate_HiddenObjectsRealChecker runs the same table with decisions
// made by the real authz checker.
func TestGate_HiddenObjectsRealChecker(t *testing.T) {
	testHiddenObjects(t, func(scopes ...string) granter { return newRealAuthz(t, scopes...) })
}

func testHiddenObjects(t *testing.T, newAz func(scopes ...string) granter) {
	ctx := context.Background()
	iface := hostIface(t)
	table := gateTable()
	cases := hiddenCases(iface)
	for method, rule := range table {
		for _, n := range rule.needs {
			if !slices.ContainsFunc(cases, func(c hiddenCase) bool { return c.method == method && c.role == n.role }) {
				t.Errorf("no hidden-object case for %s, role %s", method, n.role)
			}
		}
	}
	for _, hc := range cases {
		rule, inTable := table[hc.method]
		n, hasRole := rule.need(hc.role)
		if !inTable || !hasRole {
			t.Errorf("case %s/%s: not in the gate table", hc.method, hc.role)
			continue
		}
		t.Run(hc.method+"/"+hc.role.String(), func(t *testing.T) {
			az := newAz("Lab", "Secret")
			e, _, _ := openTest(t, az)
			admin := az.grant("admin", "", allOps()...)
			hiddenFixture(t, e, admin, iface)
			forbid := []string{"Secret"}
			if hc.secret != "" {
				forbid = append(forbid, hc.secret)
				if ip, err := e.ModifyInternalPort(ctx, admin, hc.secret, InternalPortUpdate{}); err == nil {
					forbid = append(forbid, ip.MAC, ip.ID)
				}
			}
			if hc.hide != "" {
				forbid = append(forbid, hide(t, e, admin, hc.hide)...)
				if hc.ghost == hc.hide {
					forbid = slices.DeleteFunc(forbid, func(s string) bool { return s == hc.hide })
				}
			}
			// The caller: everything in Lab; in the default scope, what
			// the call's default-scope objects need, but never the hidden
			// object's operation (a default-scope grant holds in Secret).
			var dflt []operations.ID
			for _, x := range rule.needs {
				if inDefaultScope(hc.method, x.role) && x.op != n.op {
					dflt = append(dflt, x.op)
				}
			}
			az.grant("caller", "Lab", allOps()...)
			caller := az.grant("caller", "", dflt...)
			scope := "Lab"
			if hc.role == roleTarget || hc.role == roleNewScope {
				scope = "Secret"
			}
			out, err := hc.call(hiddenEnv{ctx, e, caller, scope, func(s string) string { return s }})
			raw, _ := json.Marshal(out)
			if err != nil {
				raw = append(raw, err.Error()...)
			}
			for _, f := range forbid {
				if f != "" && strings.Contains(string(raw), f) {
					t.Errorf("the answer reveals %q: %s", f, raw)
				}
			}
			if rule.list || n.mode == shown {
				if err != nil {
					t.Fatalf("err = %v, want the %s left out or hidden", err, hc.role)
				}
				return
			}
			// The far end of a connection the caller did not name is
			// denied as the port's operation on its connection.
			want, conn := n.op, hc.ghost == "" && (hc.role == roleConnVM || hc.role == roleConnInternal)
			if conn {
				pn, _ := rule.need(rolePort)
				want = pn.op
			}
			var de *DeniedError
			if !errors.As(err, &de) || de.Operation.ID != want || de.Conn != conn {
				t.Fatalf("err = %v, want a denial of %q", err, operations.MustID(want).Name)
			}
			if hc.ghost == "" {
				return
			}
			_, missing := hc.call(hiddenEnv{ctx, e, caller, scope, func(s string) string {
				if s == hc.ghost {
					return ghostName
				}
				return s
			}})
			if missing == nil || strings.ReplaceAll(missing.Error(), ghostName, hc.ghost) != err.Error() {
				t.Errorf("hidden %q and missing %q answer differently:\n hidden:  %v\n missing: %v", hc.ghost, ghostName, err, missing)
			}
		})
	}
}

// inDefaultScope reports whether the objects of role r in method live in
// the default scope.
func inDefaultScope(method string, r role) bool {
	switch r {
	case roleService, roleInternal, roleInternals, roleConnInternal, roleExternal:
		return true
	case roleTarget:
		return method == "CreateInternalPort"
	}
	return false
}

// hide moves the fixture object named name to scope Secret and returns what
// identifies it: name, ID and MAC addresses.
func hide(t *testing.T, e *Engine, admin directory.ClientContext, name string) []string {
	t.Helper()
	ctx := context.Background()
	if vm, err := e.GetVM(ctx, admin, name); err == nil {
		out := []string{name, vm.ID}
		for _, a := range vm.NetworkAdapters {
			out = append(out, a.MAC)
		}
		must[VM](t)(e.SetVMScope(ctx, admin, name, "Secret"))
		return out
	}
	if sw, err := e.GetSwitch(ctx, admin, name); err == nil {
		must[Switch](t)(e.ModifySwitch(ctx, admin, name, SwitchUpdate{Scope: ptr("Secret")}))
		return []string{name, sw.ID}
	}
	p := must[Port](t)(e.ModifyPort(ctx, admin, name, PortUpdate{Scope: ptr("Secret")}))
	return []string{name, p.ID}
}

// TestGate_ReviewScenario replays the security review's finding: a user
// with rights only in scope Lab could create a port in Lab on a switch of
// scope Secret, connect it to a Secret VM and read the VM's MAC from the LAN
// endpoints, and the switch's owner could then no longer delete the switch.
func TestGate_ReviewScenario(t *testing.T) {
	ctx := context.Background()
	az := newRealAuthz(t, "Lab", "Secret")
	e, _, _ := openTest(t, az)
	admin := az.grant("admin", "", allOps()...)
	owner := az.grant("owner", "Secret", allOps()...)
	labUser := az.grant("lab-user", "Lab", allOps()...)
	vm := must[VM](t)(e.CreateVM(ctx, owner, VMSpec{Name: "db", MemoryMB: 64, Processors: 1, Scope: "Secret", NetworkAdapters: []string{"nic0"}}))
	must[Switch](t)(e.CreateSwitch(ctx, owner, SwitchSpec{Name: "core", Scope: "Secret"}))
	must[Switch](t)(e.CreateSwitch(ctx, labUser, SwitchSpec{Name: "lab", Scope: "Lab"}))

	if _, err := e.CreatePort(ctx, labUser, PortSpec{Name: "tap", Switch: "core", Scope: "Lab"}); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("Lab user creates a port on the Secret switch: %v, want denied", err)
	}
	must[Port](t)(e.CreatePort(ctx, labUser, PortSpec{Name: "tap", Switch: "lab", Scope: "Lab"}))
	if _, err := e.ConnectPort(ctx, labUser, "tap", Connection{VM: "db", Adapter: "nic0"}); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("Lab user connects its port to the Secret VM: %v, want denied", err)
	}
	// Someone with rights in both connects them: the Lab user still sees
	// nothing of the VM.
	must[Port](t)(e.ConnectPort(ctx, admin, "tap", Connection{VM: "db", Adapter: "nic0"}))
	eps := must[[]LANEndpoint](t)(e.ListLANEndpoints(ctx, labUser))
	raw, _ := json.Marshal(eps)
	if len(eps) != 1 || !eps[0].Hidden || strings.Contains(string(raw), vm.NetworkAdapters[0].MAC) || strings.Contains(string(raw), "db") {
		t.Errorf("Lab user's LAN endpoints = %s, want one hidden endpoint", raw)
	}
	if p := must[Port](t)(e.GetPort(ctx, labUser, "tap")); p.Connection == nil || !p.Connection.Hidden || p.Connection.VM != "" {
		t.Errorf("Lab user's port = %+v, want its connection hidden", p.Connection)
	}
	// A port in Lab on the Secret switch (made by someone with rights in
	// both) keeps the owner from deleting the switch with a clear conflict
	// that names nothing of Lab.
	must[Port](t)(e.CreatePort(ctx, admin, PortSpec{Name: "lab-uplink", Switch: "core", Scope: "Lab"}))
	err := e.DeleteSwitch(ctx, owner, "core")
	if !errors.Is(err, ErrInvalidState) || strings.Contains(err.Error(), "lab-uplink") || strings.Contains(err.Error(), "Lab") {
		t.Errorf("owner deletes the switch with a Lab port: %v, want a conflict naming no port", err)
	}
	ok(t, e.DeletePort(ctx, admin, "lab-uplink"))
	ok(t, e.DeleteSwitch(ctx, owner, "core"))
}

// TestGate_PermitBoundsEveryRecord checks the permit itself: a call decided
// on one VM cannot read another, a list reads only what its scopes allowed,
// and a creation's grant writes new records only.
func TestGate_PermitBoundsEveryRecord(t *testing.T) {
	ctx := context.Background()
	az := newTestAuthz("Lab")
	e, _, _ := openTest(t, az)
	admin := az.grant("admin", "", allOps()...)
	a := must[VM](t)(e.CreateVM(ctx, admin, VMSpec{Name: "a", MemoryMB: 64, Processors: 1, Scope: "Lab"}))
	b := must[VM](t)(e.CreateVM(ctx, admin, VMSpec{Name: "b", MemoryMB: 64, Processors: 1}))

	p, err := e.authorize(ctx, admin, "GetVM", named(roleVM, "a"))
	ok(t, err)
	v := e.view(ctx, p)
	must[VM](t)(getAs[VM](v, kindVM, a.ID))
	if _, err := getAs[VM](v, kindVM, b.ID); !errors.Is(err, errChanged) {
		t.Errorf("GetVM(a)'s permit reads b: %v", err)
	}
	be, g, err := v.writer()
	ok(t, err)
	if _, err := be.ReadConsole(ctx, g, b.ID); !errors.Is(err, errChanged) {
		t.Errorf("GetVM(a)'s permit reads b's console: %v", err)
	}

	lab := az.grant("lab", "Lab", operations.ViewVMConfiguration)
	v, err = e.visible(ctx, lab, "ListVMs")
	ok(t, err)
	if _, err := getAs[VM](v, kindVM, b.ID); !errors.Is(err, errHidden) {
		t.Errorf("a list permit for Lab reads a default-scope VM: %v", err)
	}

	p, err = e.authorize(ctx, admin, "CreateVM", creates(kindVM, "c", "Lab"))
	ok(t, err)
	be, g, err = e.view(ctx, p).writer()
	ok(t, err)
	if _, err := be.ReconfigureVM(ctx, g, a.ID, VMUpdate{Notes: new(string)}); !errors.Is(err, errChanged) {
		t.Errorf("CreateVM's permit rewrites an existing VM: %v", err)
	}
	if err := be.DeleteVM(ctx, g, a.ID); !errors.Is(err, errChanged) {
		t.Errorf("CreateVM's permit deletes an existing VM: %v", err)
	}
	if _, err := e.view(ctx, p).creator(kindVM, ""); err == nil {
		t.Errorf("CreateVM's permit for Lab creates in the default scope")
	}
	if _, err := e.authorize(ctx, admin, "GetVM", named(rolePort, "a")); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("a method naming an object its rule does not list: %v, want a fail-closed denial", err)
	}
}
