package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/directory"
)

func TestTransition(t *testing.T) {
	tests := []struct {
		from VMState
		act  VMAction
		want VMState // 0: impossible
	}{
		{Off, ActionStart, Running},
		{Off, ActionTurnOff, 0},
		{Off, ActionSave, 0},
		{Off, ActionPause, 0},
		{Off, ActionResume, 0},
		{Running, ActionStart, 0},
		{Running, ActionTurnOff, Off},
		{Running, ActionSave, Saved},
		{Running, ActionPause, Paused},
		{Running, ActionResume, 0},
		{Paused, ActionStart, 0},
		{Paused, ActionTurnOff, Off},
		{Paused, ActionSave, Saved},
		{Paused, ActionPause, 0},
		{Paused, ActionResume, Running},
		{Saved, ActionStart, Running},
		{Saved, ActionTurnOff, Off},
		{Saved, ActionSave, 0},
		{Saved, ActionPause, 0},
		{Saved, ActionResume, 0},
	}
	ctx := context.Background()
	az := newTestAuthz()
	e, _, _ := openTest(t, az)
	admin := az.grant("admin", "", allOps()...)
	do := map[VMAction]func(context.Context, directory.ClientContext, string) (VM, error){
		ActionStart: e.StartVM, ActionTurnOff: e.StopVM, ActionSave: e.SaveVM, ActionPause: e.PauseVM, ActionResume: e.ResumeVM,
	}
	// How to reach each state from Off.
	reach := map[VMState][]VMAction{Off: nil, Running: {ActionStart}, Paused: {ActionStart, ActionPause}, Saved: {ActionStart, ActionSave}}

	for i, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.from, tt.act), func(t *testing.T) {
			// The pure function.
			got, err := transition(tt.from, tt.act)
			if tt.want == 0 {
				if !errors.Is(err, ErrInvalidState) || got != tt.from {
					t.Errorf("transition = %v, %v; want ErrInvalidState", got, err)
				}
			} else if err != nil || got != tt.want {
				t.Errorf("transition = %v, %v; want %v", got, err, tt.want)
			}

			// Through the engine, persisted.
			name := fmt.Sprintf("vm%d", i)
			must[VM](t)(e.CreateVM(ctx, admin, VMSpec{Name: name, MemoryMB: 64, Processors: 1}))
			for _, a := range reach[tt.from] {
				must[VM](t)(do[a](ctx, admin, name))
			}
			vm, err := do[tt.act](ctx, admin, name)
			want := tt.want
			if want == 0 {
				want = tt.from
				if !errors.Is(err, ErrInvalidState) || !strings.Contains(err.Error(), name) {
					t.Errorf("engine %s: err %v, want ErrInvalidState naming the VM", tt.act, err)
				}
			} else if err != nil || vm.State != want || vm.StateName != want.String() {
				t.Errorf("engine %s = %v (%s), %v; want %v", tt.act, vm.State, vm.StateName, err, want)
			}
			if vm := must[VM](t)(e.GetVM(ctx, admin, name)); vm.State != want {
				t.Errorf("stored state %v, want %v", vm.State, want)
			}
		})
	}
	if int(Running) != 2 || int(Off) != 3 || int(Paused) != 32768 || int(Saved) != 32769 {
		t.Error("state numbers differ from Hyper-V's")
	}
}

func TestEngine_PersistsAcrossReopen(t *testing.T) {
	ctx := context.Background()
	az := newTestAuthz("S1", "S2")
	admin := az.grant("admin", "", allOps()...)
	dir := t.TempDir()

	e, _ := openDir(t, dir, az)
	fixture(t, e, admin)
	must[VM](t)(e.ReconfigureVM(ctx, admin, "off1", VMUpdate{Name: ptr("Off-One"), Notes: ptr("renamed")}))
	must[VLAN](t)(e.SetPortVLAN(ctx, admin, "p1", VLAN{AccessVLANID: 7}))
	must[ServiceConfig](t)(e.SetServiceConfig(ctx, admin, ServiceUpdate{DefaultVMPath: ptr("/srv/vms")}))
	ok(t, e.SendConsoleInput(ctx, admin, "run1", "hello\n"))
	must[VM](t)(e.ReconfigureVM(ctx, admin, "Off-One", VMUpdate{Name: ptr("off1")}))
	before := state(t, e, admin)
	ok(t, e.Close())

	e2, _ := openDir(t, dir, az)
	if after := state(t, e2, admin); after != before {
		t.Errorf("state differs after reopen:\nbefore %s\nafter  %s", before, after)
	}
	if c := must[Console](t)(e2.ReadConsole(ctx, admin, "run1")); !strings.HasSuffix(c.Output, "hello\n") {
		t.Errorf("console after reopen = %q", c.Output)
	}
	if v := must[VLAN](t)(e2.GetPortVLAN(ctx, admin, "p1")); v.AccessVLANID != 7 {
		t.Errorf("VLAN after reopen = %d", v.AccessVLANID)
	}
}

func TestEngine_Validation(t *testing.T) {
	ctx := context.Background()
	az := newTestAuthz("S1", "S2")
	e, _, _ := openTest(t, az)
	admin := az.grant("admin", "", allOps()...)
	fixture(t, e, admin)

	tests := []struct {
		name    string
		call    func() error
		want    error
		mention string
	}{
		{"vm empty name", func() error { _, err := e.CreateVM(ctx, admin, VMSpec{MemoryMB: 1, Processors: 1}); return err }, ErrInvalid, "name is empty"},
		{"vm zero memory", func() error {
			_, err := e.CreateVM(ctx, admin, VMSpec{Name: "a", Processors: 1})
			return err
		}, ErrInvalid, "memory 0 MB"},
		{"vm 65 processors", func() error {
			_, err := e.CreateVM(ctx, admin, VMSpec{Name: "a", MemoryMB: 1, Processors: 65})
			return err
		}, ErrInvalid, "processors 65"},
		{"vm control char", func() error {
			_, err := e.CreateVM(ctx, admin, VMSpec{Name: "a\nb", MemoryMB: 1, Processors: 1})
			return err
		}, ErrInvalid, "control character"},
		{"vm duplicate adapters", func() error {
			_, err := e.CreateVM(ctx, admin, VMSpec{Name: "a", MemoryMB: 1, Processors: 1, NetworkAdapters: []string{"n", "N"}})
			return err
		}, ErrInvalid, "listed twice"},
		{"vm duplicate name", func() error {
			_, err := e.CreateVM(ctx, admin, VMSpec{Name: "OFF1", MemoryMB: 1, Processors: 1})
			return err
		}, ErrExists, "OFF1"},
		{"rename onto another", func() error {
			_, err := e.ReconfigureVM(ctx, admin, "off1", VMUpdate{Name: ptr("run1")})
			return err
		}, ErrExists, "run1"},
		{"memory while running", func() error {
			_, err := e.ReconfigureVM(ctx, admin, "run1", VMUpdate{MemoryMB: ptr(4096)})
			return err
		}, ErrInvalidState, "Running"},
		{"remove connected adapter", func() error {
			must[Port](t)(e.ConnectPort(ctx, admin, "p1", Connection{VM: "off1", Adapter: "nic1"}))
			defer func() { must[Port](t)(e.DisconnectPort(ctx, admin, "p1")) }()
			_, err := e.ReconfigureVM(ctx, admin, "off1", VMUpdate{NetworkAdapters: &[]string{"nic2"}})
			return err
		}, ErrInvalidState, `"nic1" is connected to a switch port`},
		{"input to off vm", func() error { return e.SendConsoleInput(ctx, admin, "off1", "x") }, ErrInvalidState, "Off"},
		{"empty input", func() error { return e.SendConsoleInput(ctx, admin, "run1", "") }, ErrInvalid, "empty"},
		{"delete running vm", func() error { return e.DeleteVM(ctx, admin, "run1") }, ErrInvalidState, "turn it off"},
		{"apply snapshot while running", func() error {
			must[Snapshot](t)(e.CreateSnapshot(ctx, admin, "run1", "r"))
			_, err := e.ApplySnapshot(ctx, admin, "run1", "r")
			return err
		}, ErrInvalidState, "Running"},
		{"duplicate snapshot", func() error { _, err := e.CreateSnapshot(ctx, admin, "off1", "SNAP1"); return err }, ErrExists, "SNAP1"},
		{"missing snapshot", func() error { _, err := e.ApplySnapshot(ctx, admin, "off1", "nope"); return err }, ErrNotFound, "nope"},
		{"vlan 4095", func() error { _, err := e.SetPortVLAN(ctx, admin, "p1", VLAN{AccessVLANID: 4095}); return err }, ErrInvalid, "4095"},
		{"vlan -1", func() error { _, err := e.SetPortVLAN(ctx, admin, "p1", VLAN{AccessVLANID: -1}); return err }, ErrInvalid, "out of range"},
		{"port on missing switch", func() error {
			_, err := e.CreatePort(ctx, admin, PortSpec{Name: "px", Switch: "nosw", Scope: "S1"})
			return err
		}, ErrNotFound, "nosw"},
		{"connect connected port", func() error {
			_, err := e.ConnectPort(ctx, admin, "p2", Connection{InternalPort: "ip2"})
			return err
		}, ErrInvalidState, "already connected"},
		{"connect to taken internal port", func() error {
			_, err := e.ConnectPort(ctx, admin, "p1", Connection{InternalPort: "ip1"})
			return err
		}, ErrInvalidState, "already connected to a switch port"},
		{"connect to both", func() error {
			_, err := e.ConnectPort(ctx, admin, "p1", Connection{VM: "off1", Adapter: "nic1", InternalPort: "ip2"})
			return err
		}, ErrInvalid, "not both"},
		{"connect to missing adapter", func() error {
			_, err := e.ConnectPort(ctx, admin, "p1", Connection{VM: "off1", Adapter: "nic9"})
			return err
		}, ErrNotFound, "nic9"},
		{"disconnect idle port", func() error { _, err := e.DisconnectPort(ctx, admin, "p1"); return err }, ErrInvalidState, "not connected"},
		{"delete switch with ports", func() error { return e.DeleteSwitch(ctx, admin, "sw1") }, ErrInvalidState, "still has switch ports"},
		{"bind bound switch", func() error {
			_, err := e.BindExternalPort(ctx, admin, "sw2", hostIface(t))
			return err
		}, ErrInvalidState, "already bound"},
		{"bind missing interface", func() error {
			_, err := e.BindExternalPort(ctx, admin, "sw1", "no-such-if0")
			return err
		}, ErrNotFound, "no-such-if0"},
		{"unbind unbound", func() error { _, err := e.UnbindExternalPort(ctx, admin, "sw1"); return err }, ErrInvalidState, "no external port"},
		{"relative vm path", func() error {
			_, err := e.SetServiceConfig(ctx, admin, ServiceUpdate{DefaultVMPath: ptr("vms")})
			return err
		}, ErrInvalid, "defaultVMPath"},
		{"tiny console", func() error {
			_, err := e.SetServiceConfig(ctx, admin, ServiceUpdate{ConsoleBufferBytes: ptr(10)})
			return err
		}, ErrInvalid, "consoleBufferBytes"},
		{"internal port name space", func() error {
			_, err := e.CreateInternalPort(ctx, admin, InternalPortSpec{Name: " ip"})
			return err
		}, ErrInvalid, "leading or trailing space"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}

func TestEngine_Behaviour(t *testing.T) {
	ctx := context.Background()
	az := newTestAuthz("S1", "S2")
	e, _, _ := openTest(t, az)
	admin := az.grant("admin", "", allOps()...)
	fixture(t, e, admin)

	t.Run("console is bounded and records start and input", func(t *testing.T) {
		must[ServiceConfig](t)(e.SetServiceConfig(ctx, admin, ServiceUpdate{ConsoleBufferBytes: ptr(1024)}))
		for i := range 200 {
			ok(t, e.SendConsoleInput(ctx, admin, "run1", fmt.Sprintf("line %03d\n", i)))
		}
		c := must[Console](t)(e.ReadConsole(ctx, admin, "run1"))
		if len(c.Output) > 1024 || !strings.HasSuffix(c.Output, "line 199\n") || !strings.HasPrefix(c.Output, "line ") {
			t.Errorf("console (%d bytes) = %q", len(c.Output), c.Output)
		}
		st := must[VM](t)(e.StopVM(ctx, admin, "run1"))
		c = must[Console](t)(e.ReadConsole(ctx, admin, "run1"))
		if st.State != Off || !strings.Contains(c.Output, "turn off, now Off") {
			t.Errorf("after stop: %v, console %q", st.State, c.Output)
		}
	})

	t.Run("snapshot apply restores configuration and state", func(t *testing.T) {
		must[VM](t)(e.StartVM(ctx, admin, "off1"))
		s := must[Snapshot](t)(e.CreateSnapshot(ctx, admin, "off1", ""))
		if s.State != Running || !strings.HasPrefix(s.Name, "off1 - (") {
			t.Errorf("snapshot = %+v", s)
		}
		must[VM](t)(e.StopVM(ctx, admin, "off1"))
		must[VM](t)(e.ReconfigureVM(ctx, admin, "off1", VMUpdate{MemoryMB: ptr(4096)}))
		vm := must[VM](t)(e.ApplySnapshot(ctx, admin, "off1", s.ID))
		if vm.MemoryMB != 512 || vm.State != Saved {
			t.Errorf("after applying an online snapshot: %d MB, %v; want 512 MB, Saved", vm.MemoryMB, vm.State)
		}
		vm = must[VM](t)(e.ApplySnapshot(ctx, admin, "off1", "snap1"))
		if vm.State != Off {
			t.Errorf("after applying an offline snapshot: %v", vm.State)
		}
		if l := must[[]Snapshot](t)(e.ListSnapshots(ctx, admin, "off1")); len(l) != 2 || l[0].Name != "snap1" || l[1].VM != "off1" {
			t.Errorf("snapshots = %+v", l)
		}
		ok(t, e.DeleteSnapshot(ctx, admin, "off1", s.Name))
		if l := must[[]Snapshot](t)(e.ListSnapshots(ctx, admin, "off1")); len(l) != 1 {
			t.Errorf("after delete: %+v", l)
		}
	})

	t.Run("renames keep references", func(t *testing.T) {
		must[Port](t)(e.ConnectPort(ctx, admin, "p1", Connection{VM: "off1", Adapter: "nic1"}))
		must[VM](t)(e.ReconfigureVM(ctx, admin, "off1", VMUpdate{Name: ptr("db1")}))
		must[Switch](t)(e.ModifySwitch(ctx, admin, "sw1", SwitchUpdate{Name: ptr("core")}))
		must[InternalPort](t)(e.ModifyInternalPort(ctx, admin, "ip1", InternalPortUpdate{Name: ptr("host0")}))
		p1 := must[Port](t)(e.GetPort(ctx, admin, "p1"))
		p2 := must[Port](t)(e.GetPort(ctx, admin, "p2"))
		if p1.Switch != "core" || p1.Connection == nil || p1.Connection.VM != "db1" || p2.Connection.InternalPort != "host0" {
			t.Errorf("p1 = %+v, p2 = %+v", p1, p2)
		}
		eps := must[[]LANEndpoint](t)(e.ListLANEndpoints(ctx, admin))
		var got []string
		for _, ep := range eps {
			got = append(got, ep.Kind+":"+ep.Target)
		}
		want := []string{"vm:db1/nic1", "internal:host0", "external:" + hostIface(t)}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("endpoints = %v, want %v", got, want)
		}
		if _, err := e.GetVM(ctx, admin, "off1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("old name still resolves: %v", err)
		}
	})

	t.Run("a connected VM or internal port is deleted only once disconnected", func(t *testing.T) {
		for _, del := range []func() error{
			func() error { return e.DeleteVM(ctx, admin, "db1") },
			func() error { return e.DeleteInternalPort(ctx, admin, "host0") },
			func() error { return e.DeleteSwitch(ctx, admin, "core") },
		} {
			if err := del(); !errors.Is(err, ErrInvalidState) || strings.Contains(err.Error(), "p1") || strings.Contains(err.Error(), "p2") {
				t.Errorf("delete while connected: %v, want invalid state naming no port", err)
			}
		}
		must[Port](t)(e.DisconnectPort(ctx, admin, "p1"))
		must[Port](t)(e.DisconnectPort(ctx, admin, "p2"))
		ok(t, e.DeleteVM(ctx, admin, "db1"))
		ok(t, e.DeleteInternalPort(ctx, admin, "host0"))
	})

	t.Run("external ports list the host", func(t *testing.T) {
		l := must[[]ExternalPort](t)(e.ListExternalPorts(ctx, admin))
		bound := ""
		for _, x := range l {
			if x.Bound {
				bound = x.Name
			}
		}
		if len(l) == 0 || bound != hostIface(t) {
			t.Errorf("external ports = %+v", l)
		}
		ok(t, e.DeleteSwitch(ctx, admin, "sw2"))
	})

	t.Run("service", func(t *testing.T) {
		cfg := must[ServiceConfig](t)(e.GetServiceConfig(ctx, admin))
		if cfg.ConsoleBufferBytes != 1024 || !strings.HasSuffix(cfg.DefaultVMPath, "Virtual Machines") {
			t.Errorf("service config = %+v", cfg)
		}
		s := must[SwitchService](t)(e.GetSwitchService(ctx, admin))
		if s.Status != "OK" || s.Started.IsZero() {
			t.Errorf("switch service = %+v", s)
		}
	})
}

func TestOpen_Errors(t *testing.T) {
	ctx := context.Background()
	az := newTestAuthz()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no dir", Config{Authorizer: az}, "data directory is empty"},
		{"no authorizer", Config{Dir: t.TempDir()}, "no Authorizer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(ctx, tt.cfg)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	t.Run("locked by another engine", func(t *testing.T) {
		dir := t.TempDir()
		openDir(t, dir, az)
		_, err := Open(ctx, Config{Dir: dir, Authorizer: az, LockTimeout: 50 * time.Millisecond})
		if err == nil || !strings.Contains(err.Error(), DBFile) {
			t.Errorf("second Open: %v, want a lock error naming the file", err)
		}
	})
}
