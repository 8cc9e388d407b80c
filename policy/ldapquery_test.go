package policy

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// An LDAP-query group whose filter does not parse is refused, naming the
// group and the parse error, whether created or changed by an edit.
func TestValidate_LDAPQuery(t *testing.T) {
	app := Location{App: DefaultApplication}
	tests := []struct {
		name    string
		query   string
		wantErr string // "" means accepted
	}{
		{"filter", "(&(objectClass=user)(department=IT))", ""},
		{"single item without parentheses", "department=IT", ""},
		{"empty: the group matches nobody", "", ""},
		{"unbalanced", "(&(objectClass=user)(department=IT)", "does not parse"},
		{"bad escape", `(cn=\zz)`, "does not parse"},
		{"two items without an operator", "cn=a)(ou=b", "does not parse"},
		{"garbage after the filter", "(cn=a))", "does not parse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			create := func(p *Policy) error {
				return p.CreateGroup(app, &Group{Name: "Engineers", Type: GroupLDAPQuery, LDAPQuery: tc.query})
			}
			change := func(p *Policy) error {
				if err := p.CreateGroup(app, &Group{Name: "Engineers", Type: GroupLDAPQuery, LDAPQuery: "(ou=Eng)"}); err != nil {
					return err
				}
				a, _ := p.Application(DefaultApplication)
				g, err := a.Group("Engineers")
				if err != nil {
					return err
				}
				g.LDAPQuery = tc.query
				return nil
			}
			for _, edit := range []func(*Policy) error{create, change} {
				_, err := NewDefault().Edit(edit)
				if tc.wantErr == "" {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					continue
				}
				var ve *ValidationError
				if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) || ve.Field != "LdapQuery" ||
					!strings.Contains(ve.Object, `application group "Engineers"`) || !strings.Contains(err.Error(), tc.wantErr) ||
					!strings.Contains(err.Error(), fmt.Sprintf("%q", tc.query)) {
					t.Fatalf("err = %v, want a validation error naming the group, the query and %q", err, tc.wantErr)
				}
			}
		})
	}
}
