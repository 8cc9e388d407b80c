package policy_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/azgate/azgate/policy"
)

// TestChanges: one line per member, link or object added or removed,
// links named by their target; nothing for equal policies.
func TestChanges(t *testing.T) {
	loc := policy.Location{App: policy.DefaultApplication}
	base := policy.NewDefault()
	edit := func(fn func(p *policy.Policy) error) *policy.Policy {
		t.Helper()
		q, err := base.Edit(fn)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	app := `application "Hyper-V services"`
	for _, tc := range []struct {
		name string
		a, b *policy.Policy
		want []string
	}{
		{"equal", base, base.Clone(), nil},
		{"member added", base, edit(func(p *policy.Policy) error {
			return p.Link(loc, policy.KindRole, "Administrator", policy.RelMember, `CONTOSO\bob`)
		}), []string{"+ " + app + ` / role assignment "Administrator": member CONTOSO\bob`}},
		{"member removed", base, edit(func(p *policy.Policy) error {
			return p.Unlink(loc, policy.KindRole, "Administrator", policy.RelMember, policy.AdministratorsSID)
		}), []string{"- " + app + ` / role assignment "Administrator": member ` + policy.AdministratorsSID}},
		{"scope added", base, edit(func(p *policy.Policy) error {
			return p.CreateScope(policy.DefaultApplication, &policy.Scope{Name: "Lab"})
		}), []string{"+ " + app + ` / scope "Lab"`}},
		{"link written in another GUID case", base, func() *policy.Policy {
			q := base.Clone()
			a := q.Applications[0]
			a.Roles[0].TaskLinks = []string{strings.ToUpper(a.Tasks[0].GUID)}
			return q
		}(), nil}, // the same link: nothing changed, nothing dropped
		{"rule language changed", base, func() *policy.Policy {
			q := base.Clone()
			q.Applications[0].Tasks[0].BizRule = policy.BizRule{Language: policy.LangJScript}
			return q
		}(), []string{"+ " + app + ` / role definition "Administrator": business rule language JScript`}},
		{"from nothing", nil, base, nil}, // checked below: every fact added
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := policy.Changes(tc.a, tc.b)
			if tc.a == nil {
				if len(got) == 0 || !slices.ContainsFunc(got, func(l string) bool { return l == "+ "+app }) {
					t.Fatalf("Changes(nil, p) = %q; want every fact added", got)
				}
				return
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Changes = %q, want %q", got, tc.want)
			}
		})
	}
}
