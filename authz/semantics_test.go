package authz

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

func TestDefaultPolicy(t *testing.T) {
	p := edit(t, policy.NewDefault(), func(p *policy.Policy) error {
		return p.CreateScope(app, &policy.Scope{Name: "Lab"})
	})
	c := mustCompile(t, p, Options{})
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("warnings on the default store: %v", w)
	}
	admin := directory.ClientContext{Name: "root", IDs: []string{`HOST\root`}, Groups: []string{"s-1-5-32-544"}}
	others := []directory.ClientContext{
		{Name: "alice", IDs: []string{`HOST\alice`, "S-1-5-21-1-1001"}, Groups: []string{"S-1-5-32-545", "S-1-1-0"}},
		{Name: "named admins", IDs: []string{"x"}, Groups: []string{`BUILTIN\Administrators`}}, // the store names the SID only
		{Name: "empty"},
	}
	var ops []operations.ID
	for _, o := range operations.All() {
		ops = append(ops, o.ID)
	}
	for _, scope := range []string{"", "Lab", "LAB"} {
		rs, err := c.AccessCheck(context.Background(), admin, scope, ops, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if !r.Allowed || r.Grant.Assignment != "Administrator" || r.Grant.Principal != policy.AdministratorsSID {
				t.Errorf("scope %q: administrators denied %q: %+v", scope, r.Operation.Name, r)
			}
		}
		for _, o := range others {
			rs, err := c.AccessCheck(context.Background(), o, scope, ops, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if r.Allowed || r.Err != nil {
					t.Errorf("scope %q: %s: %q allowed=%v err=%v", scope, o.Name, r.Operation.Name, r.Allowed, r.Err)
				}
			}
		}
	}
}

// groupPolicy: role assignment "Ops" (application level, role definition
// "Operate" = Start VM) links application group "Team". Tests add members.
func groupPolicy(t *testing.T, fn func(p *policy.Policy) error) *Checker {
	t.Helper()
	p := edit(t, policy.NewDefault(), func(p *policy.Policy) error {
		return run(
			func() error { return p.CreateScope(app, &policy.Scope{Name: "Lab"}) },
			func() error { return p.CreateTask(appLoc, &policy.Task{Name: "Operate", RoleDefinition: true}) },
			func() error {
				return p.Link(appLoc, policy.KindRoleDefinition, "Operate", policy.RelOperation, operations.MustID(operations.StartVM).Name)
			},
			func() error { return p.CreateGroup(appLoc, &policy.Group{Name: "Team"}) },
			func() error { return p.CreateRole(appLoc, &policy.Role{Name: "Ops"}) },
			func() error { return p.Link(appLoc, policy.KindRole, "Ops", policy.RelTask, "Operate") },
			func() error { return p.Link(appLoc, policy.KindRole, "Ops", policy.RelGroup, "Team") },
			func() error { return fn(p) },
		)
	})
	return mustCompile(t, p, Options{})
}

func TestApplicationGroups(t *testing.T) {
	link := func(loc policy.Location, group string, rel policy.Relation, target string) func(p *policy.Policy) error {
		return func(p *policy.Policy) error { return p.Link(loc, policy.KindGroup, group, rel, target) }
	}
	group := func(loc policy.Location, name string) func(p *policy.Policy) error {
		return func(p *policy.Policy) error { return p.CreateGroup(loc, &policy.Group{Name: name}) }
	}
	all := func(fns ...func(p *policy.Policy) error) func(p *policy.Policy) error {
		return func(p *policy.Policy) error {
			for _, f := range fns {
				if err := f(p); err != nil {
					return err
				}
			}
			return nil
		}
	}
	store := policy.Location{}
	ann := directory.ClientContext{Name: "ann", IDs: []string{`CORP\ann`, "S-1-5-21-5-500"}, Groups: []string{`CORP\Staff`, "S-1-5-21-5-900"}}
	tests := []struct {
		name  string
		edit  func(p *policy.Policy) error
		allow bool
	}{
		{"member by name, other case", link(appLoc, "Team", policy.RelMember, `corp\ANN`), true},
		{"member by SID", link(appLoc, "Team", policy.RelMember, "S-1-5-21-5-500"), true},
		{"member through a directory group", link(appLoc, "Team", policy.RelMember, `CORP\staff`), true},
		{"no member", link(appLoc, "Team", policy.RelMember, `CORP\bob`), false},
		{"non-member beats member", all(link(appLoc, "Team", policy.RelMember, `CORP\Staff`),
			link(appLoc, "Team", policy.RelNonMember, "S-1-5-21-5-500")), false},
		{"non-member by a directory group", all(link(appLoc, "Team", policy.RelMember, `CORP\ann`),
			link(appLoc, "Team", policy.RelNonMember, "s-1-5-21-5-900")), false},
		{"nested store-level group", all(group(store, "Everyone Here"), link(store, "Everyone Here", policy.RelMember, `CORP\Staff`),
			link(appLoc, "Team", policy.RelGroup, "Everyone Here")), true},
		{"two levels of nesting", all(group(store, "Inner"), link(store, "Inner", policy.RelMember, `CORP\ann`),
			group(appLoc, "Middle"), link(appLoc, "Middle", policy.RelGroup, "Inner"),
			link(appLoc, "Team", policy.RelGroup, "Middle")), true},
		{"non-member group beats nested membership", all(group(store, "Inner"), link(store, "Inner", policy.RelMember, `CORP\ann`),
			group(appLoc, "Banned"), link(appLoc, "Banned", policy.RelMember, "S-1-5-21-5-900"),
			link(appLoc, "Team", policy.RelGroup, "Inner"), link(appLoc, "Team", policy.RelNonGroup, "Banned")), false},
		{"non-member of the nested group only", all(group(store, "Inner"), link(store, "Inner", policy.RelMember, `CORP\Staff`),
			link(store, "Inner", policy.RelNonMember, `CORP\ann`), link(appLoc, "Team", policy.RelGroup, "Inner")), false},
		{"excluded from the nested group, member of the outer", all(group(store, "Inner"), link(store, "Inner", policy.RelMember, `CORP\Staff`),
			link(store, "Inner", policy.RelNonMember, `CORP\ann`), link(appLoc, "Team", policy.RelGroup, "Inner"),
			link(appLoc, "Team", policy.RelMember, "S-1-5-21-5-500")), true},
		{"non-member group that excludes nobody here", all(link(appLoc, "Team", policy.RelMember, `CORP\ann`),
			group(appLoc, "Banned"), link(appLoc, "Banned", policy.RelMember, `CORP\bob`), link(appLoc, "Team", policy.RelNonGroup, "Banned")), true},
		{"double negation: excluded from the non-member group", all(link(appLoc, "Team", policy.RelMember, `CORP\ann`),
			group(appLoc, "Banned"), link(appLoc, "Banned", policy.RelMember, `CORP\Staff`), link(appLoc, "Banned", policy.RelNonMember, `CORP\ann`),
			link(appLoc, "Team", policy.RelNonGroup, "Banned")), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := groupPolicy(t, tc.edit)
			for _, scope := range []string{"", "Lab"} {
				r, err := check1(t, c, ann, scope, operations.StartVM, nil)
				if err != nil || r.Allowed != tc.allow || r.Err != nil {
					t.Fatalf("scope %q: Allowed=%v Err=%v err=%v, want %v", scope, r.Allowed, r.Err, err, tc.allow)
				}
				if tc.allow && (r.Grant.Principal != "Team" || r.Grant.Assignment != "Ops") {
					t.Errorf("grant %+v", r.Grant)
				}
			}
		})
	}
}

// A scope's own definitions, groups and assignments are invisible elsewhere.
func TestScopeLevelObjects(t *testing.T) {
	p := bookPolicy(t)
	// The policy edits refuse to link Lab's definition from Prod.
	if _, err := p.Edit(func(p *policy.Policy) error {
		if err := p.CreateRole(policy.Location{App: app, Scope: "Prod"}, &policy.Role{Name: "Stolen"}); err != nil {
			return err
		}
		return p.Link(policy.Location{App: app, Scope: "Prod"}, policy.KindRole, "Stolen", policy.RelTask, "Virtual Machine Manager")
	}); !errors.Is(err, policy.ErrNotFound) {
		t.Fatalf("linking a Lab definition from Prod: %v, want ErrNotFound", err)
	}
	// A hand-made store that does it anyway: Compile warns and the link grants nothing.
	q := p.Clone()
	a := q.Applications[0]
	lab, _ := a.Scope("Lab")
	prod, _ := a.Scope("Prod")
	vmm, _ := lab.Task("Virtual Machine Manager")
	contractors, _ := lab.Group("Contractors")
	prod.Roles = append(prod.Roles, &policy.Role{GUID: policy.NewGUID(), Name: "Stolen",
		TaskLinks: []string{vmm.GUID}, Members: []string{`CONTOSO\mallory`}, AppMemberLinks: []string{contractors.GUID}})
	c := mustCompile(t, q, Options{})
	if w := strings.Join(c.Warnings(), "\n"); !strings.Contains(w, "Stolen") || !strings.Contains(w, "no task in reach") || !strings.Contains(w, "no group in reach") {
		t.Errorf("warnings do not report the out-of-reach links: %s", w)
	}
	mallory := user(`CONTOSO\mallory`, `CONTOSO\contractors`)
	for _, scope := range []string{"Prod", ""} {
		if r, _ := check1(t, c, mallory, scope, operations.StartVM, nil); r.Allowed {
			t.Errorf("scope %q: a scope-level definition granted outside its scope: %+v", scope, r.Grant)
		}
	}
	// Contractors (a Lab group) do get VMM in Lab.
	if r, _ := check1(t, c, mallory, "Lab", operations.StartVM, nil); !r.Allowed || r.Grant.Principal != "Contractors" {
		t.Errorf("Lab: %+v", r)
	}
}

// bizPolicy: "Day Ops" (application level) links role definition "Day" with
// rule, which links task "Power" (Start VM) with its own rule; plus a
// role definition "Night" whose rule is VBScript, holding Stop VM.
func bizPolicy(t *testing.T, dayRule, powerRule policy.BizRule, opts Options) *Checker {
	t.Helper()
	p := edit(t, policy.NewDefault(), func(p *policy.Policy) error {
		return run(
			func() error {
				return p.CreateTask(appLoc, &policy.Task{Name: "Power", BizRule: powerRule})
			},
			func() error {
				return p.Link(appLoc, policy.KindTask, "Power", policy.RelOperation, operations.MustID(operations.StartVM).Name)
			},
			func() error {
				return p.CreateTask(appLoc, &policy.Task{Name: "Day", RoleDefinition: true, BizRule: dayRule})
			},
			func() error { return p.Link(appLoc, policy.KindRoleDefinition, "Day", policy.RelTask, "Power") },
			func() error {
				return p.CreateTask(appLoc, &policy.Task{Name: "Night", RoleDefinition: true,
					BizRule: policy.BizRule{Language: policy.LangVBScript, Script: `AzBizRuleContext.BusinessRuleResult = True`}})
			},
			func() error {
				return p.Link(appLoc, policy.KindRoleDefinition, "Night", policy.RelOperation, operations.MustID(operations.StopVM).Name)
			},
			func() error {
				return p.CreateRole(appLoc, &policy.Role{Name: "Day Ops", Members: []string{`CORP\ops`}})
			},
			func() error { return p.Link(appLoc, policy.KindRole, "Day Ops", policy.RelTask, "Day") },
			func() error { return p.Link(appLoc, policy.KindRole, "Day Ops", policy.RelTask, "Night") },
		)
	})
	c, err := Compile(p, app, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBusinessRules(t *testing.T) {
	ops := user(`CORP\ops`)
	hours := policy.BizRule{Script: "hour >= 9 && hour < 17"}
	none := policy.BizRule{}
	tests := []struct {
		name      string
		day       policy.BizRule
		power     policy.BizRule
		params    Params
		allow     bool
		errIs     error
		errSubstr string
	}{
		{"rule true", hours, none, Params{"hour": 10}, true, nil, ""},
		{"rule false", hours, none, Params{"hour": 20}, false, nil, ""},
		{"missing parameter", hours, none, Params{"minute": 3}, false, ErrBizRule, `missing parameter "hour"`},
		{"nil params", hours, none, nil, false, ErrBizRule, "missing parameter"},
		{"runtime error", policy.BizRule{Script: "hour > 3"}, none, Params{"hour": "late"}, false, ErrBizRule, "Day"},
		{"non-bool result", policy.BizRule{Language: "Expr", Script: "hour"}, none, Params{"hour": 5}, false, ErrBizRule, `"Day"`},
		{"rules along the path all hold", hours, policy.BizRule{Script: `vm startsWith "lab-"`}, Params{"hour": 10, "vm": "lab-7"}, true, nil, ""},
		{"inner rule false", hours, policy.BizRule{Script: `vm startsWith "lab-"`}, Params{"hour": 10, "vm": "prod-1"}, false, nil, ""},
		{"inner rule fails", none, policy.BizRule{Script: `vm startsWith "lab-"`}, Params{}, false, ErrBizRule, `"vm"`},
		{"let-bound names are not parameters", policy.BizRule{Script: "let h = hour; h < 12"}, none, Params{"hour": 10}, true, nil, ""},
		{"does not compile", policy.BizRule{Script: "hour >>> 3"}, none, Params{"hour": 10}, false, ErrBizRule, "does not compile"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := bizPolicy(t, tc.day, tc.power, Options{})
			r, err := check1(t, c, ops, "", operations.StartVM, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			if r.Allowed != tc.allow {
				t.Fatalf("Allowed = %v, want %v (err %v)", r.Allowed, tc.allow, r.Err)
			}
			if tc.allow && (r.Grant.RoleDefinition != "Day" || r.Grant.Assignment != "Day Ops") {
				t.Errorf("grant %+v", r.Grant)
			}
			if tc.errIs == nil && r.Err != nil {
				t.Errorf("unexpected Err %v", r.Err)
			}
			if tc.errIs != nil && (!errors.Is(r.Err, tc.errIs) || !strings.Contains(r.Err.Error(), tc.errSubstr)) {
				t.Errorf("Err = %v, want %v containing %q", r.Err, tc.errIs, tc.errSubstr)
			}
		})
	}
	t.Run("VBScript denies and warns", func(t *testing.T) {
		c := bizPolicy(t, none, none, Options{})
		r, _ := check1(t, c, ops, "", operations.StopVM, nil)
		if r.Allowed || !errors.Is(r.Err, ErrBizRule) || !strings.Contains(r.Err.Error(), "VBScript") {
			t.Errorf("result %+v", r)
		}
		if w := strings.Join(c.Warnings(), "\n"); !strings.Contains(w, `role definition "Night"`) || !strings.Contains(w, "VBScript") {
			t.Errorf("warnings: %s", w)
		}
		// A path without rules still grants next to the broken one.
		if r, _ := check1(t, c, ops, "", operations.StartVM, nil); !r.Allowed {
			t.Errorf("rule-free path denied: %+v", r)
		}
	})
}

// dnMatcher is safe for concurrent use, as a QueryMatcher must be (a what-if
// decides on several goroutines).
type dnMatcher struct{ calls atomic.Int64 }

// MatchQuery: the filter is a DN suffix; "(fail=1)" fails.
func (m *dnMatcher) MatchQuery(_ context.Context, client directory.ClientContext, filter string) (bool, error) {
	m.calls.Add(1)
	if filter == "(fail=1)" {
		return false, errors.New("directory unreachable")
	}
	return strings.HasSuffix(strings.ToLower(client.DN), filter), nil
}

func TestDynamicGroups(t *testing.T) {
	build := func(t *testing.T, opts Options, groups ...*policy.Group) *Checker {
		t.Helper()
		p := edit(t, policy.NewDefault(), func(p *policy.Policy) error {
			for _, g := range groups {
				if err := p.CreateGroup(appLoc, g); err != nil {
					return err
				}
			}
			if len(groups) == 2 { // Team nests the second group: Lab Users as a member, Flaky as a non-member
				rel := policy.RelGroup
				if groups[1].Name == "Flaky" {
					rel = policy.RelNonGroup
				}
				if err := p.Link(appLoc, policy.KindGroup, "Team", rel, groups[1].Name); err != nil {
					return err
				}
			}
			return run(
				func() error { return p.CreateTask(appLoc, &policy.Task{Name: "Operate", RoleDefinition: true}) },
				func() error {
					return p.Link(appLoc, policy.KindRoleDefinition, "Operate", policy.RelOperation, operations.MustID(operations.StartVM).Name)
				},
				func() error { return p.CreateRole(appLoc, &policy.Role{Name: "Ops"}) },
				func() error { return p.Link(appLoc, policy.KindRole, "Ops", policy.RelTask, "Operate") },
				func() error { return p.Link(appLoc, policy.KindRole, "Ops", policy.RelGroup, groups[0].Name) },
			)
		})
		return mustCompile(t, p, opts)
	}
	lab := directory.ClientContext{Name: "lab user", IDs: []string{`CORP\l`}, DN: "cn=l,ou=Lab,dc=corp"}
	prod := directory.ClientContext{Name: "prod user", IDs: []string{`CORP\p`}, DN: "cn=p,ou=prod,dc=corp"}
	nodn := directory.ClientContext{Name: "local user", IDs: []string{`CORP\n`}}
	query := &policy.Group{Name: "Lab Users", Type: policy.GroupLDAPQuery, LDAPQuery: "ou=lab,dc=corp"}
	failing := &policy.Group{Name: "Flaky", Type: policy.GroupLDAPQuery, LDAPQuery: "(fail=1)"}
	m := &dnMatcher{}
	tests := []struct {
		name   string
		c      *Checker
		client directory.ClientContext
		params Params
		allow  bool
		errIs  error
	}{
		{"query matches", build(t, Options{QueryMatcher: m}, query), lab, nil, true, nil},
		{"query does not match", build(t, Options{QueryMatcher: m}, query), prod, nil, false, nil},
		{"no directory entry", build(t, Options{QueryMatcher: m}, query), nodn, nil, false, nil},
		{"no matcher", build(t, Options{}, query), lab, nil, false, ErrQuery},
		{"matcher fails", build(t, Options{QueryMatcher: m}, failing), lab, nil, false, ErrQuery},
		{"business rule group true", build(t, Options{}, &policy.Group{Name: "Weekdays", Type: policy.GroupBizRule,
			BizRule: policy.BizRule{Script: `day != "Sun"`}}), prod, Params{"day": "Mon"}, true, nil},
		{"business rule group false", build(t, Options{}, &policy.Group{Name: "Weekdays", Type: policy.GroupBizRule,
			BizRule: policy.BizRule{Script: `day != "Sun"`}}), prod, Params{"day": "Sun"}, false, nil},
		{"business rule group fails", build(t, Options{}, &policy.Group{Name: "Weekdays", Type: policy.GroupBizRule,
			BizRule: policy.BizRule{Script: `day != "Sun"`}}), prod, nil, false, ErrBizRule},
		{"Basic group nesting a query group", build(t, Options{QueryMatcher: m},
			&policy.Group{Name: "Team", Members: []string{`CORP\x`}}, query), lab, nil, true, nil},
		{"Basic group excluding a failing query group denies", build(t, Options{QueryMatcher: m},
			&policy.Group{Name: "Team", Members: []string{`CORP\l`}}, failing), lab, nil, false, ErrQuery},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := check1(t, tc.c, tc.client, "", operations.StartVM, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			if r.Allowed != tc.allow || !errors.Is(r.Err, tc.errIs) || (tc.errIs == nil && r.Err != nil) {
				t.Fatalf("Allowed=%v Err=%v; want %v, %v", r.Allowed, r.Err, tc.allow, tc.errIs)
			}
		})
	}
}

func TestDepthLimit(t *testing.T) {
	// A valid chain of tasks deeper than MaxDepth, and (hand-made, invalid) a loop.
	p := policy.NewDefault()
	a := p.Applications[0]
	start, _ := a.Operation(operations.MustID(operations.StartVM).Name)
	stop, _ := a.Operation(operations.MustID(operations.StopVM).Name)
	var prev *policy.Task
	for i := range MaxDepth + 5 {
		tk := &policy.Task{GUID: policy.NewGUID(), Name: fmt.Sprintf("Level %d", i)}
		if prev == nil {
			tk.OperationLinks = []string{start.GUID}
		} else {
			tk.TaskLinks = []string{prev.GUID}
		}
		a.Tasks = append(a.Tasks, tk)
		prev = tk
	}
	loopA := &policy.Task{GUID: policy.NewGUID(), Name: "Loop A", OperationLinks: []string{stop.GUID}}
	loopB := &policy.Task{GUID: policy.NewGUID(), Name: "Loop B", TaskLinks: []string{loopA.GUID}}
	loopA.TaskLinks = []string{loopB.GUID}
	a.Tasks = append(a.Tasks, loopA, loopB)
	// Groups nested in a loop too.
	g1 := &policy.Group{GUID: policy.NewGUID(), Name: "G1", Type: policy.GroupBasic, Members: []string{`CORP\deep`}}
	g2 := &policy.Group{GUID: policy.NewGUID(), Name: "G2", Type: policy.GroupBasic, AppMemberLinks: []string{g1.GUID}}
	g1.AppMemberLinks = []string{g2.GUID}
	a.Groups = append(a.Groups, g1, g2)
	a.Roles = append(a.Roles,
		&policy.Role{GUID: policy.NewGUID(), Name: "Deep", TaskLinks: []string{prev.GUID, loopA.GUID}, Members: []string{`CORP\deep`}},
		&policy.Role{GUID: policy.NewGUID(), Name: "Looped group", OperationLinks: []string{start.GUID}, AppMemberLinks: []string{g2.GUID}})
	c := mustCompile(t, p, Options{})
	rs, err := c.AccessCheck(context.Background(), user(`CORP\deep`), "", []operations.ID{operations.StartVM, operations.StopVM}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Allowed || !errors.Is(r.Err, ErrDepthExceeded) {
			t.Errorf("%s: Allowed=%v Err=%v, want ErrDepthExceeded", r.Operation.Name, r.Allowed, r.Err)
		}
	}
	if w := strings.Join(c.Warnings(), "\n"); !strings.Contains(w, "Loop A") || !strings.Contains(w, `"G1"`) {
		t.Errorf("warnings: %s", w)
	}
}

// The store's operations are the application's; the engine's are matched
// to them by name.
func TestOperationsByName(t *testing.T) {
	p := policy.NewDefault()
	a := p.Applications[0]
	for _, o := range a.Operations {
		o.OperationID += 5000 // a foreign store's numbering
		o.Name = strings.ToUpper(o.Name)
	}
	a.Operations = append(a.Operations, &policy.Operation{GUID: policy.NewGUID(), Name: "Format Host", OperationID: 1})
	a.Tasks[0].OperationLinks = append(a.Tasks[0].OperationLinks, a.Operations[len(a.Operations)-1].GUID)
	c := mustCompile(t, p, Options{Engine: operations.HyperV()})
	rs, err := c.Engine().AccessCheck(context.Background(), user(policy.AdministratorsSID), "", []operations.ID{operations.AllowVMSnapshot}, nil)
	if err != nil || !rs[0].Allowed || rs[0].Operation.ID != 5355 || rs[0].Operation.Name != "ALLOW VIRTUAL MACHINE SNAPSHOT" {
		t.Errorf("renumbered operation through the engine: %+v, %v", rs, err)
	}
	for _, id := range []operations.ID{1, 5355} {
		if r, _ := check1(t, c, user(policy.AdministratorsSID), "", id, nil); !r.Allowed {
			t.Errorf("the store's ID %d: %+v", id, r)
		}
	}
	if r, _ := check1(t, c, user(policy.AdministratorsSID), "", operations.AllowVMSnapshot, nil); r.Allowed || !errors.Is(r.Err, ErrUnknownOperation) {
		t.Errorf("the catalog's ID read as the store's: %+v", r)
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("warnings: %q", w)
	}
	if _, err := Compile(p, "No Such App", Options{}); !errors.Is(err, ErrUnknownApplication) {
		t.Errorf("unknown application: %v", err)
	}
}
