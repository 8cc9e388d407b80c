package authz

import (
	"context"
	"errors"
	"testing"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/policygen"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// TestEffectiveAccess_MatchesAccessCheck holds every cell of the grid to
// AccessCheck, and every cell's Explain to the cell, over random stores.
func TestEffectiveAccess_MatchesAccessCheck(t *testing.T) {
	ctx := context.Background()
	all := operations.All()
	ids := make([]operations.ID, len(all))
	for i, o := range all {
		ids[i] = o.ID
	}
	var cells, allowed int
	for seed := range uint64(100) {
		p, clients := policygen.RandomStore(policygen.NewRand(seed+9000), all)
		c, err := Compile(p, "", Options{})
		if err != nil {
			t.Fatal(err)
		}
		ids := ids[:0]
		for _, o := range c.Operations().All() {
			ids = append(ids, o.ID)
		}
		for _, cl := range clients {
			g, err := c.EffectiveAccess(ctx, UserSubject(cl), GridOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(g.Rows) != len(c.Scopes())+1 || g.TotalScopes != len(g.Rows) || g.Rows[0].Scope != "" {
				t.Fatalf("seed %d: %d rows (total %d), first %q; want the default scope and %d scopes", seed, len(g.Rows), g.TotalScopes, g.Rows[0].Scope, len(c.Scopes()))
			}
			for _, row := range g.Rows {
				rs, err := c.AccessCheck(ctx, cl, row.Scope, ids, nil)
				if err != nil {
					t.Fatal(err)
				}
				want := map[operations.ID]bool{}
				for _, r := range rs {
					want[r.Operation.ID] = r.Allowed
				}
				if len(row.Cells) != len(g.Operations) {
					t.Fatalf("row %q: %d cells for %d columns", row.Scope, len(row.Cells), len(g.Operations))
				}
				for i, cell := range row.Cells {
					op := operations.ID(g.Operations[i].ID)
					cells++
					if cell.Allowed != want[op] {
						t.Errorf("seed %d, %s, scope %q, %s: grid %v, AccessCheck %v", seed, cl.Name, row.Scope, g.Operations[i].Name, cell.Allowed, want[op])
					}
					if cell.Allowed {
						allowed++
						if cell.Grant == nil || cell.Grant.Assignment == "" {
							t.Errorf("allowed cell without its grant: %+v", cell)
						}
						if ex := c.Explain(ctx, cl, row.Scope, op, nil); !ex.Allowed {
							t.Errorf("seed %d: Explain denies an allowed cell: %s", seed, ex)
						}
					}
				}
			}
		}
	}
	if allowed == 0 || allowed == cells {
		t.Errorf("%d of %d cells allowed: the stores are lopsided", allowed, cells)
	}
}

// appGroupPolicy: Operators (application level) is a member group of
// Staff; Lab's assignment Lab Ops links Operators (Start), the
// application-level assignment Everyone Staff links Staff (View); Night
// (in Lab) links Operators as a member, Lab Night is linked to Night.
func appGroupPolicy(t *testing.T) *Checker {
	t.Helper()
	p := policy.NewDefault()
	app := p.DefaultApp()
	l, lab := policy.Location{App: app}, policy.Location{App: app, Scope: "Lab"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	q, err := p.Edit(func(p *policy.Policy) error {
		must(p.CreateScope(app, &policy.Scope{Name: "Lab"}))
		must(p.CreateGroup(l, &policy.Group{Name: "Operators", Type: policy.GroupBasic, Members: []string{`CORP\ann`}}))
		must(p.CreateGroup(l, &policy.Group{Name: "Staff", Type: policy.GroupBasic}))
		must(p.Link(l, policy.KindGroup, "Staff", policy.RelGroup, "Operators"))
		must(p.CreateGroup(lab, &policy.Group{Name: "Night", Type: policy.GroupBasic}))
		must(p.Link(lab, policy.KindGroup, "Night", policy.RelGroup, "Operators"))
		must(p.CreateRole(l, &policy.Role{Name: "Everyone Staff"}))
		must(p.Link(l, policy.KindRole, "Everyone Staff", policy.RelOperation, "View Virtual Machine Configuration"))
		must(p.Link(l, policy.KindRole, "Everyone Staff", policy.RelGroup, "Staff"))
		must(p.CreateRole(lab, &policy.Role{Name: "Lab Ops"}))
		must(p.Link(lab, policy.KindRole, "Lab Ops", policy.RelOperation, "Start Virtual Machine"))
		must(p.Link(lab, policy.KindRole, "Lab Ops", policy.RelGroup, "Operators"))
		must(p.CreateRole(lab, &policy.Role{Name: "Lab Night"}))
		must(p.Link(lab, policy.KindRole, "Lab Night", policy.RelOperation, "Stop Virtual Machine"))
		must(p.Link(lab, policy.KindRole, "Lab Night", policy.RelGroup, "Night"))
		return nil
	})
	must(err)
	c, err := Compile(q, "", Options{})
	must(err)
	return c
}

func TestEffectiveAccess_ApplicationGroup(t *testing.T) {
	ctx := context.Background()
	c := appGroupPolicy(t)
	view, start, stop := operations.ID(309), operations.ID(307), operations.ID(308)
	for _, o := range []struct {
		id   operations.ID
		name string
	}{{view, "View Virtual Machine Configuration"}, {start, "Start Virtual Machine"}, {stop, "Stop Virtual Machine"}} {
		if op, _ := operations.ByID(o.id); op.Name != o.name {
			t.Fatalf("operation %d is %q, the test expects %q", o.id, op.Name, o.name)
		}
	}
	cases := []struct {
		name    string
		subject Subject
		scope   string
		want    map[operations.ID]bool
	}{
		{"operators in Lab", ApplicationGroupSubject("Operators", ""), "Lab", map[operations.ID]bool{view: true, start: true, stop: true}},
		{"operators by default", ApplicationGroupSubject("operators", ""), "", map[operations.ID]bool{view: true}},
		{"staff in Lab", ApplicationGroupSubject("Staff", ""), "Lab", map[operations.ID]bool{view: true}},
		{"night in Lab", ApplicationGroupSubject("Night", "Lab"), "Lab", map[operations.ID]bool{stop: true}},
		{"ann in Lab", UserSubject(directory.ClientContext{Name: "ann", IDs: []string{`CORP\ann`}}), "Lab", map[operations.ID]bool{view: true, start: true, stop: true}},
		{"principal ann by default", PrincipalSubject(`corp\ANN`), "", map[operations.ID]bool{view: true}},
		{"bob nowhere", UserSubject(directory.ClientContext{Name: "bob", IDs: []string{`CORP\bob`}}), "Lab", map[operations.ID]bool{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, err := c.EffectiveAccess(ctx, tc.subject, GridOptions{Scopes: []string{tc.scope}, Operations: []operations.ID{view, start, stop}})
			if err != nil {
				t.Fatal(err)
			}
			for i, cell := range g.Rows[0].Cells {
				id := operations.ID(g.Operations[i].ID)
				if cell.Allowed != tc.want[id] {
					t.Errorf("%s: allowed %v, want %v", g.Operations[i].Name, cell.Allowed, tc.want[id])
				}
				ex := c.ExplainSubject(ctx, tc.subject, tc.scope, id, nil)
				if ex.Allowed != cell.Allowed {
					t.Errorf("%s: ExplainSubject says %v, the grid %v: %s", g.Operations[i].Name, ex.Allowed, cell.Allowed, ex)
				}
				if ex.Allowed && (len(ex.Path) < 3 || ex.Path[len(ex.Path)-1].Kind != "operation") {
					t.Errorf("%s: path %v", g.Operations[i].Name, ex.Path)
				}
			}
		})
	}
}

func TestEffectiveAccess_Errors(t *testing.T) {
	ctx := context.Background()
	c := appGroupPolicy(t)
	cases := []struct {
		name string
		subj Subject
		opts GridOptions
		want error
	}{
		{"unknown scope", ApplicationGroupSubject("Staff", ""), GridOptions{Scopes: []string{"Nowhere"}}, ErrUnknownScope},
		{"unknown operation", ApplicationGroupSubject("Staff", ""), GridOptions{Operations: []operations.ID{9999}}, ErrUnknownOperation},
		{"unknown group", ApplicationGroupSubject("Nobody", ""), GridOptions{}, ErrUnknownGroup},
		{"group in the wrong scope", ApplicationGroupSubject("Night", ""), GridOptions{}, ErrUnknownGroup},
		{"negative offset", ApplicationGroupSubject("Staff", ""), GridOptions{Offset: -1}, ErrBadToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.EffectiveAccess(ctx, tc.subj, tc.opts); !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("window", func(t *testing.T) {
		g, err := c.EffectiveAccess(ctx, ApplicationGroupSubject("Operators", ""), GridOptions{Offset: 1, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if g.TotalScopes != 2 || len(g.Rows) != 1 || g.Rows[0].Scope != "Lab" {
			t.Errorf("offset 1: total %d, rows %+v", g.TotalScopes, g.Rows)
		}
	})
	t.Run("done context", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := c.EffectiveAccess(cctx, ApplicationGroupSubject("Operators", ""), GridOptions{}); !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	})
}
