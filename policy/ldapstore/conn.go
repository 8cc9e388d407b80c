package ldapstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// maxIdle is how many bound connections a Store keeps for reuse.
const maxIdle = 2

// pool hands out connections bound as Config.BindDN. A connection that saw
// a transport error, a timeout or a cancelled context is closed, never
// reused.
type pool struct {
	cfg  *Config
	mu   sync.Mutex
	idle []*ldap.Conn
	done bool
}

// do runs fn on a bound connection. Every request of fn is bounded by the
// shorter of Config.Timeout and ctx's deadline; ctx ending closes the
// connection, which fails the request in flight at once.
func (p *pool) do(ctx context.Context, fn func(*ldap.Conn) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	conn, err := p.get(ctx)
	if err != nil {
		return err
	}
	conn.SetTimeout(p.timeout(ctx))
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	err = fn(conn)
	if !stop() {
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, p.cfg.URL, errors.Join(ctx.Err(), err))
	}
	if err != nil && isConnError(err) {
		conn.Close()
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, p.cfg.URL, err)
	}
	p.put(conn)
	return err
}

func (p *pool) timeout(ctx context.Context) time.Duration {
	t := p.cfg.Timeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < t {
			t = max(left, time.Millisecond)
		}
	}
	return t
}

func (p *pool) get(ctx context.Context) (*ldap.Conn, error) {
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		return nil, fmt.Errorf("%w: the store is closed", ErrUnavailable)
	}
	for len(p.idle) > 0 {
		c := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if !c.IsClosing() {
			p.mu.Unlock()
			return c, nil
		}
	}
	p.mu.Unlock()

	timeout := p.timeout(ctx)
	conn, err := ldap.DialURL(p.cfg.URL,
		ldap.DialWithDialer(&net.Dialer{Timeout: timeout}),
		ldap.DialWithTLSConfig(p.cfg.TLSConfig))
	if err != nil {
		return nil, fmt.Errorf("%w: dial %s: %w", ErrUnavailable, p.cfg.URL, err)
	}
	conn.SetTimeout(timeout)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if p.cfg.StartTLS {
		if err := conn.StartTLS(p.cfg.TLSConfig); err != nil {
			conn.Close()
			return nil, fmt.Errorf("%w: StartTLS with %s: %w", ErrUnavailable, p.cfg.URL, err)
		}
	}
	if p.cfg.BindDN != "" || p.cfg.Password != "" {
		if err := conn.Bind(p.cfg.BindDN, p.cfg.Password); err != nil {
			conn.Close()
			if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
				return nil, fmt.Errorf("%w: %s rejected the credentials of %q: %w", ErrUnavailable, p.cfg.URL, p.cfg.BindDN, err)
			}
			return nil, fmt.Errorf("%w: bind as %q on %s: %w", ErrUnavailable, p.cfg.BindDN, p.cfg.URL, err)
		}
	}
	return conn, nil
}

func (p *pool) put(c *ldap.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done || c.IsClosing() || len(p.idle) >= maxIdle {
		c.Close()
		return
	}
	p.idle = append(p.idle, c)
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
// opposed to an LDAP result such as noSuchObject on a healthy connection
// or an error of this package.
func isConnError(err error) bool {
	var le *ldap.Error
	if !errors.As(err, &le) {
		return false // this package's own errors (decoding, conflicts)
	}
	switch le.ResultCode {
	case ldap.LDAPResultBusy, ldap.LDAPResultUnavailable, ldap.LDAPResultUnwillingToPerform:
		return true
	}
	return le.ResultCode >= ldap.LDAPResultOther
}
