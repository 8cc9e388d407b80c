package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// The AuthZEN end-to-end tests run `azgate serve` as a process, edit its
// store from the CLI (another process) and ask the PEP's questions over
// HTTP.

// authzenDecision posts one AuthZEN evaluation and returns its decision
// and context.
func authzenDecision(t *testing.T, p *process, c cred, body string) (bool, map[string]any) {
	t.Helper()
	r := p.do(t, c, http.MethodPost, "/access/v1/evaluation", body)
	want(t, r, http.StatusOK, "evaluation "+body)
	var d struct {
		Decision bool           `json:"decision"`
		Context  map[string]any `json:"context"`
	}
	if err := json.Unmarshal(r.body, &d); err != nil {
		t.Fatalf("evaluation %s: %v: %s", body, err, r.body)
	}
	return d.Decision, d.Context
}

// TestE2E_AuthZENAfterReload: AuthZEN decides with the policy in force —
// the engine's application and another one alike — so an edit saved by
// another process is answered as soon as the server has reloaded it, never
// with a decision of the revision before.
func TestE2E_AuthZENAfterReload(t *testing.T) {
	in := newBookInstallation(t)
	p := in.serve()
	dd := "--data-dir=" + in.dataDir
	st := []string{"AZGATE_STORE=" + in.store}
	in.cli([]string{"AZGATE_PASSWORD=user-pw-1"}, "user", "add", "dave", dd)
	in.cli(st, "app", "create", "Payroll")
	in.cli(st, "op", "create", "Approve", "--id", "1", "--app", "Payroll")

	payroll := `{"subject":{"type":"user","id":"dave"},"action":{"name":"Approve"},"resource":{"type":"scope","id":"","properties":{"application":"Payroll"}}}`
	engine := `{"subject":{"type":"user","id":"dave"},"action":{"name":"Start Virtual Machine"},"resource":{"type":"scope","id":""}}`
	decided := func(body string, want bool) func() string {
		return func() string {
			got, ctx := authzenDecision(t, p, admin, body)
			if got != want || ctx != nil {
				return fmt.Sprintf("decision %v (context %v), want %v without context", got, ctx, want)
			}
			return ""
		}
	}
	const reload = 30 * time.Second
	eventually(t, reload, "dave in Payroll before any role", decided(payroll, false))
	if got, ctx := authzenDecision(t, p, admin, engine); got || ctx != nil {
		t.Fatalf("dave starts VMs before any role: %v %v", got, ctx)
	}

	// Grant, in both applications, from another process.
	in.cli(st, "role", "create", "Approvers", "--app", "Payroll", "--op", "Approve", "--member", "dave")
	in.cli(st, "role", "create", "Starters", "--op", "Start Virtual Machine", "--member", "dave")
	eventually(t, reload, "dave in Payroll once granted", decided(payroll, true))
	eventually(t, reload, "dave starts VMs once granted", decided(engine, true))

	// Revoke: no stale allow once the revision is in force.
	in.cli(st, "role", "delete", "Approvers", "--app", "Payroll")
	in.cli(st, "role", "delete", "Starters")
	eventually(t, reload, "dave in Payroll once revoked", decided(payroll, false))
	eventually(t, reload, "dave starts VMs once revoked", decided(engine, false))
}
