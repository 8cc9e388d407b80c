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
