package policytest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/azgate/azgate/policy"
)

// NewStore makes a fresh, empty backing store for one subtest and returns
// a function that opens another handle on that same backing store (the
// same file, the same DN). The suite closes the handles it opens.
type NewStore func(t *testing.T) (open func(t *testing.T) policy.Store)

// WatchDeadline is how soon Watch must report another handle's save.
const WatchDeadline = time.Second

// Run runs the conformance suite against a store implementation.
func Run(t *testing.T, newStore NewStore) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			open := newStore(t)
			opened := func(t *testing.T) policy.Store {
				t.Helper()
				s := open(t)
				t.Cleanup(func() { _ = s.Close() })
				return s
			}
			c.run(t, opened)
		})
	}
}

type testCase struct {
	name string
	run  func(t *testing.T, open func(t *testing.T) policy.Store)
}

var cases = []testCase{
	{"LoadMissing", testLoadMissing},
	{"CreateLoad", testCreateLoad},
	{"CreateTwice", testCreateTwice},
	{"StaleSave", testStaleSave},
	{"RoundTrip", testRoundTrip},
	{"Edits", testEdits},
	{"InvalidSaveWritesNothing", testInvalidSave},
	{"Watch", testWatch},
	{"ConcurrentUpdates", testConcurrentUpdates},
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func testLoadMissing(t *testing.T, open func(t *testing.T) policy.Store) {
	s := open(t)
	_, _, err := s.Load(ctxFor(t))
	if !errors.Is(err, policy.ErrNotFound) {
		t.Fatalf("Load of a missing store = %v, want ErrNotFound", err)
	}
}

func testCreateLoad(t *testing.T, open func(t *testing.T) policy.Store) {
	ctx := ctxFor(t)
	s := open(t)
	p := policy.NewDefault()
	rev, err := s.Save(ctx, p, 0)
	if err != nil {
		t.Fatalf("Save(0): %v", err)
	}
	if rev == 0 {
		t.Fatal("Save(0) returned revision 0")
	}
	got, grev, err := open(t).Load(ctx)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if grev != rev {
		t.Errorf("Load revision %d, Save returned %d", grev, rev)
	}
	if d := Diff(p, got); d != "" {
		t.Errorf("loaded policy differs from the saved one: %s", d)
	}
}

func testCreateTwice(t *testing.T, open func(t *testing.T) policy.Store) {
	ctx := ctxFor(t)
	a, b := open(t), open(t)
	if _, err := a.Save(ctx, policy.NewDefault(), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Save(ctx, policy.NewDefault(), 0); !errors.Is(err, policy.ErrConflict) {
		t.Fatalf("second Save(0) = %v, want ErrConflict", err)
	}
}

func testStaleSave(t *testing.T, open func(t *testing.T) policy.Store) {
	ctx := ctxFor(t)
	a, b := open(t), open(t)
	p := policy.NewDefault()
	r1, err := a.Save(ctx, p, 0)
	if err != nil {
		t.Fatal(err)
	}
	p2 := p.Clone()
	p2.Description = "second"
	r2, err := b.Save(ctx, p2, r1)
	if err != nil {
		t.Fatalf("Save at the current revision: %v", err)
	}
	if r2 <= r1 {
		t.Fatalf("revision went from %d to %d", r1, r2)
	}
	p3 := p.Clone()
	p3.Description = "third, stale"
	if _, err := a.Save(ctx, p3, r1); !errors.Is(err, policy.ErrConflict) {
		t.Fatalf("stale Save = %v, want ErrConflict", err)
	}
	got, rev, err := a.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rev != r2 || got.Description != "second" {
		t.Fatalf("after a stale save: revision %d (want %d), description %q (want %q)", rev, r2, got.Description, "second")
	}
}

func testRoundTrip(t *testing.T, open func(t *testing.T) policy.Store) {
	ctx := ctxFor(t)
	for _, tc := range []struct {
		name string
		p    *policy.Policy
	}{
		{"default", policy.NewDefault()},
		{"rich", Rich()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			var cur policy.Revision
			if _, r, err := s.Load(ctx); err == nil {
				cur = r
			} else if !errors.Is(err, policy.ErrNotFound) {
				t.Fatal(err)
			}
			nrev, err := s.Save(ctx, tc.p, cur)
			if err != nil {
				t.Fatalf("Save: %v", err)
			}
			got, grev, err := open(t).Load(ctx)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if grev != nrev {
				t.Errorf("revision %d, want %d", grev, nrev)
			}
			if d := Diff(tc.p, got); d != "" {
				t.Errorf("round trip changed the policy: %s", d)
			}
		})
	}
}

// testEdits applies a series of edits through policy.Update and checks
// after each that a fresh handle loads exactly the edited policy.
func testEdits(t *testing.T, open func(t *testing.T) policy.Store) {
	ctx := ctxFor(t)
	s := open(t)
	start := Rich()
	if _, err := s.Save(ctx, start, 0); err != nil {
		t.Fatal(err)
	}
	app := policy.Location{App: RichApp}
	edits := []struct {
		name string
		fn   func(*policy.Policy) error
	}{
		{"create task and link", func(p *policy.Policy) error {
			if err := p.CreateTask(app, &policy.Task{GUID: "0f5b1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4", Name: "Watcher", Description: "new"}); err != nil {
				return err
			}
			return p.Link(app, policy.KindTask, "Watcher", policy.RelOperation, "View Switches")
		}},
		{"add and remove members", func(p *policy.Policy) error {
			if err := p.Link(app, policy.KindRole, "Operators", policy.RelMember, `CONTOSO\carol`); err != nil {
				return err
			}
			return p.Unlink(app, policy.KindRole, "Operators", policy.RelMember, "S-1-5-21-1-2-3-1001")
		}},
		{"terms: set, change, remove, drop with the member", func(p *policy.Policy) error {
			exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
			if err := p.SetTerm(app, policy.KindRole, "Operators", policy.RelMember, `CONTOSO\carol`, policy.Term{Expires: exp}); err != nil {
				return err
			}
			if err := p.SetTerm(app, policy.KindRole, "Operators", policy.RelMember, `CONTOSO\alice`, policy.Term{Start: exp, Expires: exp.Add(time.Hour)}); err != nil {
				return err
			}
			if err := p.SetTerm(app, policy.KindGroup, "Operators Group", policy.RelMember, "S-1-5-21-1-2-3-1002", policy.Term{}); err != nil {
				return err
			}
			if err := p.SetTerm(app, policy.KindGroup, "Operators Group", policy.RelGroup, "Store Query", policy.Term{Start: exp}); err != nil {
				return err
			}
			return p.Unlink(app, policy.KindGroup, "Operators Group", policy.RelMember, `CONTOSO\bob`)
		}},
		{"member case change", func(p *policy.Policy) error {
			a, _ := p.Application(RichApp)
			r, _ := a.Role("Operators")
			for i, m := range r.Members {
				if m == `CONTOSO\alice` {
					r.Members[i] = `contoso\ALICE`
				}
			}
			return nil
		}},
		{"rename task and role", func(p *policy.Policy) error {
			a, _ := p.Application(RichApp)
			tk, _ := a.Task("Network Views")
			tk.Name = "Network views (renamed)"
			r, _ := a.Role("Operators")
			r.Name = "Operators 2"
			return nil
		}},
		{"swap two names", func(p *policy.Policy) error {
			a, _ := p.Application(RichApp)
			x, _ := a.Task("Monitor")
			y, _ := a.Task("Watcher")
			x.Name, y.Name = y.Name, x.Name
			return nil
		}},
		{"rename scope", func(p *policy.Policy) error {
			a, _ := p.Application(RichApp)
			sc, _ := a.Scope("Lab")
			sc.Name = "Lab 2"
			sc.Description = "renamed"
			return nil
		}},
		{"change fields", func(p *policy.Policy) error {
			a, _ := p.Application(RichApp)
			a.Version = "2.0"
			a.ApplicationData = ""
			o, _ := a.Operation("View Switches")
			o.Description = "changed"
			tk, _ := a.Task("Gated")
			tk.BizRule = policy.BizRule{}
			tk.RoleDefinition = !tk.RoleDefinition
			g, _ := a.Group("Lab Query")
			g.LDAPQuery = "(department=Lab2)"
			p.Description = ""
			return nil
		}},
		{"delete group linked everywhere", func(p *policy.Policy) error {
			return p.Delete(policy.Location{}, policy.KindGroup, "Everyone Staff")
		}},
		{"delete scope", func(p *policy.Policy) error {
			return p.Delete(app, policy.KindScope, "Lab 2")
		}},
		{"new scope with objects", func(p *policy.Policy) error {
			if err := p.CreateScope(RichApp, &policy.Scope{GUID: "1a2b3c4d-5e6f-4a0b-9c1d-2e3f4a5b6c7d", Name: "VM-42"}); err != nil {
				return err
			}
			l := policy.Location{App: RichApp, Scope: "VM-42"}
			if err := p.CreateRole(l, &policy.Role{GUID: "2b3c4d5e-6f70-4b1c-8d2e-3f4a5b6c7d8e", Name: "Owners", Members: []string{"S-1-5-21-1-2-3-4242"}}); err != nil {
				return err
			}
			return p.Link(l, policy.KindRole, "Owners", policy.RelTask, "Admins")
		}},
		// Applications and operations (issue 10): IDs and names overlap the
		// rich application's, as two real applications' may.
		{"create application with operations", func(p *policy.Policy) error {
			if err := p.CreateApplication(&policy.Application{GUID: "3c4d5e6f-7081-4c2d-9e3f-4a5b6c7d8e9f", Name: "Orders", Description: "purchase orders"}); err != nil {
				return err
			}
			for i, n := range []string{"View Switches", "Approve Order", "Cancel Order"} {
				guid := fmt.Sprintf("4d5e6f70-8192-4d3e-8f4a-5b6c7d8e9f%02d", i)
				if err := p.CreateOperation("Orders", &policy.Operation{GUID: guid, Name: n, OperationID: i + 1}); err != nil {
					return err
				}
			}
			orders := policy.Location{App: "Orders"}
			if err := p.CreateTask(orders, &policy.Task{GUID: "5e6f7081-92a3-4e4f-9a5b-6c7d8e9fa0b1", Name: "Approver", RoleDefinition: true}); err != nil {
				return err
			}
			return p.Link(orders, policy.KindTask, "Approver", policy.RelOperation, "Approve Order")
		}},
		{"rename an operation, change its ID, delete one", func(p *policy.Policy) error {
			if err := p.RenameOperation("Orders", "Approve Order", "Approve Purchase Order"); err != nil {
				return err
			}
			if err := p.SetOperationID("Orders", "Approve Purchase Order", 61); err != nil {
				return err
			}
			return p.Delete(policy.Location{App: "Orders"}, policy.KindOperation, "Cancel Order")
		}},
		{"rename application", func(p *policy.Policy) error { return p.RenameApplication("Orders", "Purchasing") }},
		{"delete application", func(p *policy.Policy) error {
			return p.Delete(policy.Location{}, policy.KindApplication, "Purchasing")
		}},
	}
	mem := start.Clone()
	for _, e := range edits {
		var err error
		if mem, err = mem.Edit(e.fn); err != nil {
			t.Fatalf("edit %q in memory: %v", e.name, err)
		}
		_, nrev, err := policy.Update(ctx, s, e.fn)
		if err != nil {
			t.Fatalf("edit %q: %v", e.name, err)
		}
		got, grev, err := open(t).Load(ctx)
		if err != nil {
			t.Fatalf("edit %q: Load: %v", e.name, err)
		}
		if grev != nrev {
			t.Errorf("edit %q: revision %d, want %d", e.name, grev, nrev)
		}
		if d := Diff(mem, got); d != "" {
			t.Fatalf("edit %q: the store differs from the edit applied in memory: %s", e.name, d)
		}
	}
}

func testInvalidSave(t *testing.T, open func(t *testing.T) policy.Store) {
	ctx := ctxFor(t)
	s := open(t)
	r1, err := s.Save(ctx, policy.NewDefault(), 0)
	if err != nil {
		t.Fatal(err)
	}
	bad := policy.NewDefault()
	bad.Applications[0].Tasks[0].OperationLinks = append(bad.Applications[0].Tasks[0].OperationLinks, policy.NewGUID())
	if _, err := s.Save(ctx, bad, r1); !errors.Is(err, policy.ErrDanglingLink) {
		t.Fatalf("Save of an invalid policy = %v, want ErrDanglingLink", err)
	}
	if _, rev, err := s.Load(ctx); err != nil || rev != r1 {
		t.Fatalf("after an invalid save: revision %d (want %d), %v", rev, r1, err)
	}
}

func testWatch(t *testing.T, open func(t *testing.T) policy.Store) {
	ctx := ctxFor(t)
	a, b := open(t), open(t)
	r1, err := a.Save(ctx, policy.NewDefault(), 0)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	ch, err := a.Watch(wctx)
	if err != nil {
		t.Fatal(err)
	}
	// Let the watcher take its first look, then drop what it said.
	time.Sleep(300 * time.Millisecond)
	Drain(ch)
	p, _, err := b.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.Description = "changed by b"
	start := time.Now()
	if _, err := b.Save(ctx, p, r1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
		t.Logf("Watch fired %v after the other handle's save", time.Since(start).Round(time.Millisecond))
	case <-time.After(WatchDeadline):
		t.Fatalf("Watch did not fire within %v of another handle's save", WatchDeadline)
	}
	cancel()
	WaitClosed(t, ch, 5*time.Second)
}

// Drain takes the events already queued on a Watch channel, without
// waiting for more.
func Drain(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// WaitClosed fails t unless the Watch channel ch is closed within the
// given time (its ctx has ended); events still queued are taken.
func WaitClosed(t testing.TB, ch <-chan struct{}, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatalf("the Watch channel was not closed within %v after ctx ended", within)
		}
	}
}

// testConcurrentUpdates runs policy.Update from two handles at once; no
// update may be lost.
func testConcurrentUpdates(t *testing.T, open func(t *testing.T) policy.Store) {
	ctx := ctxFor(t)
	if _, err := open(t).Save(ctx, policy.NewDefault(), 0); err != nil {
		t.Fatal(err)
	}
	const writers, each = 2, 8
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		s := open(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				name := fmt.Sprintf("task-%d-%d", w, i)
				_, _, err := policy.Update(ctx, s, func(p *policy.Policy) error {
					return p.CreateTask(policy.Location{App: policy.DefaultApplication}, &policy.Task{Name: name})
				})
				if err != nil {
					errs <- fmt.Errorf("%s: %w", name, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	p, _, err := open(t).Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := p.Application(policy.DefaultApplication)
	if got := len(a.Tasks); got != 1+writers*each {
		t.Fatalf("%d tasks after %d concurrent creates, want %d", got, writers*each, 1+writers*each)
	}
}

// Diff returns "" when a and b are the same policy (empty and nil lists
// count as equal), else a description of the first difference. The
// store's own GUID is compared only when both have one: a store keeps its
// GUID when another policy is saved over it.
func Diff(a, b *policy.Policy) string {
	a, b = normalized(a), normalized(b)
	ga, gb := reflect.ValueOf(a).Elem().FieldByName("GUID"), reflect.ValueOf(b).Elem().FieldByName("GUID")
	if ga.IsValid() && (ga.String() == "" || gb.String() == "") {
		ga.SetString("")
		gb.SetString("")
	}
	return diff(reflect.ValueOf(a), reflect.ValueOf(b), "policy")
}

// Equal reports whether a and b are the same policy, empty and nil lists
// counting as equal. Unlike Diff it also compares the store GUIDs when
// one is empty.
func Equal(a, b *policy.Policy) bool {
	return reflect.DeepEqual(normalized(a), normalized(b))
}

// normalized returns a copy of p whose empty lists are nil.
func normalized(p *policy.Policy) *policy.Policy {
	p = p.Clone()
	normalize(reflect.ValueOf(p))
	return p
}

func normalize(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			normalize(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Field(i).CanSet() {
				normalize(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		for i := range v.Len() {
			normalize(v.Index(i))
		}
	}
}

func diff(a, b reflect.Value, path string) string {
	if a.Type() == reflect.TypeFor[time.Time]() {
		if ta, tb := a.Interface().(time.Time), b.Interface().(time.Time); !ta.Equal(tb) {
			return fmt.Sprintf("%s: %v vs %v", path, ta, tb)
		}
		return ""
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": nil on one side"
			}
			return ""
		}
		return diff(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		for i := range a.NumField() {
			name := a.Type().Field(i).Name
			p := path + "." + name
			if n := a.Field(i); n.Kind() == reflect.Slice && n.Type().Elem().Kind() == reflect.Pointer {
				p = path + "." + name
			}
			if d := diff(a.Field(i), b.Field(i), p); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d items vs %d: %v vs %v", path, a.Len(), b.Len(), brief(a), brief(b))
		}
		for i := range a.Len() {
			if d := diff(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]%s", path, i, label(a.Index(i)))); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(a.Interface(), b.Interface()) {
		return fmt.Sprintf("%s: %#v vs %#v", path, a.Interface(), b.Interface())
	}
	return ""
}

// label names a list item by its Name field, if it has one.
func label(v reflect.Value) string {
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() == reflect.Struct {
		if f := v.FieldByName("Name"); f.IsValid() && f.Kind() == reflect.String {
			return fmt.Sprintf("(%q)", f.String())
		}
	}
	return ""
}

func brief(v reflect.Value) []string {
	var out []string
	for i := range v.Len() {
		e := v.Index(i)
		if l := label(e); l != "" {
			out = append(out, l)
		} else {
			out = append(out, fmt.Sprint(e.Interface()))
		}
	}
	return out
}
