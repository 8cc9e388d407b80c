package xmlstore

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policies"
	"github.com/azgate/azgate/policy"
)

var update = flag.Bool("update", false, "regenerate the shipped policy files in policies/")

// guidSpace is the UUID namespace of the shipped files' fixed GUIDs.
var guidSpace = uuid.MustParse("6f1f3a52-4f0e-4c39-9a51-0a6b2f1d7e11")

// fixGUIDs replaces every GUID of p by one derived from the object's kind and
// place, and rewrites every link, so generated files are stable.
func fixGUIDs(p *policy.Policy) {
	m := map[string]string{}
	set := func(g *string, key string) {
		n := uuid.NewSHA1(guidSpace, []byte(key)).String()
		m[*g] = n
		*g = n
	}
	objs := func(prefix string, o *policy.Objects) {
		for _, t := range o.Tasks {
			set(&t.GUID, prefix+"task/"+t.Name)
		}
		for _, g := range o.Groups {
			set(&g.GUID, prefix+"group/"+g.Name)
		}
		for _, r := range o.Roles {
			set(&r.GUID, prefix+"role/"+r.Name)
		}
	}
	set(&p.GUID, "store")
	for _, g := range p.Groups {
		set(&g.GUID, "group/"+g.Name)
	}
	for _, a := range p.Applications {
		pre := "app/" + a.Name + "/"
		set(&a.GUID, pre)
		for _, o := range a.Operations {
			set(&o.GUID, pre+"op/"+o.Name)
		}
		objs(pre, &a.Objects)
		for _, s := range a.Scopes {
			set(&s.GUID, pre+"scope/"+s.Name)
			objs(pre+"scope/"+s.Name+"/", &s.Objects)
		}
	}
	remap := func(ls []string) {
		for i, l := range ls {
			ls[i] = m[l]
		}
	}
	relink := func(o *policy.Objects) {
		for _, t := range o.Tasks {
			remap(t.TaskLinks)
			remap(t.OperationLinks)
		}
		for _, g := range o.Groups {
			remap(g.AppMemberLinks)
			remap(g.AppNonMemberLinks)
		}
		for _, r := range o.Roles {
			remap(r.TaskLinks)
			remap(r.OperationLinks)
			remap(r.AppMemberLinks)
		}
	}
	relink(&policy.Objects{Groups: p.Groups})
	for _, a := range p.Applications {
		relink(&a.Objects)
		for _, s := range a.Scopes {
			relink(&s.Objects)
		}
	}
}

const (
	initialStoreGUID = "0b5e0c8e-6a7d-5b5c-9a0e-3a9f3d2c1b01"
	bookRolesGUID    = "0b5e0c8e-6a7d-5b5c-9a0e-3a9f3d2c1b02"
)

func initialStore(t testing.TB) *policy.Policy {
	t.Helper()
	p := policy.NewDefault()
	fixGUIDs(p)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

func opNames(ids ...operations.ID) []string {
	var out []string
	for _, id := range ids {
		out = append(out, operations.MustID(id).Name)
	}
	return out
}

func categoryNames(c operations.Category) []string {
	var out []string
	for _, o := range operations.All() {
		if o.Category == c {
			out = append(out, o.Name)
		}
	}
	return out
}

// The book's example roles (Hyper-V Resource Kit), by operation.
var (
	monitorOps = opNames(operations.ReadServiceConfiguration, operations.ViewVirtualSwitchMgmt,
		operations.AllowOutputFromVM, operations.ViewVMConfiguration,
		operations.ViewExternalEthernetPorts, operations.ViewInternalEthernetPorts, operations.ViewLANEndpoints,
		operations.ViewSwitchPorts, operations.ViewSwitches, operations.ViewVLANSettings)
	netManagerOps = append(opNames(operations.ReadServiceConfiguration, operations.ViewVirtualSwitchMgmt),
		categoryNames(operations.Network)...)
	hvManagerOps = opNames(operations.ReadServiceConfiguration, operations.ViewVirtualSwitchMgmt)
	vmManagerOps = opNames(operations.AllowInputToVM, operations.AllowOutputFromVM, operations.PauseAndRestartVM,
		operations.StartVM, operations.StopVM, operations.ViewVMConfiguration)
)

type bookRole struct {
	scope, name, member string
	ops                 []string
}

var bookRolesWant = []bookRole{
	{"", "Hyper-V Monitor", `CONTOSO\HV-Monitors`, monitorOps},
	{"", "Virtual Network Manager", `CONTOSO\HV-NetAdmins`, netManagerOps},
	{"", "Hyper-V Manager", `CONTOSO\HV-Managers`, hvManagerOps},
	{"Lab", "Virtual Machine Manager", `CONTOSO\Lab-VMOperators`, vmManagerOps},
}

func bookRolesPolicy(t testing.TB) *policy.Policy {
	t.Helper()
	descs := map[string]string{
		"Hyper-V Monitor":         "Watches hosts, networks and virtual machines without changing them.",
		"Virtual Network Manager": "Manages virtual switches, ports and VLANs.",
		"Hyper-V Manager":         "Reads the configuration of the Hyper-V services.",
		"Virtual Machine Manager": "Operates the virtual machines of a scope.",
	}
	p, err := policy.NewDefault().Edit(func(p *policy.Policy) error {
		app := policy.DefaultApplication
		if err := p.CreateScope(app, &policy.Scope{Name: "Lab", Description: "Virtual machines of the test lab."}); err != nil {
			return err
		}
		for _, r := range bookRolesWant {
			l := policy.Location{App: app, Scope: r.scope}
			if err := p.CreateTask(l, &policy.Task{Name: r.name, Description: descs[r.name], RoleDefinition: true}); err != nil {
				return err
			}
			for _, op := range r.ops {
				if err := p.Link(l, policy.KindRoleDefinition, r.name, policy.RelOperation, op); err != nil {
					return err
				}
			}
			if err := p.CreateRole(l, &policy.Role{Name: r.name, Description: "Holders of the " + r.name + " role."}); err != nil {
				return err
			}
			if err := p.Link(l, policy.KindRole, r.name, policy.RelTask, r.name); err != nil {
				return err
			}
			if err := p.Link(l, policy.KindRole, r.name, policy.RelMember, r.member); err != nil {
				return err
			}
		}
		lab := policy.Location{App: app, Scope: "Lab"}
		if err := p.CreateGroup(lab, &policy.Group{Name: "Lab Operators", Type: policy.GroupBasic,
			Description: "Lab staff, except contractors."}); err != nil {
			return err
		}
		for _, e := range []struct {
			rel    policy.Relation
			target string
		}{{policy.RelMember, `CONTOSO\Lab-Staff`}, {policy.RelNonMember, `CONTOSO\Contractors`}} {
			if err := p.Link(lab, policy.KindGroup, "Lab Operators", e.rel, e.target); err != nil {
				return err
			}
		}
		return p.Link(lab, policy.KindRole, "Virtual Machine Manager", policy.RelGroup, "Lab Operators")
	})
	if err != nil {
		t.Fatal(err)
	}
	fixGUIDs(p)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestShippedFiles(t *testing.T) {
	files := []struct {
		path    string
		guid    string
		want    func(testing.TB) *policy.Policy
		shipped []byte
	}{
		{"InitialStore.xml", initialStoreGUID, initialStore, policies.InitialStore()},
		{"examples/book-roles.xml", bookRolesGUID, bookRolesPolicy, policies.BookRoles()},
	}
	for _, f := range files {
		t.Run(f.path, func(t *testing.T) {
			want, err := (&Document{Policy: f.want(t), GUID: f.guid}).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				path := filepath.Join("..", "..", "policies", filepath.FromSlash(f.path))
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s", path)
				return
			}
			if !bytes.Equal(f.shipped, want) {
				t.Fatalf("policies/%s is out of date; run go test ./policy/xmlstore -run TestShippedFiles -update", f.path)
			}
			doc, err := Decode(bytes.NewReader(f.shipped), f.path)
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Warnings) != 0 {
				t.Errorf("warnings: %v", doc.Warnings)
			}
			if doc.GUID != f.guid || doc.Revision != 1 {
				t.Errorf("GUID %q revision %d", doc.GUID, doc.Revision)
			}
			checkDefault(t, doc.Policy)
		})
	}
}

// checkDefault asserts what both shipped files hold: the Hyper-V default.
func checkDefault(t *testing.T, p *policy.Policy) {
	t.Helper()
	app, err := p.Application(policy.DefaultApplication)
	if err != nil || len(p.Applications) != 1 {
		t.Fatalf("applications: %v, %v", p.Applications, err)
	}
	if len(app.Operations) != operations.Count {
		t.Fatalf("%d operations, want %d", len(app.Operations), operations.Count)
	}
	for _, c := range operations.All() {
		o, err := app.Operation(c.Name)
		if err != nil || o.Name != c.Name || o.OperationID != int(c.ID) {
			t.Errorf("operation %q: %+v, %v", c.Name, o, err)
		}
	}
	admin, err := app.Task("Administrator")
	if err != nil || !admin.RoleDefinition || len(admin.OperationLinks) != operations.Count {
		t.Fatalf("Administrator role definition: %+v, %v", admin, err)
	}
	r, err := app.Role("Administrator")
	if err != nil || !slices.Equal(r.Members, []string{policy.AdministratorsSID}) || !slices.Equal(r.TaskLinks, []string{admin.GUID}) {
		t.Fatalf("Administrator assignment: %+v, %v", r, err)
	}
}

func TestShippedFiles_BookRoles(t *testing.T) {
	if *update {
		t.Skip("regenerating")
	}
	p, _, _, err := Parse(bytes.NewReader(policies.BookRoles()), "book-roles.xml")
	if err != nil {
		t.Fatal(err)
	}
	app, _ := p.Application(policy.DefaultApplication)
	opName := map[string]string{}
	for _, o := range app.Operations {
		opName[o.GUID] = o.Name
	}
	for _, w := range bookRolesWant {
		c, err := app.Container(w.scope)
		if err != nil {
			t.Fatal(err)
		}
		def, err := c.Task(w.name)
		if err != nil || !def.RoleDefinition {
			t.Fatalf("%s: role definition %+v, %v", w.name, def, err)
		}
		var got []string
		for _, l := range def.OperationLinks {
			got = append(got, opName[l])
		}
		if !equalSets(got, w.ops) {
			t.Errorf("%s: operations %q, want %q", w.name, got, w.ops)
		}
		r, err := c.Role(w.name)
		if err != nil || !slices.Equal(r.Members, []string{w.member}) || !slices.Equal(r.TaskLinks, []string{def.GUID}) {
			t.Errorf("%s: assignment %+v, %v", w.name, r, err)
		}
	}
	if n := len(netManagerOps); n != 22 {
		t.Errorf("Virtual Network Manager has %d operations, want 22", n)
	}
	lab, _ := app.Scope("Lab")
	g, err := lab.Group("Lab Operators")
	if err != nil || g.Type != policy.GroupBasic || !slices.Equal(g.Members, []string{`CONTOSO\Lab-Staff`}) ||
		!slices.Equal(g.NonMembers, []string{`CONTOSO\Contractors`}) {
		t.Fatalf("Lab Operators: %+v, %v", g, err)
	}
	r, _ := lab.Role("Virtual Machine Manager")
	if !slices.Equal(r.AppMemberLinks, []string{g.GUID}) {
		t.Errorf("Virtual Machine Manager in Lab: group links %v, want %v", r.AppMemberLinks, g.GUID)
	}
	if len(app.Tasks) != 4 || len(app.Roles) != 4 || len(lab.Tasks) != 1 || len(lab.Roles) != 1 {
		t.Errorf("app: %d tasks %d roles; Lab: %d tasks %d roles", len(app.Tasks), len(app.Roles), len(lab.Tasks), len(lab.Roles))
	}
}

func equalSets(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
