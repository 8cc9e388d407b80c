package main

import (
	"testing"

	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/policy/stores"
)

// TestLDAPCheck: `azgate ldap check` lists the names that grant nobody —
// a user and a group named alike — and exits 1; a clean directory exits 0.
func TestLDAPCheck(t *testing.T) {
	const people = `dn: ou=people,dc=azgate,dc=test
objectClass: organizationalUnit
ou: people

dn: uid=alice,ou=people,dc=azgate,dc=test
objectClass: inetOrgPerson
uid: alice
cn: Alice
sn: A

dn: cn=Ops,ou=people,dc=azgate,dc=test
objectClass: groupOfNames
cn: Ops
member: uid=alice,ou=people,dc=azgate,dc=test
`
	clean := slapdtest.Start(t, slapdtest.Options{Seed: people})
	colliding := slapdtest.Start(t, slapdtest.Options{Seed: people + `
dn: cn=alice,ou=people,dc=azgate,dc=test
objectClass: groupOfNames
cn: alice
member: uid=alice,ou=people,dc=azgate,dc=test
`})
	t.Setenv(stores.LDAPURLEnv, "")
	t.Setenv(stores.LDAPBindDNEnv, clean.AdminDN)
	t.Setenv(stores.LDAPPasswordEnv, clean.AdminPassword)
	check := func(srv *slapdtest.Server) []string {
		t.Setenv(stores.LDAPPasswordEnv, srv.AdminPassword)
		return []string{"ldap", "check", "--ldap-url", srv.URL, "--ldap-user-base", srv.BaseDN}
	}
	step{args: check(clean), code: exitOK, stdout: []string{"every user and group name names one entry"}}.run(t, "")
	step{args: check(colliding), code: exitFalse,
		stdout: []string{`"alice" names more than one directory entry: group cn=alice,ou=people,dc=azgate,dc=test; user uid=alice,ou=people,dc=azgate,dc=test`},
		stderr: []string{"1 names grant nobody"}}.run(t, "")
	step{args: []string{"ldap", "check", "--ldap-url", clean.URL}, code: exitError, stderr: []string{"ldap-user-base"}}.run(t, "")
}

// TestLDAPCheckQueries: with a store, `azgate ldap check` also lists the
// LDAP-query application groups whose filter names an attribute the
// directory's schema lacks — (department=Lab) on OpenLDAP — and exits 1;
// once the filter names departmentNumber it exits 0.
func TestLDAPCheckQueries(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	store, _ := newStore(t, "default")
	t.Setenv(storeEnv, "")
	t.Setenv(stores.LDAPURLEnv, "")
	t.Setenv(stores.LDAPBindDNEnv, srv.AdminDN)
	t.Setenv(stores.LDAPPasswordEnv, srv.AdminPassword)
	check := []string{"ldap", "check", "--ldap-url", srv.URL, "--ldap-user-base", srv.BaseDN}
	for _, s := range []step{
		{args: []string{"scope", "create", "Lab"}},
		{args: []string{"app-group", "create", "Lab Staff", "--scope", "Lab", "--type", "ldap-query", "--ldap-query", "(department=Lab)"}},
		{args: check, code: exitFalse,
			stdout: []string{`application "Hyper-V services" / scope "Lab" / application group "Lab Staff": LDAP query (department=Lab) ` +
				`names attribute "department", which the directory's schema does not define; it matches nobody`},
			stderr: []string{"1 LDAP queries match nobody"}},
		{args: []string{"app-group", "set", "Lab Staff", "--scope", "Lab", "--ldap-query", "(|(departmentNumber=Lab)(ou=Lab))"}},
		{args: check, stdout: []string{"every LDAP query of the store names attributes the schema defines"}, notStdout: []string{"department\""}},
		{args: append(check, "--store", "msxml://"+t.TempDir()+"/none.xml"), code: exitError, stderr: []string{"none.xml"}},
	} {
		s.run(t, store)
	}
}
