package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/audit"
)

// auditRecords reads the server's audit log, checks its chain, and returns
// the records whose "source" is source.
func (ts *testServer) auditRecords(t *testing.T, source string) []map[string]any {
	t.Helper()
	path := ts.cfg.auditPath()
	rep, err := audit.VerifyLog(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Intact() {
		t.Fatalf("audit chain broken: %v", rep.Problems)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		if m["source"] == source {
			out = append(out, m)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAudit_RefusedPolicyRequests: a policy read and a policy write the
// delegation roles refuse are recorded, with who, what and the request;
// a huge path is cut.
func TestAudit_RefusedPolicyRequests(t *testing.T) {
	ts := startServer(t, nil)
	mallory := ts.addUser("mallory")
	etag := ts.do(admin, http.MethodGet, "/v1/policy", nil).header.Get("ETag")
	want(t, ts.do(mallory, http.MethodGet, "/v1/policy", nil), http.StatusForbidden, "policy read")
	want(t, ts.do(mallory, http.MethodPost, "/v1/policy/scopes", api.Scope{Name: "X"}, "If-Match", etag), http.StatusForbidden, "policy write")
	long := "/v1/policy/tasks/" + strings.Repeat("a", 60000)
	want(t, ts.do(mallory, http.MethodGet, long, nil), http.StatusForbidden, "read with a huge name")

	recs := ts.auditRecords(t, audit.SourceDelegation)
	if len(recs) != 3 {
		t.Fatalf("%d refused requests recorded, want 3: %v", len(recs), recs)
	}
	wants := []struct{ op, object string }{
		{opReadPolicy, "GET /v1/policy"},
		{opWritePolicy, "POST /v1/policy/scopes"},
		{opReadPolicy, "GET /v1/policy/tasks/aaa"},
	}
	for i, w := range wants {
		r := recs[i]
		if r["principal"] != "mallory" || r["operation"] != w.op || r["result"] != audit.ResultDenied ||
			r["application"] != DelegationApp || !strings.HasPrefix(r["object"].(string), w.object) {
			t.Errorf("record %d = %v, want mallory denied %s on %s", i, r, w.op, w.object)
		}
	}
	if n := len(recs[2]["object"].(string)); n > audit.MaxNameBytes {
		t.Errorf("the huge path is recorded whole (%d bytes)", n)
	}
}

// TestAudit_CheckDecisions: --audit-checks decides which /v1/check
// decisions are recorded; a grant names its assignment.
func TestAudit_CheckDecisions(t *testing.T) {
	body := map[string]any{"checks": []map[string]any{
		{"user": "alice", "groups": []string{"S-1-5-32-544"}, "operations": []string{"Start Virtual Machine"}},
		{"user": "nobody", "operations": []string{"Start Virtual Machine", "Stop Virtual Machine"}},
	}}
	tests := []struct {
		setting        string
		grants, denies int
	}{
		{AuditChecksOff, 0, 0},
		{"", 0, 2},
		{AuditChecksDenials, 0, 2},
		{AuditChecksAll, 1, 2},
	}
	for _, tc := range tests {
		t.Run("audit-checks="+tc.setting, func(t *testing.T) {
			ts := startServer(t, func(cfg *Config) { cfg.AuditChecks = tc.setting })
			want(t, ts.do(admin, http.MethodPost, "/v1/check", body), http.StatusOK, "batch check")
			var grants, denies int
			for _, r := range ts.auditRecords(t, audit.SourceCheck) {
				if r["caller"] != DefaultAdminUser {
					t.Errorf("record %v does not name the caller", r)
				}
				switch r["result"] {
				case audit.ResultAllowed:
					grants++
					g, _ := r["grant"].(map[string]any)
					if r["principal"] != "alice" || g["assignment"] != "Administrator" || g["principal"] != "S-1-5-32-544" {
						t.Errorf("grant record %v lacks the assignment that granted it", r)
					}
				case audit.ResultDenied:
					denies++
					if r["principal"] != "nobody" {
						t.Errorf("denial record %v", r)
					}
				}
			}
			if grants != tc.grants || denies != tc.denies {
				t.Fatalf("recorded %d grants and %d denials, want %d and %d", grants, denies, tc.grants, tc.denies)
			}
		})
	}
}

func TestConfig_AuditSettings(t *testing.T) {
	for _, tc := range []struct {
		mutate func(*Config)
		field  string
	}{
		{func(c *Config) { c.AuditChecks = "sometimes" }, "audit-checks"},
		{func(c *Config) { c.AuditMaxSize = -1 }, "audit-max-size"},
		{func(c *Config) { c.AuditKeep = -1 }, "audit-keep"},
		{func(c *Config) { c.AuditUsageInterval = -time.Second }, "audit-usage-interval"},
	} {
		cfg := DefaultConfig()
		tc.mutate(&cfg)
		err := cfg.Validate()
		if ce, ok := err.(*ConfigError); !ok || ce.Field != tc.field {
			t.Errorf("Validate = %v, want an error naming %s", err, tc.field)
		}
	}
}

// TestAudit_ReadyzProbeIsNoRefusal: /readyz only asks whether its caller may
// see details; a probe without Read Policy is not a refused request.
func TestAudit_ReadyzProbeIsNoRefusal(t *testing.T) {
	ts := startServer(t, nil)
	probe := ts.addUser("probe")
	for range 3 {
		want(t, ts.do(probe, http.MethodGet, "/readyz", nil), http.StatusOK, "readyz")
	}
	if recs := ts.auditRecords(t, audit.SourceDelegation); len(recs) != 0 {
		t.Errorf("readyz probes wrote %d refusal records: %v", len(recs), recs)
	}
}
