package httpauthz_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/httpauthz"
	"github.com/azgate/azgate/policy"
)

// BenchmarkGate is one granted request through the gate, in-process (no
// network): identify, match the ServeMux route, find its operation in the
// policy in force, check, call the handler.
func BenchmarkGate(b *testing.B) {
	p := policy.NewDefault()
	if err := p.CreateScope(policy.DefaultApplication, &policy.Scope{Name: "Lab"}); err != nil {
		b.Fatal(err)
	}
	c, err := authz.Compile(p, "", authz.Options{})
	if err != nil {
		b.Fatal(err)
	}
	sources := map[string]httpauthz.Source{"static": httpauthz.Static(c), "live": newLive(b, p)}
	for name, src := range sources {
		b.Run(name, func(b *testing.B) {
			gate, err := httpauthz.New(src, httpauthz.Config{Routes: vmRoutes, Client: headerClient, Scope: httpauthz.ScopeFromPathValue("scope")})
			if err != nil {
				b.Fatal(err)
			}
			mux := http.NewServeMux()
			mux.Handle("POST /scopes/{scope}/vms/{name}/start", gate.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusNoContent)
			})))
			req := httptest.NewRequest(http.MethodPost, "/scopes/Lab/vms/web/start", nil)
			req.Header.Set("X-User", "root")
			req.Header.Set("X-Groups", policy.AdministratorsSID)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				mux.ServeHTTP(w, req)
				if w.Code != http.StatusNoContent {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
