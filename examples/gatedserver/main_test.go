package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/azgate/azgate/policies"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/stores"
)

// lockedBuffer collects the server's stderr.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start runs the example on a loopback listener until the test ends and
// returns its base URL.
func start(t *testing.T, args ...string) (string, *lockedBuffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, stderr, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not return after cancel")
		}
	})
	base := "http://" + ln.Addr().String()
	// run accepts on ln as soon as Serve starts; wait for /healthz.
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, stderr
			}
		}
		select {
		case err := <-done:
			t.Fatalf("run returned early: %v; stderr:\n%s", err, stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not healthy: %v; stderr:\n%s", err, stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func call(t *testing.T, method, url, user, groups string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("X-User", user)
	}
	if groups != "" {
		req.Header.Set("X-Groups", groups)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatalf("%s %s: body %q: %v", method, url, raw, err)
		}
	}
	return resp.StatusCode, body
}

func errMessage(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

func TestRun_EmbeddedPolicy(t *testing.T) {
	base, _ := start(t, "-addr", "ignored:0")
	const (
		admins     = policy.AdministratorsSID
		labStaff   = `CONTOSO\Lab-Staff`
		contractor = `CONTOSO\Lab-Staff,CONTOSO\Contractors`
		monitors   = `CONTOSO\HV-Monitors`
	)
	tests := []struct {
		name, method, path, user, groups string
		status                           int
		msgHas                           string
	}{
		{"admin views a VM", "GET", "/vms/web01", "root", admins, 200, ""},
		{"admin deletes a Lab VM", "DELETE", "/vms/lab02", "root", admins, 204, ""},
		{"lab staff start a Lab VM", "POST", "/vms/lab01/start", "carol", labStaff, 200, ""},
		{"lab staff list the Lab", "GET", "/vms?scope=Lab", "carol", labStaff, 200, ""},
		{"lab staff cannot start a default-scope VM", "POST", "/vms/web01/start", "carol", labStaff, 403, `"Start Virtual Machine" in the default scope`},
		{"lab staff cannot delete", "DELETE", "/vms/lab01", "carol", labStaff, 403, `"Delete Virtual Machine" in scope "Lab"`},
		{"a contractor is never a Lab operator", "POST", "/vms/lab01/stop", "dave", contractor, 403, `"Stop Virtual Machine"`},
		{"monitor views a Lab VM", "GET", "/vms/lab01", "mona", monitors, 200, ""},
		{"monitor cannot stop", "POST", "/vms/lab01/stop", "mona", monitors, 403, `"Stop Virtual Machine"`},
		{"stranger denied", "GET", "/vms/web01", "eve", "", 403, "View Virtual Machine Configuration"},
		{"anonymous refused", "GET", "/vms/web01", "", "", 401, "authentication required"},
		{"unknown VM after a grant is 404", "GET", "/vms/nope", "root", admins, 404, "not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := call(t, tc.method, base+tc.path, tc.user, tc.groups)
			if status != tc.status {
				t.Fatalf("status = %d (%v), want %d", status, body, tc.status)
			}
			if tc.msgHas != "" && !strings.Contains(errMessage(body), tc.msgHas) {
				t.Errorf("error message %q lacks %q", errMessage(body), tc.msgHas)
			}
		})
	}
	// The Lab listing holds only Lab VMs (lab02 was deleted above).
	_, body := call(t, "GET", base+"/vms?scope=Lab", "root", admins)
	items, _ := body["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["name"] != "lab01" {
		t.Errorf("Lab listing = %v, want only lab01", body)
	}
}

func TestRun_StoreReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.xml")
	if err := os.WriteFile(path, policies.BookRoles(), 0o600); err != nil {
		t.Fatal(err)
	}
	url := "msxml://" + path
	base, stderr := start(t, "-store", url)
	if status, body := call(t, "POST", base+"/vms/lab01/start", "alice", ""); status != 403 {
		t.Fatalf("alice before the edit: %d %v, want 403", status, body)
	}
	if status, body := call(t, "GET", base+"/vms/web01", "root", policy.AdministratorsSID); status != 200 {
		t.Fatalf("admin: %d %v, want 200", status, body)
	}
	// Another writer makes alice a Virtual Machine Manager of the Lab.
	ctx := context.Background()
	st, err := stores.Open(ctx, url, stores.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lab := policy.Location{App: policy.DefaultApplication, Scope: "Lab"}
	if _, _, err := policy.Update(ctx, st, func(p *policy.Policy) error {
		return p.Link(lab, policy.KindRole, "Virtual Machine Manager", policy.RelMember, "alice")
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, _ := call(t, "POST", base+"/vms/lab01/start", "alice", "")
		if status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alice still refused (%d) 10 s after the edit; stderr:\n%s", status, stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRun_BadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-nope"}, "flag provided but not defined"},
		{"bad store URL", []string{"-store", "ftp://x"}, "ftp"},
		{"missing store", []string{"-store", "msxml://" + filepath.Join(t.TempDir(), "absent.xml")}, "absent.xml"},
		{"stray argument", []string{"extra"}, "unexpected arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), tc.args, io.Discard, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
