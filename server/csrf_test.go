package server

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/azgate/azgate/api"
)

// vmState returns a VM's state name.
func vmState(t *testing.T, ts *testServer, name string) string {
	t.Helper()
	r := ts.do(admin, http.MethodGet, "/v1/vms/"+name, nil)
	want(t, r, http.StatusOK, "get vm "+name)
	var vm struct {
		StateName string `json:"stateName"`
	}
	r.json(t, &vm)
	return vm.StateName
}

// rawDo sends a request with the given body and headers only (no JSON
// Content-Type added), as a browser form or fetch would, with admin's
// Basic credentials (which a browser would send by itself).
func rawDo(t *testing.T, ts *testServer, method, path, body string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, ts.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	req.SetBasicAuth(admin.user, admin.pass)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, res.Body)
	return response{status: res.StatusCode, header: res.Header, body: []byte(b.String())}
}

func TestServer_CrossSiteRequestsRefused(t *testing.T) {
	ts := startServer(t, nil)
	want(t, ts.do(admin, http.MethodPost, "/v1/vms", map[string]any{"name": "web1", "memoryMB": 512, "processors": 1}),
		http.StatusCreated, "create web1")
	want(t, ts.do(admin, http.MethodPost, "/v1/vms/web1/start", nil), http.StatusOK, "start web1")
	host := strings.TrimPrefix(ts.base, "http://")
	const evil = "https://evil.example"

	refused := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		code                     string
	}{
		{"foreign origin, text/plain body", http.MethodPost, "/v1/vms", `{"name":"evil","memoryMB":512,"processors":1}`,
			[]string{"Origin", evil, "Content-Type", "text/plain"}, http.StatusForbidden, api.CodeCrossOrigin},
		{"foreign origin, JSON body", http.MethodPost, "/v1/vms", `{"name":"evil","memoryMB":512,"processors":1}`,
			[]string{"Origin", evil, "Content-Type", "application/json"}, http.StatusForbidden, api.CodeCrossOrigin},
		{"cross-site fetch metadata", http.MethodPost, "/v1/vms/web1/console", `{"text":"shutdown now"}`,
			[]string{"Sec-Fetch-Site", "cross-site", "Content-Type", "text/plain"}, http.StatusForbidden, api.CodeCrossOrigin},
		{"foreign origin, bodyless stop", http.MethodPost, "/v1/vms/web1/stop", "",
			[]string{"Origin", evil}, http.StatusForbidden, api.CodeCrossOrigin},
		{"foreign origin, policy write", http.MethodDelete, "/v1/policy/tasks/x", "",
			[]string{"Origin", evil, "If-Match", `"1"`}, http.StatusForbidden, api.CodeCrossOrigin},
		// Without browser headers, a body must still be declared JSON.
		{"text/plain body, no origin", http.MethodPost, "/v1/vms/web1/console", `{"text":"shutdown now"}`,
			[]string{"Content-Type", "text/plain"}, http.StatusUnsupportedMediaType, api.CodeUnsupportedMediaType},
		{"body without content type", http.MethodPost, "/v1/vms", `{"name":"evil","memoryMB":512,"processors":1}`,
			nil, http.StatusUnsupportedMediaType, api.CodeUnsupportedMediaType},
		{"empty form post", http.MethodPost, "/v1/vms/web1/stop", "",
			[]string{"Content-Type", "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType, api.CodeUnsupportedMediaType},
		{"form body on a PATCH", http.MethodPatch, "/v1/vms/web1", "memoryMB=1",
			[]string{"Content-Type", "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType, api.CodeUnsupportedMediaType},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			r := rawDo(t, ts, c.method, c.path, c.body, c.headers...)
			want(t, r, c.status, c.name)
			if got := r.errCode(t); got != c.code {
				t.Errorf("error code %q, want %q", got, c.code)
			}
		})
	}
	// Nothing changed.
	want(t, ts.do(admin, http.MethodGet, "/v1/vms/evil", nil), http.StatusNotFound, "vm created cross-site")
	if st := vmState(t, ts, "web1"); st != "Running" {
		t.Errorf("web1 is %s after cross-site stop attempts, want Running", st)
	}
	con := ts.do(admin, http.MethodGet, "/v1/vms/web1/console", nil)
	if strings.Contains(string(con.body), "shutdown now") {
		t.Errorf("cross-site console input was typed: %s", con.body)
	}

	allowed := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
	}{
		{"same origin JSON", http.MethodPost, "/v1/vms", `{"name":"same","memoryMB":512,"processors":1}`,
			[]string{"Origin", "http://" + host, "Content-Type", "application/json"}, http.StatusCreated},
		{"same-origin fetch metadata", http.MethodPost, "/v1/vms/same/start", "",
			[]string{"Sec-Fetch-Site", "same-origin"}, http.StatusOK},
		{"JSON with charset, no browser headers (CLI, Go clients)", http.MethodPost, "/v1/vms",
			`{"name":"cli","memoryMB":512,"processors":1}`, []string{"Content-Type", "application/json; charset=utf-8"}, http.StatusCreated},
		{"bodyless POST without content type (curl -X POST)", http.MethodPost, "/v1/vms/web1/stop", "", nil, http.StatusOK},
		{"bodyless DELETE", http.MethodDelete, "/v1/vms/cli", "", nil, http.StatusNoContent},
		{"cross-origin GET is a read", http.MethodGet, "/v1/vms/web1", "", []string{"Origin", evil}, http.StatusOK},
	}
	for _, c := range allowed {
		t.Run(c.name, func(t *testing.T) {
			want(t, rawDo(t, ts, c.method, c.path, c.body, c.headers...), c.status, c.name)
		})
	}
}
