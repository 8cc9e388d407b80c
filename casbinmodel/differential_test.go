package casbinmodel_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/casbinmodel"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/policygen"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
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
// operations linked directly to assignments, unknown scopes, IDs of other
// applications, several applications in one store, and tasks naming a rule language without a rule
// (no rule). It leaves out business rules and LDAP query
// groups: they depend on the request, and the Casbin policy drops every path
// through them.

const diffStores = 1000

func TestDifferential(t *testing.T) {
	differential(t, diffStores, func(seed uint64) (*policy.Policy, []directory.ClientContext) {
		return policygen.RandomStore(policygen.NewRand(seed), operations.All())
	})
}

// The same with an application's own operations: many, named unlike
// Hyper-V's, IDs spread so that they are indexed by a map.
func TestDifferential_CustomCatalog(t *testing.T) {
	differential(t, diffStores/4, func(seed uint64) (*policy.Policy, []directory.ClientContext) {
		return policygen.RandomStore(policygen.NewRand(seed), policygen.SpreadCatalog())
	})
}

// The same with two applications in one store whose operations overlap:
// the second reuses the first's OperationIDs for other operations and the
// first's names with other IDs. Each application is decided over its own
// operations only, by the Checker and by Casbin.
func TestDifferential_MultiApplication(t *testing.T) {
	differential(t, diffStores/4, multiAppStore)
}

// multiAppStore merges two random stores into one: application "Hyper-V
// services" (random over the Hyper-V catalog) and "Second" (random over a
// spread catalog), whose i-th operation takes the OperationID of the
// first's i-th and, for even i, the name of the first's (i+1)-th in another
// letter case. Store-level groups of both are kept. The clients are the
// first store's (both draw principals from the same names).
func multiAppStore(seed uint64) (*policy.Policy, []directory.ClientContext) {
	rng := policygen.NewRand(seed)
	p, clients := policygen.RandomStore(rng, operations.All())
	q, _ := policygen.RandomStore(policygen.NewRand(seed+1<<32), policygen.SpreadCatalog())
	a, b := p.Applications[0], q.Applications[0]
	b.Name, b.GUID = "Second", policy.NewGUID()
	n := len(a.Operations)
	for i, o := range b.Operations {
		if i < n {
			o.OperationID = a.Operations[i].OperationID
		} else {
			o.OperationID = 100000 + i
		}
		if i%2 == 0 && i+1 < n {
			o.Name = policygen.RandCase(rng, a.Operations[i+1].Name)
		}
	}
	for _, g := range q.Groups {
		g.Name = "Second " + g.Name // store-level: one name space
	}
	p.Groups = append(p.Groups, q.Groups...)
	p.Applications = append(p.Applications, b)
	return p, clients
}

// differential runs stores random stores made by gen through the Checker
// and Casbin, every application of each.
func differential(t *testing.T, stores int, gen func(seed uint64) (*policy.Policy, []directory.ClientContext)) {
	var checks, allowed int
	for seed := range uint64(stores) {
		rng := policygen.NewRand(seed ^ 0xd1ff)
		p, clients := gen(seed)
		if err := p.Validate(); err != nil {
			t.Fatalf("seed %d: generator made an invalid store: %v", seed, err)
		}
		for ai, a := range p.Applications {
			c, err := authz.Compile(p, a.Name, authz.Options{})
			if err != nil {
				t.Fatalf("seed %d: Compile: %v", seed, err)
			}
			lines, err := casbinmodel.Policy(p, a.Name)
			if err != nil {
				t.Fatalf("seed %d: casbinmodel.Policy: %v", seed, err)
			}
			cl, err := casbinmodel.ClientLines(p, a.Name, clients)
			if err != nil {
				t.Fatalf("seed %d: casbinmodel.ClientLines: %v", seed, err)
			}
			lines.G = append(lines.G, cl...)
			e, err := casbinmodel.NewEnforcer(casbinmodel.Model, lines)
			if err != nil {
				t.Fatalf("seed %d: casbinmodel.NewEnforcer: %v", seed, err)
			}
			scopes := []string{"", "nowhere"}
			for _, s := range a.Scopes {
				scopes = append(scopes, policygen.RandCase(rng, s.Name))
			}
			// Every operation of the application by its own ID, and the IDs
			// of the other applications it does not define: unknown here.
			var ops []operations.ID
			name := map[operations.ID]string{} // the application's own names
			for _, o := range a.Operations {
				ops = append(ops, operations.ID(o.OperationID))
				name[operations.ID(o.OperationID)] = o.Name
			}
			for oi, other := range p.Applications {
				for _, o := range other.Operations {
					if _, mine := name[operations.ID(o.OperationID)]; oi != ai && !mine {
						ops = append(ops, operations.ID(o.OperationID))
					}
				}
			}
			for _, client := range clients {
				for _, scope := range scopes {
					rs, err := c.AccessCheck(context.Background(), client, scope, ops, nil)
					if scope == "nowhere" && err == nil {
						t.Fatalf("seed %d: unknown scope not reported", seed)
					}
					for i, op := range ops {
						if name[op] == "" {
							if rs[i].Allowed || !(errors.Is(rs[i].Err, authz.ErrUnknownOperation) || scope == "nowhere" && errors.Is(rs[i].Err, authz.ErrUnknownScope)) {
								t.Fatalf("seed %d: application %q, another application's ID %d: %+v", seed, a.Name, op, rs[i])
							}
							continue
						}
						want, err := e.Enforce(casbinmodel.Request(client, scope, name[op])...)
						if err != nil {
							t.Fatalf("seed %d: Enforce: %v", seed, err)
						}
						checks++
						if want {
							allowed++
						}
						if rs[i].Allowed != want {
							t.Fatalf("seed %d: application %q client %+v scope %q op %q: checker %v (grant %+v, err %v), casbin %v\n%s",
								seed, a.Name, client, scope, name[op], rs[i].Allowed, rs[i].Grant, rs[i].Err, want, policygen.Describe(p))
						}
						if rs[i].Allowed && (rs[i].Grant == nil || rs[i].Grant.Assignment == "") {
							t.Fatalf("seed %d: grant without assignment: %+v", seed, rs[i])
						}
						if rs[i].Operation.ID != op || rs[i].Operation.Name != strings.TrimSpace(name[op]) {
							t.Fatalf("seed %d: result operation %+v, want %d %q", seed, rs[i].Operation, op, name[op])
						}
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
