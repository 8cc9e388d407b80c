package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/xmlstore"
)

// collisionSeed adds to openLDAPSeed a group named like the user alice
// (member mallory), a user named like the group HV-Admins-DL (which holds
// carol), and a group named like the Administrators SID (member mallory).
const collisionSeed = `
dn: uid=mallory,ou=people,dc=azgate,dc=test
objectClass: inetOrgPerson
uid: mallory
cn: Mallory
sn: M
userPassword: mallory-secret

dn: cn=alice,ou=groups,dc=azgate,dc=test
objectClass: groupOfNames
cn: alice
member: uid=mallory,ou=people,dc=azgate,dc=test

dn: cn=HV-Admins-DL,ou=groups,dc=azgate,dc=test
objectClass: groupOfNames
cn: HV-Admins-DL
member: uid=carol,ou=people,dc=azgate,dc=test

dn: uid=HV-Admins-DL,ou=people,dc=azgate,dc=test
objectClass: inetOrgPerson
uid: HV-Admins-DL
cn: HV Admins
sn: H
userPassword: hv-secret

dn: cn=S-1-5-32-544,ou=groups,dc=azgate,dc=test
objectClass: groupOfNames
cn: S-1-5-32-544
member: uid=mallory,ou=people,dc=azgate,dc=test
`

// TestLDAP_UsersAndGroupsNeverShareAName: a role assignment member is a
// user or a group, never either. A group cn=alice does not pass alice's
// grants to its member mallory; a new user uid=HV-Admins-DL does not get
// the Administrator granted to the group HV-Admins-DL; a group named like
// the Administrators SID grants nothing. Such names grant nobody; members
// written as DNs keep working.
func TestLDAP_UsersAndGroupsNeverShareAName(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{Seed: openLDAPSeed + collisionSeed})
	groupDN := "cn=HV-Admins-DL,ou=groups," + slapdtest.DefaultBaseDN
	ts := startServerTB(t, func(cfg *Config) {
		p := policy.NewDefault()
		at := policy.Location{App: policy.DefaultApplication}
		if err := errors.Join(
			p.CreateTask(at, &policy.Task{Name: "Deleter", RoleDefinition: true}),
			p.Link(at, policy.KindRoleDefinition, "Deleter", policy.RelOperation, "Delete Virtual Machine"),
			p.CreateRole(at, &policy.Role{Name: "Alice deletes"}),
			p.Link(at, policy.KindRole, "Alice deletes", policy.RelTask, "Deleter"),
			p.Link(at, policy.KindRole, "Alice deletes", policy.RelMember, "alice"),
			p.Link(at, policy.KindRole, "Administrator", policy.RelMember, "HV-Admins-DL"),
			p.CreateTask(at, &policy.Task{Name: "Viewer", RoleDefinition: true}),
			p.Link(at, policy.KindRoleDefinition, "Viewer", policy.RelOperation, "View Virtual Machine Configuration"),
			p.CreateRole(at, &policy.Role{Name: "DL by DN"}),
			p.Link(at, policy.KindRole, "DL by DN", policy.RelTask, "Viewer"),
			p.Link(at, policy.KindRole, "DL by DN", policy.RelMember, groupDN),
		); err != nil {
			t.Fatalf("build store: %v", err)
		}
		st, err := xmlstore.Open(strings.TrimPrefix(cfg.StoreURL, "msxml://"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.Save(context.Background(), p, 0); err != nil {
			t.Fatal(err)
		}
		cfg.Directory = DirectoryLDAP
		cfg.LDAP = LDAPConfig{URL: srv.URL, UserBase: slapdtest.DefaultBaseDN,
			BindDN: "cn=azgate-svc,ou=services," + slapdtest.DefaultBaseDN, BindPassword: "svc-secret-1"}
	})
	checker := checkerToken(t, ts)
	for _, tt := range []struct {
		user    string
		op      any
		allowed bool
	}{
		{"mallory", "Delete Virtual Machine", false},      // through the group cn=alice
		{"mallory", "Start Virtual Machine", false},       // through the group cn=S-1-5-32-544
		{"HV-Admins-DL", "Delete Virtual Machine", false}, // the user named like the group
		{"HV-Admins-DL", "View Virtual Machine Configuration", false},
		{"carol", "View Virtual Machine Configuration", true}, // the group by DN
		{"carol", "Start Virtual Machine", false},             // the group by its ambiguous name: nobody
		{"alice", "Delete Virtual Machine", false},            // her ambiguous name grants nobody, her too
	} {
		status, res, r := checkOne(t, ts, checker, map[string]any{"user": tt.user, "resolve": true, "operations": []any{tt.op}})
		if status != http.StatusOK || res.Allowed != tt.allowed {
			t.Errorf("%s %v: %d %+v, want allowed=%v; %s", tt.user, tt.op, status, res, tt.allowed, r.body)
		}
	}
	// Signed in with Basic, mallory is refused too.
	mallory := cred{user: "mallory", pass: "mallory-secret"}
	want(t, ts.do(checker, http.MethodPost, "/v1/vms", map[string]any{"name": "vm1", "memoryMB": 512, "processors": 1}),
		http.StatusCreated, "the local administrator creates vm1")
	denied(t, ts.do(mallory, http.MethodDelete, "/v1/vms/vm1", nil), "Delete Virtual Machine", "mallory deletes vm1")
	var names []string
	for _, c := range ts.s.ldap.Collisions() {
		names = append(names, c.Name)
	}
	for _, n := range []string{"alice", "HV-Admins-DL", "S-1-5-32-544"} {
		if !containsFold(names, n) {
			t.Errorf("collisions %q lack %q", names, n)
		}
	}
}
