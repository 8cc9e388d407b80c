package engine

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/scopes"
	"github.com/google/uuid"
)

// Config configures an Engine.
type Config struct {
	// Dir is the data directory of the simulator (Dir/engine.db) when
	// Backend is nil. Created (0700) when missing.
	Dir string
	// Backend is the hypervisor the engine drives; nil opens the simulator
	// in Dir. The Engine closes it.
	Backend Backend
	// Authorizer decides every call. Required.
	Authorizer Authorizer
	// Logger receives the engine's logs; nil discards them.
	Logger *slog.Logger
	// OnDecision, if set, is called for every access decision, allowed or
	// not, before the call proceeds. It must not call back into the engine.
	OnDecision func(ctx context.Context, d Decision)
	// OnEvent, if set, is called for every change the backend reports was
	// made outside azgate (a VM crashed or was stopped out of band; see
	// Watcher), in order. It must not call back into the engine.
	OnEvent func(ctx context.Context, ev Event)
	// DecisionPoint, if set, returns nil when the caller may ask, as a
	// policy decision point, in which scopes decisions about another
	// subject are made (VMDecisionScopes, SwitchDecisionScopes,
	// PortDecisionScopes): the server's Check Access delegation, as
	// /v1/check needs. Nil: no caller may.
	DecisionPoint func(ctx context.Context, c directory.ClientContext) error
	// LockTimeout bounds the wait for the simulator's database file lock
	// held by another process; zero means one second.
	LockTimeout time.Duration
}

// Engine is the management engine. Every exported method but Close takes the
// caller's client context and is decided by the interceptor before it reads
// or changes any state. It is safe for concurrent use.
type Engine struct {
	backend    Backend             // reached only through the gate (gate.go, view.go)
	gate       map[string]gateRule // gateTable(), built once
	authz      Authorizer
	log        *slog.Logger
	onDecision func(context.Context, Decision)
	onEvent    func(context.Context, Event)
	point      func(context.Context, directory.ClientContext) error
	now        func() time.Time
	started    time.Time
	stopWatch  context.CancelFunc
	watchDone  chan struct{}
}

// Open opens the engine on cfg.Backend, or on the simulator in cfg.Dir.
// When the backend is a Watcher, its events are reported to cfg.OnEvent
// until Close.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Authorizer == nil {
		return nil, fmt.Errorf("open engine: %w: no Authorizer", ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open engine: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := cfg.Backend
	if b == nil {
		sim, err := OpenSimulator(ctx, SimulatorConfig{Dir: cfg.Dir, LockTimeout: cfg.LockTimeout, Logger: log.With("system", "engine")})
		if err != nil {
			return nil, err
		}
		b = sim
	}
	e := &Engine{
		backend:    b,
		gate:       gateTable(),
		authz:      cfg.Authorizer,
		log:        log.With("system", "engine"),
		onDecision: cfg.OnDecision,
		onEvent:    cfg.OnEvent,
		point:      cfg.DecisionPoint,
		now:        time.Now,
		watchDone:  make(chan struct{}),
	}
	e.started = e.now()
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e.stopWatch = cancel
	go e.watch(wctx)
	return e, nil
}

// watch reports the backend's events until ctx is done.
func (e *Engine) watch(ctx context.Context) {
	defer close(e.watchDone)
	w, ok := e.backend.(Watcher)
	if !ok {
		return
	}
	err := w.Watch(ctx, func(ev Event) {
		e.log.InfoContext(ctx, "engine event: "+ev.Reason, "kind", string(ev.Kind), logKeyObject, ev.Name,
			logKeyScope, ev.Scope, "state", ev.State.String())
		if e.onEvent != nil {
			e.onEvent(ctx, ev)
		}
	})
	if err != nil && ctx.Err() == nil {
		e.log.ErrorContext(ctx, "engine events stopped; changes made outside azgate are no longer audited", "err", err)
	}
}

// Close stops the event watch and closes the backend. The Engine must not
// be used afterwards.
func (e *Engine) Close() error {
	e.stopWatch()
	<-e.watchDone
	return e.backend.Close()
}

// maxDecideAttempts bounds how often a call is decided again when an object
// it touches changes (moves to another scope, links to another object)
// between the decision and the transaction.
const maxDecideAttempts = 3

// gated is the path of every call on named objects: decide it on every
// object its gate rule names (authorize), then run fn on a view of the
// backend bounded by the permit. fn gets the IDs of the objects decided, by
// role. When an object fn reads or changes is not the one decided (the
// view's check or the backend's Guard: ErrChanged), the call is decided
// again.
func (e *Engine) gated(ctx context.Context, c directory.ClientContext, method string,
	fn func(v *view, ids map[role]string) error, args ...arg,
) error {
	for attempt := 1; ; attempt++ {
		p, err := e.authorize(ctx, c, method, args...)
		if err != nil {
			return err
		}
		err = fn(e.view(ctx, p), p.ids)
		switch {
		case errors.Is(err, errChanged) && attempt < maxDecideAttempts:
			continue
		case errors.Is(err, errChanged):
			return fmt.Errorf("%w: %w", ErrInvalidState, err)
		}
		return err
	}
}

// Input validation.

const (
	maxNameLen  = 256
	maxNotesLen = 4096
	maxMemoryMB = 1 << 20 // 1 TiB
	maxCPUs     = 64
	maxAdapters = 8
	maxInput    = 4096
	maxVLAN     = 4094
	maxSnaps    = 50
	minConsole  = 1 << 10
	maxConsole  = 1 << 20
)

func checkName(what, name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return invalidf("%s name is empty", what)
	case name != strings.TrimSpace(name):
		return invalidf("%s name %q has leading or trailing space", what, name)
	case len(name) > maxNameLen:
		return invalidf("%s name is %d bytes long, at most %d allowed", what, len(name), maxNameLen)
	case !utf8.ValidString(name):
		return invalidf("%s name is not valid UTF-8", what)
	case strings.ContainsFunc(name, unicode.IsControl):
		return invalidf("%s name %q contains a control character", what, name)
	}
	return nil
}

func checkNotes(what, notes string) error {
	if len(notes) > maxNotesLen {
		return invalidf("%s notes are %d bytes long, at most %d allowed", what, len(notes), maxNotesLen)
	}
	if !utf8.ValidString(notes) {
		return invalidf("%s notes are not valid UTF-8", what)
	}
	return nil
}

func checkScope(what, scope string) error {
	if err := scopes.Check(scope); err != nil {
		return invalidf("%s: %v", what, err)
	}
	return nil
}

// checkUpdate checks the fields an update of a what sets: its new name,
// notes and scope (nil: left as they are).
func checkUpdate(what string, name, notes, scope *string) error {
	if name != nil {
		if err := checkName(what, *name); err != nil {
			return err
		}
	}
	if notes != nil {
		if err := checkNotes(what, *notes); err != nil {
			return err
		}
	}
	if scope != nil {
		return checkScope(what, *scope)
	}
	return nil
}

func checkMemory(vm string, mb int) error {
	if mb < 1 || mb > maxMemoryMB {
		return invalidf("virtual machine %q: memory %d MB out of range 1..%d", vm, mb, maxMemoryMB)
	}
	return nil
}

func checkProcessors(vm string, n int) error {
	if n < 1 || n > maxCPUs {
		return invalidf("virtual machine %q: processors %d out of range 1..%d", vm, n, maxCPUs)
	}
	return nil
}

// newMAC returns a random MAC address in Hyper-V's 00:15:5D range.
func newMAC() string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return fmt.Sprintf("00:15:5D:%02X:%02X:%02X", b[0], b[1], b[2])
}

func newID() string { return uuid.NewString() }
