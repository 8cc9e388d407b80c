package policygen

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// The random stores draw their principals from this many users and groups.
const (
	diffUsers  = 8
	diffGroups = 6
)

func userName(i int) string  { return fmt.Sprintf(`DOM\user%d`, i) }
func userSID(i int) string   { return fmt.Sprintf("S-1-5-21-9-1%03d", i) }
func groupName(i int) string { return fmt.Sprintf(`DOM\group%d`, i) }
func groupSID(i int) string  { return fmt.Sprintf("S-1-5-21-9-2%03d", i) }

// RandCase is s with each letter in a random case.
func RandCase(rng *rand.Rand, s string) string {
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

// RandPrincipal is a user or directory group, by name or SID.
func RandPrincipal(rng *rand.Rand) string {
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
	return RandCase(rng, s)
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
		if k := names.Key(s); !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// RandomStore makes a store with six operations of catalog all (never its
// last one) and six clients.
func RandomStore(rng *rand.Rand, all []operations.Operation) (*policy.Policy, []directory.ClientContext) {
	a := &policy.Application{GUID: policy.NewGUID(), Name: policy.DefaultApplication}
	var opGUIDs []string
	for _, i := range rng.Perm(len(all) - 1)[:6] { // never the last operation
		o := &policy.Operation{GUID: policy.NewGUID(), Name: RandCase(rng, all[i].Name), OperationID: int(all[i].ID)}
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
				Members:           uniq(pick(rng, []string{RandPrincipal(rng), RandPrincipal(rng), RandPrincipal(rng)}, 3)),
				NonMembers:        uniq(pick(rng, []string{RandPrincipal(rng), RandPrincipal(rng)}, 1)),
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
				Members:        uniq(pick(rng, []string{RandPrincipal(rng), RandPrincipal(rng), RandPrincipal(rng)}, 3)),
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

	var clients []directory.ClientContext
	for i := range 6 {
		u := rng.IntN(diffUsers)
		cl := directory.ClientContext{Name: fmt.Sprintf("client%d", i)}
		switch rng.IntN(3) {
		case 0:
			cl.IDs = []string{RandCase(rng, userName(u))}
		case 1:
			cl.IDs = []string{RandCase(rng, userSID(u))}
		default:
			cl.IDs = []string{RandCase(rng, userName(u)), RandCase(rng, userSID(u))}
		}
		for g := range diffGroups {
			if rng.IntN(3) == 0 {
				switch rng.IntN(3) {
				case 0:
					cl.Groups = append(cl.Groups, RandCase(rng, groupName(g)))
				case 1:
					cl.Groups = append(cl.Groups, RandCase(rng, groupSID(g)))
				default:
					cl.Groups = append(cl.Groups, RandCase(rng, groupName(g)), RandCase(rng, groupSID(g)))
				}
			}
		}
		clients = append(clients, cl)
	}
	return p, clients
}

// Describe prints a store compactly, for failure messages.
func Describe(p *policy.Policy) string {
	var b strings.Builder
	byGUID := map[string]string{}
	for _, a := range p.Applications {
		for _, o := range a.Operations {
			byGUID[names.Key(o.GUID)] = o.Name
		}
		for _, o := range append([]*policy.Objects{&a.Objects}, scopeObjects(a)...) {
			for _, t := range o.Tasks {
				byGUID[names.Key(t.GUID)] = t.Name
			}
			for _, g := range o.Groups {
				byGUID[names.Key(g.GUID)] = g.Name
			}
		}
	}
	for _, g := range p.Groups {
		byGUID[names.Key(g.GUID)] = g.Name
	}
	nm := func(ls []string) []string {
		out := make([]string, len(ls))
		for i, l := range ls {
			out[i] = byGUID[names.Key(l)]
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

// NewRand is the generator's random source for seed.
func NewRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// scopeObjects returns the objects of every scope of a.
func scopeObjects(a *policy.Application) []*policy.Objects {
	out := make([]*policy.Objects, len(a.Scopes))
	for i, s := range a.Scopes {
		out[i] = &s.Objects
	}
	return out
}

// SpreadCatalog is an application's own operation catalog for the
// differential test: more operations than the Hyper-V one would place in a
// random store, IDs spread so that the checker indexes them with a map, and
// names that are not Hyper-V's.
func SpreadCatalog() []operations.Operation {
	ops := make([]operations.Operation, 20)
	for i := range ops {
		ops[i] = operations.Operation{ID: operations.ID(7 + i*997), Name: fmt.Sprintf("Widget Op %c", 'A'+i)}
	}
	return ops
}
