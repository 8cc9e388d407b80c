package ldapdir_test

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/directory/ldapdir"
	"github.com/azgate/azgate/internal/slapdtest"
)

const (
	base      = "dc=azgate,dc=test"
	svcDN     = "cn=azgate-svc,ou=services," + base
	svcPW     = "svc-secret"
	alicePW   = "alice-secret"
	domainSID = "S-1-5-21-1004336348-1177238915-682003330"
)

// openLDAPSeed is an OpenLDAP-shaped directory:
//
//	alice ∈ Global Ops ∈ Local Admins (nested), alice ∈ developers (posixGroup memberUid)
//	bob ∈ CycleA ∈ CycleB ∈ CycleA (cycle), bob ∈ auditors (groupOfUniqueNames)
//	carol ∈ Others
const openLDAPSeed = `dn: ou=services,dc=azgate,dc=test
objectClass: organizationalUnit
ou: services

dn: cn=azgate-svc,ou=services,dc=azgate,dc=test
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: azgate-svc
userPassword: svc-secret

dn: ou=people,dc=azgate,dc=test
objectClass: organizationalUnit
ou: people

dn: uid=alice,ou=people,dc=azgate,dc=test
objectClass: inetOrgPerson
uid: alice
cn: Alice
sn: A
departmentNumber: ops
userPassword: alice-secret

dn: uid=bob,ou=people,dc=azgate,dc=test
objectClass: inetOrgPerson
uid: bob
cn: Bob
sn: B
departmentNumber: dev
userPassword: bob-secret

dn: uid=carol,ou=people,dc=azgate,dc=test
objectClass: inetOrgPerson
objectClass: posixAccount
uid: carol
cn: Carol
sn: C
uidNumber: 1003
gidNumber: 1003
homeDirectory: /home/carol
userPassword: carol-secret

dn: ou=groups,dc=azgate,dc=test
objectClass: organizationalUnit
ou: groups

dn: cn=Global Ops,ou=groups,dc=azgate,dc=test
objectClass: groupOfNames
cn: Global Ops
member: uid=alice,ou=people,dc=azgate,dc=test

dn: cn=Local Admins,ou=groups,dc=azgate,dc=test
objectClass: groupOfNames
cn: Local Admins
member: cn=Global Ops,ou=groups,dc=azgate,dc=test

dn: cn=developers,ou=groups,dc=azgate,dc=test
objectClass: posixGroup
cn: developers
gidNumber: 2000
memberUid: alice
memberUid: carol

dn: cn=CycleA,ou=groups,dc=azgate,dc=test
objectClass: groupOfNames
cn: CycleA
member: uid=bob,ou=people,dc=azgate,dc=test
member: cn=CycleB,ou=groups,dc=azgate,dc=test

dn: cn=CycleB,ou=groups,dc=azgate,dc=test
objectClass: groupOfNames
cn: CycleB
member: cn=CycleA,ou=groups,dc=azgate,dc=test

dn: cn=auditors,ou=groups,dc=azgate,dc=test
objectClass: groupOfUniqueNames
cn: auditors
uniqueMember: uid=bob,ou=people,dc=azgate,dc=test

dn: cn=Others,ou=groups,dc=azgate,dc=test
objectClass: groupOfNames
cn: Others
member: uid=carol,ou=people,dc=azgate,dc=test
`

// startOpenLDAP starts the OpenLDAP-shaped directory. Searches by the
// service account are limited to 10 entries per page, so an unpaged
// search of many groups would fail.
func startOpenLDAP(t testing.TB, extra string) *slapdtest.Server {
	t.Helper()
	return slapdtest.Start(t, slapdtest.Options{Seed: openLDAPSeed + "\n" + extra, SizeLimit: 10})
}

// openLDAPConfig is the OpenLDAP preset for srv, bound as the service
// account.
func openLDAPConfig(srv *slapdtest.Server) ldapdir.Config {
	cfg := ldapdir.PresetOpenLDAP(srv.URL, srv.BaseDN)
	cfg.BindDN, cfg.BindPassword = svcDN, svcPW
	cfg.PageSize = 10
	cfg.RequestTimeout = 5 * time.Second
	return cfg
}

// newDirectory returns a started Directory, closed when the test ends.
func newDirectory(t testing.TB, cfg ldapdir.Config) *ldapdir.Directory {
	t.Helper()
	d := newUnstartedDirectory(t, cfg)
	if err := d.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return d
}

// newUnstartedDirectory returns a Directory without Start, closed when the
// test ends.
func newUnstartedDirectory(t testing.TB, cfg ldapdir.Config) *ldapdir.Directory {
	t.Helper()
	d, err := ldapdir.New(cfg, testLogger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// sidLDIF is an "objectSid:: <base64>" line.
func sidLDIF(t testing.TB, sid string) string {
	t.Helper()
	b, err := ldapdir.ParseSID(sid)
	if err != nil {
		t.Fatal(err)
	}
	return "objectSid:: " + base64.StdEncoding.EncodeToString(b)
}

// adLDIF is an AD-shaped part of the directory under ou=ad: dave is in
// the global group Hyper-V Operators, which is in the domain-local group
// Hyper-V Admins; dave is also listed in an AzMan application group,
// which is not a security group and must not show up.
func adLDIF(t testing.TB) string {
	return fmt.Sprintf(`dn: ou=ad,dc=azgate,dc=test
objectClass: organizationalUnit
ou: ad

dn: cn=Dave,ou=ad,dc=azgate,dc=test
objectClass: user
cn: Dave
sn: D
sAMAccountName: dave
%s
userPassword: dave-secret

dn: cn=Hyper-V Operators,ou=ad,dc=azgate,dc=test
objectClass: group
cn: Hyper-V Operators
sAMAccountName: HV-Operators
groupType: -2147483646
%s
member: cn=Dave,ou=ad,dc=azgate,dc=test

dn: cn=Hyper-V Admins,ou=ad,dc=azgate,dc=test
objectClass: group
cn: Hyper-V Admins
sAMAccountName: Hyper-V Admins
groupType: -2147483644
%s
member: cn=Hyper-V Operators,ou=ad,dc=azgate,dc=test

dn: cn=App Basic,ou=ad,dc=azgate,dc=test
objectClass: group
cn: App Basic
groupType: 16
member: cn=Dave,ou=ad,dc=azgate,dc=test
`, sidLDIF(t, domainSID+"-1105"), sidLDIF(t, domainSID+"-1201"), sidLDIF(t, domainSID+"-1202"))
}

func contains(list []string, want string) bool {
	for _, v := range list {
		if strings.EqualFold(v, want) {
			return true
		}
	}
	return false
}
