package server

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/operations"
)

// TestServer_EngineHiddenAnswersLikeMissing: a caller with every right in
// scope Lab and none elsewhere gets, for an object of scope Secret, the very
// same answer (status and body, but for the name it gave) as for an object
// that does not exist — for every kind of object, named directly or as the
// other end of a call. And no answer names the scope Secret.
func TestServer_EngineHiddenAnswersLikeMissing(t *testing.T) {
	ts := startServer(t, nil)
	etag := ts.do(admin, http.MethodGet, "/v1/policy", nil).header.Get("ETag")
	write := func(path string, body any) {
		t.Helper()
		r := ts.do(admin, http.MethodPost, path, body, "If-Match", etag)
		want(t, r, http.StatusCreated, "POST "+path)
		etag = r.header.Get("ETag")
	}
	var all []string
	for _, op := range operations.All() {
		all = append(all, op.Name)
	}
	write("/v1/policy/scopes", api.Scope{Name: "Lab"})
	write("/v1/policy/scopes", api.Scope{Name: "Secret"})
	write("/v1/policy/role-definitions?scope=Lab", api.Task{Name: "Lab All", Operations: all})
	write("/v1/policy/role-assignments?scope=Lab", api.RoleAssignment{Name: "Lab All", RoleDefinitions: []string{"Lab All"}, Members: []string{"labop"}})
	labop := ts.addUser("labop")

	for _, c := range []struct{ path, body string }{
		{"/v1/vms", `{"name":"secretvm","memoryMB":64,"processors":1,"scope":"Secret","networkAdapters":["nic1"]}`},
		{"/v1/switches", `{"name":"secretsw","scope":"Secret"}`},
		{"/v1/switches", `{"name":"labsw","scope":"Lab"}`},
		{"/v1/switch-ports", `{"name":"secretport","switch":"secretsw","scope":"Secret"}`},
		{"/v1/switch-ports", `{"name":"labport","switch":"labsw","scope":"Lab"}`},
		{"/v1/switch-ports", `{"name":"laboncsecret","switch":"secretsw","scope":"Lab"}`},
		{"/v1/internal-ports", `{"name":"hostport"}`},
	} {
		want(t, ts.do(admin, http.MethodPost, c.path, c.body), http.StatusCreated, "create "+c.body)
	}

	tests := []struct {
		name         string
		method, path string // %s is the object's name
		body         string // %s is the object's name
		object       string // the existing object
	}{
		{"get VM", http.MethodGet, "/v1/vms/%s", "", "secretvm"},
		{"start VM", http.MethodPost, "/v1/vms/%s/start", "", "secretvm"},
		{"VM console", http.MethodGet, "/v1/vms/%s/console", "", "secretvm"},
		{"delete VM", http.MethodDelete, "/v1/vms/%s", "", "secretvm"},
		{"get switch", http.MethodGet, "/v1/switches/%s", "", "secretsw"},
		{"delete switch", http.MethodDelete, "/v1/switches/%s", "", "secretsw"},
		{"get port", http.MethodGet, "/v1/switch-ports/%s", "", "secretport"},
		{"port VLAN", http.MethodGet, "/v1/switch-ports/%s/vlan", "", "secretport"},
		{"Lab port on a Secret switch", http.MethodGet, "/v1/switch-ports/%s", "", "laboncsecret"},
		{"port on a Secret switch", http.MethodPost, "/v1/switch-ports", `{"name":"p9","switch":"%s","scope":"Lab"}`, "secretsw"},
		{"connect to a Secret VM", http.MethodPost, "/v1/switch-ports/labport/connect", `{"vm":"%s","adapter":"nic1"}`, "secretvm"},
		{"internal port", http.MethodPatch, "/v1/internal-ports/%s", `{"notes":"x"}`, "hostport"},
	}
	const ghost = "ghostobject"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			do := func(name string) response {
				path := strings.ReplaceAll(tt.path, "%s", url.PathEscape(name))
				var body any
				if tt.body != "" {
					body = strings.ReplaceAll(tt.body, "%s", name)
				}
				return ts.do(labop, tt.method, path, body)
			}
			hidden, missing := do(tt.object), do(ghost)
			if hidden.status != http.StatusForbidden || missing.status != hidden.status {
				t.Fatalf("hidden: %d %s; missing: %d %s; want both 403", hidden.status, hidden.body, missing.status, missing.body)
			}
			if got := bytes.ReplaceAll(missing.body, []byte(ghost), []byte(tt.object)); !bytes.Equal(got, hidden.body) {
				t.Errorf("answers differ:\n hidden:  %s\n missing: %s", hidden.body, missing.body)
			}
			if bytes.Contains(hidden.body, []byte("Secret")) {
				t.Errorf("the answer names the scope: %s", hidden.body)
			}
		})
	}

	// The lists show nothing of Secret: not the VM, its MAC, the switch or
	// its ports.
	for _, path := range []string{"/v1/vms", "/v1/switches", "/v1/switch-ports", "/v1/lan-endpoints"} {
		r := ts.do(labop, http.MethodGet, path, nil)
		want(t, r, http.StatusOK, path)
		for _, s := range []string{"Secret", "secretvm", "secretsw", "secretport", "00:15:5D"} {
			if bytes.Contains(r.body, []byte(s)) {
				t.Errorf("%s shows %q: %s", path, s, r.body)
			}
		}
	}
}
