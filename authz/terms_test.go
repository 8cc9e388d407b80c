package authz

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/xmlstore"
)

// fakeClock is a controllable clock.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.set(t)
	return c
}
func (c *fakeClock) Now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

var termT = time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)

// termPolicy: role assignment "Ops" in scope "Lab" grants Start VM to
// alice until termT, to bob from termT, to the group "Temps" (carol) until
// termT+1h, and to dave always.
func termPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	app := policy.Location{App: policy.DefaultApplication}
	lab := policy.Location{App: policy.DefaultApplication, Scope: "Lab"}
	p, err := policy.NewDefault().Edit(func(p *policy.Policy) error {
		steps := []func() error{
			func() error { return p.CreateScope(app.App, &policy.Scope{GUID: policy.NewGUID(), Name: "Lab"}) },
			func() error { return p.CreateRole(lab, &policy.Role{GUID: policy.NewGUID(), Name: "Ops"}) },
			func() error { return p.Link(lab, policy.KindRole, "Ops", policy.RelOperation, "Start Virtual Machine") },
			func() error {
				return p.CreateGroup(app, &policy.Group{GUID: policy.NewGUID(), Name: "Temps", Type: policy.GroupBasic, Members: []string{"carol"}})
			},
			func() error { return p.Link(lab, policy.KindRole, "Ops", policy.RelGroup, "Temps") },
		}
		for _, m := range []string{"alice", "bob", "dave"} {
			steps = append(steps, func() error { return p.Link(lab, policy.KindRole, "Ops", policy.RelMember, m) })
		}
		steps = append(steps,
			func() error {
				return p.SetTerm(lab, policy.KindRole, "Ops", policy.RelMember, "alice", policy.Term{Expires: termT})
			},
			func() error {
				return p.SetTerm(lab, policy.KindRole, "Ops", policy.RelMember, "bob", policy.Term{Start: termT})
			},
			func() error {
				return p.SetTerm(lab, policy.KindRole, "Ops", policy.RelGroup, "Temps", policy.Term{Expires: termT.Add(time.Hour)})
			})
		for _, s := range steps {
			if err := s(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func who(name string) directory.ClientContext {
	return directory.ClientContext{Name: name, IDs: []string{name}}
}

func TestTerms_Decisions(t *testing.T) {
	p := termPolicy(t)
	clock := newFakeClock(termT.Add(-time.Second))
	c, err := Compile(p, "", Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if b := c.Boundary(); !b.Equal(termT) {
		t.Fatalf("boundary %v, want %v", b, termT)
	}
	ctx := context.Background()
	allowed := func(name string) bool {
		rs, err := c.AccessCheck(ctx, who(name), "Lab", []operations.ID{operations.StartVM}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rs[0].Allowed
	}
	tests := []struct {
		at   time.Time
		want map[string]bool
	}{
		{termT.Add(-time.Second), map[string]bool{"alice": true, "bob": false, "carol": true, "dave": true}},
		{termT.Add(-time.Nanosecond), map[string]bool{"alice": true, "bob": false, "carol": true, "dave": true}},
		{termT, map[string]bool{"alice": false, "bob": true, "carol": true, "dave": true}},
		{termT.Add(time.Hour - time.Nanosecond), map[string]bool{"alice": false, "bob": true, "carol": true, "dave": true}},
		{termT.Add(time.Hour), map[string]bool{"alice": false, "bob": true, "carol": false, "dave": true}},
		{termT.Add(-time.Second), map[string]bool{"alice": true, "bob": false, "carol": true, "dave": true}}, // the clock set back
	}
	for _, tc := range tests {
		clock.set(tc.at)
		for name, want := range tc.want {
			if got := allowed(name); got != want {
				t.Errorf("at %v: %s allowed = %v, want %v", tc.at, name, got, want)
			}
		}
	}

	// Every entry point decides with the memberships in force now.
	clock.set(termT)
	ps, err := c.WhoCan("Lab", operations.StartVM)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, pr := range ps {
		names = append(names, pr.Name)
	}
	if s := strings.Join(names, ","); strings.Contains(s, "alice") || !strings.Contains(s, "bob") {
		t.Errorf("WhoCan at the expiry = %v; want bob and not alice", names)
	}
	ex := c.Explain(ctx, who("alice"), "Lab", operations.StartVM, nil)
	if ex.Allowed || !strings.Contains(ex.Reason, `membership of "alice"`) || !strings.Contains(ex.Reason, "expired at 2026-12-02T15:00:00Z") {
		t.Errorf("Explain alice at the expiry: %q", ex.Reason)
	}
	clock.set(termT.Add(-time.Minute))
	ex = c.Explain(ctx, who("bob"), "Lab", operations.StartVM, nil)
	if ex.Allowed || !strings.Contains(ex.Reason, "is not valid until 2026-12-02T15:00:00Z") {
		t.Errorf("Explain bob before the start: %q", ex.Reason)
	}
}

func TestTerms_NeverInForceWarns(t *testing.T) {
	p := termPolicy(t)
	lab := policy.Location{App: policy.DefaultApplication, Scope: "Lab"}
	q, err := p.Edit(func(p *policy.Policy) error {
		return p.SetTerm(lab, policy.KindRole, "Ops", policy.RelMember, "dave", policy.Term{Start: termT, Expires: termT})
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compile(q, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(c.Warnings(), "\n"); !strings.Contains(w, `member "dave": its term ends at 2026-12-02T15:00:00Z, not after its start`) {
		t.Errorf("warnings %q; want one for dave's empty term", w)
	}
}

// TestTerms_ExpiryUnderLoad: while goroutines check as fast as they can,
// the clock passes alice's expiry. A check that began at or after it is
// never allowed, and one that ended before it is never denied.
func TestTerms_ExpiryUnderLoad(t *testing.T) {
	p := termPolicy(t)
	clock := newFakeClock(termT.Add(-time.Second))
	path := filepath.Join(t.TempDir(), "store.xml")
	st, err := xmlstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if _, err := st.Save(ctx, p, 0); err != nil {
		t.Fatal(err)
	}
	live, err := NewLive(ctx, st, "", Options{Now: clock.Now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var changes []TermChange
	live.OnTermChange = func(c TermChange) { changes = append(changes, c) }

	const workers = 8
	var (
		wg          sync.WaitGroup
		stop        atomic.Bool
		after       [workers]atomic.Int64 // checks begun at or after the expiry
		bad         atomic.Int64
		firstBadMsg atomic.Value
	)
	for w := range workers {
		wg.Go(func() {
			var buf Buffer
			ops := []operations.ID{operations.StartVM}
			for !stop.Load() {
				t0 := clock.Now()
				rs, err := live.AccessCheckInto(ctx, &buf, who("alice"), "Lab", ops, nil)
				t1 := clock.Now()
				if err != nil {
					bad.Add(1)
					firstBadMsg.CompareAndSwap(nil, err.Error())
					continue
				}
				switch {
				case !t0.Before(termT) && rs[0].Allowed:
					bad.Add(1)
					firstBadMsg.CompareAndSwap(nil, "allowed after the expiry at "+t0.String())
				case t1.Before(termT) && !rs[0].Allowed:
					bad.Add(1)
					firstBadMsg.CompareAndSwap(nil, "denied before the expiry at "+t1.String())
				}
				if !t0.Before(termT) {
					after[w].Add(1)
				}
			}
		})
	}
	// Let the load run, then pass the expiry in steps, to the second.
	for _, d := range []time.Duration{-500 * time.Millisecond, -time.Nanosecond, 0, time.Nanosecond, time.Second} {
		clock.set(termT.Add(d))
		time.Sleep(20 * time.Millisecond)
	}
	// Wait until every worker has checked many times past the expiry.
	for w := range workers {
		for after[w].Load() < 1000 {
			time.Sleep(time.Millisecond)
		}
	}
	stop.Store(true)
	wg.Wait()
	if n := bad.Load(); n > 0 {
		t.Fatalf("%d wrong decisions; the first: %v", n, firstBadMsg.Load())
	}

	// Live recompiles at the boundary and reports the change once.
	live.advance()
	live.advance()
	if len(changes) != 2 || changes[0].Member != "alice" || changes[0].Change != "expired" || changes[0].Assignment != "Ops" ||
		changes[0].Scope != "Lab" || !changes[0].At.Equal(termT) || changes[1].Member != "bob" || changes[1].Change != "started" {
		t.Fatalf("term changes %v; want alice's expiry and bob's start, once", changes)
	}
	if got := changes[0].String(); got != `membership of "alice" in role assignment "Ops" (scope "Lab" of application "Hyper-V services") expired at 2026-12-02T15:00:00Z` {
		t.Errorf("change reads %q", got)
	}
	if !live.Current().Checker.CompiledAt().Equal(termT.Add(time.Second)) {
		t.Errorf("snapshot compiled at %v after advance", live.Current().Checker.CompiledAt())
	}
	// The next boundary: carol's group link, an hour later.
	clock.set(termT.Add(time.Hour))
	live.advance()
	if len(changes) != 3 || changes[2].Member != "Temps" || changes[2].Change != "expired" {
		t.Fatalf("term changes %v; want Temps' expiry third", changes)
	}
}

// TestTerms_WhatIfPastBoundary: a what-if whose base was compiled before
// a start or expiry and whose edited policy is compiled after it compares
// the memberships in force now on both sides: the time that passed is not
// reported as a change of the edits (it was: alice revoked, bob granted,
// for an edit that changed nothing).
func TestTerms_WhatIfPastBoundary(t *testing.T) {
	p := termPolicy(t)
	clock := newFakeClock(termT.Add(-time.Second))
	base, err := Compile(p, policy.DefaultApplication, Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	clock.set(termT.Add(time.Second))
	next, err := base.Recompile(p)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := WhatIf(context.Background(), base, next, WhatIfOptions{Subjects: []Subject{
		PrincipalSubject("alice"), PrincipalSubject("bob"), PrincipalSubject("carol"), PrincipalSubject("dave")}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total != 0 {
		t.Errorf("an edit that changes nothing, past a boundary: %d changes %+v, want none", rep.Total, rep.Changes)
	}
}

// BenchmarkAccessCheckTerms: a check of a member limited in time (the
// Checker has a boundary: one clock read per check) beside the same check
// with the term removed (no boundary, no clock read).
func BenchmarkAccessCheckTerms(b *testing.B) {
	lab := policy.Location{App: policy.DefaultApplication, Scope: "Lab"}
	base := termPolicy(&testing.T{})
	for _, tc := range []struct {
		name string
		term policy.Term
	}{{"none", policy.Term{}}, {"expiring", policy.Term{Expires: time.Now().Add(time.Hour)}}} {
		p, err := base.Edit(func(p *policy.Policy) error {
			if err := p.SetTerm(lab, policy.KindRole, "Ops", policy.RelMember, "bob", policy.Term{}); err != nil {
				return err
			}
			if err := p.SetTerm(lab, policy.KindRole, "Ops", policy.RelGroup, "Temps", policy.Term{}); err != nil {
				return err
			}
			return p.SetTerm(lab, policy.KindRole, "Ops", policy.RelMember, "alice", tc.term)
		})
		if err != nil {
			b.Fatal(err)
		}
		c, err := Compile(p, "", Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			var buf Buffer
			ctx, ops, alice := context.Background(), []operations.ID{operations.StartVM}, who("alice")
			b.ReportAllocs()
			for b.Loop() {
				rs, _ := c.AccessCheckInto(ctx, &buf, alice, "Lab", ops, nil)
				if !rs[0].Allowed {
					b.Fatal("denied")
				}
			}
		})
	}
}
