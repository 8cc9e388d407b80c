package ldapstore

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/policies"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policytest"
	"github.com/azgate/azgate/policy/xmlstore"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestRoundTrip_XML copies XML stores into the directory and back: the XML
// written from the directory equals the XML written from the file.
func TestRoundTrip_XML(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	spec, err := os.ReadFile("testdata/spec.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		xml  []byte
	}{
		{"InitialStore.xml", policies.InitialStore()},
		{"book-roles.xml", policies.BookRoles()},
		{"spec-shaped", spec},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			p, _, _, err := xmlstore.Parse(bytes.NewReader(tc.xml), tc.name)
			if err != nil {
				t.Fatal(err)
			}
			s := openStore(t, testConfig(srv, newStoreDN(srv)))
			rev, err := s.Save(ctx, p, 0)
			if err != nil {
				t.Fatal(err)
			}
			got, grev, err := openStore(t, testConfig(srv, s.DN())).Load(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if grev != rev {
				t.Errorf("revision %d, want %d", grev, rev)
			}
			if d := policytest.Diff(p, got); d != "" {
				t.Fatalf("XML → LDAP → policy changed it: %s", d)
			}
			// The store's own GUID is the store's, not the policy's.
			const storeGUID = "c5217693-1a84-48ee-a9ae-65f0e10bd314"
			want, err := (&xmlstore.Document{Policy: p, Revision: 7, GUID: storeGUID}).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			back, err := (&xmlstore.Document{Policy: got, Revision: 7, GUID: storeGUID}).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want, back) {
				t.Fatalf("XML → LDAP → XML differs:\n%s\n---\n%s", want, back)
			}
		})
	}
}

// entryUUIDs maps every entry of the store to its entryUUID, which a
// delete-and-add would change.
func entryUUIDs(t *testing.T, srv *slapdtest.Server, dn string) map[string]string {
	t.Helper()
	res, err := srv.Conn(t).SearchWithPaging(ldap.NewSearchRequest(dn, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 0, false, "(objectClass=*)", []string{"entryUUID"}, nil), 500)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range res.Entries {
		out[normDN(e.DN)] = e.GetAttributeValue("entryUUID")
	}
	return out
}

// TestSave_Targeted checks that edits become the LDAP operations they
// need and no more, and that untouched entries keep their identity.
func TestSave_Targeted(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	s := openStore(t, testConfig(srv, newStoreDN(srv)))
	if _, err := s.Save(ctx, policytest.Rich(), 0); err != nil {
		t.Fatal(err)
	}
	app := policy.Location{App: policytest.RichApp}
	for _, tc := range []struct {
		name    string
		edit    func(*policy.Policy) error
		ops     int64
		changed int // entries added, removed or with a new entryUUID
	}{
		{"no change", func(*policy.Policy) error { return nil }, 0, 0},
		{"add a member", func(p *policy.Policy) error {
			// A member the store already names: one modify.
			return p.Link(app, policy.KindRole, "Operators", policy.RelMember, `CONTOSO\bob`)
		}, 1, 0},
		{"add a new principal", func(p *policy.Policy) error {
			// A new principal entry and one modify.
			return p.Link(app, policy.KindRole, "Operators", policy.RelMember, "S-1-5-21-7-7-7-7")
		}, 2, 1},
		{"remove a member", func(p *policy.Policy) error {
			// One modify, and the principal nobody names any more goes.
			return p.Unlink(app, policy.KindRole, "Operators", policy.RelMember, "S-1-5-21-7-7-7-7")
		}, 2, 1},
		{"create a task", func(p *policy.Policy) error {
			return p.CreateTask(app, &policy.Task{Name: "New Task", OperationLinks: nil})
		}, 1, 1},
		{"describe an operation", func(p *policy.Policy) error {
			a, _ := p.Application(policytest.RichApp)
			o, _ := a.Operation("View Switches")
			o.Description = "new words"
			return nil
		}, 1, 0},
		{"rename a role", func(p *policy.Policy) error {
			a, _ := p.Application(policytest.RichApp)
			r, _ := a.Role("Administrators")
			r.Name = "Admins Assignment"
			return nil
		}, 2, 0}, // modify DN, then cn (unchanged entryUUID)
		{"delete a task linked from others", func(p *policy.Policy) error {
			// The entry goes, two role definitions lose the link.
			return p.Delete(app, policy.KindTask, "Monitor")
		}, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := entryUUIDs(t, srv, s.DN())
			if _, _, err := policy.Update(ctx, s, tc.edit); err != nil {
				t.Fatal(err)
			}
			if got := s.lastOps.Load(); got != tc.ops {
				t.Errorf("%d LDAP changes, want %d", got, tc.ops)
			}
			after := entryUUIDs(t, srv, s.DN())
			byUUID := map[string]bool{}
			for _, u := range after {
				byUUID[u] = true
			}
			changed := 0
			for _, u := range before {
				if !byUUID[u] {
					changed++
				}
			}
			changed += max(len(after)-len(before), 0)
			if changed != tc.changed {
				t.Errorf("%d entries replaced, added or removed, want %d", changed, tc.changed)
			}
		})
	}
}

// TestSave_UndoOnFailure makes a save fail half-way: it undoes its writes
// and the store reads as before, at the old revision.
func TestSave_UndoOnFailure(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	s := openStore(t, testConfig(srv, newStoreDN(srv)))
	orig := policytest.Rich()
	r1, err := s.Save(ctx, orig, 0)
	if err != nil {
		t.Fatal(err)
	}
	before, _, err := s.marker(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fired := false
	s.failAfter = func(ops int) bool {
		if ops == 3 && !fired {
			fired = true
			return true
		}
		return false
	}
	next := policy.NewDefault()
	if _, err := s.Save(ctx, next, r1); err == nil || !strings.Contains(err.Error(), "was undone") {
		t.Fatalf("Save = %v, want a failure that was undone", err)
	}
	s.failAfter = nil
	got, rev, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rev != r1 {
		t.Fatalf("revision %d after an undone save, want %d", rev, r1)
	}
	// The marker is at the old revision but not the old value, so that a
	// reader that straddled the undone save reads again.
	if after, _, err := s.marker(ctx); err != nil || after.raw == before.raw || after.pending || after.rev != uint64(r1) {
		t.Fatalf("marker after the undo %+v (before %+v), %v", after, before, err)
	}
	if d := policytest.Diff(orig, got); d != "" {
		t.Fatalf("an undone save changed the policy: %s", d)
	}
	if _, err := s.Save(ctx, next, r1); err != nil {
		t.Fatalf("Save after the undo: %v", err)
	}
}

// TestSave_Interrupted leaves a save half-done (the writer "dies"): readers
// refuse the torn store once the lease is over, Watch tells them, and a
// save at the interrupted revision repairs the store.
func TestSave_Interrupted(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	cfg := testConfig(srv, newStoreDN(srv))
	cfg.Lease = 500 * time.Millisecond
	cfg.Timeout = 3 * time.Second
	s := openStore(t, cfg)
	orig := policytest.Rich()
	r1, err := s.Save(ctx, orig, 0)
	if err != nil {
		t.Fatal(err)
	}
	watcher := openStore(t, cfg)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := watcher.Watch(wctx)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	drainCh(ch)

	// The writer dies after writing one change that grants more.
	s.failAfter = func(ops int) bool { return ops >= 1 }
	more := orig.Clone()
	a, _ := more.Application(policytest.RichApp)
	r, _ := a.Role("Administrators")
	r.Members = append(r.Members, `CONTOSO\mallory`)
	g, _ := a.Group("Operators Group")
	g.NonMembers = nil
	start := time.Now()
	if _, err := s.Save(ctx, more, r1); err == nil || !strings.Contains(err.Error(), "could not be undone") {
		t.Fatalf("Save = %v, want a failure that could not be undone", err)
	}
	s.failAfter = nil

	// Within the lease a reader waits; after it, it refuses the store.
	_, _, err = watcher.Load(ctx)
	var ie *InterruptedError
	if !errorsAs(err, &ie) || ie.Revision != uint64(r1)+1 {
		t.Fatalf("Load of a torn store = %v, want an InterruptedError at revision %d", err, r1+1)
	}
	if time.Since(start) < cfg.Lease {
		t.Fatalf("Load gave up after %v, before the lease of %v ran out", time.Since(start), cfg.Lease)
	}
	if _, err := watcher.Revision(ctx); !errorsIs(err, ErrInterrupted) {
		t.Fatalf("Revision = %v, want ErrInterrupted", err)
	}
	select {
	case <-ch:
	case <-time.After(2 * time.Second):
		t.Fatal("Watch did not report the interrupted save")
	}

	// A save at the interrupted revision repairs it, exactly.
	rev, err := watcher.Save(ctx, orig, policy.Revision(ie.Revision))
	if err != nil {
		t.Fatalf("repairing save: %v", err)
	}
	got, grev, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if grev != rev || rev != r1+2 {
		t.Fatalf("revision %d (save said %d), want %d", grev, rev, r1+2)
	}
	if d := policytest.Diff(orig, got); d != "" {
		t.Fatalf("the repaired store differs: %s", d)
	}
}

// TestLoad_WaitsForWriter: a reader that meets a save in progress waits
// for its commit and then reads the new policy.
func TestLoad_WaitsForWriter(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	cfg := testConfig(srv, newStoreDN(srv))
	s := openStore(t, cfg)
	r1, err := s.Save(ctx, policy.NewDefault(), 0)
	if err != nil {
		t.Fatal(err)
	}
	pending := pendingMarker(uint64(r1)+1, "someone", time.Now())
	conn := srv.Conn(t)
	cur, _, err := s.marker(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.swapMarker(conn, cur.raw, pending); err != nil {
		t.Fatal(err)
	}
	if rev, err := s.Revision(ctx); err != nil || rev != r1 {
		t.Fatalf("Revision during a save = %d, %v; want %d", rev, err, r1)
	}
	if _, err := s.Save(ctx, policy.NewDefault(), r1); !errorsIs(err, ErrBusy) || !errorsIs(err, policy.ErrConflict) {
		t.Fatalf("Save during another's save = %v, want ErrBusy and ErrConflict", err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		_ = s.swapMarker(conn, pending, committedMarker(uint64(r1)+1, cur.digest))
	}()
	start := time.Now()
	_, rev, err := s.Load(ctx)
	if err != nil || rev != r1+1 {
		t.Fatalf("Load = revision %d, %v; want %d", rev, err, r1+1)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Fatalf("Load did not wait for the writer (%v)", waited)
	}
}

func drainCh(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}
