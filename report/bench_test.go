package report_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/azgate/azgate/audit"
	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/internal/policygen"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/report"
)

// benchRecords is the size of the benchmark's audit log.
const benchRecords = 1_000_000

// BenchmarkLeastPrivilege_1M reports on the large policy (1,000 scopes,
// about 3,000 role assignments) over an audit log of 1,000,000 /v1/check
// decision records spread over 20 days, each allowed one with the grant
// the checker made (decided for real from the large policy's requests).
// peak-heap-MB is the largest heap seen while reporting (sampled),
// heap-before-MB the live heap before (the policy, the generated requests
// and checker): the report's own memory is the difference.
func BenchmarkLeastPrivilege_1M(b *testing.B) {
	p, clients := policygen.GenerateLarge(1)
	chk, err := authz.Compile(p, policy.DefaultApplication, authz.Options{})
	if err != nil {
		b.Fatal(err)
	}
	reqs := policygen.LargeRequests(p, clients, 2, 20_000)
	var decided []audit.DecisionRecord
	ctx := context.Background()
	for _, r := range reqs {
		res, err := chk.AccessCheck(ctx, clients[r.Client], r.Scope, []operations.ID{r.Op}, nil)
		if err != nil {
			b.Fatal(err)
		}
		rec := audit.DecisionRecord{Source: audit.SourceCheck, Principal: clients[r.Client].Name, Caller: "checker",
			Operation: res[0].Operation.Name, OperationID: int(res[0].Operation.ID), Scope: r.Scope, Allowed: res[0].Allowed}
		if g := res[0].Grant; g != nil {
			rec.Grant = &audit.Grant{Scope: g.Scope, Assignment: g.Assignment, RoleDefinition: g.RoleDefinition, Principal: g.Principal}
		}
		decided = append(decided, rec)
	}
	path := filepath.Join(b.TempDir(), "audit.log")
	lg, err := audit.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	start := now.Add(-20 * 24 * time.Hour)
	step := (20 * 24 * time.Hour) / benchRecords
	batch := make([]audit.DecisionRecord, 0, 1000)
	for i := range benchRecords {
		rec := decided[i%len(decided)]
		rec.Time = start.Add(time.Duration(i) * step)
		batch = append(batch, rec)
		if len(batch) == cap(batch) {
			if err := lg.Decisions(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := lg.Close(); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	opts := report.Options{Application: policy.DefaultApplication, DefaultApplication: policy.DefaultApplication, Since: start, Until: now}

	runtime.GC()
	base := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(base)
	peak, stop := sampleHeap()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rep, err := report.LeastPrivilege(ctx, p, path, opts)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Decisions != benchRecords || rep.Counted == 0 || rep.Unattributed != 0 {
			b.Fatalf("decisions %d, counted %d, unattributed %d", rep.Decisions, rep.Counted, rep.Unattributed)
		}
	}
	b.StopTimer()
	stop()
	b.ReportMetric(float64(*peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(fi.Size())/(1<<20), "log-MB")
	b.ReportMetric(float64(base[0].Value.Uint64())/(1<<20), "heap-before-MB")
}

// sampleHeap samples the live heap every 5 ms until stop is called.
func sampleHeap() (peak *uint64, stop func()) {
	peak = new(uint64)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			*peak = max(*peak, s[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return peak, func() { close(done); wg.Wait() }
}
