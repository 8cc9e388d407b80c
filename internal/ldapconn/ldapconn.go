package ldapconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Config says how to reach and bind to one LDAP server.
type Config struct {
	// URL is ldap://host[:port] or ldaps://host[:port].
	URL string
	// StartTLS upgrades an ldap:// connection with the StartTLS operation.
	StartTLS bool
	// TLS is used for ldaps:// and StartTLS; nil means Go's defaults.
	TLS *tls.Config
	// DialTimeout bounds connecting; RequestTimeout bounds StartTLS and the
	// bind. Either is cut short by ctx's deadline.
	DialTimeout    time.Duration
	RequestTimeout time.Duration
	// BindDN and Password are the account to bind as; both empty means no
	// bind (the connection stays anonymous).
	BindDN   string
	Password string
}

// Error is a failed Dial: which step failed against which server.
type Error struct {
	Op     string // "dial", "StartTLS" or "bind"
	URL    string
	BindDN string // for Op "bind"
	Err    error
}

func (e *Error) Error() string {
	switch e.Op {
	case "StartTLS":
		return fmt.Sprintf("StartTLS with %s: %v", e.URL, e.Err)
	case "bind":
		if e.InvalidCredentials() {
			return fmt.Sprintf("%s rejected the credentials of %q: %v", e.URL, e.BindDN, e.Err)
		}
		return fmt.Sprintf("bind as %q on %s: %v", e.BindDN, e.URL, e.Err)
	}
	return fmt.Sprintf("%s %s: %v", e.Op, e.URL, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// InvalidCredentials reports whether the server refused the bind's DN or
// password.
func (e *Error) InvalidCredentials() bool {
	return e.Op == "bind" && ldap.IsErrorWithCode(e.Err, ldap.LDAPResultInvalidCredentials)
}

// Dial connects to c.URL, upgrades the connection with StartTLS when
// c.StartTLS is set, and binds as c.BindDN when BindDN or Password is set.
// Connecting is bounded by c.DialTimeout, StartTLS and the bind by
// c.RequestTimeout, each cut short by ctx's deadline; ctx ending closes the
// connection, failing the step in flight. The returned connection keeps the
// request timeout of the last step; callers set their own. Errors are an
// *Error (wrapping ctx.Err() when ctx has already ended).
func Dial(ctx context.Context, c Config) (*ldap.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, &Error{Op: "dial", URL: c.URL, Err: err}
	}
	conn, err := ldap.DialURL(c.URL,
		ldap.DialWithDialer(&net.Dialer{Timeout: Timeout(ctx, c.DialTimeout)}),
		ldap.DialWithTLSConfig(c.TLS))
	if err != nil {
		return nil, &Error{Op: "dial", URL: c.URL, Err: err}
	}
	conn.SetTimeout(Timeout(ctx, c.RequestTimeout))
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if c.StartTLS {
		if err := conn.StartTLS(c.TLS); err != nil {
			conn.Close()
			return nil, &Error{Op: "StartTLS", URL: c.URL, Err: err}
		}
	}
	if c.BindDN != "" || c.Password != "" {
		if err := conn.Bind(c.BindDN, c.Password); err != nil {
			conn.Close()
			return nil, &Error{Op: "bind", URL: c.URL, BindDN: c.BindDN, Err: err}
		}
	}
	return conn, nil
}

// Timeout returns the shorter of d and the time left before ctx's deadline,
// and at least a millisecond (go-ldap takes zero as "no timeout").
func Timeout(ctx context.Context, d time.Duration) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < d {
			d = max(left, time.Millisecond)
		}
	}
	return d
}

// Unusable reports whether an LDAP result code means the connection should
// be dropped rather than reused: the server is busy, unavailable or
// unwilling, or the code is one of the client-side and transport codes (80
// and up: server down, timeout, decoding or network error). Codes such as
// noSuchObject come from a healthy connection.
func Unusable(code uint16) bool {
	switch code {
	case ldap.LDAPResultBusy, ldap.LDAPResultUnavailable, ldap.LDAPResultUnwillingToPerform:
		return true
	}
	return code >= ldap.LDAPResultOther
}

// ErrNoCertificates is returned (wrapped) by TLSConfig when the CA file
// holds no PEM certificate.
var ErrNoCertificates = errors.New("no PEM certificates")

// TLSConfig returns a client TLS configuration for host, TLS 1.2 or later,
// trusting the PEM CA certificates of caFile, or the system pool when caFile
// is empty. Errors: the file's read error, or ErrNoCertificates.
func TLSConfig(host, caFile string) (*tls.Config, error) {
	tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if caFile == "" {
		return tc, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: %w", caFile, ErrNoCertificates)
	}
	tc.RootCAs = pool
	return tc, nil
}
