package audit

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Decision is a decision record as ScanAllowed reads it back: the fields
// a report over the log needs (who asked is not among them: the grant
// names the member of the assignment that matched).
type Decision struct {
	Time        time.Time `json:"time"`
	Source      string    `json:"source"`
	Application string    `json:"application"`
	Operation   string    `json:"operation"`
	OperationID int       `json:"operation_id"`
	Scope       string    `json:"scope"`
	Result      string    `json:"result"`
	// Grant is the role assignment that granted it.
	Grant *Grant `json:"grant"`
	// Count is how many allowed decisions this stands for: 1 for a
	// decision record; for an entry of a grant usage record its count,
	// Time being the last of them and Source who asked.
	Count int `json:"-"`
}

// TooOldError is ScanAllowed's answer to a start older than the oldest
// record the log still holds (the rest was rotated away, or the log began
// later): the log cannot say what happened before Horizon.
type TooOldError struct {
	Since, Horizon time.Time
}

func (e *TooOldError) Error() string {
	return fmt.Sprintf("the audit log reaches back to %s only, not to %s", e.Horizon.UTC().Format(time.RFC3339), e.Since.UTC().Format(time.RFC3339))
}

// ErrNoRecords is returned by ScanAllowed for a log that holds no record.
var ErrNoRecords = errors.New("the audit log holds no records")

// Span is what part of a log ScanAllowed read.
type Span struct {
	// Horizon is the time of the oldest record the log holds.
	Horizon time.Time
	// Files are the log's files read, oldest first; Skipped of them held
	// only records older than the start and were not read through.
	Files   []string
	Skipped int
	// Decisions counts the decisions at or after the start, Allowed of
	// them allowed ones (passed to the callback); a grant usage entry
	// counts as its count of both.
	Decisions, Allowed int
	// Summaries counts the grant usage records read.
	Summaries int
}

// ScanAllowed streams the allowed decision records of the log at path,
// and the entries of its grant usage records as decisions with a Count,
// (and its rotated files) timed at or after since, oldest file first, to
// fn, as the files were when it began (opened under the log's lock, as
// VerifyLog does); a zero since reads every record. A since older than the log's oldest record is a
// *TooOldError, and nothing is read. Memory stays bounded whatever the
// log's size: one line at a time; a file whose last record is older than
// since is skipped unread. fn's error stops the scan and is returned.
//
// It reads records, it does not verify the chain: azgate audit verify
// (VerifyLog) says whether the log was edited.
func ScanAllowed(ctx context.Context, path string, since time.Time, fn func(*Decision) error) (Span, error) {
	names, files, readers, err := snapshot(path)
	defer closeAll(files)
	if err != nil {
		return Span{}, err
	}
	sp := Span{Files: names}
	horizon, ok, err := firstTime(files[0])
	for i := 1; err == nil && !ok && i < len(files); i++ { // an empty file: a rotation just began
		horizon, ok, err = firstTime(files[i])
	}
	if err != nil {
		return sp, fmt.Errorf("audit: read %s: %w", path, err)
	}
	if !ok {
		return sp, fmt.Errorf("audit: %s: %w", path, ErrNoRecords)
	}
	sp.Horizon = horizon
	if since.IsZero() {
		since = horizon
	}
	if since.Before(horizon) {
		return sp, &TooOldError{Since: since, Horizon: horizon}
	}
	for i, r := range readers {
		size := r.(*io.LimitedReader).N
		if i < len(readers)-1 {
			last, ok, err := lastTime(files[i], size)
			if err != nil {
				return sp, fmt.Errorf("audit: read %s: %w", names[i], err)
			}
			if ok && last.Before(since) {
				sp.Skipped++
				continue
			}
		}
		if err := scanFile(ctx, r, since, &sp, fn); err != nil {
			return sp, fmt.Errorf("audit: read %s: %w", names[i], err)
		}
	}
	return sp, nil
}

// Byte patterns a decision line holds outside its string values (inside
// them a quote is escaped), so that lines of no interest are skipped
// before they are decoded.
var (
	patDecision = []byte(`"type":"` + TypeDecision + `"`)
	patUsage    = []byte(`"type":"` + TypeGrantUsage + `"`)
	patAllowed  = []byte(`"result":"` + ResultAllowed + `"`)
	patTime     = []byte(`"time":"`)
)

func scanFile(ctx context.Context, r io.Reader, since time.Time, sp *Span, fn func(*Decision) error) error {
	br := bufio.NewReaderSize(r, maxLineBytes+1)
	var in interner
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line, err := br.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			if err := skipLine(br); err != nil {
				return err
			}
			continue
		case errors.Is(err, io.EOF):
			return nil // a last line without its newline is being written
		case err != nil:
			return err
		}
		// "type" and "time" come first, after "seq" and "prev".
		head := line[:min(len(line), headBytes)]
		if bytes.Contains(head, patUsage) {
			if err := scanUsage(line, head, since, sp, fn); err != nil {
				return err
			}
			continue
		}
		if !bytes.Contains(head, patDecision) && !bytes.Contains(line, patDecision) {
			continue
		}
		if t, ok := lineTime(head); !ok || t.Before(since) {
			continue
		}
		sp.Decisions++
		if !bytes.Contains(line, patAllowed) {
			continue
		}
		var d Decision
		if !decodeDecision(line, &d, &in) || d.Result != ResultAllowed || d.Time.Before(since) {
			continue
		}
		sp.Allowed++
		d.Count = 1
		if err := fn(&d); err != nil {
			return err
		}
	}
}

// scanUsage passes the entries of a grant usage line to fn: those last
// used at or after since, each counted whole (a summary is as fine as
// the period it covers).
func scanUsage(line, head []byte, since time.Time, sp *Span, fn func(*Decision) error) error {
	if t, ok := lineTime(head); !ok || t.Before(since) {
		return nil
	}
	u, ok := decodeGrantUsage(line)
	if !ok {
		return nil
	}
	sp.Summaries++
	for i := range u.Entries {
		e := &u.Entries[i]
		if e.Count <= 0 || e.Last.Before(since) {
			continue
		}
		sp.Decisions += e.Count
		sp.Allowed += e.Count
		g := e.Grant
		d := Decision{Time: e.Last, Source: e.Source, Application: e.Application, Operation: e.Operation,
			OperationID: e.OperationID, Result: ResultAllowed, Grant: &g, Count: e.Count}
		if err := fn(&d); err != nil {
			return err
		}
	}
	return nil
}

// headBytes is where a line's "type" and "time" lie: after {"seq":N and
// "prev" (a 64-digit hash).
const headBytes = 192

// lineTime reads the "time" of a record line without decoding the rest.
func lineTime(line []byte) (time.Time, bool) {
	i := bytes.Index(line, patTime)
	if i < 0 {
		return time.Time{}, false
	}
	rest := line[i+len(patTime):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return time.Time{}, false
	}
	return parseTime(rest[:j])
}

// parseTime reads an RFC 3339 time without copying b.
func parseTime(b []byte) (time.Time, bool) {
	var buf [64]byte
	if len(b) > len(buf) {
		return time.Time{}, false
	}
	n := copy(buf[:], b)
	t, err := time.Parse(time.RFC3339Nano, string(buf[:n]))
	return t, err == nil
}

// firstTime is the time of the first record of f that has one.
func firstTime(f *os.File) (time.Time, bool, error) {
	br := bufio.NewReaderSize(io.NewSectionReader(f, 0, 1<<62), maxLineBytes+1)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if err := skipLine(br); err != nil {
				return time.Time{}, false, err
			}
			continue
		}
		if errors.Is(err, io.EOF) {
			return time.Time{}, false, nil
		}
		if err != nil {
			return time.Time{}, false, err
		}
		if t, ok := lineTime(line); ok {
			return t, true, nil
		}
	}
}

// lastTime is the time of the last whole record of f's first size bytes.
func lastTime(f *os.File, size int64) (time.Time, bool, error) {
	off := max(0, size-maxLineBytes-1)
	buf := make([]byte, size-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return time.Time{}, false, err
	}
	for len(buf) > 0 {
		buf = bytes.TrimRight(buf, "\n")
		i := bytes.LastIndexByte(buf, '\n')
		if t, ok := lineTime(buf[i+1:]); ok {
			return t, true, nil
		}
		if i < 0 {
			break
		}
		buf = buf[:i]
	}
	return time.Time{}, false, nil
}
