package localdir

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/directory"
	"golang.org/x/crypto/bcrypt"
)

func newDir(t testing.TB, opts ...Option) *Directory {
	t.Helper()
	return openDir(t, filepath.Join(t.TempDir(), "sub", "directory.json"), opts...)
}

func openDir(t testing.TB, path string, opts ...Option) *Directory {
	t.Helper()
	opts = append([]Option{WithBcryptCost(bcrypt.MinCost)}, opts...)
	d, err := Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if target == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}

var userSIDRe = regexp.MustCompile(`^S-1-5-21-\d+-\d+-\d+-(\d+)$`)

func TestOpen_CreatesFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a", "b", "dir.json")
	d := openDir(t, path)
	fi, err := os.Stat(path)
	must(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	groups, err := d.Groups(ctx)
	must(t, err)
	if len(groups) != 1 || groups[0].Name != AdministratorsName || groups[0].SID != AdministratorsSID {
		t.Fatalf("groups %+v, want only Administrators/%s", groups, AdministratorsSID)
	}
	users, err := d.Users(ctx)
	must(t, err)
	if len(users) != 0 {
		t.Fatalf("users %+v, want none", users)
	}
	must(t, d.AddUser(ctx, "alice", "pw"))
	users, _ = d.Users(ctx)
	if m := userSIDRe.FindStringSubmatch(users[0].SID); m == nil || m[1] != "1000" {
		t.Fatalf("first user SID %q, want S-1-5-21-a-b-c-1000", users[0].SID)
	}
	// Reopening keeps the SIDs (and does not recreate the file).
	d2 := openDir(t, path)
	users2, err := d2.Users(ctx)
	must(t, err)
	if len(users2) != 1 || users2[0].SID != users[0].SID {
		t.Fatalf("after reopen users %+v, want %+v", users2, users)
	}
	// No temporary files are left behind.
	entries, err := os.ReadDir(filepath.Dir(path))
	must(t, err)
	for _, e := range entries {
		if e.Name() != "dir.json" && e.Name() != "dir.json.lock" {
			t.Errorf("unexpected file %s in directory", e.Name())
		}
	}
}

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"plain", "alice", true},
		{"unicode and spaces", "Zoë van Dijk", true},
		{"max length", strings.Repeat("a", 256), true},
		{"empty", "", false},
		{"too long", strings.Repeat("a", 257), false},
		{"control char", "al\x00ice", false},
		{"newline", "al\nice", false},
		{"DEL", "al\x7fice", false},
		{"invalid utf8", "al\xffice", false},
		{"leading space", " alice", false},
		{"backslash", `CONTOSO\alice`, false},
		{"SID shaped", "S-1-5-32-544", false},
		{"SID shaped lower", "s-1-5", false},
		{"SID shaped long s", "ſ-1-5-32-544", false}, // the same name as S-1-5-32-544
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := validateName("user name", tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("validateName(%q) = %v, want ok=%v", tc.in, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
		})
	}
}

func TestDirectory_UserErrors(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	must(t, d.AddUser(ctx, "alice", "pw"))
	must(t, d.AddGroup(ctx, "ops"))
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"duplicate user", d.AddUser(ctx, "alice", "x"), ErrExists},
		{"duplicate user other case", d.AddUser(ctx, "ALICE", "x"), ErrExists},
		{"user named like group", d.AddUser(ctx, "Ops", "x"), ErrExists},
		{"group named like user", d.AddGroup(ctx, "alice"), ErrExists},
		{"group named like Administrators", d.AddGroup(ctx, "administrators"), ErrExists},
		{"empty password", d.AddUser(ctx, "bob", ""), ErrInvalid},
		{"password too long", d.AddUser(ctx, "bob", strings.Repeat("p", 73)), ErrInvalid},
		{"bad user name", d.AddUser(ctx, "b\tob", "x"), ErrInvalid},
		{"bad group name", d.AddGroup(ctx, ""), ErrInvalid},
		{"set password unknown", d.SetPassword(ctx, "nobody", "x"), ErrUnknownUser},
		{"delete unknown user", d.DeleteUser(ctx, "nobody"), ErrUnknownUser},
		{"unknown user is not found", d.DeleteUser(ctx, "nobody"), ErrNotFound},
		{"delete unknown group", d.DeleteGroup(ctx, "nogroup"), ErrNotFound},
		{"delete Administrators", d.DeleteGroup(ctx, AdministratorsName), ErrInvalid},
		{"delete BUILTIN Administrators", d.DeleteGroup(ctx, AdministratorsQualified), ErrInvalid},
		{"delete by admin SID", d.DeleteGroup(ctx, AdministratorsSID), ErrInvalid},
		{"member of unknown group", d.AddMember(ctx, "nogroup", "alice"), ErrNotFound},
		{"unknown member", d.AddMember(ctx, "ops", "nobody"), ErrNotFound},
		{"remove non-member", d.RemoveMember(ctx, "ops", "alice"), ErrNotFound},
		{"token for unknown user", func() error { _, err := d.CreateToken(ctx, "nobody", "t"); return err }(), ErrUnknownUser},
		{"token bad label", func() error { _, err := d.CreateToken(ctx, "alice", ""); return err }(), ErrInvalid},
		{"revoke unknown token", d.RevokeToken(ctx, "alice", "none"), ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.err, tc.want) })
	}
	users, err := d.Users(ctx)
	must(t, err)
	if len(users) != 1 {
		t.Fatalf("failed operations changed users: %+v", users)
	}
	groups, err := d.Groups(ctx)
	must(t, err)
	if len(groups) != 2 {
		t.Fatalf("failed operations changed groups: %+v", groups)
	}
}

func TestDirectory_Authenticate(t *testing.T) {
	ctx := context.Background()
	d := newDir(t, WithCredentialCacheTTL(0))
	must(t, d.AddUser(ctx, "alice", "correct horse"))
	must(t, d.AddUser(ctx, "bob", "battery staple"))
	tests := []struct {
		name, user, password string
		want                 error
		wantName             string
	}{
		{"right password", "alice", "correct horse", nil, "alice"},
		{"user name case-insensitive", "Alice", "correct horse", nil, "alice"},
		{"wrong password", "alice", "battery staple", ErrBadCredentials, ""},
		{"empty password", "alice", "", ErrBadCredentials, ""},
		{"unknown user", "mallory", "correct horse", ErrBadCredentials, ""},
		{"other user", "bob", "battery staple", nil, "bob"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cc, err := d.Authenticate(ctx, tc.user, tc.password)
			wantErr(t, err, tc.want)
			if errors.Is(err, ErrUnknownUser) {
				t.Fatalf("Authenticate reveals unknown user: %v", err)
			}
			if cc.Name != tc.wantName {
				t.Fatalf("Name = %q, want %q", cc.Name, tc.wantName)
			}
			if tc.want == nil && (len(cc.IDs) != 2 || cc.IDs[0] != tc.wantName || !userSIDRe.MatchString(cc.IDs[1])) {
				t.Fatalf("IDs = %v, want [name SID]", cc.IDs)
			}
		})
	}
	must(t, d.SetPassword(ctx, "alice", "new secret"))
	_, err := d.Authenticate(ctx, "alice", "correct horse")
	wantErr(t, err, ErrBadCredentials)
	_, err = d.Authenticate(ctx, "alice", "new secret")
	wantErr(t, err, nil)
	must(t, d.DeleteUser(ctx, "alice"))
	_, err = d.Authenticate(ctx, "alice", "new secret")
	wantErr(t, err, ErrBadCredentials)
}

func TestDirectory_DefaultCost(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dir.json")
	d, err := Open(ctx, path)
	must(t, err)
	defer d.Close()
	must(t, d.AddUser(ctx, "alice", "pw"))
	data, err := os.ReadFile(path)
	must(t, err)
	var fd fileData
	must(t, json.Unmarshal(data, &fd))
	cost, err := bcrypt.Cost([]byte(fd.Users[0].PasswordHash))
	must(t, err)
	if cost != bcrypt.DefaultCost {
		t.Fatalf("bcrypt cost %d, want %d", cost, bcrypt.DefaultCost)
	}
	if strings.Contains(string(data), `"pw"`) {
		t.Fatal("plaintext password stored in file")
	}
	if _, err := d.Authenticate(ctx, "alice", "pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, path, WithBcryptCost(99)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Open with cost 99: %v, want ErrInvalid", err)
	}
}

func TestDirectory_NestedGroups(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	for _, u := range []string{"alice", "bob", "carol"} {
		must(t, d.AddUser(ctx, u, "pw"))
	}
	for _, g := range []string{"team", "ops", "auditors"} {
		must(t, d.AddGroup(ctx, g))
	}
	// alice ∈ team ⊂ ops ⊂ Administrators; bob ∈ ops and auditors; carol in nothing.
	must(t, d.AddMember(ctx, "team", "alice"))
	must(t, d.AddMember(ctx, "ops", "team"))
	must(t, d.AddMember(ctx, AdministratorsQualified, "ops")) // group by qualified name
	must(t, d.AddMember(ctx, "ops", "bob"))
	must(t, d.AddMember(ctx, "auditors", "BOB")) // member name case-insensitive
	groups, err := d.Groups(ctx)
	must(t, err)
	sid := map[string]string{}
	for _, g := range groups {
		sid[g.Name] = g.SID
		if g.Name != AdministratorsName && !userSIDRe.MatchString(g.SID) {
			t.Errorf("group %s SID %q not an account SID", g.Name, g.SID)
		}
	}
	admin := []string{AdministratorsName, AdministratorsQualified, AdministratorsSID}
	tests := []struct {
		user string
		want []string
		not  []string
	}{
		{"alice", append([]string{"team", sid["team"], "ops", sid["ops"]}, admin...), []string{"auditors"}},
		{"bob", append([]string{"ops", sid["ops"], "auditors", sid["auditors"]}, admin...), []string{"team"}},
		{"carol", nil, append([]string{"team", "ops", "auditors"}, admin...)},
	}
	for _, tc := range tests {
		t.Run(tc.user, func(t *testing.T) {
			cc, err := d.Resolve(ctx, tc.user)
			must(t, err)
			for _, g := range tc.want {
				if !slices.Contains(cc.Groups, g) {
					t.Errorf("Groups %v lack %q", cc.Groups, g)
				}
			}
			for _, g := range tc.not {
				if slices.Contains(cc.Groups, g) {
					t.Errorf("Groups %v contain %q", cc.Groups, g)
				}
			}
			if len(cc.Groups) != len(tc.want) {
				t.Errorf("Groups %v, want exactly %v", cc.Groups, tc.want)
			}
		})
	}
	// Removing a link in the chain removes the transitive groups.
	must(t, d.RemoveMember(ctx, "ops", "team"))
	cc, err := d.Resolve(ctx, "alice")
	must(t, err)
	if slices.Contains(cc.Groups, AdministratorsSID) || !slices.Contains(cc.Groups, "team") {
		t.Fatalf("after unlinking team: Groups %v", cc.Groups)
	}
	// Deleting a group removes it from its parents and from users' contexts.
	must(t, d.DeleteGroup(ctx, "ops"))
	cc, err = d.Resolve(ctx, "bob")
	must(t, err)
	if slices.Contains(cc.Groups, AdministratorsSID) || slices.Contains(cc.Groups, "ops") {
		t.Fatalf("after deleting ops: Groups %v", cc.Groups)
	}
	groups, _ = d.Groups(ctx)
	for _, g := range groups {
		if g.Name == AdministratorsName && len(g.Members) != 0 {
			t.Fatalf("Administrators still lists %v", g.Members)
		}
	}
	// Deleting a user removes its memberships.
	must(t, d.DeleteUser(ctx, "bob"))
	groups, _ = d.Groups(ctx)
	for _, g := range groups {
		if slices.Contains(g.Members, "bob") {
			t.Fatalf("group %s still lists deleted bob", g.Name)
		}
	}
}

func TestDirectory_CycleRefused(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	for _, g := range []string{"a", "b", "c"} {
		must(t, d.AddGroup(ctx, g))
	}
	must(t, d.AddMember(ctx, "b", "a")) // a ⊂ b
	must(t, d.AddMember(ctx, "c", "b")) // b ⊂ c
	before, err := os.ReadFile(d.Path())
	must(t, err)
	tests := []struct {
		name, group, member string
	}{
		{"self", "a", "a"},
		{"direct", "a", "b"},
		{"indirect", "a", "c"},
		{"by SID", "b", "c"},
	}
	groups, _ := d.Groups(ctx)
	for _, g := range groups {
		if g.Name == "c" {
			tests[3].member = g.SID
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, d.AddMember(ctx, tc.group, tc.member), ErrCycle)
		})
	}
	after, err := os.ReadFile(d.Path())
	must(t, err)
	if string(before) != string(after) {
		t.Fatal("refused cycle changed the file")
	}
	wantErr(t, d.AddMember(ctx, "b", "a"), ErrExists)
	must(t, d.AddMember(ctx, "c", "a")) // redundant path, not a cycle
}

func TestDirectory_Tokens(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	must(t, d.AddUser(ctx, "alice", "pw"))
	must(t, d.AddUser(ctx, "bob", "pw"))
	must(t, d.AddMember(ctx, AdministratorsName, "alice"))
	tokA, err := d.CreateToken(ctx, "alice", "ci")
	must(t, err)
	tokB, err := d.CreateToken(ctx, "bob", "ci") // labels are per user
	must(t, err)
	if !regexp.MustCompile(`^azg_[A-Za-z0-9_-]{43}$`).MatchString(tokA) {
		t.Fatalf("token %q has the wrong format", tokA)
	}
	_, err = d.CreateToken(ctx, "alice", "CI")
	wantErr(t, err, ErrExists)
	data, err := os.ReadFile(d.Path())
	must(t, err)
	if strings.Contains(string(data), tokA) || strings.Contains(string(data), tokA[4:]) {
		t.Fatal("plaintext token stored in file")
	}
	tests := []struct {
		name, token, wantName string
		want                  error
	}{
		{"alice", tokA, "alice", nil},
		{"bob", tokB, "bob", nil},
		{"no prefix", tokA[4:], "", ErrBadCredentials},
		{"altered", tokA[:len(tokA)-1] + "x", "", ErrBadCredentials},
		{"empty", "", "", ErrBadCredentials},
		{"prefix only", "azg_", "", ErrBadCredentials},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cc, err := d.AuthenticateToken(ctx, tc.token)
			wantErr(t, err, tc.want)
			if cc.Name != tc.wantName {
				t.Fatalf("Name %q, want %q", cc.Name, tc.wantName)
			}
		})
	}
	cc, err := d.AuthenticateToken(ctx, tokA)
	must(t, err)
	if !slices.Contains(cc.Groups, AdministratorsSID) {
		t.Fatalf("token context lacks admin group: %v", cc.Groups)
	}
	users, _ := d.Users(ctx)
	if len(users[0].Tokens) != 1 || users[0].Tokens[0].Label != "ci" || users[0].Tokens[0].Created.IsZero() {
		t.Fatalf("Users tokens %+v", users[0].Tokens)
	}
	must(t, d.RevokeToken(ctx, "alice", "ci"))
	_, err = d.AuthenticateToken(ctx, tokA)
	wantErr(t, err, ErrBadCredentials)
	_, err = d.AuthenticateToken(ctx, tokB)
	wantErr(t, err, nil)
	must(t, d.DeleteUser(ctx, "bob"))
	_, err = d.AuthenticateToken(ctx, tokB)
	wantErr(t, err, ErrBadCredentials)
}

func TestDirectory_Resolve(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	must(t, d.AddUser(ctx, "alice", "pw"))
	users, _ := d.Users(ctx)
	tests := []struct {
		name, in string
		want     error
	}{
		{"name", "alice", nil},
		{"name upper", "ALICE", nil},
		{"SID", users[0].SID, nil},
		{"SID lower", strings.ToLower(users[0].SID), nil},
		{"unknown", "bob", ErrUnknownUser},
		{"group is not a user", AdministratorsName, ErrUnknownUser},
		{"group SID is not a user", AdministratorsSID, ErrUnknownUser},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cc, err := d.Resolve(ctx, tc.in)
			wantErr(t, err, tc.want)
			if tc.want == nil && (cc.Name != "alice" || cc.IDs[1] != users[0].SID) {
				t.Fatalf("context %+v", cc)
			}
		})
	}
}

func TestDirectory_EnsureAdmin(t *testing.T) {
	ctx := context.Background()
	t.Run("generated password", func(t *testing.T) {
		d := newDir(t)
		created, pw, err := d.EnsureAdmin(ctx, "admin", "")
		must(t, err)
		if !created || len(pw) < 20 {
			t.Fatalf("created=%v password %q, want created and >= 20 chars", created, pw)
		}
		cc, err := d.Authenticate(ctx, "admin", pw)
		must(t, err)
		if !slices.Contains(cc.Groups, AdministratorsSID) {
			t.Fatalf("admin groups %v", cc.Groups)
		}
		created, pw2, err := d.EnsureAdmin(ctx, "admin2", "")
		must(t, err)
		if created || pw2 != "" {
			t.Fatal("second EnsureAdmin created another administrator")
		}
		// Another instance generates different passwords.
		d2 := newDir(t)
		_, pw3, err := d2.EnsureAdmin(ctx, "admin", "")
		must(t, err)
		if pw3 == pw {
			t.Fatal("generated passwords repeat")
		}
	})
	t.Run("given password", func(t *testing.T) {
		d := newDir(t)
		created, pw, err := d.EnsureAdmin(ctx, "root", "s3cret")
		must(t, err)
		if !created || pw != "" {
			t.Fatalf("created=%v generated=%q", created, pw)
		}
		_, err = d.Authenticate(ctx, "root", "s3cret")
		must(t, err)
	})
	t.Run("nested admin counts", func(t *testing.T) {
		d := newDir(t)
		must(t, d.AddUser(ctx, "alice", "pw"))
		must(t, d.AddGroup(ctx, "ops"))
		must(t, d.AddMember(ctx, "ops", "alice"))
		must(t, d.AddMember(ctx, AdministratorsName, "ops"))
		created, _, err := d.EnsureAdmin(ctx, "admin", "")
		must(t, err)
		if created {
			t.Fatal("created an administrator although alice is one through ops")
		}
	})
	t.Run("existing non-admin user", func(t *testing.T) {
		d := newDir(t)
		must(t, d.AddUser(ctx, "admin", "pw"))
		_, _, err := d.EnsureAdmin(ctx, "admin", "")
		wantErr(t, err, ErrExists)
		cc, err := d.Resolve(ctx, "admin")
		must(t, err)
		if slices.Contains(cc.Groups, AdministratorsSID) {
			t.Fatal("existing user was promoted")
		}
	})
	t.Run("bad name", func(t *testing.T) {
		d := newDir(t)
		_, _, err := d.EnsureAdmin(ctx, "", "")
		wantErr(t, err, ErrInvalid)
	})
}

func TestOpen_CorruptFile(t *testing.T) {
	ctx := context.Background()
	// A valid file to derive broken variants from.
	base := func() *fileData {
		fd, err := newFileData(time.Now())
		must(t, err)
		fd.MachineSID = "S-1-5-21-1-2-3"
		h, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
		must(t, err)
		fd.Users = []userRec{{Name: "alice", SID: "S-1-5-21-1-2-3-1000", PasswordHash: string(h)}}
		fd.Groups = append(fd.Groups, groupRec{Name: "ops", SID: "S-1-5-21-1-2-3-1001", Members: []string{"alice"}})
		fd.NextRID = 1002
		return fd
	}
	enc := func(fd *fileData) string {
		b, err := encode(fd)
		must(t, err)
		return string(b)
	}
	mod := func(f func(fd *fileData)) string { fd := base(); f(fd); return enc(fd) }
	tests := []struct {
		name, content, wantSub string
	}{
		{"empty", "", "parse JSON"},
		{"not JSON", "users: []", "parse JSON"},
		{"truncated", enc(base())[:40], "parse JSON"},
		{"trailing data", enc(base()) + "{}", "trailing data"},
		{"unknown field", strings.Replace(enc(base()), `"version"`, `"colour": 1, "version"`, 1), "unknown field"},
		{"wrong version", mod(func(fd *fileData) { fd.Version = 7 }), "version 7"},
		{"bad machine SID", mod(func(fd *fileData) { fd.MachineSID = "S-1-5-32" }), "machine_sid"},
		{"no Administrators", mod(func(fd *fileData) { fd.Groups = fd.Groups[1:] }), "Administrators"},
		{"Administrators wrong SID", mod(func(fd *fileData) { fd.Groups[0].SID = "S-1-5-21-1-2-3-1005" }), "S-1-5-32-544"},
		{"duplicate user", mod(func(fd *fileData) {
			u := fd.Users[0]
			u.Name = "ALICE"
			u.SID = "S-1-5-21-1-2-3-1003"
			fd.NextRID = 1004
			fd.Users = append(fd.Users, u)
		}), `users "alice" and "ALICE" are the same name`},
		{"look-alike users", mod(func(fd *fileData) { // written by an azgate that lower-cased names
			u := fd.Users[0]
			u.Name, fd.Users[0].Name = "ſam", "sam"
			u.SID = "S-1-5-21-1-2-3-1003"
			fd.NextRID = 1004
			fd.Users = append(fd.Users, u)
			fd.Groups[1].Members = []string{"sam"}
		}), `users "sam" and "ſam" are the same name`},
		{"look-alike groups", mod(func(fd *fileData) {
			fd.Groups = append(fd.Groups, groupRec{Name: "ſtaff", SID: "S-1-5-21-1-2-3-1003"}, groupRec{Name: "Staff", SID: "S-1-5-21-1-2-3-1004"})
			fd.NextRID = 1005
		}), `groups "ſtaff" and "Staff" are the same name`},
		{"look-alike user and group", mod(func(fd *fileData) {
			fd.Users[0].Name, fd.Groups[1].Members, fd.Groups[1].Name = "sam", []string{"sam"}, "ſAM"
		}), `user and group "sam" and "ſAM" are the same name`},
		{"look-alike token labels", mod(func(fd *fileData) {
			fd.Users[0].Tokens = []tokenRec{{Label: "ſsh", SHA256: strings.Repeat("a", 64)}, {Label: "SSH", SHA256: strings.Repeat("b", 64)}}
		}), `token labels "ſsh" and "SSH" are the same name`},
		{"look-alike members", mod(func(fd *fileData) { fd.Groups[1].Members = []string{"alice", "ALICE"} }), `listed twice (as "alice" and "ALICE")`},
		{"duplicate SID", mod(func(fd *fileData) { fd.Groups[1].SID = fd.Users[0].SID }), "also used"},
		{"RID beyond next", mod(func(fd *fileData) { fd.NextRID = 1001 }), "RID outside"},
		{"bad hash", mod(func(fd *fileData) { fd.Users[0].PasswordHash = "plaintext" }), "bcrypt"},
		{"unknown member", mod(func(fd *fileData) { fd.Groups[1].Members = []string{"ghost"} }), "ghost"},
		{"cycle", mod(func(fd *fileData) {
			fd.Groups[1].Members = append(fd.Groups[1].Members, "Administrators")
			fd.Groups[0].Members = []string{"ops"}
		}), "cycle"},
		{"bad token hash", mod(func(fd *fileData) { fd.Users[0].Tokens = []tokenRec{{Label: "t", SHA256: "abc"}} }), "sha256"},
		{"bad name", mod(func(fd *fileData) { fd.Users[0].Name = "a\x01" }), "control"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dir.json")
			must(t, os.WriteFile(path, []byte(tc.content), 0o600))
			_, err := Open(ctx, path, WithBcryptCost(bcrypt.MinCost))
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open: %v, want ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.wantSub) {
				t.Fatalf("error %q does not name the file %s and %q", err, path, tc.wantSub)
			}
			got, rerr := os.ReadFile(path)
			must(t, rerr)
			if string(got) != tc.content {
				t.Fatal("corrupt file was modified")
			}
		})
	}
	t.Run("base is valid", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "dir.json")
		must(t, os.WriteFile(path, []byte(enc(base())), 0o600))
		d := openDir(t, path)
		cc, err := d.Authenticate(ctx, "alice", "pw")
		must(t, err)
		if !slices.Contains(cc.Groups, "S-1-5-21-1-2-3-1001") {
			t.Fatalf("groups %v", cc.Groups)
		}
	})
	t.Run("corrupted while open", func(t *testing.T) {
		d := newDir(t)
		must(t, d.AddUser(ctx, "alice", "pw"))
		must(t, os.WriteFile(d.Path(), []byte("{garbage"), 0o600))
		for name, err := range map[string]error{
			"Users":        func() error { _, err := d.Users(ctx); return err }(),
			"Authenticate": func() error { _, err := d.Authenticate(ctx, "alice", "pw"); return err }(),
			"AddUser":      d.AddUser(ctx, "bob", "pw"),
		} {
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), d.Path()) {
				t.Errorf("%s: %v, want ErrCorrupt naming %s", name, err, d.Path())
			}
		}
	})
}

// TestDirectory_LookAlikeNames: names compare by names.Equal (simple Unicode
// case folding), so a look-alike of an existing user or group is refused
// as a duplicate and every command given a look-alike acts on the one
// account it names; NFC and NFD spellings stay two names.
func TestDirectory_LookAlikeNames(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, a, b string
		same       bool
	}{
		{"long s", "sam", "ſam", true},
		{"long s in a group name", "Lab-Staff", "Lab-ſtaff", true},
		{"Kelvin sign", "kelvin", "\u212aelvin", true},
		{"case", "Zoë", "ZOË", true},
		{"NFC and NFD", "café", "cafe\u0301", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDir(t)
			must(t, d.AddUser(ctx, tc.a, "pw-a"))
			must(t, d.AddGroup(ctx, "g-"+tc.a))
			if !tc.same {
				must(t, d.AddUser(ctx, tc.b, "pw-b"))
				must(t, d.AddGroup(ctx, "g-"+tc.b))
				must(t, d.AddMember(ctx, "g-"+tc.b, tc.b))
				cc, err := d.Authenticate(ctx, tc.b, "pw-b")
				must(t, err)
				if cc.Name != tc.b || !slices.Contains(cc.Groups, "g-"+tc.b) || slices.Contains(cc.Groups, "g-"+tc.a) {
					t.Fatalf("%q is %+v, want its own account and group", tc.b, cc)
				}
				return
			}
			wantErr(t, d.AddUser(ctx, tc.b, "pw-b"), ErrExists)
			wantErr(t, d.AddGroup(ctx, tc.b), ErrExists)
			wantErr(t, d.AddGroup(ctx, "g-"+tc.b), ErrExists)
			// Every command given the look-alike acts on the one account.
			must(t, d.SetPassword(ctx, tc.b, "pw-b"))
			must(t, d.AddMember(ctx, "g-"+tc.b, tc.b))
			wantErr(t, d.AddMember(ctx, "g-"+tc.a, tc.a), ErrExists)
			tok, err := d.CreateToken(ctx, tc.b, "t")
			must(t, err)
			for _, auth := range []func() (directory.ClientContext, error){
				func() (directory.ClientContext, error) { return d.Authenticate(ctx, tc.a, "pw-b") },
				func() (directory.ClientContext, error) { return d.AuthenticateToken(ctx, tok) },
				func() (directory.ClientContext, error) { return d.Resolve(ctx, tc.b) },
			} {
				cc, err := auth()
				must(t, err)
				if cc.Name != tc.a || !slices.Contains(cc.Groups, "g-"+tc.a) {
					t.Fatalf("client context %+v, want user %q in group %q", cc, tc.a, "g-"+tc.a)
				}
			}
			users, err := d.Users(ctx)
			must(t, err)
			groups, err := d.Groups(ctx)
			must(t, err)
			if len(users) != 1 || len(groups) != 2 || !slices.Equal(groups[1].Members, []string{tc.a}) {
				t.Fatalf("users %+v, groups %+v; want one user, in g-%s", users, groups, tc.a)
			}
			must(t, d.RevokeToken(ctx, tc.b, "T"))
			must(t, d.RemoveMember(ctx, "g-"+tc.b, tc.a))
			must(t, d.DeleteGroup(ctx, "g-"+tc.b))
			must(t, d.DeleteUser(ctx, tc.b))
			if users, err = d.Users(ctx); err != nil || len(users) != 0 {
				t.Fatalf("users after delete: %+v, %v", users, err)
			}
		})
	}
}

func TestDirectory_ReloadsChangesFromOtherWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dir.json")
	d1 := openDir(t, path, WithRecheckInterval(0)) // both see the other's writes at once
	d2 := openDir(t, path, WithRecheckInterval(0))
	if _, err := d2.Users(ctx); err != nil { // load before the change
		t.Fatal(err)
	}
	must(t, d1.AddUser(ctx, "alice", "pw"))
	cc, err := d2.Authenticate(ctx, "alice", "pw")
	must(t, err)
	if cc.Name != "alice" {
		t.Fatalf("d2 authenticated %q", cc.Name)
	}
	must(t, d1.AddMember(ctx, AdministratorsName, "alice"))
	cc, err = d2.Resolve(ctx, "alice")
	must(t, err)
	if !slices.Contains(cc.Groups, AdministratorsSID) {
		t.Fatalf("d2 did not see the membership: %v", cc.Groups)
	}
	must(t, d2.DeleteUser(ctx, "alice"))
	_, err = d1.Resolve(ctx, "alice")
	wantErr(t, err, ErrUnknownUser)
}

func TestDirectory_ContextCanceled(t *testing.T) {
	d := newDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, err := range map[string]error{
		"AddUser":      d.AddUser(ctx, "alice", "pw"),
		"Users":        func() error { _, err := d.Users(ctx); return err }(),
		"Authenticate": func() error { _, err := d.Authenticate(ctx, "alice", "pw"); return err }(),
	} {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v, want context.Canceled", name, err)
		}
	}
}

func TestDirectory_Domain(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		domain     string
		wantIDs    []string
		wantGroups []string
	}{
		{"", []string{"bob"}, []string{"HV-Monitors", "Ops"}},
		{"CONTOSO", []string{"bob", `CONTOSO\bob`}, []string{"HV-Monitors", `CONTOSO\HV-Monitors`, "Ops", `CONTOSO\Ops`}},
	} {
		t.Run("domain="+tc.domain, func(t *testing.T) {
			d := newDir(t, WithDomain(tc.domain))
			must(t, d.AddUser(ctx, "bob", "pw"))
			must(t, d.AddGroup(ctx, "Ops"))
			must(t, d.AddGroup(ctx, "HV-Monitors"))
			must(t, d.AddMember(ctx, "Ops", "bob"))
			must(t, d.AddMember(ctx, "HV-Monitors", "Ops"))
			cc, err := d.Authenticate(ctx, "bob", "pw")
			must(t, err)
			for _, id := range tc.wantIDs {
				if !slices.Contains(cc.IDs, id) {
					t.Errorf("IDs %v lack %q", cc.IDs, id)
				}
			}
			for _, g := range tc.wantGroups {
				if !slices.Contains(cc.Groups, g) {
					t.Errorf("Groups %v lack %q", cc.Groups, g)
				}
			}
			if tc.domain == "" && slices.ContainsFunc(append(cc.IDs, cc.Groups...), func(s string) bool { return strings.Contains(s, `\`) }) {
				t.Errorf("no domain, yet qualified names: %+v", cc)
			}
		})
	}
}

func TestDirectory_Aliases(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	must(t, d.AddUser(ctx, "rick@the-citadel.com", "pw"))
	must(t, d.AddUser(ctx, "morty", "pw"))
	must(t, d.AddGroup(ctx, "editors"))
	must(t, d.AddAlias(ctx, "rick@the-citadel.com", "CiRmZDA2MTRkMy1j"))
	users, _ := d.Users(ctx)
	var morty User
	for _, u := range users {
		if u.Name == "morty" {
			morty = u
		}
	}
	add := []struct {
		name, user, alias string
		want              error
	}{
		{"second alias", "RICK@the-citadel.com", "rick", nil},
		{"by alias", "rick", "rick sanchez", nil},
		{"another user's alias", "morty", "CIRMZDA2MTRKMY1J", ErrExists},
		{"a user's name", "rick", "morty", ErrExists},
		{"a group's name", "rick", "Editors", ErrExists},
		{"a SID", "rick", morty.SID, ErrInvalid},
		{"a backslash", "rick", `CITADEL\rick`, ErrInvalid},
		{"unknown user", "summer", "s", ErrUnknownUser},
	}
	for _, tc := range add {
		t.Run("add/"+tc.name, func(t *testing.T) {
			wantErr(t, d.AddAlias(ctx, tc.user, tc.alias), tc.want)
		})
	}
	for _, name := range []string{"cirmzda2mtrkmy1j", "rick", "Rick Sanchez"} {
		cc, err := d.Resolve(ctx, name)
		must(t, err)
		if cc.Name != "rick@the-citadel.com" || !slices.Contains(cc.IDs, "CiRmZDA2MTRkMy1j") || !slices.Contains(cc.IDs, "rick sanchez") {
			t.Fatalf("Resolve(%q) = %+v", name, cc)
		}
	}
	// A name an alias holds cannot be taken by a new user or group.
	wantErr(t, d.AddUser(ctx, "RICK", "pw"), ErrExists)
	wantErr(t, d.AddGroup(ctx, "rick sanchez"), ErrExists)
	// Group membership by alias stores the user's name.
	must(t, d.AddMember(ctx, "editors", "rick"))
	gs, _ := d.Groups(ctx)
	for _, g := range gs {
		if g.Name == "editors" && !slices.Equal(g.Members, []string{"rick@the-citadel.com"}) {
			t.Fatalf("editors members %v", g.Members)
		}
	}
	must(t, d.RemoveAlias(ctx, "rick@the-citadel.com", "RICK"))
	wantErr(t, d.RemoveAlias(ctx, "rick@the-citadel.com", "rick"), ErrNotFound)
	if _, err := d.Resolve(ctx, "rick"); !errors.Is(err, ErrUnknownUser) {
		t.Fatalf("resolve a removed alias: %v", err)
	}
	// A file whose alias collides with a group's name does not load.
	data, err := os.ReadFile(d.Path())
	must(t, err)
	var fd map[string]any
	must(t, json.Unmarshal(data, &fd))
	u := fd["users"].([]any)[0].(map[string]any)
	u["aliases"] = []any{"EDITORS"}
	data, _ = json.Marshal(fd)
	path := filepath.Join(t.TempDir(), "directory.json")
	must(t, os.WriteFile(path, data, 0o600))
	_, err = Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), `alias "EDITORS"`) {
		t.Fatalf("open a file with a colliding alias: %v", err)
	}
}
