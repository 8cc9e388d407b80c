package engine

import (
	"context"
	"testing"
	"time"
)

// watching is the simulator with a Watcher that reports the given events
// once, as a backend whose VMs change outside azgate does.
type watching struct {
	*Simulator
	events []Event
}

func (w watching) Watch(ctx context.Context, fn func(Event)) error {
	for _, ev := range w.events {
		fn(ev)
	}
	<-ctx.Done()
	return nil
}

// TestEngine_ReportsBackendEvents checks that a Watcher backend's events
// reach Config.OnEvent in order, and that Close stops the watch.
func TestEngine_ReportsBackendEvents(t *testing.T) {
	ctx := context.Background()
	sim, err := OpenSimulator(ctx, SimulatorConfig{Dir: t.TempDir()})
	ok(t, err)
	sent := []Event{
		{Time: time.Unix(1, 0), Kind: KindVM, ID: "1", Name: "lab1", Scope: "Lab", State: Off, Reason: "crashed"},
		{Time: time.Unix(2, 0), Kind: KindVM, ID: "2", Name: "made-by-virsh", Reason: "defined outside azgate"},
	}
	got := make(chan Event, len(sent))
	e, err := Open(ctx, Config{Backend: watching{sim, sent}, Authorizer: newTestAuthz(),
		OnEvent: func(_ context.Context, ev Event) { got <- ev }})
	ok(t, err)
	for i := range sent {
		if ev := <-got; ev != sent[i] {
			t.Errorf("event %d = %+v, want %+v", i, ev, sent[i])
		}
	}
	ok(t, e.Close()) // returns: the watch stopped
}
