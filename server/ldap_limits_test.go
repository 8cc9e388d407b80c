package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/directory/ldapdir"
	"github.com/azgate/azgate/internal/slapdtest"
)

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// openLDAPServer starts an in-process server with --directory ldap (the
// OpenLDAP preset) against srv, its log written to logs.
// mutate, if any, adjusts the configuration further.
func openLDAPServer(t *testing.T, srv *slapdtest.Server, logs io.Writer, mutate ...func(cfg *Config)) *testServer {
	t.Helper()
	return startServerTB(t, func(cfg *Config) {
		cfg.Directory = DirectoryLDAP
		cfg.LDAP = LDAPConfig{URL: srv.URL, UserBase: slapdtest.DefaultBaseDN,
			BindDN: "cn=azgate-svc,ou=services," + slapdtest.DefaultBaseDN, BindPassword: "svc-secret-1"}
		cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
		for _, m := range mutate {
			m(cfg)
		}
	})
}

// TestLDAP_QueryNamingUndefinedAttributeIsLogged: serve logs once at start
// that the LDAP-query group (department=Lab) matches nobody on a directory
// whose schema has no department (OpenLDAP's inetOrgPerson).
func TestLDAP_QueryNamingUndefinedAttributeIsLogged(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{Seed: openLDAPSeed})
	var logs syncBuffer
	ts := openLDAPServer(t, srv, &logs, func(cfg *Config) {
		writeContosoStore(t, strings.TrimPrefix(cfg.StoreURL, "msxml://"))
	})
	<-ts.s.lchecked
	want := `level=WARN msg="an LDAP-query application group matches nobody (azgate ldap check lists them)" system=server ` +
		`problem="application \"Hyper-V services\" / application group \"Lab staff\": LDAP query (department=Lab) names attribute \"department\"`
	if l := logs.String(); strings.Count(l, "level=WARN") != 1 || !strings.Contains(l, want) {
		t.Errorf("log, want one warning %s:\n%s", want, l)
	}
}

// TestLDAP_LimitIsNotAnOutage: a user whose groups nest deeper than azgate
// follows is refused with a 403 naming the limit — the directory answered,
// so not a 503 "cannot be reached" — at sign-in and in a resolving check.
// A failed sign-in is logged with the client's address.
func TestLDAP_LimitIsNotAnOutage(t *testing.T) {
	var chain strings.Builder
	prev := "uid=bob,ou=people," + slapdtest.DefaultBaseDN
	for i := range ldapdir.DefaultMaxDepth + 1 {
		fmt.Fprintf(&chain, "dn: cn=deep%d,ou=groups,%s\nobjectClass: groupOfNames\ncn: deep%d\nmember: %s\n\n", i, slapdtest.DefaultBaseDN, i, prev)
		prev = fmt.Sprintf("cn=deep%d,ou=groups,%s", i, slapdtest.DefaultBaseDN)
	}
	srv := slapdtest.Start(t, slapdtest.Options{Seed: openLDAPSeed + "\n" + chain.String()})
	var logs syncBuffer
	ts := openLDAPServer(t, srv, &logs)

	r := ts.do(cred{user: "bob", pass: "bob-secret"}, http.MethodGet, "/v1/me", nil)
	want(t, r, http.StatusForbidden, "bob, 33 levels of groups, signs in")
	var e api.ErrorBody
	r.json(t, &e)
	if e.Error.Code != api.CodeAccessDenied || !strings.Contains(e.Error.Message, "deeper than 32 levels") {
		t.Errorf("bob's sign-in: %+v, want access_denied naming the depth limit", e.Error)
	}
	status, _, r := checkOne(t, ts, checkerToken(t, ts), map[string]any{"user": "bob", "resolve": true, "operations": []any{309}})
	if status != http.StatusForbidden || !strings.Contains(string(r.body), "deeper than 32 levels") {
		t.Errorf("resolve bob: %d %s, want 403 naming the limit", status, r.body)
	}
	want(t, ts.do(cred{user: "alice", pass: "alice-secret"}, http.MethodGet, "/v1/me", nil), http.StatusOK, "alice signs in")

	want(t, ts.do(cred{user: "alice", pass: "wrong"}, http.MethodGet, "/v1/me", nil), http.StatusUnauthorized, "a wrong password")
	if l := logs.String(); !strings.Contains(l, "status=401 addr=127.0.0.1:") {
		t.Errorf("the failed sign-in is logged without the client address:\n%s", l)
	}
}

// TestLDAP_HungDirectoryAnswersWithinTimeout: a directory that accepts
// connections and never answers makes a Basic sign-in a 503 after
// --ldap-timeout, not after the request timeout.
func TestLDAP_HungDirectoryAnswersWithinTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c) // held open, never answered
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-accepted
		for _, c := range conns {
			c.Close()
		}
	})
	ts := startServerTB(t, func(cfg *Config) {
		cfg.Directory = DirectoryLDAP
		cfg.LDAP = LDAPConfig{URL: "ldap://" + ln.Addr().String(), UserBase: slapdtest.DefaultBaseDN, Timeout: 200 * time.Millisecond}
	})
	// Well under the 10 s a request to the directory used to be allowed.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ts.base+"/v1/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("alice", "alice-secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("sign-in against a hung directory with --ldap-timeout 200ms: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), api.CodeUnavailable) {
		t.Fatalf("sign-in against a hung directory: %d %s, want 503 unavailable", res.StatusCode, body)
	}
}
