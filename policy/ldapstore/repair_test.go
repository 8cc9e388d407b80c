package ldapstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policytest"
)

// brokenRole saves the default policy with two members of Administrator
// and then breaks that role entry's GUID by hand, as issue 14 found.
func brokenRole(t *testing.T, srv *slapdtest.Server, s *Store, dn string) (good *policy.Policy, roleDN string) {
	t.Helper()
	good = policy.NewDefault()
	loc := policy.Location{App: policy.DefaultApplication}
	if err := good.Link(loc, policy.KindRole, "Administrator", policy.RelMember, `CONTOSO\mallory`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(testCtx(t), good, 0); err != nil {
		t.Fatal(err)
	}
	app := policy.DefaultApplication
	roleDN = "CN=Administrator,CN=" + prefixRoles + app + ",CN=" + app + "," + dn
	srv.AddLDIF(t, "dn: "+roleDN+"\nchangetype: modify\nreplace: "+attrGUID+"\n"+attrGUID+": abc\n")
	return good, roleDN
}

// TestSalvage_RevokeWhileDamaged: a malformed entry makes Load name the
// entry and attribute; Salvage repairs it and says so; a revocation saved
// on the salvaged policy takes effect and leaves a store Load accepts.
func TestSalvage_RevokeWhileDamaged(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	dn := newStoreDN(srv)
	s := openStore(t, testConfig(srv, dn))
	_, roleDN := brokenRole(t, srv, s, dn)

	_, _, err := s.Load(ctx)
	var ee *EntryError
	if !errors.As(err, &ee) || normDN(ee.DN) != normDN(roleDN) || ee.Attr != attrGUID {
		t.Fatalf("Load = %v; want an EntryError naming %s and %s", err, roleDN, attrGUID)
	}
	sv, err := s.Salvage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sv.Fixes) != 1 || !strings.Contains(strings.ToLower(sv.Fixes[0]), strings.ToLower(roleDN)) || !strings.Contains(sv.Fixes[0], "new GUID") {
		t.Fatalf("fixes %q; want one naming %s given a new GUID", sv.Fixes, roleDN)
	}
	q, err := sv.Policy.Edit(func(p *policy.Policy) error {
		return p.Unlink(policy.Location{App: policy.DefaultApplication}, policy.KindRole, "Administrator", policy.RelMember, `CONTOSO\mallory`)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(ctx, q, sv.Revision); err != nil {
		t.Fatalf("revocation on the salvaged policy: %v", err)
	}
	got, _, err := s.Load(ctx)
	if err != nil {
		t.Fatalf("Load after the repairing save: %v", err)
	}
	r, err := got.Applications[0].Role("Administrator")
	if err != nil || len(r.Members) != 1 || r.Members[0] != policy.AdministratorsSID {
		t.Fatalf("Administrator = %+v, %v; want only %s", r, err, policy.AdministratorsSID)
	}
}

// TestTakeOver_RestoresOverBrokenStore: a known-good policy saved over a
// store with a malformed entry (store repair --from, store copy --force).
func TestTakeOver_RestoresOverBrokenStore(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	dn := newStoreDN(srv)
	s := openStore(t, testConfig(srv, dn))
	brokenRole(t, srv, s, dn)
	want := policytest.Rich()
	if _, err := s.TakeOver(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := policytest.Diff(want, got); d != "" {
		t.Fatal(d)
	}
}

// TestLease_ForgedMarker: a "save in progress" marker dated 2099 holds the
// store only for a lease counted by the reader's clock; then the store is
// reported interrupted (naming the future date), and TakeOver clears it.
func TestLease_ForgedMarker(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	dn := newStoreDN(srv)
	cfg := testConfig(srv, dn)
	cfg.Lease = 500 * time.Millisecond
	cfg.Timeout = 300 * time.Millisecond
	s := openStore(t, cfg)
	p := policy.NewDefault()
	rev, err := s.Save(ctx, p, 0)
	if err != nil {
		t.Fatal(err)
	}
	forged := markerPrefix + "2;pending;writer=mallory/1;since=2099-01-01T00:00:00Z"
	srv.AddLDIF(t, "dn: "+dn+"\nchangetype: modify\nreplace: "+attrGenericData+"\n"+attrGenericData+": "+forged+"\n")

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := s.Watch(wctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Load(ctx); !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "store repair") {
		t.Fatalf("Load within the lease = %v; want ErrBusy pointing at store repair", err)
	}
	if _, err := s.Revision(ctx); !errors.Is(err, ErrBusy) { // what /readyz asks
		t.Fatalf("Revision within the lease = %v; want ErrBusy", err)
	}
	select {
	case <-ch:
	case <-time.After(3 * time.Second):
		t.Fatal("Watch did not report the marker stuck past its lease")
	}
	_, _, err = s.Load(ctx)
	var ie *InterruptedError
	if !errors.As(err, &ie) || !ie.Future {
		t.Fatalf("Load after the lease = %v; want an InterruptedError with a future start", err)
	}
	nrev, err := s.TakeOver(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, got, err := s.Load(ctx); err != nil || got != nrev || nrev <= rev {
		t.Fatalf("after TakeOver: revision %d, %v; want %d > %d", got, err, nrev, rev)
	}
}

// TestLive_DamagedEntryDegrades: a running authorizer sees an entry broken
// by another tool (the marker untouched), keeps enforcing the last good
// policy and reports itself degraded until a good policy loads again.
func TestLive_DamagedEntryDegrades(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	dn := newStoreDN(srv)
	cfg := testConfig(srv, dn)
	cfg.EntryPollInterval = 100 * time.Millisecond
	s := openStore(t, cfg)
	p := policy.NewDefault()
	if _, err := s.Save(ctx, p, 0); err != nil {
		t.Fatal(err)
	}
	live, err := authz.NewLive(ctx, s, "", authz.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go live.Run(lctx)
	brokenGUID := func() {
		app := policy.DefaultApplication
		srv.AddLDIF(t, "dn: CN=Administrator,CN="+prefixRoles+app+",CN="+app+","+dn+"\nchangetype: modify\nreplace: "+attrGUID+"\n"+attrGUID+": abc\n")
	}
	waitFor := func(what string, ok func(authz.Status) bool) {
		t.Helper()
		// Generous: the race detector under a loaded CI machine slows the
		// entry poll well past its interval.
		deadline := time.Now().Add(15 * time.Second)
		for !ok(live.Status()) {
			if time.Now().After(deadline) {
				t.Fatalf("not %s within 15 s: %+v", what, live.Status())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	brokenGUID()
	waitFor("degraded", func(st authz.Status) bool { return st.Degraded && strings.Contains(st.LastError, attrGUID) })
	admin := directory.ClientContext{Name: "a", Groups: []string{policy.AdministratorsSID}}
	if rs, err := live.AccessCheck(ctx, admin, "", []operations.ID{operations.StartVM}, nil); err != nil || !rs[0].Allowed {
		t.Fatalf("last good policy not enforced: %v, %v", rs, err)
	}
	if _, err := s.TakeOver(ctx, p); err != nil {
		t.Fatal(err)
	}
	waitFor("recovered", func(st authz.Status) bool { return !st.Degraded })
}
