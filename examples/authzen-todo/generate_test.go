package authzentodo

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/azgate/azgate/directory/localdir"
	"github.com/azgate/azgate/policies"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/xmlstore"
	"github.com/azgate/azgate/server"
)

var update = flag.Bool("update", false, "write TodoStore.xml and directory.json again")

// The scenario's application, its operations and users.
const (
	todoApp = "Todo"
	pep     = "pep" // the account the PEP (the Todo backend) signs in as
)

var todoOps = []string{"can_read_user", "can_read_todos", "can_create_todo", "can_update_todo", "can_delete_todo"}

// users are the scenario's users: the e-mail address is the name (the
// todos' ownerID), the identity provider's subject ID (the PID) an alias;
// the value is the users' directory groups, one per role.
var users = []struct {
	name, pid string
	groups    []string
}{
	{"rick@the-citadel.com", "CiRmZDA2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs", []string{"admins", "evil_geniuses"}},
	{"morty@the-citadel.com", "CiRmZDE2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs", []string{"editors"}},
	{"summer@the-smiths.com", "CiRmZDI2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs", []string{"editors"}},
	{"beth@the-smiths.com", "CiRmZDM2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs", []string{"viewers"}},
	{"jerry@the-smiths.com", "CiRmZDQ2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs", []string{"viewers"}},
}

// roles maps each role definition to the directory group its role
// assignment (of the same name) holds.
var roles = [][2]string{{"viewer", "viewers"}, {"editor", "editors"}, {"admin", "admins"}, {"evil_genius", "evil_geniuses"}}

// ownTodoRule lets a user change a todo it owns: the todo's ownerID is one
// of the identifiers the directory knows the subject by.
const ownTodoRule = `var owner = AccessCheck.GetParameter("resource").properties.ownerID;
var ids = AccessCheck.GetParameter("subject").ids;
var mine = false;
for (var i = 0; i < ids.length; i++) {
  if (typeof owner == "string" && ids[i].toLowerCase() == owner.toLowerCase()) { mine = true; }
}
AccessCheck.BusinessRuleResult = mine;`

// todoPolicy is the store: the default Hyper-V application and azgate's
// delegation application (the PEP account holds Checker and Policy
// Reader), and application Todo:
//
//   - viewer: can_read_user, can_read_todos
//   - editor: viewer, can_create_todo, and task "Change Own Todo"
//     (can_update_todo, can_delete_todo under ownTodoRule)
//   - admin: editor, can_delete_todo
//   - evil_genius: editor, can_update_todo
//
// each held at application level by the directory group of the role.
func todoPolicy() (*policy.Policy, error) {
	p, _, _, err := xmlstore.Parse(bytes.NewReader(policies.InitialStore()), "InitialStore.xml")
	if err != nil {
		return nil, err
	}
	return p.Edit(func(p *policy.Policy) error {
		p.Applications = append(p.Applications, server.NewDelegationApplication(),
			&policy.Application{GUID: policy.NewGUID(), Name: todoApp, Version: "1.0",
				Description: "The AuthZEN interop Todo application (openid/authzen, interop/authzen-todo-backend)."})
		app := policy.Location{App: todoApp}
		deleg := policy.Location{App: server.DelegationApp}
		var steps []error
		add := func(err error) { steps = append(steps, err) }
		add(p.Link(deleg, policy.KindRole, "Checker", policy.RelMember, pep))
		add(p.Link(deleg, policy.KindRole, "Policy Reader", policy.RelMember, pep))
		for i, op := range todoOps {
			add(p.CreateOperation(todoApp, &policy.Operation{Name: op, OperationID: i + 1}))
		}
		add(p.CreateTask(app, &policy.Task{Name: "Change Own Todo", Description: "Update and delete the todos the user owns.",
			BizRule: policy.BizRule{Language: policy.LangJScript, Script: ownTodoRule}}))
		add(p.Link(app, policy.KindTask, "Change Own Todo", policy.RelOperation, "can_update_todo"))
		add(p.Link(app, policy.KindTask, "Change Own Todo", policy.RelOperation, "can_delete_todo"))
		def := func(name, desc string, tasks, ops []string) {
			add(p.CreateTask(app, &policy.Task{Name: name, Description: desc, RoleDefinition: true}))
			for _, t := range tasks {
				add(p.Link(app, policy.KindRoleDefinition, name, policy.RelTask, t))
			}
			for _, o := range ops {
				add(p.Link(app, policy.KindRoleDefinition, name, policy.RelOperation, o))
			}
		}
		def("viewer", "View the shared todo list and the todos' owners.", nil, []string{"can_read_user", "can_read_todos"})
		def("editor", "viewer, create todos, update and delete one's own.", []string{"viewer", "Change Own Todo"}, []string{"can_create_todo"})
		def("admin", "editor, delete any todo.", []string{"editor"}, []string{"can_delete_todo"})
		def("evil_genius", "editor, update any todo.", []string{"editor"}, []string{"can_update_todo"})
		for _, r := range roles {
			add(p.CreateRole(app, &policy.Role{Name: r[0]}))
			add(p.Link(app, policy.KindRole, r[0], policy.RelTask, r[0]))
			add(p.Link(app, policy.KindRole, r[0], policy.RelMember, r[1]))
		}
		return errors.Join(steps...)
	})
}

// TestGenerate writes TodoStore.xml and directory.json with -update.
func TestGenerate(t *testing.T) {
	if !*update {
		t.Skip("run with -update to write TodoStore.xml and directory.json")
	}
	p, err := todoPolicy()
	if err != nil {
		t.Fatal(err)
	}
	b, err := xmlstore.Marshal(p, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("TodoStore.xml", b, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "directory.json")
	d, err := localdir.Open(ctx, path, localdir.WithBcryptCost(bcrypt.DefaultCost))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var steps []error
	add := func(err error) { steps = append(steps, err) }
	for _, r := range roles {
		add(d.AddGroup(ctx, r[1]))
	}
	// Nobody signs in with these passwords: they are random and
	// forgotten. The PEP signs in with the token serve.sh makes.
	for _, u := range append(users, struct {
		name, pid string
		groups    []string
	}{name: pep}) {
		add(d.AddUser(ctx, u.name, rand()))
		if u.pid != "" {
			add(d.AddAlias(ctx, u.name, u.pid))
		}
		for _, g := range u.groups {
			add(d.AddMember(ctx, g, u.name))
		}
	}
	if err := errors.Join(steps...); err != nil {
		t.Fatal(err)
	}
	b, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("directory.json", b, 0o600); err != nil {
		t.Fatal(err)
	}
}
