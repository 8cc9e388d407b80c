package ldapdir_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/azgate/azgate/policy"
)

// TestDirectory_CheckQueries: an LDAP-query group whose filter names an
// attribute the directory's schema lacks — department on OpenLDAP — is
// reported with where it is; names the schema defines, in any case, with
// options, by alias or by OID, are not; an unparsable filter is reported.
func TestDirectory_CheckQueries(t *testing.T) {
	d := newDirectory(t, openLDAPConfig(startOpenLDAP(t, "")))
	query := func(name, filter string) *policy.Group {
		return &policy.Group{Name: name, Type: policy.GroupLDAPQuery, LDAPQuery: filter}
	}
	tests := []struct {
		name   string
		filter string
		want   string // a substring of the one warning; "" for none
	}{
		{"undefined attribute", "(department=Lab)", `names attribute "department", which the directory's schema does not define; it matches nobody`},
		{"defined attribute", "(departmentNumber=Lab)", ""},
		{"without parentheses", "departmentNumber=Lab", ""},
		{"case and options", "(&(DEPARTMENTNUMBER=Lab)(userCertificate;binary=*))", ""},
		{"alias", "(surname=x)", ""},
		{"OID", "(2.5.4.4=x)", ""},
		{"every kind of item", "(&(|(!(cn=a*))(uid>=a)(uid<=z)(cn~=x)(objectClass=*))(uid:caseExactMatch:=x))", ""},
		{"undefined inside not", "(&(uid=alice)(!(noSuchAttr=y)))", `names attribute "noSuchAttr"`},
		{"undefined in extensible match", "(noSuchAttr:caseExactMatch:=x)", `names attribute "noSuchAttr"`},
		{"undefined present", "(|(uid=x)(noSuchAttr=*))", `names attribute "noSuchAttr"`},
		{"unparsable", "(departmentNumber=Lab", "bad LDAP query filter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &policy.Policy{Applications: []*policy.Application{{
				Name:   policy.DefaultApplication,
				Scopes: []*policy.Scope{{Name: "Lab", Objects: policy.Objects{Groups: []*policy.Group{query("Lab Staff", tt.filter)}}}},
			}}}
			got, err := d.CheckQueries(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(got) != 0 {
					t.Fatalf("warnings %q, want none", got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0], tt.want) ||
				!strings.HasPrefix(got[0], `application "Hyper-V services" / scope "Lab" / application group "Lab Staff": LDAP query `+tt.filter) {
				t.Fatalf("warnings %q, want one for the group containing %q", got, tt.want)
			}
		})
	}
}

// TestDirectory_CheckQueriesEveryLevel: groups at the store, application
// and scope levels are all checked; groups of other types are not.
func TestDirectory_CheckQueriesEveryLevel(t *testing.T) {
	d := newDirectory(t, openLDAPConfig(startOpenLDAP(t, "")))
	bad := func(name string) *policy.Group {
		return &policy.Group{Name: name, Type: policy.GroupLDAPQuery, LDAPQuery: "(department=Lab)"}
	}
	p := &policy.Policy{
		Groups: []*policy.Group{bad("S")},
		Applications: []*policy.Application{{
			Name:    "App",
			Objects: policy.Objects{Groups: []*policy.Group{bad("A"), {Name: "Basic", Type: policy.GroupBasic, LDAPQuery: "(department=Lab)"}}},
			Scopes:  []*policy.Scope{{Name: "Sc", Objects: policy.Objects{Groups: []*policy.Group{bad("C")}}}},
		}},
	}
	got, err := d.CheckQueries(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	var places []string
	for _, w := range got {
		places = append(places, w[:strings.Index(w, ": LDAP query")])
	}
	want := []string{`store / application group "S"`, `application "App" / application group "A"`, `application "App" / scope "Sc" / application group "C"`}
	if !slices.Equal(places, want) {
		t.Fatalf("warned at %q, want %q", places, want)
	}
}
