package ldapstore

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/policies"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/xmlstore"
)

// TestTerms_GenericData: a member's term is azgate's msDS-AzGenericData
// value of the role assignment entry (AzMan ignores the attribute); a
// value another tool wrote there is ignored on load and left alone by a
// save; a term whose member another tool removed goes with the member;
// a term that does not parse fails the load (it might limit an allow).
func TestTerms_GenericData(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	dn := newStoreDN(srv)
	s := openStore(t, testConfig(srv, dn))
	app := policy.DefaultApplication
	loc := policy.Location{App: app}
	exp := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	p, err := policy.NewDefault().Edit(func(p *policy.Policy) error {
		if err := p.Link(loc, policy.KindRole, "Administrator", policy.RelMember, `CONTOSO\alice`); err != nil {
			return err
		}
		return p.SetTerm(loc, policy.KindRole, "Administrator", policy.RelMember, `CONTOSO\alice`, policy.Term{Expires: exp})
	})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := s.Save(ctx, p, 0)
	if err != nil {
		t.Fatal(err)
	}
	role := "CN=Administrator,CN=" + prefixRoles + app + ",CN=" + app + "," + dn
	read := func() string {
		t.Helper()
		c := srv.Conn(t)
		res, err := c.Search(ldap.NewSearchRequest(role, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
			"(objectClass=*)", []string{attrGenericData}, nil))
		if err != nil || len(res.Entries) != 1 {
			t.Fatalf("read %s: %v", role, err)
		}
		return res.Entries[0].GetAttributeValue(attrGenericData)
	}
	if got, want := read(), `azgate:terms=[{"member":"CONTOSO\\alice","expires":"2026-12-02T15:00:00Z"}]`; got != want {
		t.Fatalf("msDS-AzGenericData = %q, want %q", got, want)
	}

	// Removing the term removes azgate's value.
	q, err := p.Edit(func(p *policy.Policy) error {
		return p.SetTerm(loc, policy.KindRole, "Administrator", policy.RelMember, `CONTOSO\alice`, policy.Term{})
	})
	if err != nil {
		t.Fatal(err)
	}
	if rev, err = s.Save(ctx, q, rev); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != "" {
		t.Fatalf("msDS-AzGenericData = %q after the term was removed, want none", got)
	}

	// Another tool's value: ignored, and kept by a save.
	srv.AddLDIF(t, "dn: "+role+"\nchangetype: modify\nreplace: "+attrGenericData+"\n"+attrGenericData+": someone else's\n")
	got, rev2, err := s.Load(ctx)
	if err != nil || rev2 != rev {
		t.Fatalf("load with a foreign value: %v (revision %d)", err, rev2)
	}
	got.Description = "changed"
	if _, err = s.Save(ctx, got, rev); err != nil {
		t.Fatal(err)
	}
	if v := read(); v != "someone else's" {
		t.Fatalf("a save changed another tool's value to %q", v)
	}

	// A term whose member is gone (AzMan removed it) goes with it.
	srv.AddLDIF(t, "dn: "+role+"\nchangetype: modify\nreplace: "+attrGenericData+"\n"+attrGenericData+
		`: azgate:terms=[{"member":"CONTOSO\\bob","expires":"2026-12-02T15:00:00Z"},{"member":"contoso\\ALICE","start":"2026-12-01T00:00:00+01:00"}]`+"\n")
	got, _, err = s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := got.Applications[0].Role("Administrator")
	if len(r.Terms) != 1 || r.Terms[0].Member != `CONTOSO\alice` || !r.Terms[0].Start.Equal(time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)) {
		t.Fatalf("terms %+v; want only alice's, spelled as the member", r.Terms)
	}

	// A term that does not parse fails the load.
	srv.AddLDIF(t, "dn: "+role+"\nchangetype: modify\nreplace: "+attrGenericData+"\n"+attrGenericData+
		`: azgate:terms=[{"member":"CONTOSO\\alice","expires":"tomorrow"}]`+"\n")
	if _, _, err := s.Load(ctx); err == nil || !strings.Contains(err.Error(), attrGenericData) {
		t.Fatalf("load of a bad term = %v, want an error naming %s", err, attrGenericData)
	}
}

// TestDigest_WithoutTermsUnchanged: the digest of a store without terms is
// the one azgate wrote before terms existed (computed then for the book's
// store), so an upgraded server reading a store an older one saved does
// not take it for an edit by another tool.
func TestDigest_WithoutTermsUnchanged(t *testing.T) {
	p, _, _, err := xmlstore.Parse(bytes.NewReader(policies.BookRoles()), "book-roles.xml")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := buildTree(p, "CN=AzStore,DC=example,DC=com")
	if err != nil {
		t.Fatal(err)
	}
	if d, want := tr.digest(), "acdc703f9832e9f07674a3cb"; d != want {
		t.Fatalf("digest %s, want %s as before terms", d, want)
	}
}
