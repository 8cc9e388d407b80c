package xmlstore

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/azgate/azgate/internal/regfile"
	"github.com/azgate/azgate/policy"
)

// Scheme is the store-URL prefix of this store kind.
const Scheme = "msxml://"

// Option configures Open and Decode.
type Option func(*config)

type config struct {
	maxSize      int64
	maxDepth     int
	log          *slog.Logger
	pollInterval time.Duration // 0: automatic
	noFsnotify   bool          // tests: poll only
}

func newConfig(opts []Option) config {
	c := config{maxSize: DefaultMaxSize, maxDepth: DefaultMaxDepth}
	for _, o := range opts {
		o(&c)
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// WithMaxSize limits the size of a store file in bytes (default 64 MiB).
// Loading a larger file fails; so does saving a policy that would be larger.
func WithMaxSize(n int64) Option { return func(c *config) { c.maxSize = max(n, 1) } }

// WithMaxDepth limits the nesting of elements (default 32).
func WithMaxDepth(n int) Option { return func(c *config) { c.maxDepth = max(n, 1) } }

// WithLogger sets where the store logs (watch problems, saves).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithPollInterval sets how often Watch stats the file besides listening
// to fsnotify. The default is 2 s while fsnotify works and 250 ms when it
// cannot be used.
func WithPollInterval(d time.Duration) Option { return func(c *config) { c.pollInterval = d } }

// Log keys.
const (
	logKeyPath = "path"
	logKeyRev  = "revision"
	logKeyErr  = "err"
	logKeyKept = "kept"
)

// Store is an msxml:// policy store: one MS-AZMP file. It is safe for
// concurrent use, and any number of Stores, in any number of processes,
// may share one file.
type Store struct {
	path string
	cfg  config
	lock *flock.Flock

	saveMu sync.Mutex // serializes Saves of this Store (the flock is per open file)

	mu       sync.Mutex
	warnings []Warning
	last     loaded // what this Store last loaded or saved
	closed   bool
	done     chan struct{}
	wg       sync.WaitGroup
}

type loaded struct {
	ok  bool
	rev policy.Revision
	sum [sha256.Size]byte
}

var (
	_ policy.Store     = (*Store)(nil)
	_ policy.Updater   = (*Store)(nil)
	_ policy.Inspector = (*Store)(nil)
)

// Open returns the store kept in the file at path (an "msxml://" prefix is
// accepted and removed). The file need not exist: Load then reports
// policy.ErrNotFound, and Save with revision 0 creates it. The directory
// must exist.
func Open(path string, opts ...Option) (*Store, error) {
	path = strings.TrimPrefix(path, Scheme)
	if strings.TrimSpace(path) == "" {
		return nil, fmt.Errorf("xmlstore: empty path: %w", policy.ErrInvalid)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("xmlstore: %s: %w", path, err)
	}
	dir := filepath.Dir(abs)
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("xmlstore: directory of %s: %w", abs, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("xmlstore: %s is not a directory: %w", dir, policy.ErrInvalid)
	}
	cfg := newConfig(opts)
	cfg.log = cfg.log.With(logKeyPath, abs)
	return &Store{path: abs, cfg: cfg, lock: flock.New(abs + ".lock"), done: make(chan struct{})}, nil
}

// Path returns the absolute path of the store file.
func (s *Store) Path() string { return s.path }

// Warnings returns what the most recent successful Load accepted but
// reported: operations matched to the catalog by name whose OperationID
// differs, operations the catalog lacks, dropped attributes.
func (s *Store) Warnings() []Warning {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Warning(nil), s.warnings...)
}

func (s *Store) checkOpen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("xmlstore %s: store is closed", s.path)
	}
	return nil
}

// readFile reads the store file within the size limit. A missing file
// returns an error wrapping policy.ErrNotFound.
func (s *Store) readFile() ([]byte, error) { return readFileLimited(s.path, s.cfg.maxSize) }

// Load reads, parses and validates the store file. Errors name the file and,
// for malformed XML, the line and element ([*ParseError]); validation errors
// name the object.
func (s *Store) Load(ctx context.Context) (*policy.Policy, policy.Revision, error) {
	p, rev, _, err := s.LoadProvenance(ctx)
	return p, rev, err
}

// LoadProvenance is Load that also says whether azgate wrote the file: a
// file whose azgate:Digest is missing or does not match its content was
// edited by another tool. The fingerprint is the SHA-256 of the file.
func (s *Store) LoadProvenance(ctx context.Context) (*policy.Policy, policy.Revision, policy.Provenance, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, policy.Provenance{}, err
	}
	if err := s.checkOpen(); err != nil {
		return nil, 0, policy.Provenance{}, err
	}
	data, err := s.readFile()
	if err != nil {
		return nil, 0, policy.Provenance{}, err
	}
	doc, err := decodeBytes(data, s.path, s.cfg, true)
	if err != nil {
		return nil, 0, policy.Provenance{}, err
	}
	sum := sha256.Sum256(data)
	s.mu.Lock()
	s.warnings = doc.Warnings
	s.last = loaded{ok: true, rev: doc.Revision, sum: sum}
	s.mu.Unlock()
	return doc.Policy, doc.Revision, provenance(doc, sum), nil
}

// provenance tells a file azgate wrote (its digest matches) from one
// another tool wrote or edited.
func provenance(doc *Document, sum [sha256.Size]byte) policy.Provenance {
	pr := policy.Provenance{Fingerprint: hex.EncodeToString(sum[:])}
	want, err := doc.digest()
	switch {
	case doc.Digest == "":
		pr.Outside, pr.Reason = true, fmt.Sprintf("revision %d carries no azgate digest: the file was written by another tool (or by an azgate from before digests)", doc.Revision)
	case err != nil || want != doc.Digest:
		pr.Outside, pr.Reason = true, fmt.Sprintf("the file is not what azgate saved as revision %d (its azgate:Digest does not match): edited by another tool", doc.Revision)
	}
	return pr
}

// Fingerprint returns the SHA-256 of the store file ("absent" when there
// is none), as LoadProvenance reports it, without parsing it.
func (s *Store) Fingerprint(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	data, err := s.readFile()
	if errors.Is(err, policy.ErrNotFound) {
		return "absent", nil
	}
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// Revision returns the revision of the file without reading the whole
// policy: 0 when there is no file, 1 for a file without one. It reads only
// the root element, so it works on a file whose body is broken.
func (s *Store) Revision(ctx context.Context) (policy.Revision, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	data, err := s.readFile()
	if errors.Is(err, policy.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	h, err := readHeader(data, s.path)
	if err != nil {
		return 0, err
	}
	return h.rev, nil
}

// Save validates p and writes it if the file is still at revision expected
// (0: there must be no file). On a stale revision it writes nothing and
// returns an error wrapping policy.ErrConflict. The previous file is kept
// as PATH.bak. The store's GUID (AzAdminManager Guid) is carried over from
// the file being replaced.
func (s *Store) Save(ctx context.Context, p *policy.Policy, expected policy.Revision) (policy.Revision, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	if p == nil {
		return 0, fmt.Errorf("xmlstore %s: save: no policy: %w", s.path, policy.ErrInvalid)
	}
	if err := p.Validate(); err != nil {
		return 0, fmt.Errorf("xmlstore %s: save: %w", s.path, err)
	}
	unlock, err := s.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	return s.saveLocked(p, expected)
}

// Update applies edit to the stored policy and saves the result as one step
// under the store's lock, which is held across processes: concurrent
// writers queue instead of conflicting. It returns the revision edited and
// the new one. policy.Update uses it. A failed edit or validation writes
// nothing.
func (s *Store) Update(ctx context.Context, edit func(*policy.Policy) error) (old, new policy.Revision, err error) {
	if err := s.checkOpen(); err != nil {
		return 0, 0, err
	}
	unlock, err := s.acquire(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer unlock()
	p, rev, err := s.Load(ctx)
	if err != nil {
		return 0, 0, err
	}
	q, err := p.Edit(edit)
	if err != nil {
		return rev, 0, err
	}
	new, err = s.saveLocked(q, rev)
	return rev, new, err
}

// acquire takes the store's write lock: this Store's mutex, then the lock
// file shared with other processes. It waits until ctx ends.
func (s *Store) acquire(ctx context.Context) (unlock func(), err error) {
	s.saveMu.Lock()
	ok, err := s.lock.TryLockContext(ctx, 2*time.Millisecond)
	if err == nil && !ok {
		err = errors.New("not acquired")
	}
	if err != nil {
		s.saveMu.Unlock()
		return nil, fmt.Errorf("xmlstore %s: lock: %w", s.path, err)
	}
	return func() {
		if err := s.lock.Unlock(); err != nil {
			s.cfg.log.Warn("xmlstore: unlock", logKeyErr, err)
		}
		s.saveMu.Unlock()
	}, nil
}

// saveLocked is Save with the lock held and p validated.
func (s *Store) saveLocked(p *policy.Policy, expected policy.Revision) (policy.Revision, error) {
	cur, err := s.readFile()
	exists := err == nil
	if err != nil && !errors.Is(err, policy.ErrNotFound) {
		return 0, err
	}
	var hdr header
	if exists {
		if hdr, err = readHeader(cur, s.path); err != nil {
			return 0, fmt.Errorf("xmlstore %s: the current file's revision cannot be read, refusing to overwrite it: %w", s.path, err)
		}
	}
	if hdr.rev != expected {
		return 0, fmt.Errorf("xmlstore %s: save against revision %d, but the store is at revision %d: %w",
			s.path, expected, hdr.rev, policy.ErrConflict)
	}
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	if exists && last.ok && last.rev == expected && last.sum != sha256.Sum256(cur) {
		return 0, fmt.Errorf("xmlstore %s: the file changed since revision %d was read, without a new revision: %w",
			s.path, expected, policy.ErrConflict)
	}
	// A store file keeps its Guid, or its lack of one (AzMan's files often
	// have none): only a new file is given one.
	guid := cmp.Or(hdr.guid, p.GUID)
	if guid == "" && !exists {
		guid = policy.NewGUID()
	}
	next := expected + 1
	var was []byte
	if exists {
		was = cur
	}
	data, err := marshalKeeping(&Document{Policy: p, Revision: next, GUID: guid}, was, s.path)
	if err != nil {
		return 0, fmt.Errorf("xmlstore %s: save: %w", s.path, err)
	}
	if int64(len(data)) > s.cfg.maxSize {
		return 0, fmt.Errorf("xmlstore %s: save: the policy needs %d bytes, more than the limit of %d: %w",
			s.path, len(data), s.cfg.maxSize, policy.ErrInvalid)
	}
	if err := s.writeAtomic(data, exists); err != nil {
		return 0, fmt.Errorf("xmlstore %s: save: %w", s.path, err)
	}
	s.mu.Lock()
	s.last = loaded{ok: true, rev: next, sum: sha256.Sum256(data)}
	s.mu.Unlock()
	s.cfg.log.Debug("xmlstore: saved", logKeyRev, uint64(next))
	return next, nil
}

// writeAtomic replaces the store file with data (regfile.WriteAtomic): a
// new file is 0644, a replaced one keeps its permission, and with backup
// the replaced file is kept as PATH.bak.
func (s *Store) writeAtomic(data []byte, backup bool) error {
	_, err := regfile.WriteAtomic(s.path, data, regfile.WriteOptions{Perm: 0o644, KeepPerm: true, Backup: backup})
	return err
}

// Close stops every Watch and makes further calls fail. It is safe to call
// more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	s.wg.Wait()
	return s.lock.Close()
}

// header is what Save needs from the file being replaced.
type header struct {
	rev  policy.Revision
	guid string
}

// readHeader reads the root element only.
func readHeader(data []byte, file string) (header, error) {
	d := &decoder{file: file, guids: map[string]int{}}
	root, err := rootOnly(data, file)
	if err != nil {
		return header{}, err
	}
	doc, err := d.adminManager(root)
	if err != nil {
		return header{}, err
	}
	return header{rev: doc.Revision, guid: doc.GUID}, nil
}

// rootOnly parses up to the root's start tag; the rest of the file is not
// read.
func rootOnly(data []byte, file string) (*node, error) {
	return buildTreeUntil(data, file, DefaultMaxDepth, true)
}

var _ io.Closer = (*Store)(nil)
