package authz

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// The differential test: random stores × random requests through a plain
// casbin.Enforcer with CasbinModel and through the Checker; decisions must
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

func TestDifferentialCasbin(t *testing.T) {
	differential(t, diffStores, nil)
}

// diffCatalog is an application's own operation catalog for the
// differential test: more operations than the Hyper-V one would place in a
// random store, IDs spread so that the checker indexes them with a map, and
// names that are not Hyper-V's.
func diffCatalog() []operations.Operation {
	ops := make([]operations.Operation, 20)
	for i := range ops {
		ops[i] = operations.Operation{ID: operations.ID(7 + i*997), Name: fmt.Sprintf("Widget Op %c", 'A'+i)}
	}
	return ops
}

// The same with an application's own catalog (Options.Operations,
// CasbinPolicyFor, CasbinRequestFor).
func TestDifferentialCasbin_CustomCatalog(t *testing.T) {
	differential(t, diffStores/4, diffCatalog())
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
		rng := newRand(seed)
		p, clients := randomStore(rng, all)
		if err := p.Validate(); err != nil {
			t.Fatalf("seed %d: generator made an invalid store: %v", seed, err)
		}
		c, err := Compile(p, "", Options{Operations: catalog})
		if err != nil {
			t.Fatalf("seed %d: Compile: %v", seed, err)
		}
		lines, err := CasbinPolicyFor(p, "", catalog)
		if err != nil {
			t.Fatalf("seed %d: CasbinPolicy: %v", seed, err)
		}
		cl, err := CasbinClientLines(p, "", clients)
		if err != nil {
			t.Fatalf("seed %d: CasbinClientLines: %v", seed, err)
		}
		lines.G = append(lines.G, cl...)
		e, err := NewCasbinEnforcer(CasbinModel, lines)
		if err != nil {
			t.Fatalf("seed %d: NewCasbinEnforcer: %v", seed, err)
		}
		scopes := []string{"", "nowhere"}
		for _, s := range p.Applications[0].Scopes {
			scopes = append(scopes, randCase(rng, s.Name))
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
					want, err := e.Enforce(CasbinRequestFor(catalog, client, scope, op)...)
					if err != nil {
						t.Fatalf("seed %d: Enforce: %v", seed, err)
					}
					checks++
					if want {
						allowed++
					}
					if rs[i].Allowed != want {
						t.Fatalf("seed %d: client %+v scope %q op %q: checker %v (grant %+v, err %v), casbin %v\n%s",
							seed, client, scope, name[op], rs[i].Allowed, rs[i].Grant, rs[i].Err, want, describe(p))
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

var (
	diffUsers  = 8
	diffGroups = 6
)

func userName(i int) string  { return fmt.Sprintf(`DOM\user%d`, i) }
func userSID(i int) string   { return fmt.Sprintf("S-1-5-21-9-1%03d", i) }
func groupName(i int) string { return fmt.Sprintf(`DOM\group%d`, i) }
func groupSID(i int) string  { return fmt.Sprintf("S-1-5-21-9-2%03d", i) }

func randCase(rng *rand.Rand, s string) string {
	b := []byte(s)
	for i, c := range b {
		if rng.IntN(3) == 0 {
			if 'a' <= c && c <= 'z' {
				b[i] = c - 32
			} else if 'A' <= c && c <= 'Z' {
				b[i] = c + 32
			}
		}
	}
	return string(b)
}

// randPrincipal is a user or directory group, by name or SID.
func randPrincipal(rng *rand.Rand) string {
	var s string
	switch rng.IntN(4) {
	case 0:
		s = userName(rng.IntN(diffUsers))
	case 1:
		s = userSID(rng.IntN(diffUsers))
	case 2:
		s = groupName(rng.IntN(diffGroups))
	default:
		s = groupSID(rng.IntN(diffGroups))
	}
	return randCase(rng, s)
}

func pick[T any](rng *rand.Rand, from []T, max int) []T {
	n := rng.IntN(max + 1)
	var out []T
	for range n {
		if len(from) == 0 {
			break
		}
		v := from[rng.IntN(len(from))]
		out = append(out, v)
	}
	return out
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if k := strings.ToLower(s); !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// randomStore makes a store with six operations of catalog all (never its
// last one) and six clients.
func randomStore(rng *rand.Rand, all []operations.Operation) (*policy.Policy, []ClientContext) {
	a := &policy.Application{GUID: policy.NewGUID(), Name: policy.DefaultApplication}
	var opGUIDs []string
	for _, i := range rng.Perm(len(all) - 1)[:6] { // never the last operation
		o := &policy.Operation{GUID: policy.NewGUID(), Name: randCase(rng, all[i].Name), OperationID: int(all[i].ID)}
		a.Operations = append(a.Operations, o)
		opGUIDs = append(opGUIDs, o.GUID)
	}
	if rng.IntN(4) == 0 { // an operation the catalog lacks
		o := &policy.Operation{GUID: policy.NewGUID(), Name: "Frobnicate", OperationID: 9000}
		a.Operations = append(a.Operations, o)
		opGUIDs = append(opGUIDs, o.GUID)
	}
	n := 0
	name := func(prefix string) string { n++; return fmt.Sprintf("%s%d", prefix, n) }
	guids := func(ss []string) []string { return uniq(ss) }

	// A task's BizRuleLanguage without a script is no rule (AzMan), on both sides.
	ruleLessLanguages := []string{"", "", policy.LangVBScript, policy.LangJScript}
	newTasks := func(o *policy.Objects, visible []string, count int) []string {
		for range count {
			t := &policy.Task{GUID: policy.NewGUID(), Name: name("T"), RoleDefinition: rng.IntN(2) == 0,
				OperationLinks: guids(pick(rng, opGUIDs, 3)), TaskLinks: guids(pick(rng, visible, 2)),
				BizRule: policy.BizRule{Language: ruleLessLanguages[rng.IntN(len(ruleLessLanguages))]}}
			o.Tasks = append(o.Tasks, t)
			visible = append(visible, t.GUID)
		}
		return visible
	}
	newGroups := func(visible []string, count int) ([]*policy.Group, []string) {
		var gs []*policy.Group
		for range count {
			g := &policy.Group{GUID: policy.NewGUID(), Name: name("G"), Type: policy.GroupBasic,
				Members:           uniq(pick(rng, []string{randPrincipal(rng), randPrincipal(rng), randPrincipal(rng)}, 3)),
				NonMembers:        uniq(pick(rng, []string{randPrincipal(rng), randPrincipal(rng)}, 1)),
				AppMemberLinks:    guids(pick(rng, visible, 2)),
				AppNonMemberLinks: guids(pick(rng, visible, 1)),
			}
			gs = append(gs, g)
			visible = append(visible, g.GUID)
		}
		return gs, visible
	}
	newRoles := func(o *policy.Objects, tasks, groups []string, count int) {
		for range count {
			r := &policy.Role{GUID: policy.NewGUID(), Name: name("R"),
				TaskLinks: guids(pick(rng, tasks, 2)), OperationLinks: guids(pick(rng, opGUIDs, 1)),
				Members:        uniq(pick(rng, []string{randPrincipal(rng), randPrincipal(rng), randPrincipal(rng)}, 3)),
				AppMemberLinks: guids(pick(rng, groups, 2)),
			}
			o.Roles = append(o.Roles, r)
		}
	}
	p := &policy.Policy{MajorVersion: 2, Applications: []*policy.Application{a}}
	var storeGroups, appGroups []string
	p.Groups, storeGroups = newGroups(nil, rng.IntN(3))
	a.Groups, appGroups = newGroups(storeGroups, rng.IntN(5))
	appTasks := newTasks(&a.Objects, nil, rng.IntN(7))
	newRoles(&a.Objects, appTasks, appGroups, rng.IntN(5))
	for i := range rng.IntN(4) {
		s := &policy.Scope{GUID: policy.NewGUID(), Name: fmt.Sprintf("Scope%d", i)}
		tasks := newTasks(&s.Objects, appTasks, rng.IntN(3))
		var groups []string
		s.Groups, groups = newGroups(appGroups, rng.IntN(3))
		newRoles(&s.Objects, tasks, groups, 1+rng.IntN(3))
		a.Scopes = append(a.Scopes, s)
	}

	var clients []ClientContext
	for i := range 6 {
		u := rng.IntN(diffUsers)
		cl := ClientContext{Name: fmt.Sprintf("client%d", i)}
		switch rng.IntN(3) {
		case 0:
			cl.IDs = []string{randCase(rng, userName(u))}
		case 1:
			cl.IDs = []string{randCase(rng, userSID(u))}
		default:
			cl.IDs = []string{randCase(rng, userName(u)), randCase(rng, userSID(u))}
		}
		for g := range diffGroups {
			if rng.IntN(3) == 0 {
				switch rng.IntN(3) {
				case 0:
					cl.Groups = append(cl.Groups, randCase(rng, groupName(g)))
				case 1:
					cl.Groups = append(cl.Groups, randCase(rng, groupSID(g)))
				default:
					cl.Groups = append(cl.Groups, randCase(rng, groupName(g)), randCase(rng, groupSID(g)))
				}
			}
		}
		clients = append(clients, cl)
	}
	return p, clients
}

// describe prints a store compactly, for failure messages.
func describe(p *policy.Policy) string {
	var b strings.Builder
	names := map[string]string{}
	for _, a := range p.Applications {
		for _, o := range a.Operations {
			names[strings.ToLower(o.GUID)] = o.Name
		}
		for _, o := range append([]*policy.Objects{&a.Objects}, scopeObjects(a)...) {
			for _, t := range o.Tasks {
				names[strings.ToLower(t.GUID)] = t.Name
			}
			for _, g := range o.Groups {
				names[strings.ToLower(g.GUID)] = g.Name
			}
		}
	}
	for _, g := range p.Groups {
		names[strings.ToLower(g.GUID)] = g.Name
	}
	nm := func(ls []string) []string {
		out := make([]string, len(ls))
		for i, l := range ls {
			out[i] = names[strings.ToLower(l)]
		}
		return out
	}
	group := func(g *policy.Group) {
		fmt.Fprintf(&b, "  group %s members %v non %v links %v nonlinks %v\n", g.Name, g.Members, g.NonMembers, nm(g.AppMemberLinks), nm(g.AppNonMemberLinks))
	}
	for _, g := range p.Groups {
		group(g)
	}
	for _, a := range p.Applications {
		level := func(label string, o *policy.Objects) {
			fmt.Fprintf(&b, "%s:\n", label)
			for _, t := range o.Tasks {
				fmt.Fprintf(&b, "  task %s rd=%v ops %v tasks %v\n", t.Name, t.RoleDefinition, nm(t.OperationLinks), nm(t.TaskLinks))
			}
			for _, g := range o.Groups {
				group(g)
			}
			for _, r := range o.Roles {
				fmt.Fprintf(&b, "  role %s tasks %v ops %v members %v groups %v\n", r.Name, nm(r.TaskLinks), nm(r.OperationLinks), r.Members, nm(r.AppMemberLinks))
			}
		}
		level("application", &a.Objects)
		for _, s := range a.Scopes {
			level("scope "+s.Name, &s.Objects)
		}
	}
	return b.String()
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }
