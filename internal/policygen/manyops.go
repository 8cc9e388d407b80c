package policygen

import (
	"fmt"
	"math/rand/v2"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// Sizes of the GenerateManyOps application: a large line-of-business
// application rather than Hyper-V's 34 operations.
const (
	ManyOps       = 1000
	ManyTasks     = 200 // 150 tasks and 50 role definitions
	ManyRoleDefs  = 50
	ManyUsers     = 2000
	ManyDirGroups = 200
	ManyScopes    = 100
	ManyAppGroups = 20
)

// GenerateManyOps builds, deterministically, an application of 1,000
// operations (IDs spread from 10,000) and 200 tasks: 150 tasks of 10–30
// operations each, nested (a task may hold up to two earlier ones), and 50
// role definitions of 2–5 tasks and a few operations; 100 scopes with two
// role assignments each and 30 at application level, to directory groups,
// users and 20 Basic application groups (members, non-members); 2,000
// users in 5–10 of 200 directory groups. Requests: a random client, scope
// (a third at application level) and operation.
func GenerateManyOps() (*policy.Policy, []directory.ClientContext, []LargeRequest) {
	rng := rand.New(rand.NewPCG(7, 1000))
	guid := policy.NewGUID
	a := &policy.Application{GUID: guid(), Name: "Line of Business"}
	p := &policy.Policy{MajorVersion: 2, Applications: []*policy.Application{a}}
	for i := range ManyOps {
		a.Operations = append(a.Operations, &policy.Operation{GUID: guid(), Name: fmt.Sprintf("Operation %04d", i), OperationID: 10000 + 3*i})
	}
	op := func() string { return a.Operations[rng.IntN(ManyOps)].GUID }
	for i := range ManyTasks - ManyRoleDefs {
		t := &policy.Task{GUID: guid(), Name: fmt.Sprintf("Task %03d", i)}
		for range 10 + rng.IntN(21) {
			t.OperationLinks = append(t.OperationLinks, op())
		}
		for j := 0; j < 2 && i > 0; j++ {
			if rng.IntN(3) == 0 {
				t.TaskLinks = append(t.TaskLinks, a.Tasks[rng.IntN(i)].GUID)
			}
		}
		t.OperationLinks, t.TaskLinks = dedupStrings(t.OperationLinks), dedupStrings(t.TaskLinks)
		a.Tasks = append(a.Tasks, t)
	}
	plain := len(a.Tasks)
	for i := range ManyRoleDefs {
		t := &policy.Task{GUID: guid(), Name: fmt.Sprintf("Role %02d", i), RoleDefinition: true}
		for range 2 + rng.IntN(4) {
			t.TaskLinks = append(t.TaskLinks, a.Tasks[rng.IntN(plain)].GUID)
		}
		for range rng.IntN(5) {
			t.OperationLinks = append(t.OperationLinks, op())
		}
		t.OperationLinks, t.TaskLinks = dedupStrings(t.OperationLinks), dedupStrings(t.TaskLinks)
		a.Tasks = append(a.Tasks, t)
	}
	dirGroup := func(j int) string { return fmt.Sprintf(`CORP\lob-g%03d`, j) }
	userName := func(i int) string { return fmt.Sprintf(`CORP\lob-u%04d`, i) }
	for i := range ManyAppGroups {
		g := &policy.Group{GUID: guid(), Name: fmt.Sprintf("App Group %02d", i), Type: policy.GroupBasic}
		for range 3 + rng.IntN(5) {
			g.Members = append(g.Members, dirGroup(rng.IntN(ManyDirGroups)))
		}
		if rng.IntN(3) == 0 {
			g.NonMembers = append(g.NonMembers, userName(rng.IntN(ManyUsers)))
		}
		g.Members = dedupStrings(g.Members)
		a.Groups = append(a.Groups, g)
	}
	role := func(name string) *policy.Role {
		r := &policy.Role{GUID: guid(), Name: name, TaskLinks: []string{a.Tasks[plain+rng.IntN(ManyRoleDefs)].GUID}}
		switch rng.IntN(3) {
		case 0:
			r.AppMemberLinks = []string{a.Groups[rng.IntN(ManyAppGroups)].GUID}
		case 1:
			r.Members = []string{dirGroup(rng.IntN(ManyDirGroups)), dirGroup(rng.IntN(ManyDirGroups))}
		default:
			r.Members = []string{userName(rng.IntN(ManyUsers)), dirGroup(rng.IntN(ManyDirGroups))}
		}
		r.Members = dedupStrings(r.Members)
		return r
	}
	for i := range 30 {
		a.Roles = append(a.Roles, role(fmt.Sprintf("Assignment %02d", i)))
	}
	for i := range ManyScopes {
		s := &policy.Scope{GUID: guid(), Name: fmt.Sprintf("Scope %03d", i)}
		s.Roles = []*policy.Role{role("Scoped 1"), role("Scoped 2")}
		a.Scopes = append(a.Scopes, s)
	}
	clients := make([]directory.ClientContext, ManyUsers)
	for i := range clients {
		c := directory.ClientContext{Name: userName(i), IDs: []string{userName(i), fmt.Sprintf("S-1-5-21-77-%d", i)}}
		for range 5 + rng.IntN(6) {
			c.Groups = append(c.Groups, dirGroup(rng.IntN(ManyDirGroups)))
		}
		c.Groups = dedupStrings(c.Groups)
		clients[i] = c
	}
	reqs := make([]LargeRequest, 1<<14)
	for i := range reqs {
		r := LargeRequest{Client: rng.IntN(ManyUsers), Op: operations.ID(a.Operations[rng.IntN(ManyOps)].OperationID)}
		if rng.IntN(3) > 0 {
			r.Scope = a.Scopes[rng.IntN(ManyScopes)].Name
		}
		reqs[i] = r
	}
	return p, clients, reqs
}
