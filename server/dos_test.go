package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
)

// login sends GET /v1/me with Basic credentials from a client address
// through the server's handler.
func login(ts *testServer, addr string, c cred) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/v1/me", nil)
	req.RemoteAddr = addr + ":40000"
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	} else {
		req.SetBasicAuth(c.user, c.pass)
	}
	w := httptest.NewRecorder()
	ts.s.Handler().ServeHTTP(w, req)
	return w
}

func wantLogin(t *testing.T, w *httptest.ResponseRecorder, status int, what string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("%s: status %d, want %d; body %s", what, w.Code, status, w.Body)
	}
	if status != http.StatusTooManyRequests {
		return
	}
	if s, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("%s: Retry-After %q, want whole seconds", what, w.Header().Get("Retry-After"))
	}
	if code := (response{body: w.Body.Bytes()}).errCode(t); code != api.CodeTooManyRequests {
		t.Errorf("%s: error code %q, want %q", what, code, api.CodeTooManyRequests)
	}
}

// TestServer_FailedLoginsRateLimited: failed Basic logins spend a budget of
// the client address and one of the account from that address; a spent
// budget refuses that address even the right password (429), a success
// spends nothing, and failures from other addresses never refuse the
// account's owner.
func TestServer_FailedLoginsRateLimited(t *testing.T) {
	const perClient, perAccount = 5, 3
	ts := startServer(t, func(c *Config) {
		c.LoginFailuresPerClient, c.LoginFailuresPerAccount = perClient, perAccount
	})
	bob := ts.addUser("bob")
	carol := ts.addUser("carol")
	tok, err := ts.s.local.CreateToken(context.Background(), DefaultAdminUser, "ops")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("per account", func(t *testing.T) {
		for i := range 4 * perAccount { // the account's budget spent many times over, from other addresses
			wantLogin(t, login(ts, fmt.Sprintf("127.0.1.%d", i), cred{user: "admin", pass: "wrong"}), http.StatusUnauthorized, "wrong password")
		}
		wantLogin(t, login(ts, "127.0.1.100", admin), http.StatusOK, "the owner's right password from its own address")
		const guesser = "127.0.1.200"
		for range perAccount {
			wantLogin(t, login(ts, guesser, cred{user: "admin", pass: "wrong"}), http.StatusUnauthorized, "guess")
		}
		wantLogin(t, login(ts, guesser, cred{user: "admin", pass: "wrong"}), http.StatusTooManyRequests, "guess beyond the budget")
		wantLogin(t, login(ts, guesser, cred{user: "ADMIN", pass: "wrong"}), http.StatusTooManyRequests, "the account in another case")
		wantLogin(t, login(ts, guesser, admin), http.StatusTooManyRequests, "the right password from the guesser's address")
		wantLogin(t, login(ts, guesser, cred{bearer: tok}), http.StatusOK, "the account's API token")
		wantLogin(t, login(ts, guesser, bob), http.StatusOK, "another account from the guesser's address")
		wantLogin(t, login(ts, "127.0.1.100", admin), http.StatusOK, "the owner again")
	})
	t.Run("per client", func(t *testing.T) {
		const attacker = "127.0.2.1"
		for i := range perClient { // each account below its budget; unknown and known users alike
			user := fmt.Sprintf("ghost%d", i)
			if i == 0 {
				user = "carol"
			}
			wantLogin(t, login(ts, attacker, cred{user: user, pass: "wrong"}), http.StatusUnauthorized, "wrong credentials")
		}
		wantLogin(t, login(ts, attacker, bob), http.StatusTooManyRequests, "right password, client budget spent")
		wantLogin(t, login(ts, "127.0.2.2", carol), http.StatusOK, "the right password from another address")
	})
	t.Run("successes spend nothing", func(t *testing.T) {
		for i := range 3 * perClient {
			wantLogin(t, login(ts, "127.0.3.1", bob), http.StatusOK, fmt.Sprintf("login %d", i))
		}
	})
}

// TestServer_ParallelWrongLoginsStillServeTheAdmin: a burst of wrong
// passwords from many addresses queues for the bounded bcrypt slots; the
// administrator's login among them is served.
func TestServer_ParallelWrongLoginsStillServeTheAdmin(t *testing.T) {
	ts := startServer(t, nil)
	var wg sync.WaitGroup
	codes := make(chan int, 64)
	for i := range 64 {
		wg.Go(func() {
			codes <- login(ts, fmt.Sprintf("127.0.4.%d", i), cred{user: fmt.Sprintf("user%d", i%8), pass: "wrong"}).Code
		})
	}
	wantLogin(t, login(ts, "127.0.5.1", admin), http.StatusOK, "admin during the flood")
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusUnauthorized && c != http.StatusTooManyRequests {
			t.Errorf("a wrong login got %d", c)
		}
	}
}

func TestBuckets(t *testing.T) {
	now := time.Now()
	b := newBuckets(time.Second, 2, 100)
	for i, want := range []bool{true, true, false} {
		if _, ok := b.take("k", now); ok != want {
			t.Fatalf("take %d = %v, want %v", i, ok, want)
		}
	}
	if retry, _ := b.take("k", now.Add(500*time.Millisecond)); retry != 500*time.Millisecond {
		t.Errorf("retry after half a refill = %s, want 500ms", retry)
	}
	if _, ok := b.take("k", now.Add(time.Second)); !ok {
		t.Error("no token after a refill")
	}
	b.refund("k")
	if _, ok := b.take("k", now.Add(time.Second)); !ok {
		t.Error("a refunded token cannot be taken")
	}
	for i := range 1000 {
		b.take(fmt.Sprint("x", i), now)
	}
	if n := b.len(); n != 100 {
		t.Fatalf("%d buckets, want at most 100", n)
	}
	if _, ok := b.byKey["k"]; ok {
		t.Error("the least recently used bucket was kept")
	}
}

// limitedServer starts a server with the connection limits given and
// returns it with its host:port.
func limitedServer(t *testing.T, maxConns, perClient int) (*testServer, string) {
	t.Helper()
	ts := startServer(t, func(c *Config) {
		c.MaxConnections, c.MaxConnectionsPerClient = maxConns, perClient
	})
	return ts, ts.base[len("http://"):]
}

// rawConn opens a TCP connection to addr from the loopback address ip ("":
// any), closed at the end of the test.
func rawConn(t *testing.T, ip, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if ip != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(ip)}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("connect from %q: %v", ip, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wantOK fails the test unless c's GET of url answers 200.
func wantOK(t *testing.T, c *http.Client, url, what string) {
	t.Helper()
	r, err := c.Get(url)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", what, r.StatusCode)
	}
}

// dialFrom returns an HTTP client whose connections come from a loopback
// address of its own.
func dialFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

// TestServer_SlowClientFlood: hundreds of connections from one address
// that send a body slowly take only that address's share of the
// connections; health probes and authenticated callers from other
// addresses are answered meanwhile.
func TestServer_SlowClientFlood(t *testing.T) {
	const maxConns, perClient, flood = 64, 16, 300
	ts, addr := limitedServer(t, maxConns, perClient)
	var conns []net.Conn
	for range flood {
		c := rawConn(t, "", addr)
		conns = append(conns, c)
		// Headers at once, then a body that never comes.
		_, _ = fmt.Fprintf(c, "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{")
	}
	wantOK(t, dialFrom("127.0.0.2"), ts.base+"/healthz", "healthz during the flood")
	tok, err := ts.s.local.CreateToken(context.Background(), DefaultAdminUser, "probe")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.base+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	r, err := dialFrom("127.0.0.3").Do(req)
	if err != nil {
		t.Fatalf("authenticated call during the flood: %v", err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("authenticated call during the flood: %d", r.StatusCode)
	}

	// The server closed every flood connection beyond the address's share.
	var wg sync.WaitGroup
	var mu sync.Mutex
	closed := 0
	for _, c := range conns {
		wg.Go(func() {
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			_, err := c.Read(make([]byte, 1))
			var ne net.Error
			if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
				mu.Lock()
				closed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if closed < flood-perClient {
		t.Errorf("%d of %d flood connections closed, want at least %d (one address holds at most %d)", closed, flood, flood-perClient, perClient)
	}
	if n := ts.s.conns.connections(); n > maxConns {
		t.Errorf("%d connections open, want at most %d", n, maxConns)
	}
}

// TestServer_IdleKeepAliveFlood: a few addresses fill every connection
// with keep-alive connections that each asked GET /healthz once and then
// sit idle; a new client's health probe is still answered, as the server
// closes idle connections under pressure.
func TestServer_IdleKeepAliveFlood(t *testing.T) {
	const maxConns, perClient = 32, 8
	ts, addr := limitedServer(t, maxConns, perClient)
	for i := range maxConns {
		c := rawConn(t, fmt.Sprintf("127.0.9.%d", 1+i/perClient), addr)
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		r, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}

	c := dialFrom("127.0.9.100")
	c.Timeout = 5 * time.Second
	wantOK(t, c, ts.base+"/healthz", "healthz with every connection held idle")
}
