package authz

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/policygen"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// mutate applies one random edit to p (a clone) and says what it did.
func mutate(rng *rand.Rand, p *policy.Policy) string {
	a := p.Applications[0]
	levels := []*policy.Objects{&a.Objects}
	for _, s := range a.Scopes {
		levels = append(levels, &s.Objects)
	}
	var roles []*policy.Role
	var tasks []*policy.Task
	groups := append([]*policy.Group(nil), p.Groups...)
	for _, o := range levels {
		roles = append(roles, o.Roles...)
		tasks = append(tasks, o.Tasks...)
		groups = append(groups, o.Groups...)
	}
	switch rng.IntN(16) {
	case 0:
		if len(roles) > 0 {
			r := roles[rng.IntN(len(roles))]
			m := policygen.RandPrincipal(rng)
			r.Members = append(r.Members, m)
			return fmt.Sprintf("add member %s to role %s", m, r.Name)
		}
	case 1:
		if len(roles) > 0 {
			r := roles[rng.IntN(len(roles))]
			if len(r.Members) > 0 {
				i := rng.IntN(len(r.Members))
				r.Members = slices.Delete(r.Members, i, i+1)
				return fmt.Sprintf("remove member %d of role %s", i, r.Name)
			}
		}
	case 2:
		if len(groups) > 0 {
			g := groups[rng.IntN(len(groups))]
			m := policygen.RandPrincipal(rng)
			g.Members = append(g.Members, m)
			return fmt.Sprintf("add member %s to group %s", m, g.Name)
		}
	case 3:
		if len(groups) > 0 {
			g := groups[rng.IntN(len(groups))]
			m := policygen.RandPrincipal(rng)
			g.NonMembers = append(g.NonMembers, m)
			return fmt.Sprintf("add non-member %s to group %s", m, g.Name)
		}
	case 4:
		if len(tasks) > 0 && len(a.Operations) > 0 {
			t := tasks[rng.IntN(len(tasks))]
			o := a.Operations[rng.IntN(len(a.Operations))]
			t.OperationLinks = append(t.OperationLinks, o.GUID)
			return fmt.Sprintf("link operation %s to task %s", o.Name, t.Name)
		}
	case 5:
		if len(roles) > 0 {
			r := roles[rng.IntN(len(roles))]
			if len(r.TaskLinks) > 0 {
				r.TaskLinks = r.TaskLinks[1:]
				return fmt.Sprintf("unlink a task from role %s", r.Name)
			}
		}
	case 6:
		if len(a.Groups) > 0 {
			g := a.Groups[rng.IntN(len(a.Groups))]
			g.Type, g.LDAPQuery = policy.GroupLDAPQuery, "dc=x"
			g.Members, g.NonMembers, g.AppMemberLinks, g.AppNonMemberLinks = nil, nil, nil, nil
			return fmt.Sprintf("make group %s an LDAP query group", g.Name)
		}
	case 7:
		if len(a.Scopes) > 0 {
			i := rng.IntN(len(a.Scopes))
			name := a.Scopes[i].Name
			a.Scopes = slices.Delete(a.Scopes, i, i+1)
			return "delete scope " + name
		}
	case 8:
		s := &policy.Scope{GUID: policy.NewGUID(), Name: fmt.Sprintf("New%d", rng.IntN(1000))}
		r := &policy.Role{GUID: policy.NewGUID(), Name: "NewRole", Members: []string{policygen.RandPrincipal(rng)}}
		if len(a.Operations) > 0 {
			r.OperationLinks = []string{a.Operations[rng.IntN(len(a.Operations))].GUID}
		}
		s.Roles = append(s.Roles, r)
		a.Scopes = append(a.Scopes, s)
		return "new scope " + s.Name
	case 9:
		if len(a.Groups) > 1 {
			g, h := a.Groups[rng.IntN(len(a.Groups))], a.Groups[rng.IntN(len(a.Groups))]
			if rng.IntN(2) == 0 {
				g.AppMemberLinks = append(g.AppMemberLinks, h.GUID)
				return fmt.Sprintf("group %s gets member group %s", g.Name, h.Name)
			}
			g.AppNonMemberLinks = append(g.AppNonMemberLinks, h.GUID)
			return fmt.Sprintf("group %s gets non-member group %s", g.Name, h.Name)
		}
	case 10:
		r := &policy.Role{GUID: policy.NewGUID(), Name: "AppRole", Members: []string{policygen.RandPrincipal(rng)}}
		if len(a.Tasks) > 0 {
			r.TaskLinks = []string{a.Tasks[rng.IntN(len(a.Tasks))].GUID}
		}
		if len(a.Groups) > 0 {
			r.AppMemberLinks = []string{a.Groups[rng.IntN(len(a.Groups))].GUID}
		}
		a.Roles = append(a.Roles, r)
		return "new application-level role"
	case 11:
		if len(a.Scopes) > 0 {
			s := a.Scopes[rng.IntN(len(a.Scopes))]
			old := s.Name
			s.Name += "x"
			return fmt.Sprintf("rename scope %s to %s", old, s.Name)
		}
	case 12:
		if len(tasks) > 0 {
			t := tasks[rng.IntN(len(tasks))]
			if len(t.OperationLinks) > 0 {
				i := rng.IntN(len(t.OperationLinks))
				t.OperationLinks = slices.Delete(t.OperationLinks, i, i+1)
				return fmt.Sprintf("unlink operation %d of task %s", i, t.Name)
			}
		}
	case 13:
		if len(roles) > 0 && len(a.Operations) > 0 {
			r := roles[rng.IntN(len(roles))]
			o := a.Operations[rng.IntN(len(a.Operations))]
			if rng.IntN(2) == 0 && len(r.OperationLinks) > 0 {
				r.OperationLinks = r.OperationLinks[1:]
				return fmt.Sprintf("unlink an operation from role %s", r.Name)
			}
			r.OperationLinks = append(r.OperationLinks, o.GUID)
			return fmt.Sprintf("link operation %s to role %s", o.Name, r.Name)
		}
	case 14:
		if len(a.Tasks) > 1 {
			t, u := a.Tasks[rng.IntN(len(a.Tasks))], a.Tasks[rng.IntN(len(a.Tasks))]
			t.TaskLinks = append(t.TaskLinks, u.GUID)
			return fmt.Sprintf("task %s links task %s", t.Name, u.Name)
		}
	case 15:
		if len(roles) > 0 && len(a.Tasks) > 0 {
			r := roles[rng.IntN(len(roles))]
			t := a.Tasks[rng.IntN(len(a.Tasks))]
			r.TaskLinks = append(r.TaskLinks, t.GUID)
			return fmt.Sprintf("role %s links task %s", r.Name, t.Name)
		}
	}
	return "nothing"
}

type decisionKey struct {
	subject string
	scope   string
	op      operations.ID
	granted bool
}

// bruteDecisions decides everything for s on c: scope name → allowed ops.
func bruteDecisions(t *testing.T, c *Checker, s Subject, scopes []string) map[string]map[operations.ID]bool {
	t.Helper()
	ctx := context.Background()
	ids := make([]operations.ID, c.ops.Len())
	for i, o := range c.ops.All() {
		ids[i] = o.ID
	}
	out := map[string]map[operations.ID]bool{}
	for _, sc := range scopes {
		m := map[operations.ID]bool{}
		out[foldKey(sc)] = m
		if s.Kind == SubjectApplicationGroup {
			if _, ok := c.findGroup(s.Name, s.Scope); !ok {
				continue
			}
			g, err := c.EffectiveAccess(ctx, s, GridOptions{Scopes: []string{sc}, Operations: ids})
			if errors.Is(err, ErrUnknownScope) || errors.Is(err, ErrUnknownGroup) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, cell := range g.Rows[0].Cells {
				m[ids[i]] = cell.Allowed
			}
			continue
		}
		rs, err := c.AccessCheck(ctx, s.Client, sc, ids, nil)
		if errors.Is(err, ErrUnknownScope) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			m[r.Operation.ID] = r.Allowed
		}
	}
	return out
}

// TestWhatIf_MatchesBruteForce holds WhatIf to deciding every subject,
// scope and operation on both sides with AccessCheck, over random stores
// and random edits.
func TestWhatIf_MatchesBruteForce(t *testing.T) {
	all := operations.All()
	stores := 300
	if testing.Short() {
		stores = 60
	}
	var changes, compared int
	for seed := range uint64(stores) {
		rng := policygen.NewRand(seed + 7000)
		p, clients := policygen.RandomStore(rng, all)
		for i := range clients {
			if rng.IntN(2) == 0 {
				clients[i].DN = fmt.Sprintf("cn=c%d,dc=x", i)
			}
		}
		q := p.Clone()
		var did []string
		for range 1 + rng.IntN(3) {
			did = append(did, mutate(rng, q))
		}
		opts := Options{QueryMatcher: &dnMatcher{}}
		base, err := Compile(p, "", opts)
		if err != nil {
			t.Fatal(err)
		}
		next, err := base.Recompile(q)
		if err != nil {
			t.Fatal(err)
		}
		var subjects []Subject
		for _, cl := range clients {
			subjects = append(subjects, UserSubject(cl))
		}
		subjects = append(subjects, base.PolicySubjects()...)
		subjects = append(subjects, next.PolicySubjects()...)
		subjects = dedupSubjects(subjects, base, next)
		rep, err := WhatIf(context.Background(), base, next, WhatIfOptions{Subjects: subjects, Limit: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		scopes := []string{""}
		seen := map[string]bool{}
		for _, c := range []*Checker{base, next} {
			for _, s := range c.scopes {
				if !seen[foldKey(s)] {
					seen[foldKey(s)] = true
					scopes = append(scopes, s)
				}
			}
		}
		want := map[decisionKey]bool{}
		for _, s := range subjects {
			b, n := bruteDecisions(t, base, s, scopes), bruteDecisions(t, next, s, scopes)
			for _, sc := range scopes {
				for _, o := range base.Operations().All() {
					if before, after := b[foldKey(sc)][o.ID], n[foldKey(sc)][o.ID]; before != after {
						want[decisionKey{s.key(), foldKey(sc), o.ID, after}] = true
					}
				}
			}
		}
		got := map[decisionKey]bool{}
		for _, ch := range rep.Changes {
			k := decisionKey{ch.Subject.key(), foldKey(ch.Scope), operations.ID(ch.OperationID), ch.Granted}
			if got[k] {
				t.Errorf("seed %d: change listed twice: %+v", seed, ch)
			}
			got[k] = true
			if (ch.Granted && ch.After == nil) || (!ch.Granted && ch.Before == nil) {
				t.Errorf("seed %d: change without its grant: %+v", seed, ch)
			}
		}
		for k := range want {
			if !got[k] {
				t.Errorf("seed %d (edits %v): missed change %+v\nbefore:\n%s\nafter:\n%s", seed, did, k, policygen.Describe(p), policygen.Describe(q))
			}
		}
		for k := range got {
			if !want[k] {
				t.Errorf("seed %d (edits %v): spurious change %+v", seed, did, k)
			}
		}
		if rep.Total != len(rep.Changes) || rep.Granted+rep.Revoked != rep.Total || rep.Truncated {
			t.Errorf("seed %d: counts %d/%d/%d of %d listed, truncated %v", seed, rep.Granted, rep.Revoked, rep.Total, len(rep.Changes), rep.Truncated)
		}
		if t.Failed() {
			return
		}
		changes += len(want)
		compared += len(subjects)
	}
	t.Logf("%d stores, %d subjects, %d changed decisions", stores, compared, changes)
	if changes < stores {
		t.Errorf("the edits change too little (%d decisions over %d stores) for the test to mean much", changes, stores)
	}
}

func TestWhatIf_Limit(t *testing.T) {
	p := policy.NewDefault()
	base, err := Compile(p, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	q, err := p.Edit(func(p *policy.Policy) error {
		return p.Link(policy.Location{App: p.DefaultApp()}, policy.KindRole, "Administrator", policy.RelMember, `CORP\bob`)
	})
	if err != nil {
		t.Fatal(err)
	}
	next, err := base.Recompile(q)
	if err != nil {
		t.Fatal(err)
	}
	bob := UserSubject(directory.ClientContext{Name: `CORP\bob`, IDs: []string{`corp\BOB`}})
	rep, err := WhatIf(context.Background(), base, next, WhatIfOptions{Subjects: []Subject{bob, PrincipalSubject(`CORP\bob`)}, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total != operations.Count || rep.Granted != operations.Count || len(rep.Changes) != 5 || !rep.Truncated {
		t.Fatalf("total %d granted %d listed %d truncated %v; want %d, %d, 5, true", rep.Total, rep.Granted, len(rep.Changes), rep.Truncated, operations.Count, operations.Count)
	}
	if rep.Compared != 1 {
		t.Errorf("compared %d subjects; the principal CORP\\bob is bob's identifier and should be left out", rep.Compared)
	}
	if g := rep.Changes[0].After; g == nil || g.Assignment != "Administrator" {
		t.Errorf("first change's grant: %+v", g)
	}
	withOp := edit(t, q, func(p *policy.Policy) error {
		return p.CreateOperation(p.Applications[0].Name, &policy.Operation{Name: "Extra", OperationID: 9999})
	})
	other, err := Compile(withOp, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WhatIf(context.Background(), base, other, WhatIfOptions{}); !errors.Is(err, ErrCatalogMismatch) {
		t.Errorf("checkers over different operations: %v, want ErrCatalogMismatch", err)
	}
}

// TestWhatIf_WorkersChangeNothing: a what-if split over several workers
// reports what one worker does, changes in the same order, truncated at the
// same one.
func TestWhatIf_WorkersChangeNothing(t *testing.T) {
	all := operations.All()
	ctx := context.Background()
	for seed := range uint64(100) {
		rng := policygen.NewRand(seed + 17000)
		p, clients := policygen.RandomStore(rng, all)
		q := p.Clone()
		for range 1 + rng.IntN(3) {
			mutate(rng, q)
		}
		base, err := Compile(p, "", Options{})
		if err != nil {
			t.Fatal(err)
		}
		next, err := base.Recompile(q)
		if err != nil {
			t.Fatal(err)
		}
		var subjects []Subject
		for _, cl := range clients {
			subjects = append(subjects, UserSubject(cl))
		}
		subjects = append(subjects, base.PolicySubjects()...)
		subjects = append(subjects, next.PolicySubjects()...)
		for _, limit := range []int{0, 3} {
			opts := WhatIfOptions{Subjects: subjects, Limit: limit}
			one, err := whatIfWith(ctx, base, next, opts, 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, workers := range []int{2, 5} {
				got, err := whatIfWith(ctx, base, next, opts, workers)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, one) {
					t.Fatalf("seed %d, limit %d: %d workers report\n%+v\none worker\n%+v", seed, limit, workers, got, one)
				}
			}
		}
	}
}

// TestWhatIf_OperationMovedBehindRule: an edit that changes only operation
// sets can change a decision that no set of the role assignment shows: an
// operation moved from a child task behind a failing rule to a rule-less
// one, under a parent whose rule holds. The assignment's own sets are the
// same before and after; the what-if must find the change in its tasks'.
func TestWhatIf_OperationMovedBehindRule(t *testing.T) {
	x := operations.All()[0].Name
	app := policy.NewDefault().DefaultApp()
	loc := policy.Location{App: app}
	p := edit(t, policy.NewDefault(), func(p *policy.Policy) error {
		return errors.Join(
			p.CreateTask(loc, &policy.Task{Name: "T", BizRule: policy.BizRule{Script: "amount > 0"}}),
			p.CreateTask(loc, &policy.Task{Name: "U"}),
			p.CreateTask(loc, &policy.Task{Name: "W", BizRule: policy.BizRule{Script: "amount > 5"}}),
			p.Link(loc, policy.KindTask, "T", policy.RelTask, "U"),
			p.Link(loc, policy.KindTask, "T", policy.RelTask, "W"),
			p.Link(loc, policy.KindTask, "W", policy.RelOperation, x),
			p.CreateRole(loc, &policy.Role{Name: "A"}),
			p.Link(loc, policy.KindRole, "A", policy.RelTask, "T"),
			p.Link(loc, policy.KindRole, "A", policy.RelMember, `CORP\bob`))
	})
	q := edit(t, p, func(p *policy.Policy) error { return p.Link(loc, policy.KindTask, "U", policy.RelOperation, x) })
	base, err := Compile(p, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	next, err := base.Recompile(q)
	if err != nil {
		t.Fatal(err)
	}
	bob := UserSubject(directory.ClientContext{Name: `CORP\bob`, IDs: []string{`CORP\bob`}})
	rep, err := WhatIf(context.Background(), base, next, WhatIfOptions{Subjects: []Subject{bob}, Params: Params{"amount": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total != 1 || len(rep.Changes) != 1 || !rep.Changes[0].Granted || rep.Changes[0].Operation != x {
		t.Fatalf("changes %+v (total %d); want %s granted to bob", rep.Changes, rep.Total, x)
	}
	if g := rep.Changes[0].After; g == nil || g.Assignment != "A" || g.RoleDefinition != "T" {
		t.Errorf("grant %+v; want assignment A through T", g)
	}
}
