package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/audit"
	"github.com/azgate/azgate/authz"
)

// usageBody is a check that the default store's Administrator assignment
// grants (through its member S-1-5-32-544) and one it denies.
var usageBody = map[string]any{"checks": []map[string]any{
	{"user": "alice", "groups": []string{"S-1-5-32-544"}, "operations": []string{"Start Virtual Machine"}},
	{"user": "nobody", "operations": []string{"Start Virtual Machine"}},
}}

const usageEval = `{"subject":{"type":"user","id":"admin"},"action":{"name":"Stop Virtual Machine"},"resource":{"type":"scope","id":""}}`

// TestGrantUsage_Report: under each --audit-checks mode, three allowed
// checks and two allowed AuthZEN evaluations show in the least-privilege
// report as uses of the Administrator assignment by its member — counted
// by the grant usage records of the default mode, by the decision records
// of "all" (and no summaries: no double counting), not at all under
// "off" (which the report notes).
func TestGrantUsage_Report(t *testing.T) {
	for _, tc := range []struct {
		mode                string
		starts, stops, sums int
		notes               int
	}{
		{"", 3, 2, 1, 0},
		{AuditChecksDenials, 3, 2, 1, 0},
		{AuditChecksAll, 3, 2, 0, 0},
		{AuditChecksOff, 0, 0, 0, 1},
	} {
		t.Run("audit-checks="+tc.mode, func(t *testing.T) {
			ts := startServer(t, func(c *Config) { c.AuditChecks = tc.mode; c.AuditUsageInterval = time.Hour })
			for range 3 {
				want(t, ts.do(admin, http.MethodPost, "/v1/check", usageBody), http.StatusOK, "check")
			}
			for range 2 {
				want(t, ts.do(admin, http.MethodPost, "/access/v1/evaluation", usageEval), http.StatusOK, "evaluation")
			}
			r := ts.do(admin, http.MethodGet, "/v1/reports/least-privilege?since=all", nil)
			want(t, r, http.StatusOK, "report")
			var rep api.LeastPrivilegeReport
			r.json(t, &rep)
			i := slices.IndexFunc(rep.Assignments, func(a api.LeastPrivilegeAssignment) bool { return a.Name == "Administrator" })
			if i < 0 || len(rep.Notes) != tc.notes {
				t.Fatalf("report %+v", rep)
			}
			a := rep.Assignments[i]
			if got := usesOf(a.Used); got["Start Virtual Machine"] != tc.starts || got["Stop Virtual Machine"] != tc.stops {
				t.Errorf("Administrator used %v; want %d starts, %d stops", a.Used, tc.starts, tc.stops)
			}
			if len(a.Members) != 1 || usesOf(a.Members[0].Used)["Start Virtual Machine"] != tc.starts {
				t.Errorf("members %+v", a.Members)
			}
			n := 0
			for _, r := range ts.auditRecords(t, audit.SourceServer) {
				if r["type"] == audit.TypeGrantUsage {
					n++
				}
			}
			if n < tc.sums || (tc.sums == 0 && n != 0) {
				t.Errorf("%d grant usage records, want %d", n, tc.sums)
			}
		})
	}
}

func usesOf(us []api.OperationUse) map[string]int {
	m := map[string]int{}
	for _, u := range us {
		m[u.Operation] = u.Count
	}
	return m
}

// TestGrantUsage_ShutdownFlushes: the uses counted since the last write
// are written when the server shuts down gracefully.
func TestGrantUsage_ShutdownFlushes(t *testing.T) {
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.StoreURL = "msxml://" + filepath.Join(dir, "store.xml")
	cfg.AdminPassword = testAdminPassword
	cfg.BcryptCost = bcrypt.MinCost
	cfg.AuditUsageInterval = time.Hour // never, in the test's time
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	s, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	for range 4 {
		want(t, doReq(t, "http://"+ln.Addr().String(), admin, http.MethodPost, "/v1/check", usageBody), http.StatusOK, "check")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	var n int
	_, err = audit.ScanAllowed(context.Background(), cfg.auditPath(), time.Time{}, func(d *audit.Decision) error {
		if d.Source == audit.SourceCheck && d.Grant.Assignment == "Administrator" && d.Grant.Principal == "S-1-5-32-544" &&
			d.Operation == "Start Virtual Machine" && !d.Time.Before(start) {
			n += d.Count
		}
		return nil
	})
	if err != nil || n != 4 {
		t.Fatalf("after shutdown the log holds %d uses (%v), want 4", n, err)
	}
}

// TestGrantUsage_Cap: the counts never hold more entries than the cap;
// a new entry beyond it writes those held first, and no use is lost.
func TestGrantUsage_Cap(t *testing.T) {
	var buf bytes.Buffer
	u := newGrantUsage(audit.New(&buf), slog.New(slog.DiscardHandler), 3)
	total := 0
	for i := range 10 {
		for j := range i%3 + 1 {
			g := &authz.Grant{Assignment: "A" + strconv.Itoa(i), Principal: "m"}
			u.count(audit.SourceCheck, "app", "op", 1, true, g)
			total++
			if n := len(u.m); n > 3 {
				t.Fatalf("after use %d.%d the counts hold %d entries, cap 3", i, j, n)
			}
		}
		u.count(audit.SourceCheck, "app", "op", 1, false, &authz.Grant{Assignment: "denied"})
		u.count(audit.SourceCheck, "app", "op", 1, true, nil)
	}
	if buf.Len() == 0 {
		t.Fatal("a full count wrote nothing")
	}
	if err := u.close(); err != nil {
		t.Fatal(err)
	}
	written := 0
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		rec, ok := decodeUsageForTest(line)
		if !ok {
			t.Fatalf("not a grant usage record: %s", line)
		}
		if len(rec) > 3 {
			t.Errorf("a record of %d entries, cap 3", len(rec))
		}
		for _, e := range rec {
			written += e.Count
		}
	}
	if written != total {
		t.Errorf("%d uses written, want %d", written, total)
	}
	var nilUsage *grantUsage
	nilUsage.count(audit.SourceCheck, "app", "op", 1, true, &authz.Grant{}) // other modes: a no-op
	nilUsage.flush(context.Background())
}

// decodeUsageForTest reads the entries of a grant usage line.
func decodeUsageForTest(line []byte) ([]audit.UsageEntry, bool) {
	var r struct {
		Type    string             `json:"type"`
		Entries []audit.UsageEntry `json:"entries"`
	}
	if json.Unmarshal(line, &r) != nil || r.Type != audit.TypeGrantUsage {
		return nil, false
	}
	return r.Entries, true
}

// BenchmarkGrantUsage_Count is the cost an allowed check pays to be
// counted (the hot path of --audit-checks denials), from every core.
func BenchmarkGrantUsage_Count(b *testing.B) {
	var buf bytes.Buffer
	u := newGrantUsage(audit.New(&buf), slog.New(slog.DiscardHandler), maxUsageEntries)
	u.clock.Store(time.Now().UnixNano()) // as run keeps it
	g := &authz.Grant{Assignment: "Administrator", RoleDefinition: "Administrator", Principal: "S-1-5-32-544"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			u.count(audit.SourceCheck, "Hyper-V services", "Start Virtual Machine", 300, true, g)
		}
	})
}
