package libvirt_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/engine/libvirt"
	"github.com/azgate/azgate/internal/libvirttest"
)

func TestMain(m *testing.M) { libvirttest.Main(m) }

// open returns a backend on d with a fresh data directory.
func open(t testing.TB, d *libvirttest.Daemon) *libvirt.Backend {
	t.Helper()
	b, err := libvirt.Open(context.Background(), libvirt.Config{Socket: d.Socket, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// all is a Guard covering every object the backend has.
func all(t testing.TB, b *libvirt.Backend) engine.Guard {
	t.Helper()
	ctx := context.Background()
	g := engine.Guard{Host: true}
	vms, err := b.VMs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vms {
		g.Objects = append(g.Objects, engine.Ref{Kind: engine.KindVM, ID: v.ID, Scope: v.Scope})
	}
	sws, err := b.Switches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sws {
		g.Objects = append(g.Objects, engine.Ref{Kind: engine.KindSwitch, ID: s.ID, Scope: s.Scope})
	}
	ports, err := b.Ports(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ports {
		g.Objects = append(g.Objects, engine.Ref{Kind: engine.KindPort, ID: p.ID, Scope: p.Scope})
	}
	ips, _ := b.InternalPorts(ctx)
	for _, p := range ips {
		g.Objects = append(g.Objects, engine.Ref{Kind: engine.KindInternal, ID: p.ID})
	}
	return g
}

func TestBackend_VMLifecycle(t *testing.T) {
	d := libvirttest.Shared(t)
	b := open(t, d)
	ctx := context.Background()
	vm, err := b.CreateVM(ctx, engine.VMSpec{Name: "Lab VM", MemoryMB: 64, Processors: 1, Scope: "Lab", Notes: "n", NetworkAdapters: []string{"nic0"}})
	if err != nil {
		t.Fatal(err)
	}
	if vm.State != engine.Off || vm.Scope != "Lab" || vm.MemoryMB != 64 || len(vm.NetworkAdapters) != 1 {
		t.Fatalf("created %+v", vm)
	}
	if _, err := b.CreateVM(ctx, engine.VMSpec{Name: "lab vm", MemoryMB: 64, Processors: 1}); !errors.Is(err, engine.ErrExists) {
		t.Fatalf("duplicate name: %v", err)
	}
	id, err := b.Lookup(ctx, engine.KindVM, "LAB VM")
	if err != nil || id != vm.ID {
		t.Fatalf("lookup = %q, %v", id, err)
	}
	g := all(t, b)
	for i, step := range []struct {
		a    engine.VMAction
		want engine.VMState
	}{
		{engine.ActionStart, engine.Running}, {engine.ActionPause, engine.Paused}, {engine.ActionResume, engine.Running},
		{engine.ActionSave, engine.Saved}, {engine.ActionStart, engine.Running}, {engine.ActionTurnOff, engine.Off},
	} {
		t0 := time.Now()
		got, err := b.ChangeVMState(ctx, g, vm.ID, step.a)
		if err != nil {
			t.Fatalf("%s: %v", step.a, err)
		}
		t.Logf("%s: %v", step.a, time.Since(t0))
		if got.State != step.want {
			t.Fatalf("%s: state %s, want %s", step.a, got.State, step.want)
		}
		if i == 0 {
			// The firmware writes its banner to the serial console.
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				out, err := b.ReadConsole(ctx, g, vm.ID)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(out, "SeaBIOS") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("console = %q, want SeaBIOS's banner", out)
				}
			}
		}
	}
	if out, err := b.ReadConsole(ctx, g, vm.ID); err != nil || !strings.Contains(out, "SeaBIOS") {
		t.Fatalf("console of the VM turned off = %q, %v; want what it showed", out, err)
	}
	if _, err := b.ChangeVMState(ctx, g, vm.ID, engine.ActionPause); !errors.Is(err, engine.ErrInvalidState) {
		t.Fatalf("pause an Off VM: %v", err)
	}
	snap, err := b.CreateSnapshot(ctx, g, vm.ID, "before")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ReconfigureVM(ctx, g, vm.ID, engine.VMUpdate{MemoryMB: ptr(128), Name: ptr("Lab VM 2")}); err != nil {
		t.Fatal(err)
	}
	back, err := b.ApplySnapshot(ctx, g, vm.ID, snap.ID)
	if err != nil {
		t.Fatal(err)
	}
	if back.MemoryMB != 64 || back.State != engine.Off {
		t.Fatalf("after apply: %+v", back)
	}
	wrong := engine.Guard{Objects: []engine.Ref{{Kind: engine.KindVM, ID: vm.ID, Scope: "Prod"}}}
	if _, err := b.ChangeVMState(ctx, wrong, vm.ID, engine.ActionStart); !errors.Is(err, engine.ErrChanged) {
		t.Fatalf("guard in another scope: %v", err)
	}
	if err := b.DeleteVM(ctx, g, vm.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.VM(ctx, vm.ID); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("deleted VM: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestBackend_Network(t *testing.T) {
	d := libvirttest.Shared(t)
	b := open(t, d)
	ctx := context.Background()
	sw, err := b.CreateSwitch(ctx, engine.SwitchSpec{Name: "lab-net", Scope: "Lab"})
	if err != nil {
		t.Fatal(err)
	}
	var vms []engine.VM
	for _, n := range []string{"a", "b"} {
		vm, err := b.CreateVM(ctx, engine.VMSpec{Name: n, MemoryMB: 64, Processors: 1, Scope: "Lab", NetworkAdapters: []string{"eth"}})
		if err != nil {
			t.Fatal(err)
		}
		vms = append(vms, vm)
	}
	g := all(t, b)
	for i, vm := range vms {
		p, err := b.CreatePort(ctx, g, engine.PortRecord{Name: "p" + vm.Name, SwitchID: sw.ID, Scope: "Lab"})
		if err != nil {
			t.Fatal(err)
		}
		g = all(t, b)
		if i == 1 {
			if _, err := b.ChangeVMState(ctx, g, vm.ID, engine.ActionStart); err != nil {
				t.Fatal(err)
			}
		}
		p, err = b.ConnectPort(ctx, g, p.ID, engine.PortLink{VMID: vm.ID, Adapter: "eth"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Conn == nil || p.Conn.VMID != vm.ID {
			t.Fatalf("connected port = %+v", p)
		}
	}
	if _, err := b.ChangeVMState(ctx, g, vms[0].ID, engine.ActionStart); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteSwitch(ctx, g, sw.ID); !errors.Is(err, engine.ErrInvalidState) {
		t.Fatalf("delete a switch with ports: %v", err)
	}
	ports, _ := b.Ports(ctx)
	for _, p := range ports {
		if p.Conn == nil {
			t.Fatalf("port %s not connected", p.Name)
		}
		if _, err := b.SetPortVLAN(ctx, g, p.ID, engine.VLAN{AccessVLANID: 5}); !errors.Is(err, engine.ErrUnsupported) {
			t.Fatalf("VLAN on a Linux bridge: %v", err)
		}
		q, err := b.DisconnectPort(ctx, g, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if q.Conn != nil {
			t.Fatalf("disconnected port = %+v", q)
		}
	}
	d.Exec(t, "ip", "link", "add", "br-ext", "type", "bridge")
	ext, err := b.HostInterfaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("host interfaces: %+v", ext)
}
