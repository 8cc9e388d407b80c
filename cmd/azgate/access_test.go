package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAccessAndWhatIf(t *testing.T) {
	store, _ := newStore(t, "book")
	edits := filepath.Join(t.TempDir(), "staged.json")
	if err := os.WriteFile(edits, []byte(`{"edits":[{"action":"link","kind":"role-assignments","scope":"Lab",`+
		`"name":"Virtual Machine Manager","link":{"relation":"member","target":"CONTOSO\\dave"}},`+
		`{"action":"unlink","kind":"role-assignments","scope":"Lab","name":"Virtual Machine Manager",`+
		`"link":{"relation":"member","target":"CONTOSO\\Lab-VMOperators"}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"edits":[{"action":"create","kind":"role-assignments","scope":"Lab","object":{"name":"X","roleDefinitions":["Nope"]}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	combined := filepath.Join(t.TempDir(), "combined.json")
	if err := os.WriteFile(combined, []byte(`{"users":[{"user":"carol","groups":["CONTOSO\\Lab-Staff","CONTOSO\\Night-Shift"]}],`+
		`"edits":[{"action":"link","kind":"groups","scope":"Lab","name":"Lab Operators","link":{"relation":"non-member","target":"CONTOSO\\Night-Shift"}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		step
	}{
		{"grid", step{args: []string{"access", "--user", "bob", "--group", `CONTOSO\Lab-Staff`},
			stdout: []string{"(default)  -", "Lab", "Start Virtual Machine"}}},
		{"application group", step{args: []string{"access", "--app-group", "Lab Operators", "--group-scope", "Lab", "--scope", "Lab", "--op", "307"},
			stdout: []string{"Lab    Start Virtual Machine"}}},
		{"unknown application group", step{args: []string{"access", "--app-group", "Nope"}, code: 2, stderr: []string{`"Nope"`}}},
		{"no subject", step{args: []string{"access"}, code: 2, stderr: []string{"--user or --app-group is required"}}},
		{"access list", step{args: []string{"access-list", "--user", "bob", "--group", `CONTOSO\Lab-Staff`, "--op", "Start Virtual Machine"},
			stdout: []string{"Lab: Start Virtual Machine"}, notStdout: []string{"# more"}}},
		{"access list paged", step{args: []string{"access-list", "--user", "x", "--group", `S-1-5-32-544`, "--limit", "1"},
			stdout: []string{"(default): ", "# more: --token "}}},
		{"bad token", step{args: []string{"access-list", "--user", "x", "--token", "garbage"}, code: 2, stderr: []string{"invalid continuation token"}}},
		{"what-if", step{args: []string{"whatif", "--edits", edits},
			stdout: []string{`+ granted  CONTOSO\dave`, `- revoked  CONTOSO\Lab-VMOperators`, "12 changed (6 granted, 6 revoked) against revision"}}},
		// Neither group alone changes: only carol, who carries both, loses access.
		{"what-if of a named user", step{args: []string{"whatif", "--edits", combined},
			stdout: []string{"- revoked  carol", "Start Virtual Machine", "6 changed (0 granted, 6 revoked)"}, notStdout: []string{"principal"}}},
		{"what-if refused", step{args: []string{"whatif", "--edits", bad}, code: 2, stderr: []string{"Nope"}}},
		{"what-if saved", step{args: []string{"whatif", "--edits", edits, "--save"}, stdout: []string{"saved as revision"}}},
		{"after", step{args: []string{"check", "--user", `CONTOSO\dave`, "--scope", "Lab", "--op", "307"}, stdout: []string{"allowed"}}},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, store) })
	}
}
