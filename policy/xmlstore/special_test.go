//go:build unix

package xmlstore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStore_NotARegularFile: a store path that is a FIFO, a directory or a
// device is a clear error from Load, Revision and Backup, at once: opening a
// FIFO without a writer would otherwise block forever (and ignore SIGTERM).
func TestStore_NotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.xml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	sub := filepath.Join(dir, "dir.xml")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.xml")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
	}{
		{"fifo", fifo},
		{"symlink to a fifo", link},
		{"directory", sub},
		{"device", "/dev/null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, tt.path)
			ops := map[string]func() error{
				"Load":     func() error { _, _, err := s.Load(context.Background()); return err },
				"Revision": func() error { _, err := s.Revision(context.Background()); return err },
				"readFileLimited": func() error {
					_, err := readFileLimited(tt.path, 1<<20)
					return err
				},
			}
			for op, f := range ops {
				done := make(chan error, 1)
				go func() { done <- f() }()
				select {
				case err := <-done:
					if err == nil || !strings.Contains(err.Error(), "not a regular file") {
						t.Errorf("%s: error %v, want one saying it is not a regular file", op, err)
					}
				case <-time.After(5 * time.Second):
					// Unblock the open so the goroutine ends.
					if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
						w.Close()
					}
					t.Fatalf("%s: blocked on %s", op, tt.path)
				}
			}
		})
	}
}
