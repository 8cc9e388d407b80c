package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/console"
	"github.com/azgate/azgate/directory/localdir"
	"github.com/azgate/azgate/server"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the screenshots of docs/console.md (docs/console/*.png)")

const chromiumPath = "/usr/bin/chromium"

const (
	adminPass = "admin-secret-1"
	bobPass   = "bob-secret-22"
	ritaPass  = "rita-secret-3"
	app       = "Hyper-V services"
)

// testServer is a real azgate server (server.New + Serve on a loopback
// listener) with the console mounted, as `azgate serve` runs it.
type testServer struct {
	base, store, data string
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	dir := t.TempDir()
	ts := &testServer{store: filepath.Join(dir, "store.xml"), data: filepath.Join(dir, "data")}
	cfg := server.DefaultConfig()
	cfg.DataDir = ts.data
	cfg.StoreURL = "msxml://" + ts.store
	cfg.CreateStore = true
	cfg.AdminPassword = adminPass
	cfg.BcryptCost = bcrypt.MinCost
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.Console = console.Handler
	ctx, cancel := context.WithCancel(context.Background())
	// Users of the scenario, in the directory the server will serve.
	if err := os.MkdirAll(ts.data, 0o700); err != nil {
		t.Fatal(err)
	}
	d, err := localdir.Open(ctx, filepath.Join(ts.data, server.DirectoryFile), localdir.WithBcryptCost(bcrypt.MinCost))
	if err != nil {
		t.Fatal(err)
	}
	for u, p := range map[string]string{"bob": bobPass, "rita": ritaPass} {
		if err := d.AddUser(ctx, u, p); err != nil {
			t.Fatal(err)
		}
	}
	d.Close()
	s, err := server.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("server.New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		s.Close()
		t.Fatal(err)
	}
	ts.base = "http://" + ln.Addr().String()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ts
}

// api calls the JSON API as the administrator.
func (ts *testServer) api(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, ts.base+path, rd)
	req.SetBasicAuth("admin", adminPass)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != http.MethodGet && strings.HasPrefix(path, "/v1/policy") {
		req.Header.Set("If-Match", ts.etag(t))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func (ts *testServer) etag(t *testing.T) string {
	req, _ := http.NewRequest(http.MethodGet, ts.base+"/v1/policy", nil)
	req.SetBasicAuth("admin", adminPass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("ETag")
}

func (ts *testServer) mustAPI(t *testing.T, method, path string, body any) {
	t.Helper()
	if st, out := ts.api(t, method, path, body); st >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, st, out)
	}
}

// buildCLI builds the azgate binary for the edits "from the CLI".
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "azgate")
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the CLI: %v", err)
	}
	out, err := exec.Command(goBin, "build", "-o", bin, "github.com/azgate/azgate/cmd/azgate").CombinedOutput()
	if err != nil {
		t.Fatalf("go build azgate: %v\n%s", err, out)
	}
	return bin
}

func (ts *testServer) cli(t *testing.T, bin string, args ...string) {
	t.Helper()
	args = append([]string{"--store", "msxml://" + ts.store, "--audit-log", filepath.Join(ts.data, server.AuditFile)}, args...)
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("azgate %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// browser starts Debian's headless Chromium with a fresh profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no %s (apt-get install chromium chromium-driver): %v", chromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	// The first call starts the browser, on a context without a deadline.
	if err := chromedp.Do(ctx); err != nil {
		cancelC()
		cancelA()
		t.Fatalf("start chromium: %v", err)
	}
	tctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return tctx
}

type page struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func (p *page) run(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

func (p *page) open(path string) {
	p.t.Helper()
	p.run(chromedp.Navigate(p.base+path), chromedp.WaitReady(css("body")))
}

// css is a CSS selector.
func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// js evaluates an expression (awaiting a promise).
func js[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("browser: %s: %v", expr, err)
	}
	return v
}

func (p *page) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(css(sel)))
	if err != nil {
		p.t.Fatalf("browser: text of %s: %v", sel, err)
	}
	return s
}

func (p *page) exists(sel string) bool {
	p.t.Helper()
	return js[bool](p, fmt.Sprintf("document.querySelector(%q) !== null", sel))
}

func (p *page) signIn(user, pass string) {
	p.t.Helper()
	p.open("/ui/signin")
	p.run(chromedp.SendKeys(css("#user"), user), chromedp.SendKeys(css("#password"), pass),
		chromedp.Click(css("#signin button[type=submit]")), chromedp.WaitVisible(css("header nav")))
}

func (p *page) signOut() {
	p.t.Helper()
	p.run(chromedp.Click(css(".who form button")), chromedp.WaitVisible(css("#signin")))
}

// shot saves a full-page screenshot for the docs with -update-screenshots.
func (p *page) shot(name string) {
	p.t.Helper()
	if !*updateScreenshots {
		return
	}
	buf, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(filepath.Join("..", "docs", "console"), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "docs", "console", name+".png"), buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// post submits a form body with fetch, as a forged request from the
// signed-in page would, and returns the status.
func (p *page) post(path, body string) int {
	p.t.Helper()
	return js[int](p, fmt.Sprintf(`fetch(%q, {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: %q}).then(r => r.status)`,
		path, body))
}

// grantedIn lists the operations the grid shows allowed in a scope.
func (p *page) grantedIn(scope string) []string {
	p.t.Helper()
	return js[[]string](p, fmt.Sprintf(`Array.from(document.querySelectorAll('#grid tr[data-scope=%q] td.yes a')).map(a => a.title)`, scope))
}

func (p *page) revision() string {
	p.t.Helper()
	return js[string](p, `document.body.dataset.revision`)
}

// TestConsole_ResourceKitScenario walks the scenario in a real
// browser against a real server.
func TestConsole_ResourceKitScenario(t *testing.T) {
	ctx := browser(t)
	ts := startServer(t)
	bin := buildCLI(t)
	p := &page{t: t, ctx: ctx, base: ts.base}

	// The setting, through the API: scope Lab, a VM in it, rita a Policy Reader.
	ts.mustAPI(t, http.MethodPost, "/v1/policy/scopes", api.Scope{Name: "Lab", Description: "Lab virtual machines"})
	ts.mustAPI(t, http.MethodPost, "/v1/policy/role-assignments/Policy%20Reader/links?app=azgate", api.Link{Relation: "member", Target: "rita"})
	ts.mustAPI(t, http.MethodPost, "/v1/vms", map[string]any{"name": "lab-vm", "memoryMB": 1024, "processors": 1, "scope": "Lab"})

	// Signing in; a page without a session goes to the form.
	p.open("/ui/policy")
	if !p.exists("#signin") {
		t.Fatal("an unauthenticated page view did not show the sign-in form")
	}
	p.shot("signin")
	p.signIn("admin", adminPass)
	p.open("/ui/policy")
	p.shot("policy")

	// bob before: nothing in Lab.
	p.open("/ui/access?subject=bob&kind=user")
	if got := p.grantedIn("Lab"); len(got) != 0 {
		t.Fatalf("bob's grid in Lab before: %v, want nothing", got)
	}

	// A role definition, from the form.
	p.open("/ui/object?kind=role-definitions")
	p.run(chromedp.SendKeys(css("#f-name"), "Lab Operator"),
		chromedp.SendKeys(css("#f-description"), "Runs the lab's VMs"),
		chromedp.Click(css(`input[name=operations][value="Start Virtual Machine"]`)),
		chromedp.Click(css(`input[name=operations][value="View Virtual Machine Configuration"]`)))
	p.shot("role-definition")
	p.run(chromedp.Click(css("#save")), chromedp.WaitVisible(css("#flash")))
	if f := p.text("#flash"); !strings.Contains(f, "Lab Operator") {
		t.Fatalf("flash after saving: %q", f)
	}

	// A duplicate name is shown next to the name field.
	p.open("/ui/object?kind=role-definitions")
	p.run(chromedp.SendKeys(css("#f-name"), "Lab Operator"), chromedp.Click(css("#save")),
		chromedp.WaitVisible(css("#err-name")))
	if e := p.text("#err-name"); !strings.Contains(e, "exists") {
		t.Fatalf("duplicate name error: %q", e)
	}

	// The assignment to bob in Lab, staged: what-if shows exactly that change.
	p.open("/ui/object?kind=role-assignments&scope=Lab")
	p.run(chromedp.SendKeys(css("#f-name"), "Lab Operators"),
		chromedp.Click(css(`input[name=roleDefinitions][value="Lab Operator"]`)),
		chromedp.SendKeys(css("#f-members"), "bob"),
		chromedp.Click(css("#stage")), chromedp.WaitVisible(css("#summary")))
	changes := js[[]string](p, `Array.from(document.querySelectorAll('#changes tbody tr')).map(tr => Array.from(tr.cells).map(c => c.innerText.trim()).join(' | ')).sort()`)
	want := []string{
		"bob (user) | Lab | Start Virtual Machine | granted | Lab Operators",
		"bob (user) | Lab | View Virtual Machine Configuration | granted | Lab Operators",
	}
	if strings.Join(changes, "\n") != strings.Join(want, "\n") {
		t.Fatalf("what-if changes:\n%s\nwant:\n%s", strings.Join(changes, "\n"), strings.Join(want, "\n"))
	}
	p.shot("whatif")
	// Nothing is saved yet.
	p.open("/ui/access?subject=bob&kind=user")
	if got := p.grantedIn("Lab"); len(got) != 0 {
		t.Fatalf("bob's grid in Lab while staged: %v, want nothing", got)
	}
	p.open("/ui/whatif")
	p.run(chromedp.Click(css("#save-staged")), chromedp.WaitVisible(css("#flash")))

	// bob's grid changed, and a cell explains itself.
	p.open("/ui/access?subject=bob&kind=user&q=Lab")
	got := p.grantedIn("Lab")
	if len(got) != 2 || !strings.Contains(got[0]+got[1], "Start Virtual Machine") {
		t.Fatalf("bob's grid in Lab after: %v, want Start and View configuration", got)
	}
	p.shot("effective-access")
	p.run(chromedp.Click(css(`#grid tr[data-scope="Lab"] td.yes a[title^="Start Virtual Machine"]`)),
		chromedp.WaitVisible(css("#verdict")))
	if path := p.text("#path"); !strings.Contains(path, "Lab Operators") || !strings.Contains(path, "Lab Operator") {
		t.Fatalf("explain path: %q", path)
	}
	p.shot("explain")
	p.open("/ui/whocan?op=Start+Virtual+Machine&scope=Lab")
	if w := p.text("#principals"); !strings.Contains(w, "bob") {
		t.Fatalf("who can start VMs in Lab: %q", w)
	}

	// Live: a change from the CLI shows up without a reload.
	p.open("/ui/policy")
	ts.cli(t, bin, "scope", "create", "Staging")
	p.run(chromedp.WaitVisible(chromedp.Search(`//table[@id="scopes"]//a[text()="Staging"]`)))

	// A conflicting edit from the CLI is shown, with a way to reload.
	p.open("/ui/object?kind=role-definitions&name=Lab+Operator")
	before := p.revision()
	ts.cli(t, bin, "role-def", "add-op", "Lab Operator", "Stop Virtual Machine")
	p.run(chromedp.WaitVisible(css("#live-reload")))
	p.run(chromedp.SetValue(css("#f-description"), "Runs and watches the lab's VMs"),
		chromedp.Click(css("#save")), chromedp.WaitVisible(css("#form-error")))
	if e := p.text("#form-error"); !strings.Contains(e, "Another writer changed the policy") || !strings.Contains(e, "revision "+before) {
		t.Fatalf("conflict: %q", e)
	}
	if !p.exists("#reload") {
		t.Fatal("a conflict offers no reload")
	}
	p.shot("conflict")
	p.run(chromedp.Click(css("#reload")), chromedp.WaitVisible(css("#object-form")))
	checked := js[bool](p, `document.querySelector('input[name=operations][value="Stop Virtual Machine"]').checked`)
	if !checked {
		t.Fatal("after reload the form does not show the CLI's edit")
	}

	// The audit page finds the console's policy changes.
	p.open("/ui/audit?type=policy_change&user=admin&operation=Lab+Operator")
	if a := p.text("#audit"); !strings.Contains(a, "Lab Operator") {
		t.Fatalf("audit: %q", a)
	}
	p.shot("audit")
	p.signOut()

	// A Policy Reader sees the pages without edit controls; a forged POST is refused.
	p.signIn("rita", ritaPass)
	p.open("/ui/policy")
	if p.exists("#new-links") || !p.exists("#read-only") {
		t.Fatal("the reader's policy page shows edit controls")
	}
	p.open("/ui/object?kind=role-definitions&name=Lab+Operator")
	if p.exists("#object-form") || !p.exists("#object-view") {
		t.Fatal("the reader's object page shows a form")
	}
	p.shot("reader")
	rev := p.revision()
	if st := p.post("/ui/object", "base="+rev+"&kind=role-definitions&action=save&name=Forged"); st != http.StatusForbidden {
		t.Fatalf("a reader's forged POST: %d, want 403", st)
	}
	if st := p.post("/ui/object", "base="+rev+"&kind=role-definitions&old=Lab+Operator&action=delete"); st != http.StatusForbidden {
		t.Fatalf("a reader's forged delete: %d, want 403", st)
	}
	p.signOut()

	// bob: no access to the policy; his VM with the action he lacks disabled.
	p.signIn("bob", bobPass)
	p.open("/ui/policy")
	if !p.exists("#noaccess") {
		t.Fatal("bob sees the policy")
	}
	p.open("/ui/engine")
	del := `tr[data-vm="lab-vm"] button[data-action="DeleteVM"]`
	disabled := js[bool](p, fmt.Sprintf(`document.querySelector(%q).disabled`, del))
	if !disabled {
		t.Fatal("Delete is not disabled for bob")
	}
	if why := p.text(`tr[data-vm="lab-vm"] .why`); !strings.Contains(why, "Delete Virtual Machine") {
		t.Fatalf("disabled Delete says %q, want the operation", why)
	}
	p.shot("engine")
	if st := p.post("/ui/engine", "kind=vm&name=lab-vm&action=DeleteVM"); st != http.StatusForbidden {
		t.Fatalf("bob's forced delete: %d, want 403", st)
	}
	p.run(chromedp.Click(css(`tr[data-vm="lab-vm"] button[data-action="StartVM"]`)), chromedp.WaitVisible(css("#flash")))
	if st := p.text(`tr[data-vm="lab-vm"] td:nth-child(2)`); st != "Running" {
		t.Fatalf("lab-vm after Start: %q", st)
	}
	p.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	p.open("/ui/engine")
	p.shot("engine-phone")
	p.run(chromedp.ResetViewport())
	p.signOut()

	// A cross-site form post is refused, session cookie or not.
	p.signIn("admin", adminPass)
	rev = p.revision()
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><form id="f" method="post" action="%s/ui/object">
<input name="base" value="%s"><input name="kind" value="role-definitions"><input name="action" value="save">
<input name="name" value="Planted"></form><script>document.getElementById("f").submit()</script>`, ts.base, rev)
	}))
	defer evil.Close()
	p.run(chromedp.Navigate(evil.URL), chromedp.WaitReady(css("body")))
	deadline := time.Now().Add(10 * time.Second)
	var body string
	for time.Now().Before(deadline) {
		body = js[string](p, `location.href.startsWith(`+fmt.Sprintf("%q", ts.base)+`) ? document.body.innerText : ""`)
		if body != "" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(body, "cross-origin request refused") {
		t.Fatalf("cross-site form post answered %q", body)
	}
	p.open("/ui/object?kind=role-definitions&name=Planted")
	if !p.exists("#error") {
		t.Fatal("the cross-site post created a role definition")
	}
}
