package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/ldapstore"
	"github.com/azgate/azgate/policy/policytest"
	"github.com/azgate/azgate/policy/stores"
)

// loadURL loads a store through the same code the CLI uses.
func loadURL(t *testing.T, url string) (*policy.Policy, policy.Revision, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := stores.Open(ctx, url, stores.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return s.Load(ctx)
}

// TestStoreRepair_XML: an invalid file is restored from PATH.bak (or
// --from) with --yes, at a revision above both; the invalid file is kept.
func TestStoreRepair_XML(t *testing.T) {
	// bakStore makes a store at revision 2 whose .bak (revision 1) holds
	// the book roles without scope "Extra", then breaks the main file.
	bakStore := func(t *testing.T, breakIt func(string) string) (url, path string, want *policy.Policy) {
		t.Helper()
		url, path = newStore(t, "book")
		want, _, err := loadURL(t, url)
		if err != nil {
			t.Fatal(err)
		}
		mustRun(t, "scope", "create", "Extra", "--store", url)
		if err := os.WriteFile(path, []byte(breakIt(string(readFile(t, path)))), 0o644); err != nil {
			t.Fatal(err)
		}
		return url, path, want
	}
	truncated := func(s string) string { return s[:len(s)/2] }          // header readable: revision 2
	garbage := func(string) string { return "\x00\x01 not XML at all" } // header unreadable
	invalidPolicy := func(s string) string {                            // a link naming nothing
		i := strings.Index(s, "<OperationLink>") + len("<OperationLink>")
		return s[:i] + "00000000-0000-0000-0000-000000000001" + s[i+36:]
	}
	unknown := []string{"cannot be listed", "a revoked grant would come back"}
	for _, tc := range []struct {
		name    string
		breakIt func(string) string
		wantRev policy.Revision
		changes []string // what repair must say it changes
	}{
		{"truncated", truncated, 3, unknown},
		{"garbage", garbage, 3, unknown}, // the broken revision is taken as one above the backup's
		{"invalid policy", invalidPolicy, 3, []string{`- application "Hyper-V services" / scope "Extra"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, path, want := bakStore(t, tc.breakIt)
			broken := readFile(t, path)
			step{args: []string{"store", "repair"}, code: 1,
				stdout: []string{"invalid", "restore msxml://" + path + ".bak (revision 1", "run again with --yes --accept-changes"}}.run(t, url)
			// The restore undoes revision 2 (scope "Extra"): --yes alone
			// never writes it.
			step{args: []string{"store", "repair", "--yes"}, code: 1,
				stdout: append(tc.changes, "changes the policy in force", "--accept-changes")}.run(t, url)
			if !bytes.Equal(readFile(t, path), broken) {
				t.Fatal("repair without --accept-changes wrote the store")
			}
			step{args: []string{"store", "repair", "--yes", "--accept-changes"}, code: 0, stdout: []string{fmt.Sprintf("repaired %s: revision %d", url, tc.wantRev)}}.run(t, url)
			got, rev, err := loadURL(t, url)
			if err != nil {
				t.Fatalf("load after repair: %v", err)
			}
			if rev != tc.wantRev {
				t.Errorf("revision %d, want %d", rev, tc.wantRev)
			}
			if d := policytest.Diff(want, got); d != "" {
				t.Errorf("restored policy differs from the backup: %s", d)
			}
			kept, _ := filepath.Glob(path + ".broken-*")
			if len(kept) != 1 || !bytes.Equal(readFile(t, kept[0]), broken) {
				t.Errorf("invalid file not kept: %v", kept)
			}
			// Healthy now: a second repair does nothing; edits work again.
			step{args: []string{"store", "repair", "--yes"}, code: 0, stdout: []string{"is healthy", "nothing to repair"}}.run(t, url)
			mustRun(t, "scope", "create", "Again", "--store", url)
		})
	}

	t.Run("backup invalid too", func(t *testing.T) {
		url, path, _ := bakStore(t, garbage)
		if err := os.WriteFile(path+".bak", []byte("<AzAdminManager"), 0o644); err != nil {
			t.Fatal(err)
		}
		broken := readFile(t, path)
		step{args: []string{"store", "repair", "--yes"}, code: 2, stderr: []string{"copy to restore", ".bak"}}.run(t, url)
		if !bytes.Equal(readFile(t, path), broken) {
			t.Fatal("a failed repair wrote the store")
		}
	})
	t.Run("no backup: --from", func(t *testing.T) {
		url, path, _ := bakStore(t, garbage)
		if err := os.Remove(path + ".bak"); err != nil {
			t.Fatal(err)
		}
		step{args: []string{"store", "repair", "--yes"}, code: 2, stderr: []string{"no backup", "--from"}}.run(t, url)
		good, _ := newStore(t, "default")
		step{args: []string{"store", "repair", "--yes", "--accept-changes", "--from", good}, code: 0, stdout: []string{"repaired"}}.run(t, url)
		got, _, err := loadURL(t, url)
		if err != nil || len(got.Applications[0].Scopes) != 0 {
			t.Fatalf("after repair from the default store: %v", err)
		}
		step{args: []string{"store", "repair", "--from", url}, code: 0, stdout: []string{"healthy"}}.run(t, url)
	})
	t.Run("--from the store itself", func(t *testing.T) {
		url, _, _ := bakStore(t, garbage)
		step{args: []string{"store", "repair", "--from", url}, code: 2, stderr: []string{"is the store being repaired"}}.run(t, url)
	})
	t.Run("missing file", func(t *testing.T) {
		url := "msxml://" + filepath.Join(t.TempDir(), "none.xml")
		step{args: []string{"store", "repair", "--yes"}, code: 2, stderr: []string{"no file to repair", "store copy"}}.run(t, url)
	})
}

// TestStoreRepair_LDAP: a writer "dies" in the middle of a save — the
// marker stays pending past its lease and one entry holds half of its
// change — so the store is refused; repair --from a known-good copy saves
// that policy at the interrupted revision and the store loads again,
// exactly that policy.
func TestStoreRepair_LDAP(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	t.Setenv(stores.LDAPURLEnv, "")
	t.Setenv(stores.LDAPBindDNEnv, srv.AdminDN)
	t.Setenv(stores.LDAPPasswordEnv, srv.AdminPassword)
	storeDN := "CN=AzStore,CN=Program Data," + srv.BaseDN
	url := "msldap://" + srv.Addr + "/" + storeDN
	good, _ := newStore(t, "book")
	mustRun(t, "store", "copy", good, url)
	want, rev, err := loadURL(t, url)
	if err != nil {
		t.Fatal(err)
	}
	step{args: []string{"store", "repair"}, code: 0, stdout: []string{"healthy", fmt.Sprintf("revision %d", rev)}}.run(t, url)

	// The dead writer: its pending marker (an hour old, far past the
	// lease) and a change it got to write.
	conn := srv.Conn(t)
	marker := fmt.Sprintf("azgate:revision=%d;pending;writer=deadhost/4242;since=%s", rev+1, time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano))
	mod := ldap.NewModifyRequest(storeDN, nil)
	mod.Replace("msDS-AzGenericData", []string{marker})
	if err := conn.Modify(mod); err != nil {
		t.Fatal(err)
	}
	appDN := "CN=" + ldap.EscapeDN(policy.DefaultApplication) + "," + storeDN
	mod = ldap.NewModifyRequest(appDN, nil)
	mod.Replace("description", []string{"half of a save that never finished"})
	if err := conn.Modify(mod); err != nil {
		t.Fatalf("modify %s: %v", appDN, err)
	}
	if _, _, err := loadURL(t, url); !errorsIsInterrupted(err) {
		t.Fatalf("load of the torn store = %v, want ErrInterrupted", err)
	}

	step{args: []string{"store", "repair", "--yes"}, code: 2,
		stderr: []string{fmt.Sprintf("revision %d by deadhost/4242", rev+1), "--from URL"}}.run(t, url)
	step{args: []string{"store", "repair", "--from", good}, code: 1,
		stdout: []string{"never finished", fmt.Sprintf("save the policy of %s", good), "may mix two policies", "--yes --accept-changes"}}.run(t, url)
	if _, _, err := loadURL(t, url); !errorsIsInterrupted(err) {
		t.Fatalf("repair without --yes changed the store: %v", err)
	}
	step{args: []string{"store", "repair", "--from", good, "--yes", "--accept-changes"}, code: 0,
		stdout: []string{fmt.Sprintf("repaired %s: revision %d", url, rev+2)}}.run(t, url)
	got, grev, err := loadURL(t, url)
	if err != nil {
		t.Fatalf("load after repair: %v", err)
	}
	if grev != rev+2 {
		t.Errorf("revision %d, want %d", grev, rev+2)
	}
	if d := policytest.Diff(want, got); d != "" {
		t.Errorf("repaired store differs from the known-good copy: %s", d)
	}
	// And it takes edits again.
	mustRun(t, "scope", "create", "After Repair", "--store", url)
}

func errorsIsInterrupted(err error) bool { return errors.Is(err, ldapstore.ErrInterrupted) }
