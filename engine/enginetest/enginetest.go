package enginetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/operations"
)

// NewBackend makes a fresh, empty hypervisor for one subtest (no virtual
// machines, switches, ports or internal ports) and returns a function that
// opens a backend on it; open may be called again after the suite closed
// the previous backend (a restart of azgate). The suite closes every
// backend it opens.
type NewBackend func(t *testing.T) (open func(t *testing.T) engine.Backend)

// Run runs the behavioural table against a backend.
func Run(t *testing.T, newBackend NewBackend) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			open := newBackend(t)
			c.run(t, &harness{open: open})
		})
	}
}

type testCase struct {
	name string
	run  func(t *testing.T, h *harness)
}

var cases = []testCase{
	{"Lifecycle", testLifecycle},
	{"Reconfigure", testReconfigure},
	{"Names", testNames},
	{"ScopeStoredWithObject", testScope},
	{"Console", testConsole},
	{"Snapshots", testSnapshots},
	{"SwitchesPortsConnect", testNetwork},
	{"InternalPorts", testInternalPorts},
	{"VLAN", testVLAN},
	{"HostAndService", testHostAndService},
	{"GuardRefusesUndecided", testGuard},
}

// harness opens engines on the subtest's hypervisor.
type harness struct {
	open func(t *testing.T) engine.Backend
	b    engine.Backend // the backend of the engine last opened
}

// allowAll is an Authorizer that allows every operation: the table checks
// the backend, not the policy.
type allowAll struct{}

func (allowAll) AccessCheck(_ context.Context, _ directory.ClientContext, _ string, ops []operations.ID, _ authz.Params) ([]authz.Result, error) {
	out := make([]authz.Result, len(ops))
	for i, id := range ops {
		op, err := operations.ByID(id)
		if err != nil {
			return nil, err
		}
		out[i] = authz.Result{Operation: op, Allowed: true, Grant: &authz.Grant{Assignment: "enginetest", Principal: "enginetest"}}
	}
	return out, nil
}

var admin = directory.ClientContext{Name: "enginetest", IDs: []string{"enginetest"}}

// engine opens an engine on a new backend of the hypervisor; it is closed
// at the end of the subtest, or by the returned function.
func (h *harness) engine(t *testing.T) (*engine.Engine, func()) {
	t.Helper()
	b := h.open(t)
	e, err := engine.Open(context.Background(), engine.Config{Backend: b, Authorizer: allowAll{}})
	if err != nil {
		_ = b.Close()
		t.Fatalf("engine.Open: %v", err)
	}
	h.b = b
	closed := false
	closeFn := func() {
		if !closed {
			closed = true
			if err := e.Close(); err != nil {
				t.Errorf("engine.Close: %v", err)
			}
		}
	}
	t.Cleanup(closeFn)
	return e, closeFn
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

func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantErr fails unless err matches target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: %v, want %v", what, err, target)
	}
}

func state(t *testing.T, e *engine.Engine, name string) engine.VMState {
	t.Helper()
	vm := must[engine.VM](t)(e.GetVM(context.Background(), admin, name))
	if vm.StateName != vm.State.String() {
		t.Errorf("VM %q: stateName %q for state %d", name, vm.StateName, vm.State)
	}
	return vm.State
}

// small is the smallest VM worth running: 64 MB, one processor.
func small(name string, adapters ...string) engine.VMSpec {
	return engine.VMSpec{Name: name, MemoryMB: 64, Processors: 1, NetworkAdapters: adapters}
}

// testLifecycle walks one VM through every transition of Hyper-V's state
// table and tries every impossible action in every state: each is
// ErrInvalidState and leaves the state as it was.
func testLifecycle(t *testing.T, h *harness) {
	ctx := context.Background()
	e, _ := h.engine(t)
	vm := must[engine.VM](t)(e.CreateVM(ctx, admin, small("life")))
	if vm.State != engine.Off || vm.StateName != "Off" {
		t.Fatalf("new VM: state %v (%q), want Off", vm.State, vm.StateName)
	}
	act := map[engine.VMAction]func(context.Context, directory.ClientContext, string) (engine.VM, error){
		engine.ActionStart: e.StartVM, engine.ActionTurnOff: e.StopVM, engine.ActionSave: e.SaveVM,
		engine.ActionPause: e.PauseVM, engine.ActionResume: e.ResumeVM,
	}
	allowed := map[engine.VMState][]engine.VMAction{
		engine.Off:     {engine.ActionStart},
		engine.Running: {engine.ActionTurnOff, engine.ActionSave, engine.ActionPause},
		engine.Paused:  {engine.ActionTurnOff, engine.ActionSave, engine.ActionResume},
		engine.Saved:   {engine.ActionStart, engine.ActionTurnOff},
	}
	all := []engine.VMAction{engine.ActionStart, engine.ActionTurnOff, engine.ActionSave, engine.ActionPause, engine.ActionResume}
	tried := map[engine.VMState]bool{}
	refuse := func(from engine.VMState) {
		t.Helper()
		if tried[from] {
			return
		}
		tried[from] = true
		for _, a := range all {
			if slices.Contains(allowed[from], a) {
				continue
			}
			_, err := act[a](ctx, admin, "life")
			wantErr(t, fmt.Sprintf("%s while %s", a, from), err, engine.ErrInvalidState)
			if got := state(t, e, "life"); got != from {
				t.Fatalf("%s refused while %s left it %s", a, from, got)
			}
		}
	}
	// A walk over all nine transitions.
	walk := []struct {
		a  engine.VMAction
		to engine.VMState
	}{
		{engine.ActionStart, engine.Running}, {engine.ActionPause, engine.Paused}, {engine.ActionResume, engine.Running},
		{engine.ActionSave, engine.Saved}, {engine.ActionStart, engine.Running}, {engine.ActionPause, engine.Paused},
		{engine.ActionSave, engine.Saved}, {engine.ActionTurnOff, engine.Off}, {engine.ActionStart, engine.Running},
		{engine.ActionTurnOff, engine.Off}, {engine.ActionStart, engine.Running}, {engine.ActionPause, engine.Paused},
		{engine.ActionTurnOff, engine.Off},
	}
	from := engine.Off
	for _, step := range walk {
		refuse(from)
		got, err := act[step.a](ctx, admin, "life")
		ok(t, fmt.Sprintf("%s while %s", step.a, from), err)
		if got.State != step.to || state(t, e, "life") != step.to {
			t.Fatalf("%s while %s: answered %s, reads %s; want %s", step.a, from, got.State, state(t, e, "life"), step.to)
		}
		from = step.to
	}
	// Delete: refused while running, done while off.
	must[engine.VM](t)(e.StartVM(ctx, admin, "life"))
	wantErr(t, "delete a running VM", e.DeleteVM(ctx, admin, "life"), engine.ErrInvalidState)
	must[engine.VM](t)(e.StopVM(ctx, admin, "life"))
	ok(t, "delete", e.DeleteVM(ctx, admin, "life"))
	_, err := e.GetVM(ctx, admin, "life")
	wantErr(t, "get a deleted VM", err, engine.ErrNotFound)
	wantErr(t, "delete it again", e.DeleteVM(ctx, admin, "life"), engine.ErrNotFound)
	if vms := must[[]engine.VM](t)(e.ListVMs(ctx, admin)); len(vms) != 0 {
		t.Errorf("VMs after delete: %v", vms)
	}
}

// testReconfigure checks memory, processors, notes and adapters: changed
// while Off, refused (unchanged) while Running except notes and name.
func testReconfigure(t *testing.T, h *harness) {
	ctx := context.Background()
	e, _ := h.engine(t)
	must[engine.VM](t)(e.CreateVM(ctx, admin, engine.VMSpec{Name: "cfg", MemoryMB: 64, Processors: 1, Notes: "first", NetworkAdapters: []string{"nic1"}}))
	mem, cpus, notes := 96, 2, "second"
	adapters := []string{"nic1", "nic2"}
	got := must[engine.VM](t)(e.ReconfigureVM(ctx, admin, "cfg", engine.VMUpdate{MemoryMB: &mem, Processors: &cpus, Notes: &notes, NetworkAdapters: &adapters}))
	read := must[engine.VM](t)(e.GetVM(ctx, admin, "cfg"))
	for _, vm := range []engine.VM{got, read} {
		if vm.MemoryMB != 96 || vm.Processors != 2 || vm.Notes != "second" || len(vm.NetworkAdapters) != 2 {
			t.Errorf("after reconfigure: %+v", vm)
		}
	}
	if read.NetworkAdapters[0].MAC == "" || read.NetworkAdapters[0].MAC == read.NetworkAdapters[1].MAC {
		t.Errorf("adapters need distinct MAC addresses: %+v", read.NetworkAdapters)
	}
	must[engine.VM](t)(e.StartVM(ctx, admin, "cfg"))
	more := 128
	_, err := e.ReconfigureVM(ctx, admin, "cfg", engine.VMUpdate{MemoryMB: &more})
	wantErr(t, "memory while Running", err, engine.ErrInvalidState)
	notes = "third"
	must[engine.VM](t)(e.ReconfigureVM(ctx, admin, "cfg", engine.VMUpdate{Notes: &notes}))
	read = must[engine.VM](t)(e.GetVM(ctx, admin, "cfg"))
	if read.MemoryMB != 96 || read.Notes != "third" {
		t.Errorf("after a refused memory change and a notes change while Running: memory %d, notes %q", read.MemoryMB, read.Notes)
	}
	must[engine.VM](t)(e.StopVM(ctx, admin, "cfg"))
	bad := 0
	_, err = e.ReconfigureVM(ctx, admin, "cfg", engine.VMUpdate{MemoryMB: &bad})
	wantErr(t, "memory 0", err, engine.ErrInvalid)
	_, err = e.ReconfigureVM(ctx, admin, "ghost", engine.VMUpdate{Notes: &notes})
	wantErr(t, "reconfigure a missing VM", err, engine.ErrNotFound)
}

// testNames checks that names compare as azgate compares them: found by
// another case, unique per kind whatever the case.
func testNames(t *testing.T, h *harness) {
	ctx := context.Background()
	e, _ := h.engine(t)
	vm := must[engine.VM](t)(e.CreateVM(ctx, admin, small("Lab-VM")))
	got := must[engine.VM](t)(e.GetVM(ctx, admin, "lab-vm"))
	if got.ID != vm.ID || got.Name != "Lab-VM" {
		t.Errorf("GetVM(lab-vm) = %q %q, want the VM Lab-VM", got.ID, got.Name)
	}
	_, err := e.CreateVM(ctx, admin, small("LAB-vm"))
	wantErr(t, "create a VM of the same name in another case", err, engine.ErrExists)
	must[engine.VM](t)(e.CreateVM(ctx, admin, small("other")))
	name := "lab-VM"
	_, err = e.ReconfigureVM(ctx, admin, "other", engine.VMUpdate{Name: &name})
	wantErr(t, "rename onto an existing name", err, engine.ErrExists)
	name = "renamed"
	must[engine.VM](t)(e.ReconfigureVM(ctx, admin, "other", engine.VMUpdate{Name: &name}))
	must[engine.VM](t)(e.GetVM(ctx, admin, "RENAMED"))
	_, err = e.GetVM(ctx, admin, "other")
	wantErr(t, "the old name after a rename", err, engine.ErrNotFound)
	must[engine.VM](t)(e.CreateVM(ctx, admin, small("other"))) // the old name is free

	// Switches: the same rules; a switch may share a VM's name.
	must[engine.Switch](t)(e.CreateSwitch(ctx, admin, engine.SwitchSpec{Name: "Lab-VM"}))
	_, err = e.CreateSwitch(ctx, admin, engine.SwitchSpec{Name: "LAB-VM"})
	wantErr(t, "create a switch of the same name in another case", err, engine.ErrExists)
	_, err = e.GetSwitch(ctx, admin, "ghost")
	wantErr(t, "get a missing switch", err, engine.ErrNotFound)
}

// testScope checks that ScopeOfResidence is stored with each object: read
// back, changed, and read back again by a new backend on the same
// hypervisor (azgate restarted).
func testScope(t *testing.T, h *harness) {
	ctx := context.Background()
	e, closeE := h.engine(t)
	must[engine.VM](t)(e.CreateVM(ctx, admin, engine.VMSpec{Name: "lab1", MemoryMB: 64, Processors: 1, Scope: "Lab"}))
	must[engine.VM](t)(e.CreateVM(ctx, admin, small("plain")))
	must[engine.Switch](t)(e.CreateSwitch(ctx, admin, engine.SwitchSpec{Name: "labnet", Scope: "Lab"}))
	must[engine.Port](t)(e.CreatePort(ctx, admin, engine.PortSpec{Name: "labport", Switch: "labnet", Scope: "Lab Ports"}))
	must[engine.VM](t)(e.SetVMScope(ctx, admin, "plain", "Prod"))
	prod := "Prod"
	must[engine.Switch](t)(e.CreateSwitch(ctx, admin, engine.SwitchSpec{Name: "moved"}))
	must[engine.Switch](t)(e.ModifySwitch(ctx, admin, "moved", engine.SwitchUpdate{Scope: &prod}))

	check := func(e *engine.Engine, when string) {
		t.Helper()
		want := map[string]string{"lab1": "Lab", "plain": "Prod"}
		for _, vm := range must[[]engine.VM](t)(e.ListVMs(ctx, admin)) {
			if vm.Scope != want[vm.Name] {
				t.Errorf("%s: VM %q in scope %q, want %q", when, vm.Name, vm.Scope, want[vm.Name])
			}
			delete(want, vm.Name)
		}
		if len(want) > 0 {
			t.Errorf("%s: VMs missing: %v", when, want)
		}
		if sw := must[engine.Switch](t)(e.GetSwitch(ctx, admin, "labnet")); sw.Scope != "Lab" {
			t.Errorf("%s: switch labnet in scope %q, want Lab", when, sw.Scope)
		}
		if sw := must[engine.Switch](t)(e.GetSwitch(ctx, admin, "moved")); sw.Scope != "Prod" {
			t.Errorf("%s: switch moved in scope %q, want Prod", when, sw.Scope)
		}
		if p := must[engine.Port](t)(e.GetPort(ctx, admin, "labport")); p.Scope != "Lab Ports" || p.Switch != "labnet" {
			t.Errorf("%s: port labport in scope %q on %q, want Lab Ports on labnet", when, p.Scope, p.Switch)
		}
	}
	check(e, "as created")
	closeE()
	e2, _ := h.engine(t)
	check(e2, "after a restart")
}

// testConsole checks the console: readable in any state, input only while
// Running, bounded input.
func testConsole(t *testing.T, h *harness) {
	ctx := context.Background()
	e, _ := h.engine(t)
	must[engine.VM](t)(e.CreateVM(ctx, admin, small("con")))
	c := must[engine.Console](t)(e.ReadConsole(ctx, admin, "con"))
	if c.VM != "con" {
		t.Errorf("console of %q", c.VM)
	}
	wantErr(t, "input while Off", e.SendConsoleInput(ctx, admin, "con", "dir\n"), engine.ErrInvalidState)
	must[engine.VM](t)(e.StartVM(ctx, admin, "con"))
	ok(t, "input while Running", e.SendConsoleInput(ctx, admin, "con", "dir\n"))
	wantErr(t, "empty input", e.SendConsoleInput(ctx, admin, "con", ""), engine.ErrInvalid)
	must[engine.Console](t)(e.ReadConsole(ctx, admin, "con"))
	_, err := e.ReadConsole(ctx, admin, "ghost")
	wantErr(t, "console of a missing VM", err, engine.ErrNotFound)
	must[engine.VM](t)(e.StopVM(ctx, admin, "con"))
}

// testSnapshots checks snapshot create, list, apply and delete.
func testSnapshots(t *testing.T, h *harness) {
	ctx := context.Background()
	e, _ := h.engine(t)
	must[engine.VM](t)(e.CreateVM(ctx, admin, engine.VMSpec{Name: "snap", MemoryMB: 64, Processors: 1, Notes: "before"}))
	s := must[engine.Snapshot](t)(e.CreateSnapshot(ctx, admin, "snap", "base"))
	if s.Name != "base" || s.VM != "snap" || s.ID == "" {
		t.Errorf("snapshot = %+v", s)
	}
	_, err := e.CreateSnapshot(ctx, admin, "snap", "BASE")
	wantErr(t, "a second snapshot of the same name", err, engine.ErrExists)
	mem, notes := 96, "after"
	must[engine.VM](t)(e.ReconfigureVM(ctx, admin, "snap", engine.VMUpdate{MemoryMB: &mem, Notes: &notes}))
	list := must[[]engine.Snapshot](t)(e.ListSnapshots(ctx, admin, "snap"))
	if len(list) != 1 || list[0].ID != s.ID {
		t.Fatalf("snapshots = %+v", list)
	}
	vm := must[engine.VM](t)(e.ApplySnapshot(ctx, admin, "snap", "base"))
	read := must[engine.VM](t)(e.GetVM(ctx, admin, "snap"))
	for _, x := range []engine.VM{vm, read} {
		if x.MemoryMB != 64 || x.Notes != "before" || x.State != engine.Off {
			t.Errorf("after applying a snapshot taken Off: memory %d, notes %q, state %s", x.MemoryMB, x.Notes, x.State)
		}
	}
	_, err = e.ApplySnapshot(ctx, admin, "snap", "ghost")
	wantErr(t, "apply a missing snapshot", err, engine.ErrNotFound)
	ok(t, "delete snapshot", e.DeleteSnapshot(ctx, admin, "snap", s.ID))
	if list := must[[]engine.Snapshot](t)(e.ListSnapshots(ctx, admin, "snap")); len(list) != 0 {
		t.Errorf("snapshots after delete = %+v", list)
	}
	ok(t, "delete the VM", e.DeleteVM(ctx, admin, "snap"))
}

// testNetwork checks switches, ports and connections with their rules.
func testNetwork(t *testing.T, h *harness) {
	ctx := context.Background()
	e, _ := h.engine(t)
	must[engine.Switch](t)(e.CreateSwitch(ctx, admin, engine.SwitchSpec{Name: "net", Notes: "lab network"}))
	must[engine.VM](t)(e.CreateVM(ctx, admin, small("a", "nic")))
	must[engine.VM](t)(e.CreateVM(ctx, admin, small("b", "nic")))
	for _, p := range []string{"pa", "pb", "spare"} {
		must[engine.Port](t)(e.CreatePort(ctx, admin, engine.PortSpec{Name: p, Switch: "net"}))
	}
	_, err := e.CreatePort(ctx, admin, engine.PortSpec{Name: "px", Switch: "ghost"})
	wantErr(t, "a port on a missing switch", err, engine.ErrNotFound)
	_, err = e.CreatePort(ctx, admin, engine.PortSpec{Name: "PA", Switch: "net"})
	wantErr(t, "a port of an existing name", err, engine.ErrExists)

	p := must[engine.Port](t)(e.ConnectPort(ctx, admin, "pa", engine.Connection{VM: "a", Adapter: "nic"}))
	if p.Connection == nil || p.Connection.VM != "a" || p.Connection.Adapter != "nic" || p.Switch != "net" {
		t.Fatalf("connected port = %+v", p)
	}
	must[engine.Port](t)(e.ConnectPort(ctx, admin, "pb", engine.Connection{VM: "b", Adapter: "NIC"}))
	_, err = e.ConnectPort(ctx, admin, "pa", engine.Connection{VM: "b", Adapter: "nic"})
	wantErr(t, "connect a connected port", err, engine.ErrInvalidState)
	_, err = e.ConnectPort(ctx, admin, "spare", engine.Connection{VM: "a", Adapter: "nic"})
	wantErr(t, "connect an adapter connected elsewhere", err, engine.ErrInvalidState)
	_, err = e.ConnectPort(ctx, admin, "spare", engine.Connection{VM: "a", Adapter: "ghost"})
	wantErr(t, "connect a missing adapter", err, engine.ErrNotFound)
	_, err = e.ConnectPort(ctx, admin, "spare", engine.Connection{VM: "ghost", Adapter: "nic"})
	wantErr(t, "connect a missing VM", err, engine.ErrNotFound)

	eps := must[[]engine.LANEndpoint](t)(e.ListLANEndpoints(ctx, admin))
	var targets []string
	for _, ep := range eps {
		targets = append(targets, ep.Port+"="+ep.Target)
		if ep.Kind != "vm" || ep.MAC == "" || ep.Switch != "net" {
			t.Errorf("endpoint %+v", ep)
		}
	}
	if want := []string{"pa=a/nic", "pb=b/nic"}; !slices.Equal(targets, want) {
		t.Errorf("LAN endpoints %v, want %v", targets, want)
	}

	// A connected VM runs, and stays connected across a start.
	must[engine.VM](t)(e.StartVM(ctx, admin, "a"))
	if p := must[engine.Port](t)(e.GetPort(ctx, admin, "pa")); p.Connection == nil || p.Connection.VM != "a" {
		t.Errorf("port of a running VM: %+v", p)
	}
	must[engine.VM](t)(e.StopVM(ctx, admin, "a"))

	wantErr(t, "delete a connected VM", e.DeleteVM(ctx, admin, "a"), engine.ErrInvalidState)
	nics := []string{}
	_, err = e.ReconfigureVM(ctx, admin, "a", engine.VMUpdate{NetworkAdapters: &nics})
	wantErr(t, "remove a connected adapter", err, engine.ErrInvalidState)
	wantErr(t, "delete a switch with ports", e.DeleteSwitch(ctx, admin, "net"), engine.ErrInvalidState)

	p = must[engine.Port](t)(e.DisconnectPort(ctx, admin, "pa"))
	if p.Connection != nil {
		t.Errorf("disconnected port = %+v", p)
	}
	_, err = e.DisconnectPort(ctx, admin, "pa")
	wantErr(t, "disconnect a disconnected port", err, engine.ErrInvalidState)
	ok(t, "delete a disconnected VM", e.DeleteVM(ctx, admin, "a"))
	ok(t, "delete a connected port", e.DeletePort(ctx, admin, "pb"))
	if vm := must[engine.VM](t)(e.GetVM(ctx, admin, "b")); len(vm.NetworkAdapters) != 1 {
		t.Errorf("VM b after its port was deleted: %+v", vm)
	}
	ok(t, "delete b", e.DeleteVM(ctx, admin, "b"))

	// Rename and move a port, rename a switch: links follow.
	name := "uplink"
	must[engine.Port](t)(e.ModifyPort(ctx, admin, "spare", engine.PortUpdate{Name: &name}))
	swName := "core"
	must[engine.Switch](t)(e.ModifySwitch(ctx, admin, "net", engine.SwitchUpdate{Name: &swName}))
	if p := must[engine.Port](t)(e.GetPort(ctx, admin, "uplink")); p.Switch != "core" {
		t.Errorf("port after renames: %+v", p)
	}
	for _, p := range []string{"pa", "uplink"} {
		ok(t, "delete port "+p, e.DeletePort(ctx, admin, p))
	}
	ok(t, "delete the empty switch", e.DeleteSwitch(ctx, admin, "core"))
	if l := must[[]engine.Switch](t)(e.ListSwitches(ctx, admin)); len(l) != 0 {
		t.Errorf("switches after delete: %+v", l)
	}
	if l := must[[]engine.Port](t)(e.ListPorts(ctx, admin)); len(l) != 0 {
		t.Errorf("ports after delete: %+v", l)
	}
}

// testInternalPorts checks internal Ethernet ports: created, connected to
// a switch port (an internal switch), not deleted while connected.
func testInternalPorts(t *testing.T, h *harness) {
	ctx := context.Background()
	e, _ := h.engine(t)
	must[engine.Switch](t)(e.CreateSwitch(ctx, admin, engine.SwitchSpec{Name: "inet"}))
	must[engine.Port](t)(e.CreatePort(ctx, admin, engine.PortSpec{Name: "host", Switch: "inet"}))
	ip := must[engine.InternalPort](t)(e.CreateInternalPort(ctx, admin, engine.InternalPortSpec{Name: "vEthernet (inet)"}))
	if ip.MAC == "" {
		t.Errorf("internal port without a MAC: %+v", ip)
	}
	_, err := e.CreateInternalPort(ctx, admin, engine.InternalPortSpec{Name: "VETHERNET (INET)"})
	wantErr(t, "an internal port of an existing name", err, engine.ErrExists)
	p := must[engine.Port](t)(e.ConnectPort(ctx, admin, "host", engine.Connection{InternalPort: "vEthernet (inet)"}))
	if p.Connection == nil || p.Connection.InternalPort != "vEthernet (inet)" {
		t.Fatalf("port connected to the internal port: %+v", p)
	}
	wantErr(t, "delete a connected internal port", e.DeleteInternalPort(ctx, admin, "vEthernet (inet)"), engine.ErrInvalidState)
	notes := "host side"
	must[engine.InternalPort](t)(e.ModifyInternalPort(ctx, admin, "vEthernet (inet)", engine.InternalPortUpdate{Notes: &notes}))
	list := must[[]engine.InternalPort](t)(e.ListInternalPorts(ctx, admin))
	if len(list) != 1 || list[0].Notes != "host side" {
		t.Errorf("internal ports = %+v", list)
	}
	must[engine.Port](t)(e.DisconnectPort(ctx, admin, "host"))
	ok(t, "delete the internal port", e.DeleteInternalPort(ctx, admin, "vEthernet (inet)"))
	ok(t, "delete the port", e.DeletePort(ctx, admin, "host"))
	ok(t, "delete the switch", e.DeleteSwitch(ctx, admin, "inet"))
}

// testVLAN checks that a VLAN is applied (read back) or refused with
// ErrUnsupported and not recorded.
func testVLAN(t *testing.T, h *harness) {
	ctx := context.Background()
	e, _ := h.engine(t)
	must[engine.Switch](t)(e.CreateSwitch(ctx, admin, engine.SwitchSpec{Name: "vnet"}))
	must[engine.Port](t)(e.CreatePort(ctx, admin, engine.PortSpec{Name: "vp", Switch: "vnet"}))
	if v := must[engine.VLAN](t)(e.GetPortVLAN(ctx, admin, "vp")); v.AccessVLANID != 0 {
		t.Errorf("a new port's VLAN: %d, want 0 (untagged)", v.AccessVLANID)
	}
	_, err := e.SetPortVLAN(ctx, admin, "vp", engine.VLAN{AccessVLANID: 4095})
	wantErr(t, "VLAN 4095", err, engine.ErrInvalid)
	got, err := e.SetPortVLAN(ctx, admin, "vp", engine.VLAN{AccessVLANID: 42})
	read := must[engine.VLAN](t)(e.GetPortVLAN(ctx, admin, "vp"))
	switch {
	case errors.Is(err, engine.ErrUnsupported):
		if read.AccessVLANID != 0 {
			t.Errorf("a refused VLAN was recorded: reads %d", read.AccessVLANID)
		}
	case err != nil:
		t.Fatalf("SetPortVLAN: %v, want success or ErrUnsupported", err)
	case got.AccessVLANID != 42 || read.AccessVLANID != 42:
		t.Errorf("VLAN set to 42: answered %d, reads %d", got.AccessVLANID, read.AccessVLANID)
	}
}

// testHostAndService checks the host's interfaces and the service
// configuration with the hypervisor's facts.
func testHostAndService(t *testing.T, h *harness) {
	ctx := context.Background()
	e, _ := h.engine(t)
	must[[]engine.ExternalPort](t)(e.ListExternalPorts(ctx, admin))
	must[engine.Switch](t)(e.CreateSwitch(ctx, admin, engine.SwitchSpec{Name: "ext"}))
	_, err := e.BindExternalPort(ctx, admin, "ext", "azgate-none0")
	wantErr(t, "bind a missing host interface", err, engine.ErrNotFound)
	_, err = e.UnbindExternalPort(ctx, admin, "ext")
	wantErr(t, "unbind an unbound switch", err, engine.ErrInvalidState)

	cfg := must[engine.ServiceConfig](t)(e.GetServiceConfig(ctx, admin))
	if cfg.Host == nil || cfg.Host.Backend == "" || cfg.Host.Hypervisor == "" {
		t.Errorf("service configuration without the hypervisor's facts: %+v", cfg)
	}
	n := 4096
	got := must[engine.ServiceConfig](t)(e.SetServiceConfig(ctx, admin, engine.ServiceUpdate{ConsoleBufferBytes: &n}))
	if got.ConsoleBufferBytes != 4096 || must[engine.ServiceConfig](t)(e.GetServiceConfig(ctx, admin)).ConsoleBufferBytes != 4096 {
		t.Errorf("console buffer set to 4096: %+v", got)
	}
	n = 1
	_, err = e.SetServiceConfig(ctx, admin, engine.ServiceUpdate{ConsoleBufferBytes: &n})
	wantErr(t, "console buffer of 1 byte", err, engine.ErrInvalid)
}

// testGuard calls the backend directly with Guards that do not cover the
// change: each is ErrChanged and changes nothing.
func testGuard(t *testing.T, h *harness) {
	ctx := context.Background()
	e, _ := h.engine(t)
	vm := must[engine.VM](t)(e.CreateVM(ctx, admin, engine.VMSpec{Name: "g", MemoryMB: 64, Processors: 1, Scope: "Lab", NetworkAdapters: []string{"nic"}}))
	sw := must[engine.Switch](t)(e.CreateSwitch(ctx, admin, engine.SwitchSpec{Name: "gnet", Scope: "Lab"}))
	port := must[engine.Port](t)(e.CreatePort(ctx, admin, engine.PortSpec{Name: "gp", Switch: "gnet", Scope: "Lab"}))
	b := h.b
	vmRef := engine.Ref{Kind: engine.KindVM, ID: vm.ID, Scope: "Lab"}
	swRef := engine.Ref{Kind: engine.KindSwitch, ID: sw.ID, Scope: "Lab"}
	portRef := engine.Ref{Kind: engine.KindPort, ID: port.ID, Scope: "Lab"}
	cases := []struct {
		name string
		call func() error
	}{
		{"start with an empty guard", func() error {
			_, err := b.ChangeVMState(ctx, engine.Guard{}, vm.ID, engine.ActionStart)
			return err
		}},
		{"start decided in another scope", func() error {
			_, err := b.ChangeVMState(ctx, engine.Guard{Objects: []engine.Ref{{Kind: engine.KindVM, ID: vm.ID, Scope: "Prod"}}}, vm.ID, engine.ActionStart)
			return err
		}},
		{"delete a VM decided as another", func() error {
			return b.DeleteVM(ctx, engine.Guard{Objects: []engine.Ref{{Kind: engine.KindVM, ID: sw.ID, Scope: "Lab"}}}, vm.ID)
		}},
		{"read the console of a VM not decided", func() error {
			_, err := b.ReadConsole(ctx, engine.Guard{Objects: []engine.Ref{swRef}}, vm.ID)
			return err
		}},
		{"connect to a VM not decided", func() error {
			_, err := b.ConnectPort(ctx, engine.Guard{Objects: []engine.Ref{portRef, swRef}}, port.ID, engine.PortLink{VMID: vm.ID, Adapter: "nic"})
			return err
		}},
		{"delete a port whose switch was not decided", func() error {
			return b.DeletePort(ctx, engine.Guard{Objects: []engine.Ref{portRef}}, port.ID)
		}},
		{"rename a switch decided in another scope", func() error {
			n := "renamed"
			_, err := b.ModifySwitch(ctx, engine.Guard{Objects: []engine.Ref{{Kind: engine.KindSwitch, ID: sw.ID}}}, sw.ID, engine.SwitchUpdate{Name: &n})
			return err
		}},
	}
	if ifs := must[[]engine.ExternalPort](t)(b.HostInterfaces(ctx)); len(ifs) > 0 {
		cases = append(cases, struct {
			name string
			call func() error
		}{"bind a host interface without the host decided", func() error {
			_, err := b.BindExternal(ctx, engine.Guard{Objects: []engine.Ref{swRef}}, sw.ID, ifs[0].Name)
			return err
		}})
	}
	for _, c := range cases {
		wantErr(t, c.name, c.call(), engine.ErrChanged)
	}
	// Nothing changed.
	if got := must[engine.VM](t)(b.VM(ctx, vm.ID)); got.State != engine.Off || got.Scope != "Lab" {
		t.Errorf("VM after refused calls: %+v", got)
	}
	if got := must[engine.Switch](t)(b.Switch(ctx, sw.ID)); got.Name != "gnet" || got.External != "" {
		t.Errorf("switch after refused calls: %+v", got)
	}
	if got := must[engine.PortRecord](t)(b.Port(ctx, port.ID)); got.Conn != nil {
		t.Errorf("port after refused calls: %+v", got)
	}
	// The covering Guard works.
	_, err := b.ConnectPort(ctx, engine.Guard{Objects: []engine.Ref{portRef, swRef, vmRef}}, port.ID, engine.PortLink{VMID: vm.ID, Adapter: "nic"})
	ok(t, "connect with a covering guard", err)
	wantErr(t, "delete a connected port with its VM undecided",
		b.DeletePort(ctx, engine.Guard{Objects: []engine.Ref{portRef, swRef}}, port.ID), engine.ErrChanged)
	ok(t, "delete with a covering guard", b.DeletePort(ctx, engine.Guard{Objects: []engine.Ref{portRef, swRef, vmRef}}, port.ID))
}
