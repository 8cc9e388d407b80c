package audit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gofrs/flock"
)

// Problem is one place where the chain is broken.
type Problem struct {
	File string
	Line int // 1-based
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// Report is what Verify found.
type Report struct {
	Files   []string
	Records int
	// First and Last are the seq of the first and last record read.
	First, Last uint64
	// Partial says the first record is not the start of a chain: the
	// records before it were rotated away or are in files not given.
	Partial bool
	// Unchained counts the lines before the first record that carry no
	// chain: records written before azgate chained them.
	Unchained int
	// Problems are the first maxProblems breaks; Omitted counts the rest.
	Problems []Problem
	Omitted  int
}

// maxProblems bounds the problems a Report keeps.
const maxProblems = 1000

// Intact reports whether the chain has no break.
func (r *Report) Intact() bool { return len(r.Problems) == 0 && r.Omitted == 0 }

// Files returns the files of the log at path, oldest first: the rotated
// PATH.n from the highest n down, then PATH (when it exists).
func Files(path string) ([]string, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("audit: list %s: %w", dir, err)
	}
	type numbered struct {
		n    int
		path string
	}
	var rot []numbered
	for _, e := range ents {
		suffix, ok := strings.CutPrefix(e.Name(), base+".")
		if n, err := strconv.Atoi(suffix); ok && err == nil && n > 0 && suffix == strconv.Itoa(n) {
			rot = append(rot, numbered{n, filepath.Join(filepath.Dir(path), e.Name())})
		}
	}
	slices.SortFunc(rot, func(a, b numbered) int { return b.n - a.n })
	var out []string
	for _, r := range rot {
		out = append(out, r.path)
	}
	if exists(path) {
		out = append(out, path)
	}
	return out, nil
}

// Order sorts files into chain order, by the seq of their first record
// (a file whose first line is not a record comes first), so that a shell
// glob (audit.log audit.log.1 audit.log.10 audit.log.2) can be verified.
func Order(files []string) []string {
	seq := make(map[string]uint64, len(files))
	for _, f := range files {
		seq[f] = firstSeq(f)
	}
	out := slices.Clone(files)
	slices.SortStableFunc(out, func(a, b string) int {
		switch {
		case seq[a] < seq[b]:
			return -1
		case seq[a] > seq[b]:
			return 1
		}
		return 0
	})
	return out
}

// firstSeq is the seq of the first record of the file at path, 0 when it
// has none.
func firstSeq(path string) uint64 {
	r, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer r.Close()
	line, err := bufio.NewReaderSize(r, maxLineBytes+1).ReadSlice('\n')
	if err != nil {
		return 0
	}
	l, _, err := parseLine(line[:len(line)-1])
	if err != nil && !errors.Is(err, errEdited) {
		return 0
	}
	return l.seq
}

// VerifyLog verifies the log at path and its rotated files (Files) as they
// are at the call: it opens them and notes their sizes under the log's lock
// (so that a record being written is not taken for a truncated one), then
// reads them without it, so writers wait only for that moment.
func VerifyLog(ctx context.Context, path string) (*Report, error) {
	names, files, readers, err := snapshot(path)
	defer closeAll(files)
	if err != nil {
		return nil, err
	}
	return verify(ctx, names, readers)
}

func closeAll(files []*os.File) {
	for _, f := range files {
		_ = f.Close()
	}
}

// snapshot opens the files of the log at path under its lock, each read
// up to its size then.
func snapshot(path string) (names []string, files []*os.File, readers []io.Reader, err error) {
	if lockPath := path + ".lock"; exists(lockPath) {
		lk := flock.New(lockPath, flock.SetFlag(os.O_RDONLY))
		if err := lk.RLock(); err != nil {
			return nil, nil, nil, fmt.Errorf("audit: lock %s: %w", lockPath, err)
		}
		defer func() { _ = lk.Unlock() }()
	}
	if names, err = Files(path); err != nil {
		return nil, nil, nil, err
	}
	if len(names) == 0 {
		return nil, nil, nil, fmt.Errorf("audit: %s: %w", path, fs.ErrNotExist)
	}
	for _, n := range names {
		f, err := os.Open(n)
		if err != nil {
			return nil, files, nil, fmt.Errorf("audit: %w", err)
		}
		files = append(files, f)
		fi, err := f.Stat()
		if err != nil {
			return nil, files, nil, fmt.Errorf("audit: %w", err)
		}
		readers = append(readers, io.LimitReader(f, fi.Size()))
	}
	return names, files, readers, nil
}

// Verify follows the hash chain through files, in the order given, and
// reports every break with its file and line: an edited line, a line
// deleted or inserted, a record cut short, a file that does not continue
// the one before it. An error is returned only when a file cannot be read.
//
// A chain has no external anchor: whole records removed from the end of
// the newest file, or a tail rewritten with fresh hashes, are not found.
func Verify(ctx context.Context, names []string) (*Report, error) {
	var files []*os.File
	defer func() { closeAll(files) }()
	readers := make([]io.Reader, 0, len(names))
	for _, n := range names {
		f, err := os.Open(n)
		if err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		files = append(files, f)
		readers = append(readers, f)
	}
	return verify(ctx, names, readers)
}

func verify(ctx context.Context, names []string, readers []io.Reader) (*Report, error) {
	v := &verifier{rep: &Report{Files: names}}
	for i, r := range readers {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := v.file(names[i], r, i > 0); err != nil {
			return nil, fmt.Errorf("audit: verify %s: %w", names[i], err)
		}
	}
	return v.rep, nil
}

type verifier struct {
	rep      *Report
	last     link
	have     bool   // last is a record's link
	gap      bool   // a line that is not a record came after last
	lastFile string // the file of last
}

func (v *verifier) file(name string, r io.Reader, follows bool) error {
	br := bufio.NewReaderSize(r, maxLineBytes+1)
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			v.problem(name, n, "line longer than %d bytes: not a record", maxLineBytes)
			if err := skipLine(br); err != nil {
				return err
			}
			continue
		case errors.Is(err, io.EOF):
			if len(line) > 0 {
				v.problem(name, n, "incomplete record at the end of the file: truncated (or still being written)")
			}
			return nil
		case err != nil:
			return err
		}
		v.line(name, n, line[:len(line)-1], follows && n == 1)
	}
}

// skipLine discards the rest of an overlong line.
func skipLine(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
}

func (v *verifier) line(name string, n int, line []byte, firstOfNext bool) {
	l, prev, err := parseLine(line)
	switch {
	case errors.Is(err, errEdited):
		v.problem(name, n, "record seq %d: %v", l.seq, err)
		v.advance(l, name)
		return
	case errors.Is(err, errNoChain) && v.rep.Records == 0 && len(v.rep.Problems) == 0:
		v.rep.Unchained++
		return
	case err != nil:
		// Not a record: reported, and the next record must still follow
		// the last one before it, with this line counted as one record.
		v.problem(name, n, "%v", err)
		v.gap = v.have
		return
	}
	switch {
	case !v.have && v.rep.Records == 0:
		v.rep.First = l.seq
		v.rep.Partial = l.seq != 1 || prev != ""
	case prev == v.last.hash && l.seq == v.last.seq+1: // follows
	case v.gap && l.seq == v.last.seq+2: // follows the damaged line
	default:
		where := "the record before it"
		if firstOfNext {
			where = fmt.Sprintf("the last record of %s", v.lastFile)
		}
		switch {
		case l.seq > v.last.seq+1:
			v.problem(name, n, "record seq %d does not follow %s (seq %d): %d record(s) missing, deleted",
				l.seq, where, v.last.seq, l.seq-v.last.seq-1)
		case l.seq <= v.last.seq:
			v.problem(name, n, "record seq %d after seq %d: a record inserted, copied or out of order", l.seq, v.last.seq)
			return // the records after it follow the one before it
		default:
			v.problem(name, n, "record seq %d does not follow %s: its prev hash differs", l.seq, where)
		}
	}
	v.advance(l, name)
}

func (v *verifier) advance(l link, name string) {
	if v.rep.Records == 0 {
		v.rep.First = l.seq
	}
	v.rep.Records++
	v.rep.Last = l.seq
	v.last, v.have, v.gap, v.lastFile = l, true, false, name
}

func (v *verifier) problem(name string, n int, format string, args ...any) {
	if len(v.rep.Problems) == maxProblems {
		v.rep.Omitted++
		return
	}
	v.rep.Problems = append(v.rep.Problems, Problem{File: name, Line: n, Msg: fmt.Sprintf(format, args...)})
}

// Tail returns the last n lines of the log at path and its rotated files,
// oldest first, read as VerifyLog reads them.
func Tail(ctx context.Context, path string, n int) ([]string, error) {
	names, files, readers, err := snapshot(path)
	defer closeAll(files)
	if err != nil {
		return nil, err
	}
	var ring []string
	for i := len(readers) - 1; i >= 0 && len(ring) < n; i-- {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		lines, err := lastLines(readers[i], n)
		if err != nil {
			return nil, fmt.Errorf("audit: read %s: %w", names[i], err)
		}
		ring = append(lines[max(0, len(lines)-(n-len(ring))):], ring...)
	}
	return ring, nil
}

// lastLines reads r through and returns its last n lines (without their
// newlines), overlong lines cut to maxLineBytes.
func lastLines(r io.Reader, n int) ([]string, error) {
	br := bufio.NewReaderSize(r, maxLineBytes+1)
	ring := make([]string, n)
	count := 0
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if err = skipLine(br); err != nil {
				return nil, err
			}
		} else if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if len(line) > 0 {
			ring[count%n] = strings.TrimSuffix(string(line), "\n")
			count++
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if count <= n {
		return ring[:count], nil
	}
	start := count % n
	return append(ring[start:], ring[:start]...), nil
}
