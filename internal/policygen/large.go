package policygen

import (
	"fmt"
	"math/rand/v2"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// Sizes of the generated large policy.
const (
	LargeUsers       = 10_000
	LargeDirGroups   = 2_000 // directory groups, nested 4 deep
	LargeScopes      = 1_000
	LargeRoleDefs    = 50
	largeTasks       = 40
	largeAppGroups   = 300
	largeStoreGroups = 10
)

// Directory group levels: 25 top groups, each holding 4 groups, each holding
// 3.75, each holding 4 (on average).
var largeLevels = [4]int{25, 100, 375, 1500}

// LargeRequest is one check against the large policy.
type LargeRequest struct {
	Client int // index in the clients GenerateLarge returned
	Scope  string
	Op     operations.ID
}

// GenerateLarge builds, deterministically from seed, a large Hyper-V
// policy and the client contexts of its directory: 10,000 users in 2,000
// directory groups nested 4 deep (each client carries its transitive groups
// by SID and by name, plus Everyone and Authenticated Users), 1,000 VM
// scopes with 2–4 role assignments each (a tenth with their own role
// definition and application group), 50 role definitions over 40 nested
// tasks and the 34 catalog operations, and 310 Basic application groups at
// store and application level with members, non-members, nested member groups
// and non-member groups. It is what the benchmarks and the server's load
// generator use.
func GenerateLarge(seed uint64) (*policy.Policy, []directory.ClientContext) {
	rng := rand.New(rand.NewPCG(seed, 0xa2a7e))
	guid := func() string {
		return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xfff,
			rng.Uint32()&0xfff, rng.Uint64()&0xffffffffffff)
	}
	userName := func(i int) string { return fmt.Sprintf(`CORP\u%05d`, i) }
	userSID := func(i int) string { return fmt.Sprintf("S-1-5-21-3623811015-3361044348-30300820-%d", 10000+i) }
	groupName := func(j int) string { return fmt.Sprintf(`CORP\g%04d`, j) }
	groupSID := func(j int) string { return fmt.Sprintf("S-1-5-21-3623811015-3361044348-30300820-%d", 50000+j) }

	// Directory: groups by level, each with one parent a level up.
	var levelStart [4]int
	parent := make([]int, LargeDirGroups)
	n := 0
	for l, size := range largeLevels {
		levelStart[l] = n
		for j := n; j < n+size; j++ {
			parent[j] = -1
			if l > 0 {
				parent[j] = levelStart[l-1] + rng.IntN(largeLevels[l-1])
			}
		}
		n += size
	}
	groupAt := func(l int) int { return levelStart[l] + rng.IntN(largeLevels[l]) }
	dirGroup := func() string { // a level 1–3 group, by SID or by name
		j := groupAt(1 + rng.IntN(3))
		if rng.IntN(2) == 0 {
			return groupSID(j)
		}
		return groupName(j)
	}
	user := func() string {
		i := rng.IntN(LargeUsers)
		if rng.IntN(2) == 0 {
			return userSID(i)
		}
		return userName(i)
	}

	clients := make([]directory.ClientContext, LargeUsers)
	for i := range clients {
		cl := directory.ClientContext{Name: userName(i), IDs: []string{userName(i), userSID(i)},
			DN: fmt.Sprintf("cn=u%05d,ou=users,dc=corp,dc=example", i)}
		seen := map[int]bool{}
		for range 1 + rng.IntN(2) {
			for j := groupAt(3); j >= 0; j = parent[j] {
				if !seen[j] {
					seen[j] = true
					cl.Groups = append(cl.Groups, groupSID(j), groupName(j))
				}
			}
		}
		cl.Groups = append(cl.Groups, "S-1-1-0", "S-1-5-11")
		if rng.IntN(100) == 0 {
			cl.Groups = append(cl.Groups, policy.AdministratorsSID)
		}
		clients[i] = cl
	}

	// The store: the default one, made deterministic, plus the rest.
	p := policy.NewDefault()
	a := p.Applications[0]
	a.GUID = guid()
	var opGUIDs []string
	for _, o := range a.Operations {
		o.GUID = guid()
		opGUIDs = append(opGUIDs, o.GUID)
	}
	admin := a.Tasks[0]
	admin.GUID = guid()
	admin.OperationLinks = append([]string(nil), opGUIDs...)
	a.Roles[0].GUID = guid()
	a.Roles[0].TaskLinks = []string{admin.GUID}
	opsOf := func(k int) []string {
		var out []string
		for _, i := range rng.Perm(len(opGUIDs))[:k] {
			out = append(out, opGUIDs[i])
		}
		return out
	}
	someOf := func(from []string, k int) []string {
		var out []string
		seen := map[string]bool{}
		for range k {
			s := from[rng.IntN(len(from))]
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
		return out
	}

	var tasks []string
	for i := range largeTasks {
		t := &policy.Task{GUID: guid(), Name: fmt.Sprintf("Task %02d", i), OperationLinks: opsOf(2 + rng.IntN(4))}
		if i > 0 {
			t.TaskLinks = someOf(tasks, rng.IntN(3))
		}
		a.Tasks = append(a.Tasks, t)
		tasks = append(tasks, t.GUID)
	}
	roleDefs := []string{admin.GUID}
	for i := 1; i < LargeRoleDefs; i++ {
		t := &policy.Task{GUID: guid(), Name: fmt.Sprintf("Role %02d", i), RoleDefinition: true,
			TaskLinks: someOf(tasks, 1+rng.IntN(3)), OperationLinks: opsOf(rng.IntN(3))}
		a.Tasks = append(a.Tasks, t)
		roleDefs = append(roleDefs, t.GUID)
	}
	newGroup := func(name string, earlier []string) *policy.Group {
		g := &policy.Group{GUID: guid(), Name: name, Type: policy.GroupBasic}
		for range 1 + rng.IntN(3) {
			g.Members = append(g.Members, dirGroup())
		}
		for range rng.IntN(4) {
			g.Members = append(g.Members, user())
		}
		for range rng.IntN(4) {
			g.NonMembers = append(g.NonMembers, user())
		}
		if rng.IntN(5) == 0 {
			g.NonMembers = append(g.NonMembers, groupSID(groupAt(3)))
		}
		g.Members, g.NonMembers = dedupStrings(g.Members), dedupStrings(g.NonMembers)
		if len(earlier) > 0 && rng.IntN(10) < 3 {
			g.AppMemberLinks = someOf(earlier, 1+rng.IntN(2))
		}
		if len(earlier) > 0 && rng.IntN(10) == 0 {
			g.AppNonMemberLinks = someOf(earlier, 1)
		}
		return g
	}
	var storeGroups, appGroups []string
	for i := range largeStoreGroups {
		g := newGroup(fmt.Sprintf("Store Group %02d", i), storeGroups)
		p.Groups = append(p.Groups, g)
		storeGroups = append(storeGroups, g.GUID)
	}
	appGroups = append(appGroups, storeGroups...)
	for i := range largeAppGroups {
		g := newGroup(fmt.Sprintf("App Group %03d", i), appGroups)
		a.Groups = append(a.Groups, g)
		appGroups = append(appGroups, g.GUID)
	}
	// Application-level assignments: broad, read-mostly roles.
	for i := range 6 {
		r := &policy.Role{GUID: guid(), Name: fmt.Sprintf("Global %d", i), TaskLinks: []string{roleDefs[1+rng.IntN(len(roleDefs)-1)]}}
		r.Members = []string{groupSID(groupAt(rng.IntN(2)))}
		r.AppMemberLinks = someOf(appGroups, 1+rng.IntN(2))
		a.Roles = append(a.Roles, r)
	}
	for i := range LargeScopes {
		s := &policy.Scope{GUID: guid(), Name: fmt.Sprintf("VM%04d", i)}
		groups := appGroups
		defs := roleDefs[1:]
		if i%10 == 0 {
			own := &policy.Task{GUID: guid(), Name: "Scope Operator", RoleDefinition: true,
				TaskLinks: someOf(tasks, 1+rng.IntN(2)), OperationLinks: opsOf(1)}
			s.Tasks = append(s.Tasks, own)
			g := newGroup("Scope Team", appGroups)
			s.Groups = append(s.Groups, g)
			groups = append(append([]string(nil), appGroups...), g.GUID)
			defs = append(append([]string(nil), defs...), own.GUID)
		}
		for k := range 2 + rng.IntN(3) {
			r := &policy.Role{GUID: guid(), Name: fmt.Sprintf("Assignment %d", k), TaskLinks: someOf(defs, 1+rng.IntN(2))}
			for range rng.IntN(3) {
				r.Members = append(r.Members, dirGroup())
			}
			for range rng.IntN(4) {
				r.Members = append(r.Members, user())
			}
			r.Members = dedupStrings(r.Members)
			if rng.IntN(2) == 0 {
				r.AppMemberLinks = someOf(groups, 1+rng.IntN(2))
			}
			if i%10 == 0 && k == 0 {
				r.AppMemberLinks = dedupStrings(append(r.AppMemberLinks, s.Groups[0].GUID))
			}
			s.Roles = append(s.Roles, r)
		}
		a.Scopes = append(a.Scopes, s)
	}
	return p, clients
}

func dedupStrings(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0]
	for _, s := range ss {
		if k := names.Key(s); !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// LargeRequests picks n checks against a generated large policy,
// deterministically from seed: a random client, operation and scope; half
// the scopes are ones where one of the client's identifiers or groups is
// named by a role assignment or by a member list of an application group the
// scope's assignments link, so that decisions mix grants and denials.
func LargeRequests(p *policy.Policy, clients []directory.ClientContext, seed uint64, n int) []LargeRequest {
	rng := rand.New(rand.NewPCG(seed, 0x4e9))
	a := p.Applications[0]
	groupMembers := map[string][]string{} // folded group GUID → folded members
	for _, gs := range [][]*policy.Group{p.Groups, a.Groups} {
		for _, g := range gs {
			for _, m := range g.Members {
				groupMembers[names.Key(g.GUID)] = append(groupMembers[names.Key(g.GUID)], names.Key(m))
			}
		}
	}
	scopesOf := map[string][]int{} // folded principal → scopes naming it
	for i, s := range a.Scopes {
		for _, g := range s.Groups {
			for _, m := range g.Members {
				groupMembers[names.Key(g.GUID)] = append(groupMembers[names.Key(g.GUID)], names.Key(m))
			}
		}
		for _, r := range s.Roles {
			for _, m := range r.Members {
				scopesOf[names.Key(m)] = append(scopesOf[names.Key(m)], i)
			}
			for _, g := range r.AppMemberLinks {
				for _, m := range groupMembers[names.Key(g)] {
					scopesOf[m] = append(scopesOf[m], i)
				}
			}
		}
	}
	ops := operations.All()
	out := make([]LargeRequest, n)
	for i := range out {
		ci := rng.IntN(len(clients))
		req := LargeRequest{Client: ci, Op: ops[rng.IntN(len(ops))].ID, Scope: a.Scopes[rng.IntN(len(a.Scopes))].Name}
		if rng.IntN(2) == 0 {
			var near []int
			cl := clients[ci]
			for _, k := range append(append([]string(nil), cl.IDs...), cl.Groups...) {
				near = append(near, scopesOf[names.Key(k)]...)
			}
			if len(near) > 0 {
				req.Scope = a.Scopes[near[rng.IntN(len(near))]].Name
			}
		}
		if rng.IntN(20) == 0 {
			req.Scope = "" // the default scope
		}
		out[i] = req
	}
	return out
}
