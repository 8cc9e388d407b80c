package engine

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkEngine_GetVM measures a gated read: scope lookup, one decision,
// one read transaction.
func BenchmarkEngine_GetVM(b *testing.B) {
	ctx := context.Background()
	az := newTestAuthz("S1")
	e, err := Open(ctx, Config{Dir: b.TempDir(), Authorizer: az})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	admin := az.grant("admin", "", allOps()...)
	if _, err := e.CreateVM(ctx, admin, VMSpec{Name: "web", MemoryMB: 64, Processors: 1, Scope: "S1"}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.GetVM(ctx, admin, "web"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEngine_ListVMs measures a filtered list of 1000 VMs in 10 scopes.
func BenchmarkEngine_ListVMs(b *testing.B) {
	ctx := context.Background()
	scopes := make([]string, 10)
	for i := range scopes {
		scopes[i] = fmt.Sprintf("S%d", i)
	}
	az := newTestAuthz(scopes...)
	e, err := Open(ctx, Config{Dir: b.TempDir(), Authorizer: az})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	admin := az.grant("admin", "", allOps()...)
	for i := range 1000 {
		if _, err := e.CreateVM(ctx, admin, VMSpec{Name: fmt.Sprintf("vm%d", i), MemoryMB: 64, Processors: 1, Scope: scopes[i%10]}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if l, err := e.ListVMs(ctx, admin); err != nil || len(l) != 1000 {
			b.Fatal(len(l), err)
		}
	}
}

// BenchmarkEngine_StartStop measures gated writes (each a synced commit).
func BenchmarkEngine_StartStop(b *testing.B) {
	ctx := context.Background()
	az := newTestAuthz()
	e, err := Open(ctx, Config{Dir: b.TempDir(), Authorizer: az})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	admin := az.grant("admin", "", allOps()...)
	if _, err := e.CreateVM(ctx, admin, VMSpec{Name: "web", MemoryMB: 64, Processors: 1}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.StartVM(ctx, admin, "web"); err != nil {
			b.Fatal(err)
		}
		if _, err := e.StopVM(ctx, admin, "web"); err != nil {
			b.Fatal(err)
		}
	}
}
