package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/client"
	"github.com/azgate/azgate/directory/localdir"
	"github.com/azgate/azgate/server"
)

const adminPassword = "admin-secret-1"

// testServer is a real azgate on a loopback listener, with a fresh store
// and data directory.
type testServer struct {
	base    string
	dataDir string
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	dir := t.TempDir()
	cfg := server.DefaultConfig()
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.StoreURL = "msxml://" + filepath.Join(dir, "store.xml")
	cfg.AdminPassword = adminPassword
	cfg.BcryptCost = bcrypt.MinCost
	cfg.ShutdownTimeout = 5 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	s, err := server.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("server.New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		s.Close()
		t.Fatalf("listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return &testServer{base: "http://" + ln.Addr().String(), dataDir: cfg.DataDir}
}

// admin is a client authenticated as the first administrator.
func (ts *testServer) admin(t *testing.T, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(ts.base, append([]client.Option{client.WithBasicAuth(server.DefaultAdminUser, adminPassword)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// userToken adds a local user without any role and returns an API token
// of it.
func (ts *testServer) userToken(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	d, err := localdir.Open(ctx, filepath.Join(ts.dataDir, server.DirectoryFile), localdir.WithBcryptCost(bcrypt.MinCost))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.AddUser(ctx, name, name+"-password-1"); err != nil {
		t.Fatal(err)
	}
	tok, err := d.CreateToken(ctx, name, "test")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestNew_BadURL(t *testing.T) {
	for _, u := range []string{"", "localhost:8080", "ftp://h", "http://", "://x"} {
		if _, err := client.New(u); err == nil {
			t.Errorf("New(%q) = nil error, want one", u)
		}
	}
}

func TestClient_Decisions(t *testing.T) {
	ts := startServer(t)
	c := ts.admin(t)
	ctx := context.Background()
	admins := []string{"S-1-5-32-544"}

	one, err := c.Check(ctx, api.CheckItem{User: "alice", Groups: admins, Scope: "",
		Operations: []api.OperationRef{api.OpName("Start Virtual Machine"), api.OpID(355)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Results) != 2 || !one.Results[0].Allowed || one.Results[1].ID != 355 || one.Revision == 0 {
		t.Fatalf("Check = %+v", one)
	}

	batch, err := c.CheckBatch(ctx, []api.CheckItem{
		{User: "alice", Groups: admins, Operations: api.Ops("View Switches")},
		{User: "bob", Operations: api.Ops("View Switches", "Delete Virtual Switch")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Results) != 2 || !batch.Results[0][0].Allowed || len(batch.Results[1]) != 2 || batch.Results[1][0].Allowed {
		t.Fatalf("CheckBatch = %+v", batch)
	}

	// The application of a batch is its items' default; an item's own
	// overrides it; operations are of the item's application.
	apps, err := c.CheckBatchIn(ctx, "azgate", []api.CheckItem{
		{User: "alice", Operations: api.Ops("read policy")},
		{Application: "Hyper-V services", User: "alice", Groups: admins, Operations: []api.OperationRef{api.OpID(307)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(apps.Results) != 2 || apps.Results[0][0].Operation != "Read Policy" || apps.Results[1][0].Operation != "Start Virtual Machine" {
		t.Fatalf("CheckBatchIn = %+v", apps)
	}
	var apiErr *client.Error
	if _, err := c.Check(ctx, api.CheckItem{Application: "azgate", User: "alice", Operations: api.Ops("Start Virtual Machine")}); !errors.As(err, &apiErr) ||
		apiErr.StatusCode != http.StatusBadRequest || !strings.Contains(err.Error(), `in application "azgate"`) {
		t.Fatalf("Check of another application's operation = %v, want a 400 naming the application", err)
	}

	tests := []struct {
		name string
		item api.CheckItem
		want bool
	}{
		{"administrator", api.CheckItem{User: "alice", Groups: admins, Operations: api.Ops("Stop Virtual Machine")}, true},
		{"nobody", api.CheckItem{User: "bob", Operations: api.Ops("Stop Virtual Machine")}, false},
		{"by ID", api.CheckItem{User: "alice", Groups: admins, Operations: []api.OperationRef{api.OpID(355)}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Allowed(ctx, tt.item)
			if err != nil || got != tt.want {
				t.Fatalf("Allowed = %v, %v; want %v", got, err, tt.want)
			}
		})
	}

	ex, err := c.Explain(ctx, client.ExplainQuery{User: "alice", Groups: admins, Operation: api.OpName("Start Virtual Machine")})
	if err != nil {
		t.Fatal(err)
	}
	if !ex.Allowed || len(ex.Path) == 0 || ex.Revision == 0 || ex.Application != "Hyper-V services" {
		t.Fatalf("Explain = %+v", ex)
	}
	ex, err = c.Explain(ctx, client.ExplainQuery{Application: "azgate", User: "admin", Operation: api.OpName("write policy")})
	if err != nil || ex.Operation != "Write Policy" || ex.Application != "azgate" {
		t.Fatalf("Explain in azgate = %+v, %v", ex, err)
	}
	ex, err = c.Explain(ctx, client.ExplainQuery{User: "bob", Operation: api.OpID(355), Params: map[string]string{"x": "1"}})
	if err != nil || ex.Allowed || ex.Reason == "" {
		t.Fatalf("Explain bob = %+v, %v", ex, err)
	}

	wc, err := c.WhoCan(ctx, client.WhoCanQuery{Operation: api.OpName("Start Virtual Machine")})
	if err != nil {
		t.Fatal(err)
	}
	if wc.Operation != "Start Virtual Machine" || !slices.ContainsFunc(wc.Principals, func(p api.Principal) bool { return p.Name == "S-1-5-32-544" }) {
		t.Fatalf("WhoCan = %+v", wc)
	}

	if wc, err := c.WhoCan(ctx, client.WhoCanQuery{Application: "azgate", Operation: api.OpName("Check Access")}); err != nil ||
		wc.Application != "azgate" || wc.Operation != "Check Access" {
		t.Fatalf("WhoCan in azgate = %+v, %v", wc, err)
	}

	me, err := c.Me(ctx)
	if err != nil || me.Name != server.DefaultAdminUser {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	if err := c.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
}

func TestClient_Errors(t *testing.T) {
	ts := startServer(t)
	ctx := context.Background()
	admin := ts.admin(t)
	wrong, _ := client.New(ts.base, client.WithBasicAuth(server.DefaultAdminUser, "not-the-password"))
	anonymous, _ := client.New(ts.base)
	nobody, _ := client.New(ts.base, client.WithToken(ts.userToken(t, "nobody")))

	tests := []struct {
		name     string
		call     func() error
		status   int
		code     string
		sentinel error
	}{
		{"no credentials", func() error { _, err := anonymous.VMs(ctx); return err }, 401, api.CodeUnauthenticated, client.ErrUnauthenticated},
		{"wrong password", func() error { _, err := wrong.Me(ctx); return err }, 401, api.CodeUnauthenticated, client.ErrUnauthenticated},
		{"check without Check Access", func() error {
			_, err := nobody.Check(ctx, api.CheckItem{User: "x", Operations: api.Ops("View Switches")})
			return err
		}, 403, api.CodeAccessDenied, client.ErrAccessDenied},
		{"engine call denied", func() error {
			_, err := nobody.CreateVM(ctx, api.VMSpec{Name: "v", MemoryMB: 64, Processors: 1})
			return err
		}, 403, api.CodeAccessDenied, client.ErrAccessDenied},
		{"unknown VM", func() error { _, err := admin.VM(ctx, "no such vm"); return err }, 404, api.CodeNotFound, client.ErrNotFound},
		{"unknown scope", func() error {
			_, err := admin.Check(ctx, api.CheckItem{User: "x", Scope: "Nowhere", Operations: api.Ops("View Switches")})
			return err
		}, 404, api.CodeNotFound, client.ErrNotFound},
		{"unknown operation", func() error {
			_, err := admin.Check(ctx, api.CheckItem{User: "x", Operations: api.Ops("Fly")})
			return err
		}, 400, api.CodeInvalid, nil},
		{"duplicate", func() error {
			_, _, err := admin.RoleDefinitions().Create(ctx, client.Location{}, mustRev(t, admin), api.Task{Name: "Administrator"})
			return err
		}, 409, api.CodeExists, client.ErrExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var e *client.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want a *client.Error", err, err)
			}
			if e.StatusCode != tt.status || e.Code != tt.code || e.Message == "" {
				t.Fatalf("error = %d %q %q, want %d %q", e.StatusCode, e.Code, e.Message, tt.status, tt.code)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Fatalf("errors.Is(%v, %v) = false", err, tt.sentinel)
			}
		})
	}

	// A denial names the operation denied.
	_, err := nobody.Check(ctx, api.CheckItem{User: "x", Operations: api.Ops("View Switches")})
	var e *client.Error
	if errors.As(err, &e) && e.Operation == "" {
		t.Errorf("denial %+v names no operation", e.ErrorDetail)
	}

	// A cancelled context stops the call.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := admin.VMs(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("VMs with a cancelled context = %v, want context.Canceled", err)
	}
}

func mustRev(t *testing.T, c *client.Client) client.Revision {
	t.Helper()
	_, rev, err := c.Policy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

func TestClient_PolicyAdmin(t *testing.T) {
	ts := startServer(t)
	c := ts.admin(t)
	ctx := context.Background()

	p, rev, err := c.Policy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rev == 0 || uint64(rev) != p.Revision || len(p.Applications) == 0 || p.Applications[0].Name == "" {
		t.Fatalf("Policy = rev %d, %+v", rev, p)
	}

	// A scope, a task in it, a role definition holding the task, an
	// assignment of it to a group.
	_, rev, err = c.Scopes("").Create(ctx, rev, api.Scope{Name: "Lab", Description: "the lab"})
	if err != nil {
		t.Fatal(err)
	}
	lab := client.Location{Scope: "Lab"}
	task, rev, err := c.Tasks().Create(ctx, lab, rev, api.Task{Name: "Run VMs",
		Operations: []string{"Start Virtual Machine", "Stop Virtual Machine"}, BizRule: &api.BizRule{Script: "true"}})
	if err != nil {
		t.Fatal(err)
	}
	if task.BizRule == nil || task.BizRule.Language != "Expr" || len(task.Operations) != 2 {
		t.Fatalf("created task = %+v", task)
	}
	_, rev, err = c.RoleDefinitions().Create(ctx, lab, rev, api.Task{Name: "Lab operator", Tasks: []string{"Run VMs"}})
	if err != nil {
		t.Fatal(err)
	}
	_, rev, err = c.Groups().Create(ctx, client.Location{StoreLevel: true}, rev, api.Group{Name: "Everyone", Members: []string{"S-1-1-0"}})
	if err != nil {
		t.Fatal(err)
	}
	ra, rev, err := c.RoleAssignments().Create(ctx, lab, rev, api.RoleAssignment{Name: "Operators",
		RoleDefinitions: []string{"Lab operator"}, Members: []string{`CONTOSO\Lab-Staff`}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ra.RoleDefinitions, []string{"Lab operator"}) || ra.Groups == nil {
		t.Fatalf("created assignment = %+v", ra)
	}
	staff := api.CheckItem{User: "carol", Groups: []string{`CONTOSO\Lab-Staff`}, Scope: "Lab", Operations: api.Ops("Start Virtual Machine")}
	if ok, err := c.Allowed(ctx, staff); err != nil || !ok {
		t.Fatalf("lab staff after the assignment: %v, %v", ok, err)
	}

	// Link and unlink a member.
	ra, rev, err = c.RoleAssignments().Link(ctx, lab, rev, "Operators", api.Link{Relation: api.RelMember, Target: `CONTOSO\dave`})
	if err != nil || !slices.Contains(ra.Members, `CONTOSO\dave`) {
		t.Fatalf("Link = %+v, %v", ra, err)
	}
	ra, rev, err = c.RoleAssignments().Unlink(ctx, lab, rev, "Operators", api.Link{Relation: api.RelMember, Target: `CONTOSO\Lab-Staff`})
	if err != nil || slices.Contains(ra.Members, `CONTOSO\Lab-Staff`) {
		t.Fatalf("Unlink = %+v, %v", ra, err)
	}
	if ok, err := c.Allowed(ctx, staff); err != nil || ok {
		t.Fatalf("lab staff after the unlink: %v, %v", ok, err)
	}

	// Reads at a location, and by name.
	tasks, _, err := c.Tasks().List(ctx, lab)
	if err != nil || len(tasks) != 1 || tasks[0].Name != "Run VMs" {
		t.Fatalf("Tasks.List = %+v, %v", tasks, err)
	}
	groups, _, err := c.Groups().List(ctx, client.Location{StoreLevel: true})
	if err != nil || len(groups) != 1 || groups[0].Type != api.GroupBasic {
		t.Fatalf("store-level Groups.List = %+v, %v", groups, err)
	}
	got, getRev, err := c.RoleDefinitions().Get(ctx, lab, "lab OPERATOR")
	if err != nil || got.Name != "Lab operator" || getRev != rev {
		t.Fatalf("RoleDefinitions.Get = %+v rev %d, %v; want rev %d", got, getRev, err, rev)
	}

	// A write against a stale revision is a conflict; nothing changes.
	stale := rev
	_, rev, err = c.Tasks().Update(ctx, lab, rev, "Run VMs", api.Task{Name: "Run VMs", Operations: []string{"Start Virtual Machine"}})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Tasks().Update(ctx, lab, stale, "Run VMs", api.Task{Name: "Run VMs"})
	var conflict *client.ConflictError
	if !errors.As(err, &conflict) || conflict.Revision != stale || !errors.Is(err, client.ErrConflict) || conflict.Err.StatusCode != http.StatusPreconditionFailed {
		t.Fatalf("stale Update = %v (%T), want a *ConflictError at revision %d", err, err, stale)
	}
	task, _, err = c.Tasks().Get(ctx, lab, "Run VMs")
	if err != nil || !slices.Equal(task.Operations, []string{"Start Virtual Machine"}) {
		t.Fatalf("task after the refused write = %+v, %v", task, err)
	}

	// Rename a scope, list, delete everything.
	sc, rev, err := c.Scopes("").Update(ctx, rev, "Lab", api.Scope{Name: "Lab 2"})
	if err != nil || sc.Name != "Lab 2" {
		t.Fatalf("Scopes.Update = %+v, %v", sc, err)
	}
	scopes, _, err := c.Scopes("").List(ctx)
	if err != nil || len(scopes) != 1 || scopes[0].Name != "Lab 2" {
		t.Fatalf("Scopes.List = %+v, %v", scopes, err)
	}
	if rev, err = c.Groups().Delete(ctx, client.Location{StoreLevel: true}, rev, "Everyone"); err != nil {
		t.Fatal(err)
	}
	if _, err = c.Scopes("").Delete(ctx, rev, "Lab 2"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Scopes("").Get(ctx, "Lab 2"); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("deleted scope: Get = %v, want ErrNotFound", err)
	}
}

func TestClient_Engine(t *testing.T) {
	ts := startServer(t)
	ctx := context.Background()
	var requests atomic.Int64
	hc := &http.Client{Timeout: 30 * time.Second, Transport: countingTransport{&requests, http.DefaultTransport}}
	c := ts.admin(t, client.WithHTTPClient(hc))

	vm, err := c.CreateVM(ctx, api.VMSpec{Name: "web1", MemoryMB: 512, Processors: 1, NetworkAdapters: []string{"eth0"}})
	if err != nil {
		t.Fatal(err)
	}
	if vm.State != api.VMOff || len(vm.NetworkAdapters) != 1 {
		t.Fatalf("CreateVM = %+v", vm)
	}
	if vm, err = c.ChangeVMState(ctx, "web1", client.VMStart); err != nil || vm.State != api.VMRunning {
		t.Fatalf("start = %+v, %v", vm, err)
	}
	if err := c.SendConsoleInput(ctx, "web1", "uptime"); err != nil {
		t.Fatal(err)
	}
	if con, err := c.Console(ctx, "web1"); err != nil || con.Output == "" {
		t.Fatalf("Console = %+v, %v", con, err)
	}
	if _, err := c.CreateSnapshot(ctx, "web1", "before"); err != nil {
		t.Fatal(err)
	}
	if snaps, err := c.Snapshots(ctx, "web1"); err != nil || len(snaps) != 1 {
		t.Fatalf("Snapshots = %+v, %v", snaps, err)
	}
	notes := "front end"
	if vm, err = c.ReconfigureVM(ctx, "web1", api.VMUpdate{Notes: &notes}); err != nil || vm.Notes != notes {
		t.Fatalf("ReconfigureVM = %+v, %v", vm, err)
	}

	sw, err := c.CreateSwitch(ctx, api.SwitchSpec{Name: "lan"})
	if err != nil || sw.Name != "lan" {
		t.Fatalf("CreateSwitch = %+v, %v", sw, err)
	}
	if _, err := c.CreatePort(ctx, api.PortSpec{Name: "p1", Switch: "lan"}); err != nil {
		t.Fatal(err)
	}
	port, err := c.ConnectPort(ctx, "p1", api.Connection{VM: "web1", Adapter: "eth0"})
	if err != nil || port.Connection == nil || port.Connection.VM != "web1" {
		t.Fatalf("ConnectPort = %+v, %v", port, err)
	}
	if v, err := c.SetPortVLAN(ctx, "p1", api.VLAN{AccessVLANID: 42}); err != nil || v.AccessVLANID != 42 {
		t.Fatalf("SetPortVLAN = %+v, %v", v, err)
	}
	if eps, err := c.LANEndpoints(ctx); err != nil || len(eps) != 1 || eps[0].Target != "web1/eth0" {
		t.Fatalf("LANEndpoints = %+v, %v", eps, err)
	}
	if _, err := c.DisconnectPort(ctx, "p1"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeletePort(ctx, "p1"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSwitch(ctx, "lan"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ChangeVMState(ctx, "web1", client.VMStop); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteVM(ctx, "web1"); err != nil {
		t.Fatal(err)
	}
	if vms, err := c.VMs(ctx); err != nil || len(vms) != 0 {
		t.Fatalf("VMs after delete = %+v, %v", vms, err)
	}
	if cfg, err := c.ServiceConfig(ctx); err != nil || cfg.ConsoleBufferBytes == 0 {
		t.Fatalf("ServiceConfig = %+v, %v", cfg, err)
	}
	if svc, err := c.SwitchService(ctx); err != nil || svc.Name == "" {
		t.Fatalf("SwitchService = %+v, %v", svc, err)
	}
	if requests.Load() < 20 {
		t.Errorf("the given http.Client carried %d requests, want every one", requests.Load())
	}
}

// countingTransport counts the requests it carries.
type countingTransport struct {
	n    *atomic.Int64
	next http.RoundTripper
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(r)
}
