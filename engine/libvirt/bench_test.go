package libvirt_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/internal/libvirttest"
)

// BenchmarkBackend_VMs200 lists 200 defined domains (the backend's part of
// ListVMs: every domain's definition, metadata and state).
func BenchmarkBackend_VMs200(b *testing.B) {
	d := libvirttest.Shared(b)
	be := open(b, d)
	ctx := context.Background()
	for i := range 200 {
		scope := "Lab"
		if i%2 == 1 {
			scope = "Prod"
		}
		if _, err := be.CreateVM(ctx, engine.VMSpec{Name: fmt.Sprintf("vm%03d", i), MemoryMB: 64, Processors: 1, Scope: scope}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		vms, err := be.VMs(ctx)
		if err != nil || len(vms) != 200 {
			b.Fatal(len(vms), err)
		}
	}
}
