package ldapstore

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/azgate/azgate/internal/policygen"
	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policytest"
)

// TestMarshalLDIF loads a store written as LDIF with slapadd and reads it
// back.
func TestMarshalLDIF(t *testing.T) {
	p := policytest.Rich()
	dn := "CN=AzStore," + slapdtest.DefaultBaseDN
	ldif, err := MarshalLDIF(p, dn, 5)
	if err != nil {
		t.Fatal(err)
	}
	srv := slapdtest.Start(t, slapdtest.Options{Seed: string(ldif)})
	got, rev, err := openStore(t, testConfig(srv, dn)).Load(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if rev != 5 {
		t.Errorf("revision %d, want 5", rev)
	}
	if d := policytest.Diff(p, got); d != "" {
		t.Fatalf("LDIF round trip: %s", d)
	}
}

// largeStore starts a directory holding policygen.GenerateLarge's policy,
// loaded with slapadd.
func largeStore(b *testing.B) (*slapdtest.Server, *policy.Policy, string) {
	p, _ := policygen.GenerateLarge(1)
	dn := "CN=AzStore," + slapdtest.DefaultBaseDN
	ldif, err := MarshalLDIF(p, dn, 1)
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), "large.ldif")
	if err := os.WriteFile(file, ldif, 0o600); err != nil {
		b.Fatal(err)
	}
	srv := slapdtest.Start(b, slapdtest.Options{SeedFile: file})
	return srv, p, dn
}

// BenchmarkLoadLarge loads the large generated policy (1,000 scopes, 310
// application groups, thousands of principals) from slapd: one paged
// subtree search, decoding and validation.
func BenchmarkLoadLarge(b *testing.B) {
	srv, p, dn := largeStore(b)
	s, err := Open(Config{URL: srv.URL, BindDN: srv.AdminDN, Password: srv.AdminPassword, StoreDN: dn, Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	got, _, err := s.Load(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if d := policytest.Diff(p, got); d != "" {
		b.Fatalf("large store differs: %s", d)
	}
	tr, _ := buildTree(p, dn)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := s.Load(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(tr.entries)), "entries")
}

// BenchmarkFingerprintLarge reads the large store's fingerprint: what
// Watch does every EntryPollInterval to see edits made by other tools
// (the marker and every entry's change stamp, one paged subtree search).
func BenchmarkFingerprintLarge(b *testing.B) {
	srv, p, dn := largeStore(b)
	s, err := Open(Config{URL: srv.URL, BindDN: srv.AdminDN, Password: srv.AdminPassword, StoreDN: dn, Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	tr, _ := buildTree(p, dn)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Fingerprint(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(tr.entries)), "entries")
}

// BenchmarkSaveEditLarge saves one small edit (a member added to a role
// assignment) to the large store: read every entry, diff, one modify.
func BenchmarkSaveEditLarge(b *testing.B) {
	srv, _, dn := largeStore(b)
	s, err := Open(Config{URL: srv.URL, BindDN: srv.AdminDN, Password: srv.AdminPassword, StoreDN: dn, Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	p, rev, err := s.Load(ctx)
	if err != nil {
		b.Fatal(err)
	}
	a := p.Applications[0]
	r := a.Roles[0]
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		i++
		r.Members = append(r.Members, "S-1-5-21-9-9-9-"+strconv.Itoa(i))
		if rev, err = s.Save(ctx, p, rev); err != nil {
			b.Fatal(err)
		}
		if s.lastOps.Load() != 2 {
			b.Fatalf("%d changes for one new member, want 2 (principal entry, modify)", s.lastOps.Load())
		}
	}
}
