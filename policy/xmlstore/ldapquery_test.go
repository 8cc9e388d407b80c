package xmlstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policies"
	"github.com/azgate/azgate/policy"
)

type anyoneMatches struct{}

func (anyoneMatches) MatchQuery(context.Context, directory.ClientContext, string) (bool, error) {
	return true, nil
}

// A store file written by another tool with an LDAP query that does not
// parse loads (as the MS-AZMP example does); the compiled policy warns
// about the group and nobody is a member of it; edits elsewhere go
// through, while an edit setting another bad query is refused.
func TestStore_BadLDAPQueryOnDisk(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.xml")
	group := `<AzApplicationGroup Guid="0f4f6b1e-3c1a-4d52-9f53-8a0c5e1d2b7a" Name="Engineers" GroupType="LdapQuery">` +
		`<LdapQuery>(&amp;(objectClass=user)(department=Eng)</LdapQuery></AzApplicationGroup></AzApplication>`
	file := strings.Replace(string(policies.InitialStore()), "</AzApplication>", group, 1)
	if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, path)
	if _, _, err := s.Load(ctx); err != nil {
		t.Fatalf("Load: %v", err)
	}
	app := policy.Location{App: policy.DefaultApplication}
	_, _, err := s.Update(ctx, func(p *policy.Policy) error {
		if err := p.CreateRole(app, &policy.Role{Name: "Engineering"}); err != nil {
			return err
		}
		if err := p.Link(app, policy.KindRole, "Engineering", policy.RelTask, "Administrator"); err != nil {
			return err
		}
		return p.Link(app, policy.KindRole, "Engineering", policy.RelGroup, "Engineers")
	})
	if err != nil {
		t.Fatalf("an edit elsewhere was refused: %v", err)
	}
	p, _, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := authz.Compile(p, "", authz.Options{QueryMatcher: anyoneMatches{}})
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(c.Warnings(), "\n"); !strings.Contains(w, `application group "Engineers"`) || !strings.Contains(w, "does not parse") {
		t.Errorf("warnings: %s", w)
	}
	rs, err := c.AccessCheck(ctx, directory.ClientContext{Name: "eng", IDs: []string{`CORP\eng`}, DN: "cn=eng,dc=corp"}, "",
		[]operations.ID{operations.StartVM}, nil)
	if err != nil || rs[0].Allowed || !errors.Is(rs[0].Err, authz.ErrBrokenGroup) {
		t.Errorf("check through the broken group: %+v, %v", rs[0], err)
	}
	_, _, err = s.Update(ctx, func(p *policy.Policy) error {
		a, _ := p.Application(policy.DefaultApplication)
		g, err := a.Group("Engineers")
		if err != nil {
			return err
		}
		g.LDAPQuery = "(department=Eng"
		return nil
	})
	var ve *policy.ValidationError
	if !errors.As(err, &ve) || ve.Field != "LdapQuery" || !strings.Contains(ve.Object, `"Engineers"`) {
		t.Errorf("setting another bad query: %v", err)
	}
}
