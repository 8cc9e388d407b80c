//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package audit

import "github.com/gofrs/flock"

// fileLock is the exclusive lock writers take on PATH.lock.
type fileLock struct{ fl *flock.Flock }

func newFileLock(name string) *fileLock {
	return &fileLock{fl: flock.New(name, flock.SetPermissions(0o600))}
}

func (l *fileLock) lock() error   { return l.fl.Lock() }
func (l *fileLock) unlock() error { return l.fl.Unlock() }
func (l *fileLock) close() error  { return l.fl.Close() }
