package ldapstore

import (
	"errors"
	"testing"
	"time"

	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policytest"
)

// TestRoundTrip_HardStrings stores names and members DNs make hard: outer
// and doubled spaces, escapes, a leading '#', non-ASCII, newlines in
// descriptions and rules.
func TestRoundTrip_HardStrings(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	p := policy.NewDefault()
	a := p.Applications[0]
	hard := []string{" lead", "trail ", "two  spaces", `back\slash`, "#hash", "=equals", `q"uote`, "日本語", "a;b,c+d<e>f"}
	for i, n := range hard {
		tk := &policy.Task{GUID: policy.NewGUID(), Name: n, Description: "line one\nline two\n", ApplicationData: " data "}
		if i%2 == 0 {
			tk.BizRule = policy.BizRule{Script: "\n\tx < 5 && y > \"z\"\n", Language: policy.LangExpr}
		}
		a.Tasks = append(a.Tasks, tk)
		a.Roles[0].Members = append(a.Roles[0].Members, n)
	}
	a.Roles[0].Members = append(a.Roles[0].Members, "tab\there", "new\nline")
	a.Scopes = append(a.Scopes, &policy.Scope{GUID: policy.NewGUID(), Name: "scope  with  doubled, spaces"})
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, testConfig(srv, newStoreDN(srv)))
	if _, err := s.Save(ctx, p, 0); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := policytest.Diff(p, got); d != "" {
		t.Fatalf("hard strings did not round-trip: %s", d)
	}
}

// TestSave_IndistinguishableNames: names the directory cannot tell apart
// are refused before anything is written.
func TestSave_IndistinguishableNames(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	for _, tc := range []struct {
		name string
		edit func(*policy.Policy)
	}{
		{"tasks differing in spacing", func(p *policy.Policy) {
			a := p.Applications[0]
			a.Tasks = append(a.Tasks, &policy.Task{GUID: policy.NewGUID(), Name: "a b"}, &policy.Task{GUID: policy.NewGUID(), Name: "a  b"})
		}},
		{"members differing in case", func(p *policy.Policy) {
			r := p.Applications[0].Roles[0]
			r.Members = append(r.Members, `CONTOSO\alice`, `contoso\ALICE`)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := policy.NewDefault()
			tc.edit(p)
			if err := p.Validate(); err != nil {
				t.Fatalf("the model accepts it: %v", err)
			}
			s := openStore(t, testConfig(srv, newStoreDN(srv)))
			if _, err := s.Save(ctx, p, 0); !errors.Is(err, policy.ErrDuplicate) {
				t.Fatalf("Save = %v, want ErrDuplicate", err)
			}
			if _, _, err := s.Load(ctx); !errors.Is(err, policy.ErrNotFound) {
				t.Fatalf("Load after the refused save = %v, want ErrNotFound", err)
			}
		})
	}
}

// TestRevision_ForeignMarker: a store AzMan wrote has no marker (revision
// 1) or another value in msDS-AzGenericData; both load and save.
func TestRevision_ForeignMarker(t *testing.T) {
	p := policy.NewDefault()
	dn := "CN=AzStore," + slapdtest.DefaultBaseDN
	ldif, err := MarshalLDIF(p, dn, 1)
	if err != nil {
		t.Fatal(err)
	}
	srv := slapdtest.Start(t, slapdtest.Options{Seed: string(ldif)})
	ctx := testCtx(t)
	s := openStore(t, testConfig(srv, dn))
	for _, tc := range []struct{ name, ldif string }{
		{"no marker", "dn: " + dn + "\nchangetype: modify\ndelete: msDS-AzGenericData\n"},
		{"foreign value", "dn: " + dn + "\nchangetype: modify\nreplace: msDS-AzGenericData\nmsDS-AzGenericData: something AzMan keeps\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.AddLDIF(t, tc.ldif)
			got, rev, err := s.Load(ctx)
			if err != nil || rev != 1 {
				t.Fatalf("Load = revision %d, %v; want 1", rev, err)
			}
			if d := policytest.Diff(p, got); d != "" {
				t.Fatal(d)
			}
			if _, err := s.Save(ctx, p, 2); !errors.Is(err, policy.ErrConflict) {
				t.Fatalf("Save at revision 2 = %v, want ErrConflict", err)
			}
			rev, err = s.Save(ctx, p, 1)
			if err != nil || rev != 2 {
				t.Fatalf("Save at revision 1 = %d, %v; want 2", rev, err)
			}
		})
	}
}

// TestSave_RenewsLease: a save slower than its lease keeps renewing its
// marker, so readers wait for it instead of calling it interrupted.
func TestSave_RenewsLease(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	cfg := testConfig(srv, newStoreDN(srv))
	cfg.Lease = 150 * time.Millisecond
	s := openStore(t, cfg)
	s.failAfter = func(int) bool { time.Sleep(10 * time.Millisecond); return false }
	done := make(chan error, 1)
	go func() { _, err := s.Save(ctx, policytest.Rich(), 0); done <- err }()
	reader := openStore(t, cfg)
	checks := 0
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if checks < 3 {
				t.Fatalf("the save ended after %d checks; too fast to test the lease", checks)
			}
			if _, _, err := reader.Load(ctx); err != nil {
				t.Fatal(err)
			}
			return
		case <-time.After(100 * time.Millisecond):
			checks++
			if _, err := reader.Revision(ctx); errors.Is(err, ErrInterrupted) {
				t.Fatalf("check %d: a live save was called interrupted: %v", checks, err)
			}
		}
	}
}

// TestLoad_CatchUp: a replica can receive the marker of a save before the
// entries it stands for. Load notices (the marker's digest), reads again
// until they arrive, and after Config.CatchUp takes the entries as they
// are (they may have been edited by another tool).
func TestLoad_CatchUp(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	cfg := testConfig(srv, newStoreDN(srv))
	cfg.CatchUp = 2 * time.Second
	s := openStore(t, cfg)
	p1 := policy.NewDefault()
	r1, err := s.Save(ctx, p1, 0)
	if err != nil {
		t.Fatal(err)
	}
	p2 := p1.Clone()
	p2.Applications[0].Roles[0].Members = append(p2.Applications[0].Roles[0].Members, "S-1-5-21-5-5-5-5")
	if _, err := s.Save(ctx, p2, r1); err != nil {
		t.Fatal(err)
	}
	role := "CN=Administrator,CN=AzRoleObjectContainer-Hyper-V services,CN=Hyper-V services," + s.DN()
	member := "CN=S-1-5-21-5-5-5-5,CN=ForeignSecurityPrincipals," + s.DN()
	// The role's new member "has not arrived yet".
	srv.AddLDIF(t, "dn: "+role+"\nchangetype: modify\ndelete: msDS-MembersForAzRole\nmsDS-MembersForAzRole: "+member+"\n")
	go func() {
		time.Sleep(300 * time.Millisecond)
		srv.AddLDIF(t, "dn: "+role+"\nchangetype: modify\nadd: msDS-MembersForAzRole\nmsDS-MembersForAzRole: "+member+"\n")
	}()
	start := time.Now()
	got, _, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := policytest.Diff(p2, got); d != "" {
		t.Fatalf("Load took a torn store: %s", d)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond || waited > cfg.CatchUp {
		t.Fatalf("Load returned after %v; want after the entries arrived (300 ms), before CatchUp", waited)
	}

	// An edit by another tool never "arrives": after CatchUp it is taken.
	srv.AddLDIF(t, "dn: "+role+"\nchangetype: modify\ndelete: msDS-MembersForAzRole\nmsDS-MembersForAzRole: "+member+"\n")
	start = time.Now()
	got, _, err = s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := policytest.Diff(p1, got); d != "" || time.Since(start) < cfg.CatchUp {
		t.Fatalf("after %v: %s", time.Since(start), d)
	}
}
