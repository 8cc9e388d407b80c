package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

func readLines(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for i := 1; sc.Scan(); i++ {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d is not valid JSON: %v: %q", i, err, sc.Text())
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Fatalf("log does not end with a newline")
	}
	return out
}

func TestLog_Records(t *testing.T) {
	ts := time.Date(2024, 5, 1, 12, 0, 0, 0, time.FixedZone("x", 3600))
	tests := []struct {
		name  string
		write func(*Log) error
		want  map[string]any
		// absent lists keys that must not appear.
		absent []string
	}{
		{
			name: "allowed decision",
			write: func(l *Log) error {
				return l.Decision(context.Background(), DecisionRecord{
					Time: ts, Principal: "alice", Operation: "Start Virtual Machine", OperationID: 305,
					Scope: "VM1", Object: "vm-a", Allowed: true, RequestID: "r1",
					Grant: &Grant{Scope: "VM1", Assignment: "VM Operators", RoleDefinition: "Virtual Machine Manager", Principal: "S-1-5-21-1-2-3-1000"},
				})
			},
			want: map[string]any{
				"type": "decision", "time": "2024-05-01T11:00:00Z", "principal": "alice",
				"operation": "Start Virtual Machine", "operation_id": float64(305), "scope": "VM1",
				"object": "vm-a", "result": "allowed", "request_id": "r1",
				"grant": map[string]any{"scope": "VM1", "assignment": "VM Operators",
					"role_definition": "Virtual Machine Manager", "principal": "S-1-5-21-1-2-3-1000"},
			},
			absent: []string{"error"},
		},
		{
			name: "denied decision with error, default scope",
			write: func(l *Log) error {
				return l.Decision(context.Background(), DecisionRecord{
					Time: ts, Principal: "bob", Operation: "Delete Virtual Machine", OperationID: 302,
					Err: errors.New("business rule: boom"),
				})
			},
			want: map[string]any{
				"type": "decision", "principal": "bob", "operation": "Delete Virtual Machine",
				"operation_id": float64(302), "scope": "", "result": "denied", "error": "business rule: boom",
			},
			absent: []string{"grant", "object", "request_id"},
		},
		{
			name: "policy change",
			write: func(l *Log) error {
				return l.PolicyChange(context.Background(), PolicyChangeRecord{
					Time: ts, Who: "admin", What: `add role assignment "Ops"`, Store: "msxml:///x.xml",
					OldRevision: "41", NewRevision: "42",
				})
			},
			want: map[string]any{
				"type": "policy_change", "time": "2024-05-01T11:00:00Z", "who": "admin",
				"what": `add role assignment "Ops"`, "store": "msxml:///x.xml",
				"old_revision": "41", "new_revision": "42",
			},
			absent: []string{"request_id"},
		},
		{
			name: "engine event",
			write: func(l *Log) error {
				return l.EngineEvent(context.Background(), EngineEventRecord{
					Time: ts, Source: SourceEngine, Kind: "vms", Object: "lab1", Scope: "Lab", State: "Off", What: "crashed",
				})
			},
			want: map[string]any{
				"type": "engine_event", "time": "2024-05-01T11:00:00Z", "source": "engine", "kind": "vms",
				"object": "lab1", "scope": "Lab", "state": "Off", "what": "crashed",
			},
			absent: []string{"principal", "result"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := New(&buf)
			if err := tc.write(l); err != nil {
				t.Fatal(err)
			}
			lines := readLines(t, buf.Bytes())
			if len(lines) != 1 {
				t.Fatalf("got %d lines, want 1", len(lines))
			}
			got := lines[0]
			for k, v := range tc.want {
				gv, ok := got[k]
				if !ok {
					t.Errorf("field %q missing in %v", k, got)
					continue
				}
				if fmt.Sprint(gv) != fmt.Sprint(v) {
					t.Errorf("field %q = %v, want %v", k, gv, v)
				}
			}
			for _, k := range tc.absent {
				if _, ok := got[k]; ok {
					t.Errorf("field %q present, want absent", k)
				}
			}
		})
	}
}

func TestLog_StampsTime(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf)
	before := time.Now().UTC().Add(-time.Second)
	if err := l.Decision(context.Background(), DecisionRecord{Principal: "a", Operation: "x"}); err != nil {
		t.Fatal(err)
	}
	got := readLines(t, buf.Bytes())[0]["time"].(string)
	tm, err := time.Parse(time.RFC3339Nano, got)
	if err != nil {
		t.Fatal(err)
	}
	if tm.Before(before) || tm.After(time.Now().Add(time.Second)) {
		t.Fatalf("time %v not near now", tm)
	}
	if !strings.HasSuffix(got, "Z") {
		t.Fatalf("time %q not UTC", got)
	}
}

func TestLog_ConcurrentWritersWholeLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	// Two Logs on the same file (as two processes would have) and several
	// goroutines on each.
	l1, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	const writers, perWriter = 8, 200
	big := strings.Repeat("x", 8000) // records larger than a pipe buffer page
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		l := l1
		if w%2 == 1 {
			l = l2
		}
		wg.Go(func() {
			for i := range perWriter {
				var err error
				if i%2 == 0 {
					err = l.Decision(context.Background(), DecisionRecord{
						Principal: fmt.Sprintf("w%d", w), Operation: "Start Virtual Machine", OperationID: i,
						Object: big, Allowed: i%4 == 0,
					})
				} else {
					err = l.PolicyChange(context.Background(), PolicyChangeRecord{
						Who: fmt.Sprintf("w%d", w), What: "edit\nwith newline", OldRevision: fmt.Sprint(i - 1), NewRevision: fmt.Sprint(i),
					})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, l := range []*Log{l1, l2} {
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, data)
	if len(lines) != writers*perWriter {
		t.Fatalf("got %d lines, want %d", len(lines), writers*perWriter)
	}
	counts := map[string]int{}
	for _, m := range lines {
		counts[m["type"].(string)]++
	}
	if counts[TypeDecision] != writers*perWriter/2 || counts[TypePolicyChange] != writers*perWriter/2 {
		t.Fatalf("type counts %v", counts)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestLog_AppendsToExisting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	for i := range 2 {
		l, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.PolicyChange(context.Background(), PolicyChangeRecord{Who: "a", NewRevision: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
		if err := l.Sync(); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(readLines(t, data)); n != 2 {
		t.Fatalf("got %d lines after reopen, want 2", n)
	}
}

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

type failWriter struct{}

func (failWriter) Write(p []byte) (int, error) { return 0, errors.New("disk full") }

func TestLog_Errors(t *testing.T) {
	ctx := context.Background()
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	closed := New(&bytes.Buffer{})
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	if err := closed.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	tests := []struct {
		name    string
		err     error
		wantIs  error
		wantSub string
	}{
		{"short write", New(shortWriter{}).Decision(ctx, DecisionRecord{}), nil, "short write"},
		{"failing writer", New(failWriter{}).PolicyChange(ctx, PolicyChangeRecord{}), nil, "disk full"},
		{"canceled context", New(&bytes.Buffer{}).Decision(canceled, DecisionRecord{}), context.Canceled, ""},
		{"closed decision", closed.Decision(ctx, DecisionRecord{}), ErrClosed, ""},
		{"closed change", closed.PolicyChange(ctx, PolicyChangeRecord{}), ErrClosed, ""},
		{"closed sync", closed.Sync(), ErrClosed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("want error, got nil")
			}
			if tc.wantIs != nil && !errors.Is(tc.err, tc.wantIs) {
				t.Fatalf("error %v is not %v", tc.err, tc.wantIs)
			}
			if tc.wantSub != "" && !strings.Contains(tc.err.Error(), tc.wantSub) {
				t.Fatalf("error %q does not contain %q", tc.err, tc.wantSub)
			}
		})
	}
}

func TestOpen_ErrorNamesPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing-dir", "audit.log")
	_, err := Open(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open error %v does not name %s", err, path)
	}
}

func BenchmarkLog_Decision(b *testing.B) {
	l, err := Open(filepath.Join(b.TempDir(), "audit.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	r := DecisionRecord{Principal: "alice", Operation: "Start Virtual Machine", OperationID: 305, Scope: "VM1", Allowed: true,
		Grant: &Grant{Assignment: "Ops", RoleDefinition: "Virtual Machine Manager"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Decision(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// writeLog writes n alternating records to a new log at path (with opts)
// and closes it.
func writeLog(t *testing.T, path string, n int, opts ...Option) {
	t.Helper()
	l, err := Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := writeOne(l, i, "w"); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeOne(l *Log, i int, who string) error {
	if i%2 == 0 {
		return l.Decision(context.Background(), DecisionRecord{Source: SourceEngine, Principal: who,
			Operation: "Start Virtual Machine", OperationID: 305, Object: fmt.Sprintf("vm%d", i), Allowed: i%4 == 0})
	}
	return l.PolicyChange(context.Background(), PolicyChangeRecord{Source: SourceCLI, Who: who,
		What: "edit\nwith newline", OldRevision: fmt.Sprint(i), NewRevision: fmt.Sprint(i + 1)})
}

func verifyFiles(t *testing.T, files ...string) *Report {
	t.Helper()
	rep, err := Verify(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func mustIntact(t *testing.T, rep *Report) {
	t.Helper()
	if !rep.Intact() {
		t.Fatalf("chain broken: %v", rep.Problems)
	}
}

func TestVerify_FindsBreaks(t *testing.T) {
	lines := func(data []byte) [][]byte { return bytes.SplitAfter(data, []byte("\n")) }
	tests := []struct {
		name   string
		tamper func(ls [][]byte) [][]byte
		line   int    // where the break must be reported
		msg    string // in the message
	}{
		{"intact", func(ls [][]byte) [][]byte { return ls }, 0, ""},
		{"edited line", func(ls [][]byte) [][]byte {
			ls[3] = bytes.Replace(ls[3], []byte(`"vm`), []byte(`"VM`), 1)
			if !bytes.Contains(ls[3], []byte(`"VM`)) {
				ls[3] = bytes.Replace(ls[3], []byte(`"who":"w"`), []byte(`"who":"x"`), 1)
			}
			return ls
		}, 4, "edited"},
		{"deleted line", func(ls [][]byte) [][]byte { return append(ls[:2:2], ls[3:]...) }, 3, "1 record(s) missing"},
		{"inserted line", func(ls [][]byte) [][]byte {
			return append(append(ls[:5:5], ls[1]), ls[5:]...)
		}, 6, "inserted"},
		{"truncated tail", func(ls [][]byte) [][]byte {
			last := ls[len(ls)-2] // the last line (SplitAfter leaves an empty tail)
			ls[len(ls)-2] = last[:len(last)/2]
			return ls
		}, 8, "truncated"},
		{"line that is not JSON", func(ls [][]byte) [][]byte { ls[6] = []byte("hello\n"); return ls }, 7, "not a JSON object"},
		{"escaped hash", func(ls [][]byte) [][]byte {
			ls[1] = append(bytes.TrimSuffix(ls[1], []byte("}\n")), []byte(`,"x":1}`+"\n")...)
			return ls
		}, 2, `"hash"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.log")
			writeLog(t, path, 8)
			data := bytes.Join(tc.tamper(lines(readFileT(t, path))), nil)
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			rep := verifyFiles(t, path)
			if tc.line == 0 {
				mustIntact(t, rep)
				if rep.Records != 8 || rep.First != 1 || rep.Last != 8 || rep.Partial {
					t.Fatalf("report %+v, want 8 records, seq 1 to 8", rep)
				}
				return
			}
			if len(rep.Problems) != 1 {
				t.Fatalf("problems %v, want one at line %d", rep.Problems, tc.line)
			}
			p := rep.Problems[0]
			if p.File != path || p.Line != tc.line || !strings.Contains(p.Msg, tc.msg) {
				t.Fatalf("problem %v, want %s:%d: ...%s...", p, path, tc.line, tc.msg)
			}
		})
	}
}

func readFileT(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLog_RotationKeepsNFilesAndTheChain(t *testing.T) {
	for _, keep := range []int{1, 3} {
		t.Run(fmt.Sprintf("keep %d", keep), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.log")
			writeLog(t, path, 60, WithRotation(2000, keep))
			files, err := Files(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != keep+1 {
				t.Fatalf("files %v, want the log and %d rotated", files, keep)
			}
			for i, f := range files[:keep] {
				if want := fmt.Sprintf("%s.%d", path, keep-i); f != want {
					t.Fatalf("files %v: want %s at %d", files, want, i)
				}
				if fi, err := os.Stat(f); err != nil || fi.Size() > 2000 {
					t.Fatalf("%s: %v, size above 2000", f, err)
				}
			}
			rep := verifyFiles(t, files...)
			mustIntact(t, rep)
			if !rep.Partial || rep.Last != 60 {
				t.Fatalf("report %+v: want a partial chain (older files rotated away) ending at seq 60", rep)
			}
			// A file missing from the middle breaks the chain, naming where.
			if keep > 1 {
				rep = verifyFiles(t, files[0], files[2])
				if len(rep.Problems) != 1 || rep.Problems[0].File != files[2] || rep.Problems[0].Line != 1 ||
					!strings.Contains(rep.Problems[0].Msg, "last record of "+files[0]) {
					t.Fatalf("problems %v, want one at %s:1", rep.Problems, files[2])
				}
			}
		})
	}
	// Keeping every file, the chain verifies from its first record, and a
	// shell glob's order is put right.
	path := filepath.Join(t.TempDir(), "audit.log")
	writeLog(t, path, 200, WithRotation(1000, 0))
	files, err := Files(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 11 {
		t.Fatalf("%d files, want more than 10 to test ordering", len(files))
	}
	globbed := slices.Clone(files)
	slices.Sort(globbed)
	rep := verifyFiles(t, Order(globbed)...)
	mustIntact(t, rep)
	if rep.Partial || rep.Records != 200 {
		t.Fatalf("report %+v: want all 200 records from seq 1", rep)
	}
	rep, err = VerifyLog(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	mustIntact(t, rep)
}

// TestLog_ConcurrentLogsKeepTheChain appends through several Logs on one
// file — each with its own file descriptor, lock and view of the chain's
// end, as separate processes have — with rotation on.
func TestLog_ConcurrentLogsKeepTheChain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	const logs, perLog = 4, 150
	var wg sync.WaitGroup
	errs := make(chan error, logs)
	for w := range logs {
		l, err := Open(path, WithRotation(20000, 0))
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			defer l.Close()
			for i := range perLog {
				if err := writeOne(l, i, fmt.Sprintf("w%d", w)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// Verifying while they write sees whole records only, but for the one a
	// writer is appending at that moment: a reader may see part of a
	// write(2) in progress, which verify reports as an incomplete record at
	// the end of a file. The verify after the writers finish must find none.
	done := make(chan struct{})
	verified := make(chan error, 1)
	go func() {
		defer close(verified)
		for {
			select {
			case <-done:
				return
			default:
			}
			rep, err := VerifyLog(context.Background(), path)
			if err == nil && !rep.Intact() && !onlyInProgress(rep) {
				err = fmt.Errorf("while writing: %v", rep.Problems)
			}
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				verified <- err
				return
			}
		}
	}()
	wg.Wait()
	close(done)
	if err := <-verified; err != nil {
		t.Fatal(err)
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rep, err := VerifyLog(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	mustIntact(t, rep)
	if rep.Records != logs*perLog || rep.First != 1 || len(rep.Files) < 2 {
		t.Fatalf("report %+v: want %d records from seq 1 over several files", rep, logs*perLog)
	}
}

// TestLog_Processes appends from several processes (this test binary,
// re-run as a helper) at once.
func TestLog_Processes(t *testing.T) {
	if path := os.Getenv("AUDIT_TEST_HELPER_LOG"); path != "" {
		l, err := Open(path, WithRotation(50000, 0))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 100 {
			if err := writeOne(l, i, fmt.Sprint(os.Getpid())); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	path := filepath.Join(t.TempDir(), "audit.log")
	const procs = 4
	var wg sync.WaitGroup
	for range procs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestLog_Processes$", "-test.count=1")
			cmd.Env = append(os.Environ(), "AUDIT_TEST_HELPER_LOG="+path)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("helper: %v\n%s", err, out)
			}
		})
	}
	wg.Wait()
	rep, err := VerifyLog(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	mustIntact(t, rep)
	if rep.Records != procs*100 || rep.First != 1 {
		t.Fatalf("report %+v: want %d records from seq 1", rep, procs*100)
	}
}

// TestLog_AfterATornWrite: a file whose last line was cut short gets the
// next record on a line of its own; verify names the torn line only.
func TestLog_AfterATornWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	writeLog(t, path, 3)
	data := readFileT(t, path)
	if err := os.WriteFile(path, data[:len(data)-10], 0o600); err != nil {
		t.Fatal(err)
	}
	writeLog(t, path, 2)
	rep := verifyFiles(t, path)
	if len(rep.Problems) != 1 || rep.Problems[0].Line != 3 || rep.Records != 4 {
		t.Fatalf("report %+v, want one problem at line 3 and 4 records", rep)
	}
}

// TestLog_TornWriteKeepsTheChain: records written after a torn write follow
// the last whole record before it, so deleting one next to the tear is found.
func TestLog_TornWriteKeepsTheChain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	writeLog(t, path, 3)
	data := readFileT(t, path)
	if err := os.WriteFile(path, data[:len(data)-10], 0o600); err != nil {
		t.Fatal(err)
	}
	writeLog(t, path, 2)
	lines := strings.SplitAfter(string(readFileT(t, path)), "\n")
	// Lines: 1, 2 whole records; 3 the torn one; 4, 5 the new records.
	if err := os.WriteFile(path, []byte(strings.Join(append(lines[:3:3], lines[4:]...), "")), 0o600); err != nil {
		t.Fatal(err)
	}
	rep := verifyFiles(t, path)
	if len(rep.Problems) != 2 || !strings.Contains(rep.Problems[1].Msg, "missing") {
		t.Fatalf("problems %+v, want the torn line and the record deleted after it", rep.Problems)
	}
}

// TestVerify_OlderUnchainedRecords: records written before the chain
// existed are counted, not reported, when they come before it; an
// unchained line after it is a break.
func TestVerify_OlderUnchainedRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	old := `{"type":"decision","principal":"a"}` + "\n" + `{"type":"policy_change","who":"b"}` + "\n"
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	writeLog(t, path, 3)
	rep := verifyFiles(t, path)
	mustIntact(t, rep)
	if rep.Unchained != 2 || rep.Records != 3 || rep.Partial {
		t.Fatalf("report %+v, want 2 unchained lines, then 3 records from seq 1", rep)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(old[:strings.Index(old, "\n")+1]); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if rep = verifyFiles(t, path); len(rep.Problems) != 1 || rep.Problems[0].Line != 6 {
		t.Fatalf("problems %v, want one at line 6", rep.Problems)
	}
}

func TestLog_BoundsFields(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf)
	long := strings.Repeat("é", 40000) + "\nx"
	err := l.Decision(context.Background(), DecisionRecord{Principal: long, Operation: "op\nline2", Object: long,
		Grant: &Grant{Assignment: long}, Err: errors.New(long)})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.PolicyChange(context.Background(), PolicyChangeRecord{Who: long, What: long, Store: long}); err != nil {
		t.Fatal(err)
	}
	recs := readLines(t, buf.Bytes())
	if len(recs) != 2 {
		t.Fatalf("%d lines, want 2 (newlines escaped)", len(recs))
	}
	if buf.Len() > 3*MaxTextBytes+12*MaxNameBytes {
		t.Fatalf("records are %d bytes, want them bounded", buf.Len())
	}
	for _, r := range recs {
		for k, v := range r {
			if s, ok := v.(string); ok && len(s) > MaxTextBytes {
				t.Errorf("field %q is %d bytes", k, len(s))
			}
		}
	}
	p := recs[0]["principal"].(string)
	if !strings.HasSuffix(p, "…") || !utf8.ValidString(p) || len(p) > MaxNameBytes {
		t.Fatalf("principal %q: want cut at a character boundary, marked, at most %d bytes", p, MaxNameBytes)
	}
	if recs[0]["operation"] != "op\nline2" {
		t.Fatalf("operation %q", recs[0]["operation"])
	}
}

func TestTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	writeLog(t, path, 60, WithRotation(2000, 0))
	for _, n := range []int{1, 25, 60, 100} {
		lines, err := Tail(context.Background(), path, n)
		if err != nil {
			t.Fatal(err)
		}
		want := min(n, 60)
		if len(lines) != want {
			t.Fatalf("Tail %d: %d lines, want %d", n, len(lines), want)
		}
		for i, l := range lines {
			if seq := fmt.Sprintf(`{"seq":%d,`, 60-want+1+i); !strings.HasPrefix(l, seq) {
				t.Fatalf("Tail %d: line %d = %.40s, want %s", n, i, l, seq)
			}
		}
	}
}

// onlyInProgress reports whether rep's only problems are incomplete records
// at the end of a file, as a verify running beside writers may see.
func onlyInProgress(rep *Report) bool {
	if rep.Omitted > 0 || len(rep.Problems) == 0 {
		return false
	}
	for _, p := range rep.Problems {
		if !strings.HasPrefix(p.Msg, "incomplete record at the end of the file") {
			return false
		}
	}
	return true
}
