package policy

import (
	"errors"
	"strings"
	"testing"
)

// lookAlikes are pairs of spellings: same when names.Equal calls them one
// name (simple Unicode case folding), distinct otherwise (NFC and NFD).
var lookAlikes = []struct {
	a, b string
	same bool
}{
	{"sam", "ſam", true},
	{"Lab-Staff", "Lab-ſtaff", true},
	{"kelvin", "\u212aelvin", true},
	{"café", "cafe\u0301", false},
}

// TestPolicy_LookAlikeNames: for every kind of named object, a look-alike of
// an existing name is refused by the create edit and by Validate (naming
// both spellings), and lookups by the look-alike find the object; NFC and
// NFD spellings are two objects.
func TestPolicy_LookAlikeNames(t *testing.T) {
	app := Location{App: DefaultApplication}
	kinds := []struct {
		kind   string
		create func(p *Policy, name string) error
		find   func(p *Policy, name string) (string, error)
	}{
		{"application", func(p *Policy, n string) error {
			p.Applications = append(p.Applications, &Application{GUID: NewGUID(), Name: n})
			return nil
		}, func(p *Policy, n string) (string, error) { a, err := p.Application(n); return nameOf(a, err) }},
		{"scope", func(p *Policy, n string) error { return p.CreateScope(DefaultApplication, &Scope{Name: n}) },
			func(p *Policy, n string) (string, error) {
				a, _ := p.Application(DefaultApplication)
				s, err := a.Scope(n)
				return nameOf(s, err)
			}},
		{"operation", func(p *Policy, n string) error {
			return p.CreateOperation(DefaultApplication, &Operation{Name: n, OperationID: 9000 + len(p.Applications[0].Operations)})
		}, func(p *Policy, n string) (string, error) {
			a, _ := p.Application(DefaultApplication)
			o, err := a.Operation(n)
			return nameOf(o, err)
		}},
		{"task", func(p *Policy, n string) error { return p.CreateTask(app, &Task{Name: n}) },
			func(p *Policy, n string) (string, error) {
				a, _ := p.Application(DefaultApplication)
				x, err := a.Task(n)
				return nameOf(x, err)
			}},
		{"role definition", func(p *Policy, n string) error { return p.CreateTask(app, &Task{Name: n, RoleDefinition: true}) },
			func(p *Policy, n string) (string, error) {
				a, _ := p.Application(DefaultApplication)
				x, err := a.Task(n)
				return nameOf(x, err)
			}},
		{"role assignment", func(p *Policy, n string) error { return p.CreateRole(app, &Role{Name: n}) },
			func(p *Policy, n string) (string, error) {
				a, _ := p.Application(DefaultApplication)
				x, err := a.Role(n)
				return nameOf(x, err)
			}},
		{"application group", func(p *Policy, n string) error { return p.CreateGroup(app, &Group{Name: n}) },
			func(p *Policy, n string) (string, error) {
				a, _ := p.Application(DefaultApplication)
				x, err := a.Group(n)
				return nameOf(x, err)
			}},
		{"store group", func(p *Policy, n string) error { return p.CreateGroup(Location{}, &Group{Name: n}) },
			func(p *Policy, n string) (string, error) { x, err := p.Group(n); return nameOf(x, err) }},
	}
	for _, k := range kinds {
		for _, la := range lookAlikes {
			t.Run(k.kind+"/"+la.a+"|"+la.b, func(t *testing.T) {
				p := NewDefault()
				if err := k.create(p, la.a); err != nil {
					t.Fatal(err)
				}
				got, err := k.find(p, la.b)
				if la.same != (err == nil) || la.same && got != la.a {
					t.Errorf("lookup %q = %q, %v; want found %v", la.b, got, err, la.same)
				}
				err = k.create(p, la.b)
				if la.same && k.kind != "application" && !errors.Is(err, ErrDuplicate) || !la.same && err != nil {
					t.Errorf("create %q beside %q: %v; want duplicate %v", la.b, la.a, err, la.same)
				}
				if !la.same || k.kind == "application" {
					// Both are in the policy now: Validate decides.
					err := p.Validate()
					if la.same && (!errors.Is(err, ErrDuplicate) || !strings.Contains(err.Error(), la.a) || !strings.Contains(err.Error(), la.b)) {
						t.Errorf("Validate = %v; want ErrDuplicate naming %q and %q", err, la.a, la.b)
					}
					if !la.same && err != nil {
						t.Errorf("Validate = %v; want valid", err)
					}
				}
			})
		}
	}
}

// TestValidate_LookAlikeNames: a policy read from a store that holds two
// objects whose names are one name is invalid, naming both.
func TestValidate_LookAlikeNames(t *testing.T) {
	for _, la := range lookAlikes {
		p := NewDefault()
		a := p.Applications[0]
		a.Scopes = append(a.Scopes, &Scope{GUID: NewGUID(), Name: la.a}, &Scope{GUID: NewGUID(), Name: la.b})
		a.Tasks = append(a.Tasks, &Task{GUID: NewGUID(), Name: la.a}, &Task{GUID: NewGUID(), Name: la.b})
		a.Scopes[0].Tasks = append(a.Scopes[0].Tasks, &Task{GUID: NewGUID(), Name: "x" + la.b})
		a.Tasks = append(a.Tasks, &Task{GUID: NewGUID(), Name: "X" + la.a})
		err := p.Validate()
		if !la.same {
			if err != nil {
				t.Errorf("%q and %q: Validate = %v; want valid", la.a, la.b, err)
			}
			continue
		}
		for _, want := range []string{`scope: name "` + la.b, `task: name "` + la.b, `also as "` + la.a, "an application-level task has that name"} {
			if !errors.Is(err, ErrDuplicate) || !strings.Contains(err.Error(), want) {
				t.Errorf("%q and %q: Validate = %v; want ErrDuplicate with %q", la.a, la.b, err, want)
			}
		}
	}
}

func nameOf[T interface {
	*Application | *Scope | *Operation | *Task | *Role | *Group
}](x T, err error) (string, error) {
	if err != nil {
		return "", err
	}
	switch v := any(x).(type) {
	case *Application:
		return v.Name, nil
	case *Scope:
		return v.Name, nil
	case *Operation:
		return v.Name, nil
	case *Task:
		return v.Name, nil
	case *Role:
		return v.Name, nil
	default:
		return v.(*Group).Name, nil
	}
}
