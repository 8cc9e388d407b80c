package server

import (
	"context"
	"errors"
	"testing"

	"github.com/azgate/azgate/policy"
)

// TestSavePolicy_NoCaller: a policy write whose request carries no
// authenticated caller is refused (fail closed), not saved as a nameless one.
func TestSavePolicy_NoCaller(t *testing.T) {
	ts := startServer(t, nil)
	_, rev, err := ts.s.store.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = ts.s.savePolicy(context.Background(), rev, "test", func(*policy.Policy) error { return nil })
	if !errors.Is(err, errUnauthenticated) {
		t.Fatalf("savePolicy without a caller: %v, want errUnauthenticated", err)
	}
	if _, after, _ := ts.s.store.Load(context.Background()); after != rev {
		t.Fatalf("store revision %d after a refused write, want %d", after, rev)
	}
}
