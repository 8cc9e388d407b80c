package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/client"
	"github.com/azgate/azgate/directory/localdir"
	"github.com/azgate/azgate/policies"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/stores"
	"github.com/azgate/azgate/server"
)

// testServer is a real azgate server on a loopback listener, with the
// book's roles, an administrator (password and token), "mona" (a Hyper-V
// Monitor) and "bob" (no role at all).
type testServer struct {
	url, adminToken string
}

const (
	testAdminPW = "admin-password-1"
	testUserPW  = "user-password-1"
)

func startServer(t *testing.T) testServer {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	storePath := filepath.Join(dir, "store.xml")
	if err := os.WriteFile(storePath, policies.BookRoles(), 0o600); err != nil {
		t.Fatal(err)
	}
	storeURL := "msxml://" + storePath
	st, err := stores.Open(ctx, storeURL, stores.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := policy.Update(ctx, st, func(p *policy.Policy) error {
		return p.Link(policy.Location{App: policy.DefaultApplication}, policy.KindRole, "Hyper-V Monitor", policy.RelMember, "mona")
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	dataDir := filepath.Join(dir, "data")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	ld, err := localdir.Open(ctx, filepath.Join(dataDir, server.DirectoryFile), localdir.WithBcryptCost(4))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ld.EnsureAdmin(ctx, "admin", testAdminPW); err != nil {
		t.Fatal(err)
	}
	token, err := ld.CreateToken(ctx, "admin", "cli-test")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"mona", "bob"} {
		if err := ld.AddUser(ctx, u, testUserPW); err != nil {
			t.Fatal(err)
		}
	}
	ld.Close()

	cfg := server.DefaultConfig()
	cfg.StoreURL, cfg.DataDir, cfg.AdminUser, cfg.BcryptCost = storeURL, dataDir, "admin", 4
	srv, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("server did not stop")
		}
	})
	return testServer{url: "http://" + ln.Addr().String(), adminToken: token}
}

// clientEnv clears the client environment so that only flags count.
func clientEnv(t *testing.T) {
	for _, v := range []string{serverEnv, userEnv, passwordEnv, tokenEnv} {
		t.Setenv(v, "")
	}
}

func TestClient_Engine(t *testing.T) {
	clientEnv(t)
	s := startServer(t)
	admin := []string{"--server", s.url, "--user", "admin", "--password", testAdminPW}
	tok := []string{"--server", s.url, "--token", s.adminToken}
	mona := []string{"--server", s.url, "--user", "mona", "--password", testUserPW}
	bob := []string{"--server", s.url, "--user", "bob", "--password", testUserPW}
	with := func(cred []string, a ...string) []string { return append(append([]string(nil), a...), cred...) }

	steps := []step{
		// Virtual machines, as the administrator (Basic and token).
		{args: with(admin, "vm", "create", "web01", "--memory", "1024", "--processors", "2", "--adapter", "eth0"), stdout: []string{"Name:", "web01", "1024 MB", "eth0"}},
		{args: with(tok, "vm", "create", "lab01", "--scope", "Lab"), stdout: []string{"lab01", "Lab"}},
		{args: with(tok, "vm", "list"), stdout: []string{"NAME", "STATE", "web01", "Off", "(default)", "lab01", "Lab"}},
		{args: with(tok, "vm", "start", "web01"), stdout: []string{"web01: Running"}},
		{args: with(tok, "vm", "pause", "web01"), stdout: []string{"web01: Paused"}},
		{args: with(tok, "vm", "resume", "web01"), stdout: []string{"web01: Running"}},
		{args: with(tok, "vm", "console", "send", "web01", "hello", "console"), code: 0},
		{args: with(tok, "vm", "console", "show", "web01"), stdout: []string{"hello console"}},
		{args: with(tok, "vm", "start", "web01"), code: exitError, stderr: []string{"HTTP 409"}},
		{args: with(tok, "vm", "stop", "web01"), stdout: []string{"web01: Off"}},
		{args: with(tok, "vm", "reconfigure", "web01", "--memory", "2048", "--notes", "front end"), stdout: []string{"2048 MB", "front end"}},
		{args: with(tok, "vm", "reconfigure", "web01"), code: exitError, stderr: []string{"nothing to change"}},
		{args: with(tok, "vm", "snapshot", "create", "web01", "before"), stdout: []string{`created snapshot "before" of "web01"`}},
		{args: with(tok, "vm", "snapshot", "list", "web01"), stdout: []string{"NAME", "before"}},
		{args: with(tok, "vm", "snapshot", "apply", "web01", "before"), stdout: []string{"web01"}},
		{args: with(tok, "vm", "snapshot", "delete", "web01", "before"), stdout: []string{`deleted snapshot "before"`}},
		{args: with(tok, "vm", "scope", "set", "lab01", ""), stdout: []string{"lab01: scope (default)"}},
		{args: with(tok, "vm", "scope", "set", "lab01", "Lab"), stdout: []string{"lab01: scope Lab"}},
		{args: with(tok, "vm", "show", "nope"), code: exitError, stderr: []string{"azgate: ", "nope", "HTTP 404"}},

		// Networking.
		{args: with(tok, "switch", "create", "sw1", "--notes", "lab net"), stdout: []string{"sw1", "lab net"}},
		{args: with(tok, "switch", "list"), stdout: []string{"NAME", "sw1"}},
		{args: with(tok, "switch", "modify", "sw1", "--notes", "renamed"), stdout: []string{"renamed"}},
		{args: with(tok, "port", "create", "p1", "--switch", "sw1"), stdout: []string{"p1", "sw1", "untagged"}},
		{args: with(tok, "port", "create", "p2"), code: exitError, stderr: []string{"--switch is required"}},
		{args: with(tok, "vlan", "set", "p1", "42"), stdout: []string{"p1: access VLAN 42"}},
		{args: with(tok, "vlan", "show", "p1"), stdout: []string{"p1: access VLAN 42"}},
		{args: with(tok, "vlan", "set", "p1", "forty"), code: exitError, stderr: []string{"not an integer"}},
		{args: with(tok, "port", "connect", "p1", "--vm", "web01", "--adapter", "eth0"), stdout: []string{"vm:web01/eth0"}},
		{args: with(tok, "port", "list"), stdout: []string{"p1", "sw1", "42", "vm:web01/eth0"}},
		{args: with(tok, "switch", "endpoints"), stdout: []string{"SWITCH", "sw1", "p1", "web01"}},
		{args: with(tok, "port", "disconnect", "p1"), stdout: []string{"Connection: -"}},
		{args: with(tok, "ethernet", "internal", "create", "host0", "--notes", "mgmt"), stdout: []string{"host0", "mgmt"}},
		{args: with(tok, "ethernet", "internal", "list"), stdout: []string{"NAME", "host0"}},
		{args: with(tok, "ethernet", "internal", "modify", "host0", "--notes", "mgmt2"), stdout: []string{"mgmt2"}},
		{args: with(tok, "ethernet", "external", "list"), stdout: []string{"NAME", "MTU"}},
		{args: with(tok, "ethernet", "internal", "delete", "host0"), stdout: []string{`deleted internal Ethernet port "host0"`}},
		{args: with(tok, "port", "delete", "p1"), stdout: []string{`deleted switch port "p1"`}},

		// Service.
		{args: with(tok, "service", "show"), stdout: []string{"Default VM path:", "Console buffer:"}},
		{args: with(tok, "service", "set", "--console-buffer", "4096"), stdout: []string{"4096 bytes"}},
		{args: with(tok, "service", "switch-service"), stdout: []string{"Status:"}},

		// The monitor looks but does not touch: 403 exits 1 with the
		// server's message naming the operation.
		{args: with(mona, "vm", "list"), stdout: []string{"web01", "lab01"}},
		{args: with(mona, "vm", "show", "web01"), stdout: []string{"web01"}},
		{args: with(mona, "vm", "stop", "web01"), code: exitFalse, stderr: []string{"access denied", `"Stop Virtual Machine"`, "HTTP 403"}},
		{args: with(mona, "switch", "delete", "sw1"), code: exitFalse, stderr: []string{`"Delete Virtual Switch"`}},
		{args: with(mona, "service", "set", "--vm-path", "/x"), code: exitFalse, stderr: []string{`"Reconfigure Service"`}},

		// Bob holds nothing: lists are empty, everything else is denied.
		{args: with(bob, "vm", "list"), stdout: []string{"NAME"}, notStdout: []string{"web01"}},
		{args: with(bob, "vm", "create", "x"), code: exitFalse, stderr: []string{`"Create Virtual Machine"`}},
		{args: with(bob, "vm", "console", "show", "web01"), code: exitFalse, stderr: []string{"access denied"}},

		// Cleanup as administrator.
		{args: with(tok, "switch", "delete", "sw1"), stdout: []string{`deleted virtual switch "sw1"`}},
		{args: with(tok, "vm", "delete", "lab01"), stdout: []string{`deleted virtual machine "lab01"`}},
	}
	for _, st := range steps {
		st.clientRun(t)
	}
}

// clientRun runs a client step (no --store).
func (s step) clientRun(t *testing.T) {
	t.Helper()
	out, errOut, code := azgate(t, s.args...)
	if code != s.code {
		t.Errorf("azgate %q: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", s.args, code, s.code, out, errOut)
		return
	}
	s.checkStdout(t, s.args, out)
	s.checkStderr(t, s.args, errOut)
	if s.code != exitOK && !strings.HasPrefix(errOut, "azgate: ") {
		t.Errorf("azgate %q: exit %d without an error message; stderr:\n%s", s.args, s.code, errOut)
	}
}

func TestClient_JSONAndEnvironment(t *testing.T) {
	clientEnv(t)
	s := startServer(t)
	t.Setenv(serverEnv, s.url)
	t.Setenv(tokenEnv, s.adminToken)

	out, errOut, code := azgate(t, "vm", "create", "envvm", "--json")
	if code != 0 {
		t.Fatalf("vm create via environment: exit %d\n%s", code, errOut)
	}
	var vm struct {
		Name     string `json:"name"`
		MemoryMB int    `json:"memoryMB"`
	}
	if err := json.Unmarshal([]byte(out), &vm); err != nil || vm.Name != "envvm" || vm.MemoryMB != 512 {
		t.Fatalf("vm create --json: %v %+v\n%s", err, vm, out)
	}
	out, _, code = azgate(t, "vm", "list", "--json")
	var l struct {
		Items []struct {
			Name string `json:"name"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &l); code != 0 || err != nil || len(l.Items) != 1 || l.Items[0].Name != "envvm" {
		t.Fatalf("vm list --json: exit %d, %v\n%s", code, err, out)
	}
	// --json prints what the server answered, byte for byte, though the
	// command decoded it into the client's documents.
	raw, err := client.New(s.url, client.WithToken(s.adminToken))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		path string
	}{
		{[]string{"vm", "show", "envvm"}, "/v1/vms/envvm"},
		{[]string{"vm", "list"}, "/v1/vms"},
		{[]string{"vm", "snapshot", "list", "envvm"}, "/v1/vms/envvm/snapshots"}, // an empty listing
		{[]string{"service", "show"}, "/v1/service"},
		{[]string{"switch", "endpoints"}, "/v1/lan-endpoints"},
	} {
		out, errOut, code := azgate(t, append(tc.args, "--json")...)
		want, err := raw.Raw(context.Background(), http.MethodGet, tc.path, nil)
		if code != 0 || err != nil {
			t.Fatalf("%q: exit %d (%s), GET %s: %v", tc.args, code, errOut, tc.path, err)
		}
		if out != string(want)+"\n" { // Raw drops the newline the server ends its answer with
			t.Errorf("%q --json:\n%s\nthe server answered:\n%s", tc.args, out, want)
		}
	}
	// A denied call with --json still exits 1 and prints the message.
	t.Setenv(tokenEnv, "")
	t.Setenv(userEnv, "bob-does-not-exist")
	t.Setenv(passwordEnv, "x")
	_, errOut, code = azgate(t, "vm", "list", "--json")
	if code != exitError || !strings.Contains(errOut, "HTTP 401") {
		t.Fatalf("wrong user: exit %d, stderr %q; want 2 and HTTP 401", code, errOut)
	}
	// Flags win over the environment.
	out, errOut, code = azgate(t, "vm", "show", "envvm", "--token", s.adminToken)
	if code != 0 || !strings.Contains(out, "envvm") {
		t.Fatalf("--token over $%s: exit %d\n%s%s", userEnv, code, out, errOut)
	}
}

func TestClient_Errors(t *testing.T) {
	clientEnv(t)
	s := startServer(t)
	// A port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	for _, st := range []step{
		{args: []string{"vm", "list", "--server", dead, "--token", "x"}, code: exitError, stderr: []string{"azgate: server " + dead}},
		{args: []string{"vm", "list", "--server", "ftp://x"}, code: exitError, stderr: []string{`--server "ftp://x"`}},
		{args: []string{"vm", "list", "--server", s.url}, code: exitError,
			stderr: []string{"authentication required", "HTTP 401", "give credentials with --user NAME and --password", "$AZGATE_USER", "--token"}},
		{args: []string{"vm", "list", "--server", s.url, "--token", "azg_wrong"}, code: exitError, stderr: []string{"HTTP 401", "check the credentials"}},
		{args: []string{"vm", "list", "--server", s.url, "--token", "t", "--user", "u"}, code: exitError, stderr: []string{"exclusive"}},
		{args: []string{"vm", "list", "--server", s.url, "--user", "admin"}, code: exitError, stderr: []string{"no password"}},
		{args: []string{"vm", "list", "--server", s.url, "--password", "p"}, code: exitError, stderr: []string{"--password without --user"}},
		{args: []string{"vm", "show", "--server", s.url}, code: exitError, stderr: []string{"accepts 1 arg"}},
		{args: []string{"port", "connect", "p", "--vm", "v", "--server", s.url}, code: exitError, stderr: []string{"--adapter"}},
		{args: []string{"vm", "create", "bad", "--memory", "0", "--server", s.url, "--token", s.adminToken}, code: exitError, stderr: []string{"HTTP 400"}},
	} {
		st.clientRun(t)
	}
}
