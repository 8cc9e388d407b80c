package policy

import (
	"slices"
	"strings"
	"testing"
)

func TestPolicy_NameIndex(t *testing.T) {
	p := &Policy{
		Groups: []*Group{{GUID: "G-STORE", Name: "Store group"}},
		Applications: []*Application{{
			Name:       "App",
			Operations: []*Operation{{GUID: "op-1", Name: "Read"}},
			Objects: Objects{
				Tasks:  []*Task{{GUID: "task-1", Name: "Reader", RoleDefinition: true}},
				Groups: []*Group{{GUID: "grp-app", Name: "App group"}},
				Roles:  []*Role{{GUID: "role-1", Name: "Readers"}},
			},
			Scopes: []*Scope{{Name: "Lab", Objects: Objects{
				Tasks:  []*Task{{GUID: "task-lab", Name: "Lab task"}},
				Groups: []*Group{{GUID: "grp-lab", Name: "Lab group"}},
			}}},
		}},
	}
	n := p.NameIndex()
	tests := []struct {
		name  string
		guids []string
		want  []string
	}{
		{"nil links", nil, []string{}},
		{"store group, any case", []string{"g-store", "G-Store"}, []string{"Store group", "Store group"}},
		{"operation", []string{"OP-1"}, []string{"Read"}},
		{"application task and group", []string{"task-1", "grp-app"}, []string{"Reader", "App group"}},
		{"scope task and group", []string{"task-lab", "grp-lab"}, []string{"Lab task", "Lab group"}},
		{"dangling link shows its GUID", []string{"nope", "op-1"}, []string{"nope", "Read"}},
		{"role assignments are not link targets", []string{"role-1"}, []string{"role-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := n.Names(tt.guids)
			if got == nil || !slices.Equal(got, tt.want) {
				t.Fatalf("Names(%q) = %#v, want %#v", tt.guids, got, tt.want)
			}
		})
	}
	for k := range n {
		if k != strings.ToLower(k) {
			t.Errorf("index key %q is not lower case", k)
		}
	}
}
