package httpauthz_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/httpauthz"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// middlewarePolicy is the default store plus a scope "Lab" where alice
// holds "Lab Operator" (view and start VMs) and a role definition "Night
// Stopper" (stop VMs, only when param night is true) assigned to bob at
// application level.
func middlewarePolicy(t *testing.T) *policy.Policy {
	t.Helper()
	app := policy.DefaultApplication
	p, err := policy.NewDefault().Edit(func(p *policy.Policy) error {
		appLoc := policy.Location{App: app}
		lab := policy.Location{App: app, Scope: "Lab"}
		steps := []error{
			p.CreateScope(app, &policy.Scope{Name: "Lab"}),
			p.CreateTask(appLoc, &policy.Task{Name: "Lab Operator", RoleDefinition: true}),
			p.Link(appLoc, policy.KindRoleDefinition, "Lab Operator", policy.RelOperation, "View Virtual Machine Configuration"),
			p.Link(appLoc, policy.KindRoleDefinition, "Lab Operator", policy.RelOperation, "Start Virtual Machine"),
			p.CreateRole(lab, &policy.Role{Name: "Lab Operators"}),
			p.Link(lab, policy.KindRole, "Lab Operators", policy.RelTask, "Lab Operator"),
			p.Link(lab, policy.KindRole, "Lab Operators", policy.RelMember, "alice"),
			p.CreateTask(appLoc, &policy.Task{Name: "Night Stopper", RoleDefinition: true, BizRule: policy.BizRule{Script: "night == true"}}),
			p.Link(appLoc, policy.KindRoleDefinition, "Night Stopper", policy.RelOperation, "Stop Virtual Machine"),
			p.CreateRole(appLoc, &policy.Role{Name: "Night Stoppers"}),
			p.Link(appLoc, policy.KindRole, "Night Stoppers", policy.RelTask, "Night Stopper"),
			p.Link(appLoc, policy.KindRole, "Night Stoppers", policy.RelMember, "bob"),
		}
		return errors.Join(steps...)
	})
	if err != nil {
		t.Fatalf("build policy: %v", err)
	}
	return p
}

// gatedServer is a real httptest server: a ServeMux whose routes are
// gated by the middleware. Callers identify with X-User (and X-Groups,
// comma-separated).
type gatedServer struct {
	*httptest.Server
	mu        sync.Mutex
	decisions []httpauthz.Decision
}

// vmRoutes names operations of the Hyper-V application by name and by its
// OperationID.
var vmRoutes = map[string]string{
	"GET /scopes/{scope}/vms/{name}":        "View Virtual Machine Configuration",
	"POST /scopes/{scope}/vms/{name}/start": strconv.Itoa(int(operations.StartVM)),
	"POST /scopes/{scope}/vms/{name}/stop":  "stop virtual machine",
	"DELETE /scopes/{scope}/vms/{name}":     "Delete Virtual Machine",
}

// headerClient identifies a caller by X-User and X-Groups.
func headerClient(r *http.Request) (directory.ClientContext, error) {
	u := r.Header.Get("X-User")
	if u == "" {
		return directory.ClientContext{}, httpauthz.ErrNoClient
	}
	c := directory.ClientContext{Name: u, IDs: []string{u}}
	if g := r.Header.Get("X-Groups"); g != "" {
		c.Groups = strings.Split(g, ",")
	}
	return c, nil
}

func newGatedServer(t *testing.T, src httpauthz.Source, mutate func(*httpauthz.Config)) *gatedServer {
	t.Helper()
	gs := &gatedServer{}
	cfg := httpauthz.Config{
		Routes: vmRoutes,
		Client: headerClient,
		Scope: func(r *http.Request) (string, error) {
			s := r.PathValue("scope")
			if s == "default" {
				return "", nil
			}
			if s == "broken" {
				return "", errors.New("scope lookup failed")
			}
			return s, nil
		},
		Params: func(r *http.Request) (authz.Params, error) {
			if v := r.URL.Query().Get("night"); v != "" {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return nil, fmt.Errorf("night=%q: %w", v, err)
				}
				return authz.Params{"night": b}, nil
			}
			return authz.Params{}, nil
		},
		OnDecision: func(_ *http.Request, d httpauthz.Decision) {
			gs.mu.Lock()
			gs.decisions = append(gs.decisions, d)
			gs.mu.Unlock()
		},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	gate, err := httpauthz.New(src, cfg)
	if err != nil {
		t.Fatalf("httpauthz.New: %v", err)
	}
	r := http.NewServeMux()
	handler := func(w http.ResponseWriter, r *http.Request) {
		res, ok := httpauthz.ResultFromContext(r.Context())
		client, scope, cok := httpauthz.ClientFromContext(r.Context())
		body := map[string]any{"handled": true, "hasResult": ok, "hasClient": cok, "user": client.Name, "scope": scope}
		if ok {
			body["operation"] = res.Operation.Name
			if res.Grant != nil {
				body["assignment"] = res.Grant.Assignment
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}
	for _, p := range []string{"GET /scopes/{scope}/vms/{name}", "DELETE /scopes/{scope}/vms/{name}", "POST /scopes/{scope}/vms/{name}/start",
		"POST /scopes/{scope}/vms/{name}/stop", "POST /scopes/{scope}/vms/{name}/pause" /* deliberately unmapped */, "GET /healthz" /* unmapped */} {
		r.Handle(p, gate.Wrap(http.HandlerFunc(handler)))
	}
	gs.Server = httptest.NewServer(r)
	t.Cleanup(gs.Close)
	return gs
}

type errBody struct {
	Error struct {
		Code      string  `json:"code"`
		Message   string  `json:"message"`
		Operation string  `json:"operation"`
		Scope     *string `json:"scope"`
	} `json:"error"`
}

func do(t *testing.T, method, url, user, groups string) (int, map[string]any, errBody) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("X-User", user)
	}
	if groups != "" {
		req.Header.Set("X-Groups", groups)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var ok map[string]any
	var eb errBody
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &ok); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
	} else {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("refusal Content-Type = %q, want application/json", ct)
		}
		if err := json.Unmarshal(raw, &eb); err != nil {
			t.Fatalf("decode error body %s: %v", raw, err)
		}
	}
	return resp.StatusCode, ok, eb
}

func TestMiddleware_Decisions(t *testing.T) {
	p := middlewarePolicy(t)
	c, err := authz.Compile(p, "", authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]httpauthz.Source{"static": httpauthz.Static(c), "live": newLive(t, p)} {
		t.Run(name, func(t *testing.T) { testDecisions(t, src) })
	}
}

func testDecisions(t *testing.T, src httpauthz.Source) {
	srv := newGatedServer(t, src, nil)
	tests := []struct {
		name, method, path, user, groups string
		status                           int
		code                             string // error code, for refusals
		msgHas                           []string
		assignment                       string // granting assignment, for grants
	}{
		{name: "admin by group in default scope", method: "GET", path: "/scopes/default/vms/web", user: "root", groups: policy.AdministratorsSID,
			status: 200, assignment: "Administrator"},
		{name: "admin in Lab through application level", method: "DELETE", path: "/scopes/Lab/vms/web", user: "root", groups: "x," + policy.AdministratorsSID,
			status: 200, assignment: "Administrator"},
		{name: "alice views in Lab", method: "GET", path: "/scopes/Lab/vms/web", user: "alice", status: 200, assignment: "Lab Operators"},
		{name: "alice starts in Lab, case-folded scope", method: "POST", path: "/scopes/lab/vms/web/start", user: "ALICE", status: 200, assignment: "Lab Operators"},
		{name: "alice cannot delete in Lab", method: "DELETE", path: "/scopes/Lab/vms/web", user: "alice", status: 403, code: "access_denied",
			msgHas: []string{`"Delete Virtual Machine"`, `scope "Lab"`}},
		{name: "alice cannot view in default scope", method: "GET", path: "/scopes/default/vms/web", user: "alice", status: 403, code: "access_denied",
			msgHas: []string{`"View Virtual Machine Configuration"`, "the default scope"}},
		{name: "no identity", method: "GET", path: "/scopes/Lab/vms/web", status: 401, code: "unauthenticated"},
		{name: "unmapped route fails closed", method: "POST", path: "/scopes/Lab/vms/web/pause", user: "root", groups: policy.AdministratorsSID,
			status: 403, code: "access_denied", msgHas: []string{"no operation is mapped"}},
		{name: "unknown scope denies", method: "GET", path: "/scopes/Nowhere/vms/web", user: "root", groups: policy.AdministratorsSID,
			status: 403, code: "access_denied", msgHas: []string{`scope "Nowhere"`}},
		{name: "scope extractor error denies", method: "GET", path: "/scopes/broken/vms/web", user: "root", groups: policy.AdministratorsSID,
			status: 403, code: "access_denied", msgHas: []string{"View Virtual Machine Configuration"}},
		{name: "route name mapping, business rule true", method: "POST", path: "/scopes/default/vms/web/stop?night=true", user: "bob", status: 200, assignment: "Night Stoppers"},
		{name: "business rule false denies", method: "POST", path: "/scopes/default/vms/web/stop?night=false", user: "bob", status: 403, code: "access_denied",
			msgHas: []string{`"Stop Virtual Machine"`}},
		{name: "missing rule parameter denies", method: "POST", path: "/scopes/default/vms/web/stop", user: "bob", status: 403, code: "access_denied"},
		{name: "bad parameter denies", method: "POST", path: "/scopes/default/vms/web/stop?night=maybe", user: "bob", status: 403, code: "access_denied"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, ok, eb := do(t, tc.method, srv.URL+tc.path, tc.user, tc.groups)
			if status != tc.status {
				t.Fatalf("status = %d, want %d (body %+v %+v)", status, tc.status, ok, eb)
			}
			if status == 200 {
				if ok["handled"] != true || ok["hasResult"] != true || ok["hasClient"] != true {
					t.Fatalf("handler did not see the decision: %v", ok)
				}
				if ok["assignment"] != tc.assignment {
					t.Errorf("granting assignment = %v, want %q", ok["assignment"], tc.assignment)
				}
				if !strings.EqualFold(ok["user"].(string), tc.user) {
					t.Errorf("client in context = %v, want %q", ok["user"], tc.user)
				}
				return
			}
			if eb.Error.Code != tc.code {
				t.Errorf("code = %q, want %q (message %q)", eb.Error.Code, tc.code, eb.Error.Message)
			}
			for _, s := range tc.msgHas {
				if !strings.Contains(eb.Error.Message, s) {
					t.Errorf("message %q lacks %q", eb.Error.Message, s)
				}
			}
			if strings.Contains(eb.Error.Message, "lookup failed") {
				t.Errorf("message %q leaks the internal cause", eb.Error.Message)
			}
		})
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.decisions) != len(tests) {
		t.Fatalf("OnDecision called %d times, want %d", len(srv.decisions), len(tests))
	}
	for i, d := range srv.decisions {
		if (d.Status == 0) != (tests[i].status == 200) || d.Allowed != (tests[i].status == 200) {
			t.Errorf("decision %d (%s): status %d allowed %v", i, tests[i].name, d.Status, d.Allowed)
		}
	}
}

func TestMiddleware_AllowUnmapped(t *testing.T) {
	c, err := authz.Compile(middlewarePolicy(t), "", authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := newGatedServer(t, httpauthz.Static(c), func(o *httpauthz.Config) { o.AllowUnmapped = true })
	status, body, _ := do(t, "GET", srv.URL+"/healthz", "anyone", "")
	if status != 200 || body["hasResult"] != false {
		t.Fatalf("unmapped with AllowUnmapped: status %d body %v, want 200 without a result", status, body)
	}
	// Mapped routes are still checked.
	if status, _, eb := do(t, "GET", srv.URL+"/scopes/default/vms/x", "anyone", ""); status != 403 {
		t.Fatalf("mapped route: status %d (%+v), want 403", status, eb)
	}
}

func TestMiddleware_FailsClosed(t *testing.T) {
	c, err := authz.Compile(middlewarePolicy(t), "", authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mutate func(*httpauthz.Config)
		path   string
		status int
	}{
		{name: "no client function", mutate: func(o *httpauthz.Config) { o.Client = nil }, status: 401},
		{name: "client error", mutate: func(o *httpauthz.Config) {
			o.Client = func(*http.Request) (directory.ClientContext, error) {
				return directory.ClientContext{}, errors.New("token unreachable")
			}
		}, status: 401},
		{name: "no route table", mutate: func(o *httpauthz.Config) { o.Routes = nil }, status: 403},
		{name: "matcher finds no route", mutate: func(o *httpauthz.Config) {
			o.Match = func(*http.Request) (httpauthz.Route, bool) { return httpauthz.Route{}, false }
		}, status: 403},
		{name: "matcher finds a route outside the table", mutate: func(o *httpauthz.Config) {
			o.Match = func(*http.Request) (httpauthz.Route, bool) {
				return httpauthz.Route{Method: "GET", Path: "/unreachable"}, true
			}
		}, status: 403},
		{name: "params error", path: "/scopes/default/vms/web/stop?night=maybe", status: 403},
		{name: "check canceled", mutate: func(o *httpauthz.Config) {
			o.Scope = func(r *http.Request) (string, error) {
				ctx, cancel := context.WithCancel(r.Context())
				cancel()
				*r = *r.WithContext(ctx)
				return "", nil
			}
		}, status: 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newGatedServer(t, httpauthz.Static(c), tc.mutate)
			path := tc.path
			if path == "" {
				path = "/scopes/default/vms/web"
			}
			method := "GET"
			if strings.Contains(path, "/stop") {
				method = "POST"
			}
			status, body, eb := do(t, method, srv.URL+path, "root", policy.AdministratorsSID)
			if status != tc.status {
				t.Fatalf("status = %d (%v %+v), want %d", status, body, eb, tc.status)
			}
			if strings.Contains(eb.Error.Message, "unreachable") {
				t.Errorf("message %q leaks the internal cause", eb.Error.Message)
			}
		})
	}
}
