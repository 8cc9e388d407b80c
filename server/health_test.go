package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestServer_ReadyzDetailsOnlyForPolicyReaders: anonymous callers (and
// callers without Read Policy, or with wrong credentials) learn a coarse
// reason, never the store's path or its parse error; policy readers get
// the details.
func TestServer_ReadyzDetailsOnlyForPolicyReaders(t *testing.T) {
	ts := startServer(t, nil)
	nobody := ts.addUser("nobody")
	path := strings.TrimPrefix(ts.cfg.StoreURL, "msxml://")
	ready := func(c cred, status int) (Health, string) {
		t.Helper()
		r := ts.do(c, http.MethodGet, "/readyz", nil)
		want(t, r, status, "readyz")
		var h Health
		r.json(t, &h)
		return h, string(r.body)
	}
	others := []struct {
		name string
		c    cred
	}{{"anonymous", cred{}}, {"no Read Policy", nobody}, {"wrong password", cred{user: "admin", pass: "x"}}}

	for _, who := range others {
		if h, _ := ready(who.c, http.StatusOK); h.Status != "ready" || h.Policy != nil {
			t.Errorf("%s: healthy readyz = %+v, want ready without the policy status", who.name, h)
		}
	}
	if h, _ := ready(admin, http.StatusOK); h.Status != "ready" || h.Policy == nil {
		t.Errorf("policy reader: healthy readyz = %+v, want ready with the policy status", h)
	}

	writeFile(t, path, "<AzAdminManager")
	_ = ts.s.live.Reload(context.Background())
	for _, who := range others {
		h, body := ready(who.c, http.StatusServiceUnavailable)
		if h.Status != "degraded" || h.Reason != "policy reload failed" || h.Policy != nil {
			t.Errorf("%s: readyz = %+v, want degraded, a coarse reason and no policy status", who.name, h)
		}
		if strings.Contains(body, path) || strings.Contains(body, "AzAdminManager") || strings.Contains(body, "/") {
			t.Errorf("%s: readyz shows details: %s", who.name, body)
		}
	}
	h, body := ready(admin, http.StatusServiceUnavailable)
	if h.Status != "degraded" || h.Policy == nil || h.Policy.LastError == "" {
		t.Errorf("policy reader: readyz = %+v, want degraded with the policy status", h)
	}
	if !strings.Contains(body, path) || !strings.Contains(body, "stays in force") {
		t.Errorf("policy reader: readyz lacks the details: %s", body)
	}
}
