package ldapconn_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/internal/ldapconn"
	"github.com/azgate/azgate/internal/slapdtest"
)

func TestDial(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{TLS: true})
	other := slapdtest.Start(t, slapdtest.Options{TLS: true}) // a CA srv does not trust
	trusted, err := ldapconn.TLSConfig("127.0.0.1", srv.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	untrusted, err := ldapconn.TLSConfig("127.0.0.1", other.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "ldap://" + closed.Addr().String()
	closed.Close()

	base := ldapconn.Config{URL: srv.URL, DialTimeout: 2 * time.Second, RequestTimeout: 2 * time.Second,
		BindDN: srv.AdminDN, Password: srv.AdminPassword}
	tests := []struct {
		name     string
		cfg      func(c *ldapconn.Config)
		wantOp   string // "" for success
		wantText []string
		badCreds bool
	}{
		{"bind", func(*ldapconn.Config) {}, "", nil, false},
		{"anonymous", func(c *ldapconn.Config) { c.BindDN, c.Password = "", "" }, "", nil, false},
		{"starttls", func(c *ldapconn.Config) { c.StartTLS, c.TLS = true, trusted }, "", nil, false},
		{"ldaps", func(c *ldapconn.Config) { c.URL, c.TLS = srv.LDAPSURL, trusted }, "", nil, false},
		{"wrong password", func(c *ldapconn.Config) { c.Password = "wrong" },
			"bind", []string{"rejected the credentials", srv.AdminDN, srv.URL}, true},
		{"nobody listens", func(c *ldapconn.Config) { c.URL = closedURL }, "dial", []string{"dial " + closedURL}, false},
		{"starttls, untrusted CA", func(c *ldapconn.Config) { c.StartTLS, c.TLS = true, untrusted },
			"StartTLS", []string{"StartTLS with " + srv.URL}, false},
		{"ldaps, untrusted CA", func(c *ldapconn.Config) { c.URL, c.TLS = srv.LDAPSURL, untrusted },
			"dial", []string{srv.LDAPSURL}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			tt.cfg(&c)
			conn, err := ldapconn.Dial(context.Background(), c)
			if tt.wantOp == "" {
				if err != nil {
					t.Fatalf("Dial: %v", err)
				}
				defer conn.Close()
				if _, err := conn.WhoAmI(nil); err != nil {
					t.Fatalf("WhoAmI on the dialled connection: %v", err)
				}
				return
			}
			var de *ldapconn.Error
			if !errors.As(err, &de) || de.Op != tt.wantOp {
				t.Fatalf("Dial = %v, want an *Error with Op %q", err, tt.wantOp)
			}
			if de.InvalidCredentials() != tt.badCreds {
				t.Errorf("InvalidCredentials = %v, want %v", de.InvalidCredentials(), tt.badCreds)
			}
			for _, w := range tt.wantText {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}

	t.Run("ended context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := ldapconn.Dial(ctx, base)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Dial = %v, want context.Canceled", err)
		}
	})
}

func TestPool(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	p := &ldapconn.Pool{MaxIdle: 1, Config: ldapconn.Config{URL: srv.URL, DialTimeout: 2 * time.Second,
		RequestTimeout: 2 * time.Second, BindDN: srv.AdminDN, Password: srv.AdminPassword}}
	ctx := context.Background()
	a, err := p.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("two Gets with nothing idle returned one connection")
	}
	p.Put(a)
	p.Put(b) // over MaxIdle: closed
	if !b.IsClosing() {
		t.Error("Put over MaxIdle kept the connection open")
	}
	again, err := p.Get(ctx)
	if err != nil || again != a {
		t.Fatalf("Get after Put = %p, %v; want the idle connection %p", again, err, a)
	}
	again.Close()
	p.Put(again) // closing: dropped
	fresh, err := p.Get(ctx)
	if err != nil || fresh == a {
		t.Fatalf("Get after a closed Put = %p, %v; want a new connection", fresh, err)
	}
	p.Close()
	p.Put(fresh)
	if !fresh.IsClosing() {
		t.Error("Put after Close kept the connection open")
	}
	if _, err := p.Get(ctx); !errors.Is(err, ldapconn.ErrClosed) {
		t.Fatalf("Get after Close = %v, want ErrClosed", err)
	}
	p.Close() // twice is fine
}

func TestTLSConfig(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		caFile  string
		wantErr error
		wantCAs bool
	}{
		{"system pool", "", nil, false},
		{"missing file", filepath.Join(dir, "nope.pem"), os.ErrNotExist, false},
		{"no certificates", notPEM, ldapconn.ErrNoCertificates, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc, err := ldapconn.TLSConfig("ldap.example.org", tt.caFile)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.caFile) {
					t.Fatalf("TLSConfig = %v, want %v naming %s", err, tt.wantErr, tt.caFile)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.ServerName != "ldap.example.org" || tc.MinVersion < 0x0303 || (tc.RootCAs != nil) != tt.wantCAs {
				t.Fatalf("TLSConfig = ServerName %q MinVersion %x RootCAs %v", tc.ServerName, tc.MinVersion, tc.RootCAs)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	past, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	tests := []struct {
		name     string
		ctx      context.Context
		d        time.Duration
		min, max time.Duration
	}{
		{"no deadline", context.Background(), time.Second, time.Second, time.Second},
		{"deadline later", short, time.Millisecond * 10, 10 * time.Millisecond, 10 * time.Millisecond},
		{"deadline sooner", short, time.Hour, time.Millisecond, 50 * time.Millisecond},
		{"deadline passed", past, time.Hour, time.Millisecond, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ldapconn.Timeout(tt.ctx, tt.d); got < tt.min || got > tt.max {
				t.Fatalf("Timeout = %v, want %v..%v", got, tt.min, tt.max)
			}
		})
	}
}

func TestUnusable(t *testing.T) {
	tests := []struct {
		code uint16
		want bool
	}{
		{ldap.LDAPResultSuccess, false},
		{ldap.LDAPResultNoSuchObject, false},
		{ldap.LDAPResultInvalidCredentials, false},
		{ldap.LDAPResultBusy, true},
		{ldap.LDAPResultUnavailable, true},
		{ldap.LDAPResultUnwillingToPerform, true},
		{ldap.LDAPResultOther, true},
		{ldap.ErrorNetwork, true},
		{ldap.LDAPResultTimeout, true},
	}
	for _, tt := range tests {
		t.Run(ldap.LDAPResultCodeMap[tt.code], func(t *testing.T) {
			if got := ldapconn.Unusable(tt.code); got != tt.want {
				t.Fatalf("Unusable(%d) = %v, want %v", tt.code, got, tt.want)
			}
		})
	}
}
