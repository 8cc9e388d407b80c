package server

import (
	"context"
	"errors"
	"fmt"

	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/internal/testproc"

	"github.com/gorilla/mux"

	"github.com/azgate/azgate/directory/localdir"
	"github.com/azgate/azgate/engine"
)

// routeCase is one registered route, with path variables filled in.
type routeCase struct {
	name, method, path string
	public             bool
}

// registeredRoutes enumerates the router.
func registeredRoutes(t *testing.T, s *Server) []routeCase {
	t.Helper()
	publicNames := map[string]bool{}
	for _, rt := range s.routes {
		if rt.access == public {
			publicNames[rt.name] = true
		}
	}
	var out []routeCase
	err := s.router.Walk(func(r *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := r.GetPathTemplate()
		if err != nil {
			return err
		}
		methods, err := r.GetMethods()
		if err != nil {
			return err
		}
		path := pathVarRE.ReplaceAllString(tpl, "x")
		for _, m := range methods {
			out = append(out, routeCase{name: r.GetName(), method: m, path: path, public: publicNames[r.GetName()]})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 60 {
		t.Fatalf("only %d routes registered", len(out))
	}
	return out
}

func TestServer_EveryRouteRefusesBadCredentials(t *testing.T) {
	// Every route sees wrong passwords from one address: lift the failed
	// login budgets (TestServer_FailedLoginsRateLimited tests them).
	ts := startServer(t, func(c *Config) { c.LoginFailuresPerClient, c.LoginFailuresPerAccount = 1e6, 1e6 })
	ts.addUser("nobody")
	creds := []struct {
		name string
		c    cred
		hdr  []string
	}{
		{name: "none"},
		{name: "wrong password", c: cred{user: "admin", pass: "wrong"}},
		{name: "unknown user", c: cred{user: "ghost", pass: "x"}},
		{name: "bad token", c: cred{bearer: "azg_notarealtoken"}},
		{name: "other scheme", hdr: []string{"Authorization", "Digest username=admin"}},
	}
	publics := 0
	for _, rc := range registeredRoutes(t, ts.s) {
		if rc.public {
			publics++
			r := ts.do(cred{}, rc.method, rc.path, nil)
			if r.status != http.StatusOK && r.status != http.StatusServiceUnavailable {
				t.Errorf("public %s %s: status %d", rc.method, rc.path, r.status)
			}
			continue
		}
		for _, c := range creds {
			r := ts.do(c.c, rc.method, rc.path, "{}", c.hdr...)
			if strings.HasPrefix(rc.path, "/access/") {
				// AuthZEN: the message as the body, in text.
				if r.status != http.StatusUnauthorized || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") ||
					!strings.Contains(string(r.body), "authentication required") && !strings.Contains(string(r.body), "wrong") &&
						!strings.Contains(string(r.body), "token") && !strings.Contains(string(r.body), "scheme") {
					t.Errorf("%s %s with %s: status %d body %q, want 401 with a text message", rc.method, rc.path, c.name, r.status, r.body)
				}
			} else if r.status != http.StatusUnauthorized || r.errCode(t) != api.CodeUnauthenticated {
				t.Errorf("%s %s with %s: status %d body %s, want 401", rc.method, rc.path, c.name, r.status, r.body)
			}
			if r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with %s: no WWW-Authenticate", rc.method, rc.path, c.name)
			}
		}
	}
	if publics != 4 {
		t.Errorf("%d public routes, want 4 (healthz, readyz, openapi, the AuthZEN metadata)", publics)
	}
}

func TestServer_BasicRefusedFromRemoteOverPlainHTTP(t *testing.T) {
	ts := startServer(t, nil)
	tests := []struct {
		name   string
		remote string
		tls    bool
		want   bool
	}{
		{"loopback v4", "127.0.0.1:5000", false, true},
		{"loopback v6", "[::1]:5000", false, true},
		{"remote plain", "10.1.2.3:5000", false, false},
		{"remote tls", "10.1.2.3:5000", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/v1/me", nil)
			r.RemoteAddr = tt.remote
			if tt.tls {
				r.TLS = &tlsState
			}
			r.SetBasicAuth(admin.user, admin.pass)
			_, err := ts.s.credentials(r)
			if (err == nil) != tt.want {
				t.Fatalf("credentials: err %v, want ok=%v", err, tt.want)
			}
		})
	}
}

func TestServer_BearerToken(t *testing.T) {
	ts := startServer(t, nil)
	d := ts.s.dir.(interface {
		CreateToken(ctx context.Context, user, label string) (string, error)
	})
	tok, err := d.CreateToken(context.Background(), "admin", "test")
	if err != nil {
		t.Fatal(err)
	}
	r := ts.do(cred{bearer: tok}, http.MethodGet, "/v1/me", nil)
	want(t, r, http.StatusOK, "me with token")
	var me api.Me
	r.json(t, &me)
	if me.Name != "admin" || !containsFold(me.Groups, "S-1-5-32-544") {
		t.Fatalf("me = %+v, want admin in S-1-5-32-544", me)
	}
}

func containsFold(ss []string, v string) bool {
	for _, s := range ss {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}

func TestServer_OpenAPIDescribesEveryRoute(t *testing.T) {
	ts := startServer(t, nil)
	r := ts.do(cred{}, http.MethodGet, "/openapi.json", nil)
	want(t, r, http.StatusOK, "openapi")
	var spec struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	r.json(t, &spec)
	if spec.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", spec.OpenAPI)
	}
	n := 0
	for _, rc := range registeredRoutes(t, ts.s) {
		var tpl string
		for _, rt := range ts.s.routes {
			if rt.name == rc.name {
				tpl = rt.path
			}
		}
		op, ok := spec.Paths[tpl][strings.ToLower(rc.method)]
		if !ok {
			t.Errorf("route %s %s (%s) missing from /openapi.json", rc.method, tpl, rc.name)
			continue
		}
		if op["operationId"] != rc.name {
			t.Errorf("%s %s: operationId %v, want %s", rc.method, tpl, op["operationId"], rc.name)
		}
		n++
	}
	total := 0
	for _, ms := range spec.Paths {
		total += len(ms)
	}
	if total != n {
		t.Errorf("/openapi.json has %d operations, the router %d", total, n)
	}
}

func TestOpenAPI_RouteMissingFromTableIsAnError(t *testing.T) {
	r := mux.NewRouter()
	r.Handle("/x", http.NotFoundHandler()).Methods(http.MethodGet).Name("undescribed")
	if _, err := openAPI(r, nil); err == nil || !strings.Contains(err.Error(), "undescribed") {
		t.Fatalf("openAPI = %v, want an error naming the route", err)
	}
}

func TestServer_HealthReadyMetrics(t *testing.T) {
	ts := startServer(t, nil)
	want(t, ts.do(cred{}, http.MethodGet, "/healthz", nil), http.StatusOK, "healthz")
	r := ts.do(cred{}, http.MethodGet, "/readyz", nil)
	want(t, r, http.StatusOK, "readyz")
	var h Health
	r.json(t, &h)
	if h.Status != "ready" || h.Revision == 0 {
		t.Fatalf("readyz = %+v", h)
	}
	// A decision, then the metrics show it.
	want(t, ts.do(admin, http.MethodGet, "/v1/service", nil), http.StatusOK, "service")
	m := ts.do(admin, http.MethodGet, "/metrics", nil)
	want(t, m, http.StatusOK, "metrics")
	for _, s := range []string{
		`azgate_decisions_total{operation="Read Service Configuration",result="allowed",source="engine"}`,
		"azgate_policy_revision ", "azgate_policy_reload_errors_total 0", "azgate_http_request_duration_seconds_bucket",
	} {
		if !strings.Contains(string(m.body), s) {
			t.Errorf("metrics lack %q", s)
		}
	}
}

func TestServer_ReadyzDegradedWhenReloadFails(t *testing.T) {
	ts := startServer(t, nil)
	// Break the store file; a reload then fails and keeps the last policy.
	path := strings.TrimPrefix(ts.cfg.StoreURL, "msxml://")
	writeFile(t, path, "<AzAdminManager")
	_ = ts.s.live.Reload(context.Background())
	r := ts.do(cred{}, http.MethodGet, "/readyz", nil)
	want(t, r, http.StatusServiceUnavailable, "readyz degraded")
	var h Health
	r.json(t, &h)
	if h.Status != "degraded" || !strings.Contains(h.Reason, "reload failed") {
		t.Fatalf("readyz = %+v", h)
	}
	// Decisions still use the last good policy.
	want(t, ts.do(admin, http.MethodGet, "/v1/service", nil), http.StatusOK, "service with last good policy")
}

func TestServer_ErrorsAndLimits(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MaxBodyBytes = 1024 })
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		code   string
	}{
		{"unknown route", http.MethodGet, "/v1/nothing", nil, 404, api.CodeNotFound},
		{"wrong method", http.MethodPut, "/v1/me", nil, 405, api.CodeMethodNotAllowed},
		{"too large", http.MethodPost, "/v1/vms", `{"name":"` + strings.Repeat("a", 2000) + `"}`, 413, api.CodeTooLarge},
		{"malformed", http.MethodPost, "/v1/vms", `{"name":`, 400, api.CodeInvalid},
		{"unknown field", http.MethodPost, "/v1/vms", `{"nom":"x"}`, 400, api.CodeInvalid},
		{"empty body", http.MethodPost, "/v1/vms", ``, 400, api.CodeInvalid},
		{"trailing data", http.MethodPost, "/v1/vms", `{"name":"a","memoryMB":512,"processors":1} {}`, 400, api.CodeInvalid},
		{"engine invalid", http.MethodPost, "/v1/vms", `{"name":"","memoryMB":512,"processors":1}`, 400, api.CodeInvalid},
		{"vm not found", http.MethodGet, "/v1/vms/ghost", nil, 404, api.CodeNotFound},
		{"invalid state", http.MethodPost, "/v1/vms/ghost/start", nil, 404, api.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.do(admin, tt.method, tt.path, tt.body)
			want(t, r, tt.status, tt.name)
			if got := r.errCode(t); got != tt.code {
				t.Fatalf("code %q, want %q (%s)", got, tt.code, r.body)
			}
		})
	}
}

func TestMapError(t *testing.T) {
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{errors.New("disk on fire"), 500, api.CodeInternal},
		{&DelegationDeniedError{Operation: opCheckAccess, Application: DelegationApp}, 403, api.CodeAccessDenied},
		{context.DeadlineExceeded, 503, api.CodeUnavailable},
		{fmt.Errorf("start vm %q: %w: libvirtd restarting", "lab1", engine.ErrUnavailable), 503, api.CodeUnavailable},
		{fmt.Errorf("switch port %q: %w: VLANs need Open vSwitch", "p1", engine.ErrUnsupported), 501, api.CodeUnsupported},
	}
	for _, tt := range tests {
		status, d := mapError(tt.err)
		if status != tt.status || d.Code != tt.code {
			t.Errorf("mapError(%v) = %d %s, want %d %s", tt.err, status, d.Code, tt.status, tt.code)
		}
		if status == 500 && strings.Contains(d.Message, "fire") {
			t.Errorf("internal cause leaked: %q", d.Message)
		}
	}
}

func TestConfig_Validate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(c *Config)
		field string
	}{
		{"defaults", func(c *Config) {}, ""},
		{"bad listen", func(c *Config) { c.Listen = "nope" }, "listen"},
		{"empty store", func(c *Config) { c.StoreURL = "" }, "store"},
		{"bad scheme", func(c *Config) { c.StoreURL = "file://x" }, "store"},
		{"empty data dir", func(c *Config) { c.DataDir = " " }, "data-dir"},
		{"cert without key", func(c *Config) { c.TLSCertFile = "c.pem" }, "tls-cert"},
		{"no admin", func(c *Config) { c.AdminUser = "" }, "admin-user"},
		{"zero body", func(c *Config) { c.MaxBodyBytes = 0 }, "max-body-bytes"},
		{"zero timeout", func(c *Config) { c.ShutdownTimeout = 0 }, "shutdown-timeout"},
		{"zero rule time limit", func(c *Config) { c.RuleTimeLimit = 0 }, "rule-time-limit"},
		{"engine simulator", func(c *Config) { c.Engine = EngineSimulator }, ""},
		{"engine libvirt URI", func(c *Config) { c.Engine = "qemu:///system" }, ""},
		{"engine socket path", func(c *Config) { c.Engine = "/run/libvirt/libvirt-sock" }, ""},
		{"engine relative socket path", func(c *Config) { c.Engine = "./libvirt-sock" }, ""},
		{"engine unknown", func(c *Config) { c.Engine = "hyperv" }, "engine"},
		{"engine padded", func(c *Config) { c.Engine = " qemu:///system" }, "engine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.edit(&c)
			err := c.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, ErrConfig) {
				t.Fatalf("Validate = %v, want a ConfigError on %s", err, tt.field)
			}
		})
	}
}

// TestServer_LibvirtNotBuilt: a libvirt --engine in a build without the
// libvirt backend fails the start, naming what is missing.
func TestServer_LibvirtNotBuilt(t *testing.T) {
	c := DefaultConfig()
	c.DataDir = t.TempDir()
	c.StoreURL = "msxml://" + filepath.Join(c.DataDir, "store.xml")
	c.Engine = "qemu:///system"
	_, err := New(context.Background(), c)
	if !errors.Is(err, ErrLibvirtNotBuilt) || !strings.Contains(err.Error(), "qemu:///system") {
		t.Fatalf("New = %v, want ErrLibvirtNotBuilt naming the URI", err)
	}
}

func TestServer_FreshStartBootstraps(t *testing.T) {
	var stderr testproc.Buffer // the server writes to it while the test reads
	ts := startServer(t, func(c *Config) { c.AdminPassword = ""; c.Stderr = &stderr })
	out := stderr.String()
	i := strings.Index(out, "with password ")
	if i < 0 {
		t.Fatalf("no generated password on stderr: %q", out)
	}
	pw := strings.Fields(out[i+len("with password "):])[0]
	want(t, ts.do(cred{user: "admin", pass: pw}, http.MethodGet, "/v1/me", nil), http.StatusOK, "admin with generated password")
	if !fileContains(t, filepath.Join(ts.cfg.DataDir, AuditFile), `"type":"policy_change"`) {
		t.Error("store creation not audited")
	}
	// The delegation application exists in the store.
	r := ts.do(admin0(pw), http.MethodGet, "/v1/policy/role-assignments?app=azgate", nil)
	want(t, r, http.StatusOK, "delegation roles")
	var l api.Listing[api.RoleAssignment]
	r.json(t, &l)
	if len(l.Items) != 3 {
		t.Fatalf("delegation role assignments = %+v", l.Items)
	}
	for _, ra := range l.Items {
		if len(ra.Members) != 1 || ra.Members[0] != authzAdministrators {
			t.Errorf("%s members %v, want BUILTIN\\Administrators", ra.Name, ra.Members)
		}
	}
}

const authzAdministrators = "S-1-5-32-544"

func admin0(pw string) cred { return cred{user: "admin", pass: pw} }

func TestServer_RestartDoesNotRewriteTheStore(t *testing.T) {
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.StoreURL = "msxml://" + filepath.Join(dir, "store.xml")
	cfg.AdminPassword = testAdminPassword
	revs := []uint64{}
	for range 2 {
		s, err := New(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		revs = append(revs, uint64(s.live.Current().Revision))
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if revs[0] != revs[1] {
		t.Fatalf("store revision moved from %d to %d by a restart", revs[0], revs[1])
	}
}

// TestDecodeBody_NamesJSONNotGo: a value of the wrong type is named by its
// JSON field and the JSON type wanted; no Go type or field name leaks.
func TestDecodeBody_NamesJSONNotGo(t *testing.T) {
	ts := startServer(t, nil)
	for _, tc := range []struct {
		name, path, body, want string
	}{
		{"string for an integer", "/v1/vms", `{"name":"a","memoryMB":"big","processors":1}`,
			`field "memoryMB" must be an integer, got string`},
		{"fraction for an integer", "/v1/vms", `{"name":"a","memoryMB":1.5,"processors":1}`,
			`field "memoryMB" must be an integer, got number 1.5`},
		{"object for a string", "/v1/vms", `{"name":{},"memoryMB":512,"processors":1}`, `field "name" must be a string, got object`},
		{"string for an array", "/v1/vms", `{"name":"a","memoryMB":512,"processors":1,"networkAdapters":"x"}`,
			`field "networkAdapters" must be an array, got string`},
		{"not an object", "/v1/vms", `"web1"`, `the body must be an object, got string`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do(admin, http.MethodPost, tc.path, tc.body)
			want(t, r, http.StatusBadRequest, tc.name)
			var eb struct {
				Error api.ErrorDetail `json:"error"`
			}
			r.json(t, &eb)
			if msg := eb.Error.Message; !strings.Contains(msg, tc.want) || strings.Contains(msg, "Go ") || strings.Contains(msg, "Spec") {
				t.Errorf("message %q; want %q and no Go names", msg, tc.want)
			}
		})
	}
}

// TestServer_ExpiredTokenRefusedAsUnknown: an expired API token gets the
// very answer an unknown one gets.
func TestServer_ExpiredTokenRefusedAsUnknown(t *testing.T) {
	ts := startServer(t, nil)
	expired, err := ts.s.local.CreateTokenTTL(context.Background(), DefaultAdminUser, "short", time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	unknown := ts.do(cred{bearer: localdir.TokenPrefix + strings.Repeat("A", 43)}, http.MethodGet, "/v1/me", nil)
	got := ts.do(cred{bearer: expired}, http.MethodGet, "/v1/me", nil)
	if got.status != http.StatusUnauthorized || got.status != unknown.status || string(got.body) != string(unknown.body) ||
		got.header.Get("WWW-Authenticate") != unknown.header.Get("WWW-Authenticate") {
		t.Fatalf("expired token: %d %s; unknown token: %d %s; want the same 401", got.status, got.body, unknown.status, unknown.body)
	}
}
