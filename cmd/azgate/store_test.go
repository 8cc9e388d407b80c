package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/azgate/azgate/policies"
)

func TestStore_InitRefusesOverwrite(t *testing.T) {
	store, path := newStore(t, "default")
	before := readFile(t, path)
	for _, example := range []string{"default", "book"} {
		step{args: []string{"store", "init", "--example", example}, code: 2, stderr: []string{"exists; refusing to overwrite"}}.run(t, store)
	}
	step{args: []string{"store", "init", "--example", "nope"}, code: 2, stderr: []string{`--example "nope"`}}.run(t, store)
	if !bytes.Equal(before, readFile(t, path)) {
		t.Fatal("store init changed an existing store")
	}
}

// TestStore_EnvDefault checks that $AZGATE_STORE is the default --store.
func TestStore_EnvDefault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "env.xml")
	t.Setenv(storeEnv, "msxml://"+path)
	out, errOut, code := azgate(t, "store", "init")
	if code != 0 {
		t.Fatalf("store init: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, path) {
		t.Errorf("store init output %q does not name %s", out, path)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

// TestStore_Validate covers the exit codes of store validate: 0 valid
// (warnings allowed), 1 invalid or warnings with --strict, 2 unreadable.
func TestStore_Validate(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, edit func(string) string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(edit(string(policies.InitialStore()))), 0o644); err != nil {
			t.Fatal(err)
		}
		return "msxml://" + path
	}
	same := func(s string) string { return s }
	// A purchasing application (the SDK sample's operations) and azgate's
	// own delegation application beside Hyper-V's: neither is compared with
	// the engine's operations.
	otherApps := func(s string) string {
		return strings.Replace(s, "</AzAdminManager>", `
  <AzApplication Guid="5b7f0c3e-1d2a-4c5b-9e8f-0a1b2c3d4e01" Name="Purchasing">
    <AzOperation Guid="5b7f0c3e-1d2a-4c5b-9e8f-0a1b2c3d4e02" Name="View Purchase Order"><OperationID>61</OperationID></AzOperation>
    <AzOperation Guid="5b7f0c3e-1d2a-4c5b-9e8f-0a1b2c3d4e03" Name="Approve Purchase Order"><OperationID>62</OperationID></AzOperation>
    <AzTask Guid="5b7f0c3e-1d2a-4c5b-9e8f-0a1b2c3d4e04" Name="Approver" RoleDefinition="True">
      <OperationLink>5b7f0c3e-1d2a-4c5b-9e8f-0a1b2c3d4e02</OperationLink>
      <OperationLink>5b7f0c3e-1d2a-4c5b-9e8f-0a1b2c3d4e03</OperationLink>
    </AzTask>
  </AzApplication>
  <AzApplication Guid="5b7f0c3e-1d2a-4c5b-9e8f-0a1b2c3d4e05" Name="azgate">
    <AzOperation Guid="5b7f0c3e-1d2a-4c5b-9e8f-0a1b2c3d4e06" Name="Check Access"><OperationID>1</OperationID></AzOperation>
    <AzOperation Guid="5b7f0c3e-1d2a-4c5b-9e8f-0a1b2c3d4e07" Name="Read Policy"><OperationID>2</OperationID></AzOperation>
  </AzApplication>
</AzAdminManager>`, 1)
	}
	foreign := func(s string) string {
		s = strings.Replace(s, `Name="View LAN Endpoints"`, `Name="View Widgets"`, 1)
		return strings.Replace(s, "<OperationID>355</OperationID>", "<OperationID>356</OperationID>", 1)
	}
	badQuery := func(s string) string {
		return strings.Replace(s, "</AzApplication>", `
    <AzScope Guid="5b7f0c3e-1d2a-4c5b-9e8f-0a1b2c3d4e08" Name="Lab">
      <AzApplicationGroup Guid="5b7f0c3e-1d2a-4c5b-9e8f-0a1b2c3d4e09" Name="Lab Staff" GroupType="LdapQuery">
        <LdapQuery>(department=Lab</LdapQuery>
      </AzApplicationGroup>
    </AzScope>
  </AzApplication>`, 1)
	}
	// The Administrator role definition's first operation link, made dangling.
	dangling := func(s string) string {
		i := strings.Index(s, "<OperationLink>") + len("<OperationLink>")
		return s[:i] + "00000000-0000-0000-0000-000000000001" + s[i+36:]
	}
	truncated := func(s string) string { return s[:len(s)/2] }
	for _, tc := range []struct {
		name   string
		args   []string
		store  string
		code   int
		stdout []string
	}{
		{"default", nil, write("default.xml", same), 0, []string{"is valid: revision 1, 1 application, 0 warnings"}},
		{"engine operations missing warn, in one line; other IDs do not", nil, write("foreign.xml", foreign), 0,
			[]string{`warning: application "Hyper-V services": 1 of the engine's 34 operations are not in it, so nobody can be granted them: "View LAN Endpoints"`,
				"is valid: revision 1, 1 application, 1 warning"}},
		{"an LDAP query that does not parse", nil, write("ldap.xml", badQuery), 1,
			[]string{"is invalid", `application "Hyper-V services" / scope "Lab" / application group "Lab Staff": LdapQuery: LDAP query "(department=Lab" does not parse`,
				"app-group set NAME --ldap-query"}},
		{"other applications define their own operations", []string{"--strict"}, write("apps.xml", otherApps), 0,
			[]string{"is valid: revision 1, 3 applications, 0 warnings"}},
		{"foreign operations, strict", []string{"--strict"}, write("foreign2.xml", foreign), 1, []string{"warning: "}},
		{"dangling link", nil, write("dangling.xml", dangling), 1, []string{"is invalid", "00000000-0000-0000-0000-000000000001"}},
		{"malformed", nil, write("truncated.xml", truncated), 1, []string{"is invalid", "truncated.xml"}},
		{"missing", nil, "msxml://" + filepath.Join(dir, "missing.xml"), 2, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			step{args: append([]string{"store", "validate", "--store", tc.store}, tc.args...), code: tc.code, stdout: tc.stdout}.run(t, "")
		})
	}
}

func TestStore_Copy(t *testing.T) {
	src, _ := newStore(t, "book")
	dir := t.TempDir()
	dst := "msxml://" + filepath.Join(dir, "copy.xml")
	mustRun(t, "store", "copy", src, dst)
	step{args: []string{"store", "copy", src, dst}, code: 2, stderr: []string{"exists; refusing to overwrite"}}.run(t, "")
	out := mustRun(t, "store", "show", "--store", dst)
	if want := mustRun(t, "store", "show", "--store", src); out != want {
		t.Fatalf("copy shows\n%s\nwant\n%s", out, want)
	}
	// --force replaces an existing store.
	other, _ := newStore(t, "default")
	mustRun(t, "store", "copy", "--force", other, dst)
	if strings.Contains(mustRun(t, "store", "show", "--store", dst), "Hyper-V Monitor") {
		t.Fatal("store copy --force did not replace the destination")
	}
	step{args: []string{"store", "copy", src, "ftp://x"}, code: 2, stderr: []string{`unknown scheme "ftp"`}}.run(t, "")
}

func TestOpList_WithoutStore(t *testing.T) {
	missing := "msxml://" + filepath.Join(t.TempDir(), "none.xml")
	out, errOut, code := azgate(t, "op", "list", "--store", missing)
	if code != 0 || !strings.Contains(errOut, "listing the catalog only") || !strings.Contains(out, "355  Allow Virtual Machine Snapshot") {
		t.Fatalf("op list without a store: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
