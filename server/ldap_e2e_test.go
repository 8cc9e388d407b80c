package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/xmlstore"
)

// openLDAPSeed is an OpenLDAP-shaped directory: alice ∈ Global Ops ∈ Local
// Admins; bob (departmentNumber Lab) and carol (Sales) are in no group.
const openLDAPSeed = `dn: ou=services,dc=azgate,dc=test
objectClass: organizationalUnit
ou: services

dn: cn=azgate-svc,ou=services,dc=azgate,dc=test
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: azgate-svc
userPassword: svc-secret-1

dn: ou=people,dc=azgate,dc=test
objectClass: organizationalUnit
ou: people

dn: uid=alice,ou=people,dc=azgate,dc=test
objectClass: inetOrgPerson
uid: alice
cn: Alice
sn: A
departmentNumber: Ops
userPassword: alice-secret

dn: uid=bob,ou=people,dc=azgate,dc=test
objectClass: inetOrgPerson
uid: bob
cn: Bob
sn: B
departmentNumber: Lab
userPassword: bob-secret

dn: uid=carol,ou=people,dc=azgate,dc=test
objectClass: inetOrgPerson
uid: carol
cn: Carol
sn: C
departmentNumber: Sales
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
`

// writeOpenLDAPStore writes the default store plus Administrator for the
// group "Local Admins" (by name) and VM viewing for the LDAP query group
// (departmentNumber=Lab).
func writeOpenLDAPStore(t *testing.T, path string) {
	t.Helper()
	p := policy.NewDefault()
	at := policy.Location{App: policy.DefaultApplication}
	if err := errors.Join(
		p.CreateRole(at, &policy.Role{Name: "Local Admins"}),
		p.Link(at, policy.KindRole, "Local Admins", policy.RelTask, "Administrator"),
		p.Link(at, policy.KindRole, "Local Admins", policy.RelMember, "Local Admins"),
		p.CreateTask(at, &policy.Task{Name: "VM Viewer", RoleDefinition: true}),
		p.Link(at, policy.KindRoleDefinition, "VM Viewer", policy.RelOperation, "View Virtual Machine Configuration"),
		p.CreateGroup(at, &policy.Group{Name: "Lab", Type: policy.GroupLDAPQuery, LDAPQuery: "departmentNumber=Lab"}),
		p.CreateRole(at, &policy.Role{Name: "Lab viewers"}),
		p.Link(at, policy.KindRole, "Lab viewers", policy.RelTask, "VM Viewer"),
		p.Link(at, policy.KindRole, "Lab viewers", policy.RelGroup, "Lab"),
	); err != nil {
		t.Fatalf("build store: %v", err)
	}
	st, err := xmlstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Save(context.Background(), p, 0); err != nil {
		t.Fatal(err)
	}
}

// TestE2E_ServeLDAP runs the real `azgate serve --directory ldap` process
// against slapd with the OpenLDAP preset, its settings from flags and the
// AZGATE_LDAP_* environment.
func TestE2E_ServeLDAP(t *testing.T) {
	bin := azgateBinary(t)
	srv := slapdtest.Start(t, slapdtest.Options{Seed: openLDAPSeed})
	in := &installation{t: t, bin: bin, dir: t.TempDir()}
	in.dataDir = filepath.Join(in.dir, "data")
	path := filepath.Join(in.dir, "store.xml")
	writeOpenLDAPStore(t, path)
	in.store = "msxml://" + path

	// Bad flags are refused before anything starts, naming the flag.
	for _, tt := range []struct {
		args []string
		env  []string
		msg  string
	}{
		{[]string{"--directory", "ldap"}, nil, "ldap-url"},
		{[]string{"--directory", "ldap", "--ldap-url", srv.URL}, nil, "ldap-user-base"},
		{[]string{"--directory", "ldap", "--ldap-url", srv.URL, "--ldap-user-base", "dc=azgate,dc=test", "--ldap-preset", "novell"}, nil, "ldap-preset"},
		{[]string{"--directory", "ldap", "--ldap-user-base", "dc=azgate,dc=test"}, []string{"AZGATE_LDAP_URL=" + srv.URL, "AZGATE_LDAP_BIND_DN=cn=x,dc=azgate,dc=test"}, "ldap-password"},
		{[]string{"--ldap-url", srv.URL}, nil, "only with --directory ldap"},
		{[]string{"--directory", "nis"}, nil, "directory"},
	} {
		cmd := exec.Command(bin, append([]string{"serve", "--store", in.store, "--data-dir", in.dataDir, "--listen", "127.0.0.1:0"}, tt.args...)...)
		cmd.Env = append(os.Environ(), tt.env...)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(errb.String(), tt.msg) {
			t.Errorf("serve %v: %v, stderr %q; want exit 2 naming %q", tt.args, err, errb.String(), tt.msg)
		}
	}

	p := in.serveWith([]string{"AZGATE_LDAP_URL=" + srv.URL, "AZGATE_LDAP_BIND_DN=" + "cn=azgate-svc,ou=services,dc=azgate,dc=test",
		"AZGATE_LDAP_PASSWORD=svc-secret-1"},
		"--directory", "ldap", "--ldap-user-base", "ou=people,dc=azgate,dc=test", "--ldap-group-base", "ou=groups,dc=azgate,dc=test",
		"--ldap-cache-ttl", "2s")
	alice := cred{user: "alice", pass: "alice-secret"}
	bob := cred{user: "bob", pass: "bob-secret"}
	carol := cred{user: "carol", pass: "carol-secret"}

	r := p.do(t, alice, http.MethodGet, "/v1/me", nil)
	want(t, r, http.StatusOK, "alice /v1/me")
	var me api.Me
	r.json(t, &me)
	if !containsFold(me.Groups, "Local Admins") || !containsFold(me.Groups, "Global Ops") || !containsFold(me.IDs, "uid=alice,ou=people,dc=azgate,dc=test") {
		t.Errorf("alice = %+v, want her DN and both nested groups", me)
	}
	want(t, p.do(t, alice, http.MethodPost, "/v1/vms", map[string]any{"name": "vm1", "memoryMB": 512, "processors": 1}),
		http.StatusCreated, "alice (Local Admins, nested) creates a VM")
	want(t, p.do(t, cred{user: "alice", pass: "bob-secret"}, http.MethodGet, "/v1/me", nil), http.StatusUnauthorized, "alice, wrong password")
	want(t, p.do(t, bob, http.MethodGet, "/v1/vms/vm1", nil), http.StatusOK, "bob (departmentNumber=Lab) views vm1")
	denied(t, p.do(t, bob, http.MethodDelete, "/v1/vms/vm1", nil), "Delete Virtual Machine", "bob deletes vm1")
	denied(t, p.do(t, carol, http.MethodGet, "/v1/vms/vm1", nil), "View Virtual Machine Configuration", "carol views vm1")

	// A checker's API token comes from the local directory.
	tok := strings.TrimSpace(in.cli(nil, "user", "token", "create", DefaultAdminUser, "ci", "--data-dir="+in.dataDir))
	checker := cred{bearer: tok}
	r = p.do(t, checker, http.MethodPost, "/v1/check", map[string]any{"checks": []any{
		map[string]any{"user": "alice", "resolve": true, "operations": []any{"Delete Virtual Machine"}},
		map[string]any{"user": "bob", "resolve": true, "operations": []any{309, 304}},
		map[string]any{"user": "alice", "operations": []any{"Delete Virtual Machine"}},
	}})
	want(t, r, http.StatusOK, "checker batch")
	var b api.BatchCheckResponse
	r.json(t, &b)
	if len(b.Results) != 3 || !b.Results[0][0].Allowed || !b.Results[1][0].Allowed || b.Results[1][1].Allowed || b.Results[2][0].Allowed {
		t.Errorf("checker batch = %+v, want [[true] [true false] [false]]", b.Results)
	}
	want(t, p.do(t, cred{}, http.MethodGet, "/readyz", nil), http.StatusOK, "readyz")

	// The directory goes away: not ready, and after the 2 s TTL nothing
	// that needs it is granted.
	srv.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r = p.do(t, checker, http.MethodGet, "/readyz", nil) // a policy reader sees the details
		if r.status == http.StatusServiceUnavailable && strings.Contains(string(r.body), "LDAP directory") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz with slapd stopped: %d %s", r.status, r.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r = p.do(t, cred{}, http.MethodGet, "/readyz", nil); !strings.Contains(string(r.body), `"reason":"directory unreachable"`) {
		t.Errorf("anonymous readyz with slapd stopped: %d %s, want the coarse reason", r.status, r.body)
	}
	// A sign-in the bind cache (default 30 s) does not remember needs the
	// directory: 503, not 401 — the password was not judged.
	want(t, p.do(t, cred{user: "alice", pass: "not-remembered"}, http.MethodGet, "/v1/me", nil), http.StatusServiceUnavailable,
		"alice with another password while the directory is down")
	time.Sleep(2100 * time.Millisecond)
	// A remembered sign-in needs a cached context too.
	want(t, p.do(t, alice, http.MethodGet, "/v1/me", nil), http.StatusServiceUnavailable, "alice after the cache TTL, the directory down")
	r = p.do(t, checker, http.MethodPost, "/v1/check", map[string]any{"user": "alice", "resolve": true, "operations": []any{304}})
	want(t, r, http.StatusServiceUnavailable, "resolve after the TTL")
	p.Stop(t)
}
