package authz_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
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

	alice := directory.ClientContext{Name: "alice", IDs: []string{"alice"}}
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
	admin := directory.ClientContext{Name: "a", Groups: []string{policy.AdministratorsSID}}
	rs, err := live.AccessCheck(ctx, admin, "", []operations.ID{operations.StartVM}, nil)
	if err != nil || !rs[0].Allowed {
		t.Fatalf("policy in force dropped: %v, %v", rs, err)
	}
}

// TestLive_OutsideEditEnforced: a text-editor edit of the store file that
// leaves the revision attribute as it was — a revocation — is in force
// within 2 s, counted and reported as a change made outside azgate, while
// azgate's own saves are not.
func TestLive_OutsideEditEnforced(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "store.xml")
	writer, err := xmlstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	p := policy.NewDefault()
	if err := p.Link(policy.Location{App: policy.DefaultApplication}, policy.KindRole, "Administrator", policy.RelMember, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.Save(ctx, p, 0); err != nil {
		t.Fatal(err)
	}
	reader, err := xmlstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	live, err := authz.NewLive(ctx, reader, "", authz.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	outside := make(chan authz.OutsideChange, 4)
	live.OnOutsideChange = func(c authz.OutsideChange) { outside <- c }
	go live.Run(ctx)
	alice := directory.ClientContext{Name: "alice", IDs: []string{"alice"}}
	allowed := func() bool {
		t.Helper()
		rs, err := live.AccessCheck(ctx, alice, "", []operations.ID{operations.StartVM}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rs[0].Allowed
	}
	if !allowed() || live.Status().Outside != "" {
		t.Fatalf("alice not allowed, or azgate's own save taken for an outside edit: %+v", live.Status())
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), "<Member>alice</Member>", "", 1)
	if edited == string(data) {
		t.Fatalf("no <Member>alice</Member> in\n%s", data)
	}
	// As an editor saves: a new file renamed over the old one.
	if err := os.WriteFile(path+".new", []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for allowed() {
		if time.Now().After(deadline) {
			t.Fatalf("revocation by a file edit without a new revision not in force within 2 s; status %+v", live.Status())
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case c := <-outside:
		want := `- application "Hyper-V services" / role assignment "Administrator": member alice`
		if c.New.Revision != c.Old.Revision || !slices.Contains(c.Changes, want) {
			t.Errorf("outside change %d → %d %q, want the same revision and %q", c.Old.Revision, c.New.Revision, c.Changes, want)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no outside change reported")
	}
	if st := live.Status(); st.OutsideChanges != 1 || st.Outside == "" || st.Degraded {
		t.Errorf("status %+v, want one outside change and the reason", st)
	}
}
