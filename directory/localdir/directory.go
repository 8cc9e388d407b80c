package localdir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofrs/flock"
	"golang.org/x/crypto/bcrypt"
)

// Well-known names of the built-in Administrators group.
const (
	AdministratorsName      = "Administrators"
	AdministratorsQualified = `BUILTIN\Administrators`
	AdministratorsSID       = "S-1-5-32-544"
)

const (
	firstRID      = 1000
	maxNameLen    = 256
	lockRetry     = 10 * time.Millisecond
	defaultTTL    = time.Minute
	cacheMax      = 10000
	logKeyPath    = "path"
	logKeyUser    = "user"
	logKeyGroup   = "group"
	logKeyCreated = "created"
	// defaultRecheck is how long the authentication path trusts its last
	// look at the file; see WithRecheckInterval.
	defaultRecheck = 250 * time.Millisecond
)

// Sentinel errors. Errors returned by this package wrap one of them and name
// the object and, for file problems, the file.
var (
	// ErrNotFound: the user, group, group member or token does not exist.
	ErrNotFound = errors.New("not found")
	// ErrUnknownUser: no user has that name or SID. It wraps ErrNotFound.
	// Authenticate never returns it (it returns ErrBadCredentials).
	ErrUnknownUser = fmt.Errorf("unknown user (%w)", ErrNotFound)
	// ErrBadCredentials: Authenticate or AuthenticateToken rejected the
	// credentials (wrong password, unknown user, unknown or malformed token).
	ErrBadCredentials = errors.New("bad credentials")
	// ErrExists: a user or group of that name, a token with that label, or
	// that group membership already exists.
	ErrExists = errors.New("already exists")
	// ErrCycle: adding the member would make a group contain itself.
	ErrCycle = errors.New("group membership cycle")
	// ErrInvalid: a name, label or password is not acceptable, or the
	// operation is not allowed (deleting the built-in Administrators group).
	ErrInvalid = errors.New("invalid")
	// ErrCorrupt: the directory file does not parse or is inconsistent.
	ErrCorrupt = errors.New("corrupt directory file")
)

// Option configures Open.
type Option func(*Directory)

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(d *Directory) {
		if l != nil {
			d.log = l
		}
	}
}

// WithBcryptCost sets the bcrypt cost of new password hashes (default
// bcrypt.DefaultCost). Lower costs are for tests only.
func WithBcryptCost(cost int) Option { return func(d *Directory) { d.cost = cost } }

// WithCredentialCacheTTL sets how long a verified password is remembered
// (default one minute); 0 or less disables the cache.
func WithCredentialCacheTTL(ttl time.Duration) Option {
	return func(d *Directory) { d.cacheTTL = ttl }
}

// WithPasswordChecks bounds how many bcrypt password comparisons run at
// once (default GOMAXPROCS): Authenticate waits for a free slot, at most
// until its context ends, so a flood of logins queues instead of taking
// every CPU. Values below 1 mean 1.
func WithPasswordChecks(n int) Option {
	return func(d *Directory) { d.checks = make(chan struct{}, max(n, 1)) }
}

// WithRecheckInterval sets how long Authenticate, AuthenticateToken and
// Resolve trust their last look at the directory file (default 250 ms)
// before they stat it again: a change written by another process is seen
// within this interval, a change through any Directory of this process at
// once. 0 or less checks the file on every call. Listing (Users, Groups)
// and every change always check the file.
func WithRecheckInterval(interval time.Duration) Option {
	return func(d *Directory) { d.recheck = interval }
}

// WithDomain names the domain the directory's accounts belong to, as a
// Windows machine names its local accounts MACHINE\user. Client contexts
// then carry every user and group name also in the qualified form
// DOMAIN\name, so that role assignments written for a domain (the book's
// CONTOSO\HV-Monitors) match local groups of the same names.
func WithDomain(name string) Option { return func(d *Directory) { d.domain = strings.TrimSpace(name) } }

// Directory is an open local directory file. It is safe for concurrent use
// by many goroutines, and several processes may open the same file.
type Directory struct {
	path     string
	log      *slog.Logger
	cost     int
	cacheTTL time.Duration
	domain   string
	now      func() time.Time

	wmu  sync.Mutex // serialises read-modify-write in this process
	lock *flock.Flock

	mu sync.Mutex // guards st and fi; serialises looks at the file
	st *state
	fi os.FileInfo

	// recheck is WithRecheckInterval. view is the state as last checked
	// against the file, nil while the last check failed (every caller then
	// checks the file again and fails closed). gen counts this Directory's
	// writes: a view made before its latest write is not used. Writes by
	// other Directories, in this process or another, are seen within the
	// recheck interval, or at once where a lookup fails.
	recheck time.Duration
	view    atomic.Pointer[view]
	gen     atomic.Uint64

	cache *credCache

	dummyOnce sync.Once
	dummy     []byte

	recordMu sync.Mutex
	recorded map[string]time.Time // token hash -> when this process last recorded its use
	// checks holds a slot per bcrypt comparison in progress.
	checks chan struct{}
}

// User is a user as listed by Users; secrets are not included.
type User struct {
	Name    string
	SID     string
	Aliases []string
	Created time.Time
	Tokens  []TokenInfo
}

// TokenInfo describes an API token without its secret.
type TokenInfo struct {
	Label   string
	Created time.Time
	// Expires is when the token stops authenticating; zero: never.
	Expires time.Time
	// LastUsed is when the token last authenticated, to the minute; zero:
	// never.
	LastUsed time.Time
}

// Group is a group as listed by Groups.
type Group struct {
	Name    string
	SID     string
	Created time.Time
	// Members are the direct members (user and group names).
	Members []string
}

// Open opens the directory file at path, creating it (and its parent
// directory, mode 0700) with just the Administrators group if it does not
// exist. The file has mode 0600; its lock file is path + ".lock".
func Open(ctx context.Context, path string, opts ...Option) (*Directory, error) {
	if path == "" {
		return nil, fmt.Errorf("localdir: open: %w: empty path", ErrInvalid)
	}
	d := &Directory{
		path:     path,
		log:      slog.New(slog.DiscardHandler),
		cost:     bcrypt.DefaultCost,
		cacheTTL: defaultTTL,
		recheck:  defaultRecheck,
		now:      time.Now,
		recorded: map[string]time.Time{},
		checks:   make(chan struct{}, runtime.GOMAXPROCS(0)),
	}
	for _, o := range opts {
		o(d)
	}
	if d.cost < bcrypt.MinCost || d.cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("localdir: open %s: %w: bcrypt cost %d outside [%d, %d]", path, ErrInvalid, d.cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	cache, err := newCredCache(d.cacheTTL, cacheMax, func() time.Time { return d.now() })
	if err != nil {
		return nil, fmt.Errorf("localdir: open %s: %w", path, err)
	}
	d.cache = cache
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("localdir: create directory for %s: %w", path, err)
	}
	d.lock = flock.New(path+".lock", flock.SetPermissions(0o600))
	if err := d.createIfMissing(ctx); err != nil {
		return nil, err
	}
	if _, err := d.current(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// Path returns the directory file's path.
func (d *Directory) Path() string { return d.path }

// Close releases the lock file handle. The Directory must not be used after.
func (d *Directory) Close() error {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if err := d.lock.Close(); err != nil {
		return fmt.Errorf("localdir: close lock %s: %w", d.lock.Path(), err)
	}
	return nil
}

func (d *Directory) lockFile(ctx context.Context) (unlock func(), err error) {
	ok, err := d.lock.TryLockContext(ctx, lockRetry)
	if err != nil {
		return nil, fmt.Errorf("localdir: lock %s: %w", d.lock.Path(), err)
	}
	if !ok {
		return nil, fmt.Errorf("localdir: lock %s: not acquired", d.lock.Path())
	}
	return func() {
		if err := d.lock.Unlock(); err != nil {
			d.log.Error("localdir: unlock failed", logKeyPath, d.lock.Path(), "err", err)
		}
	}, nil
}

func (d *Directory) createIfMissing(ctx context.Context) error {
	if _, err := os.Stat(d.path); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("localdir: stat %s: %w", d.path, err)
	}
	d.wmu.Lock()
	defer d.wmu.Unlock()
	unlock, err := d.lockFile(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := os.Stat(d.path); err == nil {
		return nil // another process created it meanwhile
	}
	fd, err := newFileData(d.now())
	if err != nil {
		return fmt.Errorf("localdir: create %s: %w", d.path, err)
	}
	data, err := encode(fd)
	if err != nil {
		return err
	}
	if _, err := writeAtomic(d.path, data); err != nil {
		return err
	}
	d.log.Info("localdir: created directory file", logKeyPath, d.path)
	return nil
}

// view is the state of the file as checked at a time.
type view struct {
	st      *state
	gen     uint64 // the value of Directory.gen before the check
	checked time.Time
}

// fresh returns the last checked view if it may still be used: made after
// this process's latest write to the file and within the recheck interval.
func (d *Directory) fresh() *state {
	v := d.view.Load()
	if v == nil || d.recheck <= 0 || v.gen != d.gen.Load() {
		return nil
	}
	if age := d.now().Sub(v.checked); age < 0 || age >= d.recheck {
		return nil
	}
	return v.st
}

// recent returns the state of the file as checked at most the recheck
// interval ago (and after every write of this process), for the
// authentication path; see WithRecheckInterval. cached is true when it did
// not look at the file itself: a caller that finds no user or token in
// that state looks at the file again (current) before failing, so that
// what another process just added is seen at once.
func (d *Directory) recent(ctx context.Context) (st *state, cached bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("localdir: %w", err)
	}
	if st := d.fresh(); st != nil {
		return st, true, nil
	}
	return d.check(false)
}

// current returns the state of the file as it is on disk now, reloading it
// if another writer replaced it.
func (d *Directory) current(ctx context.Context) (*state, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("localdir: %w", err)
	}
	st, _, err := d.check(true)
	return st, err
}

// check looks at the file (unless, without force, another caller did so
// while this one waited for the lock) and reloads it if it changed. A
// failure clears the view, so that no caller uses the old state until a
// check succeeds again.
func (d *Directory) check(force bool) (st *state, cached bool, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !force {
		if st := d.fresh(); st != nil {
			return st, true, nil
		}
	}
	gen, now := d.gen.Load(), d.now()
	fi, err := os.Stat(d.path)
	if err != nil {
		d.view.Store(nil)
		return nil, false, fmt.Errorf("localdir: stat %s: %w", d.path, err)
	}
	if d.st == nil || !sameFile(fi, d.fi) {
		st, fi, err := readFile(d.path)
		if err != nil {
			d.view.Store(nil)
			return nil, false, err
		}
		if d.st != nil {
			d.log.Debug("localdir: reloaded changed file", logKeyPath, d.path)
		}
		d.st, d.fi = st, fi
	}
	d.view.Store(&view{st: d.st, gen: gen, checked: now})
	return d.st, false, nil
}

// update runs fn on a private copy of the freshly read file while holding
// the cross-process lock, validates the result and writes it atomically.
// op names the operation for error messages ("add user \"alice\"").
func (d *Directory) update(ctx context.Context, op string, fn func(st *state, fd *fileData) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("localdir: %s: %w", op, err)
	}
	d.wmu.Lock()
	defer d.wmu.Unlock()
	unlock, err := d.lockFile(ctx)
	if err != nil {
		return fmt.Errorf("localdir: %s: %w", op, err)
	}
	defer unlock()
	old, _, err := readFile(d.path)
	if err != nil {
		return err
	}
	fd := old.fd.clone()
	if err := fn(old, fd); err != nil {
		return fmt.Errorf("localdir: %s: %w", op, err)
	}
	st, err := newState(fd)
	if err != nil {
		// A mutation must never produce an invalid file; refuse to write.
		return fmt.Errorf("localdir: %s: result would be invalid: %w", op, err)
	}
	data, err := encode(fd)
	if err != nil {
		return err
	}
	fi, err := writeAtomic(d.path, data)
	if err != nil {
		return err
	}
	// Still under the file lock: no other writer's count can come between
	// this write and the view made of it.
	d.mu.Lock()
	d.st, d.fi = st, fi
	d.view.Store(&view{st: st, gen: d.gen.Add(1), checked: d.now()})
	d.mu.Unlock()
	return nil
}
