//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package audit

import (
	"errors"
	"os"
	"syscall"
)

// fileLock is the exclusive lock writers take on PATH.lock: flock(2) on a
// descriptor kept open, two system calls a record rather than the six of
// opening the file each time (a denied check waits on it).
type fileLock struct {
	name string
	f    *os.File
}

func newFileLock(name string) *fileLock { return &fileLock{name: name} }

func (l *fileLock) lock() error {
	if l.f == nil {
		f, err := os.OpenFile(l.name, os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return err
		}
		l.f = f
	}
	for {
		err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

func (l *fileLock) unlock() error { return syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN) }

func (l *fileLock) close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}
