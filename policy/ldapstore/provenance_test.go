package ldapstore

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/policy"
)

// TestProvenance_OutsideEdits: what azgate saved is its own; an entry
// changed by ldapmodify without touching the marker is seen by Watch, gets
// a new fingerprint and is reported as written outside azgate with the
// modifier; so is a revision marker without azgate's digest.
func TestProvenance_OutsideEdits(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	dn := newStoreDN(srv)
	cfg := testConfig(srv, dn)
	cfg.EntryPollInterval = 100 * time.Millisecond
	s := openStore(t, cfg)
	rev, err := s.Save(ctx, policy.NewDefault(), 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _, pr, err := s.LoadProvenance(ctx)
	if err != nil || pr.Outside || pr.Fingerprint == "" {
		t.Fatalf("after azgate's save: %+v, %v; want azgate's own content", pr, err)
	}
	if fp, err := s.Fingerprint(ctx); err != nil || fp != pr.Fingerprint {
		t.Fatalf("Fingerprint = %q, %v; want %q as loaded", fp, err, pr.Fingerprint)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := s.Watch(wctx)
	if err != nil {
		t.Fatal(err)
	}
	// Let the watch take its first reading (slow under the race detector on
	// a loaded machine).
	time.Sleep(time.Second)
	drainCh(ch)

	app := policy.DefaultApplication
	role := "CN=Administrator,CN=" + prefixRoles + app + ",CN=" + app + "," + dn
	srv.AddLDIF(t, "dn: "+role+"\nchangetype: modify\ndelete: "+attrMembersForRole+"\n")
	select {
	case <-ch:
	case <-time.After(15 * time.Second):
		t.Fatal("Watch did not report an entry changed without the marker")
	}
	p, got, pr2, err := s.LoadProvenance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := p.Applications[0].Role("Administrator"); got != rev || len(r.Members) != 0 {
		t.Fatalf("revision %d, members %q; want revision %d, the member removed", got, r.Members, rev)
	}
	if !pr2.Outside || pr2.Fingerprint == pr.Fingerprint || !strings.Contains(pr2.Reason, "edited by another tool") ||
		!slices.ContainsFunc(pr2.Modifiers, func(m string) bool { return strings.EqualFold(m, srv.AdminDN) }) {
		t.Fatalf("provenance %+v; want outside, a new fingerprint, modifier %s", pr2, srv.AdminDN)
	}

	// A marker bumped by hand, without azgate's digest.
	srv.AddLDIF(t, "dn: "+dn+"\nchangetype: modify\nreplace: "+attrGenericData+"\n"+attrGenericData+": "+markerPrefix+"99\n")
	_, got, pr3, err := s.LoadProvenance(ctx)
	if err != nil || got != 99 || !pr3.Outside || !strings.Contains(pr3.Reason, "no azgate digest") {
		t.Fatalf("forged marker: revision %d, %+v, %v; want 99 reported as outside azgate", got, pr3, err)
	}
}
