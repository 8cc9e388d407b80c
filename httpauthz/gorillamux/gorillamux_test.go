package gorillamux_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/gorilla/mux"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/httpauthz"
	"github.com/azgate/azgate/httpauthz/gorillamux"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// Routes match by gorilla route name and by method and path template; the
// scope comes from a route variable; unmapped routes are refused.
func TestGorillaMux(t *testing.T) {
	p := policy.NewDefault()
	if err := p.CreateScope(policy.DefaultApplication, &policy.Scope{Name: "Lab"}); err != nil {
		t.Fatal(err)
	}
	c, err := authz.Compile(p, "", authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var scopes []string
	gate, err := httpauthz.New(httpauthz.Static(c), httpauthz.Config{
		Routes: map[string]string{
			"start-vm":                          "Start Virtual Machine",
			"GET /scopes/{scope}/vms/{name}":    strconv.Itoa(int(operations.ViewVMConfiguration)),
			"DELETE /scopes/{scope}/vms/{name}": "delete virtual machine",
		},
		Match: gorillamux.Match,
		Client: func(r *http.Request) (directory.ClientContext, error) {
			u := r.Header.Get("X-User")
			cl := directory.ClientContext{Name: u, IDs: []string{u}}
			if u == "admin" {
				cl.Groups = []string{"S-1-5-32-544"}
			}
			return cl, nil
		},
		Scope: gorillamux.ScopeFromVar("scope"),
		OnDecision: func(_ *http.Request, d httpauthz.Decision) {
			scopes = append(scopes, d.Scope)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	r.Use(gate.Wrap)
	ok := func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }
	r.HandleFunc("/scopes/{scope}/vms/{name}", ok).Methods(http.MethodGet, http.MethodDelete)
	r.HandleFunc("/scopes/{scope}/vms/{name}/start", ok).Methods(http.MethodPost).Name("start-vm")
	r.HandleFunc("/scopes/{scope}/vms/{name}/pause", ok).Methods(http.MethodPost) // unmapped
	srv := httptest.NewServer(r)
	defer srv.Close()

	tests := []struct {
		method, path, user string
		want               int
	}{
		{"GET", "/scopes/Lab/vms/a", "admin", http.StatusNoContent},
		{"POST", "/scopes/Lab/vms/a/start", "admin", http.StatusNoContent},
		{"DELETE", "/scopes/Lab/vms/a", "admin", http.StatusNoContent},
		{"POST", "/scopes/Lab/vms/a/start", "bob", http.StatusForbidden},
		{"POST", "/scopes/Lab/vms/a/pause", "admin", http.StatusForbidden},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		req.Header.Set("X-User", tc.user)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s as %s: %d, want %d", tc.method, tc.path, tc.user, resp.StatusCode, tc.want)
		}
	}
	if len(scopes) == 0 || scopes[0] != "Lab" {
		t.Errorf("decided scopes %q, want Lab from the route variable", scopes)
	}
	if _, err := httpauthz.New(httpauthz.Static(c), httpauthz.Config{Routes: map[string]string{"stop-vm": "4242"}, Match: gorillamux.Match}); err == nil {
		t.Error("an operation outside the application was accepted")
	}
}
