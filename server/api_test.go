package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
)

func TestServer_CheckSingleAndBatch(t *testing.T) {
	ts := startServer(t, nil)
	single := map[string]any{
		"user": "alice", "groups": []string{"S-1-5-32-544"}, "scope": "",
		"operations": []any{"Start Virtual Machine", 308, "309"},
	}
	r := ts.do(admin, http.MethodPost, "/v1/check", single)
	want(t, r, http.StatusOK, "check")
	var one api.CheckResponse
	r.json(t, &one)
	if len(one.Results) != 3 || one.Revision == 0 {
		t.Fatalf("check = %+v", one)
	}
	wantNames := []string{"Start Virtual Machine", "Stop Virtual Machine", "View Virtual Machine Configuration"}
	wantIDs := []int{307, 308, 309}
	for i, res := range one.Results {
		if !res.Allowed || res.Operation != wantNames[i] || res.ID != wantIDs[i] {
			t.Errorf("result %d = %+v, want %s (%d) allowed", i, res, wantNames[i], wantIDs[i])
		}
	}

	batch := map[string]any{"checks": []any{
		single,
		map[string]any{"user": "bob", "groups": []string{}, "operations": []any{"Create Virtual Machine"}},
	}}
	r = ts.do(admin, http.MethodPost, "/v1/check", batch)
	want(t, r, http.StatusOK, "batch")
	var many api.BatchCheckResponse
	r.json(t, &many)
	if len(many.Results) != 2 || many.Revision != one.Revision {
		t.Fatalf("batch = %+v", many)
	}
	if !many.Results[0][0].Allowed || many.Results[1][0].Allowed {
		t.Errorf("batch decisions = %+v", many.Results)
	}

	// A name the policy does not have is an error of the request, single
	// or batch, as the CLI's exit 2: 404 for a scope, 400 for an operation.
	unknownScope := map[string]any{"user": "carol", "groups": []string{"S-1-5-32-544"}, "scope": "NoSuchScope", "operations": []any{307}}
	r = ts.do(admin, http.MethodPost, "/v1/check", unknownScope)
	want(t, r, http.StatusNotFound, "unknown scope")
	if !strings.Contains(string(r.body), "NoSuchScope") {
		t.Errorf("unknown scope error lacks the name: %s", r.body)
	}
	r = ts.do(admin, http.MethodPost, "/v1/check", map[string]any{"checks": []any{single, unknownScope}})
	want(t, r, http.StatusNotFound, "unknown scope in a batch")
	if !strings.Contains(string(r.body), "checks[1]") {
		t.Errorf("batch error does not name the item: %s", r.body)
	}
	r = ts.do(admin, http.MethodPost, "/v1/check", map[string]any{"user": "carol", "operations": []any{"Strat Virtual Machine"}})
	want(t, r, http.StatusBadRequest, "unknown operation")
	if body := string(r.body); !strings.Contains(body, "Strat Virtual Machine") || strings.Contains(body, "malformed") {
		t.Errorf("unknown operation error = %s, want it named, not called malformed JSON", body)
	}

	// Without "resolve" the user is taken as given: no groups, denied.
	r = ts.do(admin, http.MethodPost, "/v1/check", map[string]any{"user": "admin", "operations": []any{"Delete Virtual Machine"}})
	want(t, r, http.StatusOK, "check without groups")
	r.json(t, &one)
	if one.Results[0].Allowed {
		t.Errorf("admin given without groups and without resolve is allowed: %+v", one)
	}
	// With "resolve": true the directory resolves its groups.
	r = ts.do(admin, http.MethodPost, "/v1/check", map[string]any{"user": "admin", "resolve": true, "operations": []any{"Delete Virtual Machine"}})
	want(t, r, http.StatusOK, "resolved check")
	r.json(t, &one)
	if !one.Results[0].Allowed {
		t.Errorf("admin resolved by the directory is denied: %+v", one)
	}
	r = ts.do(admin, http.MethodPost, "/v1/check", map[string]any{"user": "ghost", "resolve": true, "operations": []any{307}})
	want(t, r, http.StatusNotFound, "resolve an unknown user")

	bad := []struct {
		name string
		body any
	}{
		{"unknown operation", map[string]any{"user": "a", "groups": []string{}, "operations": []any{"Start Virtual Machin"}}},
		{"unknown id", map[string]any{"user": "a", "groups": []string{}, "operations": []any{9999}}},
		{"no user", map[string]any{"groups": []string{}, "operations": []any{307}}},
		{"no operations", map[string]any{"user": "a", "groups": []string{}}},
		{"both forms", map[string]any{"user": "a", "operations": []any{307}, "checks": []any{single}}},
		{"empty batch", map[string]any{"checks": []any{}}},
		{"unknown user resolved", map[string]any{"user": "ghost", "resolve": true, "operations": []any{307}}},
		{"groups and resolve", map[string]any{"user": "admin", "resolve": true, "groups": []string{}, "operations": []any{307}}},
		{"resolve not a bool", map[string]any{"user": "admin", "resolve": "yes", "operations": []any{307}}},
		{"resolve at the top of a batch", map[string]any{"resolve": true, "checks": []any{single}}},
	}
	for _, tt := range bad {
		r := ts.do(admin, http.MethodPost, "/v1/check", tt.body)
		if r.status != http.StatusBadRequest && r.status != http.StatusNotFound {
			t.Errorf("%s: status %d body %s, want 400/404", tt.name, r.status, r.body)
		}
	}
	r = ts.do(admin, http.MethodPost, "/v1/check", map[string]any{"user": "a", "groups": []string{}, "operations": []any{"Start Virtual Machin"}})
	if !strings.Contains(string(r.body), "did you mean") {
		t.Errorf("unknown operation error gives no suggestion: %s", r.body)
	}
}

func TestServer_CheckNeedsTrust(t *testing.T) {
	ts := startServer(t, nil)
	mgr := ts.addUser("mgmt-server", "Management Servers")
	body := map[string]any{"user": "alice", "groups": []string{}, "operations": []any{307}}
	r := ts.do(mgr, http.MethodPost, "/v1/check", body)
	want(t, r, http.StatusForbidden, "untrusted check")
	var e api.ErrorBody
	r.json(t, &e)
	if e.Error.Code != api.CodeAccessDenied || e.Error.Operation != "Check Access" || e.Error.Application != "azgate" {
		t.Fatalf("untrusted check error = %+v", e.Error)
	}
	// Trust the group through the delegation application, by the admin API.
	etag := ts.do(admin, http.MethodGet, "/v1/policy/role-assignments/Checker?app=azgate", nil).header.Get("ETag")
	r = ts.do(admin, http.MethodPost, "/v1/policy/role-assignments/Checker/links?app=azgate",
		api.Link{Relation: "member", Target: "Management Servers"}, "If-Match", etag)
	want(t, r, http.StatusOK, "add checker member")
	want(t, ts.do(mgr, http.MethodPost, "/v1/check", body), http.StatusOK, "trusted check")
	// Checkers may not read or write the policy.
	want(t, ts.do(mgr, http.MethodGet, "/v1/policy", nil), http.StatusForbidden, "checker reads policy")
}

func TestServer_PolicyETagAndIfMatch(t *testing.T) {
	ts := startServer(t, nil)
	r := ts.do(admin, http.MethodGet, "/v1/policy/scopes", nil)
	want(t, r, http.StatusOK, "list scopes")
	etag := r.header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	scope := api.Scope{Name: "Lab", Description: "test lab"}
	r = ts.do(admin, http.MethodPost, "/v1/policy/scopes", scope)
	want(t, r, http.StatusPreconditionRequired, "write without If-Match")
	if r.errCode(t) != api.CodePreconditionRequired {
		t.Errorf("code %s", r.errCode(t))
	}
	want(t, ts.do(admin, http.MethodPost, "/v1/policy/scopes", scope, "If-Match", `"banana"`), http.StatusBadRequest, "garbage If-Match")
	r = ts.do(admin, http.MethodPost, "/v1/policy/scopes", scope, "If-Match", etag)
	want(t, r, http.StatusCreated, "create scope")
	etag2 := r.header.Get("ETag")
	if etag2 == etag || etag2 == "" {
		t.Fatalf("ETag after write %q, before %q", etag2, etag)
	}
	// A writer holding the old revision loses.
	r = ts.do(admin, http.MethodPost, "/v1/policy/scopes", api.Scope{Name: "Prod"}, "If-Match", etag)
	want(t, r, http.StatusPreconditionFailed, "stale If-Match")
	if r.errCode(t) != api.CodePreconditionFailed {
		t.Errorf("code %s", r.errCode(t))
	}
	want(t, ts.do(admin, http.MethodGet, "/v1/policy/scopes/Prod", nil), http.StatusNotFound, "lost write not applied")
	// Duplicate at the right revision: 409.
	want(t, ts.do(admin, http.MethodPost, "/v1/policy/scopes", scope, "If-Match", etag2), http.StatusConflict, "duplicate scope")

	audit := filepath.Join(ts.cfg.DataDir, AuditFile)
	if !fileContains(t, audit, `create scope \"Lab\"`) || !fileContains(t, audit, `"who":"admin"`) {
		t.Error("scope creation not audited with who and what")
	}
	old := strings.Trim(etag, `"`)
	if !fileContains(t, audit, `"old_revision":"`+old+`"`) {
		t.Errorf("audit lacks old revision %s", old)
	}
}

// TestServer_PolicyLookAlikeNames: the policy API names objects by
// names.Equal: a look-alike of an existing scope or task is a duplicate
// (409), on create and on rename, and finds the object; NFC and NFD
// spellings are two.
func TestServer_PolicyLookAlikeNames(t *testing.T) {
	ts := startServer(t, nil)
	etag := ts.do(admin, http.MethodGet, "/v1/policy", nil).header.Get("ETag")
	write := func(method, path string, body any, status int) {
		t.Helper()
		r := ts.do(admin, method, path, body, "If-Match", etag)
		want(t, r, status, method+" "+path)
		if e := r.header.Get("ETag"); e != "" {
			etag = e
		}
	}
	write(http.MethodPost, "/v1/policy/scopes", api.Scope{Name: "Lab-Staff"}, http.StatusCreated)
	write(http.MethodPost, "/v1/policy/scopes", api.Scope{Name: "Lab-ſtaff"}, http.StatusConflict)
	write(http.MethodPost, "/v1/policy/scopes", api.Scope{Name: "Prod"}, http.StatusCreated)
	write(http.MethodPut, "/v1/policy/scopes/Prod", api.Scope{Name: "LAB-ſTAFF"}, http.StatusConflict)
	write(http.MethodPost, "/v1/policy/tasks", api.Task{Name: "\u212aeep"}, http.StatusCreated)
	write(http.MethodPost, "/v1/policy/tasks", api.Task{Name: "keep"}, http.StatusConflict)
	write(http.MethodPost, "/v1/policy/scopes", api.Scope{Name: "Café"}, http.StatusCreated)
	write(http.MethodPost, "/v1/policy/scopes", api.Scope{Name: "Cafe\u0301"}, http.StatusCreated)
	var sc api.Scope
	r := ts.do(admin, http.MethodGet, "/v1/policy/scopes/"+url.PathEscape("lab-ſtaff"), nil)
	want(t, r, http.StatusOK, "read a scope by a look-alike")
	if r.json(t, &sc); sc.Name != "Lab-Staff" {
		t.Errorf("scope read by a look-alike: %+v, want Lab-Staff", sc)
	}
	// A check names scopes and principals by the same rule.
	for _, scope := range []string{"lab-ſtaff", "Cafe\u0301"} {
		r = ts.do(admin, http.MethodPost, "/v1/check", map[string]any{
			"user": "sam", "groups": []string{"ſ-1-5-32-544"}, "scope": scope, "operations": []any{307}})
		want(t, r, http.StatusOK, "check in scope "+scope)
		var res api.CheckResponse
		if r.json(t, &res); len(res.Results) != 1 || !res.Results[0].Allowed {
			t.Errorf("check in scope %q by a look-alike of S-1-5-32-544: %+v, want allowed", scope, res)
		}
	}
}

func TestServer_PolicyObjectsCRUD(t *testing.T) {
	ts := startServer(t, nil)
	etag := ts.do(admin, http.MethodGet, "/v1/policy", nil).header.Get("ETag")
	write := func(method, path string, body any, status int) response {
		t.Helper()
		r := ts.do(admin, method, path, body, "If-Match", etag)
		want(t, r, status, method+" "+path)
		if e := r.header.Get("ETag"); e != "" {
			etag = e
		}
		return r
	}
	write(http.MethodPost, "/v1/policy/scopes", api.Scope{Name: "Lab"}, http.StatusCreated)
	write(http.MethodPost, "/v1/policy/tasks?scope=Lab", api.Task{Name: "Look",
		Operations: []string{"View Virtual Machine Configuration", "Allow Output from Virtual Machine"}}, http.StatusCreated)
	write(http.MethodPost, "/v1/policy/role-definitions?scope=Lab", api.Task{Name: "Lab Operator",
		Operations: []string{"Start Virtual Machine"}, Tasks: []string{"Look"}}, http.StatusCreated)
	write(http.MethodPost, "/v1/policy/groups?scope=Lab", api.Group{Name: "Lab Ops", Members: []string{"lab-staff"},
		NonMembers: []string{"contractors"}}, http.StatusCreated)
	write(http.MethodPost, "/v1/policy/groups?level=store", api.Group{Name: "Everyone Here", Members: []string{"S-1-1-0"}}, http.StatusCreated)
	r := write(http.MethodPost, "/v1/policy/role-assignments?scope=Lab", api.RoleAssignment{Name: "Lab Operators",
		RoleDefinitions: []string{"Lab Operator"}, Groups: []string{"Lab Ops"}}, http.StatusCreated)
	var ra api.RoleAssignment
	r.json(t, &ra)
	if len(ra.RoleDefinitions) != 1 || ra.RoleDefinitions[0] != "Lab Operator" || ra.Groups[0] != "Lab Ops" {
		t.Fatalf("role assignment = %+v", ra)
	}
	// A bad link is a 400 naming the target, and changes nothing.
	r = ts.do(admin, http.MethodPost, "/v1/policy/tasks?scope=Lab", api.Task{Name: "Bad", Operations: []string{"Fly"}}, "If-Match", etag)
	want(t, r, http.StatusNotFound, "unknown operation link")
	if !strings.Contains(string(r.body), "Fly") {
		t.Errorf("error does not name the target: %s", r.body)
	}

	// The decision follows at once: lab staff may start in Lab, contractors may not.
	check := func(groups []string) bool {
		r := ts.do(admin, http.MethodPost, "/v1/check", map[string]any{"user": "u", "groups": groups, "scope": "Lab",
			"operations": []any{"Start Virtual Machine", "Allow Output from Virtual Machine"}})
		want(t, r, http.StatusOK, "check")
		var c api.CheckResponse
		r.json(t, &c)
		return c.Results[0].Allowed && c.Results[1].Allowed
	}
	if !check([]string{"lab-staff"}) || check([]string{"lab-staff", "contractors"}) {
		t.Fatal("lab decisions wrong after edits")
	}

	// Replace (rename + relink), unlink, delete.
	write(http.MethodPut, "/v1/policy/role-definitions/Lab Operator?scope=Lab", api.Task{Name: "Lab Runner",
		Operations: []string{"Stop Virtual Machine"}}, http.StatusOK)
	r = ts.do(admin, http.MethodGet, "/v1/policy/role-assignments/Lab Operators?scope=Lab", nil)
	r.json(t, &ra)
	if ra.RoleDefinitions[0] != "Lab Runner" {
		t.Errorf("rename not followed by links: %+v", ra)
	}
	if check([]string{"lab-staff"}) {
		t.Error("replaced role definition still grants Start")
	}
	write(http.MethodDelete, "/v1/policy/groups/Lab Ops/links?scope=Lab&relation=non-member&target=contractors", nil, http.StatusOK)
	want(t, ts.do(admin, http.MethodDelete, "/v1/policy/tasks/Lab Runner?scope=Lab", nil, "If-Match", etag),
		http.StatusNotFound, "delete a role definition through the tasks route")
	write(http.MethodDelete, "/v1/policy/role-definitions/Lab Runner?scope=Lab", nil, http.StatusNoContent)
	r = ts.do(admin, http.MethodGet, "/v1/policy/role-assignments/Lab Operators?scope=Lab", nil)
	r.json(t, &ra)
	if len(ra.RoleDefinitions) != 0 {
		t.Errorf("deleted role definition still linked: %+v", ra)
	}
	write(http.MethodDelete, "/v1/policy/scopes/Lab", nil, http.StatusNoContent)
	want(t, ts.do(admin, http.MethodGet, "/v1/policy/tasks?scope=Lab", nil), http.StatusNotFound, "tasks of a deleted scope")

	var doc api.Policy
	ts.do(admin, http.MethodGet, "/v1/policy", nil).json(t, &doc)
	if len(doc.Groups) != 1 || doc.Groups[0].Name != "Everyone Here" || len(doc.Applications) != 2 {
		t.Errorf("policy doc = %+v", doc)
	}
}

func TestServer_PolicyReaderCannotWrite(t *testing.T) {
	ts := startServer(t, nil)
	reader := ts.addUser("auditor", "Auditors")
	etag := ts.do(admin, http.MethodGet, "/v1/policy", nil).header.Get("ETag")
	r := ts.do(admin, http.MethodPost, "/v1/policy/role-assignments/Policy Reader/links?app=azgate",
		api.Link{Relation: "member", Target: "Auditors"}, "If-Match", etag)
	want(t, r, http.StatusOK, "grant policy reader")
	r = ts.do(reader, http.MethodGet, "/v1/policy", nil)
	want(t, r, http.StatusOK, "reader reads")
	r = ts.do(reader, http.MethodPost, "/v1/policy/scopes", api.Scope{Name: "X"}, "If-Match", r.header.Get("ETag"))
	want(t, r, http.StatusForbidden, "reader writes")
	var e api.ErrorBody
	r.json(t, &e)
	if e.Error.Operation != "Write Policy" {
		t.Errorf("denial names %q", e.Error.Operation)
	}
	// The engine is a separate matter: the reader holds no engine role.
	r = ts.do(reader, http.MethodGet, "/v1/service", nil)
	want(t, r, http.StatusForbidden, "reader reads engine service")
	r.json(t, &e)
	if e.Error.Operation != "Read Service Configuration" || e.Error.Scope == nil || *e.Error.Scope != "" {
		t.Errorf("engine denial = %+v", e.Error)
	}
}

func TestServer_ExplainAndWhoCan(t *testing.T) {
	ts := startServer(t, nil)
	r := ts.do(admin, http.MethodGet, "/v1/explain?user=admin&resolve=true&operation=Start%20Virtual%20Machine", nil)
	want(t, r, http.StatusOK, "explain admin")
	var e api.ExplainResponse
	r.json(t, &e)
	if !e.Allowed || len(e.Path) == 0 || e.Revision == 0 {
		t.Fatalf("explain admin = %+v", e)
	}
	// Without resolve the user is taken as given (no groups): denied.
	r = ts.do(admin, http.MethodGet, "/v1/explain?user=admin&operation=307", nil)
	want(t, r, http.StatusOK, "explain admin as given")
	e = api.ExplainResponse{}
	r.json(t, &e)
	if e.Allowed {
		t.Fatalf("explain admin without groups or resolve = %+v", e)
	}
	want(t, ts.do(admin, http.MethodGet, "/v1/explain?user=admin&resolve=maybe&operation=307", nil), http.StatusBadRequest, "explain resolve=maybe")
	want(t, ts.do(admin, http.MethodGet, "/v1/explain?user=admin&resolve=true&group=x&operation=307", nil), http.StatusBadRequest, "explain resolve with groups")
	r = ts.do(admin, http.MethodGet, "/v1/explain?user=bob&group=&operation=307", nil)
	want(t, r, http.StatusOK, "explain bob")
	e = api.ExplainResponse{}
	r.json(t, &e)
	if e.Allowed || e.Reason == "" {
		t.Fatalf("explain bob = %+v", e)
	}

	r = ts.do(admin, http.MethodGet, "/v1/who-can?operation=Start%20Virtual%20Machine", nil)
	want(t, r, http.StatusOK, "who-can")
	var wc api.WhoCanResponse
	r.json(t, &wc)
	found := false
	for _, p := range wc.Principals {
		if p.Name == "S-1-5-32-544" && p.Assignment == "Administrator" {
			found = true
		}
	}
	if !found || wc.Operation != "Start Virtual Machine" {
		t.Fatalf("who-can = %+v, want BUILTIN\\Administrators through Administrator", wc)
	}
	want(t, ts.do(admin, http.MethodGet, "/v1/who-can?operation=307&scope=Nowhere", nil), http.StatusNotFound, "who-can unknown scope")
	want(t, ts.do(admin, http.MethodGet, "/v1/who-can", nil), http.StatusBadRequest, "who-can without operation")
	want(t, ts.do(admin, http.MethodGet, "/v1/explain?operation=307", nil), http.StatusBadRequest, "explain without user")
	nobody := ts.addUser("nobody")
	want(t, ts.do(nobody, http.MethodGet, "/v1/who-can?operation=307", nil), http.StatusForbidden, "who-can without Read Policy")
	want(t, ts.do(nobody, http.MethodGet, "/v1/explain?user=admin&operation=307", nil), http.StatusForbidden, "explain without Read Policy")
}

func TestAppendCheckResponse_MatchesEncodingJSON(t *testing.T) {
	results := [][]api.CheckResult{
		{{Operation: "Start Virtual Machine", ID: 307, Allowed: true}, {Operation: "Stop Virtual Machine", ID: 308}},
		{{Operation: "Delete Virtual Machine", ID: 304, Error: "application \"Hyper-V services\": scope \"<Lab>\" & \x01: unknown scope"}},
		{{Operation: "odd \"name\"", ID: 9999, Allowed: false}},
		{},
	}
	tests := []struct {
		name  string
		out   [][]api.CheckResult
		batch bool
		want  any
	}{
		{"single", results[:1], false, api.CheckResponse{Results: results[0], Revision: 7}},
		{"single with error", results[1:2], false, api.CheckResponse{Results: results[1], Revision: 7}},
		{"not in catalog", results[2:3], false, api.CheckResponse{Results: results[2], Revision: 7}},
		{"batch", results, true, api.BatchCheckResponse{Results: results, Revision: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			got := appendCheckResponse(nil, tt.out, tt.batch, 7)
			if string(got) != string(want)+"\n" {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// A store that cannot be loaded is the server's fault: policy calls answer
// 503 naming the problem (to callers who may read the policy), never 400.
func TestServer_BrokenStoreIsAServerFault(t *testing.T) {
	ts := startServer(t, nil)
	etag := ts.do(admin, http.MethodGet, "/v1/policy", nil).header.Get("ETag")
	path := strings.TrimPrefix(ts.cfg.StoreURL, "msxml://")
	if err := os.WriteFile(path, []byte("<AzAdminManager><broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, method, path string
		body               any
	}{
		{"read", http.MethodGet, "/v1/policy", nil},
		{"write", http.MethodPost, "/v1/policy/scopes", api.Scope{Name: "Lab"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.do(admin, tt.method, tt.path, tt.body, "If-Match", etag)
			want(t, r, http.StatusServiceUnavailable, tt.name+" on a broken store")
			if r.errCode(t) != api.CodeUnavailable || !strings.Contains(string(r.body), "policy store") {
				t.Errorf("body %s", r.body)
			}
		})
	}
}

// TestServer_MemberTerms: a member added with an expiry (and a group with
// a window) carries it in the documents; posting the member again with
// another time changes it; a term in the past denies at once; an expiry
// that does not parse is a 400.
func TestServer_MemberTerms(t *testing.T) {
	ts := startServer(t, nil)
	etag := ts.do(admin, http.MethodGet, "/v1/policy", nil).header.Get("ETag")
	write := func(method, path string, body any, status int) response {
		t.Helper()
		r := ts.do(admin, method, path, body, "If-Match", etag)
		want(t, r, status, method+" "+path)
		if e := r.header.Get("ETag"); e != "" {
			etag = e
		}
		return r
	}
	future := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	write(http.MethodPost, "/v1/policy/groups", api.Group{Name: "Temps", Members: []string{"carol"}}, http.StatusCreated)
	write(http.MethodPost, "/v1/policy/role-assignments", api.RoleAssignment{Name: "Starters",
		Operations: []string{"Start Virtual Machine"}, Members: []string{"alice"}, Groups: []string{"Temps"},
		Terms: []api.MemberTerm{{Group: "Temps", Starts: future.Add(-2 * time.Hour), Expires: future}}}, http.StatusCreated)
	r := write(http.MethodPost, "/v1/policy/role-assignments/Starters/links", api.Link{Relation: "member", Target: "bob", Expires: future}, http.StatusOK)
	var ra api.RoleAssignment
	r.json(t, &ra)
	if len(ra.Terms) != 2 || ra.Terms[0].Member != "bob" || !ra.Terms[0].Expires.Equal(future) ||
		ra.Terms[1].Group != "Temps" || !ra.Terms[1].Starts.Equal(future.Add(-2*time.Hour)) {
		t.Fatalf("terms %+v", ra.Terms)
	}
	check := func(user string) bool {
		r := ts.do(admin, http.MethodPost, "/v1/check", map[string]any{"user": user, "operations": []any{"Start Virtual Machine"}})
		want(t, r, http.StatusOK, "check")
		var c api.CheckResponse
		r.json(t, &c)
		return c.Results[0].Allowed
	}
	if !check("bob") || !check("carol") || !check("alice") {
		t.Fatal("members within their terms are denied")
	}
	// Bob's membership moved into the past: denied at once.
	write(http.MethodPost, "/v1/policy/role-assignments/Starters/links", api.Link{Relation: "member", Target: "bob",
		Expires: time.Now().Add(-time.Second)}, http.StatusOK)
	if check("bob") || !check("alice") {
		t.Fatal("bob allowed after his expiry (or alice denied)")
	}
	// A replacing document without "terms" (a writer that does not know
	// them) keeps the terms of the members it keeps; "terms": [] lifts them.
	write(http.MethodPut, "/v1/policy/role-assignments/Starters", map[string]any{"name": "Starters",
		"operations": []string{"Start Virtual Machine"}, "members": []string{"alice", "bob"}, "groups": []string{"Temps"}}, http.StatusOK)
	if check("bob") {
		t.Fatal("a PUT without terms lifted bob's expiry")
	}
	r = ts.do(admin, http.MethodGet, "/v1/policy/role-assignments/Starters", nil)
	ra = api.RoleAssignment{}
	r.json(t, &ra)
	if len(ra.Terms) != 2 {
		t.Fatalf("terms after a PUT without terms: %+v", ra.Terms)
	}
	write(http.MethodPut, "/v1/policy/role-assignments/Starters", map[string]any{"name": "Starters",
		"operations": []string{"Start Virtual Machine"}, "members": []string{"alice", "bob"}, "groups": []string{"Temps"}, "terms": []any{}}, http.StatusOK)
	if !check("bob") {
		t.Fatal(`"terms": [] did not lift bob's expiry`)
	}
	r = ts.do(admin, http.MethodPost, "/v1/policy/role-assignments/Starters/links", map[string]any{"relation": "member", "target": "bob", "expires": "tomorrow"}, "If-Match", etag)
	want(t, r, http.StatusBadRequest, "a bad expiry")
	r = ts.do(admin, http.MethodPost, "/v1/policy/role-assignments/Starters/links", api.Link{Relation: "operation", Target: "Stop Virtual Machine", Expires: future}, "If-Match", etag)
	want(t, r, http.StatusBadRequest, "a term on an operation link")
}
