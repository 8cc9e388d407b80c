package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
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
