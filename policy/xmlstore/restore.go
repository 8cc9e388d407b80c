package xmlstore

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"github.com/azgate/azgate/internal/regfile"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/azgate/azgate/policy"
)

// ErrValid is returned by [Store.Restore] when the store file loads: there
// is nothing to restore, and nothing was written.
var ErrValid = errors.New("xmlstore: the store file is valid")

// restoreLockTimeout bounds how long Restore waits for PATH.lock.
const restoreLockTimeout = 10 * time.Second

// BackupPath returns the path of the backup Save keeps of the file it
// replaces: PATH.bak.
func (s *Store) BackupPath() string { return s.path + ".bak" }

// Backup loads PATH.bak, the previous version of the store file that the
// last Save kept, within the store's size and depth limits. A missing
// backup returns an error wrapping policy.ErrNotFound; a malformed one a
// [*ParseError] naming PATH.bak; an invalid policy a validation error.
func (s *Store) Backup(ctx context.Context) (*policy.Policy, policy.Revision, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	if err := s.checkOpen(); err != nil {
		return nil, 0, err
	}
	data, err := readFileLimited(s.BackupPath(), s.cfg.maxSize)
	if err != nil {
		return nil, 0, err
	}
	doc, err := decodeBytes(data, s.BackupPath(), s.cfg, true)
	if err != nil {
		return nil, 0, err
	}
	return doc.Policy, doc.Revision, nil
}

// readFileLimited reads path within max bytes; a missing file returns an
// error wrapping policy.ErrNotFound.
// Anything but a regular file (a FIFO, a device, a directory) is an error,
// found before opening it (opening a FIFO without a writer blocks forever);
// it is not policy.ErrInvalid, so Restore does not write over it.
func readFileLimited(path string, max int64) ([]byte, error) {
	f, _, err := regfile.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("xmlstore %s: %w", path, policy.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("xmlstore: %w", err)
	}
	defer f.Close()
	return readLimited(f, path, max)
}

// Restore writes p, a known-good policy (from [Store.Backup] or another
// store), over a store file that exists but does not load: malformed XML,
// an invalid policy. It is how a store a failed write or a foreign tool
// broke is repaired.
//
// Restore takes the lock Save takes (PATH.lock, waiting up to 10 s) and
// re-checks the file under it. It writes p at a revision above both the
// broken file's and copyRev (the revision p was read at), so that every
// watcher reloads — also one that loaded the file before it broke — and
// writers holding an older revision get policy.ErrConflict. The broken
// file's revision is read from its root element; when even that is
// unreadable, it is taken as one above PATH.bak's. The broken file is kept
// as PATH.broken-<UTC time> (mode 0600); the write itself is atomic like
// Save's, but PATH.bak is left as it is.
//
// It returns the revision written. Errors: ErrValid when the file loads
// (another writer repaired it meanwhile; nothing is written), an error
// wrapping policy.ErrNotFound when there is no file, a validation error
// when p is invalid, the read error when the file cannot be read at all.
func (s *Store) Restore(ctx context.Context, p *policy.Policy, copyRev policy.Revision) (policy.Revision, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	if p == nil {
		return 0, fmt.Errorf("xmlstore %s: restore: no policy: %w", s.path, policy.ErrInvalid)
	}
	if err := p.Validate(); err != nil {
		return 0, fmt.Errorf("xmlstore %s: restore: %w", s.path, err)
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	lctx, cancel := context.WithTimeout(ctx, restoreLockTimeout)
	defer cancel()
	if ok, err := s.lock.TryLockContext(lctx, 10*time.Millisecond); err != nil || !ok {
		return 0, fmt.Errorf("lock %s.lock: not acquired: %w", s.path, errors.Join(err, lctx.Err()))
	}
	defer func() {
		if err := s.lock.Unlock(); err != nil {
			s.cfg.log.Warn("xmlstore: unlock", logKeyErr, err)
		}
	}()

	broken, err := s.readFile()
	if err != nil {
		return 0, err
	}
	if _, err := decodeBytes(broken, s.path, s.cfg, true); err == nil {
		return 0, fmt.Errorf("%s became valid meanwhile (another writer saved it); nothing written: %w", s.path, ErrValid)
	} else if !isInvalid(err) {
		return 0, err
	}
	var brokenRev policy.Revision
	if h, err := readHeader(broken, s.path); err == nil {
		brokenRev = h.rev
	} else if bak, err := readFileLimited(s.BackupPath(), s.cfg.maxSize); err == nil {
		// Readers may have loaded the file before it broke, at one
		// revision above the backup Save kept of its predecessor: go
		// above that.
		if h, err := readHeader(bak, s.BackupPath()); err == nil && h.rev > 0 {
			brokenRev = h.rev + 1
		}
	}
	next := max(brokenRev, copyRev) + 1
	data, err := Marshal(p, next)
	if err != nil {
		return 0, fmt.Errorf("xmlstore %s: restore: %w", s.path, err)
	}
	keep := s.path + ".broken-" + time.Now().UTC().Format("20060102T150405.000000000Z")
	if err := os.WriteFile(keep, broken, 0o600); err != nil {
		return 0, fmt.Errorf("keep the invalid file: %w", err)
	}
	if err := s.writeAtomic(data, false); err != nil {
		return 0, fmt.Errorf("xmlstore %s: restore: %w", s.path, err)
	}
	s.mu.Lock()
	s.last = loaded{ok: true, rev: next, sum: sha256.Sum256(data)}
	s.mu.Unlock()
	s.cfg.log.Info("xmlstore: restored over an invalid file", logKeyRev, uint64(next), logKeyKept, filepath.Base(keep))
	return next, nil
}

// isInvalid reports whether err says a file exists but is not a valid
// policy, as opposed to not readable at all.
func isInvalid(err error) bool {
	var ve *policy.ValidationError
	var pe *ParseError
	return errors.As(err, &ve) || errors.As(err, &pe) ||
		errors.Is(err, policy.ErrInvalid) || errors.Is(err, policy.ErrDanglingLink) ||
		errors.Is(err, policy.ErrCycle) || errors.Is(err, policy.ErrDuplicate)
}

// Unchecked reads what the store file says without checking that it is a
// valid policy (links that name nothing, duplicate names and the like are
// let through): for showing what a repair would change, never for
// deciding. Malformed XML is still an error.
func (s *Store) Unchecked(ctx context.Context) (*policy.Policy, policy.Revision, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	data, err := s.readFile()
	if err != nil {
		return nil, 0, err
	}
	doc, err := decodeBytes(data, s.path, s.cfg, false)
	if err != nil {
		return nil, 0, err
	}
	return doc.Policy, doc.Revision, nil
}
