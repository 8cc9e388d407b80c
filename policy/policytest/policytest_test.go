package policytest

import (
	"strings"
	"testing"

	"github.com/azgate/azgate/policy"
)

func TestRich_Valid(t *testing.T) {
	if err := Rich().Validate(); err != nil {
		t.Fatalf("Rich is invalid: %v", err)
	}
}

func TestDiff(t *testing.T) {
	a := Rich()
	if d := Diff(a, a.Clone()); d != "" {
		t.Fatalf("a clone differs: %s", d)
	}
	b := a.Clone()
	b.Applications[0].Roles[0].Members[1] = "S-1-5-21-9"
	d := Diff(a, b)
	if !strings.Contains(d, `Roles[0]("Operators").Members[1]`) {
		t.Fatalf("Diff = %q, want it to name the member", d)
	}
	c := a.Clone()
	c.Groups = nil
	if Diff(a, c) == "" {
		t.Fatal("Diff missed removed groups")
	}
	e := &policy.Policy{MajorVersion: 2, Groups: []*policy.Group{}}
	if d := Diff(e, &policy.Policy{MajorVersion: 2}); d != "" {
		t.Fatalf("empty and nil lists differ: %s", d)
	}
}
