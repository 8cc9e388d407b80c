package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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

// TestE2E_AuthZENEngineObjects: a VM, switch or port named by
// resource.type and id is decided in its own scope (a port: in its
// switch's too), whatever properties.scope says; the PEP learns of an
// object only as the engine would tell it — an object it may not view and
// a missing one answer the very same {"decision":false} — and the resource
// search lists the objects the PEP may view on which the subject may act.
func TestE2E_AuthZENEngineObjects(t *testing.T) {
	in := newBookInstallation(t)
	p := in.serve()
	dd := "--data-dir=" + in.dataDir
	st := []string{"AZGATE_STORE=" + in.store}
	pw := []string{"AZGATE_PASSWORD=user-pw-1"}
	for _, g := range []string{"Lab-Staff", "HV-Monitors"} {
		in.cli(nil, "group", "add", g, dd)
	}
	for u, groups := range map[string][]string{"labop": {"Lab-Staff"}, "pep": {"HV-Monitors"}, "blindpep": nil} {
		in.cli(pw, "user", "add", u, dd)
		for _, g := range groups {
			in.cli(nil, "group", "add-member", g, u, dd)
		}
	}
	pep, blindpep := cred{user: "pep", pass: "user-pw-1"}, cred{user: "blindpep", pass: "user-pw-1"}
	// Both PEPs hold Check Access; pep views every object (Hyper-V
	// Monitor), blindpep none. labop also views ports in Lab.
	in.cli(st, "role", "add-member", "Checker", "pep", "--app", "azgate")
	in.cli(st, "role", "add-member", "Checker", "blindpep", "--app", "azgate")
	in.cli(st, "role", "create", "Lab Port Viewers", "--scope", "Lab", "--op", "View Switch Ports", "--member", "labop")

	for _, c := range []struct {
		path string
		body map[string]any
	}{
		{"/v1/vms", map[string]any{"name": "web1", "memoryMB": 512, "processors": 1}},
		{"/v1/vms", map[string]any{"name": "lab1", "memoryMB": 512, "processors": 1, "scope": "Lab"}},
		{"/v1/switches", map[string]any{"name": "Public"}},
		{"/v1/switches", map[string]any{"name": "LabNet", "scope": "Lab"}},
		{"/v1/switch-ports", map[string]any{"name": "lab-port", "switch": "LabNet", "scope": "Lab"}},
		{"/v1/switch-ports", map[string]any{"name": "mixed-port", "switch": "Public", "scope": "Lab"}},
	} {
		want(t, p.do(t, admin, http.MethodPost, c.path, c.body), http.StatusCreated, "admin creates "+c.path)
	}

	eval := func(subject, action, typ, id, props string) string {
		return fmt.Sprintf(`{"subject":{"type":"user","id":%q},"action":{"name":%q},"resource":{"type":%q,"id":%q%s}}`,
			subject, action, typ, id, props)
	}
	const (
		allow = `{"decision":true}`
		deny  = `{"decision":false}`
	)
	// The CLI's edits are in force once pep may ask and labop views Lab's ports.
	eventually(t, 30*time.Second, "the CLI's edits in force", func() string {
		r := p.do(t, pep, http.MethodPost, "/access/v1/evaluation", eval("labop", "View Switch Ports", "port", "lab-port", ""))
		if r.status != http.StatusOK || string(bytes.TrimSpace(r.body)) != allow {
			return fmt.Sprintf("%d %s", r.status, r.body)
		}
		return ""
	})
	tests := []struct {
		name string
		c    cred
		body string
		want string
	}{
		{"a VM in its own scope", pep, eval("labop", "Start Virtual Machine", "vm", "lab1", ""), allow},
		{"whatever properties.scope says", pep, eval("labop", "Start Virtual Machine", "vm", "web1", `,"properties":{"scope":"Lab"}`), deny},
		{"a missing VM", pep, eval("admin", "Start Virtual Machine", "vm", "ghost", ""), deny},
		{"an administrator on a VM", pep, eval("admin", "Start Virtual Machine", "vm", "web1", ""), allow},
		{"a VM the PEP may not view", blindpep, eval("admin", "Start Virtual Machine", "vm", "web1", ""), deny},
		{"a switch", pep, eval("admin", "Delete Virtual Switch", "switch", "LabNet", ""), allow},
		{"a switch the PEP may not view", blindpep, eval("admin", "Delete Virtual Switch", "switch", "LabNet", ""), deny},
		{"a missing switch", pep, eval("admin", "Delete Virtual Switch", "switch", "ghost", ""), deny},
		{"a port and its switch in Lab", pep, eval("labop", "View Switch Ports", "port", "lab-port", ""), allow},
		{"a port whose switch is elsewhere", pep, eval("labop", "View Switch Ports", "port", "mixed-port", ""), deny},
		{"a port the PEP may not view", blindpep, eval("labop", "View Switch Ports", "port", "lab-port", ""), deny},
		{"a missing port", pep, eval("admin", "View Switch Ports", "port", "ghost", ""), deny},
		{"a scope, as before", blindpep, eval("labop", "Start Virtual Machine", "scope", "Lab", ""), allow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := p.do(t, tc.c, http.MethodPost, "/access/v1/evaluation", tc.body)
			if r.status != http.StatusOK || string(bytes.TrimSpace(r.body)) != tc.want {
				t.Fatalf("%s: %d %s, want %s", tc.body, r.status, r.body, tc.want)
			}
		})
	}

	// The resource search: the VMs the PEP may view on which labop may
	// start; nothing through a PEP that views none.
	search := `{"subject":{"type":"user","id":"labop"},"action":{"name":"Start Virtual Machine"},"resource":{"type":"vm"}}`
	for _, tc := range []struct {
		c    cred
		want string
	}{{pep, `[{"type":"vm","id":"lab1"}]`}, {blindpep, `[]`}} {
		r := p.do(t, tc.c, http.MethodPost, "/access/v1/search/resource", search)
		var got struct {
			Results json.RawMessage `json:"results"`
		}
		if r.status != http.StatusOK || json.Unmarshal(r.body, &got) != nil || string(got.Results) != tc.want {
			t.Fatalf("%s searches: %d %s, want results %s", tc.c.user, r.status, r.body, tc.want)
		}
	}
	// The PEP's lookups of objects' scopes are audited as the checks they
	// serve (--audit-checks denials by default): the denied ones, not one
	// allowed record per object a search considers.
	log, err := os.ReadFile(filepath.Join(in.dataDir, AuditFile))
	if err != nil {
		t.Fatal(err)
	}
	allowedLookups := 0
	for _, line := range strings.Split(string(log), "\n") {
		if !strings.Contains(line, `"principal":"pep"`) || !strings.Contains(line, `"source":"engine"`) {
			continue
		}
		if strings.Contains(line, `"result":"allowed"`) && strings.Contains(line, `"object":`) { // not the search's one list
			allowedLookups++
		}
	}
	if allowedLookups != 0 {
		t.Errorf("%d allowed scope lookups of the PEP audited; want none under --audit-checks denials", allowedLookups)
	}
	if blind := strings.Count(string(log), `"principal":"blindpep"`); blind == 0 {
		t.Error("the blind PEP's denied lookups are not audited")
	}
}
