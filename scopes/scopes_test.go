package scopes

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestConsulted(t *testing.T) {
	tests := []struct {
		scope string
		want  []string
	}{
		{"", []string{""}},
		{"   ", []string{""}},
		{"Lab", []string{"", "Lab"}},
		{" Lab ", []string{"", "Lab"}},
	}
	for _, tt := range tests {
		if got := Consulted(tt.scope); !slices.Equal(got, tt.want) {
			t.Errorf("Consulted(%q) = %q, want %q", tt.scope, got, tt.want)
		}
	}
}

// TestSame_LookAlikes: scope names compare by names.Equal, after Of.
func TestSame_LookAlikes(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"Lab-Staff", "Lab-ſtaff", true},
		{"ſcratch", " SCRATCH", true},
		{"kelvin", "\u212aelvin", true},
		{"café", "cafe\u0301", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+"|"+tt.b, func(t *testing.T) {
			if got := Same(tt.a, tt.b); got != tt.same {
				t.Errorf("Same(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.same)
			}
			got, err := NewSet(tt.a).Lookup(tt.b)
			if tt.same && (err != nil || got != tt.a) || !tt.same && !errors.Is(err, ErrUnknown) {
				t.Errorf("NewSet(%q).Lookup(%q) = %q, %v; want found %v", tt.a, tt.b, got, err, tt.same)
			}
			if n := len(NewSet(tt.a, tt.b).Names()); n != map[bool]int{true: 1, false: 2}[tt.same] {
				t.Errorf("NewSet(%q, %q) has %d scopes", tt.a, tt.b, n)
			}
		})
	}
}

func TestSameAndLabel(t *testing.T) {
	if !Same("lab", " Lab") || Same("Lab", "") || !Same("", "  ") {
		t.Error("Same compares wrongly")
	}
	if Label("") != "the default scope" || Label("Lab") != `scope "Lab"` {
		t.Errorf("labels: %q, %q", Label(""), Label("Lab"))
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"", true},
		{"Lab", true},
		{"Lab\x00", false},
		{"a\nb", false},
		{strings.Repeat("x", MaxLen), true},
		{strings.Repeat("x", MaxLen+1), false},
	}
	for _, tt := range tests {
		err := Check(tt.name)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("Check(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestSet_Lookup(t *testing.T) {
	s := NewSet("Lab", "Production", "Lab-2")
	tests := []struct {
		in, want, errHas string
	}{
		{"", "", ""},
		{"lab", "Lab", ""},
		{" PRODUCTION ", "Production", ""},
		{"Labs", "", `did you mean "Lab"`},
		{"Staging", "", `unknown scope "Staging"`},
	}
	for _, tt := range tests {
		got, err := s.Lookup(tt.in)
		if tt.errHas != "" {
			if !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("Lookup(%q) err = %v, want containing %q", tt.in, err, tt.errHas)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if !slices.Equal(s.Names(), []string{"Lab", "Lab-2", "Production"}) {
		t.Errorf("Names = %q", s.Names())
	}
}
