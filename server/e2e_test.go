package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/internal/testproc"
	"github.com/azgate/azgate/policies"
)

// The end-to-end tests run the real azgate binary: `azgate serve` as a
// process on a loopback port, `azgate user`/`azgate group` for the
// directory.

// azgateBinary builds cmd/azgate once per test run.
func azgateBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the azgate binary; skipped with -short")
	}
	return testproc.Binary(t)
}

func TestMain(m *testing.M) { testproc.Main(m) }

// installation is a store file and data directory the processes share.
type installation struct {
	t       *testing.T
	bin     string
	dir     string
	store   string // msxml://...
	dataDir string
}

// newBookInstallation writes the book's roles, as shipped, as the store. The
// book names its members CONTOSO\HV-Monitors and so on; the server runs with
// --local-domain CONTOSO so that local groups of those names match.
func newBookInstallation(t *testing.T) *installation {
	t.Helper()
	in := &installation{t: t, bin: azgateBinary(t), dir: t.TempDir()}
	in.dataDir = filepath.Join(in.dir, "data")
	path := filepath.Join(in.dir, "book.xml")
	if err := os.WriteFile(path, policies.BookRoles(), 0o600); err != nil {
		t.Fatal(err)
	}
	in.store = "msxml://" + path
	return in
}

// cli runs an azgate command against the installation and returns stdout.
func (in *installation) cli(env []string, args ...string) string {
	in.t.Helper()
	cmd := exec.Command(in.bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = in.dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		in.t.Fatalf("azgate %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// process is a running `azgate serve`.
type process struct{ *testproc.Process }

// serve starts `azgate serve` on 127.0.0.1:0 and waits until /healthz
// answers. The process is killed at cleanup if still running.
func (in *installation) serve() *process {
	in.t.Helper()
	return in.serveWith(nil, "--local-domain", "CONTOSO")
}

// serveWith starts `azgate serve` with extra environment variables and
// arguments.
func (in *installation) serveWith(env []string, extra ...string) *process {
	in.t.Helper()
	args := append([]string{"serve", "--store", in.store, "--data-dir", in.dataDir,
		"--listen", "127.0.0.1:0", "--log-level", "warn", "--shutdown-timeout", "5s"}, extra...)
	return &process{testproc.Serve(in.t, in.bin, testproc.Options{
		Env: append([]string{"AZGATE_ADMIN_PASSWORD=" + testAdminPassword}, env...), Dir: in.dir}, args...)}
}

func (p *process) do(t *testing.T, c cred, method, path string, body any, headers ...string) response {
	t.Helper()
	return doReq(t, p.Base, c, method, path, body, headers...)
}

// denied asserts a 403 naming the operation.
func denied(t *testing.T, r response, op, what string) {
	t.Helper()
	want(t, r, http.StatusForbidden, what)
	var e api.ErrorBody
	r.json(t, &e)
	if e.Error.Code != api.CodeAccessDenied || e.Error.Operation != op || !strings.Contains(e.Error.Message, op) {
		t.Fatalf("%s: denial %+v, want one naming %q", what, e.Error, op)
	}
}

func listedNames[T any](t *testing.T, r response, name func(T) string) []string {
	t.Helper()
	var l api.Listing[T]
	r.json(t, &l)
	out := []string{}
	for _, it := range l.Items {
		out = append(out, name(it))
	}
	return out
}

type vmDoc struct {
	Name      string `json:"name"`
	Scope     string `json:"scope"`
	StateName string `json:"stateName"`
}

func vmNames(t *testing.T, r response) []string {
	return listedNames(t, r, func(v vmDoc) string { return v.Name })
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[strings.ToLower(s)]++
	}
	for _, s := range b {
		m[strings.ToLower(s)]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

// TestE2E_ResourceKitScenarios walks the Hyper-V Resource Kit's delegation
// scenarios through the real server process.
func TestE2E_ResourceKitScenarios(t *testing.T) {
	in := newBookInstallation(t)
	// Every route sees a wrong password from one address: lift the failed
	// login budgets (TestServer_FailedLoginsRateLimited tests them).
	p := in.serveWith(nil, "--local-domain", "CONTOSO",
		"--login-failures-per-client", "1000000", "--login-failures-per-account", "1000000")
	pw := []string{"AZGATE_PASSWORD=user-pw-1"}
	dd := "--data-dir=" + in.dataDir
	for _, g := range []string{"HV-Monitors", "HV-NetAdmins", "HV-Managers", "Lab-Staff", "Contractors"} {
		in.cli(nil, "group", "add", g, dd)
	}
	for u, groups := range map[string][]string{
		"monitor": {"HV-Monitors"}, "netadmin": {"HV-NetAdmins"}, "labop": {"Lab-Staff"},
		"contractor": {"Lab-Staff", "Contractors"}, "outsider": nil,
	} {
		in.cli(pw, "user", "add", u, dd)
		for _, g := range groups {
			in.cli(nil, "group", "add-member", g, u, dd)
		}
	}
	if out := in.cli(nil, "group", "list", dd); !strings.Contains(out, "contractor") || !strings.Contains(out, "Lab-Staff") {
		t.Fatalf("group list:\n%s", out)
	}
	user := func(name string) cred { return cred{user: name, pass: "user-pw-1"} }
	monitor, netadmin, labop, contractor, outsider := user("monitor"), user("netadmin"), user("labop"), user("contractor"), user("outsider")

	// The administrator builds the estate.
	for _, vm := range []map[string]any{
		{"name": "web1", "memoryMB": 1024, "processors": 2, "networkAdapters": []string{"nic0"}},
		{"name": "lab1", "memoryMB": 512, "processors": 1, "scope": "Lab", "networkAdapters": []string{"nic0"}},
		{"name": "lab2", "memoryMB": 512, "processors": 1, "scope": "Lab"},
	} {
		want(t, p.do(t, admin, http.MethodPost, "/v1/vms", vm), http.StatusCreated, "admin creates VM")
	}
	want(t, p.do(t, admin, http.MethodPost, "/v1/switches", map[string]any{"name": "Public"}), http.StatusCreated, "admin creates switch")
	want(t, p.do(t, admin, http.MethodPost, "/v1/switch-ports", map[string]any{"name": "p1", "switch": "Public"}), http.StatusCreated, "admin creates port")
	want(t, p.do(t, admin, http.MethodPost, "/v1/switch-ports/p1/connect", map[string]any{"vm": "web1", "adapter": "nic0"}), http.StatusOK, "admin connects port")
	want(t, p.do(t, admin, http.MethodPost, "/v1/internal-ports", map[string]any{"name": "host0"}), http.StatusCreated, "admin creates internal port")

	t.Run("monitor views everything and changes nothing", func(t *testing.T) {
		if got := vmNames(t, p.do(t, monitor, http.MethodGet, "/v1/vms", nil)); !sameSet(got, []string{"web1", "lab1", "lab2"}) {
			t.Errorf("monitor sees VMs %v", got)
		}
		for _, path := range []string{"/v1/vms/lab1", "/v1/vms/web1/console", "/v1/switches", "/v1/switches/Public",
			"/v1/switch-ports", "/v1/switch-ports/p1", "/v1/switch-ports/p1/vlan", "/v1/internal-ports",
			"/v1/external-ports", "/v1/lan-endpoints", "/v1/service", "/v1/service/switch-service"} {
			want(t, p.do(t, monitor, http.MethodGet, path, nil), http.StatusOK, "monitor GET "+path)
		}
		changes := []struct {
			method, path string
			body         any
			op           string
		}{
			{http.MethodPost, "/v1/vms/web1/start", nil, "Start Virtual Machine"},
			{http.MethodPost, "/v1/vms", map[string]any{"name": "m", "memoryMB": 512, "processors": 1}, "Create Virtual Machine"},
			{http.MethodDelete, "/v1/vms/lab1", nil, "Delete Virtual Machine"},
			{http.MethodPatch, "/v1/vms/web1", map[string]any{"notes": "x"}, "Reconfigure Virtual Machine"},
			{http.MethodPost, "/v1/vms/web1/console", map[string]any{"text": "hi"}, "Allow Input to Virtual Machine"},
			{http.MethodPut, "/v1/vms/lab1/scope", map[string]any{"scope": ""}, "Change Virtual Machine Authorization Scope"},
			{http.MethodPost, "/v1/vms/web1/snapshots", map[string]any{"name": "s"}, "Allow Virtual Machine Snapshot"},
			{http.MethodPost, "/v1/switches", map[string]any{"name": "S2"}, "Create Virtual Switch"},
			{http.MethodPatch, "/v1/switches/Public", map[string]any{"notes": "x"}, "Modify Switch Settings"},
			{http.MethodDelete, "/v1/switch-ports/p1", nil, "Delete Virtual Switch Port"},
			{http.MethodPut, "/v1/switch-ports/p1/vlan", map[string]any{"accessVlanId": 7}, "Change VLAN Configuration on Port"},
			{http.MethodPost, "/v1/switch-ports/p1/disconnect", nil, "Disconnect Virtual Switch Port"},
			{http.MethodPost, "/v1/internal-ports", map[string]any{"name": "h9"}, "Create Internal Ethernet Port"},
			{http.MethodPut, "/v1/switches/Public/external", map[string]any{"interface": "lo"}, "Bind External Ethernet Port"},
			{http.MethodPatch, "/v1/service", map[string]any{"consoleBufferBytes": 4096}, "Reconfigure Service"},
		}
		for _, c := range changes {
			denied(t, p.do(t, monitor, c.method, c.path, c.body), c.op, "monitor "+c.method+" "+c.path)
		}
	})

	t.Run("network manager manages switches and ports, not VMs", func(t *testing.T) {
		steps := []struct {
			method, path string
			body         any
			status       int
		}{
			{http.MethodPost, "/v1/switches", map[string]any{"name": "Backbone"}, http.StatusCreated},
			{http.MethodPatch, "/v1/switches/Backbone", map[string]any{"notes": "core"}, http.StatusOK},
			{http.MethodPost, "/v1/switch-ports", map[string]any{"name": "b1", "switch": "Backbone"}, http.StatusCreated},
			{http.MethodPut, "/v1/switch-ports/b1/vlan", map[string]any{"accessVlanId": 42}, http.StatusOK},
			{http.MethodPost, "/v1/internal-ports", map[string]any{"name": "host1"}, http.StatusCreated},
			{http.MethodPost, "/v1/switch-ports/b1/connect", map[string]any{"internalPort": "host1"}, http.StatusOK},
			{http.MethodGet, "/v1/lan-endpoints", nil, http.StatusOK},
			{http.MethodPost, "/v1/switch-ports/b1/disconnect", nil, http.StatusOK},
			{http.MethodPut, "/v1/switches/Backbone/external", map[string]any{"interface": "lo"}, http.StatusOK},
			{http.MethodDelete, "/v1/switches/Backbone/external", nil, http.StatusOK},
			{http.MethodDelete, "/v1/switch-ports/b1", nil, http.StatusNoContent},
			{http.MethodDelete, "/v1/internal-ports/host1", nil, http.StatusNoContent},
			{http.MethodDelete, "/v1/switches/Backbone", nil, http.StatusNoContent},
			{http.MethodGet, "/v1/service", nil, http.StatusOK},
		}
		for _, s := range steps {
			want(t, p.do(t, netadmin, s.method, s.path, s.body), s.status, "netadmin "+s.method+" "+s.path)
		}
		if got := vmNames(t, p.do(t, netadmin, http.MethodGet, "/v1/vms", nil)); len(got) != 0 {
			t.Errorf("network manager sees VMs %v", got)
		}
		denied(t, p.do(t, netadmin, http.MethodPost, "/v1/vms", map[string]any{"name": "n", "memoryMB": 512, "processors": 1}),
			"Create Virtual Machine", "netadmin creates VM")
		denied(t, p.do(t, netadmin, http.MethodPost, "/v1/vms/web1/start", nil), "Start Virtual Machine", "netadmin starts VM")
		denied(t, p.do(t, netadmin, http.MethodPatch, "/v1/service", map[string]any{"consoleBufferBytes": 4096}), "Reconfigure Service", "netadmin reconfigures service")
	})

	t.Run("VM manager of Lab runs Lab VMs and sees no others", func(t *testing.T) {
		if got := vmNames(t, p.do(t, labop, http.MethodGet, "/v1/vms", nil)); !sameSet(got, []string{"lab1", "lab2"}) {
			t.Errorf("Lab VM manager sees %v", got)
		}
		r := p.do(t, labop, http.MethodPost, "/v1/vms/lab1/start", nil)
		want(t, r, http.StatusOK, "labop starts lab1")
		var v vmDoc
		r.json(t, &v)
		if v.StateName != "Running" {
			t.Errorf("lab1 after start: %+v", v)
		}
		want(t, p.do(t, labop, http.MethodPost, "/v1/vms/lab1/console", map[string]any{"text": "dir C:\\"}), http.StatusNoContent, "labop types")
		r = p.do(t, labop, http.MethodGet, "/v1/vms/lab1/console", nil)
		want(t, r, http.StatusOK, "labop reads console")
		if !strings.Contains(string(r.body), `dir C:\\`) {
			t.Errorf("console does not show the input: %s", r.body)
		}
		want(t, p.do(t, labop, http.MethodPost, "/v1/vms/lab1/pause", nil), http.StatusOK, "labop pauses")
		want(t, p.do(t, labop, http.MethodPost, "/v1/vms/lab1/resume", nil), http.StatusOK, "labop resumes")
		want(t, p.do(t, labop, http.MethodPost, "/v1/vms/lab1/stop", nil), http.StatusOK, "labop stops")
		denied(t, p.do(t, labop, http.MethodGet, "/v1/vms/web1", nil), "View Virtual Machine Configuration", "labop views web1")
		denied(t, p.do(t, labop, http.MethodPost, "/v1/vms/web1/start", nil), "Start Virtual Machine", "labop starts web1")
		denied(t, p.do(t, labop, http.MethodDelete, "/v1/vms/lab2", nil), "Delete Virtual Machine", "labop deletes lab2")
		denied(t, p.do(t, labop, http.MethodPost, "/v1/vms", map[string]any{"name": "l3", "memoryMB": 512, "processors": 1, "scope": "Lab"}),
			"Create Virtual Machine", "labop creates in Lab")
		denied(t, p.do(t, labop, http.MethodGet, "/v1/switches/Public", nil), "View Switches", "labop views switch")
		// A contractor on the lab staff is a non-member of Lab Operators.
		if got := vmNames(t, p.do(t, contractor, http.MethodGet, "/v1/vms", nil)); len(got) != 0 {
			t.Errorf("contractor sees %v", got)
		}
		denied(t, p.do(t, contractor, http.MethodPost, "/v1/vms/lab1/start", nil), "Start Virtual Machine", "contractor starts lab1")
		// Someone without any role sees nothing and may do nothing.
		if got := vmNames(t, p.do(t, outsider, http.MethodGet, "/v1/vms", nil)); len(got) != 0 {
			t.Errorf("outsider sees %v", got)
		}
		denied(t, p.do(t, outsider, http.MethodGet, "/v1/service", nil), "Read Service Configuration", "outsider reads service")
	})

	t.Run("administrator does everything", func(t *testing.T) {
		steps := []struct {
			method, path string
			body         any
			status       int
		}{
			{http.MethodPost, "/v1/vms/web1/start", nil, http.StatusOK},
			{http.MethodPost, "/v1/vms/web1/console", map[string]any{"text": "hello"}, http.StatusNoContent},
			{http.MethodPost, "/v1/vms/web1/save", nil, http.StatusOK},
			{http.MethodPost, "/v1/vms/web1/snapshots", map[string]any{"name": "before"}, http.StatusCreated},
			{http.MethodGet, "/v1/vms/web1/snapshots", nil, http.StatusOK},
			{http.MethodPost, "/v1/vms/web1/snapshots/before/apply", nil, http.StatusOK},
			{http.MethodDelete, "/v1/vms/web1/snapshots/before", nil, http.StatusNoContent},
			{http.MethodPut, "/v1/vms/lab2/scope", map[string]any{"scope": ""}, http.StatusOK},
			{http.MethodPatch, "/v1/vms/lab2", map[string]any{"notes": "moved out of the lab"}, http.StatusOK},
			{http.MethodDelete, "/v1/vms/lab2", nil, http.StatusNoContent},
			{http.MethodPut, "/v1/switch-ports/p1/vlan", map[string]any{"accessVlanId": 10}, http.StatusOK},
			{http.MethodPatch, "/v1/switch-ports/p1", map[string]any{"notes": "uplink"}, http.StatusOK},
			{http.MethodPatch, "/v1/internal-ports/host0", map[string]any{"notes": "mgmt"}, http.StatusOK},
			{http.MethodPatch, "/v1/service", map[string]any{"consoleBufferBytes": 4096}, http.StatusOK},
			{http.MethodGet, "/v1/service/switch-service", nil, http.StatusOK},
		}
		for _, s := range steps {
			want(t, p.do(t, admin, s.method, s.path, s.body), s.status, "admin "+s.method+" "+s.path)
		}
		if got := vmNames(t, p.do(t, labop, http.MethodGet, "/v1/vms", nil)); !sameSet(got, []string{"lab1"}) {
			t.Errorf("after the move the Lab VM manager sees %v", got)
		}
	})

	t.Run("check endpoint over HTTP answers for the book's principals", func(t *testing.T) {
		r := p.do(t, admin, http.MethodPost, "/v1/check", map[string]any{"checks": []any{
			map[string]any{"user": "monitor", "resolve": true, "scope": "Lab", "operations": []any{"View Virtual Machine Configuration", "Start Virtual Machine"}},
			map[string]any{"user": "labop", "resolve": true, "scope": "Lab", "operations": []any{307}},
			map[string]any{"user": "contractor", "resolve": true, "scope": "Lab", "operations": []any{307}},
		}})
		want(t, r, http.StatusOK, "batch check")
		var b api.BatchCheckResponse
		r.json(t, &b)
		got := [][]bool{{b.Results[0][0].Allowed, b.Results[0][1].Allowed}, {b.Results[1][0].Allowed}, {b.Results[2][0].Allowed}}
		if fmt.Sprint(got) != "[[true false] [true] [false]]" {
			t.Errorf("batch decisions %v", got)
		}
		denied(t, p.do(t, monitor, http.MethodPost, "/v1/check", map[string]any{"user": "x", "groups": []string{}, "operations": []any{307}}),
			"Check Access", "monitor asks a check")
	})

	t.Run("every route refuses missing and wrong credentials", func(t *testing.T) {
		var spec struct {
			Paths map[string]map[string]struct {
				Security *[]any `json:"security"`
			} `json:"paths"`
		}
		p.do(t, cred{}, http.MethodGet, "/openapi.json", nil).json(t, &spec)
		n := 0
		for path, ops := range spec.Paths {
			concrete := pathVarRE.ReplaceAllString(path, "x")
			for method, op := range ops {
				if op.Security != nil && len(*op.Security) == 0 {
					continue // public
				}
				n++
				for _, c := range []cred{{}, {user: "monitor", pass: "wrong"}, {bearer: "azg_bogus"}} {
					r := p.do(t, c, strings.ToUpper(method), concrete, "{}")
					if r.status != http.StatusUnauthorized {
						t.Errorf("%s %s with %+v: %d, want 401", method, concrete, c, r.status)
					}
				}
			}
		}
		if n < 60 {
			t.Errorf("only %d authenticated routes in /openapi.json", n)
		}
	})

	p.Stop(t)
	audit, err := os.ReadFile(filepath.Join(in.dataDir, AuditFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"principal":"labop","application":"Hyper-V services","operation":"Start Virtual Machine","operation_id":307,"scope":"Lab","object":"lab1","result":"allowed"`,
		`"principal":"monitor","application":"Hyper-V services","operation":"Start Virtual Machine"`, `"type":"policy_change"`} {
		if !bytes.Contains(audit, []byte(s)) {
			t.Errorf("audit log lacks %s", s)
		}
	}
}

// TestE2E_SurvivesKill9 kills the server mid-load and checks that every
// acknowledged engine change and policy change is there after a restart.
func TestE2E_SurvivesKill9(t *testing.T) {
	in := newBookInstallation(t)
	p := in.serve()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu       sync.Mutex
		vms      []string
		scopes   []string
		wg       sync.WaitGroup
		attempts int
	)
	client := &http.Client{Timeout: 5 * time.Second}
	post := func(path string, body string, hdr ...string) (int, http.Header) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.Base+path, strings.NewReader(body))
		req.SetBasicAuth(admin.user, admin.pass)
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, nil
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, res.Header
	}
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				name := fmt.Sprintf("vm-%d-%d", w, i)
				code, _ := post("/v1/vms", fmt.Sprintf(`{"name":%q,"memoryMB":256,"processors":1,"scope":"Lab"}`, name))
				mu.Lock()
				attempts++
				if code == http.StatusCreated {
					vms = append(vms, name)
				}
				mu.Unlock()
				if code == 0 {
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // policy writer: scopes, each against the revision it read
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.Base+"/v1/policy/scopes", nil)
			req.SetBasicAuth(admin.user, admin.pass)
			res, err := client.Do(req)
			if err != nil {
				return
			}
			res.Body.Close()
			name := fmt.Sprintf("S%d", i)
			code, _ := post("/v1/policy/scopes", fmt.Sprintf(`{"name":%q}`, name), "If-Match", res.Header.Get("ETag"))
			if code == 0 {
				return
			}
			if code == http.StatusCreated {
				mu.Lock()
				scopes = append(scopes, name)
				mu.Unlock()
			}
		}
	}()
	// Let the load run, then kill -9 in the middle of it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		enough := len(vms) >= 30 && len(scopes) >= 5
		mu.Unlock()
		if enough || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.Exited()
	cancel()
	wg.Wait()
	mu.Lock()
	ackVMs, ackScopes := append([]string(nil), vms...), append([]string(nil), scopes...)
	mu.Unlock()
	if len(ackVMs) == 0 || len(ackScopes) == 0 {
		t.Fatalf("no acknowledged changes before the kill (%d VMs, %d scopes of %d attempts)", len(ackVMs), len(ackScopes), attempts)
	}
	t.Logf("killed after %d acknowledged VMs and %d scopes", len(ackVMs), len(ackScopes))

	q := in.serve()
	want(t, q.do(t, cred{}, http.MethodGet, "/readyz", nil), http.StatusOK, "ready after restart")
	have := map[string]bool{}
	for _, n := range vmNames(t, q.do(t, admin, http.MethodGet, "/v1/vms", nil)) {
		have[n] = true
	}
	for _, n := range ackVMs {
		if !have[n] {
			t.Errorf("acknowledged VM %s lost", n)
		}
	}
	r := q.do(t, admin, http.MethodGet, "/v1/policy/scopes", nil)
	want(t, r, http.StatusOK, "scopes after restart")
	haveScopes := map[string]bool{}
	for _, n := range listedNames(t, r, func(s api.Scope) string { return s.Name }) {
		haveScopes[n] = true
	}
	for _, n := range ackScopes {
		if !haveScopes[n] {
			t.Errorf("acknowledged scope %s lost", n)
		}
	}
	// The restarted server still decides with the book's roles.
	want(t, q.do(t, admin, http.MethodPost, "/v1/vms/"+ackVMs[0]+"/start", nil), http.StatusOK, "start after restart")
	q.Stop(t)
}
