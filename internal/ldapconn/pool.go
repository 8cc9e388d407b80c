package ldapconn

import (
	"context"
	"errors"
	"sync"

	"github.com/go-ldap/ldap/v3"
)

// ErrClosed is returned by Pool.Get after Close.
var ErrClosed = errors.New("connection pool closed")

// Pool keeps idle connections, dialled and bound by Config, for reuse. It
// does not bound how many are in use at once; callers that need a bound
// hold a semaphore around Get and Put. The zero value with a Config is
// ready; it is safe for concurrent use.
type Pool struct {
	Config Config
	// MaxIdle is how many idle connections Put keeps; zero means no limit.
	MaxIdle int

	mu     sync.Mutex
	idle   []*ldap.Conn
	closed bool
}

// Get returns an idle connection that is not closing, or dials a new one
// (see Dial). Errors: ErrClosed, or Dial's *Error.
func (p *Pool) Get(ctx context.Context) (*ldap.Conn, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
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
	return Dial(ctx, p.Config)
}

// Put returns a healthy connection for reuse. It closes c instead when the
// pool is closed or full, or c is closing; a caller that saw a transport
// error on c closes it and does not Put it.
func (p *Pool) Put(c *ldap.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || c.IsClosing() || (p.MaxIdle > 0 && len(p.idle) >= p.MaxIdle) {
		c.Close()
		return
	}
	p.idle = append(p.idle, c)
}

// Close closes the idle connections; later Gets fail with ErrClosed and
// later Puts close their connection. It is safe to call more than once.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, c := range p.idle {
		c.Close()
	}
	p.idle = nil
}
