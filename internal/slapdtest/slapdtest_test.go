package slapdtest_test

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/internal/slapdtest"
)

const people = `dn: ou=people,dc=azgate,dc=test
objectClass: organizationalUnit
ou: people

dn: uid=alice,ou=people,dc=azgate,dc=test
objectClass: inetOrgPerson
uid: alice
cn: Alice
sn: A
userPassword: alice-pw
`

func search(t *testing.T, conn *ldap.Conn, base, filter string, attrs ...string) []*ldap.Entry {
	t.Helper()
	res, err := conn.Search(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 0, false, filter, attrs, nil))
	if err != nil {
		t.Fatalf("search %s %s: %v", base, filter, err)
	}
	return res.Entries
}

func TestStart_SeedAddStopRestart(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{Seed: people})
	if !strings.HasPrefix(srv.URL, "ldap://127.0.0.1:") {
		t.Fatalf("URL = %q, want a loopback ldap URL", srv.URL)
	}
	conn := srv.Conn(t)
	if got := search(t, conn, srv.BaseDN, "(uid=alice)"); len(got) != 1 {
		t.Fatalf("seeded alice: got %d entries", len(got))
	}

	// A user binds with the seeded clear-text password.
	user, err := ldap.DialURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer user.Close()
	if err := user.Bind("uid=alice,ou=people,dc=azgate,dc=test", "alice-pw"); err != nil {
		t.Fatalf("alice bind: %v", err)
	}

	srv.AddLDIF(t, `dn: uid=bob,ou=people,dc=azgate,dc=test
objectClass: inetOrgPerson
uid: bob
cn: Bob
sn: B

dn: uid=alice,ou=people,dc=azgate,dc=test
changetype: modify
replace: cn
cn: Alice Smith
`)
	if got := search(t, conn, srv.BaseDN, "(|(uid=bob)(cn=Alice Smith))"); len(got) != 2 {
		t.Fatalf("after AddLDIF: got %d entries, want 2", len(got))
	}

	srv.Stop()
	if srv.Running() {
		t.Fatal("Running after Stop")
	}
	if _, err := net.DialTimeout("tcp", srv.Addr, time.Second); err == nil {
		t.Fatal("port still accepts connections after Stop")
	}
	srv.Stop() // idempotent
	srv.Restart()
	conn2 := srv.Conn(t)
	if got := search(t, conn2, srv.BaseDN, "(uid=bob)"); len(got) != 1 {
		t.Fatalf("bob after restart: got %d entries", len(got))
	}
}

func TestStart_AzManSchemaLoaded(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	srv.AddLDIF(t, `dn: cn=Program Data,dc=azgate,dc=test
objectClass: container
cn: Program Data

dn: cn=AzStore,cn=Program Data,dc=azgate,dc=test
objectClass: msDS-AzAdminManager
cn: AzStore
msDS-AzMajorVersion: 2
msDS-AzMinorVersion: 0

dn: cn=Hyper-V services,cn=AzStore,cn=Program Data,dc=azgate,dc=test
objectClass: msDS-AzApplication
cn: Hyper-V services
msDS-AzApplicationName: Hyper-V services

dn: cn=AzOpObjectContainer-Hyper-V services,cn=Hyper-V services,cn=AzStore,cn=Program Data,dc=azgate,dc=test
objectClass: container
cn: AzOpObjectContainer-Hyper-V services

dn: cn=Allow Virtual Machine Snapshot,cn=AzOpObjectContainer-Hyper-V services,cn=Hyper-V services,cn=AzStore,cn=Program Data,dc=azgate,dc=test
objectClass: msDS-AzOperation
cn: Allow Virtual Machine Snapshot
msDS-AzOperationID: 355

dn: cn=Administrator,cn=Hyper-V services,cn=AzStore,cn=Program Data,dc=azgate,dc=test
objectClass: msDS-AzTask
cn: Administrator
msDS-AzTaskIsRoleDefinition: TRUE
msDS-OperationsForAzTask: cn=Allow Virtual Machine Snapshot,cn=AzOpObjectContainer-Hyper-V services,cn=Hyper-V services,cn=AzStore,cn=Program Data,dc=azgate,dc=test

dn: cn=Monitors,cn=Hyper-V services,cn=AzStore,cn=Program Data,dc=azgate,dc=test
objectClass: group
cn: Monitors
groupType: 32
msDS-AzLDAPQuery: (department=ops)
`)
	conn := srv.Conn(t)
	got := search(t, conn, srv.BaseDN, "(msDS-AzOperationID>=300)", "msDS-AzOperationID")
	if len(got) != 1 || got[0].GetAttributeValue("msDS-AzOperationID") != "355" {
		t.Fatalf("operation search: %+v", got)
	}
	if got := search(t, conn, srv.BaseDN, "(&(objectClass=msDS-AzTask)(msDS-AzTaskIsRoleDefinition=TRUE))"); len(got) != 1 {
		t.Fatalf("role definition search: got %d", len(got))
	}
}

func TestStart_SizeLimitForcesPaging(t *testing.T) {
	var seed strings.Builder
	seed.WriteString("dn: ou=people,dc=azgate,dc=test\nobjectClass: organizationalUnit\nou: people\n\n")
	for i := range 30 {
		seed.WriteString("dn: uid=u" + strconv.Itoa(i) + ",ou=people,dc=azgate,dc=test\nobjectClass: inetOrgPerson\nuid: u" + strconv.Itoa(i) + "\ncn: u\nsn: u\nuserPassword: pw\n\n")
	}
	srv := slapdtest.Start(t, slapdtest.Options{Seed: seed.String(), SizeLimit: 10})
	conn, err := ldap.DialURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Bind("uid=u0,ou=people,dc=azgate,dc=test", "pw"); err != nil {
		t.Fatal(err)
	}
	req := func() *ldap.SearchRequest {
		return ldap.NewSearchRequest("ou=people,dc=azgate,dc=test", ldap.ScopeSingleLevel, ldap.NeverDerefAliases,
			0, 0, false, "(objectClass=inetOrgPerson)", []string{"uid"}, nil)
	}
	if _, err := conn.Search(req()); !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		t.Fatalf("unpaged search: err = %v, want size limit exceeded", err)
	}
	res, err := conn.SearchWithPaging(req(), 10)
	if err != nil {
		t.Fatalf("paged search: %v", err)
	}
	if len(res.Entries) != 30 {
		t.Fatalf("paged search: %d entries, want 30", len(res.Entries))
	}
}

func TestStart_MemberOfOverlay(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{Seed: people, MemberOfGroupClass: "groupOfNames"})
	srv.AddLDIF(t, `dn: cn=ops,dc=azgate,dc=test
objectClass: groupOfNames
cn: ops
member: uid=alice,ou=people,dc=azgate,dc=test
`)
	got := search(t, srv.Conn(t), srv.BaseDN, "(uid=alice)", "memberOf")
	if len(got) != 1 || got[0].GetAttributeValue("memberOf") != "cn=ops,dc=azgate,dc=test" {
		t.Fatalf("memberOf of alice: %+v", got)
	}
}

func TestStartPair_ReplicatesBothWays(t *testing.T) {
	a, b := slapdtest.StartPair(t, slapdtest.Options{Seed: people})
	if a.URL == b.URL || a.ServerID != 1 || b.ServerID != 2 {
		t.Fatalf("pair: a=%s/%d b=%s/%d", a.URL, a.ServerID, b.URL, b.ServerID)
	}
	b.WaitEntry(t, "uid=alice,ou=people,dc=azgate,dc=test", "(objectClass=*)", 10*time.Second)

	a.AddLDIF(t, "dn: uid=fromA,ou=people,dc=azgate,dc=test\nobjectClass: inetOrgPerson\nuid: fromA\ncn: a\nsn: a\n")
	b.WaitEntry(t, "uid=fromA,ou=people,dc=azgate,dc=test", "(uid=fromA)", 10*time.Second)

	b.AddLDIF(t, "dn: uid=alice,ou=people,dc=azgate,dc=test\nchangetype: modify\nreplace: cn\ncn: changed on b\n")
	a.WaitEntry(t, "uid=alice,ou=people,dc=azgate,dc=test", "(cn=changed on b)", 10*time.Second)

	a.AddLDIF(t, "dn: uid=fromA,ou=people,dc=azgate,dc=test\nchangetype: delete\n")
	b.WaitNoEntry(t, "uid=fromA,ou=people,dc=azgate,dc=test", "(objectClass=*)", 10*time.Second)
}

func TestStart_TLS(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{Seed: people, TLS: true})
	if !strings.HasPrefix(srv.LDAPSURL, "ldaps://127.0.0.1:") || srv.CAFile == "" {
		t.Fatalf("LDAPSURL %q CAFile %q", srv.LDAPSURL, srv.CAFile)
	}
	conn, err := ldap.DialURL(srv.LDAPSURL, ldap.DialWithTLSConfig(srv.TLSConfig()))
	if err != nil {
		t.Fatalf("ldaps: %v", err)
	}
	defer conn.Close()
	if err := conn.Bind("uid=alice,ou=people,dc=azgate,dc=test", "alice-pw"); err != nil {
		t.Fatalf("bind over ldaps: %v", err)
	}

	plain, err := ldap.DialURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if err := plain.StartTLS(srv.TLSConfig()); err != nil {
		t.Fatalf("StartTLS: %v", err)
	}
	if _, ok := plain.TLSConnectionState(); !ok {
		t.Fatal("no TLS state after StartTLS")
	}
	srv.Restart()
	again, err := ldap.DialURL(srv.LDAPSURL, ldap.DialWithTLSConfig(srv.TLSConfig()))
	if err != nil {
		t.Fatalf("ldaps after restart: %v", err)
	}
	again.Close()
}
