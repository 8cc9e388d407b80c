package server

import (
	"net"
	"sync"

	"golang.org/x/net/netutil"
)

// limitListener bounds the connections served at once (netutil's
// LimitListener: beyond Config.MaxConnections, new connections wait in the
// kernel's backlog) and the connections one client address holds
// (Config.MaxConnectionsPerClient: beyond it a new connection is closed at
// once). So slow clients from one address cannot take every connection,
// nor the process's file descriptors: other clients, health probes among
// them, are still served.
type limitListener struct {
	net.Listener
	perClient int

	mu   sync.Mutex
	open map[string]int // connections by client key; no zero entries
}

func newLimitListener(ln net.Listener, max, perClient int) *limitListener {
	return &limitListener{Listener: netutil.LimitListener(ln, max), perClient: perClient, open: map[string]int{}}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := addrKey(c.RemoteAddr().String())
		if !l.take(key) {
			_ = c.Close() // this client holds its share; its slot is free again
			continue
		}
		return &clientConn{Conn: c, release: sync.OnceFunc(func() { l.put(key) })}, nil
	}
}

func (l *limitListener) take(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key] >= l.perClient {
		return false
	}
	l.open[key]++
	return true
}

func (l *limitListener) put(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

// connections returns how many connections are open.
func (l *limitListener) connections() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.open {
		n += c
	}
	return n
}

// clientConn gives its client's share back when it is closed.
type clientConn struct {
	net.Conn
	release func()
}

func (c *clientConn) Close() error {
	c.release()
	return c.Conn.Close()
}
