package casbinmodel_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/casbin/casbin/v2"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/casbinmodel"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/policygen"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// The shipped model file is Model, byte for byte.
func TestShippedModel(t *testing.T) {
	b, err := os.ReadFile("../policies/azman.conf")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != casbinmodel.Model {
		t.Fatalf("policies/azman.conf differs from casbinmodel.Model; regenerate it from the constant")
	}
}

func TestBadInput(t *testing.T) {
	if _, err := casbinmodel.Policy(nil, ""); err == nil {
		t.Error("nil policy accepted")
	}
	if _, err := casbinmodel.ClientLines(nil, "", nil); err == nil {
		t.Error("nil policy accepted")
	}
	if _, err := casbinmodel.NewEnforcer("[request_definition]\nr = sub\n", nil); err == nil {
		t.Error("model without matchers accepted")
	}
	p := policy.NewDefault()
	if _, err := casbinmodel.ClientLines(p, "", []directory.ClientContext{{Name: "a"}, {Name: "A"}}); err == nil {
		t.Error("duplicate client names accepted")
	}
	if _, err := casbinmodel.Policy(p, "Nope"); !errors.Is(err, authz.ErrUnknownApplication) {
		t.Errorf("unknown application: %v", err)
	}
	e, err := casbinmodel.NewEnforcer(casbinmodel.Model, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := e.Enforce(casbinmodel.Request(directory.ClientContext{Name: "x"}, "", "Read Service Configuration")...); ok || err != nil {
		t.Errorf("empty policy: %v %v", ok, err)
	}
}

// enforcer builds a Casbin enforcer for application app of p, with the
// client lines of clients.
func enforcer(tb testing.TB, p *policy.Policy, app string, clients []directory.ClientContext) *casbin.Enforcer {
	tb.Helper()
	lines, err := casbinmodel.Policy(p, app)
	if err != nil {
		tb.Fatal(err)
	}
	cl, err := casbinmodel.ClientLines(p, app, clients)
	if err != nil {
		tb.Fatal(err)
	}
	lines.G = append(lines.G, cl...)
	e, err := casbinmodel.NewEnforcer(casbinmodel.Model, lines)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// check1 decides one operation with c.
func check1(tb testing.TB, c *authz.Checker, cl directory.ClientContext, scope string, op operations.ID) authz.Result {
	tb.Helper()
	rs, err := c.AccessCheck(context.Background(), cl, scope, []operations.ID{op}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return rs[0]
}

// The widget store, whose application defines its own operations, through
// Casbin agrees with the checker: operations by the store's names and IDs.
func TestStoreOperations(t *testing.T) {
	p, err := policygen.Widgets()
	if err != nil {
		t.Fatal(err)
	}
	c, err := authz.Compile(p, "Widgets", authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clients := []directory.ClientContext{
		{Name: "ann", IDs: []string{"ann"}, Groups: []string{`CORP\admins`}},
		{Name: "vic", IDs: []string{"vic"}, Groups: []string{`CORP\viewers`}},
		{Name: "nobody", IDs: []string{"nobody"}},
	}
	e := enforcer(t, p, "", clients)
	var allowed int
	for _, cl := range clients {
		for _, scope := range []string{"", "Blue"} {
			for _, o := range c.Operations().All() {
				want, err := e.Enforce(casbinmodel.Request(cl, scope, o.Name)...)
				if err != nil {
					t.Fatal(err)
				}
				if r := check1(t, c, cl, scope, o.ID); r.Allowed != want {
					t.Errorf("%s in %q, %q: checker %v, casbin %v", cl.Name, scope, o.Name, r.Allowed, want)
				}
				if want {
					allowed++
				}
			}
		}
	}
	if allowed != 11 { // ann: 5 ops × 2 scopes; vic: List Widgets in Blue
		t.Errorf("%d grants, want 11", allowed)
	}
}

// At the depth limit the Checker and Casbin agree: MaxDepth nested tasks
// grant, one more denies.
func TestDepthLimit(t *testing.T) {
	for _, depth := range []int{authz.MaxDepth - 1, authz.MaxDepth, authz.MaxDepth + 1} {
		p := policy.NewDefault()
		a := p.Applications[0]
		start, _ := a.Operation(operations.MustID(operations.StartVM).Name)
		var prev *policy.Task
		for i := range depth {
			tk := &policy.Task{GUID: policy.NewGUID(), Name: fmt.Sprintf("Level %d", i)}
			if prev == nil {
				tk.OperationLinks = []string{start.GUID}
			} else {
				tk.TaskLinks = []string{prev.GUID}
			}
			a.Tasks = append(a.Tasks, tk)
			prev = tk
		}
		a.Roles = append(a.Roles, &policy.Role{GUID: policy.NewGUID(), Name: "Deep", TaskLinks: []string{prev.GUID}, Members: []string{`CORP\deep`}})
		c, err := authz.Compile(p, "", authz.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cl := directory.ClientContext{Name: `CORP\deep`, IDs: []string{`CORP\deep`}}
		r := check1(t, c, cl, "", operations.StartVM)
		want, _ := enforcer(t, p, "", []directory.ClientContext{cl}).Enforce(casbinmodel.Request(cl, "", "Start Virtual Machine")...)
		if r.Allowed != want || r.Allowed != (depth <= authz.MaxDepth) {
			t.Errorf("depth %d: checker %v (err %v), casbin %v", depth, r.Allowed, r.Err, want)
		}
	}
}

// The large policy through Casbin and the checker: same decisions.
func TestLargeAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("large policy")
	}
	p, clients := policygen.GenerateLarge(1)
	reqs := policygen.LargeRequests(p, clients, 2, 600)
	c, err := authz.Compile(p, "", authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := enforcer(t, p, "", clients)
	var allowed int
	for _, r := range reqs {
		want, err := e.Enforce(casbinmodel.Request(clients[r.Client], r.Scope, operations.MustID(r.Op).Name)...)
		if err != nil {
			t.Fatal(err)
		}
		if got := check1(t, c, clients[r.Client], r.Scope, r.Op); got.Allowed != want {
			t.Fatalf("client %s scope %q op %d: checker %v (%+v), casbin %v", clients[r.Client].Name, r.Scope, r.Op, got.Allowed, got.Grant, want)
		}
		if want {
			allowed++
		}
	}
	if allowed == 0 || allowed == len(reqs) {
		t.Errorf("%d of %d allowed: the fixture does not exercise both outcomes", allowed, len(reqs))
	}
}

// Casbin's Enforce over the large policy, for comparison with
// authz's BenchmarkAccessCheckLarge.
func BenchmarkEnforceLarge(b *testing.B) {
	p, clients := policygen.GenerateLarge(1)
	reqs := policygen.LargeRequests(p, clients, 2, 1<<14)
	e := enforcer(b, p, "", clients)
	var i, allowed, n int
	runtime.GC()
	b.ReportAllocs()
	for b.Loop() {
		r := reqs[i]
		ok, err := e.Enforce(casbinmodel.Request(clients[r.Client], r.Scope, operations.MustID(r.Op).Name)...)
		if err != nil {
			b.Fatal(err)
		}
		if ok {
			allowed++
		}
		n++
		i = (i + 1) % len(reqs)
	}
	b.ReportMetric(float64(allowed)/float64(n), "allowed/op")
}

// Members limited in time: the Casbin lines made at a moment decide as the
// checker compiled at that moment, before, at and after a start and an
// expiry, for a member and a member group.
func TestTermsAt(t *testing.T) {
	app := policy.Location{App: policy.DefaultApplication}
	at := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	p, err := policy.NewDefault().Edit(func(p *policy.Policy) error {
		if err := p.CreateGroup(app, &policy.Group{GUID: policy.NewGUID(), Name: "Temps", Type: policy.GroupBasic, Members: []string{`CONTOSO\tim`}}); err != nil {
			return err
		}
		for _, l := range []struct {
			rel    policy.Relation
			target string
			term   policy.Term
		}{
			{policy.RelMember, `CONTOSO\alice`, policy.Term{Expires: at}},
			{policy.RelMember, `CONTOSO\bob`, policy.Term{Start: at}},
			{policy.RelGroup, "Temps", policy.Term{Start: at.Add(-time.Hour), Expires: at}},
		} {
			if err := p.Link(app, policy.KindRole, "Administrator", l.rel, l.target); err != nil {
				return err
			}
			if err := p.SetTerm(app, policy.KindRole, "Administrator", l.rel, l.target, l.term); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	clients := []directory.ClientContext{
		{Name: "alice", IDs: []string{`CONTOSO\alice`}},
		{Name: "bob", IDs: []string{`CONTOSO\bob`}},
		{Name: "tim", IDs: []string{`CONTOSO\tim`}},
	}
	for _, now := range []time.Time{at.Add(-time.Second), at, at.Add(time.Second)} {
		lines, err := casbinmodel.PolicyAt(p, "", now)
		if err != nil {
			t.Fatal(err)
		}
		cl, err := casbinmodel.ClientLinesAt(p, "", clients, now)
		if err != nil {
			t.Fatal(err)
		}
		lines.G = append(lines.G, cl...)
		e, err := casbinmodel.NewEnforcer(casbinmodel.Model, lines)
		if err != nil {
			t.Fatal(err)
		}
		c, err := authz.Compile(p, "", authz.Options{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		for _, cl := range clients {
			want := check1(t, c, cl, "", operations.StartVM).Allowed
			got, err := e.Enforce(casbinmodel.Request(cl, "", "Start Virtual Machine")...)
			if err != nil || got != want {
				t.Errorf("%s at %v: casbin %v (%v), checker %v", cl.Name, now.Sub(at), got, err, want)
			}
			// Before the boundary alice and tim are in, bob is not; from it on, the reverse.
			if wantIn := (cl.Name == "bob") == !now.Before(at); want != wantIn {
				t.Errorf("%s at %v: checker %v, want %v", cl.Name, now.Sub(at), want, wantIn)
			}
		}
	}
}
