package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"
)

// BenchmarkServer_Check drives POST /v1/check over a loopback connection:
// one operation per request, and batches of 100 checks of one operation.
//
//	go test -run XXX -bench Server_Check ./server
func BenchmarkServer_Check(b *testing.B) {
	ts := startServerB(b)
	single := map[string]any{"user": "alice", "groups": []string{"S-1-5-32-544"}, "operations": []any{"Start Virtual Machine"}}
	items := make([]any, 100)
	for i := range items {
		items[i] = single
	}
	for _, bc := range []struct {
		name string
		body any
		ops  int
	}{{"single", single, 1}, {"batch100", map[string]any{"checks": items}, 100}} {
		raw, _ := json.Marshal(bc.body)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			client := &http.Client{}
			defer reportCPU(b)()
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodPost, ts.base+"/v1/check", bytes.NewReader(raw))
				req.SetBasicAuth(admin.user, admin.pass)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
			b.ReportMetric(float64(b.N*bc.ops)/b.Elapsed().Seconds(), "decisions/s")
		})
	}
}

// BenchmarkHandler_Check runs the router in-process (no network): what the
// server itself spends on a check, single and in a batch of 10 × 10, all
// allowed; single_denied is a denial, which the default configuration
// (AuditChecks "denials") writes to the audit log: a file lock, a stat and
// a write per request, most of its time.
//
//	go test -run XXX -bench Handler_Check ./server
func BenchmarkHandler_Check(b *testing.B) {
	ts := startServerB(b)
	d := ts.s.dir.(interface {
		CreateToken(ctx context.Context, user, label string) (string, error)
	})
	tok, err := d.CreateToken(context.Background(), "admin", "bench")
	if err != nil {
		b.Fatal(err)
	}
	item := map[string]any{"user": "alice", "groups": []string{"g1", "g2", "S-1-5-32-544"}, "operations": []any{
		"Start Virtual Machine", "Stop Virtual Machine", 309, "Delete Virtual Machine", "Create Virtual Machine",
		"View Switches", "View Switch Ports", "Reconfigure Service", "Read Service Configuration", "Allow Virtual Machine Snapshot"}}
	items := make([]any, 10)
	for i := range items {
		items[i] = item
	}
	single, _ := json.Marshal(map[string]any{"user": "alice", "groups": []string{"g1", "S-1-5-32-544"}, "operations": []any{"Start Virtual Machine"}})
	denied, _ := json.Marshal(map[string]any{"user": "alice", "groups": []string{"g1"}, "operations": []any{"Start Virtual Machine"}})
	batch, _ := json.Marshal(map[string]any{"checks": items})
	for _, bc := range []struct {
		name string
		body []byte
		ops  int
	}{{"single", single, 1}, {"single_denied", denied, 1}, {"batch100", batch, 100}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/v1/check", bytes.NewReader(bc.body))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				ts.s.router.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code, w.Body.String())
				}
			}
			b.ReportMetric(float64(b.N*bc.ops)/b.Elapsed().Seconds(), "decisions/s")
		})
	}
}

// reportCPU reports, when the returned func is called, the CPU time the
// process (client, server and garbage collector) spent per operation since
// reportCPU was called: on a machine shared with other work, wall time per
// operation says more about the neighbours than about the code.
//
//	defer reportCPU(b)()
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
