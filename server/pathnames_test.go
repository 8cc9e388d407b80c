package server

import (
	"net/http"
	"testing"

	"github.com/azgate/azgate/api"
)

// TestServer_NamesWithReservedPathCharacters: an object whose name holds a
// slash, dots or a percent sign is reachable by its escaped name in the path
// (as the Location header and the CLI write it), and only by that.
func TestServer_NamesWithReservedPathCharacters(t *testing.T) {
	ts := startServer(t, nil)
	tests := []struct {
		name    string
		escaped string // the {name} path segment
	}{
		{"a/b", "a%2Fb"},
		{"../../etc", "..%2F..%2Fetc"},
		{"..", "%2E%2E"},
		{"50%", "50%25"},
		{"a%2Fb", "a%252Fb"},
		{"x y", "x%20y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			etag := ts.do(admin, http.MethodGet, "/v1/policy", nil).header.Get("ETag")
			r := ts.do(admin, http.MethodPost, "/v1/policy/scopes", api.Scope{Name: tt.name}, "If-Match", etag)
			want(t, r, http.StatusCreated, "create scope")
			var got api.Scope
			r = ts.do(admin, http.MethodGet, "/v1/policy/scopes/"+tt.escaped, nil)
			want(t, r, http.StatusOK, "get scope by escaped name")
			r.json(t, &got)
			if got.Name != tt.name {
				t.Fatalf("got scope %q, want %q", got.Name, tt.name)
			}
			r = ts.do(admin, http.MethodDelete, "/v1/policy/scopes/"+tt.escaped, nil, "If-Match", r.header.Get("ETag"))
			want(t, r, http.StatusNoContent, "delete scope by escaped name")

			r = ts.do(admin, http.MethodPost, "/v1/vms", map[string]any{"name": tt.name, "memoryMB": 512, "processors": 1})
			want(t, r, http.StatusCreated, "create VM")
			r = ts.do(admin, http.MethodGet, "/v1/vms/"+tt.escaped, nil)
			want(t, r, http.StatusOK, "get VM by escaped name")
			var vm struct{ Name string }
			r.json(t, &vm)
			if vm.Name != tt.name {
				t.Fatalf("got VM %q, want %q", vm.Name, tt.name)
			}
			want(t, ts.do(admin, http.MethodDelete, "/v1/vms/"+tt.escaped, nil), http.StatusNoContent, "delete VM by escaped name")
		})
	}
}
