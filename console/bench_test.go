package console

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/policygen"

	"golang.org/x/crypto/bcrypt"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/stores"
	"github.com/azgate/azgate/server"
)

// largeBackend is a real server on the large policy whose directory holds
// the large policy's 10,000 users (policygen.Large's client
// contexts), as an LDAP directory would resolve them.
type largeBackend struct {
	*server.Server
	users   []string
	clients map[string]directory.ClientContext
}

func (b *largeBackend) Resolve(ctx context.Context, name string) (directory.ClientContext, error) {
	if c, ok := b.clients[name]; ok {
		return c, nil
	}
	return b.Server.Resolve(ctx, name)
}

func (b *largeBackend) DirectoryUsers(ctx context.Context) ([]string, error) { return b.users, nil }

// WhatIf compares the large policy's users too, as the API's what-if does
// a local directory's.
func (b *largeBackend) WhatIf(ctx context.Context, base *authz.Checker, next *policy.Policy, opts authz.WhatIfOptions) (authz.WhatIfReport, error) {
	for _, u := range b.users {
		opts.Subjects = append(opts.Subjects, authz.UserSubject(b.clients[u]))
	}
	return b.Server.WhatIf(ctx, base, next, opts)
}

type largeConsole struct {
	h      http.Handler
	c      *Console
	cookie string
	snap   *authz.Snapshot
	user   string
	scope  string
	role   string // a role definition
	assign string // a role assignment in scope
}

// startLarge serves policygen.Large's policy (10,000 users, 2,000
// nested groups, 1,000 scopes) with the console, signed in as admin.
func startLarge(b *testing.B) *largeConsole {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	dir := b.TempDir()
	p, clients := policygen.GenerateLarge(1)
	p.Applications = append(p.Applications, server.NewDelegationApplication())
	storeURL := "msxml://" + filepath.Join(dir, "store.xml")
	st, err := stores.Open(ctx, storeURL, stores.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.Save(ctx, p, 0); err != nil {
		b.Fatal(err)
	}
	st.Close()
	lb := &largeBackend{clients: map[string]directory.ClientContext{}}
	for _, c := range clients {
		lb.users = append(lb.users, c.Name)
		lb.clients[c.Name] = c
	}
	cfg := server.DefaultConfig()
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.StoreURL = storeURL
	cfg.AdminPassword = "admin-secret-1"
	cfg.BcryptCost = bcrypt.MinCost
	lc := &largeConsole{}
	cfg.Console = func(s *server.Server) (http.Handler, error) {
		lb.Server = s
		c, err := New(lb, Options{})
		lc.c = c
		return c, err
	}
	s, err := server.New(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	lc.h = s.Handler()
	r := httptest.NewRequest(http.MethodPost, "/ui/signin", nil)
	r.RemoteAddr = "127.0.0.1:1"
	client, err := s.SignIn(r, "admin", cfg.AdminPassword)
	if err != nil {
		b.Fatal(err)
	}
	sess, err := lc.c.sess.create("admin", client)
	if err != nil {
		b.Fatal(err)
	}
	lc.cookie = sess.id
	lc.snap = s.Live().Current()
	lc.user = clients[17].Name
	a, _ := lc.snap.Policy.Application(lc.snap.Checker.Application())
	for _, t := range a.Tasks {
		if t.RoleDefinition {
			lc.role = t.Name
			break
		}
	}
	for _, sc := range a.Scopes {
		if len(sc.Roles) > 0 {
			lc.scope, lc.assign = sc.Name, sc.Roles[0].Name
			break
		}
	}
	return lc
}

func (lc *largeConsole) get(b *testing.B, path string) {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr = "127.0.0.1:1"
	r.AddCookie(&http.Cookie{Name: cookieName, Value: lc.cookie})
	w := httptest.NewRecorder()
	lc.h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %.300s", path, w.Code, w.Body.String())
	}
}

// BenchmarkConsole_LargePolicy renders every page on the large policy,
// server-side (through the server's handler, from the request to the
// last byte of HTML).
func BenchmarkConsole_LargePolicy(b *testing.B) {
	lc := startLarge(b)
	q := url.QueryEscape
	pages := []struct{ name, path string }{
		{"store", "/ui/policy?level=store"},
		{"application", "/ui/policy"},
		{"application_page20", "/ui/policy?page=20"},
		{"scope", "/ui/policy?scope=" + q(lc.scope)},
		{"role_definition", "/ui/object?kind=role-definitions&name=" + q(lc.role)},
		{"role_assignment", "/ui/object?kind=role-assignments&scope=" + q(lc.scope) + "&name=" + q(lc.assign)},
		{"new_role_assignment", "/ui/object?kind=role-assignments&scope=" + q(lc.scope)},
		{"users", "/ui/access?page=100"},
		{"users_search", "/ui/access?q=u0999"},
		{"grid", "/ui/access?subject=" + q(lc.user)},
		{"grid_page20", "/ui/access?page=20&subject=" + q(lc.user)},
		{"explain", "/ui/explain?subject=" + q(lc.user) + "&scope=" + q(lc.scope) + "&op=309"},
		{"whocan", "/ui/whocan?op=300&scope=" + q(lc.scope)},
		{"whatif_empty", "/ui/whatif"},
		{"engine", "/ui/engine"},
		{"audit", "/ui/audit"},
	}
	for _, pg := range pages {
		b.Run(pg.name, func(b *testing.B) {
			b.ReportAllocs()
			clk := startCPU()
			for b.Loop() {
				lc.get(b, pg.path)
			}
			clk.report(b)
		})
	}
}

// BenchmarkConsole_GridAllScopes decides and lays out one user's grid over
// the default scope and all 1,000 scopes.
func BenchmarkConsole_GridAllScopes(b *testing.B) {
	lc := startLarge(b)
	scopes := scopeList(lc.snap, "")
	r := httptest.NewRequest(http.MethodGet, "/ui/access?subject="+url.QueryEscape(lc.user), nil)
	subj, err := lc.c.subjectOf(context.Background(), r)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	clk := startCPU()
	for b.Loop() {
		_, rows, err := gridRows(context.Background(), lc.snap, subj, scopes)
		if err != nil || len(rows) != len(scopes) {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
	clk.report(b)
	b.ReportMetric(float64(len(scopes)), "scopes")
}

// BenchmarkConsole_WhatIfOneEdit renders the what-if page with one staged
// edit (a role definition assigned to a user in a scope) against the
// large policy: apply and validate the edit, compile, compare the 10,000
// users and every principal and application group.
func BenchmarkConsole_WhatIfOneEdit(b *testing.B) {
	lc := startLarge(b)
	doc := &api.RoleAssignment{Name: "Bench Operators", RoleDefinitions: []string{lc.role},
		Operations: []string{}, Members: []string{lc.user}, Groups: []string{}}
	edit, err := server.EditObject(policy.Location{App: lc.snap.Checker.Application(), Scope: lc.scope}, policy.KindRole, "", doc)
	if err != nil {
		b.Fatal(err)
	}
	sess := lc.c.sess.byID[lc.cookie]
	if err := lc.c.stageEdit(sess, lc.snap.Revision, lc.snap.Policy, stagedEdit{What: "bench", apply: edit}); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	lc.get(b, "/ui/whatif")
	b.Logf("first what-if: %s", time.Since(start))
	b.ReportAllocs()
	clk := startCPU()
	for b.Loop() {
		lc.get(b, "/ui/whatif")
	}
	clk.report(b)

}

// cpuClock measures the process's CPU time (user and system) over a
// benchmark, as authz's benchmarks do: on a shared machine the wall time
// per operation says more about the neighbours than about the code.
type cpuClock struct{ start time.Duration }

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{start: processCPU()} }

// report adds a cpu-ms/op metric.
func (c cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(processCPU()-c.start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}
