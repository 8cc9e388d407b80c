package ldapstore

import (
	"errors"
	"testing"

	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policytest"
)

// TestRoundTrip_HardStrings stores names and members DNs make hard: outer
// and doubled spaces, escapes, a leading '#', non-ASCII, newlines in
// descriptions and rules.
func TestRoundTrip_HardStrings(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	p := policy.NewDefault()
	a := p.Applications[0]
	hard := []string{" lead", "trail ", "two  spaces", `back\slash`, "#hash", "=equals", `q"uote`, "日本語", "a;b,c+d<e>f"}
	for i, n := range hard {
		tk := &policy.Task{GUID: policy.NewGUID(), Name: n, Description: "line one\nline two\n", ApplicationData: " data "}
		if i%2 == 0 {
			tk.BizRule = policy.BizRule{Script: "\n\tx < 5 && y > \"z\"\n", Language: policy.LangExpr}
		}
		a.Tasks = append(a.Tasks, tk)
		a.Roles[0].Members = append(a.Roles[0].Members, n)
	}
	a.Roles[0].Members = append(a.Roles[0].Members, "tab\there", "new\nline")
	a.Scopes = append(a.Scopes, &policy.Scope{GUID: policy.NewGUID(), Name: " scope with outer spaces "})
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, testConfig(srv, newStoreDN(srv)))
	if _, err := s.Save(ctx, p, 0); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := policytest.Diff(p, got); d != "" {
		t.Fatalf("hard strings did not round-trip: %s", d)
	}
}

// TestSave_IndistinguishableNames: names the directory cannot tell apart
// are refused before anything is written.
func TestSave_IndistinguishableNames(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	for _, tc := range []struct {
		name string
		edit func(*policy.Policy)
	}{
		{"tasks differing in spacing", func(p *policy.Policy) {
			a := p.Applications[0]
			a.Tasks = append(a.Tasks, &policy.Task{GUID: policy.NewGUID(), Name: "a b"}, &policy.Task{GUID: policy.NewGUID(), Name: "a  b"})
		}},
		{"members differing in case", func(p *policy.Policy) {
			r := p.Applications[0].Roles[0]
			r.Members = append(r.Members, `CONTOSO\alice`, `contoso\ALICE`)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := policy.NewDefault()
			tc.edit(p)
			if err := p.Validate(); err != nil {
				t.Fatalf("the model accepts it: %v", err)
			}
			s := openStore(t, testConfig(srv, newStoreDN(srv)))
			if _, err := s.Save(ctx, p, 0); !errors.Is(err, policy.ErrDuplicate) {
				t.Fatalf("Save = %v, want ErrDuplicate", err)
			}
			if _, _, err := s.Load(ctx); !errors.Is(err, policy.ErrNotFound) {
				t.Fatalf("Load after the refused save = %v, want ErrNotFound", err)
			}
		})
	}
}
