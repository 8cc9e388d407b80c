package engine

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/scopes"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// DBFile is the name of the engine's database file in Config.Dir.
const DBFile = "engine.db"

// Config configures an Engine.
type Config struct {
	// Dir is the data directory; the simulator's database is
	// Dir/engine.db. Created (0700) when missing.
	Dir string
	// Backend is the hypervisor the engine drives; nil is the simulator
	// in Dir. The Engine closes it.
	Backend Backend
	// Authorizer decides every call. Required.
	Authorizer Authorizer
	// Logger receives the engine's logs; nil discards them.
	Logger *slog.Logger
	// OnDecision, if set, is called for every access decision, allowed or
	// not, before the call proceeds. It must not call back into the engine.
	OnDecision func(ctx context.Context, d Decision)
	// LockTimeout bounds the wait for the database file lock held by another
	// process; zero means one second.
	LockTimeout time.Duration
}

// Engine is the management engine. Every exported method but Close takes the
// caller's client context and is decided by the interceptor before it reads
// or changes any state. It is safe for concurrent use.
type Engine struct {
	db         *bolt.DB
	gate       map[string]gateRule // gateTable(), built once
	authz      Authorizer
	log        *slog.Logger
	onDecision func(context.Context, Decision)
	now        func() time.Time
	started    time.Time
	defaults   ServiceConfig
}

// Open opens (creating if needed) the engine database in cfg.Dir.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Dir == "" {
		return nil, fmt.Errorf("open engine: %w: data directory is empty", ErrInvalid)
	}
	if cfg.Authorizer == nil {
		return nil, fmt.Errorf("open engine: %w: no Authorizer", ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open engine: %w", err)
	}
	if cfg.Backend != nil {
		return nil, fmt.Errorf("open engine: %w: only the simulator backend is wired yet", ErrUnsupported)
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("open engine: create data directory: %w", err)
	}
	timeout := cfg.LockTimeout
	if timeout <= 0 {
		timeout = time.Second
	}
	path := filepath.Join(cfg.Dir, DBFile)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("open engine database %s: %w", path, err)
	}
	renamed, err := initDB(db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open engine database %s: %w", path, err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for _, r := range renamed {
		log.WarnContext(ctx, "engine database migrated: "+r, "path", path)
	}
	abs, err := filepath.Abs(cfg.Dir)
	if err != nil {
		abs = cfg.Dir
	}
	e := &Engine{
		db:         db,
		gate:       gateTable(),
		authz:      cfg.Authorizer,
		log:        log.With("system", "engine"),
		onDecision: cfg.OnDecision,
		now:        time.Now,
		defaults: ServiceConfig{
			DefaultVMPath:      filepath.Join(abs, "Virtual Machines"),
			DefaultDiskPath:    filepath.Join(abs, "Virtual Hard Disks"),
			ConsoleBufferBytes: 16 << 10,
		},
	}
	e.started = e.now()
	e.log.InfoContext(ctx, "engine opened", "path", path)
	return e, nil
}

// Close closes the database. The Engine must not be used afterwards.
func (e *Engine) Close() error {
	if err := e.db.Close(); err != nil {
		return fmt.Errorf("close engine database: %w", err)
	}
	return nil
}

// read runs fn in a read-only transaction bounded by permit p.
func (e *Engine) read(p permit, fn func(t txn) error) error {
	if p.method == "" {
		return errors.New("engine: state read without a permit")
	}
	return e.db.View(func(tx *bolt.Tx) error { return fn(txn{tx, p}) })
}

// write runs fn in a read-write transaction bounded by permit p, committed
// and synced when fn returns nil.
func (e *Engine) write(p permit, fn func(t txn) error) error {
	if p.method == "" {
		return errors.New("engine: state write without a permit")
	}
	return e.db.Update(func(tx *bolt.Tx) error { return fn(txn{tx, p}) })
}

// listScopes is the read made before a list decision: the scopes of every
// object of kind k.
func (e *Engine) listScopes(k kind) ([]string, error) {
	var out []string
	err := e.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = txn{tx: tx}.scopes(k)
		return err
	})
	return out, err
}

// maxDecideAttempts bounds how often a call is decided again when an object
// it touches changes (moves to another scope, links to another object)
// between the decision and the transaction.
const maxDecideAttempts = 3

// gated is the path of every call on named objects: decide it on every
// object its gate rule names (authorize), then run fn in one transaction
// bounded by the permit. fn gets the IDs of the objects decided, by role.
// When a record fn reads is not the one decided (errChanged), the call is
// decided again.
func (e *Engine) gated(ctx context.Context, c directory.ClientContext, method string, write bool,
	fn func(t txn, ids map[role]string) error, args ...arg,
) error {
	for attempt := 1; ; attempt++ {
		p, err := e.authorize(ctx, c, method, args...)
		if err != nil {
			return err
		}
		run := e.read
		if write {
			run = e.write
		}
		err = run(p, func(t txn) error { return fn(t, p.ids) })
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
