package ldapsync

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// pool is a bounded pool of connections bound as the service account.
// A connection that saw a network error, a timeout or a cancelled context
// is closed, never reused.
type pool struct {
	cfg  *Config
	tls  *tls.Config
	sem  chan struct{} // one token per connection in use or being dialled
	mu   sync.Mutex
	idle []*ldap.Conn
	done bool
}

func newPool(cfg *Config) (*pool, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("parse url: %w", err)
	}
	tc, err := cfg.tlsConfig(u.Hostname())
	if err != nil {
		return nil, err
	}
	return &pool{cfg: cfg, tls: tc, sem: make(chan struct{}, cfg.MaxConns)}, nil
}

// do runs fn on a pooled service connection. The request timeout of the
// connection is the shorter of Config.RequestTimeout and the time left
// before ctx's deadline; cancelling ctx closes the connection, which makes
// the request in flight fail at once.
func (p *pool) do(ctx context.Context, fn func(*ldap.Conn) error) error {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("%w: waiting for a connection: %w", ErrUnavailable, ctx.Err())
	}
	defer func() { <-p.sem }()

	conn, err := p.get(ctx)
	if err != nil {
		return err
	}
	conn.SetTimeout(p.requestTimeout(ctx))
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	err = fn(conn)
	if !stop() {
		// ctx ended during the request: the connection is closed.
		if err == nil {
			err = ctx.Err()
		}
		return fmt.Errorf("%w: %w", ErrUnavailable, errors.Join(ctx.Err(), err))
	}
	if err != nil && isConnError(err) {
		conn.Close()
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, p.cfg.URL, err)
	}
	p.put(conn)
	return err
}

func (p *pool) requestTimeout(ctx context.Context) time.Duration {
	t := p.cfg.RequestTimeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < t {
			t = max(left, time.Millisecond)
		}
	}
	return t
}

// get returns an idle connection or dials a new one.
func (p *pool) get(ctx context.Context) (*ldap.Conn, error) {
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		return nil, fmt.Errorf("%w: directory closed", ErrUnavailable)
	}
	for len(p.idle) > 0 {
		conn := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if !conn.IsClosing() {
			p.mu.Unlock()
			return conn, nil
		}
	}
	p.mu.Unlock()
	conn, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	if p.cfg.BindDN != "" {
		conn.SetTimeout(p.requestTimeout(ctx))
		if err := conn.Bind(p.cfg.BindDN, p.cfg.BindPassword); err != nil {
			conn.Close()
			if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
				return nil, fmt.Errorf("%w: service account %s rejected by %s: %w", ErrUnavailable, p.cfg.BindDN, p.cfg.URL, err)
			}
			return nil, fmt.Errorf("%w: bind as %s on %s: %w", ErrUnavailable, p.cfg.BindDN, p.cfg.URL, err)
		}
	}
	return conn, nil
}

func (p *pool) put(conn *ldap.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done || conn.IsClosing() {
		conn.Close()
		return
	}
	p.idle = append(p.idle, conn)
}

// dial connects (and upgrades with StartTLS when configured) within the
// dial timeout and ctx. The connection is not bound.
func (p *pool) dial(ctx context.Context) (*ldap.Conn, error) {
	timeout := p.cfg.DialTimeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < timeout {
			timeout = max(left, time.Millisecond)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	conn, err := ldap.DialURL(p.cfg.URL,
		ldap.DialWithDialer(&net.Dialer{Timeout: timeout}),
		ldap.DialWithTLSConfig(p.tls))
	if err != nil {
		return nil, fmt.Errorf("%w: dial %s: %w", ErrUnavailable, p.cfg.URL, err)
	}
	if p.cfg.StartTLS {
		conn.SetTimeout(p.requestTimeout(ctx))
		if err := conn.StartTLS(p.tls); err != nil {
			conn.Close()
			return nil, fmt.Errorf("%w: StartTLS with %s: %w", ErrUnavailable, p.cfg.URL, err)
		}
	}
	return conn, nil
}

func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = true
	for _, c := range p.idle {
		c.Close()
	}
	p.idle = nil
}

// isConnError reports whether err means the connection is unusable, as
// opposed to an LDAP result such as noSuchObject on a healthy connection.
func isConnError(err error) bool {
	var le *ldap.Error
	if !errors.As(err, &le) {
		return true
	}
	switch le.ResultCode {
	case ldap.LDAPResultBusy, ldap.LDAPResultUnavailable, ldap.LDAPResultUnwillingToPerform:
		return true
	}
	// 80 and up are client-side and transport codes: server down,
	// timeout, decoding error, network error, ...
	return le.ResultCode >= ldap.LDAPResultOther
}
