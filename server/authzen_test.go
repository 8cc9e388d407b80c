package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/azgate/azgate/audit"
)

// TestServer_AuthZEN: the AuthZEN endpoints through the server — decisions
// audited as checks are (source authzen, the subject as principal, the PEP
// as caller), the delegation refusal and a malformed body answered as the
// specification says (status, the message as text), X-Request-ID echoed.
func TestServer_AuthZEN(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.AuditChecks = AuditChecksAll })
	ts.addUser("dave")
	nobody := ts.addUser("nobody")
	eval := `{"subject":{"type":"user","id":"SUBJ"},"action":{"name":"Start Virtual Machine"},"resource":{"type":"scope","id":""}}`
	tests := []struct {
		name   string
		c      cred
		body   string
		status int
		want   string
		ctype  string
	}{
		{"administrator may", admin, strings.Replace(eval, "SUBJ", "admin", 1), 200, `{"decision":true}`, "application/json"},
		{"dave may not", admin, strings.Replace(eval, "SUBJ", "dave", 1), 200, `{"decision":false}`, "application/json"},
		{"a caller without Check Access", nobody, strings.Replace(eval, "SUBJ", "dave", 1), 403, `access denied: "Check Access"`, "text/plain"},
		{"no action", admin, `{"subject":{"type":"user","id":"dave"},"resource":{"type":"scope","id":""}}`, 400, "action is required", "text/plain"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do(tc.c, http.MethodPost, "/access/v1/evaluation", tc.body, "X-Request-ID", "req-7")
			if r.status != tc.status || !strings.Contains(string(r.body), tc.want) ||
				!strings.HasPrefix(r.header.Get("Content-Type"), tc.ctype) || r.header.Get("X-Request-ID") != "req-7" {
				t.Fatalf("status %d, Content-Type %q, X-Request-ID %q: %s; want %d %q", r.status,
					r.header.Get("Content-Type"), r.header.Get("X-Request-ID"), r.body, tc.status, tc.want)
			}
		})
	}
	recs := ts.auditRecords(t, audit.SourceAuthZEN)
	if len(recs) != 2 || recs[0]["principal"] != "admin" || recs[0]["caller"] != "admin" || recs[0]["result"] != audit.ResultAllowed ||
		recs[1]["principal"] != "dave" || recs[1]["result"] != audit.ResultDenied || recs[1]["operation"] != "Start Virtual Machine" {
		t.Fatalf("audit records %v", recs)
	}
}
