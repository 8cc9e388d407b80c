package localdir

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestDirectory_PasswordChecksAreBounded: with every bcrypt slot taken, an
// authentication waits for one and gives up when its context ends — for a
// wrong password, an unknown user and a right password alike — and goes
// through once a slot is free.
func TestDirectory_PasswordChecksAreBounded(t *testing.T) {
	d := newDir(t, WithPasswordChecks(2), WithCredentialCacheTTL(0))
	ctx := context.Background()
	if err := d.AddUser(ctx, "alice", "alice-pw"); err != nil {
		t.Fatal(err)
	}
	for range cap(d.checks) {
		d.checks <- struct{}{} // every slot busy
	}
	for _, c := range []struct{ user, pass string }{{"alice", "alice-pw"}, {"alice", "wrong"}, {"nobody", "x"}} {
		// The context ends while the check waits for a slot.
		wait, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		_, err := d.Authenticate(wait, c.user, c.pass)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "waiting to check a password") {
			t.Errorf("Authenticate(%s) with every slot busy = %v, want the context's error", c.user, err)
		}
	}
	<-d.checks
	if _, err := d.Authenticate(ctx, "alice", "alice-pw"); err != nil {
		t.Errorf("Authenticate with a free slot: %v", err)
	}
	if _, err := d.Authenticate(ctx, "nobody", "x"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("unknown user with a free slot: %v, want ErrBadCredentials", err)
	}
}
