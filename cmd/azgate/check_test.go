package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
)

// TestCheck_BookRoles checks the contract of azgate check — output lines and
// exit codes 0/1/2 — against the book's example roles.
func TestCheck_BookRoles(t *testing.T) {
	store, _ := newStore(t, "book")
	missing := "msxml://" + filepath.Join(t.TempDir(), "none.xml")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // exact
		stderr []string
	}{
		{"administrator", []string{"--user", "admin", "--group", "S-1-5-32-544", "--op", "Start Virtual Machine"},
			0, "Start Virtual Machine: allowed\n", nil},
		{"administrator as user SID", []string{"--user", "S-1-5-32-544", "--op", "Allow Virtual Machine Snapshot", "--op", "1"},
			0, "Allow Virtual Machine Snapshot: allowed\nRead Service Configuration: allowed\n", nil},
		{"monitor views, cannot delete", []string{"--user", "alice", "--group", `CONTOSO\HV-Monitors`, "--op", "View Switches", "--op", "Delete Virtual Switch"},
			1, "View Switches: allowed\nDelete Virtual Switch: denied\n", nil},
		{"application-level role applies in a scope", []string{"--user", "alice", "--group", `contoso\hv-monitors`, "--scope", "Lab", "--op", "view switches"},
			0, "View Switches: allowed\n", nil},
		{"network manager", []string{"--user", "nina", "--group", `CONTOSO\HV-NetAdmins`, "--op", "Create Virtual Switch", "--op", "Start Virtual Machine"},
			1, "Create Virtual Switch: allowed\nStart Virtual Machine: denied\n", nil},
		{"VM manager in Lab", []string{"--user", "bob", "--group", `CONTOSO\Lab-VMOperators`, "--scope", "Lab", "--op", "307", "--op", "Stop Virtual Machine"},
			0, "Start Virtual Machine: allowed\nStop Virtual Machine: allowed\n", nil},
		{"VM manager outside Lab", []string{"--user", "bob", "--group", `CONTOSO\Lab-VMOperators`, "--op", "Start Virtual Machine"},
			1, "Start Virtual Machine: denied\n", nil},
		{"via application group", []string{"--user", "carol", "--group", `CONTOSO\Lab-Staff`, "--scope", "lab", "--op", "Start Virtual Machine"},
			0, "Start Virtual Machine: allowed\n", nil},
		{"non-member wins", []string{"--user", "dave", "--group", `CONTOSO\Lab-Staff`, "--group", `CONTOSO\Contractors`, "--scope", "Lab", "--op", "Start Virtual Machine"},
			1, "Start Virtual Machine: denied\n", nil},
		{"nobody", []string{"--user", "mallory", "--op", "View Switches"}, 1, "View Switches: denied\n", nil},
		{"unknown operation", []string{"--user", "alice", "--op", "Strat Virtual Machine"},
			2, "", []string{`unknown operation "Strat Virtual Machine" in application "Hyper-V services"; did you mean "Start Virtual Machine"`}},
		{"unknown operation ID", []string{"--user", "alice", "--op", "4242"}, 2, "", []string{"4242"}},
		{"unknown scope", []string{"--user", "alice", "--scope", "Nope", "--op", "View Switches"}, 2, "", []string{`scope "Nope"`, `its scopes are "Lab"`}},
		{"no user", []string{"--op", "View Switches"}, 2, "", []string{"--user is required"}},
		{"no operation", []string{"--user", "alice"}, 2, "", []string{"at least one --op"}},
		{"bad param", []string{"--user", "alice", "--op", "View Switches", "--param", "novalue"}, 2, "", []string{`--param "novalue"`}},
		{"bad flag", []string{"--user", "alice", "--op", "View Switches", "--explian"}, 2, "", []string{"unknown flag: --explian"}},
		{"unreadable store", []string{"--user", "alice", "--op", "View Switches", "--store", missing}, 2, "", []string{"none.xml", "not found"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"check", "--store", store}, tc.args...)
			out, errOut, code := azgate(t, args...)
			if code != tc.code || out != tc.stdout {
				t.Fatalf("azgate %q: exit %d, stdout %q; want %d, %q\nstderr: %s", tc.args, code, out, tc.code, tc.stdout, errOut)
			}
			step{stderr: tc.stderr}.checkStderr(t, tc.args, errOut)
		})
	}
}

func TestCheck_ExplainAndJSON(t *testing.T) {
	store, _ := newStore(t, "book")
	out, _, code := azgate(t, "check", "--store", store, "--user", "bob", "--group", `CONTOSO\Lab-VMOperators`, "--scope", "Lab",
		"--op", "Start Virtual Machine", "--op", "Delete Virtual Machine", "--explain")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stdout:\n%s", code, out)
	}
	for _, w := range []string{"Start Virtual Machine: allowed\n    ALLOWED: bob", `role assignment "Virtual Machine Manager"`, "    path: ",
		"Delete Virtual Machine: denied\n    DENIED: bob", "    miss: "} {
		step{stdout: []string{w}}.checkStdout(t, nil, out)
	}

	out, _, code = azgate(t, "check", "--store", store, "--user", "alice", "--group", `CONTOSO\HV-Monitors`,
		"--op", "View Switches", "--op", "Delete Virtual Switch", "--json")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	var doc checkJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("check --json: %v\n%s", err, out)
	}
	defer func() {
		// With --explain, every result carries an explanation that agrees.
		out, _, _ := azgate(t, "check", "--store", store, "--user", "alice", "--group", `CONTOSO\HV-Monitors`,
			"--op", "View Switches", "--op", "Delete Virtual Switch", "--json", "--explain")
		var doc checkJSON
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("check --json --explain: %v\n%s", err, out)
		}
		for _, r := range doc.Results {
			if r.Explanation == nil || r.Explanation.Allowed != r.Allowed || r.Explanation.Reason == "" {
				t.Errorf("result %+v: explanation %+v", r, r.Explanation)
			}
		}
	}()
	want := checkJSON{User: "alice", Groups: []string{`CONTOSO\HV-Monitors`}, Application: "Hyper-V services", Allowed: false,
		Results: []checkResult{
			{Operation: "View Switches", ID: 118, Allowed: true,
				Grant: &grantJSON{Assignment: "Hyper-V Monitor", RoleDefinition: "Hyper-V Monitor", Principal: `CONTOSO\HV-Monitors`}},
			{Operation: "Delete Virtual Switch", ID: 107, Missing: `"Delete Virtual Switch" in the default scope`,
				Hints: []string{`member of role assignment "Virtual Network Manager" at application level`,
					`a role assignment of role definition "Virtual Network Manager" at application level`,
					`member of role assignment "Administrator" at application level`}},
		}}
	if !reflect.DeepEqual(doc, want) {
		t.Fatalf("check --json =\n%+v\nwant\n%+v", doc, want)
	}
}

// TestCheck_Params checks business rules over --param values of each type.
func TestCheck_Params(t *testing.T) {
	store, _ := newStore(t, "default")
	mustRun(t, "role-def", "create", "Day shift", "--op", "Start Virtual Machine", "--store", store,
		"--bizrule", `hour >= 8 && hour < 18 && ratio < 0.5 && onCall && team == "red"`)
	mustRun(t, "role", "create", "Operators", "--role-def", "Day shift", "--member", "op1", "--store", store)
	for _, tc := range []struct {
		name   string
		params []string
		code   int
	}{
		{"all hold", []string{"hour=9", "ratio=0.25", "onCall=true", "team=red"}, 0},
		{"int fails", []string{"hour=20", "ratio=0.25", "onCall=true", "team=red"}, 1},
		{"float fails", []string{"hour=9", "ratio=0.75", "onCall=true", "team=red"}, 1},
		{"bool fails", []string{"hour=9", "ratio=0.25", "onCall=FALSE", "team=red"}, 1},
		{"string fails", []string{"hour=9", "ratio=0.25", "onCall=true", "team=blue"}, 1},
		{"missing parameter denies", []string{"hour=9"}, 1},
		{"duplicate parameter", []string{"hour=9", "hour=10"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"check", "--store", store, "--user", "op1", "--op", "Start Virtual Machine"}
			for _, p := range tc.params {
				args = append(args, "--param", p)
			}
			out, errOut, code := azgate(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
		})
	}
}

func TestParamValue(t *testing.T) {
	for in, want := range map[string]any{
		"42": 42, "-7": -7, "2.5": 2.5, "true": true, "False": false, "red": "red", "": "", "NaN": "NaN", "1e3": 1000.0, "t": "t",
	} {
		if got := paramValue(in); got != want {
			t.Errorf("paramValue(%q) = %#v, want %#v", in, got, want)
		}
	}
}
