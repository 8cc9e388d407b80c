package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/stores"
)

// TestStoreRepair_LDAPDamaged walks issue 14's damaged directory store with
// azgate alone: one role entry with msDS-AzObjectGuid "abc" is named by
// store validate (DN and attribute); an edit is refused with the way out,
// and with --repair the revocation is saved with the entry repaired; a
// known-good copy goes back over the damaged store with store copy --force
// and with store repair --from; a forged "save in progress" marker dated
// 2099 is cleared by store repair.
func TestStoreRepair_LDAPDamaged(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	t.Setenv(stores.LDAPURLEnv, "")
	t.Setenv(stores.LDAPBindDNEnv, srv.AdminDN)
	t.Setenv(stores.LDAPPasswordEnv, srv.AdminPassword)
	storeDN := "CN=AzStore,CN=Program Data," + srv.BaseDN
	url := "msldap://" + srv.Addr + "/" + storeDN
	good, _ := newStore(t, "default")
	mustRun(t, "store", "copy", good, url)
	mustRun(t, "role", "add-member", "Administrator", `CONTOSO\mallory`, "--store", url)
	backup := "msxml://" + filepath.Join(t.TempDir(), "backup.xml")
	mustRun(t, "store", "copy", url, backup)

	app := policy.DefaultApplication
	roleDN := "CN=Administrator,CN=AzRoleObjectContainer-" + app + ",CN=" + app + "," + storeDN
	breakRole := func() {
		srv.AddLDIF(t, "dn: "+roleDN+"\nchangetype: modify\nreplace: msDS-AzObjectGuid\nmsDS-AzObjectGuid: abc\n")
	}
	members := func() []string {
		t.Helper()
		p, _, err := loadURL(t, url)
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		r, err := p.Applications[0].Role("Administrator")
		if err != nil {
			t.Fatal(err)
		}
		return r.Members
	}

	// (a) validate names the entry and the attribute.
	breakRole()
	out, _, code := azgate(t, "store", "validate", "--store", url)
	if code != 1 || !strings.Contains(strings.ToLower(out), strings.ToLower(roleDN)) || !strings.Contains(out, "msDS-AzObjectGuid") {
		t.Fatalf("validate: exit %d\n%s\nwant exit 1 naming %s and msDS-AzObjectGuid", code, out, roleDN)
	}
	// (c) a revocation: refused with the way out; saved with --repair.
	step{args: []string{"role", "remove-member", "Administrator", `CONTOSO\mallory`}, code: 2,
		stderr: []string{"malformed entry", "--repair", "store repair --from"}}.run(t, url)
	step{args: []string{"role", "remove-member", "Administrator", `CONTOSO\mallory`, "--repair"}, code: 0,
		stderr: []string{"repairing", "msDS-AzObjectGuid", "new GUID"}}.run(t, url)
	if m := members(); slices.Contains(m, `CONTOSO\mallory`) {
		t.Fatalf("members after the repairing revocation: %q", m)
	}

	// (b) a known-good copy over the damaged store: copy --force, repair --from.
	breakRole()
	mustRun(t, "store", "copy", "--force", backup, url)
	if m := members(); !slices.Contains(m, `CONTOSO\mallory`) {
		t.Fatalf("members after copy --force of the backup: %q", m)
	}
	breakRole()
	step{args: []string{"store", "repair", "--from", backup, "--yes"}, code: 0,
		stdout: []string{"msDS-AzObjectGuid", "changes: none", "repaired"}}.run(t, url)
	members()

	// A forged marker: repair without --from keeps the entries, clears it.
	srv.AddLDIF(t, "dn: "+storeDN+"\nchangetype: modify\nreplace: msDS-AzGenericData\n"+
		"msDS-AzGenericData: azgate:revision=99;pending;writer=mallory/1;since=2099-01-01T00:00:00Z\n")
	start := time.Now()
	step{args: []string{"store", "repair"}, code: 1,
		stdout: []string{"being written by mallory/1", "in the future", "save the entries as they stand", "--yes"}}.run(t, url)
	step{args: []string{"store", "repair", "--yes"}, code: 0, stdout: []string{"repaired"}}.run(t, url)
	if m := members(); !slices.Contains(m, `CONTOSO\mallory`) {
		t.Fatalf("members after clearing the marker: %q", m)
	}
	mustRun(t, "scope", "create", "After", "--store", url)
	t.Logf("forged marker cleared in %v", time.Since(start))
}
