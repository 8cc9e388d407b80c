package libvirt_test

import (
	"context"
	"testing"

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
