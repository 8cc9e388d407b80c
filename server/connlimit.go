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
//
// Idle keep-alive connections would still hold every slot (a few addresses
// each holding its share, each connection idle until IdleTimeout), so the
// listener steers keep-alives: when more than 3/4 of the connections are
// open it calls keepAlives(false) — net/http then closes its idle
// connections and every other one after its response — and once fewer
// than half are open, keepAlives(true) again.
type limitListener struct {
	net.Listener
	perClient  int
	high, low  int // keep-alives go off above high, back on below low
	keepAlives func(on bool)

	mu      sync.Mutex
	open    map[string]int // connections by client key; no zero entries
	total   int            // sum of open
	pressed bool           // keep-alives are off
}

func newLimitListener(ln net.Listener, max, perClient int, keepAlives func(on bool)) *limitListener {
	return &limitListener{Listener: netutil.LimitListener(ln, max), perClient: perClient,
		high: max * 3 / 4, low: max / 2, keepAlives: keepAlives, open: map[string]int{}}
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
		l.steer()
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
	l.total++
	return true
}

// steer turns keep-alives off above l.high open connections and on below
// l.low. Only Accept calls it, one connection at a time, so the switches
// come in order; a fall below l.low with no new connection is seen at the
// next one (meanwhile each response closes its connection).
func (l *limitListener) steer() {
	l.mu.Lock()
	was := l.pressed
	switch {
	case l.total > l.high:
		l.pressed = true
	case l.total < l.low:
		l.pressed = false
	}
	now := l.pressed
	l.mu.Unlock()
	if now != was { // outside l.mu: closing idle connections calls put
		l.keepAlives(!now)
	}
}

func (l *limitListener) put(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

// connections returns how many connections are open.
func (l *limitListener) connections() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
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
