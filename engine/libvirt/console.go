package libvirt

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	lv "github.com/digitalocean/go-libvirt"

	"github.com/azgate/azgate/engine"
)

// consoles keeps, per running domain, one stream on its serial console: a
// reader appends what the console writes to a bounded buffer (the last
// ServiceConfig.ConsoleBufferBytes bytes), and input is written to the
// stream. The stream ends when the domain stops or the connection breaks;
// it is opened again when the domain is next started or its console read.
type consoles struct {
	b  *Backend
	mu sync.Mutex
	m  map[string]*console // by domain UUID
}

type console struct {
	mu     sync.Mutex
	buf    []byte
	limit  int
	in     *io.PipeWriter // nil once the stream ended
	active bool
}

func newConsoles(b *Backend) *consoles { return &consoles{b: b, m: map[string]*console{}} }

func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = append(c.buf, p...)
	if over := len(c.buf) - c.limit; over > 0 {
		c.buf = append(c.buf[:0], c.buf[over:]...)
	}
	return len(p), nil
}

func (c *console) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.buf)
}

// open starts the console stream of running domain id unless one is
// active, and reports whether it opened one. The buffer survives a
// stream's end (and a restart of the VM).
func (cs *consoles) open(id string, ref lv.Domain) bool {
	limit := cs.b.host.config().ConsoleBufferBytes
	cs.mu.Lock()
	c := cs.m[id]
	if c == nil {
		c = &console{limit: limit}
		cs.m[id] = c
	}
	cs.mu.Unlock()
	c.mu.Lock()
	if c.active {
		c.mu.Unlock()
		return false
	}
	c.limit = limit
	r, w := io.Pipe()
	c.in, c.active = w, true
	c.mu.Unlock()

	l, err := cs.b.client(context.Background())
	if err != nil {
		c.end(w)
		return false
	}
	// go-libvirt reads the input side for the first time once libvirtd
	// has opened the stream: open returns then, so a VM started paused is
	// resumed only when nothing it writes can be missed.
	in := &firstRead{r: r, ready: make(chan struct{})}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		// Force: take the console over from a stream left by an earlier
		// azgate (or a person's virsh console).
		err := l.DomainOpenConsoleBidirectional(ref, nil, in, c, uint32(lv.DomainConsoleForce))
		if err != nil {
			cs.b.log.Debug("console stream ended", "vm", ref.Name, "err", err)
		}
		c.end(w)
	}()
	select {
	case <-in.ready:
		return true
	case <-ended:
	case <-time.After(consoleOpenTimeout):
		cs.b.log.Warn("console stream not open in time", "vm", ref.Name)
	}
	return false
}

// consoleOpenTimeout bounds the wait for libvirtd to open a console stream.
const consoleOpenTimeout = 30 * time.Second

// firstRead closes ready on its first Read.
type firstRead struct {
	r     io.Reader
	once  sync.Once
	ready chan struct{}
}

func (f *firstRead) Read(p []byte) (int, error) {
	f.once.Do(func() { close(f.ready) })
	return f.r.Read(p)
}

func (c *console) end(w *io.PipeWriter) {
	w.Close()
	c.mu.Lock()
	if c.in == w {
		c.in, c.active = nil, false
	}
	c.mu.Unlock()
}

// drop forgets domain id's console (the domain is deleted).
func (cs *consoles) drop(id string) {
	cs.mu.Lock()
	c := cs.m[id]
	delete(cs.m, id)
	cs.mu.Unlock()
	if c != nil {
		c.mu.Lock()
		w := c.in
		c.mu.Unlock()
		if w != nil {
			w.Close()
		}
	}
}

func (cs *consoles) closeAll() {
	cs.mu.Lock()
	ids := make([]string, 0, len(cs.m))
	for id := range cs.m {
		ids = append(ids, id)
	}
	cs.mu.Unlock()
	for _, id := range ids {
		cs.drop(id)
	}
}

// ReadConsole implements engine.Backend: what the serial console wrote
// since azgate first attached to it, at most ConsoleBufferBytes.
func (b *Backend) ReadConsole(ctx context.Context, g engine.Guard, id string) (string, error) {
	err := b.call(ctx, func(l *lv.Libvirt) error {
		d, err := b.guardVM(l, g, id)
		if err != nil {
			return err
		}
		if d.state == engine.Running || d.state == engine.Paused {
			b.consoles.open(id, d.ref)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	b.consoles.mu.Lock()
	c := b.consoles.m[id]
	b.consoles.mu.Unlock()
	if c == nil {
		return "", nil
	}
	return c.text(), nil
}

// SendConsoleInput implements engine.Backend: types text on the serial
// console of a running domain.
func (b *Backend) SendConsoleInput(ctx context.Context, g engine.Guard, id, text string) error {
	return b.call(ctx, func(l *lv.Libvirt) error {
		d, err := b.guardVM(l, g, id)
		if err != nil {
			return err
		}
		if d.state != engine.Running {
			return fmt.Errorf("virtual machine %q: %w: console input needs a running virtual machine, it is %s", d.ref.Name, engine.ErrInvalidState, d.state)
		}
		b.consoles.open(id, d.ref)
		b.consoles.mu.Lock()
		c := b.consoles.m[id]
		b.consoles.mu.Unlock()
		c.mu.Lock()
		w := c.in
		c.mu.Unlock()
		if w == nil {
			return fmt.Errorf("%w: virtual machine %q: the console stream is closed", engine.ErrUnavailable, d.ref.Name)
		}
		done := make(chan error, 1)
		go func() { _, err := io.WriteString(w, text); done <- err }()
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("%w: virtual machine %q: console input: %v", engine.ErrUnavailable, d.ref.Name, err)
			}
			return nil
		case <-ctx.Done():
			w.CloseWithError(ctx.Err())
			return ctx.Err()
		}
	})
}
