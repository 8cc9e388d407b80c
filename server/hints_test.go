package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/policy"
)

// hintServer is a server whose policy has scopes Lab and Secret; role
// definitions VM Viewer (View Virtual Machine Configuration) and Lab VM
// Operator (Start and Stop Virtual Machine), Secret Starter (Start Virtual
// Machine, defined in Secret); role assignments Lab Viewers (VM Viewer, in
// Lab: group Viewers), Lab VM Operators (Lab VM Operator, in Lab: nobody)
// and Secret Starters (Secret Starter, in Secret: nobody). Users: reader
// (Viewers, and Policy Reader of the delegation application), plain
// (Viewers), checker (Checker). VMs lab1 in Lab, sec1 in Secret.
func hintServer(t *testing.T) (ts *testServer, reader, plain, checker cred) {
	t.Helper()
	ts = startServer(t, nil)
	ctx := context.Background()
	app := policy.DefaultApplication
	_, _, err := policy.Update(ctx, ts.s.store, func(p *policy.Policy) error {
		l := policy.Location{App: app}
		lab, secret := policy.Location{App: app, Scope: "Lab"}, policy.Location{App: app, Scope: "Secret"}
		deleg := policy.Location{App: DelegationApp}
		var steps []error
		add := func(err error) { steps = append(steps, err) }
		add(p.CreateScope(app, &policy.Scope{Name: "Lab"}))
		add(p.CreateScope(app, &policy.Scope{Name: "Secret"}))
		def := func(l policy.Location, name string, ops ...string) {
			add(p.CreateTask(l, &policy.Task{Name: name, RoleDefinition: true}))
			for _, o := range ops {
				add(p.Link(l, policy.KindRoleDefinition, name, policy.RelOperation, o))
			}
		}
		def(l, "VM Viewer", "View Virtual Machine Configuration")
		def(l, "Lab VM Operator", "Start Virtual Machine", "Stop Virtual Machine")
		def(secret, "Secret Starter", "Start Virtual Machine")
		assign := func(l policy.Location, name, def string, members ...string) {
			add(p.CreateRole(l, &policy.Role{Name: name}))
			add(p.Link(l, policy.KindRole, name, policy.RelTask, def))
			for _, m := range members {
				add(p.Link(l, policy.KindRole, name, policy.RelMember, m))
			}
		}
		assign(lab, "Lab Viewers", "VM Viewer", "Viewers")
		assign(lab, "Lab VM Operators", "Lab VM Operator")
		assign(secret, "Secret Starters", "Secret Starter")
		add(p.Link(deleg, policy.KindRole, rolePolicyRead, policy.RelMember, "reader"))
		add(p.Link(deleg, policy.KindRole, roleChecker, policy.RelMember, "checker"))
		return errors.Join(steps...)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.s.live.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	reader, plain, checker = ts.addUser("reader", "Viewers"), ts.addUser("plain", "Viewers"), ts.addUser("checker")
	for _, vm := range []engine.VMSpec{{Name: "lab1", Scope: "Lab"}, {Name: "sec1", Scope: "Secret"}} {
		vm.MemoryMB, vm.Processors = 64, 1
		want(t, ts.do(admin, http.MethodPost, "/v1/vms", vm), http.StatusCreated, "create "+vm.Name)
	}
	return ts, reader, plain, checker
}

// TestServer_DenialHints: a denial names the operation and the scope it
// lacks, and for callers who may read the policy the smallest existing
// grants; a denial on an object the caller may not view reads exactly as
// one on a missing object, whatever would grant it there.
func TestServer_DenialHints(t *testing.T) {
	ts, reader, plain, _ := hintServer(t)
	labHints := []string{
		`member of role assignment "Lab VM Operators" in scope "Lab"`,
		`a role assignment of role definition "Lab VM Operator" in scope "Lab"`,
		`member of role assignment "Administrator" at application level`,
	}
	tests := []struct {
		name      string
		c         cred
		path      string
		scope     *string
		message   string
		hints     []string
		sameAsFor string // the body must be byte for byte the one of this path
	}{
		{"a VM the caller views, for a policy reader", reader, "/v1/vms/lab1/start", ptr("Lab"),
			`access denied: "Start Virtual Machine" on "lab1" (not granted in scope "Lab")`, labHints, ""},
		{"a VM the caller views, without Read Policy", plain, "/v1/vms/lab1/start", ptr("Lab"),
			`access denied: "Start Virtual Machine" on "lab1" (not granted in scope "Lab")`, nil, ""},
		{"a VM the caller cannot view: only Secret would grant it, and nothing says so", reader, "/v1/vms/sec1/start", nil,
			`access denied: "Start Virtual Machine" on "sec1"`, nil, ""},
		{"a missing VM reads as a hidden one", reader, "/v1/vms/sec1/start", nil, "", nil, "/v1/vms/no-such-vm/start"},
		{"a service-wide denial", plain, "/v1/service", ptr(""),
			`access denied: "Read Service Configuration" in the default scope`, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := http.MethodPost
			if !strings.HasSuffix(tc.path, "/start") {
				method = http.MethodGet
			}
			r := ts.do(tc.c, method, tc.path, nil)
			want(t, r, http.StatusForbidden, tc.path)
			if tc.sameAsFor != "" {
				other := ts.do(tc.c, method, strings.Replace(tc.sameAsFor, "no-such-vm", "sec1", 1), nil)
				ghost := ts.do(tc.c, method, tc.sameAsFor, nil)
				if string(ghost.body) != strings.Replace(string(other.body), "sec1", "no-such-vm", -1) {
					t.Fatalf("hidden %s, missing %s", other.body, ghost.body)
				}
				return
			}
			var e api.ErrorBody
			r.json(t, &e)
			if e.Error.Message != tc.message || !slices.Equal(e.Error.Hints, tc.hints) ||
				(e.Error.Scope == nil) != (tc.scope == nil) || (tc.scope != nil && *e.Error.Scope != *tc.scope) {
				t.Fatalf("denial %s, want message %q, scope %v, hints %q", r.body, tc.message, tc.scope, tc.hints)
			}
			if strings.Contains(string(r.body), "Secret") {
				t.Fatalf("the denial names Secret: %s", r.body)
			}
		})
	}
}

// TestServer_CheckDenialHints: /v1/check results name what is missing, and
// give hints to callers who may read the policy.
func TestServer_CheckDenialHints(t *testing.T) {
	ts, _, _, checker := hintServer(t)
	body := map[string]any{"user": "dave", "scope": "Lab", "operations": []string{"Start Virtual Machine", "Delete Virtual Machine"}}
	tests := []struct {
		name  string
		c     cred
		hints [][]string
	}{
		{"an administrator reads the policy", admin, [][]string{
			{`member of role assignment "Lab VM Operators" in scope "Lab"`, `a role assignment of role definition "Lab VM Operator" in scope "Lab"`,
				`member of role assignment "Administrator" at application level`},
			{`member of role assignment "Administrator" at application level`, `a role assignment of role definition "Administrator" in scope "Lab"`}}},
		{"a checker does not", checker, [][]string{nil, nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do(tc.c, http.MethodPost, "/v1/check", body)
			want(t, r, http.StatusOK, "check")
			var resp api.CheckResponse
			r.json(t, &resp)
			for i, res := range resp.Results {
				if res.Allowed || res.Missing != `"`+res.Operation+`" in scope "Lab"` || !slices.Equal(res.Hints, tc.hints[i]) {
					t.Fatalf("result %d: %+v, want hints %q", i, res, tc.hints[i])
				}
			}
		})
	}
}

func ptr(s string) *string { return &s }
