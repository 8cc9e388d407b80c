package httpauthz_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/httpauthz"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/xmlstore"
)

// newLive saves p to a new XML store and returns an *authz.Live on it,
// made for the store's default application, or for its first application besides azgate
// when it has no default.
func newLive(t testing.TB, p *policy.Policy) *authz.Live {
	l, _ := newLiveStore(t, p)
	return l
}

func newLiveStore(t testing.TB, p *policy.Policy) (*authz.Live, *xmlstore.Store) {
	t.Helper()
	st, err := xmlstore.Open(filepath.Join(t.TempDir(), "store.xml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Save(context.Background(), p, 0); err != nil {
		t.Fatal(err)
	}
	app := p.DefaultApp()
	if _, err := p.Application(app); err != nil {
		for _, a := range slices.Backward(p.Applications) {
			if !names.Equal(a.Name, policy.DelegationApplication) {
				app = a.Name
			}
		}
	}
	live, err := authz.NewLive(context.Background(), st, app, authz.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return live, st
}

// twoApps is a store of two applications whose OperationIDs and names
// overlap, and azgate's delegation application:
//
//   - Alpha: 5 "Approve", 6 "Submit"; ann holds Alpha's "Approve" (5);
//   - Beta: 5 "Submit", 6 "Approve"; ben holds Beta's "Submit" (5).
//
// So ID 5 is Approve in Alpha and Submit in Beta, and whoever holds an
// operation in one application holds nothing in the other.
func twoApps(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := (&policy.Policy{GUID: policy.NewGUID(), MajorVersion: 2}).Edit(func(p *policy.Policy) error {
		var steps []error
		add := func(err error) { steps = append(steps, err) }
		p.Applications = append(p.Applications, &policy.Application{GUID: policy.NewGUID(), Name: policy.DelegationApplication})
		for _, a := range []struct {
			name, op5, op6, holder, holds string
		}{
			{"Alpha", "Approve", "Submit", "ann", "Approve"},
			{"Beta", "Submit", "Approve", "ben", "Submit"},
		} {
			add(p.CreateApplication(&policy.Application{Name: a.name}))
			add(p.CreateOperation(a.name, &policy.Operation{Name: a.op5, OperationID: 5}))
			add(p.CreateOperation(a.name, &policy.Operation{Name: a.op6, OperationID: 6}))
			loc := policy.Location{App: a.name}
			add(p.CreateRole(loc, &policy.Role{Name: "Holders"}))
			add(p.Link(loc, policy.KindRole, "Holders", policy.RelOperation, a.holds))
			add(p.Link(loc, policy.KindRole, "Holders", policy.RelMember, a.holder))
		}
		return errors.Join(steps...)
	})
	if err != nil {
		t.Fatalf("build policy: %v", err)
	}
	return p
}

// appServer serves "GET /by-id" (OperationID 5) and "GET /by-name"
// ("Approve"), gated in application app.
func appServer(t *testing.T, src httpauthz.Source, app string, log *slog.Logger, last *lastDecision) (*httptest.Server, *httpauthz.Gate) {
	t.Helper()
	gate, err := httpauthz.New(src, httpauthz.Config{
		Application: app,
		Routes:      map[string]string{"GET /by-id": "5", "GET /by-name": "Approve"},
		Client:      headerClient,
		Logger:      log,
		OnDecision:  last.set,
	})
	if err != nil {
		t.Fatalf("httpauthz.New(%q): %v", app, err)
	}
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter, r *http.Request) {
		res, _ := httpauthz.ResultFromContext(r.Context())
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"operation":"` + res.Operation.Name + `"}`))
	}
	mux.Handle("GET /by-id", gate.Wrap(http.HandlerFunc(ok)))
	mux.Handle("GET /by-name", gate.Wrap(http.HandlerFunc(ok)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, gate
}

type lastDecision struct {
	mu sync.Mutex
	d  httpauthz.Decision
}

func (l *lastDecision) set(_ *http.Request, d httpauthz.Decision) {
	l.mu.Lock()
	l.d = d
	l.mu.Unlock()
}
func (l *lastDecision) get() httpauthz.Decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.d
}

// A route names an operation by name or ID of the gate's application, and
// is decided against that application's operation: ID 5 in Beta is
// Beta's "Submit", never Alpha's "Approve".
func TestMiddleware_TwoApplications(t *testing.T) {
	p := twoApps(t)
	beta, err := authz.Compile(p, "Beta", authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	live := newLive(t, p)
	tests := []struct {
		app, path, user string
		status          int
		op              operations.Operation // the operation decided
	}{
		{"Beta", "/by-id", "ben", 200, operations.Operation{ID: 5, Name: "Submit"}},
		{"Beta", "/by-id", "ann", 403, operations.Operation{ID: 5, Name: "Submit"}}, // ann holds Alpha's 5
		{"Beta", "/by-name", "ben", 403, operations.Operation{ID: 6, Name: "Approve"}},
		{"Beta", "/by-name", "ann", 403, operations.Operation{ID: 6, Name: "Approve"}},
		{"beta", "/by-id", "ben", 200, operations.Operation{ID: 5, Name: "Submit"}}, // the application by names.Equal
		{"Alpha", "/by-id", "ann", 200, operations.Operation{ID: 5, Name: "Approve"}},
		{"Alpha", "/by-id", "ben", 403, operations.Operation{ID: 5, Name: "Approve"}}, // ben holds Beta's 5
		{"Alpha", "/by-name", "ann", 200, operations.Operation{ID: 5, Name: "Approve"}},
		{"Alpha", "/by-name", "ben", 403, operations.Operation{ID: 5, Name: "Approve"}},
	}
	sources := map[string]func(app string) httpauthz.Source{
		"live": func(string) httpauthz.Source { return live },
		"static": func(app string) httpauthz.Source {
			if app == "Alpha" {
				c, err := authz.Compile(p, "Alpha", authz.Options{})
				if err != nil {
					t.Fatal(err)
				}
				return httpauthz.Static(c)
			}
			return httpauthz.Static(beta)
		},
	}
	for sname, src := range sources {
		for _, tc := range tests {
			t.Run(sname+"/"+tc.app+tc.path+"/"+tc.user, func(t *testing.T) {
				var last lastDecision
				srv, gate := appServer(t, src(tc.app), tc.app, nil, &last)
				if !names.Equal(gate.Application(), tc.app) {
					t.Errorf("Gate.Application() = %q, want %q", gate.Application(), tc.app)
				}
				status, body, eb := do(t, "GET", srv.URL+tc.path, tc.user, "")
				if status != tc.status {
					t.Fatalf("status %d (%v %+v), want %d", status, body, eb, tc.status)
				}
				d := last.get()
				if d.Operation.ID != tc.op.ID || d.Operation.Name != tc.op.Name {
					t.Errorf("decided operation %d %q, want %d %q", d.Operation.ID, d.Operation.Name, tc.op.ID, tc.op.Name)
				}
				if !names.Equal(d.Application, tc.app) {
					t.Errorf("Decision.Application = %q, want %q", d.Application, tc.app)
				}
				if status == 200 && body["operation"] != tc.op.Name {
					t.Errorf("handler saw %v, want %q", body["operation"], tc.op.Name)
				}
				if status == 403 && eb.Error.Operation != tc.op.Name {
					t.Errorf("refusal names %q, want %q", eb.Error.Operation, tc.op.Name)
				}
			})
		}
	}
}

// Without Config.Application the gate picks the application as every face
// does: the only one besides azgate, else the one the Live was made for.
func TestMiddleware_DefaultApplication(t *testing.T) {
	onlyWidgets, err := (&policy.Policy{GUID: policy.NewGUID(), MajorVersion: 2}).Edit(func(p *policy.Policy) error {
		p.Applications = append(p.Applications, &policy.Application{GUID: policy.NewGUID(), Name: policy.DelegationApplication})
		return errors.Join(
			p.CreateApplication(&policy.Application{Name: "Widgets"}),
			p.CreateOperation("Widgets", &policy.Operation{Name: "Approve", OperationID: 5}),
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	withHyperV, err := policy.NewDefault().Edit(func(p *policy.Policy) error {
		return errors.Join(
			p.CreateApplication(&policy.Application{Name: "Widgets"}),
			p.CreateOperation("Widgets", &policy.Operation{Name: "Approve", OperationID: 5}),
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		p       *policy.Policy
		routes  map[string]string
		wantApp string
		wantErr []string
	}{
		{"the only one besides azgate", onlyWidgets, map[string]string{"GET /x": "5"}, "Widgets", nil},
		{"else Hyper-V services", withHyperV, map[string]string{"GET /x": "Start Virtual Machine"}, policy.DefaultApplication, nil},
		{"Widgets' operation is not Hyper-V's", withHyperV, map[string]string{"GET /x": "Approve"}, "",
			[]string{`unknown operation "Approve" in application "Hyper-V services"`}},
		{"else the Live's", twoApps(t), map[string]string{"GET /x": "Approve"}, "Alpha", nil}, // newLive: made for Alpha
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gate, err := httpauthz.New(newLive(t, tc.p), httpauthz.Config{Routes: tc.routes, Client: headerClient})
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("New succeeded with application %q", gate.Application())
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if gate.Application() != tc.wantApp {
				t.Errorf("application %q, want %q", gate.Application(), tc.wantApp)
			}
		})
	}
}

// New validates the table against the application's operations: an
// unknown operation names the application and the closest names.
func TestNew_Errors(t *testing.T) {
	live := newLive(t, twoApps(t))
	c, err := authz.Compile(twoApps(t), "Alpha", authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		src    httpauthz.Source
		app    string
		routes map[string]string
		want   []string
		is     error
	}{
		{name: "unknown name", app: "Beta", routes: map[string]string{"GET /x": "Aprove"},
			want: []string{`route "GET /x"`, `unknown operation "Aprove" in application "Beta"`, `did you mean "Approve"`}, is: authz.ErrUnknownOperation},
		{name: "unknown ID of the application", app: "Beta", routes: map[string]string{"GET /x": "7"},
			want: []string{`unknown operation ID 7 in application "Beta"`}, is: operations.ErrUnknown},
		{name: "every bad route", app: "Alpha", routes: map[string]string{"GET /x": "Nope", "GET /y": "Submit", "GET /z": "99"},
			want: []string{`route "GET /x"`, `route "GET /z"`}},
		{name: "a Hyper-V name is not Alpha's", app: "Alpha", routes: map[string]string{"GET /x": "Start Virtual Machine"},
			want: []string{`in application "Alpha"`}},
		{name: "unknown application", app: "Gamma", routes: map[string]string{"GET /x": "5"},
			want: []string{`application "Gamma"`, `"Alpha", "Beta"`}, is: authz.ErrUnknownApplication},
		{name: "static source of another application", src: httpauthz.Static(c), app: "Beta", routes: map[string]string{"GET /x": "5"},
			want: []string{`application "Beta"`, `"Alpha"`}, is: authz.ErrUnknownApplication},
		{name: "no operation", app: "Alpha", routes: map[string]string{"GET /x": " "}, want: []string{"no operation"}},
		{name: "bad method", app: "Alpha", routes: map[string]string{"FETCH /x": "5"}, want: []string{`"FETCH" is not an HTTP method`}},
		{name: "relative path", app: "Alpha", routes: map[string]string{"GET x": "5"}, want: []string{"must start with /"}},
		{name: "empty key", app: "Alpha", routes: map[string]string{" ": "5"}, want: []string{"empty route name"}},
		{name: "same route twice", app: "Alpha", routes: map[string]string{"GET /x": "5", "GET  /x": "6"}, want: []string{"the same route"}},
		{name: "route name on ServeMux", app: "Alpha", routes: map[string]string{"stop": "5"}, want: []string{"route names need gorilla/mux"}},
		{name: "no source", src: nil, app: "Alpha", want: []string{"no policy Source"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.src
			if src == nil && tc.name != "no source" {
				src = live
			}
			cfg := httpauthz.Config{Application: tc.app, Routes: tc.routes, Client: headerClient}
			_, err := httpauthz.New(src, cfg)
			if err == nil {
				t.Fatal("New succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not match %v", err, tc.is)
			}
		})
	}
}

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A reload resolves the routes again: an operation renamed, renumbered or
// deleted in the store makes its route deny (logged), a route by ID
// follows a rename, and an application renamed away makes every route
// deny.
func TestMiddleware_Reload(t *testing.T) {
	ctx := context.Background()
	live, st := newLiveStore(t, twoApps(t))
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var last lastDecision
	srv, gate := appServer(t, live, "Beta", log, &last)
	live.OnReload = func(*authz.Snapshot, error) { gate.Refresh() }
	edit := func(t *testing.T, fn func(p *policy.Policy) error) {
		t.Helper()
		p, rev, err := st.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p, err = p.Edit(fn); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Save(ctx, p, rev); err != nil {
			t.Fatal(err)
		}
		if err := live.Reload(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// ben holds Beta's "Submit" (5); Beta's "Approve" is 6.
	steps := []struct {
		name          string
		edit          func(p *policy.Policy) error
		byID, byName  int      // statuses of ben's requests
		idOp, nameOp  string   // the operations decided
		logs          []string // logged by the reload
		unknownByName bool
	}{
		{name: "as built", byID: 200, byName: 403, idOp: "Submit", nameOp: "Approve"},
		{name: "Approve renamed: the route by name denies", edit: func(p *policy.Policy) error { return p.RenameOperation("Beta", "Approve", "Approve All") },
			byID: 200, byName: 403, idOp: "Submit", nameOp: "Approve", unknownByName: true,
			logs: []string{`route="GET /by-name"`, "lacks a route's operation", `did you mean`}},
		{name: "Submit renamed: the route by ID follows", edit: func(p *policy.Policy) error { return p.RenameOperation("Beta", "Submit", "File") },
			byID: 200, byName: 403, idOp: "File", nameOp: "Approve", unknownByName: true,
			logs: []string{`route="GET /by-id"`, "operation changed", "from=Submit", "to=File"}},
		{name: "Approve All renamed back", edit: func(p *policy.Policy) error { return p.RenameOperation("Beta", "Approve All", "Approve") },
			byID: 200, byName: 403, idOp: "File", nameOp: "Approve", logs: []string{"resolves again"}},
		{name: "File renumbered: the route by ID denies", edit: func(p *policy.Policy) error { return p.SetOperationID("Beta", "File", 7) },
			byID: 403, byName: 403, idOp: "", nameOp: "Approve",
			logs: []string{`route="GET /by-id"`, "unknown operation ID 5"}},
		{name: "Approve deleted: the route by name denies", edit: func(p *policy.Policy) error {
			return p.Delete(policy.Location{App: "Beta"}, policy.KindOperation, "Approve")
		}, byID: 403, byName: 403, idOp: "", nameOp: "Approve", unknownByName: true,
			logs: []string{`route="GET /by-name"`, `unknown operation \"Approve\" in application \"Beta\"`}},
		{name: "Beta renamed: every route denies", edit: func(p *policy.Policy) error { return p.RenameApplication("Beta", "Gamma") },
			byID: 403, byName: 403, idOp: "", nameOp: "Approve", unknownByName: true,
			logs: []string{"lacks the application", `application=Beta`}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			before := len(logs.String())
			if s.edit != nil {
				edit(t, s.edit)
			}
			logged := logs.String()[before:]
			for _, w := range s.logs {
				if !strings.Contains(logged, w) {
					t.Errorf("the reload logged %q, want %q", logged, w)
				}
			}
			for _, r := range []struct {
				path   string
				status int
				op     string
				unk    bool
			}{{"/by-id", s.byID, s.idOp, s.idOp == ""}, {"/by-name", s.byName, s.nameOp, s.unknownByName}} {
				status, body, eb := do(t, "GET", srv.URL+r.path, "ben", "")
				if status != r.status {
					t.Fatalf("%s: status %d (%v %+v), want %d", r.path, status, body, eb, r.status)
				}
				d := last.get()
				if r.op != "" && d.Operation.Name != r.op {
					t.Errorf("%s: decided %q, want %q", r.path, d.Operation.Name, r.op)
				}
				if unk := errors.Is(d.Err, authz.ErrUnknownOperation) || errors.Is(d.Err, authz.ErrUnknownApplication); unk != r.unk {
					t.Errorf("%s: Decision.Err = %v; unknown operation or application: %v, want %v", r.path, d.Err, unk, r.unk)
				}
			}
		})
	}
}
