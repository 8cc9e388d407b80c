package regfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteOptions say how WriteAtomic treats the file it replaces.
type WriteOptions struct {
	// Perm is the permission of a new file, and of a replaced one unless
	// KeepPerm is set.
	Perm fs.FileMode
	// KeepPerm keeps the permission of the file being replaced.
	KeepPerm bool
	// Backup keeps the replaced file as PATH.bak (a hard link where the
	// file system has them, else a copy), put in place by rename.
	Backup bool
}

// WriteAtomic replaces path with data so that a reader, or a crash, sees
// either the old file or the new one, never a part: a temporary file in the
// same directory, written and fsynced, renamed over path, then the
// directory fsynced. It returns the identity of the new file. On error
// path is unchanged and the temporary file is removed.
func WriteAtomic(path string, data []byte, opts WriteOptions) (fi fs.FileInfo, err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	perm := opts.Perm
	old, statErr := os.Stat(path)
	if statErr == nil && opts.KeepPerm {
		perm = old.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create temporary file for %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return nil, fmt.Errorf("chmod %s: %w", tmp.Name(), err)
	}
	if _, err = tmp.Write(data); err != nil {
		return nil, fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err = tmp.Sync(); err != nil {
		return nil, fmt.Errorf("fsync %s: %w", tmp.Name(), err)
	}
	if fi, err = tmp.Stat(); err != nil {
		return nil, fmt.Errorf("stat %s: %w", tmp.Name(), err)
	}
	if err = tmp.Close(); err != nil {
		return nil, fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	if opts.Backup && statErr == nil {
		if err = keepBackup(path); err != nil {
			return nil, fmt.Errorf("keep a backup of %s: %w", path, err)
		}
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("rename %s to %s: %w", tmp.Name(), path, err)
	}
	if err = SyncDir(dir); err != nil {
		return nil, err
	}
	return fi, nil
}

// keepBackup makes PATH.bak the current file: a hard link when the file
// system has them, else a copy; either way put in place by rename.
func keepBackup(path string) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp := filepath.Join(dir, "."+base+".bak-tmp")
	os.Remove(tmp)
	if err := os.Link(path, tmp); err != nil {
		data, rerr := os.ReadFile(path)
		if rerr != nil {
			return rerr
		}
		f, cerr := os.CreateTemp(dir, "."+base+".bak-*")
		if cerr != nil {
			return cerr
		}
		tmp = f.Name()
		_, werr := f.Write(data)
		serr := f.Sync()
		if err := errors.Join(werr, serr, f.Close()); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	if err := os.Rename(tmp, path+".bak"); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// SyncDir fsyncs directory dir, so that a rename in it survives a crash.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}
