package authz_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/xmlstore"
)

// TestLive_ReloadKeepsLastGood walks a live authorizer through a good edit,
// a corrupt file and a repair, made by another writer on the same file.
func TestLive_ReloadKeepsLastGood(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "store.xml")
	writer, err := xmlstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	if _, err := writer.Save(ctx, policy.NewDefault(), 0); err != nil {
		t.Fatal(err)
	}
	reader, err := xmlstore.Open(path, xmlstore.WithPollInterval(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	live, err := authz.NewLive(ctx, reader, "", authz.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reloaded := make(chan error, 16)
	live.OnReload = func(_ *authz.Snapshot, err error) { reloaded <- err }
	go live.Run(ctx)

	alice := authz.ClientContext{Name: "alice", IDs: []string{"alice"}}
	allowed := func() bool {
		t.Helper()
		rs, err := live.AccessCheck(ctx, alice, "", []operations.ID{operations.StartVM}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rs[0].Allowed
	}
	waitReload := func(wantErr bool) {
		t.Helper()
		deadline := time.After(3 * time.Second)
		for {
			select {
			case err := <-reloaded:
				if (err != nil) == wantErr {
					return
				}
			case <-deadline:
				t.Fatalf("no reload with error=%v within 3 s", wantErr)
			}
		}
	}
	if allowed() {
		t.Fatal("alice allowed by the default policy")
	}

	// A good edit by another writer is in force within the deadline.
	if _, _, err := policy.Update(ctx, writer, func(p *policy.Policy) error {
		return p.Link(policy.Location{App: policy.DefaultApplication}, policy.KindRole, "Administrator", policy.RelMember, "alice")
	}); err != nil {
		t.Fatal(err)
	}
	waitReload(false)
	if !allowed() {
		t.Fatal("edit granting alice not in force")
	}
	good := live.Status().Revision

	// A corrupt file keeps the last good policy and reports degraded.
	if err := os.WriteFile(path, []byte("<AzAdminManager MajorVersion=\"2\"><AzApplication"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitReload(true)
	st := live.Status()
	if !st.Degraded || st.LastError == "" || st.Revision != good {
		t.Fatalf("status after corrupt file = %+v", st)
	}
	if !allowed() {
		t.Fatal("last good policy dropped after a corrupt reload")
	}

	// Repair: the policy without alice comes into force and degraded clears.
	if _, err := writer.Save(ctx, policy.NewDefault(), 0); err == nil {
		t.Fatal("save over an existing (corrupt) store with expected revision 0 succeeded")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.Save(ctx, policy.NewDefault(), 0); err != nil {
		t.Fatal(err)
	}
	waitReload(false)
	if allowed() || live.Status().Degraded {
		t.Fatalf("repaired policy not in force: status %+v", live.Status())
	}
}

// unwatchable is a store whose Watch fails.
type unwatchable struct{ policy.Store }

func (unwatchable) Watch(context.Context) (<-chan struct{}, error) {
	return nil, errors.New("no watch here")
}

// TestLive_WatchFailureIsDegraded: when changes can no longer be followed,
// the policy in force stays but the authorizer reports itself degraded.
func TestLive_WatchFailureIsDegraded(t *testing.T) {
	ctx := context.Background()
	s, err := xmlstore.Open(filepath.Join(t.TempDir(), "store.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Save(ctx, policy.NewDefault(), 0); err != nil {
		t.Fatal(err)
	}
	live, err := authz.NewLive(ctx, unwatchable{s}, "", authz.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := live.Run(ctx); err == nil {
		t.Fatal("Run without a watch returned nil")
	}
	st := live.Status()
	if !st.Degraded || !strings.Contains(st.LastError, "no watch here") || st.Revision != 1 {
		t.Fatalf("status = %+v, want degraded naming the watch error, revision 1 kept", st)
	}
	admin := authz.ClientContext{Name: "a", Groups: []string{policy.AdministratorsSID}}
	rs, err := live.AccessCheck(ctx, admin, "", []operations.ID{operations.StartVM}, nil)
	if err != nil || !rs[0].Allowed {
		t.Fatalf("policy in force dropped: %v, %v", rs, err)
	}
}
