package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/azgate/azgate/api"
)

const testAdminPassword = "admin-secret-1"

// testServer is a real Server on a loopback listener with a real XML store
// and data directory in a temp dir.
type testServer struct {
	t    testing.TB
	s    *Server
	base string
	cfg  Config
	done chan error
}

// startServer starts a server; mutate adjusts the configuration and may
// write files (a store) before start.
func startServer(t *testing.T, mutate func(cfg *Config)) *testServer {
	t.Helper()
	return startServerTB(t, mutate)
}

// startServerB starts a default server for a benchmark.
func startServerB(b *testing.B) *testServer { return startServerTB(b, nil) }

func startServerTB(t testing.TB, mutate func(cfg *Config)) *testServer {
	t.Helper()
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.StoreURL = "msxml://" + filepath.Join(dir, "store.xml")
	cfg.AdminPassword = testAdminPassword
	cfg.BcryptCost = bcrypt.MinCost
	cfg.ShutdownTimeout = 5 * time.Second
	if mutate != nil {
		mutate(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		s.Close()
		t.Fatalf("listen: %v", err)
	}
	ts := &testServer{t: t, s: s, base: "http://" + ln.Addr().String(), cfg: cfg, done: make(chan error, 1)}
	go func() { ts.done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-ts.done:
			if err != nil {
				t.Errorf("Serve returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return after cancel")
		}
	})
	return ts
}

// cred is how a request authenticates.
type cred struct {
	user, pass string
	bearer     string
}

var admin = cred{user: DefaultAdminUser, pass: testAdminPassword}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errCode returns the error code of an error body.
func (r response) errCode(t *testing.T) string {
	t.Helper()
	var e api.ErrorBody
	r.json(t, &e)
	return e.Error.Code
}

func (ts *testServer) do(c cred, method, path string, body any, headers ...string) response {
	ts.t.Helper()
	return doReq(ts.t, ts.base, c, method, path, body, headers...)
}

func doReq(t testing.TB, base string, c cred, method, path string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	switch {
	case c.bearer != "":
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	case c.user != "":
		req.SetBasicAuth(c.user, c.pass)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: raw}
}

// want fails unless the response has the status.
func want(t *testing.T, r response, status int, what string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d; body %s", what, r.status, status, r.body)
	}
}

// addUser adds a local user and returns its credentials.
func (ts *testServer) addUser(name string, groups ...string) cred {
	ts.t.Helper()
	d := ts.s.local
	ctx := context.Background()
	if err := d.AddUser(ctx, name, name+"-pw"); err != nil {
		ts.t.Fatalf("add user %s: %v", name, err)
	}
	for _, g := range groups {
		if err := d.AddGroup(ctx, g); err != nil && !strings.Contains(err.Error(), "already exists") {
			ts.t.Fatalf("add group %s: %v", g, err)
		}
		if err := d.AddMember(ctx, g, name); err != nil {
			ts.t.Fatalf("add %s to %s: %v", name, g, err)
		}
	}
	return cred{user: name, pass: name + "-pw"}
}

// fileContains reports whether the file holds s.
func fileContains(t *testing.T, path, s string) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(b, []byte(s))
}

var tlsState tls.ConnectionState

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
