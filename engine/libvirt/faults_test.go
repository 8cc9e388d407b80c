package libvirt_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/internal/libvirttest"
)

// libvirtd killed in the middle of a start: the call fails with
// ErrUnavailable (or succeeds, if it finished first), every call fails so
// while the daemon is down, and once it is back the backend reconnects by
// itself and finds the VM whole, in its scope.
func TestBackend_DaemonKilledMidCall(t *testing.T) {
	d := libvirttest.Start(t)
	b := open(t, d)
	ctx := context.Background()
	vm, err := b.CreateVM(ctx, engine.VMSpec{Name: "victim", MemoryMB: 64, Processors: 1, Scope: "Lab"})
	if err != nil {
		t.Fatal(err)
	}
	g := all(t, b)
	done := make(chan error, 1)
	go func() {
		_, err := b.ChangeVMState(ctx, g, vm.ID, engine.ActionStart)
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	d.Kill(t)
	if err := <-done; err != nil && !errors.Is(err, engine.ErrUnavailable) {
		t.Fatalf("start cut short: %v, want ErrUnavailable", err)
	}
	if _, err := b.VMs(ctx); !errors.Is(err, engine.ErrUnavailable) {
		t.Fatalf("list while libvirtd is down: %v, want ErrUnavailable", err)
	}
	d.Restart(t)
	got, err := b.VM(ctx, vm.ID)
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if got.Scope != "Lab" || (got.State != engine.Running && got.State != engine.Off && got.State != engine.Paused) {
		t.Fatalf("after restart: %+v", got)
	}
}

// A half-made VM leaves nothing: a define that fails (a name libvirt
// refuses) deletes the disk made for it.
func TestBackend_FailedCreateLeavesNoDisk(t *testing.T) {
	d := libvirttest.Shared(t)
	b := open(t, d)
	ctx := context.Background()
	if _, err := b.CreateVM(ctx, engine.VMSpec{Name: "bad/name", MemoryMB: 64, Processors: 1}); !errors.Is(err, engine.ErrInvalid) {
		t.Fatalf("name with '/': %v", err)
	}
	if _, err := b.CreateVM(ctx, engine.VMSpec{Name: "wide", MemoryMB: 64, Processors: 4096}); err == nil {
		t.Fatal("a VM of 4096 processors was defined")
	}
	entries, _ := os.ReadDir(filepath.Join(d.Dir, "lib", "images", "azgate"))
	if len(entries) != 0 {
		t.Fatalf("disks left behind: %v", entries)
	}
}

// Scope lives in the domain's and the network's metadata: a backend with
// an empty data directory reads it back; a domain defined with virsh is in
// the default scope; changes made with virsh are reported as events,
// azgate's own are not.
func TestBackend_MetadataEventsAndOutsiders(t *testing.T) {
	d := libvirttest.Shared(t)
	b := open(t, d)
	ctx := context.Background()
	vm, err := b.CreateVM(ctx, engine.VMSpec{Name: "kept", MemoryMB: 64, Processors: 1, Scope: "Lab"})
	if err != nil {
		t.Fatal(err)
	}
	sw, err := b.CreateSwitch(ctx, engine.SwitchSpec{Name: "kept-net", Scope: "Lab"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.CreatePort(ctx, all(t, b), engine.PortRecord{Name: "kept-port", SwitchID: sw.ID, Scope: "Lab"}); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var events []engine.Event
	wctx, stop := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		b.Watch(wctx, func(e engine.Event) { mu.Lock(); events = append(events, e); mu.Unlock() })
		close(watched)
	}()
	defer func() { stop(); <-watched }()
	time.Sleep(300 * time.Millisecond) // the watch subscribes

	fresh := open(t, d) // an empty data directory
	got, err := fresh.VM(ctx, vm.ID)
	if err != nil || got.Scope != "Lab" {
		t.Fatalf("VM read by a fresh backend: %+v, %v", got, err)
	}
	gotSw, err := fresh.Switch(ctx, sw.ID)
	if err != nil || gotSw.Scope != "Lab" {
		t.Fatalf("switch read by a fresh backend: %+v, %v", gotSw, err)
	}
	ports, err := fresh.Ports(ctx)
	if err != nil || len(ports) != 1 || ports[0].Scope != "Lab" || ports[0].SwitchID != sw.ID {
		t.Fatalf("ports read by a fresh backend: %+v, %v", ports, err)
	}

	if _, err := b.ChangeVMState(ctx, all(t, b), vm.ID, engine.ActionStart); err != nil {
		t.Fatal(err)
	}
	xml := filepath.Join(t.TempDir(), "outsider.xml")
	os.WriteFile(xml, []byte(`<domain type='qemu'><name>outsider</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os></domain>`), 0o644)
	d.Virsh(t, "define", xml)
	d.Virsh(t, "destroy", "kept")
	id, err := fresh.Lookup(ctx, engine.KindVM, "OUTSIDER")
	if err != nil {
		t.Fatal(err)
	}
	out, err := fresh.VM(ctx, id)
	if err != nil || out.Scope != "" || out.State != engine.Off {
		t.Fatalf("virsh-defined VM: %+v, %v", out, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	want := map[string]string{"outsider": "defined outside azgate", "kept": "stopped outside azgate"}
	for {
		mu.Lock()
		seen := map[string]string{}
		for _, e := range events {
			seen[e.Name] = e.Reason
		}
		mu.Unlock()
		if seen["outsider"] == want["outsider"] && seen["kept"] == want["kept"] {
			for _, e := range events {
				if e.Name == "kept" && e.Reason == "started outside azgate" {
					t.Fatalf("azgate's own start reported as an outside change: %+v", e)
				}
				if e.Name == "kept" && (e.Scope != "Lab" || e.State != engine.Off) {
					t.Fatalf("event %+v, want scope Lab, Off", e)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("events = %+v, want %v", events, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
