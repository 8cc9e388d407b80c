package server

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/directory/ldapdir"
	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/xmlstore"
)

// The LDAP tests run the server against a real slapd holding an Active
// Directory-shaped domain, CONTOSO, laid out as the Hyper-V Resource Kit
// recommends: users in a global group, the global group nested in a
// domain-local group, and the role assignment naming the domain-local group.
const (
	ldapSvcDN     = "cn=azgate-svc,ou=services," + slapdtest.DefaultBaseDN
	ldapSvcPW     = "svc-secret-1"
	contosoBase   = "ou=contoso," + slapdtest.DefaultBaseDN
	contosoSID    = "S-1-5-21-1004336348-1177238915-682003330"
	hvAdminsSID   = contosoSID + "-1202" // domain local: Hyper-V Admins
	hvOpsSID      = contosoSID + "-1201" // global: HV-Operators
	labQueryGroup = "Lab staff"          // LDAP query application group
)

// departmentSchema adds AD's department attribute (its Microsoft OID);
// users carry it through extensibleObject.
const departmentSchema = `dn: cn=adextra,cn=schema,cn=config
objectClass: olcSchemaConfig
cn: adextra
olcAttributeTypes: ( 1.2.840.113556.1.2.141 NAME 'department' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{64} SINGLE-VALUE )`

func sidValue(t testing.TB, sid string) string {
	t.Helper()
	b, err := ldapdir.ParseSID(sid)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// contosoSeed: dave ∈ HV-Operators (global) ∈ Hyper-V Admins (domain
// local); erin (department Lab) and frank (department Sales) are in no
// group.
func contosoSeed(t testing.TB) string {
	user := func(cn, sam, dept string, rid int) string {
		return fmt.Sprintf(`dn: cn=%s,%s
objectClass: user
objectClass: extensibleObject
cn: %s
sn: %s
sAMAccountName: %s
objectSid:: %s
department: %s
userPassword: %s-secret

`, cn, contosoBase, cn, cn, sam, sidValue(t, fmt.Sprintf("%s-%d", contosoSID, rid)), dept, sam)
	}
	return `dn: ou=services,` + slapdtest.DefaultBaseDN + `
objectClass: organizationalUnit
ou: services

dn: ` + ldapSvcDN + `
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: azgate-svc
userPassword: ` + ldapSvcPW + `

dn: ` + contosoBase + `
objectClass: organizationalUnit
ou: contoso

` + user("Dave", "dave", "Ops", 1105) + user("Erin", "erin", "Lab", 1106) + user("Frank", "frank", "Sales", 1107) +
		`dn: cn=Hyper-V Operators,` + contosoBase + `
objectClass: group
cn: Hyper-V Operators
sAMAccountName: HV-Operators
groupType: -2147483646
objectSid:: ` + sidValue(t, hvOpsSID) + `
member: cn=Dave,` + contosoBase + `

dn: cn=Hyper-V Admins,` + contosoBase + `
objectClass: group
cn: Hyper-V Admins
sAMAccountName: Hyper-V Admins
groupType: -2147483644
objectSid:: ` + sidValue(t, hvAdminsSID) + `
member: cn=Hyper-V Operators,` + contosoBase + `
`
}

// writeContosoStore writes the default store plus: a role assignment of
// Administrator to the domain-local group (by SID, as AzMan stores it), and
// a role assignment of "VM Viewer" to the LDAP query group "Lab staff",
// (department=Lab).
func writeContosoStore(t testing.TB, path string) {
	t.Helper()
	p := policy.NewDefault()
	app := policy.DefaultApplication
	at := policy.Location{App: app}
	steps := []error{
		p.CreateRole(at, &policy.Role{Name: "Hyper-V Admins", Description: `CONTOSO\Hyper-V Admins (domain local)`}),
		p.Link(at, policy.KindRole, "Hyper-V Admins", policy.RelTask, "Administrator"),
		p.Link(at, policy.KindRole, "Hyper-V Admins", policy.RelMember, hvAdminsSID),
		p.CreateTask(at, &policy.Task{Name: "VM Viewer", RoleDefinition: true}),
		p.Link(at, policy.KindRoleDefinition, "VM Viewer", policy.RelOperation, "View Virtual Machine Configuration"),
		p.CreateGroup(at, &policy.Group{Name: labQueryGroup, Type: policy.GroupLDAPQuery, LDAPQuery: "(department=Lab)"}),
		p.CreateRole(at, &policy.Role{Name: "Lab viewers"}),
		p.Link(at, policy.KindRole, "Lab viewers", policy.RelTask, "VM Viewer"),
		p.Link(at, policy.KindRole, "Lab viewers", policy.RelGroup, labQueryGroup),
	}
	if err := errors.Join(steps...); err != nil {
		t.Fatalf("build store: %v", err)
	}
	st, err := xmlstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Save(context.Background(), p, 0); err != nil {
		t.Fatalf("save store: %v", err)
	}
}

// startLDAPServer starts slapd with the CONTOSO domain and an in-process
// server with --directory ldap against it.
func startLDAPServer(t testing.TB, cacheTTL time.Duration) (*testServer, *slapdtest.Server) {
	t.Helper()
	srv := slapdtest.Start(t, slapdtest.Options{Seed: contosoSeed(t), SchemaLDIF: []string{departmentSchema}})
	ts := startServerTB(t, func(cfg *Config) {
		writeContosoStore(t, strings.TrimPrefix(cfg.StoreURL, "msxml://"))
		cfg.Directory = DirectoryLDAP
		cfg.LDAP = LDAPConfig{URL: srv.URL, Preset: PresetAD, Domain: "CONTOSO", UserBase: contosoBase,
			BindDN: ldapSvcDN, BindPassword: ldapSvcPW, CacheTTL: cacheTTL}
	})
	return ts, srv
}

// checkerToken is an API token of the local administrator, who holds
// Check Access and Read Policy through BUILTIN\Administrators.
func checkerToken(t testing.TB, ts *testServer) cred {
	t.Helper()
	tok, err := ts.s.local.CreateToken(context.Background(), DefaultAdminUser, "checker")
	if err != nil {
		t.Fatal(err)
	}
	return cred{bearer: tok}
}

// checkOne posts a single check and returns the status and, on 200, the
// one result.
func checkOne(t *testing.T, ts *testServer, c cred, body map[string]any) (int, api.CheckResult, response) {
	t.Helper()
	r := ts.do(c, http.MethodPost, "/v1/check", body)
	if r.status != http.StatusOK {
		return r.status, api.CheckResult{}, r
	}
	var res api.CheckResponse
	r.json(t, &res)
	if len(res.Results) != 1 {
		t.Fatalf("check %v: %d results, want 1: %s", body, len(res.Results), r.body)
	}
	return r.status, res.Results[0], r
}

func TestLDAP_BasicNestedGroupsAndQueryGroups(t *testing.T) {
	ts, _ := startLDAPServer(t, 0)
	dave := cred{user: "dave", pass: "dave-secret"}
	erin := cred{user: `CONTOSO\erin`, pass: "erin-secret"}
	frank := cred{user: "frank", pass: "frank-secret"}

	// dave's client context comes from the directory: DN, SID, the global
	// group and the domain-local group it is nested in, by name, DN and SID.
	r := ts.do(dave, http.MethodGet, "/v1/me", nil)
	want(t, r, http.StatusOK, "dave /v1/me")
	var me api.Me
	r.json(t, &me)
	for _, id := range []string{`CONTOSO\dave`, "cn=Dave," + contosoBase, contosoSID + "-1105"} {
		if !containsFold(me.IDs, id) {
			t.Errorf("dave's IDs %v lack %q", me.IDs, id)
		}
	}
	for _, g := range []string{`CONTOSO\HV-Operators`, `CONTOSO\Hyper-V Admins`, hvOpsSID, hvAdminsSID, "cn=Hyper-V Admins," + contosoBase} {
		if !containsFold(me.Groups, g) {
			t.Errorf("dave's groups %v lack %q", me.Groups, g)
		}
	}

	// Granted through the domain-local group: the engine acts.
	want(t, ts.do(dave, http.MethodPost, "/v1/vms", map[string]any{"name": "lab1", "memoryMB": 512, "processors": 1}),
		http.StatusCreated, "dave creates a VM")

	// Wrong credentials are 401, whatever is wrong.
	for _, c := range []cred{
		{user: "dave", pass: "wrong"},
		{user: "ghost", pass: "dave-secret"},
		{user: "*)(sAMAccountName=*", pass: "dave-secret"},
		{user: `OTHER\dave`, pass: "dave-secret"},
		{user: DefaultAdminUser, pass: testAdminPassword}, // local accounts do not log in with Basic
	} {
		r := ts.do(c, http.MethodGet, "/v1/me", nil)
		want(t, r, http.StatusUnauthorized, "Basic as "+c.user+" with a wrong password")
		if r.errCode(t) != api.CodeUnauthenticated {
			t.Errorf("%s: code %s", c.user, r.errCode(t))
		}
	}

	// The LDAP query group: erin's entry matches (department=Lab), frank's
	// does not.
	want(t, ts.do(erin, http.MethodGet, "/v1/vms/lab1", nil), http.StatusOK, "erin views lab1 (LDAP query group)")
	denied(t, ts.do(frank, http.MethodGet, "/v1/vms/lab1", nil), "View Virtual Machine Configuration", "frank views lab1")
	denied(t, ts.do(erin, http.MethodDelete, "/v1/vms/lab1", nil), "Delete Virtual Machine", "erin deletes lab1")

	// A checker (a local API token) asks about directory users.
	checker := checkerToken(t, ts)
	view := []any{"View Virtual Machine Configuration"}
	for _, tt := range []struct {
		name    string
		body    map[string]any
		allowed bool
	}{
		{"dave resolved", map[string]any{"user": "dave", "resolve": true, "operations": []any{"Delete Virtual Machine"}}, true},
		{"dave as given, no groups", map[string]any{"user": "dave", "operations": []any{"Delete Virtual Machine"}}, false},
		{"dave as given with the domain-local SID", map[string]any{"user": "dave", "groups": []string{hvAdminsSID}, "operations": []any{"Delete Virtual Machine"}}, true},
		{"erin resolved (LDAP query group)", map[string]any{"user": "erin", "resolve": true, "operations": view}, true},
		{"frank resolved", map[string]any{"user": `CONTOSO\frank`, "resolve": true, "operations": view}, false},
		{"erin as given without a DN", map[string]any{"user": "erin", "groups": []string{}, "operations": view}, false},
		{"erin as given with her DN", map[string]any{"user": "erin", "groups": []string{}, "dn": "cn=Erin," + contosoBase, "operations": view}, true},
	} {
		status, res, r := checkOne(t, ts, checker, tt.body)
		if status != http.StatusOK || res.Allowed != tt.allowed || res.Error != "" {
			t.Errorf("%s: status %d result %+v, want allowed=%v; body %s", tt.name, status, res, tt.allowed, r.body)
		}
	}
	status, _, r := checkOne(t, ts, checker, map[string]any{"user": "ghost", "resolve": true, "operations": view})
	if status != http.StatusNotFound {
		t.Errorf("resolve an unknown LDAP user: %d %s, want 404", status, r.body)
	}

	// Explain goes through the LDAP query group too.
	r = ts.do(checker, http.MethodGet, "/v1/explain?user=erin&resolve=true&operation=309", nil)
	want(t, r, http.StatusOK, "explain erin")
	var e api.ExplainResponse
	r.json(t, &e)
	if !e.Allowed || !strings.Contains(fmt.Sprint(e.Path), labQueryGroup) {
		t.Errorf("explain erin = %+v, want granted through %q", e, labQueryGroup)
	}

	// A directory that answers is ready.
	r = ts.do(cred{}, http.MethodGet, "/readyz", nil)
	want(t, r, http.StatusOK, "readyz with the directory up")
}

// TestLDAP_DirectoryDownFailsClosed stops slapd: /readyz turns degraded,
// cached answers serve until the cache TTL ends, then everything that needs
// the directory is refused — never granted — until it is back.
func TestLDAP_DirectoryDownFailsClosed(t *testing.T) {
	const ttl = 3 * time.Second
	ts, srv := startLDAPServer(t, ttl)
	checker := checkerToken(t, ts)
	dave := cred{user: "dave", pass: "dave-secret"}
	erinDN := "cn=Erin," + contosoBase
	davePerm := map[string]any{"user": "dave", "resolve": true, "operations": []any{"Delete Virtual Machine"}}
	erinAsGiven := map[string]any{"user": "erin", "groups": []string{}, "dn": erinDN, "operations": []any{309}}

	want(t, ts.do(dave, http.MethodGet, "/v1/me", nil), http.StatusOK, "dave before the outage")
	// Fill the caches: dave's context and erin's LDAP query match.
	cachedAt := time.Now()
	for _, body := range []map[string]any{davePerm, erinAsGiven} {
		if status, res, r := checkOne(t, ts, checker, body); status != http.StatusOK || !res.Allowed {
			t.Fatalf("before the outage: %d %+v %s", status, res, r.body)
		}
	}
	filled := time.Now()

	srv.Stop()

	// Within the TTL the cached answers still serve.
	status, res, r := checkOne(t, ts, checker, davePerm)
	if time.Since(cachedAt) < ttl-500*time.Millisecond {
		if status != http.StatusOK || !res.Allowed {
			t.Errorf("within the cache TTL: %d %+v %s, want the cached grant", status, res, r.body)
		}
	} else {
		t.Logf("slapd took %v to stop; not checking the within-TTL answer", time.Since(cachedAt))
	}
	// Basic logins need a bind: refused at once, with 503, not 401.
	r = ts.do(dave, http.MethodGet, "/v1/me", nil)
	want(t, r, http.StatusServiceUnavailable, "Basic while the directory is down")
	if r.errCode(t) != api.CodeUnavailable {
		t.Errorf("Basic while down: code %s", r.errCode(t))
	}

	// Readiness reports the directory.
	deadline := time.Now().Add(5 * time.Second)
	for {
		r = ts.do(cred{}, http.MethodGet, "/readyz", nil)
		if r.status == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz with slapd stopped: %d %s, want 503 degraded", r.status, r.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var h Health
	r.json(t, &h)
	if h.Status != "degraded" || h.Reason != "directory unreachable" {
		t.Errorf("anonymous readyz = %+v, want degraded, directory unreachable", h)
	}
	r = ts.do(checker, http.MethodGet, "/readyz", nil)
	h = Health{}
	r.json(t, &h)
	if h.Status != "degraded" || !strings.Contains(h.Reason, srv.URL) || !strings.Contains(h.Reason, "LDAP directory") {
		t.Errorf("policy reader's readyz = %+v, want degraded naming the LDAP directory %s", h, srv.URL)
	}

	// After the TTL: refused (503) or denied, never granted.
	time.Sleep(time.Until(filled.Add(ttl + 100*time.Millisecond)))
	status, _, r = checkOne(t, ts, checker, davePerm)
	if status != http.StatusServiceUnavailable {
		t.Errorf("resolve after the TTL with the directory down: %d %s, want 503", status, r.body)
	}
	status, res, r = checkOne(t, ts, checker, erinAsGiven)
	if status != http.StatusOK || res.Allowed || !strings.Contains(res.Error, "LDAP query") {
		t.Errorf("LDAP query group after the TTL with the directory down: %d %+v %s, want denied with the reason", status, res, r.body)
	}
	r = ts.do(checker, http.MethodGet, "/v1/explain?user=dave&resolve=true&operation=304", nil)
	want(t, r, http.StatusServiceUnavailable, "explain after the TTL")

	// Back: ready again, and granted again.
	srv.Restart()
	deadline = time.Now().Add(5 * time.Second)
	for {
		r = ts.do(cred{}, http.MethodGet, "/readyz", nil)
		if r.status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz after slapd is back: %d %s", r.status, r.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	want(t, ts.do(dave, http.MethodGet, "/v1/me", nil), http.StatusOK, "dave after the outage")
	if status, res, r := checkOne(t, ts, checker, davePerm); status != http.StatusOK || !res.Allowed {
		t.Errorf("after the outage: %d %+v %s", status, res, r.body)
	}
}

func TestConfig_ValidateDirectory(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := LDAPConfig{URL: "ldap://127.0.0.1:389", UserBase: "dc=example,dc=org", BindDN: "cn=svc,dc=example,dc=org", BindPassword: "pw"}
	for _, tt := range []struct {
		name  string
		dir   string
		mod   func(l *LDAPConfig)
		field string // "" means valid
	}{
		{"local default", "", func(l *LDAPConfig) { *l = LDAPConfig{} }, ""},
		{"local with LDAP settings", DirectoryLocal, nil, "directory"},
		{"unknown directory", "nis", nil, "directory"},
		{"ldap", DirectoryLDAP, nil, ""},
		{"ldap ad preset", DirectoryLDAP, func(l *LDAPConfig) { l.Preset, l.Domain = PresetAD, "CONTOSO" }, ""},
		{"ldap anonymous", DirectoryLDAP, func(l *LDAPConfig) { l.BindDN, l.BindPassword = "", "" }, ""},
		{"ldap ca file", DirectoryLDAP, func(l *LDAPConfig) { l.URL, l.CAFile = "ldaps://h", ca }, ""},
		{"no url", DirectoryLDAP, func(l *LDAPConfig) { l.URL = "" }, "ldap-url"},
		{"http url", DirectoryLDAP, func(l *LDAPConfig) { l.URL = "http://h" }, "ldap-url"},
		{"start tls on ldaps", DirectoryLDAP, func(l *LDAPConfig) { l.URL, l.StartTLS = "ldaps://h", true }, "ldap-start-tls"},
		{"unknown preset", DirectoryLDAP, func(l *LDAPConfig) { l.Preset = "novell" }, "ldap-preset"},
		{"bind dn without password", DirectoryLDAP, func(l *LDAPConfig) { l.BindPassword = "" }, "ldap-password"},
		{"password without bind dn", DirectoryLDAP, func(l *LDAPConfig) { l.BindDN = "" }, "ldap-bind-dn"},
		{"bad bind dn", DirectoryLDAP, func(l *LDAPConfig) { l.BindDN = "svc" }, "ldap-bind-dn"},
		{"no user base", DirectoryLDAP, func(l *LDAPConfig) { l.UserBase = "" }, "ldap-user-base"},
		{"bad group base", DirectoryLDAP, func(l *LDAPConfig) { l.GroupBase = "groups" }, "ldap-group-base"},
		{"missing ca file", DirectoryLDAP, func(l *LDAPConfig) { l.CAFile = ca + ".nope" }, "ldap-ca-file"},
		{"negative ttl", DirectoryLDAP, func(l *LDAPConfig) { l.CacheTTL = -time.Second }, "ldap-cache-ttl"},
		{"negative timeout", DirectoryLDAP, func(l *LDAPConfig) { l.Timeout = -time.Second }, "ldap-timeout"},
		{"negative bind cache ttl", DirectoryLDAP, func(l *LDAPConfig) { l.BindCacheTTL = -time.Second }, "ldap-bind-cache-ttl"},
		{"bad domain", DirectoryLDAP, func(l *LDAPConfig) { l.Domain = `CON\TOSO` }, "ldap"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Directory, cfg.LDAP = tt.dir, good
			if tt.mod != nil {
				tt.mod(&cfg.LDAP)
			}
			err := cfg.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, ErrConfig) {
				t.Fatalf("Validate = %v, want a ConfigError for %q", err, tt.field)
			}
		})
	}
}

// BenchmarkLDAP_Requests measures requests against the LDAP directory over
// loopback: a Basic login (user search + bind + cached resolve; no bind
// cache) and a checker's resolve: true check (cached context and LDAP query
// match).
//
//	go test -run XXX -bench LDAP_Requests ./server
func BenchmarkLDAP_Requests(b *testing.B) {
	ts, _ := startLDAPServer(b, 0)
	checker := checkerToken(b, ts)
	body := map[string]any{"user": "erin", "resolve": true, "operations": []any{309}}
	for _, bc := range []struct {
		name string
		c    cred
		path string
		body any
	}{
		{"basic_me", cred{user: "dave", pass: "dave-secret"}, "/v1/me", nil},
		{"check_resolve", checker, "/v1/check", body},
	} {
		b.Run(bc.name, func(b *testing.B) {
			method := http.MethodGet
			if bc.body != nil {
				method = http.MethodPost
			}
			for b.Loop() {
				if r := ts.do(bc.c, method, bc.path, bc.body); r.status != http.StatusOK {
					b.Fatalf("%s: %d %s", bc.name, r.status, r.body)
				}
			}
		})
	}
}

// BenchmarkLDAP_BasicBindCache measures HTTP Basic requests (GET /v1/me)
// against the LDAP directory at 1, 8 and 32 concurrent clients, without the
// bind cache (every request searches the user and binds on a new
// connection) and with it (--ldap-bind-cache-ttl 30s).
//
//	go test -run XXX -bench LDAP_BasicBindCache ./server
func BenchmarkLDAP_BasicBindCache(b *testing.B) {
	srv := slapdtest.Start(b, slapdtest.Options{Seed: contosoSeed(b), SchemaLDIF: []string{departmentSchema}})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for _, ttl := range []time.Duration{0, DefaultLDAPBindCacheTTL} {
		ts := startServerTB(b, func(cfg *Config) {
			cfg.Directory = DirectoryLDAP
			cfg.LDAP = LDAPConfig{URL: srv.URL, Preset: PresetAD, Domain: "CONTOSO", UserBase: contosoBase,
				BindDN: ldapSvcDN, BindPassword: ldapSvcPW, BindCacheTTL: ttl}
		})
		me := func() error {
			req, err := http.NewRequest(http.MethodGet, ts.base+"/v1/me", nil)
			if err != nil {
				return err
			}
			req.SetBasicAuth("dave", "dave-secret")
			res, err := client.Do(req)
			if err != nil {
				return err
			}
			defer res.Body.Close()
			if _, err := io.Copy(io.Discard, res.Body); err != nil {
				return err
			}
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("GET /v1/me: %s", res.Status)
			}
			return nil
		}
		for _, c := range []int{1, 8, 32} {
			b.Run(fmt.Sprintf("cache=%v/c=%d", ttl, c), func(b *testing.B) {
				if c == 1 {
					for b.Loop() {
						if err := me(); err != nil {
							b.Fatal(err)
						}
					}
				} else {
					b.SetParallelism(max(c/runtime.GOMAXPROCS(0), 1))
					var failed atomic.Value
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if err := me(); err != nil {
								failed.Store(err)
								return
							}
						}
					})
					if err, _ := failed.Load().(error); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			})
		}
	}
}
