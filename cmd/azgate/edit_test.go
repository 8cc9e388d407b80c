package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/azgate/azgate/api"
)

// TestEdit_Script creates, links, shows and deletes every kind of object
// through the CLI, in order, against one store.
func TestEdit_Script(t *testing.T) {
	store, _ := newStore(t, "default")
	steps := []step{
		// Scopes.
		{args: []string{"scope", "create", "Lab", "--description", "lab VMs"}, stdout: []string{`created scope "Lab" in application "Hyper-V services"`}},
		{args: []string{"scope", "list"}, stdout: []string{"Lab\n"}},
		// Role definitions, by operation name and ID.
		{args: []string{"role-def", "create", "Hyper-V Monitor", "--op", "View Switches", "--op", "309"},
			stdout: []string{`created role definition "Hyper-V Monitor"`}},
		{args: []string{"role-def", "show", "hyper-v monitor"},
			stdout: []string{`role definition "Hyper-V Monitor"`, "operations: View Switches, View Virtual Machine Configuration"}},
		{args: []string{"role-def", "add-op", "Hyper-V Monitor", "View Switch Ports", "1"},
			stdout: []string{`added operation "View Switch Ports" to role definition "Hyper-V Monitor"`}},
		{args: []string{"role-def", "remove-op", "Hyper-V Monitor", "View Switch Ports"}, stdout: []string{`removed operation "View Switch Ports"`}},
		{args: []string{"role-def", "list"}, stdout: []string{"Administrator\nHyper-V Monitor\n"}},
		// Role assignments.
		{args: []string{"role", "create", "Monitors", "--role-def", "Hyper-V Monitor", "--member", `CONTOSO\Mon`},
			stdout: []string{`created role assignment "Monitors" in application "Hyper-V services"`}},
		{args: []string{"role", "add-member", "Monitors", `CONTOSO\bob`}, stdout: []string{`added member "CONTOSO\bob" to role assignment "Monitors"`}},
		{args: []string{"role", "show", "Monitors"},
			stdout: []string{"role definitions: Hyper-V Monitor", `members: CONTOSO\Mon, CONTOSO\bob`}},
		{args: []string{"role", "remove-member", "Monitors", `contoso\BOB`}, stdout: []string{"removed member"}},
		{args: []string{"role", "show", "Monitors"}, notStdout: []string{"bob"}},
		// Tasks in a scope, with a business rule.
		{args: []string{"task", "create", "Run VMs", "--scope", "Lab", "--op", "Start Virtual Machine", "--op", "Stop Virtual Machine",
			"--bizrule", `hour >= 8 && hour < 18`},
			stdout: []string{`created task "Run VMs" in application "Hyper-V services" / scope "Lab"`}},
		{args: []string{"task", "show", "Run VMs", "--scope", "Lab"}, stdout: []string{"bizrule (Expr): hour >= 8 && hour < 18"}},
		{args: []string{"task", "list"}, notStdout: []string{"Run VMs"}},
		{args: []string{"task", "set", "Run VMs", "--scope", "Lab", "--bizrule", "hour >= 9", "--description", "office hours"},
			stdout: []string{`updated task "Run VMs"`}},
		{args: []string{"task", "show", "Run VMs", "--scope", "Lab"}, stdout: []string{"bizrule (Expr): hour >= 9", "description: office hours"}},
		{args: []string{"task", "set", "Run VMs", "--scope", "Lab", "--no-bizrule"}},
		{args: []string{"task", "show", "Run VMs", "--scope", "Lab"}, notStdout: []string{"bizrule"}},
		{args: []string{"scope", "set", "Lab", "--description", "the lab"}},
		{args: []string{"scope", "show", "Lab"}, stdout: []string{"description: the lab"}},
		// Application groups: members, non-members, nesting, at three levels.
		{args: []string{"app-group", "create", "Everyone", "--store-level", "--member", "S-1-1-0"},
			stdout: []string{`created application group "Everyone" in store`}},
		{args: []string{"app-group", "create", "Lab Operators", "--scope", "Lab", "--member", `CONTOSO\alice`, "--member", `CONTOSO\eve`}},
		{args: []string{"app-group", "add-non-member", "Lab Operators", `CONTOSO\eve`, "--scope", "Lab"},
			stdout: []string{`added non-member "CONTOSO\eve" to application group "Lab Operators"`}},
		{args: []string{"app-group", "create", "Engineers", "--type", "ldap-query", "--ldap-query", "(department=Engineering)"}},
		{args: []string{"app-group", "add-group", "Lab Operators", "Engineers", "--scope", "Lab"}},
		{args: []string{"app-group", "create", "Night owls", "--type", "bizrule", "--bizrule", "hour < 6"}},
		{args: []string{"app-group", "show", "Night owls"}, stdout: []string{"(Bizrule)", "bizrule (Expr): hour < 6"}},
		{args: []string{"app-group", "show", "Lab Operators", "--scope", "Lab"},
			stdout: []string{`application group "Lab Operators" (Basic)`, `non-members: CONTOSO\eve`, "member groups: Engineers"}},
		{args: []string{"app-group", "set", "Engineers", "--ldap-query", "(department=R&D)"}},
		{args: []string{"app-group", "show", "Engineers"}, stdout: []string{"(LdapQuery)", "ldap query: (department=R&D)"}},
		{args: []string{"app-group", "list", "--store-level"}, stdout: []string{"Everyone\n"}},
		{args: []string{"role", "create", "Lab runners", "--scope", "Lab", "--task", "Run VMs", "--group", "Lab Operators", "--group", "Everyone"}},
		{args: []string{"store", "show"}, stdout: []string{
			`application "Hyper-V services"`, `  scope "Lab"`, `    task "Run VMs"`, `    role assignment "Lab runners"`,
			"application groups: Lab Operators, Everyone", `application group "Everyone" (Basic)`}},
		{args: []string{"store", "validate"}, stdout: []string{"is valid"}},
		// Deletes remove every link to the object.
		{args: []string{"app-group", "delete", "Engineers"}, stdout: []string{`deleted application group "Engineers"`}},
		{args: []string{"app-group", "show", "Lab Operators", "--scope", "Lab"}, notStdout: []string{"Engineers"}},
		{args: []string{"task", "delete", "Run VMs", "--scope", "Lab"}},
		{args: []string{"role", "show", "Lab runners", "--scope", "Lab"}, notStdout: []string{"Run VMs"}},
		{args: []string{"scope", "delete", "Lab"}},
		{args: []string{"scope", "list"}, notStdout: []string{"Lab"}},
		{args: []string{"role", "delete", "Monitors"}},
		{args: []string{"role-def", "delete", "Hyper-V Monitor"}},
		{args: []string{"role-def", "list"}, notStdout: []string{"Monitor"}},
		{args: []string{"store", "validate"}, stdout: []string{"is valid"}},
	}
	for _, s := range steps {
		s.run(t, store)
		if t.Failed() {
			t.FailNow()
		}
	}
}

// TestEdit_FailedWritesNothing runs edits that must fail and checks that
// the store file is byte-for-byte unchanged.
func TestEdit_FailedWritesNothing(t *testing.T) {
	store, path := newStore(t, "default")
	mustRun(t, "scope", "create", "Lab", "--store", store)
	mustRun(t, "role-def", "create", "Viewer", "--op", "View Switches", "--store", store)
	mustRun(t, "app-group", "create", "Basic", "--member", "a", "--store", store)
	for _, tc := range []struct {
		name string
		step
	}{
		{"duplicate task", step{args: []string{"task", "create", "administrator"}, stderr: []string{`"administrator" exists`}}},
		{"unknown op suggests", step{args: []string{"role-def", "create", "X", "--op", "Veiw Switches"},
			stderr: []string{`unknown operation "Veiw Switches" in application "Hyper-V services"; did you mean "View Switches"`}}},
		{"unknown op ID", step{args: []string{"task", "create", "X", "--op", "999"}, stderr: []string{"unknown operation ID 999 in application"}}},
		{"second link fails", step{args: []string{"role", "create", "R", "--role-def", "Viewer", "--role-def", "Nope", "--member", "bob"},
			stderr: []string{`"Nope"`, "not found"}}},
		{"member of unknown role", step{args: []string{"role", "add-member", "Nope", "bob"}, stderr: []string{`role assignment "Nope"`}}},
		{"duplicate member", step{args: []string{"role", "add-member", "Administrator", "s-1-5-32-544"}, stderr: []string{"already has member"}}},
		{"remove absent member", step{args: []string{"role", "remove-member", "Administrator", "bob"}, stderr: []string{`has no member "bob"`}}},
		{"ldap group without query", step{args: []string{"app-group", "create", "G", "--type", "ldap-query"}, stderr: []string{"needs --ldap-query"}}},
		{"bizrule on a basic group", step{args: []string{"app-group", "create", "G", "--bizrule", "true"}, stderr: []string{"--bizrule needs --type bizrule"}}},
		{"set nothing", step{args: []string{"task", "set", "X"}, stderr: []string{"nothing to set"}}},
		{"set query of a basic group", step{args: []string{"app-group", "set", "Basic", "--ldap-query", "(x=y)"}, stderr: []string{`--ldap-query: application group "Basic" has no such field`}}},
		{"set bizrule of a role", step{args: []string{"role", "set", "Administrator", "--bizrule", "true"}, stderr: []string{"unknown flag: --bizrule"}}},
		{"bad group type", step{args: []string{"app-group", "create", "G", "--type", "magic"}, stderr: []string{`--type "magic"`}}},
		{"bad bizrule language", step{args: []string{"task", "create", "T", "--bizrule", "x", "--bizrule-lang", "Perl"}, stderr: []string{"Perl"}}},
		{"task delete of a role definition", step{args: []string{"task", "delete", "Viewer"}, stderr: []string{"is not a task", "azgate role-def"}}},
		{"delete unknown scope", step{args: []string{"scope", "delete", "Nope"}, stderr: []string{`scope "Nope"`}}},
		{"task in unknown scope", step{args: []string{"task", "create", "T", "--scope", "Nope"}, stderr: []string{`scope "Nope"`}}},
		{"task at store level", step{args: []string{"task", "create", "T", "--store-level"}, stderr: []string{"unknown flag: --store-level"}}},
		{"nesting cycle", step{args: []string{"role-def", "add-task", "Viewer", "Viewer"}, stderr: []string{"cycle"}}},
		{"group link to unknown group", step{args: []string{"app-group", "create", "G", "--group", "Nope"}, stderr: []string{`"Nope"`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := readFile(t, path)
			tc.code = exitError
			tc.run(t, store)
			if after := readFile(t, path); !bytes.Equal(before, after) {
				t.Errorf("failed edit changed the store file")
			}
		})
	}
}

func TestShow_JSON(t *testing.T) {
	store, _ := newStore(t, "default")
	mustRun(t, "role-def", "create", "Viewer", "--op", "View Switches", "--store", store)
	var sv api.Policy
	if err := json.Unmarshal([]byte(mustRun(t, "store", "show", "--json", "--store", store)), &sv); err != nil {
		t.Fatal(err)
	}
	if len(sv.Applications) != 1 || len(sv.Applications[0].Operations) != 34 || len(sv.Applications[0].RoleDefinitions) != 2 {
		t.Fatalf("store show --json = %+v", sv)
	}
	var tv api.Task
	if err := json.Unmarshal([]byte(mustRun(t, "role-def", "show", "Viewer", "--json", "--store", store)), &tv); err != nil {
		t.Fatal(err)
	}
	if tv.Name != "Viewer" || len(tv.Operations) != 1 || tv.Operations[0] != "View Switches" {
		t.Fatalf("role-def show --json = %+v", tv)
	}
	var rows []opRow
	if err := json.Unmarshal([]byte(mustRun(t, "op", "list", "--json", "--store", store)), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 34 || rows[0].Name != "Read Service Configuration" || !rows[0].InStore {
		t.Fatalf("op list --json = %+v", rows)
	}
}
