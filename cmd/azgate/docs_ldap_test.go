package main

import (
	"path/filepath"
	"testing"

	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/internal/testproc"
)

// docsDirectory is the directory the LDAP docs' examples assume, under
// their base DN dc=example,dc=org with their passwords: the service
// account cn=azgate (reads), cn=azgate-admin (may create the store, as in
// docs/ldap.md's ACL), and alice in a group.
const docsDirectory = `dn: ou=services,dc=example,dc=org
objectClass: organizationalUnit
ou: services

dn: cn=azgate,ou=services,dc=example,dc=org
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: azgate
userPassword: service-account-secret

dn: cn=azgate-admin,ou=services,dc=example,dc=org
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: azgate-admin
userPassword: admin-account-secret

dn: ou=people,dc=example,dc=org
objectClass: organizationalUnit
ou: people

dn: uid=alice,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: alice
cn: Alice
sn: A
departmentNumber: Lab
userPassword: alice-password

dn: ou=groups,dc=example,dc=org
objectClass: organizationalUnit
ou: groups

dn: cn=Hyper-V Admins,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: Hyper-V Admins
member: uid=alice,ou=people,dc=example,dc=org
`

// TestDocs_LDAPExamplesRunAsWritten runs the shell examples of
// docs/ldap.md and docs/scale-out.md as TestDocs_ExamplesRunAsWritten runs
// the README's, against a real slapd holding the docs' directory (with the
// AzMan schema) in place of their example hosts: ldaps:// with the test
// CA as the system's (SSL_CERT_FILE), ldap:// on its loopback port.
func TestDocs_LDAPExamplesRunAsWritten(t *testing.T) {
	bin := testproc.Binary(t)
	srv := slapdtest.Start(t, slapdtest.Options{
		BaseDN: "dc=example,dc=org",
		Seed:   docsDirectory,
		TLS:    true,
		Access: []string{
			"to attrs=userPassword by self write by anonymous auth by * none",
			`to * by dn.exact="cn=azgate-admin,ou=services,dc=example,dc=org" write by * read`,
		},
	})
	env := []string{"SSL_CERT_FILE=" + srv.CAFile}
	for _, tt := range []struct {
		doc     string
		replace []string // the doc's example hosts → the test directory's
	}{
		{"../../docs/ldap.md", []string{"ldaps://ldap.example.org", srv.LDAPSURL}},
		{"../../docs/scale-out.md", []string{"ldap-a.example.org:389", srv.Addr}},
	} {
		t.Run(filepath.Base(tt.doc), func(t *testing.T) { runDoc(t, bin, tt.doc, tt.replace, env) })
	}
}
