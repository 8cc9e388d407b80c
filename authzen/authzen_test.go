package authzen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/directory/localdir"
	"github.com/azgate/azgate/internal/authzentest"
	"github.com/azgate/azgate/policy"
)

// docsPolicy is application Docs: operations read and write; role
// definition Reader (read) held at application level by group readers;
// Writer (read, and write through task "Write Own", whose rule lets the
// owner write) held by readers too; Lab Writer (write) held in scope Lab by
// bob.
func docsPolicy(t testing.TB) *policy.Policy {
	t.Helper()
	p, err := (&policy.Policy{GUID: policy.NewGUID(), MajorVersion: 2}).Edit(func(p *policy.Policy) error {
		p.Applications = append(p.Applications, &policy.Application{GUID: policy.NewGUID(), Name: "Docs", Version: "1.0"},
			&policy.Application{GUID: policy.NewGUID(), Name: "Other", Version: "1.0"})
		app := policy.Location{App: "Docs"}
		lab := policy.Location{App: "Docs", Scope: "Lab"}
		return errors.Join(
			p.CreateOperation("Docs", &policy.Operation{Name: "read", OperationID: 1}),
			p.CreateOperation("Docs", &policy.Operation{Name: "write", OperationID: 2}),
			p.CreateOperation("Other", &policy.Operation{Name: "fly", OperationID: 9}),
			p.CreateScope("Docs", &policy.Scope{Name: "Lab"}),
			p.CreateTask(app, &policy.Task{Name: "Reader", RoleDefinition: true}),
			p.Link(app, policy.KindRoleDefinition, "Reader", policy.RelOperation, "read"),
			p.CreateTask(app, &policy.Task{Name: "Write Own",
				BizRule: policy.BizRule{Script: `resource.properties.owner in subject.ids`}}),
			p.Link(app, policy.KindTask, "Write Own", policy.RelOperation, "write"),
			p.CreateTask(app, &policy.Task{Name: "Writer", RoleDefinition: true}),
			p.Link(app, policy.KindRoleDefinition, "Writer", policy.RelTask, "Reader"),
			p.Link(app, policy.KindRoleDefinition, "Writer", policy.RelTask, "Write Own"),
			p.CreateTask(app, &policy.Task{Name: "Lab Writer", RoleDefinition: true}),
			p.Link(app, policy.KindRoleDefinition, "Lab Writer", policy.RelOperation, "write"),
			p.CreateRole(app, &policy.Role{Name: "Writers"}),
			p.Link(app, policy.KindRole, "Writers", policy.RelTask, "Writer"),
			p.Link(app, policy.KindRole, "Writers", policy.RelMember, "readers"),
			p.CreateRole(lab, &policy.Role{Name: "Lab Writers"}),
			p.Link(lab, policy.KindRole, "Lab Writers", policy.RelTask, "Lab Writer"),
			p.Link(lab, policy.KindRole, "Lab Writers", policy.RelMember, "bob"),
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fixture is a Service over docsPolicy and a local directory: alice and
// carol (alias carol@example.com) in readers, bob, dave with nothing.
type fixture struct {
	snap           *authz.Snapshot
	dir            *localdir.Directory
	h              http.Handler
	svc            *Service
	denyReadPolicy bool
	made           []Made
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	p := docsPolicy(t)
	c, err := authz.Compile(p, "Docs", authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{snap: &authz.Snapshot{Checker: c, Policy: p, Revision: 7}}
	f.dir, err = localdir.Open(ctx, filepath.Join(t.TempDir(), "directory.json"), localdir.WithBcryptCost(bcrypt.MinCost))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.dir.Close() })
	for _, step := range []error{
		f.dir.AddGroup(ctx, "readers"),
		f.dir.AddUser(ctx, "alice", "pw"), f.dir.AddUser(ctx, "bob", "pw"),
		f.dir.AddUser(ctx, "carol", "pw"), f.dir.AddUser(ctx, "dave", "pw"),
		f.dir.AddAlias(ctx, "carol", "carol@example.com"),
		f.dir.AddMember(ctx, "readers", "alice"), f.dir.AddMember(ctx, "readers", "carol"),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	svc, err := New(Config{
		Policy: func() *authz.Snapshot { return f.snap },
		Resolve: func(ctx context.Context, id string) (directory.ClientContext, error) {
			c, err := f.dir.Resolve(ctx, id)
			if errors.Is(err, localdir.ErrUnknownUser) {
				err = errors.Join(err, ErrUnknownSubject)
			}
			return c, err
		},
		Users: func(ctx context.Context) ([]string, error) {
			us, err := f.dir.Users(ctx)
			var out []string
			for _, u := range us {
				out = append(out, u.Name)
			}
			return out, err
		},
		Authorize: func(r *http.Request, op string) error {
			if op == OpReadPolicy && f.denyReadPolicy {
				return &Error{Status: http.StatusForbidden, Message: "access denied: \"Read Policy\""}
			}
			return nil
		},
		OnDecision: func(_ context.Context, m Made) { f.made = append(f.made, m) },
		PDPURL:     "https://pdp.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	mux := http.NewServeMux()
	for _, e := range svc.Endpoints() {
		mux.Handle(e.Method+" "+e.Path, RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := e.Handle(w, r); err != nil {
				var ae *Error
				if errors.As(err, &ae) {
					WriteError(w, ae.Status, ae.Message)
					return
				}
				WriteError(w, http.StatusInternalServerError, "internal error")
			}
		})))
	}
	f.h = mux
	return f
}

// post sends body to path and returns the status and the body.
func (f *fixture) post(t *testing.T, path, body string) (int, []byte) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	if w.Code == http.StatusOK && w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%s: Content-Type %q", path, w.Header().Get("Content-Type"))
	}
	if w.Code != http.StatusOK && !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("%s: error Content-Type %q", path, w.Header().Get("Content-Type"))
	}
	return w.Code, b
}

func eval(sub, action, res string) string {
	return `{"subject":` + sub + `,"action":{"name":"` + action + `"},"resource":` + res + `}`
}

func TestEvaluation(t *testing.T) {
	user := func(id string) string { return `{"type":"user","id":"` + id + `"}` }
	doc := func(owner string) string {
		return `{"type":"document","id":"d1","properties":{"owner":"` + owner + `"}}`
	}
	lab := `{"type":"document","id":"d2","properties":{"scope":"Lab"}}`
	tests := []struct {
		name   string
		body   string
		status int
		allow  bool
		reason string // in the context of a denial (or the error body)
	}{
		{"reader reads", eval(user("alice"), "read", doc("x")), 200, true, ""},
		{"operation names fold", eval(user("ALICE"), "READ", doc("x")), 200, true, ""},
		{"owner writes", eval(user("alice"), "write", doc("alice")), 200, true, ""},
		{"owner by alias", eval(user("carol"), "write", doc("carol@example.com")), 200, true, ""},
		{"subject by alias", eval(user("carol@example.com"), "write", doc("carol")), 200, true, ""},
		{"not the owner", eval(user("alice"), "write", doc("bob")), 200, false, ""},
		{"scope grant", eval(user("bob"), "write", lab), 200, true, ""},
		{"scope by resource type", eval(user("bob"), "write", `{"type":"scope","id":"lab"}`), 200, true, ""},
		{"default scope by resource type", eval(user("bob"), "write", `{"type":"scope","id":""}`), 200, false, ""},
		{"nothing", eval(user("dave"), "read", doc("dave")), 200, false, ""},
		{"unknown subject", eval(user("eve"), "read", doc("x")), 200, false, `subject "eve" is not in the directory`},
		{"subject type", eval(`{"type":"group","id":"readers"}`, "read", doc("x")), 200, false, `subject type "group"`},
		{"unknown action", eval(user("alice"), "fly", doc("x")), 200, false, `application "Docs" has no operation "fly"`},
		{"unknown scope", eval(user("alice"), "read", `{"type":"doc","id":"1","properties":{"scope":"Attic"}}`), 200, false, `has no scope "Attic"`},
		{"unknown application", eval(user("alice"), "read", `{"type":"doc","id":"1","properties":{"application":"Nope"}}`), 200, false, `application "Nope" is not in the policy store`},
		{"other application", eval(user("alice"), "fly", `{"type":"doc","id":"1","properties":{"application":"other"}}`), 200, false, ""},
		{"scope not a string", eval(user("alice"), "read", `{"type":"doc","id":"1","properties":{"scope":7}}`), 200, false, "resource.properties.scope must be a string"},
		{"unknown members ignored", `{"subject":{"type":"user","id":"alice","identity":"x"},"action":{"name":"read"},"resource":{"type":"t","id":"1","userID":"y"},"extra":1}`, 200, true, ""},
		{"context member named subject", `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"t","id":"1"},"context":{"subject":1}}`, 400, false, "context.subject"},
		{"no subject", `{"action":{"name":"read"},"resource":{"type":"t","id":"1"}}`, 400, false, "subject is required"},
		{"no subject id", eval(`{"type":"user"}`, "read", doc("x")), 400, false, "subject.id is required"},
		{"no resource type", eval(user("alice"), "read", `{"id":"1"}`), 400, false, "resource.type is required"},
		{"no action name", `{"subject":{"type":"user","id":"alice"},"action":{},"resource":{"type":"t","id":"1"}}`, 400, false, "action.name is required"},
		{"id not a string", eval(`{"type":"user","id":7}`, "read", doc("x")), 400, false, "subject.id must not be a JSON number"},
		{"not an object", `[1]`, 400, false, "must not be a JSON array"},
		{"trailing data", eval(user("alice"), "read", doc("x")) + `{}`, 400, false, "trailing data"},
		{"empty", ``, 400, false, "empty request body"},
	}
	f := newFixture(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.post(t, PathEvaluation, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if status != 200 {
				if !strings.Contains(string(body), tc.reason) {
					t.Fatalf("error %q, want it to hold %q", body, tc.reason)
				}
				return
			}
			authzentest.Validate(t, authzentest.EvaluationRequest, []byte(tc.body))
			authzentest.Validate(t, authzentest.EvaluationResponse, body)
			var d Decision
			if err := json.Unmarshal(body, &d); err != nil {
				t.Fatal(err)
			}
			if d.Decision != tc.allow {
				t.Fatalf("decision %v, want %v: %s", d.Decision, tc.allow, body)
			}
			// A plain decision is {"decision": …}, as the interop
			// harness compares it; one that failed says why.
			if reason, _ := d.Context["reason"].(string); !strings.Contains(reason, tc.reason) || (tc.reason == "" && d.Context != nil) {
				t.Fatalf("context %v, want a reason holding %q", d.Context, tc.reason)
			}
		})
	}
}

func TestEvaluation_RequestIDAndDecisionsMade(t *testing.T) {
	f := newFixture(t)
	r := httptest.NewRequest(http.MethodPost, PathEvaluation, strings.NewReader(`{}`))
	r.Header.Set("X-Request-ID", "bfe9eb29")
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	if w.Code != 400 || w.Header().Get("X-Request-ID") != "bfe9eb29" {
		t.Fatalf("status %d, X-Request-ID %q", w.Code, w.Header().Get("X-Request-ID"))
	}
	f.post(t, PathEvaluation, eval(`{"type":"user","id":"bob"}`, "write", `{"type":"scope","id":"Lab"}`))
	if len(f.made) != 1 || !f.made[0].Allowed || f.made[0].Scope != "Lab" || f.made[0].Grant == nil || f.made[0].Grant.Assignment != "Lab Writers" {
		t.Fatalf("decisions made %+v", f.made)
	}
}

func TestEvaluations(t *testing.T) {
	const head = `"subject":{"type":"user","id":"alice"},"action":{"name":"write"},`
	items := `"evaluations":[` +
		`{"resource":{"type":"doc","id":"1","properties":{"owner":"alice"}}},` +
		`{"resource":{"type":"doc","id":"2","properties":{"owner":"bob"}}},` +
		`{"action":{"name":"read"},"resource":{"type":"doc","id":"3"}}]`
	tests := []struct {
		name   string
		body   string
		status int
		want   []bool
		single bool
	}{
		{"defaults, execute all", `{` + head + items + `}`, 200, []bool{true, false, true}, false},
		{"execute all named", `{` + head + items + `,"options":{"evaluations_semantic":"execute_all"}}`, 200, []bool{true, false, true}, false},
		{"deny on first deny", `{` + head + items + `,"options":{"evaluations_semantic":"deny_on_first_deny"}}`, 200, []bool{true, false}, false},
		{"permit on first permit", `{` + head + items + `,"options":{"evaluations_semantic":"permit_on_first_permit"}}`, 200, []bool{true}, false},
		{"item overrides subject", `{` + head + `"evaluations":[{"subject":{"type":"user","id":"dave"},"resource":{"type":"doc","id":"1"}}]}`, 200, []bool{false}, false},
		{"failed item denies", `{` + head + `"evaluations":[{"subject":{"type":"user","id":"eve"},"resource":{"type":"doc","id":"1"}},{"action":{"name":"read"},"resource":{"type":"doc","id":"1"}}]}`, 200, []bool{false, true}, false},
		{"no evaluations is one evaluation", `{` + head + `"resource":{"type":"doc","id":"1","properties":{"owner":"alice"}}}`, 200, []bool{true}, true},
		{"empty evaluations is one evaluation", `{` + head + `"resource":{"type":"doc","id":"1","properties":{"owner":"bob"}},"evaluations":[]}`, 200, []bool{false}, true},
		{"missing member without default", `{"evaluations":[{"subject":{"type":"user","id":"alice"},"action":{"name":"read"}}]}`, 400, nil, false},
		{"unknown semantic", `{` + head + items + `,"options":{"evaluations_semantic":"any"}}`, 400, nil, false},
	}
	f := newFixture(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.post(t, PathEvaluations, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if status != 200 {
				return
			}
			authzentest.Validate(t, authzentest.EvaluationsRequest, []byte(tc.body))
			var got []bool
			if tc.single {
				authzentest.Validate(t, authzentest.EvaluationResponse, body)
				var d Decision
				_ = json.Unmarshal(body, &d)
				got = []bool{d.Decision}
			} else {
				authzentest.Validate(t, authzentest.EvaluationsResponse, body)
				var r EvaluationsResponse
				_ = json.Unmarshal(body, &r)
				for _, d := range r.Evaluations {
					got = append(got, d.Decision)
				}
				if bytes.Contains(body, []byte(`eve`)) != strings.Contains(tc.body, `"eve"`) {
					t.Fatalf("the failed evaluation does not say why: %s", body)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("decisions %v, want %v: %s", got, tc.want, body)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("decisions %v, want %v: %s", got, tc.want, body)
				}
			}
		})
	}
}
