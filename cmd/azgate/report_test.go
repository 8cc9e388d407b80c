package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/audit"
)

// TestReportLeastPrivilege: the book's Lab assignment "Virtual Machine
// Manager" started VMs only; the report says so in text, JSON and CSV,
// refuses a --since beyond the log, and its suggestion goes through
// whatif before it is saved.
func TestReportLeastPrivilege(t *testing.T) {
	log := filepath.Join(t.TempDir(), "audit.log")
	lg, err := audit.Open(log)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	rec := func(days int, op string) audit.DecisionRecord {
		return audit.DecisionRecord{Time: now.Add(-time.Duration(days) * 24 * time.Hour), Source: audit.SourceEngine,
			Principal: "bob", Operation: op, Scope: "Lab", Object: "vm1", Allowed: true,
			Grant: &audit.Grant{Scope: "Lab", Assignment: "Virtual Machine Manager", RoleDefinition: "Virtual Machine Manager",
				Principal: `CONTOSO\Lab-VMOperators`}}
	}
	if err := lg.Decisions(context.Background(), []audit.DecisionRecord{rec(10, "Start Virtual Machine"),
		rec(5, "Start Virtual Machine"), rec(4, "Stop Virtual Machine")}); err != nil {
		t.Fatal(err)
	}
	if err := lg.Close(); err != nil {
		t.Fatal(err)
	}
	t.Setenv(auditLogEnv, log)
	store, _ := newStore(t, "book")
	narrow := filepath.Join(t.TempDir(), "narrow.json")
	for _, tc := range []struct {
		name string
		step
	}{
		{"text", step{args: []string{"report", "least-privilege", "--since", "7d"}, stdout: []string{
			`Role assignment "Virtual Machine Manager" in scope "Lab" ("Virtual Machine Manager"): 2 of 6 operations used`,
			"  used   Start Virtual Machine: once, last ",
			"  never  Pause and Restart Virtual Machine",
			`  member CONTOSO\Lab-VMOperators: 2 used`,
			`Suggestion: a role definition "Virtual Machine Manager (used operations)" holding only "Start Virtual Machine", "Stop Virtual Machine"`,
		}, notStdout: []string{"Note: "}}},
		{"beyond the log", step{args: []string{"report", "least-privilege", "--since", "30d"}, code: 2,
			stderr: []string{"--since 30d: since ", "is older than the audit log, which reaches back to ", "it can see 10d back at most"}}},
		{"bad since", step{args: []string{"report", "least-privilege", "--since", "a month"}, code: 2, stderr: []string{`since "a month": want an age`}}},
		{"no since", step{args: []string{"report", "least-privilege"}, code: 2, stderr: []string{"--since is required"}}},
		{"bad format", step{args: []string{"report", "least-privilege", "--since", "7d", "--format", "xml"}, code: 2, stderr: []string{`--format "xml"`}}},
		{"unknown application", step{args: []string{"report", "least-privilege", "--since", "7d", "--app", "Nope"}, code: 2, stderr: []string{`"Nope"`}}},
		{"what-if file", step{args: []string{"report", "least-privilege", "--since", "7d", "--assignment", "virtual machine manager", "--scope", "lab",
			"--whatif-out", narrow}, stdout: []string{"wrote " + narrow + ": 2 edits against revision 1"}}},
		{"no such assignment", step{args: []string{"report", "least-privilege", "--since", "7d", "--assignment", "Nope", "--whatif-out", narrow + "2"},
			code: 2, stderr: []string{`no role assignment "Nope"`}}},
		{"what-if", step{args: []string{"whatif", "--edits", narrow}, stdout: []string{
			`- revoked  CONTOSO\Lab-VMOperators`, "Pause and Restart Virtual Machine", "(0 granted, 12 revoked)"},
			notStdout: []string{"+ granted"}}},
		{"saved", step{args: []string{"whatif", "--edits", narrow, "--save"}, stdout: []string{"saved as revision 2"}}},
		{"after", step{args: []string{"check", "--user", "bob", "--group", `CONTOSO\Lab-VMOperators`, "--scope", "Lab",
			"--op", "Start Virtual Machine", "--op", "Pause and Restart Virtual Machine"}, code: 1, stdout: []string{"allowed", "denied"}}},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, store) })
	}

	out := mustRun(t, "report", "least-privilege", "--since", "7d", "--format", "json", "--store", store)
	var rep api.LeastPrivilegeReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Revision != 2 || rep.Counted != 2 {
		t.Errorf("JSON report at revision %d counted %d, want 2 and 2", rep.Revision, rep.Counted)
	}
	for _, a := range rep.Assignments {
		if a.Name == "Virtual Machine Manager" && (len(a.Unused) != 0 || a.Suggest != nil) {
			t.Errorf("after the narrowing: %+v", a)
		}
	}
	out = mustRun(t, "report", "least-privilege", "--since", "7d", "--format", "csv", "--store", store)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) < 2 || rows[0][0] != "application" {
		t.Fatalf("CSV %q: %v", out, err)
	}
}
