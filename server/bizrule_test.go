package server

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
)

// TestServer_JScriptRules: JScript business rules run in checks and
// Explain under --rule-time-limit; a rule that loops forever, throws or
// is VBScript denies, the check's audit record and Explain name the rule
// and why, and the server keeps serving.
func TestServer_JScriptRules(t *testing.T) {
	ts := startServer(t, func(cfg *Config) {
		cfg.RuleTimeLimit = 500 * time.Millisecond // short for the runaway rule, roomy for the ones that must finish on a loaded machine
		cfg.AuditChecks = AuditChecksAll
	})
	etag := ts.do(admin, http.MethodGet, "/v1/policy", nil).header.Get("ETag")
	write := func(path string, body any) {
		t.Helper()
		r := ts.do(admin, http.MethodPost, path, body, "If-Match", etag)
		want(t, r, http.StatusCreated, "POST "+path)
		etag = r.header.Get("ETag")
	}
	rule := func(lang, script string) *api.BizRule { return &api.BizRule{Language: lang, Script: script} }
	write("/v1/policy/role-definitions", api.Task{Name: "Starter", Operations: []string{"Start Virtual Machine"},
		BizRule: rule("JScript", `AccessCheck.BusinessRuleResult = AccessCheck.GetParameter("amount") < 500;
if (!AccessCheck.BusinessRuleResult) AccessCheck.BusinessRuleString = "over the limit of 500";`)})
	write("/v1/policy/role-definitions", api.Task{Name: "Looper", Operations: []string{"Stop Virtual Machine"}, BizRule: rule("JScript", `while (true) {}`)})
	write("/v1/policy/role-definitions", api.Task{Name: "Thrower", Operations: []string{"Pause and Restart Virtual Machine"},
		BizRule: rule("JScript", `throw new Error("no budget today");`)})
	write("/v1/policy/role-definitions", api.Task{Name: "Weekdays", Operations: []string{"Delete Virtual Machine"},
		BizRule: rule("VBScript", `AccessCheck.BusinessRuleResult = Weekday(Date) > 1`)})
	write("/v1/policy/role-assignments", api.RoleAssignment{Name: "Bob", Members: []string{`CONTOSO\bob`},
		RoleDefinitions: []string{"Starter", "Looper", "Thrower", "Weekdays"}})

	check := func(op string, amount int) api.CheckResult {
		t.Helper()
		r := ts.do(admin, http.MethodPost, "/v1/check", map[string]any{"user": `CONTOSO\bob`, "groups": []string{},
			"operations": []any{op}, "parameters": map[string]any{"amount": amount}})
		want(t, r, http.StatusOK, "check "+op)
		var resp api.CheckResponse
		r.json(t, &resp)
		return resp.Results[0]
	}
	for _, tc := range []struct {
		op      string
		amount  int
		allowed bool
		why     string // the denial's reason and the audit record name this
	}{
		{"Start Virtual Machine", 100, true, ""},
		{"Start Virtual Machine", 900, false, ""},
		{"Stop Virtual Machine", 1, false, `role definition "Looper"`},
		{"Pause and Restart Virtual Machine", 1, false, "no budget today"},
		{"Delete Virtual Machine", 1, false, "VBScript"},
	} {
		res := check(tc.op, tc.amount)
		if res.Allowed != tc.allowed || !strings.Contains(res.Error, tc.why) {
			t.Errorf("%s with amount %d: %+v, want allowed %v naming %q", tc.op, tc.amount, res, tc.allowed, tc.why)
		}
	}
	want(t, ts.do(cred{}, http.MethodGet, "/healthz", nil), http.StatusOK, "healthz after a runaway rule")

	audit := filepath.Join(ts.cfg.DataDir, AuditFile)
	for _, s := range []string{`Looper`, `time limit`, `no budget today`, `VBScript`} {
		if !fileContains(t, audit, s) {
			t.Errorf("audit log does not say %s", s)
		}
	}
	var e api.ExplainResponse
	r := ts.do(admin, http.MethodGet, "/v1/explain?user=CONTOSO%5Cbob&group=&operation=Start%20Virtual%20Machine&param=amount=900", nil)
	want(t, r, http.StatusOK, "explain")
	if r.json(t, &e); e.Allowed || !strings.Contains(string(r.body), `Starter`) || !strings.Contains(string(r.body), "over the limit of 500") {
		t.Errorf("explain: %s", r.body)
	}
	r = ts.do(admin, http.MethodGet, "/v1/explain?user=CONTOSO%5Cbob&group=&operation=Stop%20Virtual%20Machine", nil)
	if !strings.Contains(string(r.body), "Looper") || !strings.Contains(string(r.body), "time limit") {
		t.Errorf("explain of the runaway rule: %s", r.body)
	}
}
