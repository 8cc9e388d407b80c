package engine_test

import (
	"context"
	"testing"

	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/engine/enginetest"
)

// TestSimulator_Conformance runs the backends' behavioural table against
// the simulator; a restart reopens its database file.
func TestSimulator_Conformance(t *testing.T) {
	enginetest.Run(t, func(t *testing.T) func(t *testing.T) engine.Backend {
		dir := t.TempDir()
		return func(t *testing.T) engine.Backend {
			s, err := engine.OpenSimulator(context.Background(), engine.SimulatorConfig{Dir: dir})
			if err != nil {
				t.Fatalf("OpenSimulator: %v", err)
			}
			return s
		}
	})
}
