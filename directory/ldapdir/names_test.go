package ldapdir_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/directory/ldapdir"
	"github.com/azgate/azgate/internal/slapdtest"
)

// collisionLDIF adds, to the OpenLDAP-shaped directory, names that name more
// than one entry or look like a SID or a DN:
//
//	group cn=alice (alice is a user) with member mallory
//	user uid=HV-Admins-DL, while the group cn=HV-Admins-DL holds carol
//	group cn=S-1-5-32-544 (the Administrators SID) with member mallory
//	group cn=uid=bob,ou=people,dc=azgate,dc=test (bob's DN) with member mallory
//	groups cn=Twins in ou=groups (member mallory) and in ou=people
const collisionLDIF = `dn: uid=mallory,ou=people,dc=azgate,dc=test
objectClass: inetOrgPerson
uid: mallory
cn: Mallory
sn: M
userPassword: mallory-secret

dn: cn=alice,ou=groups,dc=azgate,dc=test
objectClass: groupOfNames
cn: alice
member: uid=mallory,ou=people,dc=azgate,dc=test

dn: uid=HV-Admins-DL,ou=people,dc=azgate,dc=test
objectClass: inetOrgPerson
uid: HV-Admins-DL
cn: HV Admins
sn: H
userPassword: hv-secret

dn: cn=HV-Admins-DL,ou=groups,dc=azgate,dc=test
objectClass: groupOfNames
cn: HV-Admins-DL
member: uid=carol,ou=people,dc=azgate,dc=test

dn: cn=S-1-5-32-544,ou=groups,dc=azgate,dc=test
objectClass: groupOfNames
cn: S-1-5-32-544
member: uid=mallory,ou=people,dc=azgate,dc=test

dn: cn=uid\=bob\,ou\=people\,dc\=azgate\,dc\=test,ou=groups,dc=azgate,dc=test
objectClass: groupOfNames
cn: uid=bob,ou=people,dc=azgate,dc=test
member: uid=mallory,ou=people,dc=azgate,dc=test

dn: cn=Twins,ou=groups,dc=azgate,dc=test
objectClass: groupOfNames
cn: Twins
member: uid=mallory,ou=people,dc=azgate,dc=test

dn: cn=twins,ou=people,dc=azgate,dc=test
objectClass: groupOfNames
cn: twins
member: uid=bob,ou=people,dc=azgate,dc=test
`

// logBuffer is a slog handler's output, safe for concurrent writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestDirectory_NameCollisionsOpenLDAP: a name that names a user and a
// group, two groups, or looks like a SID or a DN goes into no client
// context — neither the user's nor the group members' — and is reported;
// the entries stay known by their DNs.
func TestDirectory_NameCollisionsOpenLDAP(t *testing.T) {
	srv := startOpenLDAP(t, collisionLDIF)
	var logs logBuffer
	d, err := ldapdir.New(openLDAPConfig(srv), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	ctx := context.Background()

	tests := []struct {
		user                string
		wantIDs, notIDs     []string
		wantGroups, notGrps []string
	}{
		{
			user:       "mallory",
			wantIDs:    []string{"mallory"},
			wantGroups: []string{"cn=alice,ou=groups," + base, "cn=S-1-5-32-544,ou=groups," + base, "cn=Twins,ou=groups," + base},
			notGrps:    []string{"alice", "S-1-5-32-544", "uid=bob,ou=people," + base, "Twins"},
		},
		{
			user:    "alice", // her name is also a group's: she keeps her DN only
			wantIDs: []string{"uid=alice,ou=people," + base},
			notIDs:  []string{"alice"},
			// her other groups are unaffected
			wantGroups: []string{"Global Ops", "Local Admins", "developers"},
		},
		{
			user:    "HV-Admins-DL",
			wantIDs: []string{"uid=HV-Admins-DL,ou=people," + base},
			notIDs:  []string{"HV-Admins-DL"},
		},
		{
			user:       "carol", // in the group HV-Admins-DL, known by its DN only
			wantIDs:    []string{"carol"},
			wantGroups: []string{"cn=HV-Admins-DL,ou=groups," + base, "Others"},
			notGrps:    []string{"HV-Admins-DL"},
		},
		{
			user:       "bob", // his DN is some group's cn: his own DN still names him
			wantIDs:    []string{"bob", "uid=bob,ou=people," + base},
			wantGroups: []string{"CycleA", "cn=twins,ou=people," + base},
			notGrps:    []string{"twins"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			for _, resolve := range []func() (authzContext, error){
				func() (authzContext, error) { return d.Resolve(ctx, tt.user) },
				func() (authzContext, error) { return d.Authenticate(ctx, tt.user, passwords[tt.user]) },
			} {
				cc, err := resolve()
				if err != nil {
					t.Fatal(err)
				}
				checkHas(t, "IDs", cc.IDs, tt.wantIDs, tt.notIDs)
				checkHas(t, "Groups", cc.Groups, tt.wantGroups, tt.notGrps)
				ldapdir.ForgetUser(d, tt.user)
			}
		})
	}

	got := map[string]string{}
	for _, c := range d.Collisions() {
		got[c.Name] = c.Reason + ": " + strings.Join(c.Entries, "; ")
	}
	for name, want := range map[string]string{
		"alice":                     "more than one directory entry: group cn=alice,ou=groups," + base + "; user uid=alice,ou=people," + base,
		"HV-Admins-DL":              "group cn=hv-admins-dl,ou=groups",
		"S-1-5-32-544":              "shaped like a SID",
		"uid=bob,ou=people," + base: "shaped like a DN",
		"Twins":                     "group cn=twins,ou=people",
	} {
		if !strings.Contains(strings.ToLower(got[name]), strings.ToLower(want)) {
			t.Errorf("collision %q = %q, want it to contain %q (all: %v)", name, got[name], want, got)
		}
	}
	if _, ok := got["Global Ops"]; ok || len(got) != 5 {
		t.Errorf("collisions = %v, want exactly the five above", got)
	}
	if l := logs.String(); !strings.Contains(l, "level=WARN") || !strings.Contains(l, "name=HV-Admins-DL") {
		t.Errorf("the collisions are not logged at WARN:\n%s", l)
	}

	// The directory check finds the same, reading every user and group.
	all, err := d.CheckNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(all) != fmt.Sprint(d.Collisions()) {
		t.Errorf("CheckNames = %v\nwant what Resolve found: %v", all, d.Collisions())
	}
}

// TestDirectory_NameCollisionsActiveDirectory: sAMAccountName is unique
// across users and groups in AD, but the preset also names groups by cn,
// which is unique only within a container: a group cn=DAVE elsewhere
// collides with the user dave (and CONTOSO\dave).
func TestDirectory_NameCollisionsActiveDirectory(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{Seed: openLDAPSeed, MemberOfGroupClass: "group"})
	srv.AddLDIF(t, adLDIF(t)+`
dn: ou=teams,ou=ad,dc=azgate,dc=test
objectClass: organizationalUnit
ou: teams

dn: cn=Eve,ou=ad,dc=azgate,dc=test
objectClass: user
cn: Eve
sn: E
sAMAccountName: eve
userPassword: eve-secret

dn: cn=DAVE,ou=teams,ou=ad,dc=azgate,dc=test
objectClass: group
cn: DAVE
sAMAccountName: team-dave
groupType: -2147483646
member: cn=Eve,ou=ad,dc=azgate,dc=test
`)
	cfg := ldapdir.PresetActiveDirectory(srv.URL, "ou=ad,"+base, "CONTOSO")
	cfg.BindDN, cfg.BindPassword = svcDN, svcPW
	d := newDirectory(t, cfg)
	ctx := context.Background()

	eve, err := d.Resolve(ctx, "eve")
	if err != nil {
		t.Fatal(err)
	}
	checkHas(t, "eve's Groups", eve.Groups, []string{"team-dave", `CONTOSO\team-dave`, "cn=DAVE,ou=teams,ou=ad," + base},
		[]string{"dave", `CONTOSO\dave`})
	dave, err := d.Resolve(ctx, "dave")
	if err != nil {
		t.Fatal(err)
	}
	checkHas(t, "dave's IDs", dave.IDs, []string{domainSID + "-1105", "cn=Dave,ou=ad," + base}, []string{"dave", `CONTOSO\dave`})
	checkHas(t, "dave's Groups", dave.Groups, []string{`CONTOSO\HV-Operators`, `CONTOSO\Hyper-V Admins`}, nil)
	var names []string
	for _, c := range d.Collisions() {
		names = append(names, c.Name)
	}
	checkHas(t, "collisions", names, []string{"dave", `CONTOSO\dave`}, []string{"team-dave", "Hyper-V Admins"})
}

type authzContext = directory.ClientContext

var passwords = map[string]string{
	"mallory": "mallory-secret", "alice": alicePW, "HV-Admins-DL": "hv-secret", "carol": "carol-secret", "bob": "bob-secret",
}

func checkHas(t *testing.T, what string, list, want, not []string) {
	t.Helper()
	for _, w := range want {
		if !contains(list, w) {
			t.Errorf("%s %q lack %q", what, list, w)
		}
	}
	for _, n := range not {
		if contains(list, n) {
			t.Errorf("%s %q contain %q", what, list, n)
		}
	}
}
