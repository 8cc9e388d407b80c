package ldapstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/internal/ldapconn"
)

// maxIdle is how many bound connections a Store keeps for reuse.
const maxIdle = 2

// pool hands out connections bound as Config.BindDN. A connection that saw
// a transport error, a timeout or a cancelled context is closed, never
// reused.
type pool struct {
	cfg   *Config
	conns ldapconn.Pool
}

func newPool(cfg *Config) *pool {
	return &pool{cfg: cfg, conns: ldapconn.Pool{MaxIdle: maxIdle, Config: ldapconn.Config{
		URL: cfg.URL, StartTLS: cfg.StartTLS, TLS: cfg.TLSConfig,
		DialTimeout: cfg.Timeout, RequestTimeout: cfg.Timeout,
		BindDN: cfg.BindDN, Password: cfg.Password,
	}}}
}

// do runs fn on a bound connection. Every request of fn is bounded by the
// shorter of Config.Timeout and ctx's deadline; ctx ending closes the
// connection, which fails the request in flight at once.
func (p *pool) do(ctx context.Context, fn func(*ldap.Conn) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	conn, err := p.conns.Get(ctx)
	if errors.Is(err, ldapconn.ErrClosed) {
		return fmt.Errorf("%w: the store is closed", ErrUnavailable)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	conn.SetTimeout(ldapconn.Timeout(ctx, p.cfg.Timeout))
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	err = fn(conn)
	if !stop() {
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, p.cfg.URL, errors.Join(ctx.Err(), err))
	}
	if err != nil && isConnError(err) {
		conn.Close()
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, p.cfg.URL, err)
	}
	p.conns.Put(conn)
	return err
}

func (p *pool) close() { p.conns.Close() }

// isConnError reports whether err means the connection is unusable, as
// opposed to an LDAP result such as noSuchObject on a healthy connection
// or an error of this package (decoding, conflicts).
func isConnError(err error) bool {
	var le *ldap.Error
	return errors.As(err, &le) && ldapconn.Unusable(le.ResultCode)
}
