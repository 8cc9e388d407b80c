package authz

import (
	"context"
	"fmt"
	"testing"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/policygen"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// withoutLevelFilters compiles p with level filters that let every key
// through: the checks of the plain algorithm.
func withoutLevelFilters(t *testing.T, p *policy.Policy) *Checker {
	t.Helper()
	c, err := Compile(p, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.lfilter {
		c.lfilter[i] = ^uint64(0)
	}
	return c
}

// sameChecks holds every operation of c checked for each client in every
// scope (and the default and an unknown one) to ref: the same decisions,
// grants and errors.
func sameChecks(t *testing.T, name string, c, ref *Checker, clients []directory.ClientContext) {
	t.Helper()
	ctx := context.Background()
	var ids []operations.ID
	for _, o := range c.Operations().All() {
		ids = append(ids, o.ID)
	}
	scopes := append([]string{"", "No Such Scope"}, c.Scopes()...)
	for _, cl := range clients {
		for _, s := range scopes {
			got, gerr := c.AccessCheck(ctx, cl, s, ids, nil)
			want, werr := ref.AccessCheck(ctx, cl, s, ids, nil)
			if fmt.Sprint(gerr) != fmt.Sprint(werr) {
				t.Fatalf("%s, %s, scope %q: error %v, without filters %v", name, cl.Name, s, gerr, werr)
			}
			for i := range got {
				g, w := got[i], want[i]
				if g.Allowed != w.Allowed || fmt.Sprint(g.Err) != fmt.Sprint(w.Err) || (g.Grant == nil) != (w.Grant == nil) ||
					g.Grant != nil && *g.Grant != *w.Grant {
					t.Fatalf("%s, %s, scope %q, %s: %v %+v %v; without filters %v %+v %v", name, cl.Name, s, g.Operation.Name,
						g.Allowed, g.Grant, g.Err, w.Allowed, w.Grant, w.Err)
				}
			}
		}
	}
}

// TestLevelFilters_ChangeNothing: skipping the keys that the application's
// and the scope's filters leave out decides as checking every key does,
// grants and errors included, over random stores (nested and non-member
// groups at every level) and a sample of the large policy.
func TestLevelFilters_ChangeNothing(t *testing.T) {
	for seed := range uint64(300) {
		catalog := operations.All()
		if seed%3 == 0 {
			catalog = policygen.SpreadCatalog()
		}
		p, clients := policygen.RandomStore(policygen.NewRand(seed+31000), catalog)
		c, err := Compile(p, "", Options{})
		if err != nil {
			t.Fatal(err)
		}
		sameChecks(t, fmt.Sprintf("seed %d", seed), c, withoutLevelFilters(t, p), clients)
	}
	if testing.Short() {
		return
	}
	p, clients, _ := largeFixture(t)
	c, err := Compile(p, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref := withoutLevelFilters(t, p)
	sample := make([]directory.ClientContext, 0, 20)
	for i := 0; i < len(clients); i += len(clients) / 20 {
		sample = append(sample, clients[i])
	}
	sameChecks(t, "large", c, ref, sample)
}
