package libvirt_test

import (
	"context"
	"testing"

	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/engine/enginetest"
	"github.com/azgate/azgate/engine/libvirt"
	"github.com/azgate/azgate/internal/libvirttest"
)

// TestConformance runs the behavioural table every backend passes against
// real QEMU domains and libvirt networks: the package's one private
// libvirtd, emptied after each case.
func TestConformance(t *testing.T) {
	enginetest.Run(t, func(t *testing.T) func(t *testing.T) engine.Backend {
		d := libvirttest.Shared(t)
		dir := t.TempDir() // the data directory every backend of the case shares
		return func(t *testing.T) engine.Backend {
			b, err := libvirt.Open(context.Background(), libvirt.Config{Socket: d.Socket, Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	})
}
