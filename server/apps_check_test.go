package server

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/policy"
)

// twoAppsServer starts a server whose store holds, besides the engine's
// Hyper-V application, two applications whose operations overlap it and
// each other: "Expenses" gives ID 307 (Hyper-V's Start Virtual Machine) to
// "Approve Expense" and has its own "View Switches" with ID 61; "Payroll"
// gives 61 to "Run Payroll" and 307 to "View Switches". bob holds Approve
// Expense in Expenses and Run Payroll in Payroll, nothing in Hyper-V.
func twoAppsServer(t *testing.T, mutate func(*Config)) *testServer {
	t.Helper()
	ts := startServer(t, mutate)
	ctx := context.Background()
	_, _, err := policy.Update(ctx, ts.s.store, func(p *policy.Policy) error {
		var steps []error
		add := func(err error) { steps = append(steps, err) }
		app := func(name string, ops map[string]int, def, role, op string) {
			add(p.CreateApplication(&policy.Application{Name: name}))
			for n, id := range ops {
				add(p.CreateOperation(name, &policy.Operation{Name: n, OperationID: id}))
			}
			l := policy.Location{App: name}
			add(p.CreateTask(l, &policy.Task{Name: def, RoleDefinition: true}))
			add(p.Link(l, policy.KindRoleDefinition, def, policy.RelOperation, op))
			add(p.CreateRole(l, &policy.Role{Name: role}))
			add(p.Link(l, policy.KindRole, role, policy.RelTask, def))
			add(p.Link(l, policy.KindRole, role, policy.RelMember, "bob"))
		}
		app("Expenses", map[string]int{"Approve Expense": 307, "View Switches": 61}, "Approver", "Approvers", "Approve Expense")
		app("Payroll", map[string]int{"Run Payroll": 61, "View Switches": 307}, "Clerk", "Clerks", "Run Payroll")
		return errors.Join(steps...)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.s.live.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	return ts
}

// resultWords words check results as "NAME ID allowed|denied; …".
func resultWords(rs []api.CheckResult) string {
	var w []string
	for _, r := range rs {
		d := "denied"
		if r.Allowed {
			d = "allowed"
		}
		w = append(w, r.Operation+" "+strconv.Itoa(r.ID)+" "+d)
	}
	return strings.Join(w, "; ")
}

// TestServer_CheckApplications: POST /v1/check resolves operations, by
// name and by OperationID, in the application of each item (its own, else
// the request's, else the default) and never in another: the same ID or
// name in two applications is two operations.
func TestServer_CheckApplications(t *testing.T) {
	ts := twoAppsServer(t, func(c *Config) { c.AuditChecks = AuditChecksAll })
	item := func(app string, ops ...any) map[string]any {
		m := map[string]any{"user": "bob", "operations": ops}
		if app != "" {
			m["application"] = app
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		body   any
		status int
		want   string // the results in words, or text of the error
	}{
		{"by name", item("Expenses", "approve expense"), http.StatusOK, "Approve Expense 307 allowed"},
		{"by that application's ID", item("expenses", 307), http.StatusOK, "Approve Expense 307 allowed"},
		{"the same ID in another application", item("Payroll", 307), http.StatusOK, "View Switches 307 denied"},
		{"an ID as a string of digits", item("Payroll", "61"), http.StatusOK, "Run Payroll 61 allowed"},
		{"the same name in another application", item("Expenses", "View Switches", 61), http.StatusOK,
			"View Switches 61 denied; View Switches 61 denied"},
		{"no application: the engine's", item("", 307, "View Switches"), http.StatusOK,
			"Start Virtual Machine 307 denied; View Switches 118 denied"},
		{"the delegation application by name", item("AZGATE", "Read Policy"), http.StatusOK, "Read Policy"},
		{"a name of another application", item("Payroll", "Approve Expense"), http.StatusBadRequest,
			`unknown operation \"Approve Expense\" in application \"Payroll\"`},
		{"an ID of another application", item("Expenses", 62), http.StatusBadRequest,
			`unknown operation ID 62 in application \"Expenses\"`},
		{"an ID of the engine's application only", item("Payroll", 308), http.StatusBadRequest,
			`unknown operation ID 308 in application \"Payroll\"`},
		{"close matches of that application", item("Payroll", "Run Payrol"), http.StatusBadRequest, `did you mean \"Run Payroll\"`},
		{"an unknown application lists them", item("Nope", 1), http.StatusNotFound, `\"Expenses\", \"Payroll\"`},
		{"batch: the request's application, an item's own", map[string]any{"application": "Expenses", "checks": []any{
			item("", 307), item("Payroll", 307), item("payroll", "61"), item("", "Approve Expense", "view switches")}},
			http.StatusOK, "Approve Expense 307 allowed | View Switches 307 denied | Run Payroll 61 allowed | " +
				"Approve Expense 307 allowed; View Switches 61 denied"},
		{"batch without an application: the engine's for items that name none", map[string]any{"checks": []any{
			item("", 307), item("Expenses", 307), item("Payroll", 307)}},
			http.StatusOK, "Start Virtual Machine 307 denied | Approve Expense 307 allowed | View Switches 307 denied"},
		{"batch: an operation unknown in its item's application", map[string]any{"application": "Payroll", "checks": []any{
			item("", 61), item("Expenses", "Run Payroll")}},
			http.StatusBadRequest, `checks[1]: operations: unknown operation \"Run Payroll\" in application \"Expenses\"`},
		{"batch: an ID unknown in the request's application", map[string]any{"application": "Expenses", "checks": []any{
			item("Payroll", 61), item("", 308)}},
			http.StatusBadRequest, `checks[1]: operations: unknown operation ID 308 in application \"Expenses\"`},
		{"batch: an unknown application of an item", map[string]any{"checks": []any{item("", 1), item("", 2), item("Nope", 1)}},
			http.StatusNotFound, `checks[2]: application \"Nope\"`},
		{"batch: an unknown application of the request", map[string]any{"application": "Nope", "checks": []any{item("Payroll", 61), item("", 1)}},
			http.StatusNotFound, `application \"Nope\"`},
		{"batch: the request's application only, besides checks", map[string]any{"application": "Payroll", "user": "bob", "checks": []any{item("", 61)}},
			http.StatusBadRequest, "not both"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do(admin, http.MethodPost, "/v1/check", tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, body %s; want %d", r.status, r.body, tc.status)
			}
			got := string(r.body)
			if tc.status == http.StatusOK {
				if _, batch := tc.body.(map[string]any)["checks"]; batch {
					var res api.BatchCheckResponse
					r.json(t, &res)
					var ws []string
					for _, rs := range res.Results {
						ws = append(ws, resultWords(rs))
					}
					got = strings.Join(ws, " | ")
				} else {
					var res api.CheckResponse
					r.json(t, &res)
					got = resultWords(res.Results)
				}
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	// Another application's decisions are counted as other operations,
	// never under the engine's operation of the same ID or name.
	m := ts.do(admin, http.MethodGet, "/metrics", nil)
	for _, line := range strings.Split(string(m.body), "\n") {
		for _, bad := range []string{`operation="Start Virtual Machine",result="allowed"`, `operation="Run Payroll"`, `operation="Approve Expense"`} {
			if strings.Contains(line, bad) && !strings.HasSuffix(line, " 0") {
				t.Errorf("/metrics counts %s", line)
			}
		}
	}
	if !strings.Contains(string(m.body), `azgate_decisions_total{operation="other",result="allowed",source="check"}`) {
		t.Errorf("/metrics lacks the other operations' allowed checks")
	}
	// The audit log names the application of a decision outside the
	// engine's.
	audit := filepath.Join(ts.cfg.DataDir, AuditFile)
	for _, what := range []string{`"application":"Payroll"`, `"application":"Expenses"`} {
		if !fileContains(t, audit, what) {
			t.Errorf("audit log lacks %s", what)
		}
	}
	// The engine's application is named too (audit.Decision: the server
	// names it on every decision), so a report over the log needs no
	// default to attribute it.
	if r := ts.do(admin, http.MethodPost, "/v1/check", map[string]any{"user": "review-dana", "operations": []any{307}}); r.status != http.StatusOK {
		t.Fatalf("check: %d %s", r.status, r.body)
	}
	b, err := os.ReadFile(audit)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, `"principal":"review-dana"`) {
			found = true
			if !strings.Contains(line, `"application":"Hyper-V services"`) {
				t.Errorf("the engine's application's check goes unnamed: %s", line)
			}
		}
	}
	if !found {
		t.Error("no audit record of review-dana's denied check")
	}
}

// TestServer_ExplainWhoCanApplications: explain and who-can take an
// application as the check does, and resolve operations, by name and by
// OperationID, in it only.
func TestServer_ExplainWhoCanApplications(t *testing.T) {
	ts := twoAppsServer(t, nil)
	for _, tc := range []struct {
		path   string
		status int
		want   []string // the body holds each
		not    []string // and none of these
	}{
		{"/v1/explain?application=Payroll&user=bob&operation=61", http.StatusOK,
			[]string{`"allowed":true`, `"operation":"Run Payroll"`, `"application":"Payroll"`}, nil},
		{"/v1/explain?application=expenses&user=bob&operation=61", http.StatusOK,
			[]string{`"allowed":false`, `"operation":"View Switches"`, `"application":"Expenses"`}, nil},
		{"/v1/explain?application=Expenses&user=bob&operation=approve%20EXPENSE", http.StatusOK,
			[]string{`"allowed":true`, `"operation":"Approve Expense"`, `Approvers`}, nil},
		{"/v1/explain?user=bob&operation=307", http.StatusOK,
			[]string{`"allowed":false`, `"operation":"Start Virtual Machine"`, `"application":"Hyper-V services"`}, []string{"Approvers"}},
		{"/v1/explain?application=Payroll&user=bob&operation=Approve%20Expense", http.StatusBadRequest,
			[]string{`unknown operation \"Approve Expense\" in application \"Payroll\"`}, nil},
		{"/v1/explain?application=Payroll&user=bob&operation=308", http.StatusBadRequest,
			[]string{`unknown operation ID 308 in application \"Payroll\"`}, nil},
		{"/v1/explain?application=Nope&user=bob&operation=1", http.StatusNotFound, []string{`\"Expenses\", \"Payroll\"`}, nil},
		{"/v1/who-can?application=Payroll&operation=61", http.StatusOK,
			[]string{`"application":"Payroll"`, `"operation":"Run Payroll"`, `"name":"bob"`, `"assignment":"Clerks"`}, nil},
		{"/v1/who-can?application=Expenses&operation=307", http.StatusOK,
			[]string{`"operation":"Approve Expense"`, `"assignment":"Approvers"`}, nil},
		{"/v1/who-can?application=Expenses&operation=61", http.StatusOK,
			[]string{`"operation":"View Switches"`, `"principals":[]`}, nil},
		{"/v1/who-can?operation=307", http.StatusOK,
			[]string{`"application":"Hyper-V services"`, `"operation":"Start Virtual Machine"`}, []string{`"name":"bob"`}},
		{"/v1/who-can?application=Payroll&operation=61&limit=1", http.StatusOK, []string{`"name":"bob"`, `"total":1`}, nil},
		{"/v1/who-can?application=Payroll&operation=Run%20Payrol", http.StatusBadRequest, []string{`did you mean \"Run Payroll\"`}, nil},
		{"/v1/who-can?application=Nope&operation=1", http.StatusNotFound, []string{`application \"Nope\"`}, nil},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := ts.do(admin, http.MethodGet, tc.path, nil)
			if r.status != tc.status {
				t.Fatalf("status %d, body %s; want %d", r.status, r.body, tc.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(r.body), w) {
					t.Errorf("body %s lacks %s", r.body, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(string(r.body), n) {
					t.Errorf("body %s holds %s", r.body, n)
				}
			}
		})
	}
}
