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

func TestWriteAtomic(t *testing.T) {
	tests := []struct {
		name     string
		oldPerm  fs.FileMode // 0: no file before
		opts     WriteOptions
		wantPerm fs.FileMode
		wantBak  bool
	}{
		{"new file", 0, WriteOptions{Perm: 0o600}, 0o600, false},
		{"replace, perm forced", 0o644, WriteOptions{Perm: 0o600}, 0o600, false},
		{"replace, perm kept", 0o640, WriteOptions{Perm: 0o644, KeepPerm: true}, 0o640, false},
		{"replace with backup", 0o644, WriteOptions{Perm: 0o644, KeepPerm: true, Backup: true}, 0o644, true},
		{"new file, backup asked", 0, WriteOptions{Perm: 0o644, Backup: true}, 0o644, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			if tc.oldPerm != 0 {
				if err := os.WriteFile(path, []byte("old"), tc.oldPerm); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tc.oldPerm); err != nil {
					t.Fatal(err)
				}
			}
			fi, err := WriteAtomic(path, []byte("new"), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if !os.SameFile(fi, st) {
				t.Error("the returned identity is not the file's")
			}
			if got := st.Mode().Perm(); got != tc.wantPerm {
				t.Errorf("perm %v, want %v", got, tc.wantPerm)
			}
			if b, _ := os.ReadFile(path); string(b) != "new" {
				t.Errorf("content %q", b)
			}
			bak, err := os.ReadFile(path + ".bak")
			if tc.wantBak != (err == nil) || tc.wantBak && string(bak) != "old" {
				t.Errorf("backup %q, %v; want one: %v", bak, err, tc.wantBak)
			}
			ents, _ := os.ReadDir(filepath.Dir(path))
			for _, e := range ents {
				if e.Name() != "f" && e.Name() != "f.bak" {
					t.Errorf("left behind %s", e.Name())
				}
			}
		})
	}
	// A failed write leaves nothing: the directory does not exist.
	if _, err := WriteAtomic(filepath.Join(t.TempDir(), "missing", "f"), []byte("x"), WriteOptions{Perm: 0o600}); err == nil {
		t.Error("a write into a missing directory succeeded")
	}
}
