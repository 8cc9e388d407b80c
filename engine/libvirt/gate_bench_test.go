package libvirt_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/internal/libvirttest"
	"github.com/azgate/azgate/policies"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/xmlstore"
)

// bookEngine opens the engine on backend be, gated by the real checker
// compiled from the book's roles: admin (BUILTIN\Administrators) may do
// everything, bob (CONTOSO\Lab-Staff) runs the VMs of scope Lab.
func bookEngine(b testing.TB, be engine.Backend) (e *engine.Engine, admin, bob directory.ClientContext) {
	b.Helper()
	p, _, _, err := xmlstore.Parse(bytes.NewReader(policies.BookRoles()), "book-roles.xml")
	if err != nil {
		b.Fatal(err)
	}
	chk, err := authz.Compile(p, policy.DefaultApplication, authz.Options{})
	if err != nil {
		b.Fatal(err)
	}
	e, err = engine.Open(context.Background(), engine.Config{Dir: b.TempDir(), Backend: be, Authorizer: chk,
		OnDecision: func(context.Context, engine.Decision) {}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	return e, directory.ClientContext{Name: "admin", IDs: []string{"admin"}, Groups: []string{"S-1-5-32-544"}},
		directory.ClientContext{Name: "bob", IDs: []string{"CONTOSO\\bob"}, Groups: []string{"CONTOSO\\Lab-Staff"}}
}

// BenchmarkGate_LibvirtCall measures what the gate adds to a libvirt call:
// suspend, resume and a state read of a running domain, each round once
// through the engine (name lookup, scope read, decision, audit hook) and
// once straight to the backend, interleaved so that the machine's load
// falls on both alike. Reported: ms per round of each, and the overhead.
func BenchmarkGate_LibvirtCall(b *testing.B) {
	d := libvirttest.Shared(b)
	be := open(b, d)
	e, admin, _ := bookEngine(b, be)
	ctx := context.Background()
	if _, err := e.CreateVM(ctx, admin, engine.VMSpec{Name: "bench", MemoryMB: 64, Processors: 1, Scope: ""}); err != nil {
		b.Fatal(err)
	}
	if _, err := e.StartVM(ctx, admin, "bench"); err != nil {
		b.Fatal(err)
	}
	id, err := be.Lookup(ctx, engine.KindVM, "bench")
	if err != nil {
		b.Fatal(err)
	}
	g := engine.Guard{Objects: []engine.Ref{{Kind: engine.KindVM, ID: id}}}
	var gated, ungated time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := e.PauseVM(ctx, admin, "bench"); err != nil {
			b.Fatal(err)
		}
		if _, err := e.ResumeVM(ctx, admin, "bench"); err != nil {
			b.Fatal(err)
		}
		if _, err := e.GetVM(ctx, admin, "bench"); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := be.ChangeVMState(ctx, g, id, engine.ActionPause); err != nil {
			b.Fatal(err)
		}
		if _, err := be.ChangeVMState(ctx, g, id, engine.ActionResume); err != nil {
			b.Fatal(err)
		}
		if _, err := be.VM(ctx, id); err != nil {
			b.Fatal(err)
		}
		gated += t1.Sub(t0)
		ungated += time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(gated.Milliseconds())/n, "gated-ms/round")
	b.ReportMetric(float64(ungated.Milliseconds())/n, "ungated-ms/round")
	b.ReportMetric(100*(float64(gated)-float64(ungated))/float64(ungated), "overhead-%")
}

// BenchmarkGate_LibvirtStartStop is BenchmarkGate_LibvirtCall for start
// and turn off (seconds each under QEMU's emulator).
func BenchmarkGate_LibvirtStartStop(b *testing.B) {
	d := libvirttest.Shared(b)
	be := open(b, d)
	e, admin, _ := bookEngine(b, be)
	ctx := context.Background()
	if _, err := e.CreateVM(ctx, admin, engine.VMSpec{Name: "bench", MemoryMB: 64, Processors: 1}); err != nil {
		b.Fatal(err)
	}
	id, err := be.Lookup(ctx, engine.KindVM, "bench")
	if err != nil {
		b.Fatal(err)
	}
	g := engine.Guard{Objects: []engine.Ref{{Kind: engine.KindVM, ID: id}}}
	var gated, ungated time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := e.StartVM(ctx, admin, "bench"); err != nil {
			b.Fatal(err)
		}
		if _, err := e.StopVM(ctx, admin, "bench"); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := be.ChangeVMState(ctx, g, id, engine.ActionStart); err != nil {
			b.Fatal(err)
		}
		if _, err := be.ChangeVMState(ctx, g, id, engine.ActionTurnOff); err != nil {
			b.Fatal(err)
		}
		gated += t1.Sub(t0)
		ungated += time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(gated.Milliseconds())/n, "gated-ms/round")
	b.ReportMetric(float64(ungated.Milliseconds())/n, "ungated-ms/round")
	b.ReportMetric(100*(float64(gated)-float64(ungated))/float64(ungated), "overhead-%")
}

// BenchmarkEngine_LibvirtListVMs200 lists 200 defined domains (three
// running) as bob, who may see the 100 in scope Lab: the engine's ListVMs,
// gate and all, on libvirt.
func BenchmarkEngine_LibvirtListVMs200(b *testing.B) {
	d := libvirttest.Shared(b)
	be := open(b, d)
	e, admin, bob := bookEngine(b, be)
	ctx := context.Background()
	for i := range 200 {
		scope := "Lab"
		if i%2 == 1 {
			scope = ""
		}
		if _, err := e.CreateVM(ctx, admin, engine.VMSpec{Name: fmt.Sprintf("vm%03d", i), MemoryMB: 64, Processors: 1, Scope: scope}); err != nil {
			b.Fatal(err)
		}
	}
	for _, n := range []string{"vm000", "vm001", "vm002"} {
		if _, err := e.StartVM(ctx, admin, n); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		vms, err := e.ListVMs(ctx, bob)
		if err != nil || len(vms) != 100 {
			b.Fatal(len(vms), err)
		}
	}
}
