package policytest

import (
	"strings"
	"testing"
	"time"

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

func TestEqual(t *testing.T) {
	a := Rich()
	a.GUID = "c5217693-1a84-48ee-a9ae-65f0e10bd314"
	a.Groups = nil
	tests := []struct {
		name string
		edit func(b *policy.Policy)
		want bool
	}{
		{"clone", func(*policy.Policy) {}, true},
		{"empty list for a nil one", func(b *policy.Policy) { b.Groups = []*policy.Group{} }, true},
		{"other member", func(b *policy.Policy) { b.Applications[0].Roles[0].Members[1] = "S-1-5-21-9" }, false},
		{"store GUID missing on one side", func(b *policy.Policy) { b.GUID = "" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := a.Clone()
			tt.edit(b)
			if got := Equal(a, b); got != tt.want {
				t.Fatalf("Equal = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWaitClosed(t *testing.T) {
	ch := make(chan struct{}, 2)
	ch <- struct{}{}
	ch <- struct{}{}
	Drain(ch)
	if len(ch) != 0 {
		t.Fatalf("Drain left %d events", len(ch))
	}
	ch <- struct{}{}
	close(ch)
	WaitClosed(t, ch, time.Second) // a queued event, then closed: passes
}
