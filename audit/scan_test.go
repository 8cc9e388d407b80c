package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestScanAllowed_Rotation writes a day of decisions an hour apart into a
// log rotated small and keeping two rotated files: the horizon is the
// oldest record kept, files older than since are skipped unread, and
// only allowed decisions at or after since reach the callback.
func TestScanAllowed_Rotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path, WithRotation(2048, 2))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for h := range 24 {
		r := DecisionRecord{Time: start.Add(time.Duration(h) * time.Hour), Source: SourceEngine, Principal: "bob",
			Operation: "Start Virtual Machine", Allowed: h%2 == 0}
		if r.Allowed {
			r.Grant = &Grant{Assignment: "Ops", Principal: "bob"}
		}
		if err := l.Decision(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if err := l.PolicyChange(context.Background(), PolicyChangeRecord{Time: r.Time, Source: SourceCLI, Who: "root", What: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	files, err := Files(path)
	if err != nil || len(files) != 3 {
		t.Fatalf("files %v, %v: want PATH.2, PATH.1, PATH", files, err)
	}
	horizon, _, err := firstTime(mustOpen(t, files[0]))
	if err != nil || !horizon.After(start) {
		t.Fatalf("oldest kept record at %v (%v): the first ones should have been rotated away", horizon, err)
	}

	_, err = ScanAllowed(context.Background(), path, start, func(*Decision) error { return nil })
	var tooOld *TooOldError
	if !errors.As(err, &tooOld) || !tooOld.Horizon.Equal(horizon) {
		t.Fatalf("since before the horizon: %v, want a *TooOldError at %v", err, horizon)
	}

	since := start.Add(21 * time.Hour)
	var got []time.Time
	sp, err := ScanAllowed(context.Background(), path, since, func(d *Decision) error {
		if d.Result != ResultAllowed || d.Grant == nil || d.Grant.Assignment != "Ops" || d.Operation != "Start Virtual Machine" {
			t.Errorf("decision %+v", d)
		}
		got = append(got, d.Time)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Time{start.Add(22 * time.Hour)}; len(got) != 1 || !got[0].Equal(want[0]) {
		t.Errorf("allowed decisions since %v: %v, want %v", since, got, want)
	}
	if sp.Decisions != 3 || sp.Allowed != 1 || !sp.Horizon.Equal(horizon) || sp.Skipped == 0 {
		t.Errorf("span %+v: want 3 decisions, 1 allowed, the horizon %v, old files skipped", sp, horizon)
	}

	stop := errors.New("stop")
	if _, err := ScanAllowed(context.Background(), path, horizon, func(*Decision) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("the callback's error: %v", err)
	}
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestDecodeDecision: the hand decoder reads what encoding/json reads, for
// lines Log writes (escapes, non-ASCII, cut values, no grant) and for lines
// it did not (which fall back).
func TestDecodeDecision(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf)
	at := time.Date(2026, 12, 1, 10, 0, 0, 123456789, time.UTC)
	recs := []DecisionRecord{
		{Time: at, Source: SourceEngine, Principal: `CONTOSO\bob`, Operation: "Start Virtual Machine", OperationID: 307, Scope: "Lab",
			Object: "vm \"1\"", Allowed: true, Grant: &Grant{Scope: "Lab", Assignment: "Lab \"Ops\"", RoleDefinition: "Ops\tDef", Principal: `CONTOSO\Lab-Ops`}},
		{Time: at, Source: SourceCheck, Principal: "ſam ☃", Caller: "checker", Application: "Expense", Operation: "Submit <a>&", Allowed: true,
			Grant: &Grant{Assignment: "x"}, RequestID: "r1"},
		{Time: at, Source: SourceEngine, Principal: strings.Repeat("é", 300), Operation: "View", Allowed: true, Grant: &Grant{Assignment: "a"}},
		{Time: at, Source: SourceCheck, Principal: "eve", Operation: "Delete", Err: errors.New("no \"grant\"\nhere")},
	}
	if err := l.Decisions(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	lines = append(lines,
		`{"type":"decision","time":"2026-12-01T10:00:00Z","result":"allowed","grant":{"assignment":"A","extra":[1,2]}}`,
		`{ "type" : "decision", "time":"2026-12-01T10:00:00Z", "result":"allowed", "operation":"Op" }`,
		`{"type":"decision","operation_id":1.5e2,"result":null}`,
	)
	var in interner
	for i, line := range lines {
		var fast, slow Decision
		okFast := decodeDecision([]byte(line), &fast, &in)
		okSlow := json.Unmarshal([]byte(line), &slow) == nil
		if okFast != okSlow || !reflect.DeepEqual(fast, slow) {
			t.Errorf("line %d %s:\nhand    %v %+v %+v\nencoding/json %v %+v %+v", i, line, okFast, fast, fast.Grant, okSlow, slow, slow.Grant)
		}
	}
	if !fastDecision([]byte(lines[0]), &Decision{}, &in) {
		t.Error("a line Log wrote was not decoded by hand")
	}
}
