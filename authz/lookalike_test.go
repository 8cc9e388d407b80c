package authz

import (
	"context"
	"testing"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// TestAccessCheck_LookAlikeNames: principals and scope names match by
// names.Equal — a look-alike spelling is the same principal or scope, on the
// ASCII fast path and off it — and NFC and NFD spellings stay two.
func TestAccessCheck_LookAlikeNames(t *testing.T) {
	tests := []struct {
		member, scope string // as the store writes them
		id, asked     string // as the request gives them
		allowed       bool
	}{
		{"sam", "Lab-Staff", "ſam", "Lab-ſtaff", true},
		{"ſam", "Lab-ſtaff", "SAM", "LAB-STAFF", true},
		{"kelvin", "Lab", "\u212aelvin", "lab", true},
		{`CONTOSO\Lab-ſtaff`, "ſcratch", `contoso\lab-staff`, "Scratch", true},
		{"café", "Lab", "cafe\u0301", "Lab", false},
		{"sam", "café", "sam", "cafe\u0301", false},
	}
	for _, tt := range tests {
		t.Run(tt.member+"|"+tt.id, func(t *testing.T) {
			l := policy.Location{App: app, Scope: tt.scope}
			p := edit(t, policy.NewDefault(), func(p *policy.Policy) error {
				return run(
					func() error { return p.CreateScope(app, &policy.Scope{Name: tt.scope}) },
					func() error { return p.CreateTask(l, &policy.Task{Name: "Operate", RoleDefinition: true}) },
					func() error {
						return p.Link(l, policy.KindRoleDefinition, "Operate", policy.RelOperation, "Start Virtual Machine")
					},
					func() error { return p.CreateRole(l, &policy.Role{Name: "Ops", Members: []string{tt.member}}) },
					func() error { return p.Link(l, policy.KindRole, "Ops", policy.RelTask, "Operate") },
				)
			})
			c := mustCompile(t, p, Options{})
			for _, cc := range []directory.ClientContext{{Name: "user", IDs: []string{tt.id}}, {Name: "group member", IDs: []string{"x"}, Groups: []string{tt.id}}} {
				rs, err := c.AccessCheck(context.Background(), cc, tt.asked, []operations.ID{operations.StartVM}, nil)
				if tt.allowed && (err != nil || !rs[0].Allowed) || !tt.allowed && err == nil && rs[0].Allowed {
					t.Errorf("%s %q in scope %q (store: %q in %q): %+v, %v; want allowed %v", cc.Name, tt.id, tt.asked, tt.member, tt.scope, rs, err, tt.allowed)
				}
			}
		})
	}
}
