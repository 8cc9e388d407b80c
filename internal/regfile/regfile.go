// Package regfile reads and writes the files azgate keeps its state in (the
// XML policy store, the local directory). Open opens a file that must be a
// regular file; WriteAtomic replaces one so that a reader or a crash sees the
// old file or the new one, never a part. A path that names a FIFO, a device, a
// socket or a directory is an error found before opening it (opening a FIFO
// without a writer blocks forever; a device may never end) and again after
// (the path may have been replaced between the two looks).
package regfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNotRegular is returned for a path that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// Open opens path for reading if it is a regular file, and returns the
// file's identity as opened. A missing path is an error matching
// fs.ErrNotExist.
func Open(path string) (*os.File, fs.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if err := check(path, st); err != nil {
		return nil, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	if st, err = f.Stat(); err != nil {
		f.Close()
		return nil, nil, err
	}
	if err := check(path, st); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

func check(path string, st fs.FileInfo) error {
	if st.Mode().IsRegular() {
		return nil
	}
	what := "a device or socket"
	switch {
	case st.IsDir():
		what = "a directory"
	case st.Mode()&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	}
	return fmt.Errorf("%s: %w but %s", path, ErrNotRegular, what)
}
