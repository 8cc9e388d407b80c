//go:build unix

package regfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       error
		says       string
	}{
		{"regular", file, nil, ""},
		{"missing", filepath.Join(dir, "none"), fs.ErrNotExist, ""},
		{"fifo", fifo, ErrNotRegular, "named pipe"},
		{"symlink to fifo", link, ErrNotRegular, "named pipe"},
		{"directory", dir, ErrNotRegular, "a directory"},
		{"device", os.DevNull, ErrNotRegular, "device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, st, err := Open(tt.path)
			if tt.want == nil {
				if err != nil || !st.Mode().IsRegular() {
					t.Fatalf("Open = %v, %v", st, err)
				}
				f.Close()
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) || f != nil {
				t.Fatalf("Open(%s) = %v, want %v saying %q", tt.path, err, tt.want, tt.says)
			}
		})
	}
}
