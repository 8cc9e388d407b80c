package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// auditRecords reads the audit log at path.
func auditRecords(t *testing.T, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, path)))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// TestAudit_CLIChangesRecorded: every command that changes a policy
// records who ran it, the command and the revisions before and after.
func TestAudit_CLIChangesRecorded(t *testing.T) {
	log := filepath.Join(t.TempDir(), "logs", "audit.log")
	t.Setenv(auditLogEnv, log)
	store, _ := newStore(t, "default")
	mustRun(t, "task", "create", "Watch it", "--op", "View Switches", "--op", "309", "--store", store)
	dst := "msxml://" + filepath.Join(t.TempDir(), "copy.xml")
	mustRun(t, "store", "copy", store, dst)
	mustRun(t, "task", "list", "--store", store) // a read: not recorded

	recs := auditRecords(t, log)
	wants := []struct{ what, store, old string }{
		{"store init --example default", store, ""},
		{`task create "Watch it" --op "View Switches" --op 309`, store, "1"},
		{"store copy " + store + " " + dst, dst, ""},
	}
	if len(recs) != len(wants) {
		t.Fatalf("%d records, want %d: %v", len(recs), len(wants), recs)
	}
	for i, w := range wants {
		r := recs[i]
		if r["type"] != "policy_change" || r["source"] != "cli" || r["who"] != osUser() || r["what"] != w.what ||
			r["store"] != w.store || r["old_revision"] != w.old {
			t.Errorf("record %d = %v, want %q on %s from revision %q", i, r, w.what, w.store, w.old)
		}
		if old, _ := strconv.Atoi(w.old); r["new_revision"] != strconv.Itoa(old+1) {
			t.Errorf("record %d: new revision %v, want %d", i, r["new_revision"], old+1)
		}
	}
	if out := mustRun(t, "audit", "verify"); !strings.Contains(out, "3 records in 1 file, seq 1 to 3: chain intact") {
		t.Fatalf("audit verify: %s", out)
	}
	out := mustRun(t, "audit", "tail", "-n", "2")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "#2 ") || !strings.Contains(lines[0], `cli `+osUser()+` changed `+store+` (revision "1" → "2"): task create "Watch it"`) ||
		!strings.HasPrefix(lines[1], "#3 ") {
		t.Fatalf("audit tail -n 2:\n%s", out)
	}
	if out := mustRun(t, "audit", "tail", "-n", "1", "--json"); !strings.HasPrefix(out, `{"seq":3,`) {
		t.Fatalf("audit tail --json: %s", out)
	}
}

// TestAudit_UnrecordableChangeNotMade: a command that cannot open the
// audit log changes nothing.
func TestAudit_UnrecordableChangeNotMade(t *testing.T) {
	store, path := newStore(t, "default")
	before := readFile(t, path)
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	step{args: []string{"task", "create", "X", "--op", "View Switches", "--audit-log", filepath.Join(notDir, "audit.log")},
		code: exitError, stderr: []string{"audit log", "the change was not made"}}.run(t, store)
	if !bytes.Equal(readFile(t, path), before) {
		t.Fatal("the store changed although the change could not be recorded")
	}
}

func TestAudit_Verify(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "audit.log")
	t.Setenv(auditLogEnv, log)
	store, _ := newStore(t, "default")
	for _, name := range []string{"A", "B", "C"} {
		mustRun(t, "scope", "create", name, "--store", store)
	}
	intact := readFile(t, log)
	lines := bytes.SplitAfter(intact, []byte("\n"))
	tests := []struct {
		name   string
		data   []byte
		args   []string
		code   int
		stdout string
	}{
		{"intact", intact, nil, exitOK, "4 records in 1 file, seq 1 to 4: chain intact"},
		{"intact, files given", intact, []string{log}, exitOK, "chain intact"},
		{"edited line", bytes.Replace(intact, []byte(`scope create B`), []byte(`scope create b`), 1), nil, exitFalse,
			log + ":3: record seq 3: its hash does not match its content: the line was edited"},
		{"deleted line", bytes.Join(append(lines[:1:1], lines[2:]...), nil), []string{log}, exitFalse,
			log + ":2: record seq 3 does not follow the record before it (seq 1): 1 record(s) missing"},
		{"truncated tail", intact[:len(intact)-20], nil, exitFalse, log + ":4: incomplete record"},
		{"missing file", nil, []string{filepath.Join(dir, "none.log")}, exitError, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.data != nil {
				if err := os.WriteFile(log, tc.data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			out, errOut, code := azgate(t, append([]string{"audit", "verify"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out, tc.stdout) {
				t.Fatalf("exit %d, want %d; stdout %q, want %q; stderr %q", code, tc.code, out, tc.stdout, errOut)
			}
		})
	}
}

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"4096", 4096, true}, {"64K", 64 << 10, true}, {"100M", 100 << 20, true}, {"100MiB", 100 << 20, true},
		{"1gb", 1 << 30, true}, {"0", 0, true}, {"-1", 0, false}, {"lots", 0, false}, {"1T", 0, false},
	} {
		var n int64
		err := byteSize{&n}.Set(tc.in)
		if (err == nil) != tc.ok || n != tc.want {
			t.Errorf("Set(%q) = %d, %v; want %d, ok %v", tc.in, n, err, tc.want, tc.ok)
		}
	}
	if n := int64(100 << 20); (byteSize{&n}).String() != "100M" {
		t.Errorf("String = %s", byteSize{&n})
	}
}

// TestDescribeRecord_GrantUsage: audit tail says what a grant usage
// record counts.
func TestDescribeRecord_GrantUsage(t *testing.T) {
	line := `{"seq":7,"prev":"","type":"grant_usage","time":"2026-12-02T10:01:00Z","source":"server","start":"2026-12-02T10:00:00Z",` +
		`"end":"2026-12-02T10:01:00Z","entries":[{"operation":"a","operation_id":1,"grant":{"assignment":"A"},"count":3,"last":"2026-12-02T10:00:30Z"},` +
		`{"operation":"b","operation_id":2,"grant":{"assignment":"A"},"count":2,"last":"2026-12-02T10:00:40Z"}],"hash":"x"}`
	want := "#7 2026-12-02T10:01:00Z server grant usage from 2026-12-02T10:00:00Z to 2026-12-02T10:01:00Z: 5 allowed decisions through 2 grants"
	if got := describeRecord(line); got != want {
		t.Errorf("describeRecord = %q, want %q", got, want)
	}
}
