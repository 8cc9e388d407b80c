package libvirt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	lv "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"

	"github.com/azgate/azgate/engine"
)

// DefaultSocket is the read-write socket of the system libvirtd.
const DefaultSocket = "/run/libvirt/libvirt-sock"

// Config configures a Backend.
type Config struct {
	// URI is the --engine value: a libvirt URI, "qemu:///system" by
	// default (a "?socket=PATH" query names the daemon's socket, as in
	// virsh -c), or a socket path; see ParseTarget.
	URI string
	// Socket is the path of libvirtd's read-write socket; default the
	// URI's socket= parameter, else DefaultSocket.
	Socket string
	// Dir is azgate's data directory; the backend keeps the internal
	// Ethernet ports and the service configuration there (host-level,
	// default-scope records libvirt has no object for). Required.
	Dir string
	// Logger receives the backend's logs; nil discards them.
	Logger *slog.Logger
	// DialTimeout bounds connecting to the socket; default 5 s.
	DialTimeout time.Duration
}

// ParseTarget splits an --engine value naming libvirt into the URI to open
// and the socket to reach it on: a libvirt URI ("qemu:///system",
// "qemu+unix:///system?socket=/p": a transport suffix is dropped, the
// socket= parameter becomes the socket), or the path of a socket (absolute,
// or starting with ./ or ../; the URI is then qemu:///system). Only local
// sockets are reached: a URI with a host or another transport is an error.
func ParseTarget(s string) (uri, socket string, err error) {
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") {
		abs, err := filepath.Abs(s)
		if err != nil {
			return "", "", fmt.Errorf("libvirt socket %q: %w", s, err)
		}
		return string(lv.QEMUSystem), abs, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return "", "", fmt.Errorf("%w: %q is neither a libvirt URI nor a socket path", engine.ErrInvalid, s)
	}
	driver, transport, _ := strings.Cut(u.Scheme, "+")
	if (transport != "" && transport != "unix") || u.Host != "" {
		return "", "", fmt.Errorf("%w: libvirt URI %q: azgate reaches libvirtd on a local socket only (run it on the libvirt host)", engine.ErrInvalid, s)
	}
	socket = u.Query().Get("socket")
	u.Scheme, u.RawQuery = driver, ""
	return u.String(), socket, nil
}

// Backend drives libvirt. Create it with Open; it is safe for concurrent
// use.
type Backend struct {
	uri, socket string
	timeout     time.Duration
	log         *slog.Logger
	host        *hostFile

	connMu sync.Mutex
	conn   *lv.Libvirt // nil while disconnected

	// mu serialises changes: the Guard is checked, and the change made,
	// under it.
	mu sync.Mutex

	consoles *consoles
	ours     *recent // objects azgate is changing: their events are not "outside"
	domType  string  // "kvm" or "qemu", from the capabilities
}

var _ engine.Backend = (*Backend)(nil)
var _ engine.Watcher = (*Backend)(nil)

// Open connects to libvirt. It fails when the daemon cannot be reached, so
// that a wrong --engine is found at start; later outages are survived
// (ErrUnavailable, then an automatic reconnect).
func Open(ctx context.Context, cfg Config) (*Backend, error) {
	if cfg.URI == "" {
		cfg.URI = string(lv.QEMUSystem)
	}
	uri, sock, err := ParseTarget(cfg.URI)
	if err != nil {
		return nil, fmt.Errorf("open libvirt backend: %w", err)
	}
	if cfg.Socket == "" {
		cfg.Socket = sock
	}
	if cfg.Socket == "" {
		cfg.Socket = DefaultSocket
	}
	if cfg.Dir == "" {
		return nil, fmt.Errorf("open libvirt backend: %w: data directory is empty", engine.ErrInvalid)
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	host, err := openHostFile(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("open libvirt backend: %w", err)
	}
	b := &Backend{
		uri: uri, socket: cfg.Socket, timeout: cfg.DialTimeout,
		log:  log.With("system", "engine", "backend", "libvirt"),
		host: host, ours: newRecent(),
	}
	b.consoles = newConsoles(b)
	l, err := b.client(ctx)
	if err != nil {
		return nil, fmt.Errorf("open libvirt backend %s (socket %s): %w", uri, cfg.Socket, err)
	}
	b.domType, err = domainType(l)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("open libvirt backend %s: %w", uri, b.wrap(err))
	}
	b.log.InfoContext(ctx, "connected to libvirt", "uri", uri, "socket", cfg.Socket, "domainType", b.domType)
	return b, nil
}

// Close disconnects from libvirt and stops the console readers. Domains and
// networks live on.
func (b *Backend) Close() error {
	b.consoles.closeAll()
	b.connMu.Lock()
	defer b.connMu.Unlock()
	if b.conn != nil {
		err := b.conn.Disconnect()
		b.conn = nil
		if err != nil && !isDisconnect(err) {
			return fmt.Errorf("close libvirt connection: %w", err)
		}
	}
	return nil
}

// client returns the connection, dialling when there is none (or the last
// one broke). The error wraps ErrUnavailable.
func (b *Backend) client(ctx context.Context) (*lv.Libvirt, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.connMu.Lock()
	defer b.connMu.Unlock()
	if b.conn != nil {
		select {
		case <-b.conn.Disconnected():
			b.conn = nil
		default:
			return b.conn, nil
		}
	}
	l, err := b.dial()
	if err != nil {
		return nil, err
	}
	b.conn = l
	return l, nil
}

// dial opens a new connection on the socket.
func (b *Backend) dial() (*lv.Libvirt, error) {
	l := lv.NewWithDialer(dialers.NewLocal(dialers.WithSocket(b.socket), dialers.WithLocalTimeout(b.timeout)))
	if err := l.ConnectToURI(lv.ConnectURI(b.uri)); err != nil {
		return nil, fmt.Errorf("%w: libvirt at %s: %v", engine.ErrUnavailable, b.socket, err)
	}
	return l, nil
}

// dropConn forgets l when it is still the current connection, so the next
// call dials again.
func (b *Backend) dropConn(l *lv.Libvirt) {
	b.connMu.Lock()
	defer b.connMu.Unlock()
	if b.conn == l {
		b.conn = nil
		go l.Disconnect()
	}
}

// call runs fn on the connection; a broken connection becomes
// ErrUnavailable (and is dropped, so the next call reconnects), a libvirt
// error one of the engine's sentinels.
func (b *Backend) call(ctx context.Context, fn func(l *lv.Libvirt) error) error {
	l, err := b.client(ctx)
	if err != nil {
		return err
	}
	err = fn(l)
	if err != nil && isDisconnect(err) {
		b.dropConn(l)
	}
	return b.wrap(err)
}

// isDisconnect reports whether err says the connection is gone.
func isDisconnect(err error) bool {
	var ne net.Error
	return errors.Is(err, lv.ErrInterrupted) || errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) || errors.As(err, &ne) ||
		strings.Contains(err.Error(), "use of closed network connection")
}

// wrap maps err to the engine's sentinels, keeping libvirt's message.
func (b *Backend) wrap(err error) error {
	if err == nil {
		return nil
	}
	for _, s := range []error{engine.ErrNotFound, engine.ErrExists, engine.ErrInvalidState, engine.ErrInvalid,
		engine.ErrChanged, engine.ErrUnsupported, engine.ErrUnavailable, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, s) {
			return err
		}
	}
	if isDisconnect(err) {
		return fmt.Errorf("%w: libvirt connection lost: %v", engine.ErrUnavailable, err)
	}
	var le lv.Error
	if errors.As(err, &le) {
		switch lv.ErrorNumber(le.Code) {
		case lv.ErrNoDomain, lv.ErrNoNetwork, lv.ErrNoDomainSnapshot, lv.ErrNoStorageVol, lv.ErrNoStoragePool, lv.ErrNoInterface:
			return fmt.Errorf("%w: libvirt: %s", engine.ErrNotFound, le.Message)
		case lv.ErrDomExist, lv.ErrNetworkExist:
			return fmt.Errorf("%w: libvirt: %s", engine.ErrExists, le.Message)
		case lv.ErrOperationInvalid:
			return fmt.Errorf("%w: libvirt: %s", engine.ErrInvalidState, le.Message)
		case lv.ErrInvalidArg, lv.ErrXMLError, lv.ErrXMLDetail:
			return fmt.Errorf("%w: libvirt: %s", engine.ErrInvalid, le.Message)
		case lv.ErrNoSupport, lv.ErrOperationUnsupported, lv.ErrArgumentUnsupported:
			return fmt.Errorf("%w: libvirt: %s", engine.ErrUnsupported, le.Message)
		}
		return fmt.Errorf("libvirt: %s", le.Message)
	}
	return err
}

// recent tells libvirt's events caused by azgate from changes made
// outside it. While azgate changes a domain every event on it is azgate's;
// afterwards, for a short while, so is each event of the kinds the change
// causes that has not arrived yet (events come after the call returns).
// Anything else is reported as made outside azgate.
type recent struct {
	mu sync.Mutex
	m  map[string]*expectation
}

type expectation struct {
	inFlight int
	pending  map[lv.DomainEventType]int
	until    time.Time
}

// ourWindow is how long after azgate's change an expected event is taken
// as caused by it.
const ourWindow = 2 * time.Second

// allEvents are the lifecycle events a change of unknown effect may cause.
var allEvents = []lv.DomainEventType{lv.DomainEventDefined, lv.DomainEventUndefined, lv.DomainEventStarted,
	lv.DomainEventSuspended, lv.DomainEventResumed, lv.DomainEventStopped}

func newRecent() *recent { return &recent{m: map[string]*expectation{}} }

// mark says azgate is changing object id, which causes events of the
// kinds given (each once; none given: any kind, once); call the result
// when done.
func (r *recent) mark(id string, kinds ...lv.DomainEventType) func() {
	if len(kinds) == 0 {
		kinds = allEvents
	}
	r.mu.Lock()
	e := r.m[id]
	if e == nil {
		e = &expectation{pending: map[lv.DomainEventType]int{}}
		r.m[id] = e
	}
	e.inFlight++
	for _, k := range kinds {
		e.pending[k]++
	}
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		e.inFlight--
		e.until = time.Now().Add(ourWindow)
		r.mu.Unlock()
	}
}

// ours reports whether an event of kind k on id is azgate's doing.
func (r *recent) ours(id string, k lv.DomainEventType) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	for key, e := range r.m {
		if e.inFlight == 0 && now.After(e.until) {
			delete(r.m, key)
		}
	}
	e := r.m[id]
	if e == nil {
		return false
	}
	if e.pending[k] > 0 {
		e.pending[k]--
		return true
	}
	return e.inFlight > 0
}
