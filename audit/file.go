package audit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"time"
)

// Option configures a Log made by Open.
type Option func(*file)

// WithRotation rotates the file before a write would take it beyond
// maxSize bytes (0: never): PATH becomes PATH.1, PATH.1 becomes PATH.2 and
// so on, and at most keep rotated files are kept (0: all). The chain
// continues across the rotation.
func WithRotation(maxSize int64, keep int) Option {
	return func(f *file) { f.maxSize, f.keep = maxSize, keep }
}

// Open opens (creating it with mode 0600 if missing) the audit file at path
// for appending. Every write takes the lock file PATH.lock, so any number
// of processes may append to one log and its chain.
func Open(path string, opts ...Option) (*Log, error) {
	f := &file{path: path, lock: newFileLock(path + ".lock"), size: -1}
	for _, o := range opts {
		o(f)
	}
	if f.maxSize < 0 || f.keep < 0 {
		return nil, fmt.Errorf("audit: %s: negative rotation size %d or count %d", path, f.maxSize, f.keep)
	}
	if err := f.reopen(); err != nil {
		return nil, fmt.Errorf("audit: open %s: %w", path, err)
	}
	return &Log{file: f, name: path, now: time.Now}, nil
}

// file is the audit file of Open: one open descriptor, the end of the chain
// as this process last saw it, and the rotation settings.
type file struct {
	path    string
	lock    *fileLock
	f       *os.File
	fi      os.FileInfo // f's identity, to tell whether PATH is still f
	size    int64       // the file's size after our last write; -1 unknown
	last    link        // the chain's end at size
	maxSize int64
	keep    int
}

// reopen opens path (creating it) and forgets what it knew of the old file.
func (f *file) reopen() error {
	nf, err := os.OpenFile(f.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	fi, err := nf.Stat()
	if err != nil {
		_ = nf.Close()
		return err
	}
	if f.f != nil {
		_ = f.f.Close() // written with single writes; nothing buffered
	}
	f.f, f.fi, f.size = nf, fi, -1
	return nil
}

// append seals bodies after the last record of the file and writes them,
// under the lock. Another process may have appended or rotated since our
// last write: the file is reopened when PATH is no longer it, and the
// chain's end is read from its tail when its size is not what we left.
func (f *file) append(bodies [][]byte) error {
	if err := f.lock.lock(); err != nil {
		return fmt.Errorf("lock %s.lock: %w", f.path, err)
	}
	defer func() { _ = f.lock.unlock() }()
	size, err := f.current()
	if err != nil {
		return err
	}
	var pre []byte // a newline ending a damaged last line
	if size != f.size {
		var complete bool
		if f.last, complete, err = f.tail(size); err != nil {
			return err
		}
		if !complete {
			pre = []byte{'\n'}
		}
	}
	buf, next := sealAll(pre, bodies, f.last)
	if f.maxSize > 0 && size > 0 && size+int64(len(buf)) > f.maxSize {
		if err := f.rotate(); err != nil {
			return err
		}
		size = 0
		buf, next = sealAll(nil, bodies, f.last)
	}
	n, err := f.f.Write(buf)
	if err == nil && n != len(buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		f.size = -1
		return err
	}
	f.size, f.last = size+int64(n), next
	return nil
}

// current makes f.f the file at path (reopening it after another process
// rotated it away) and returns its size.
func (f *file) current() (int64, error) {
	at, err := os.Stat(f.path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	if err == nil && os.SameFile(at, f.fi) {
		return at.Size(), nil
	}
	if err := f.reopen(); err != nil {
		return 0, err
	}
	return f.fi.Size(), nil
}

// tail returns the link of the last record of the file, of size bytes;
// for an empty file, that of the newest rotated file. complete is false
// when the file does not end with a newline (a torn write).
func (f *file) tail(size int64) (l link, complete bool, err error) {
	if size == 0 {
		l, _, err := lastLink(f.rotated(1))
		return l, true, err
	}
	return lastLink(f.path)
}

// lastLink reads the link of the last line of the file at path. A missing
// file or one whose last line is not a record starts a new chain.
func lastLink(path string) (l link, complete bool, err error) {
	r, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return link{}, true, nil
	}
	if err != nil {
		return link{}, false, err
	}
	defer r.Close()
	fi, err := r.Stat()
	if err != nil {
		return link{}, false, err
	}
	size := fi.Size()
	if size == 0 {
		return link{}, true, nil
	}
	off := max(0, size-maxLineBytes-1)
	buf := make([]byte, size-off)
	if _, err := r.ReadAt(buf, off); err != nil {
		return link{}, false, fmt.Errorf("read the end of %s: %w", path, err)
	}
	// A last line without its newline is a torn write: the chain goes on
	// from the last whole record before it, so the records on either side
	// of the tear stay linked.
	complete = buf[len(buf)-1] == '\n'
	if complete {
		buf = buf[:len(buf)-1]
	} else {
		buf = buf[:max(0, bytes.LastIndexByte(buf, '\n'))]
	}
	line := buf[bytes.LastIndexByte(buf, '\n')+1:]
	l, _, err = parseLine(line)
	if err != nil && !errors.Is(err, errEdited) {
		return link{}, complete, nil
	}
	if !complete {
		l.seq++ // the torn record keeps its number
	}
	return l, complete, nil
}

// rotated is the name of the n-th rotated file, PATH.n.
func (f *file) rotated(n int) string { return f.path + "." + strconv.Itoa(n) }

// rotate shifts PATH.n to PATH.n+1 (dropping those beyond keep) and PATH
// to PATH.1, and opens a new PATH.
func (f *file) rotate() error {
	last := f.keep
	if last == 0 { // keep all: shift up to the first free name
		last = 1
		for exists(f.rotated(last)) {
			last++
		}
	} else if err := os.Remove(f.rotated(last)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("rotate: %w", err)
	}
	for n := last; n > 1; n-- {
		if err := os.Rename(f.rotated(n-1), f.rotated(n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rotate: %w", err)
		}
	}
	if err := os.Rename(f.path, f.rotated(1)); err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	return f.reopen()
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func (f *file) sync() error { return f.f.Sync() }

func (f *file) close() error { return errors.Join(f.f.Close(), f.lock.close()) }
