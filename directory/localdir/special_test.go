//go:build unix

package localdir

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOpen_NotARegularFile: a directory file that is a FIFO, a directory or
// a device is a clear error from Open at once: opening a FIFO without a
// writer would block forever (azgate serve hung at start, ignoring SIGTERM).
func TestOpen_NotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	sub := filepath.Join(dir, "dir.json")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
	}{
		{"fifo", fifo},
		{"directory", sub},
		{"device", "/dev/zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				d, err := Open(context.Background(), tt.path)
				if err == nil {
					d.Close()
				}
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "not a regular file") {
					t.Errorf("Open(%s): error %v, want one saying it is not a regular file", tt.path, err)
				}
			case <-time.After(5 * time.Second):
				if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
					w.Close()
				}
				t.Fatalf("Open(%s) blocked", tt.path)
			}
		})
	}
}

func TestReadFile_SizeLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "directory.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(maxFileSize + 1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	_, _, err = readFile(path)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("readFile of an oversize file: %v, want ErrCorrupt naming the limit", err)
	}
}
