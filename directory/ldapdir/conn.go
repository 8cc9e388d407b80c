package ldapdir

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/internal/ldapconn"
)

// pool is a bounded pool of connections bound as the service account.
// A connection that saw a network error, a timeout or a cancelled context
// is closed, never reused.
type pool struct {
	cfg   *Config
	sem   chan struct{} // one token per connection in use or being dialled
	conns ldapconn.Pool // idle connections bound as the service account
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
	return &pool{cfg: cfg, sem: make(chan struct{}, cfg.MaxConns), conns: ldapconn.Pool{Config: ldapconn.Config{
		URL: cfg.URL, StartTLS: cfg.StartTLS, TLS: tc,
		DialTimeout: cfg.DialTimeout, RequestTimeout: cfg.RequestTimeout,
		BindDN: cfg.BindDN, Password: cfg.BindPassword,
	}}}, nil
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

	conn, err := p.conns.Get(ctx)
	if errors.Is(err, ldapconn.ErrClosed) {
		return fmt.Errorf("%w: directory closed", ErrUnavailable)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
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
	p.conns.Put(conn)
	return err
}

func (p *pool) requestTimeout(ctx context.Context) time.Duration {
	return ldapconn.Timeout(ctx, p.cfg.RequestTimeout)
}

// dial connects (and upgrades with StartTLS when configured) within the
// dial timeout and ctx. The connection is not bound.
func (p *pool) dial(ctx context.Context) (*ldap.Conn, error) {
	c := p.conns.Config
	c.BindDN, c.Password = "", ""
	conn, err := ldapconn.Dial(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return conn, nil
}

func (p *pool) close() { p.conns.Close() }

// isConnError reports whether err means the connection is unusable, as
// opposed to an LDAP result such as noSuchObject on a healthy connection.
func isConnError(err error) bool {
	var le *ldap.Error
	return !errors.As(err, &le) || ldapconn.Unusable(le.ResultCode)
}
