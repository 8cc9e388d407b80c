package authz

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/policygen"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

var large struct {
	once    sync.Once
	p       *policy.Policy
	clients []directory.ClientContext
	reqs    []policygen.LargeRequest
}

func largeFixture(tb testing.TB) (*policy.Policy, []directory.ClientContext, []policygen.LargeRequest) {
	large.once.Do(func() {
		large.p, large.clients = policygen.GenerateLarge(1)
		large.reqs = policygen.LargeRequests(large.p, large.clients, 2, 1<<14)
	})
	return large.p, large.clients, large.reqs
}

func TestGenerateLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large policy")
	}
	p, clients, reqs := largeFixture(t)
	if err := p.Validate(); err != nil {
		t.Fatalf("generated policy is invalid: %v", err)
	}
	a := p.Applications[0]
	if len(clients) != policygen.LargeUsers || len(a.Scopes) != policygen.LargeScopes || len(a.Operations) != operations.Count {
		t.Fatalf("sizes: %d clients, %d scopes, %d operations", len(clients), len(a.Scopes), len(a.Operations))
	}
	var defs int
	for _, tk := range a.Tasks {
		if tk.RoleDefinition {
			defs++
		}
	}
	if defs != policygen.LargeRoleDefs {
		t.Errorf("%d application-level role definitions, want %d", defs, policygen.LargeRoleDefs)
	}
	c, err := Compile(p, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("warnings on the generated policy: %v", w)
	}
	var allowed int
	for _, r := range reqs {
		rs, err := c.AccessCheck(context.Background(), clients[r.Client], r.Scope, []operations.ID{r.Op}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rs[0].Allowed {
			allowed++
		}
	}
	frac := float64(allowed) / float64(len(reqs))
	t.Logf("%.1f%% of %d requests allowed", 100*frac, len(reqs))
	if frac < 0.1 || frac > 0.9 {
		t.Errorf("requests do not mix grants and denials: %.1f%% allowed", 100*frac)
	}
	// Same seed, same policy.
	q, _ := policygen.GenerateLarge(1)
	if q.Applications[0].Scopes[500].Roles[0].GUID != a.Scopes[500].Roles[0].GUID {
		t.Error("policygen.GenerateLarge is not deterministic")
	}
}

func BenchmarkCompileLarge(b *testing.B) {
	p, _, _ := largeFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(p, "", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAccessCheckLarge is the hot path of a server: one operation a
// check, random clients and scopes, results into a reused Buffer.
func BenchmarkAccessCheckLarge(b *testing.B) {
	benchmarkAccessCheckLarge(b, true)
}

// BenchmarkAccessCheckLargeAlloc is the same through AccessCheck, which
// allocates the results.
func BenchmarkAccessCheckLargeAlloc(b *testing.B) {
	benchmarkAccessCheckLarge(b, false)
}

func benchmarkAccessCheckLarge(b *testing.B, into bool) {
	p, clients, reqs := largeFixture(b)
	c, err := Compile(p, "", Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ops := make([][]operations.ID, len(reqs))
	for i, r := range reqs {
		ops[i] = []operations.ID{r.Op}
	}
	var buf Buffer
	var i, allowed, n int
	runtime.GC() // start clean of the garbage earlier benchmarks left
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		r := reqs[i]
		var rs []Result
		if into {
			rs, err = c.AccessCheckInto(ctx, &buf, clients[r.Client], r.Scope, ops[i], nil)
		} else {
			rs, err = c.AccessCheck(ctx, clients[r.Client], r.Scope, ops[i], nil)
		}
		if err != nil {
			b.Fatal(err)
		}
		if rs[0].Allowed {
			allowed++
		}
		n++
		i = (i + 1) % len(reqs)
	}
	b.ReportMetric(float64(allowed)/float64(n), "allowed/op")
	cpu.reportNs(b)
}

// largeWhatIfEdits are single edits of the large policy, from narrow to
// broad: a member added to one scope's role assignment; an operation
// added to an application-level role definition that scopes' assignments
// link.
var largeWhatIfEdits = []struct {
	name string
	edit func(p *policy.Policy) error
}{
	{"ScopeMember", func(p *policy.Policy) error {
		a := p.Applications[0]
		r := a.Scopes[500].Roles[0]
		r.Members = append(r.Members, `CORP\u00042`)
		return nil
	}},
	{"RoleDefinitionOperation", func(p *policy.Policy) error {
		a := p.Applications[0]
		for _, t := range a.Tasks {
			if t.Name == "Role 07" {
				t.OperationLinks = append(t.OperationLinks, a.Operations[0].GUID)
			}
		}
		return nil
	}},
}

// BenchmarkWhatIfLarge is a what-if of one edit on the large policy, as
// the server makes it: the edit applied to a copy (validated), the copy
// compiled, and the decisions of its 10,000 users and every principal and
// application group the policy names compared.
func BenchmarkWhatIfLarge(b *testing.B) {
	p, clients, _ := largeFixture(b)
	base, err := Compile(p, "", Options{})
	if err != nil {
		b.Fatal(err)
	}
	subjects := make([]Subject, 0, len(clients))
	for _, cl := range clients {
		subjects = append(subjects, UserSubject(cl))
	}
	subjects = append(subjects, base.PolicySubjects()...)
	for _, e := range largeWhatIfEdits {
		b.Run(e.name, func(b *testing.B) {
			var rep WhatIfReport
			cpu := startCPU()
			for b.Loop() {
				q, err := p.Edit(e.edit)
				if err != nil {
					b.Fatal(err)
				}
				next, err := base.Recompile(q)
				if err != nil {
					b.Fatal(err)
				}
				rep, err = WhatIf(context.Background(), base, next, WhatIfOptions{Subjects: subjects})
				if err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
			b.ReportMetric(float64(rep.Total), "changes")
			b.ReportMetric(float64(rep.Affected), "affected")
		})
	}
}

// cpuClock measures the process's CPU time (user and system) over a
// benchmark: on a shared machine the wall time per operation says more
// about the neighbours than about the code.
type cpuClock struct{ start time.Duration }

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{start: processCPU()} }

// report adds a cpu-ms/op metric.
func (c cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(processCPU()-c.start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// reportNs adds a cpu-ns/op metric, for benchmarks of microseconds.
func (c cpuClock) reportNs(b *testing.B) {
	b.ReportMetric(float64(processCPU()-c.start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkEffectiveAccessLarge is one user's whole grid on the large
// policy: 1,001 scopes (the default and 1,000) × 34 operations.
func BenchmarkEffectiveAccessLarge(b *testing.B) {
	p, clients, _ := largeFixture(b)
	c, err := Compile(p, "", Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	cpu := startCPU()
	i, allowed := 0, 0
	for b.Loop() {
		g, err := c.EffectiveAccess(ctx, UserSubject(clients[i%len(clients)]), GridOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(g.Rows) != policygen.LargeScopes+1 {
			b.Fatalf("%d rows", len(g.Rows))
		}
		for _, r := range g.Rows {
			for _, cell := range r.Cells {
				if cell.Allowed {
					allowed++
				}
			}
		}
		i += 997
	}
	cpu.report(b)
	b.ReportMetric(float64(allowed)/float64(b.N), "allowed-cells/op")
}

// largeVMs are 10,000 virtual machines spread over the large policy's
// 1,000 scopes (and a hundred in the default scope).
func largeVMs() objectSlice {
	vmOps := []operations.ID{}
	for _, o := range operations.All() {
		if o.Category == operations.VirtualMachine {
			vmOps = append(vmOps, o.ID)
		}
	}
	out := make(objectSlice, 10_000)
	for i := range out {
		scope := fmt.Sprintf("VM%04d", i%policygen.LargeScopes)
		if i%100 == 99 {
			scope = ""
		}
		out[i] = Object{Kind: "virtual machine", Name: fmt.Sprintf("vm-%05d", i), Scope: scope, Operations: vmOps}
	}
	return out
}

// BenchmarkAccessListLarge lists everything one user of the large policy
// may do over its 1,000 scopes and 10,000 VMs: the first page, and the
// whole list page by page (100 entries a page, the default).
func BenchmarkAccessListLarge(b *testing.B) {
	p, clients, _ := largeFixture(b)
	c, err := Compile(p, "", Options{})
	if err != nil {
		b.Fatal(err)
	}
	vms := largeVMs()
	ctx := context.Background()
	// The user with the most entries among the first 200: a long list.
	best, most := 0, 0
	for i := range 200 {
		n := 0
		tok := ""
		for {
			pg, err := c.AccessList(ctx, UserSubject(clients[i]), AccessListOptions{Objects: vms, Limit: MaxPageLimit, Token: tok})
			if err != nil {
				b.Fatal(err)
			}
			n += len(pg.Entries)
			if tok = pg.Next; tok == "" {
				break
			}
		}
		if n > most {
			best, most = i, n
		}
	}
	user := UserSubject(clients[best])
	b.Run("FirstPage", func(b *testing.B) {
		cpu := startCPU()
		for b.Loop() {
			if _, err := c.AccessList(ctx, user, AccessListOptions{Objects: vms}); err != nil {
				b.Fatal(err)
			}
		}
		cpu.report(b)
	})
	b.Run("WholeList", func(b *testing.B) {
		cpu := startCPU()
		pages := 0
		for b.Loop() {
			tok := ""
			for {
				pg, err := c.AccessList(ctx, user, AccessListOptions{Objects: vms, Token: tok})
				if err != nil {
					b.Fatal(err)
				}
				pages++
				if tok = pg.Next; tok == "" {
					break
				}
			}
		}
		cpu.report(b)
		b.ReportMetric(float64(most), "entries")
		b.ReportMetric(float64(pages)/float64(b.N), "pages")
	})
}

var many struct {
	once    sync.Once
	p       *policy.Policy
	clients []directory.ClientContext
	reqs    []policygen.LargeRequest
}

func manyFixture(tb testing.TB) (*policy.Policy, []directory.ClientContext, []policygen.LargeRequest) {
	many.once.Do(func() { many.p, many.clients, many.reqs = policygen.GenerateManyOps() })
	return many.p, many.clients, many.reqs
}

func TestManyOpsFixture(t *testing.T) {
	p, clients, reqs := manyFixture(t)
	if err := p.Validate(); err != nil {
		t.Fatalf("generated policy is invalid: %v", err)
	}
	c, err := Compile(p, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Warnings(); len(w) != 0 || c.Operations().Len() != policygen.ManyOps || len(p.Applications[0].Tasks) != policygen.ManyTasks {
		t.Fatalf("warnings %q, %d operations, %d tasks", w, c.Operations().Len(), len(p.Applications[0].Tasks))
	}
	var allowed int
	for _, r := range reqs {
		rs, err := c.AccessCheck(context.Background(), clients[r.Client], r.Scope, []operations.ID{r.Op}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rs[0].Allowed {
			allowed++
		}
	}
	frac := float64(allowed) / float64(len(reqs))
	t.Logf("%.1f%% of %d requests allowed", 100*frac, len(reqs))
	if frac < 0.05 || frac > 0.9 {
		t.Errorf("requests do not mix grants and denials: %.1f%% allowed", 100*frac)
	}
}

// BenchmarkAccessCheckManyOps is BenchmarkAccessCheckLarge's hot path on
// an application of 1,000 operations and 200 tasks (operation sets of 16
// words).
func BenchmarkAccessCheckManyOps(b *testing.B) {
	p, clients, reqs := manyFixture(b)
	c, err := Compile(p, "", Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ops := make([][]operations.ID, len(reqs))
	for i, r := range reqs {
		ops[i] = []operations.ID{r.Op}
	}
	var buf Buffer
	var i, allowed, n int
	runtime.GC()
	b.ReportAllocs()
	for b.Loop() {
		r := reqs[i]
		rs, err := c.AccessCheckInto(ctx, &buf, clients[r.Client], r.Scope, ops[i], nil)
		if err != nil {
			b.Fatal(err)
		}
		if rs[0].Allowed {
			allowed++
		}
		n++
		i = (i + 1) % len(reqs)
	}
	b.ReportMetric(float64(allowed)/float64(n), "allowed/op")
}
