package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/audit"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/report"
)

const app = policy.DefaultApplication

var now = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

// testPolicy is the default store plus: a Lab scope whose assignment "Lab
// Ops" links the role definition "VM Operator" (start, stop, view) to
// CONTOSO\Lab-Ops and the application group "Lab Team"; "Monitors" (two
// switch views) for CONTOSO\mon; "Night" through a task with a business
// rule.
func testPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	p := policy.NewDefault()
	a, err := p.Application(app)
	if err != nil {
		t.Fatal(err)
	}
	op := func(name string) string {
		o, err := a.Operation(name)
		if err != nil {
			t.Fatal(err)
		}
		return o.GUID
	}
	top, lab := policy.Location{App: app}, policy.Location{App: app, Scope: "Lab"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(p.CreateScope(app, &policy.Scope{Name: "Lab"}))
	vmop := &policy.Task{Name: "VM Operator", RoleDefinition: true,
		OperationLinks: []string{op("Start Virtual Machine"), op("Stop Virtual Machine"), op("View Virtual Machine Configuration")}}
	must(p.CreateTask(lab, vmop))
	team := &policy.Group{Name: "Lab Team", Type: policy.GroupBasic, Members: []string{`CONTOSO\carol`}}
	must(p.CreateGroup(top, team))
	must(p.CreateRole(lab, &policy.Role{Name: "Lab Ops", TaskLinks: []string{vmop.GUID},
		Members: []string{`CONTOSO\Lab-Ops`}, AppMemberLinks: []string{team.GUID}}))
	watch := &policy.Task{Name: "Watch", RoleDefinition: true, OperationLinks: []string{op("View Switches"), op("View Switch Ports")}}
	must(p.CreateTask(top, watch))
	must(p.CreateRole(top, &policy.Role{Name: "Monitors", TaskLinks: []string{watch.GUID}, Members: []string{`CONTOSO\mon`}}))
	night := &policy.Task{Name: "Night Start", OperationLinks: []string{op("Start Virtual Machine"), op("Stop Virtual Machine")},
		BizRule: policy.BizRule{Script: "hour < 6"}}
	must(p.CreateTask(top, night))
	nightDef := &policy.Task{Name: "Night Shift", RoleDefinition: true, TaskLinks: []string{night.GUID}}
	must(p.CreateTask(top, nightDef))
	must(p.CreateRole(top, &policy.Role{Name: "Night", TaskLinks: []string{nightDef.GUID}, Members: []string{`CONTOSO\night`}}))
	return p
}

// allowed is an allowed engine decision granted by assignment (in
// grantScope) through member, days ago.
func allowed(days int, op, scope, grantScope, assignment, member string) audit.DecisionRecord {
	return audit.DecisionRecord{Time: now.Add(-time.Duration(days) * 24 * time.Hour), Source: audit.SourceEngine, Principal: "someone",
		Operation: op, Scope: scope, Allowed: true, Grant: &audit.Grant{Scope: grantScope, Assignment: assignment, Principal: member}}
}

func writeLog(t *testing.T, recs ...audit.DecisionRecord) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Decisions(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	return path
}

func testLog(t *testing.T) string {
	recs := []audit.DecisionRecord{
		allowed(40, "Start Virtual Machine", "Lab", "Lab", "Lab Ops", `CONTOSO\Lab-Ops`), // before since
	}
	for range 3 {
		recs = append(recs, allowed(10, "Start Virtual Machine", "Lab", "Lab", "Lab Ops", `contoso\lab-ops`))
	}
	other := allowed(3, "Start Virtual Machine", "Lab", "Lab", "Lab Ops", `CONTOSO\Lab-Ops`)
	other.Application = "Expense"
	recs = append(recs,
		allowed(5, "Stop Virtual Machine", "Lab", "lab", "lab ops", "Lab Team"),
		audit.DecisionRecord{Time: now.Add(-4 * 24 * time.Hour), Source: audit.SourceEngine, Principal: "eve",
			Operation: "View Virtual Machine Configuration", Scope: "Lab"},
		other,
		allowed(2, "Start Virtual Machine", "", "", "Administrator", policy.AdministratorsSID),
		allowed(1, "Start Virtual Machine", "", "", "Gone", "x"),
		allowed(1, "Start Virtual Machine", "", "", "Night", `CONTOSO\night`),
	)
	return writeLog(t, recs...)
}

func find(t *testing.T, rep *api.LeastPrivilegeReport, scope, name string) api.LeastPrivilegeAssignment {
	t.Helper()
	for _, a := range rep.Assignments {
		if a.Scope == scope && a.Name == name {
			return a
		}
	}
	t.Fatalf("no assignment %q in scope %q", name, scope)
	return api.LeastPrivilegeAssignment{}
}

func usedOps(us []api.OperationUse) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Operation)
	}
	return out
}

func TestLeastPrivilege(t *testing.T) {
	p := testPolicy(t)
	path := testLog(t)
	rep, err := report.LeastPrivilege(context.Background(), p, path, report.Options{Application: app, DefaultApplication: app,
		Since: now.Add(-30 * 24 * time.Hour), Until: now, Revision: 7})
	if err != nil {
		t.Fatal(err)
	}
	if want := now.Add(-40 * 24 * time.Hour); !rep.Horizon.Equal(want) {
		t.Errorf("horizon %v, want %v", rep.Horizon, want)
	}
	if rep.Decisions != 9 || rep.Allowed != 8 || rep.Counted != 6 || rep.Unattributed != 1 {
		t.Errorf("decisions %d allowed %d counted %d unattributed %d, want 9 8 6 1", rep.Decisions, rep.Allowed, rep.Counted, rep.Unattributed)
	}
	if rep.Assignments[0].Name != "Administrator" || rep.Assignments[len(rep.Assignments)-1].Name != "Lab Ops" {
		t.Errorf("assignments not in policy order (application level, then scopes): %v", rep.Assignments)
	}

	lab := find(t, rep, "Lab", "Lab Ops")
	if got := usedOps(lab.Used); !slices.Equal(got, []string{"Start Virtual Machine", "Stop Virtual Machine"}) &&
		!slices.Equal(got, []string{"Stop Virtual Machine", "Start Virtual Machine"}) {
		t.Errorf("Lab Ops used %v", got)
	}
	for _, u := range lab.Used {
		if u.Operation == "Start Virtual Machine" && (u.Count != 3 || !u.Last.Equal(now.Add(-10*24*time.Hour))) {
			t.Errorf("Lab Ops start: %+v, want 3 times, last 10 days ago", u)
		}
	}
	if !slices.Equal(lab.Unused, []string{"View Virtual Machine Configuration"}) {
		t.Errorf("Lab Ops unused %v", lab.Unused)
	}
	if len(lab.Members) != 2 || lab.Members[0].Kind != report.KindMember || lab.Members[1].Kind != report.KindAppGroup {
		t.Fatalf("Lab Ops members %+v", lab.Members)
	}
	if m := lab.Members[0]; len(m.Used) != 1 || m.Used[0].Operation != "Start Virtual Machine" || m.Used[0].Count != 3 || len(m.Unused) != 2 {
		t.Errorf("member CONTOSO\\Lab-Ops: %+v", m)
	}
	if m := lab.Members[1]; len(m.Used) != 1 || m.Used[0].Operation != "Stop Virtual Machine" || len(m.Unused) != 2 {
		t.Errorf("group Lab Team: %+v", m)
	}
	s := lab.Suggest
	if s == nil || s.DeleteAssignment || s.RoleDefinition != "Lab Ops (used operations)" || len(s.Operations) != 2 {
		t.Fatalf("Lab Ops suggestion %+v", s)
	}
	if w := s.WhatIf; w.Application != app || w.BaseRevision != 7 || len(w.Edits) != 2 ||
		w.Edits[0].Action != "create" || w.Edits[0].Kind != "role-definitions" || w.Edits[0].Scope != "Lab" ||
		w.Edits[1].Action != "update" || w.Edits[1].Kind != "role-assignments" || w.Edits[1].Name != "Lab Ops" {
		t.Errorf("Lab Ops what-if %+v", w)
	}
	if !strings.Contains(string(s.WhatIf.Edits[1].Object), `"roleDefinitions":["Lab Ops (used operations)"]`) ||
		!strings.Contains(string(s.WhatIf.Edits[1].Object), `"groups":["Lab Team"]`) {
		t.Errorf("the updated assignment %s", s.WhatIf.Edits[1].Object)
	}

	admin := find(t, rep, "", "Administrator")
	if len(admin.Used) != 1 || len(admin.Unused) != len(p.Applications[0].Operations)-1 || admin.Suggest == nil {
		t.Errorf("Administrator: used %v, %d unused, suggestion %v", admin.Used, len(admin.Unused), admin.Suggest)
	}
	mon := find(t, rep, "", "Monitors")
	if len(mon.Used) != 0 || len(mon.Unused) != 2 || mon.Suggest == nil || !mon.Suggest.DeleteAssignment ||
		len(mon.Suggest.WhatIf.Edits) != 1 || mon.Suggest.WhatIf.Edits[0].Action != "delete" {
		t.Errorf("Monitors: %+v", mon)
	}
	night := find(t, rep, "", "Night")
	if !night.Conditional || night.Suggest != nil || !strings.Contains(night.NoSuggestion, `"Night Start"`) {
		t.Errorf("Night (a business rule on the way): %+v", night)
	}
}

func TestLeastPrivilege_Horizon(t *testing.T) {
	p := testPolicy(t)
	path := testLog(t)
	_, err := report.LeastPrivilege(context.Background(), p, path, report.Options{Application: app, DefaultApplication: app,
		Since: now.Add(-50 * 24 * time.Hour), Until: now})
	var he *report.HorizonError
	if !errors.As(err, &he) {
		t.Fatalf("err %v, want a *HorizonError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "50d ago") || !strings.Contains(msg, "it can see 40d back at most") {
		t.Errorf("message %q does not say how far back the log sees", msg)
	}
	empty := writeLog(t)
	if _, err := report.LeastPrivilege(context.Background(), p, empty, report.Options{Application: app, Since: now.Add(-time.Hour), Until: now}); !errors.Is(err, audit.ErrNoRecords) {
		t.Errorf("empty log: %v", err)
	}
	if _, err := report.LeastPrivilege(context.Background(), p, path, report.Options{Application: "Nope", Since: now.Add(-time.Hour), Until: now}); !errors.Is(err, policy.ErrNotFound) {
		t.Errorf("unknown application: %v", err)
	}
}

// TestLeastPrivilege_All: since "all" counts every record the log holds.
func TestLeastPrivilege_All(t *testing.T) {
	rep, err := report.LeastPrivilege(context.Background(), testPolicy(t), testLog(t), report.Options{Application: app, DefaultApplication: app, Until: now})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Since.Equal(rep.Horizon) || rep.Counted != 7 {
		t.Errorf("since %v (horizon %v), counted %d: want the horizon and 7", rep.Since, rep.Horizon, rep.Counted)
	}
}

func TestLeastPrivilege_Formats(t *testing.T) {
	p := testPolicy(t)
	rep, err := report.LeastPrivilege(context.Background(), p, testLog(t), report.Options{Application: app, DefaultApplication: app,
		Since: now.Add(-30 * 24 * time.Hour), Until: now})
	if err != nil {
		t.Fatal(err)
	}
	var txt bytes.Buffer
	if err := report.WriteText(&txt, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`Role assignment "Lab Ops" in scope "Lab" ("VM Operator"): 2 of 3 operations used`,
		"  used   Start Virtual Machine: 3 times, last 2026-11-22T12:00:00Z",
		"  never  View Virtual Machine Configuration",
		`  application group Lab Team: 1 used`,
		`Suggestion: a role definition "Lab Ops (used operations)"`,
		`Role assignment "Monitors" in the default scope ("Watch"): 0 of 2 operations used`,
		"Suggestion: nothing was used: delete the assignment",
	} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, txt.String())
		}
	}
	var out bytes.Buffer
	if err := report.WriteCSV(&out, rep); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Hyper-V services", "Lab", "Lab Ops", `CONTOSO\Lab-Ops`, "member", "Start Virtual Machine", "true", "3", "2026-11-22T12:00:00Z"},
		{"Hyper-V services", "Lab", "Lab Ops", "Lab Team", "application group", "Start Virtual Machine", "false", "0", ""},
		{"Hyper-V services", "", "Monitors", "", "", "View Switches", "false", "0", ""},
	}
	for _, w := range want {
		if !slices.ContainsFunc(rows, func(r []string) bool { return slices.Equal(r, w) }) {
			t.Errorf("CSV lacks %q", w)
		}
	}
	if rows[0][0] != "application" || rows[0][6] != "used" {
		t.Errorf("CSV header %q", rows[0])
	}
}

func TestParseSince(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Time
		err  bool
	}{
		{in: "30d", want: now.Add(-30 * 24 * time.Hour)},
		{in: "2w", want: now.Add(-14 * 24 * time.Hour)},
		{in: "12h", want: now.Add(-12 * time.Hour)},
		{in: "36h30m", want: now.Add(-36*time.Hour - 30*time.Minute)},
		{in: "2026-11-01", want: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
		{in: "2026-11-01T10:00:00+01:00", want: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)},
		{in: "all", want: time.Time{}},
		{in: "", err: true},
		{in: "0d", err: true},
		{in: "-3d", err: true},
		{in: "-1h", err: true},
		{in: "thirty days", err: true},
		{in: "30", err: true},
		{in: "5200w", want: now.Add(-5200 * 7 * 24 * time.Hour)},
		{in: "36500w", err: true}, // n × a week overflows a Duration
		{in: "2030-01-01", err: true},
		{in: now.Format(time.RFC3339), err: true},
	} {
		got, err := report.ParseSince(c.in, now)
		if (err != nil) != c.err || !c.err && !got.Equal(c.want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v (error %v)", c.in, got, err, c.want, c.err)
		}
	}
}
