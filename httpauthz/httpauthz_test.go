package httpauthz_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/httpauthz"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/xmlstore"
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

// gatedServer is a real httptest server: a mux router gated by the
// middleware. Callers identify with X-User (and X-Groups, comma-separated).
type gatedServer struct {
	*httptest.Server
	mu        sync.Mutex
	decisions []httpauthz.Decision
}

func newGatedServer(t *testing.T, d httpauthz.Decider, mutate func(*httpauthz.Options)) *gatedServer {
	t.Helper()
	opFor, err := httpauthz.RouteOperations(map[string]operations.ID{
		"GET /scopes/{scope}/vms/{name}":        operations.ViewVMConfiguration,
		"POST /scopes/{scope}/vms/{name}/start": operations.StartVM,
		"POST /scopes/{scope}/vms/{name}/stop":  operations.StopVM,
		"DELETE /scopes/{scope}/vms/{name}":     operations.DeleteVM,
	})
	if err != nil {
		t.Fatalf("RouteOperations: %v", err)
	}
	gs := &gatedServer{}
	opts := httpauthz.Options{
		Client: func(r *http.Request) (directory.ClientContext, error) {
			u := r.Header.Get("X-User")
			if u == "" {
				return directory.ClientContext{}, httpauthz.ErrNoClient
			}
			c := directory.ClientContext{Name: u, IDs: []string{u}}
			if g := r.Header.Get("X-Groups"); g != "" {
				c.Groups = strings.Split(g, ",")
			}
			return c, nil
		},
		Operation: opFor,
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
		mutate(&opts)
	}
	r := http.NewServeMux()
	gate := httpauthz.Middleware(d, opts)
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
		r.Handle(p, gate(http.HandlerFunc(handler)))
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
	c, err := authz.Compile(middlewarePolicy(t), "", authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := newGatedServer(t, c, nil)
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
	srv := newGatedServer(t, c, func(o *httpauthz.Options) { o.AllowUnmapped = true })
	status, body, _ := do(t, "GET", srv.URL+"/healthz", "anyone", "")
	if status != 200 || body["hasResult"] != false {
		t.Fatalf("unmapped with AllowUnmapped: status %d body %v, want 200 without a result", status, body)
	}
	// Mapped routes are still checked.
	if status, _, eb := do(t, "GET", srv.URL+"/scopes/default/vms/x", "anyone", ""); status != 403 {
		t.Fatalf("mapped route: status %d (%+v), want 403", status, eb)
	}
}

// failingDecider fails every check, or returns the wrong number of results.
type failingDecider struct{ short bool }

func (f failingDecider) AccessCheck(context.Context, directory.ClientContext, string, []operations.ID, authz.Params) ([]authz.Result, error) {
	if f.short {
		return nil, nil
	}
	return nil, errors.New("store unreachable")
}

func TestMiddleware_FailsClosed(t *testing.T) {
	tests := []struct {
		name   string
		d      httpauthz.Decider
		mutate func(*httpauthz.Options)
		status int
	}{
		{name: "decider error", d: failingDecider{}, status: 403},
		{name: "decider returns no results", d: failingDecider{short: true}, status: 403},
		{name: "nil decider", d: nil, status: 403},
		{name: "no client function", d: failingDecider{}, mutate: func(o *httpauthz.Options) { o.Client = nil }, status: 401},
		{name: "no operation function", d: failingDecider{}, mutate: func(o *httpauthz.Options) { o.Operation = nil }, status: 403},
		{name: "operation outside the catalog", d: failingDecider{}, mutate: func(o *httpauthz.Options) {
			o.Operation = func(*http.Request) (operations.ID, bool) { return 9999, true }
		}, status: 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newGatedServer(t, tc.d, tc.mutate)
			status, body, eb := do(t, "GET", srv.URL+"/scopes/default/vms/web", "root", policy.AdministratorsSID)
			if status != tc.status {
				t.Fatalf("status = %d (%v %+v), want %d", status, body, eb, tc.status)
			}
			if strings.Contains(eb.Error.Message, "unreachable") {
				t.Errorf("message %q leaks the internal cause", eb.Error.Message)
			}
		})
	}
}

func TestRouteOperations_Errors(t *testing.T) {
	tests := []struct {
		name  string
		table map[string]operations.ID
		want  string
	}{
		{"unknown operation", map[string]operations.ID{"GET /x": 4242}, `route "GET /x"`},
		{"bad method", map[string]operations.ID{"FETCH /x": operations.ViewSwitches}, `"FETCH" is not an HTTP method`},
		{"relative path", map[string]operations.ID{"GET x": operations.ViewSwitches}, "must start with /"},
		{"empty key", map[string]operations.ID{" ": operations.ViewSwitches}, "empty route name"},
		{"route name", map[string]operations.ID{"stop-vm": operations.StopVM}, "route names need gorilla/mux"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := httpauthz.RouteOperations(tc.table)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// A server with its own operation catalog: routes map to its IDs, the
// middleware names its operations, and IDs outside it are refused.
func TestMiddleware_CustomCatalog(t *testing.T) {
	const (
		listWidgets  operations.ID = 10
		createWidget operations.ID = 11
		unmappedID   operations.ID = 12 // in no catalog
	)
	catalog := []operations.Operation{{ID: listWidgets, Name: "List Widgets"}, {ID: createWidget, Name: "Create Widget"}}
	p, err := (&policy.Policy{MajorVersion: 2}).Edit(func(p *policy.Policy) error {
		p.Applications = append(p.Applications, &policy.Application{GUID: policy.NewGUID(), Name: "Widgets"})
		app := policy.Location{App: "Widgets"}
		return errors.Join(
			p.CreateOperation("Widgets", &policy.Operation{Name: "List Widgets", OperationID: int(listWidgets)}),
			p.CreateOperation("Widgets", &policy.Operation{Name: "Create Widget", OperationID: int(createWidget)}),
			p.CreateRole(app, &policy.Role{Name: "Viewers"}),
			p.Link(app, policy.KindRole, "Viewers", policy.RelOperation, "List Widgets"),
			p.Link(app, policy.KindRole, "Viewers", policy.RelMember, "vic"),
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := authz.Compile(p, "", authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := httpauthz.RouteOperationsFor(catalog, map[string]operations.ID{"GET /x": operations.ViewSwitches}); !errors.Is(err, authz.ErrUnknownOperation) {
		t.Errorf("RouteOperationsFor accepted a Hyper-V ID outside the catalog: %v", err)
	}
	if _, err := httpauthz.RouteOperationsFor([]operations.Operation{{ID: 1, Name: "A"}, {ID: 1, Name: "B"}}, nil); !errors.Is(err, authz.ErrBadCatalog) {
		t.Errorf("RouteOperationsFor accepted a bad catalog: %v", err)
	}
	opFor, err := httpauthz.RouteOperationsFor(catalog, map[string]operations.ID{"GET /widgets": listWidgets, "POST /widgets": createWidget})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var last httpauthz.Decision
	newServer := func(d httpauthz.Decider) *httptest.Server {
		gate := httpauthz.Middleware(d, httpauthz.Options{
			Client: func(r *http.Request) (directory.ClientContext, error) {
				return directory.ClientContext{Name: r.Header.Get("X-User"), IDs: []string{r.Header.Get("X-User")}}, nil
			},
			Operation: func(r *http.Request) (operations.ID, bool) {
				if r.URL.Query().Has("bogus") {
					return unmappedID, true
				}
				return opFor(r)
			},
			OnDecision: func(_ *http.Request, d httpauthz.Decision) { mu.Lock(); last = d; mu.Unlock() },
		})
		h := func(w http.ResponseWriter, r *http.Request) {
			res, _ := httpauthz.ResultFromContext(r.Context())
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"operation": res.Operation.Name})
		}
		r := http.NewServeMux()
		r.Handle("GET /widgets", gate(http.HandlerFunc(h)))
		r.Handle("POST /widgets", gate(http.HandlerFunc(h)))
		srv := httptest.NewServer(r)
		t.Cleanup(srv.Close)
		return srv
	}
	tests := []struct {
		name, method, path string
		status             int
		op                 string // the operation the decision and the body name
		unknown            bool   // refused as outside the catalog
	}{
		{"granted", "GET", "/widgets", 200, "List Widgets", false},
		{"denied, named by the server's catalog", "POST", "/widgets", 403, "Create Widget", false},
		{"an ID outside the catalog", "GET", "/widgets?bogus", 403, "", true},
	}
	st, err := xmlstore.Open(filepath.Join(t.TempDir(), "widgets.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Save(context.Background(), p, 0); err != nil {
		t.Fatal(err)
	}
	live, err := authz.NewLive(context.Background(), st, "", authz.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	deciders := map[string]httpauthz.Decider{"checker": c, "live": live, "opaque decider": opaque{c}}
	for dname, d := range deciders {
		srv := newServer(d)
		for _, tc := range tests {
			t.Run(dname+"/"+tc.name, func(t *testing.T) {
				status, body, eb := do(t, tc.method, srv.URL+tc.path, "vic", "")
				if status != tc.status {
					t.Fatalf("status %d (%v %+v), want %d", status, body, eb, tc.status)
				}
				mu.Lock()
				dec := last
				mu.Unlock()
				if dec.Operation.Name != tc.op {
					t.Errorf("Decision.Operation = %+v, want %q", dec.Operation, tc.op)
				}
				switch {
				case status == 200 && body["operation"] != tc.op:
					t.Errorf("handler saw operation %v, want %q", body["operation"], tc.op)
				case status == 403 && tc.op != "" && eb.Error.Operation != tc.op:
					t.Errorf("refusal names %q, want %q (%+v)", eb.Error.Operation, tc.op, eb)
				}
				if tc.unknown && !errors.Is(dec.Err, authz.ErrUnknownOperation) {
					t.Errorf("Decision.Err = %v, want ErrUnknownOperation", dec.Err)
				}
			})
		}
	}
}

// opaque hides the Checker's catalog from the middleware: only AccessCheck.
type opaque struct{ d httpauthz.Decider }

func (o opaque) AccessCheck(ctx context.Context, c directory.ClientContext, s string, ops []operations.ID, p authz.Params) ([]authz.Result, error) {
	return o.d.AccessCheck(ctx, c, s, ops, p)
}
