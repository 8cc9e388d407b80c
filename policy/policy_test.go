package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestNewDefault_Valid(t *testing.T) {
	p := NewDefault()
	if err := p.Validate(); err != nil {
		t.Fatalf("default policy invalid: %v", err)
	}
	a, err := p.Application(DefaultApplication)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Operations) != 34 || len(a.Tasks) != 1 || len(a.Roles) != 1 {
		t.Fatalf("default app has %d ops, %d tasks, %d roles", len(a.Operations), len(a.Tasks), len(a.Roles))
	}
	if got := a.Roles[0].Members; len(got) != 1 || got[0] != AdministratorsSID {
		t.Fatalf("administrator members = %v", got)
	}
	if len(a.Tasks[0].OperationLinks) != 34 || !a.Tasks[0].RoleDefinition {
		t.Fatalf("Administrator role definition = %+v", a.Tasks[0])
	}
}

func TestPolicy_Edits(t *testing.T) {
	app := Location{App: DefaultApplication}
	lab := Location{App: DefaultApplication, Scope: "Lab"}
	tests := []struct {
		name    string
		edit    func(*Policy) error
		wantErr error
		check   func(*testing.T, *Policy)
	}{
		{"create task with op", func(p *Policy) error {
			if err := p.CreateTask(app, &Task{Name: "Watch"}); err != nil {
				return err
			}
			return p.Link(app, KindTask, "Watch", RelOperation, "View Switches")
		}, nil, func(t *testing.T, p *Policy) {
			a, _ := p.Application(DefaultApplication)
			w, err := a.Task("Watch")
			if err != nil || len(w.OperationLinks) != 1 {
				t.Fatalf("task = %+v, %v", w, err)
			}
		}},
		{"duplicate task", func(p *Policy) error { return p.CreateTask(app, &Task{Name: "administrator"}) }, ErrDuplicate, nil},
		{"unknown operation", func(p *Policy) error { return p.Link(app, KindTask, "Administrator", RelOperation, "Fly") }, ErrNotFound, nil},
		{"duplicate link", func(p *Policy) error {
			return p.Link(app, KindTask, "Administrator", RelOperation, "Start Virtual Machine")
		}, ErrDuplicate, nil},
		{"task cycle", func(p *Policy) error {
			for _, n := range []string{"A", "B"} {
				if err := p.CreateTask(app, &Task{Name: n}); err != nil {
					return err
				}
			}
			if err := p.Link(app, KindTask, "A", RelTask, "B"); err != nil {
				return err
			}
			return p.Link(app, KindTask, "B", RelTask, "A")
		}, ErrCycle, nil},
		{"group cycle", func(p *Policy) error {
			for _, n := range []string{"G1", "G2"} {
				if err := p.CreateGroup(app, &Group{Name: n}); err != nil {
					return err
				}
			}
			if err := p.Link(app, KindGroup, "G1", RelGroup, "G2"); err != nil {
				return err
			}
			return p.Link(app, KindGroup, "G2", RelNonGroup, "G1")
		}, ErrCycle, nil},
		{"scope task uses app task; app cannot use scope task", func(p *Policy) error {
			if err := p.CreateScope(DefaultApplication, &Scope{Name: "Lab"}); err != nil {
				return err
			}
			if err := p.CreateTask(lab, &Task{Name: "VMM", RoleDefinition: true}); err != nil {
				return err
			}
			if err := p.Link(lab, KindTask, "VMM", RelTask, "Administrator"); err != nil {
				return err
			}
			return p.Link(app, KindTask, "Administrator", RelTask, "VMM")
		}, ErrNotFound, nil},
		{"delete removes links", func(p *Policy) error { return p.Delete(app, KindTask, "Administrator") }, nil,
			func(t *testing.T, p *Policy) {
				a, _ := p.Application(DefaultApplication)
				if len(a.Roles[0].TaskLinks) != 0 {
					t.Fatalf("role still links deleted task: %v", a.Roles[0].TaskLinks)
				}
			}},
		{"store-level group and member", func(p *Policy) error {
			if err := p.CreateGroup(Location{}, &Group{Name: "Ops"}); err != nil {
				return err
			}
			if err := p.Link(Location{}, KindGroup, "Ops", RelMember, `CONTOSO\ops`); err != nil {
				return err
			}
			return p.Link(app, KindRole, "Administrator", RelGroup, "Ops")
		}, nil, func(t *testing.T, p *Policy) {
			a, _ := p.Application(DefaultApplication)
			if len(a.Roles[0].AppMemberLinks) != 1 || a.Roles[0].AppMemberLinks[0] != p.Groups[0].GUID {
				t.Fatalf("role links %v, store group %s", a.Roles[0].AppMemberLinks, p.Groups[0].GUID)
			}
		}},
		{"task at store level", func(p *Policy) error { return p.CreateTask(Location{}, &Task{Name: "X"}) }, ErrInvalid, nil},
		{"unknown scope", func(p *Policy) error {
			return p.CreateRole(Location{App: DefaultApplication, Scope: "Nope"}, &Role{Name: "R"})
		}, ErrNotFound, nil},
		{"bad name", func(p *Policy) error { return p.CreateTask(app, &Task{Name: "bad\x00name"}) }, ErrInvalid, nil},
		{"scope name with outer space", func(p *Policy) error {
			return p.CreateScope(DefaultApplication, &Scope{Name: " Lab "})
		}, ErrInvalid, nil},
		{"bad bizrule language", func(p *Policy) error {
			return p.CreateTask(app, &Task{Name: "T", BizRule: BizRule{Script: "x", Language: "Perl"}})
		}, ErrInvalid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := NewDefault()
			before := orig.Clone()
			got, err := orig.Edit(tt.edit)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if got != nil {
					t.Fatal("failed edit returned a policy")
				}
			} else if err != nil {
				t.Fatalf("edit: %v", err)
			}
			if len(orig.Applications[0].Tasks) != len(before.Applications[0].Tasks) || len(orig.Groups) != 0 {
				t.Fatal("Edit changed the original policy")
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

func TestValidate_Messages(t *testing.T) {
	p := NewDefault()
	a := p.Applications[0]
	a.Roles[0].TaskLinks = append(a.Roles[0].TaskLinks, "0f0f0f0f-0000-0000-0000-000000000000")
	a.Operations[1].OperationID = a.Operations[0].OperationID
	a.Tasks = append(a.Tasks, &Task{GUID: a.Tasks[0].GUID, Name: "Copy"})
	err := p.Validate()
	if err == nil {
		t.Fatal("invalid policy validated")
	}
	for _, want := range []string{
		`role assignment "Administrator": TaskLink: 0f0f0f0f-0000-0000-0000-000000000000 names no task`,
		`OperationID: 1 is also used by "Read Service Configuration"`,
		`task "Copy": Guid`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error is not a *ValidationError: %T", err)
	}
}

// TestValidate_TextEveryStoreHolds: text an XML store cannot hold is
// invalid in any store, so every policy can be copied to an msxml:// backup.
func TestValidate_TextEveryStoreHolds(t *testing.T) {
	tests := []struct {
		name, field string
		edit        func(a *Application, s string)
	}{
		{"description", "Description", func(a *Application, s string) { a.Roles[0].Description = s }},
		{"member", "Member", func(a *Application, s string) { a.Roles[0].Members = append(a.Roles[0].Members, s) }},
		{"business rule", "BizRule", func(a *Application, s string) { a.Tasks[0].BizRule = BizRule{Language: LangExpr, Script: s} }},
	}
	for _, tt := range tests {
		for _, bad := range []string{"a\x01b", "a\x7fb\xff", "\uFFFE"} {
			t.Run(tt.name+"/"+bad, func(t *testing.T) {
				p := NewDefault()
				tt.edit(p.Applications[0], bad)
				err := p.Validate()
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.field+":") {
					t.Errorf("%q in %s: %v", bad, tt.field, err)
				}
			})
		}
		t.Run(tt.name+"/fine", func(t *testing.T) {
			p := NewDefault()
			tt.edit(p.Applications[0], "tab\tnew line\n\u00e9\uFFFD\U0001F600")
			if err := p.Validate(); err != nil {
				t.Errorf("valid text refused: %v", err)
			}
		})
	}
}
