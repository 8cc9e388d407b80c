package casbinmodel_test

import (
	"context"
	"strings"
	"testing"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/casbinmodel"
	"github.com/azgate/azgate/internal/policygen"
	"github.com/azgate/azgate/operations"
)

// The differential test: random stores × random requests through a plain
// casbin.Enforcer with casbinmodel.Model and through the Checker; decisions must
// be identical.
//
// The generator covers nested tasks and role definitions (application and
// scope level), scopes with their own definitions, groups and assignments,
// Basic application groups at store, application and scope level with
// members, non-members, nested member groups and non-member groups, members
// by SID and by name in random letter case, directory groups as principals,
// operations linked directly to assignments, unknown scopes and operations
// missing from the store, and tasks naming a rule language without a rule
// (no rule). It leaves out business rules and LDAP query
// groups: they depend on the request, and the Casbin policy drops every path
// through them.

const diffStores = 1000

func TestDifferential(t *testing.T) {
	differential(t, diffStores, nil)
}

// The same with an application's own catalog (Options.Operations,
// casbinmodel.PolicyFor, casbinmodel.RequestFor).
func TestDifferential_CustomCatalog(t *testing.T) {
	differential(t, diffStores/4, policygen.SpreadCatalog())
}

// differential runs stores random stores over catalog (nil: Hyper-V's)
// through the Checker and Casbin.
func differential(t *testing.T, stores int, catalog []operations.Operation) {
	all := catalog
	if all == nil {
		all = operations.All()
	}
	name := map[operations.ID]string{}
	for _, o := range all {
		name[o.ID] = o.Name
	}
	var checks, allowed int
	for seed := range uint64(stores) {
		rng := policygen.NewRand(seed)
		p, clients := policygen.RandomStore(rng, all)
		if err := p.Validate(); err != nil {
			t.Fatalf("seed %d: generator made an invalid store: %v", seed, err)
		}
		c, err := authz.Compile(p, "", authz.Options{Operations: catalog})
		if err != nil {
			t.Fatalf("seed %d: Compile: %v", seed, err)
		}
		lines, err := casbinmodel.PolicyFor(p, "", catalog)
		if err != nil {
			t.Fatalf("seed %d: casbinmodel.Policy: %v", seed, err)
		}
		cl, err := casbinmodel.ClientLines(p, "", clients)
		if err != nil {
			t.Fatalf("seed %d: casbinmodel.ClientLines: %v", seed, err)
		}
		lines.G = append(lines.G, cl...)
		e, err := casbinmodel.NewEnforcer(casbinmodel.Model, lines)
		if err != nil {
			t.Fatalf("seed %d: casbinmodel.NewEnforcer: %v", seed, err)
		}
		scopes := []string{"", "nowhere"}
		for _, s := range p.Applications[0].Scopes {
			scopes = append(scopes, policygen.RandCase(rng, s.Name))
		}
		var ops []operations.ID
		for _, o := range p.Applications[0].Operations {
			for _, k := range all {
				if strings.EqualFold(k.Name, o.Name) {
					ops = append(ops, k.ID)
				}
			}
		}
		ops = append(ops, all[len(all)-1].ID) // never in random stores
		for _, client := range clients {
			for _, scope := range scopes {
				rs, err := c.AccessCheck(context.Background(), client, scope, ops, nil)
				if scope == "nowhere" && err == nil {
					t.Fatalf("seed %d: unknown scope not reported", seed)
				}
				for i, op := range ops {
					want, err := e.Enforce(casbinmodel.RequestFor(catalog, client, scope, op)...)
					if err != nil {
						t.Fatalf("seed %d: Enforce: %v", seed, err)
					}
					checks++
					if want {
						allowed++
					}
					if rs[i].Allowed != want {
						t.Fatalf("seed %d: client %+v scope %q op %q: checker %v (grant %+v, err %v), casbin %v\n%s",
							seed, client, scope, name[op], rs[i].Allowed, rs[i].Grant, rs[i].Err, want, policygen.Describe(p))
					}
					if rs[i].Allowed && (rs[i].Grant == nil || rs[i].Grant.Assignment == "") {
						t.Fatalf("seed %d: grant without assignment: %+v", seed, rs[i])
					}
					if rs[i].Operation.ID != op || rs[i].Operation.Name != name[op] {
						t.Fatalf("seed %d: result operation %+v, want %d %q", seed, rs[i].Operation, op, name[op])
					}
				}
			}
		}
	}
	t.Logf("%d stores, %d checks, %d allowed", stores, checks, allowed)
	if allowed < checks/20 || allowed > checks*3/4 {
		t.Errorf("generator is lopsided: %d of %d checks allowed", allowed, checks)
	}
}
