package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/directory/localdir"
)

func TestUserAndGroupCommands(t *testing.T) {
	dir := t.TempDir()
	dd := "--data-dir=" + dir
	t.Setenv(passwordEnv, "first-pw")
	steps := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"user", "add", "alice", dd}, 0, `added user "alice"`},
		{[]string{"user", "add", "alice", dd}, exitError, ""},
		{[]string{"user", "add", `CONTOSO\bob`, dd}, exitError, ""},
		{[]string{"group", "add", "HV-Monitors", dd}, 0, `added group "HV-Monitors"`},
		{[]string{"group", "add", "Outer", dd}, 0, ""},
		{[]string{"group", "add-member", "HV-Monitors", "alice", dd}, 0, `added "alice" to group "HV-Monitors"`},
		{[]string{"group", "add-member", "Outer", "HV-Monitors", dd}, 0, ""},
		{[]string{"group", "add-member", "HV-Monitors", "Outer", dd}, exitError, ""}, // cycle
		{[]string{"group", "list", dd}, 0, "alice"},
		{[]string{"user", "token", "create", "alice", "ci", dd}, 0, "azg_"},
		{[]string{"user", "list", dd}, 0, "ci"},
		{[]string{"user", "token", "revoke", "alice", "ci", dd}, 0, `revoked token "ci"`},
		{[]string{"user", "token", "revoke", "alice", "ci", dd}, exitError, ""},
		{[]string{"group", "remove-member", "HV-Monitors", "alice", dd}, 0, `removed "alice"`},
		{[]string{"group", "delete", "Outer", dd}, 0, `deleted group "Outer"`},
		{[]string{"user", "delete", "alice", dd}, 0, `deleted user "alice"`},
		{[]string{"user", "delete", "alice", dd}, exitError, ""},
		{[]string{"user", "add"}, exitError, ""},
	}
	for _, s := range steps {
		out, errOut, code := azgate(t, s.args...)
		if code != s.code || !strings.Contains(out, s.out) {
			t.Fatalf("azgate %q: exit %d, stdout %q, stderr %q; want exit %d and %q", s.args, code, out, errOut, s.code, s.out)
		}
	}
}

// TestUserCommands_LookAlikeNames: a look-alike of an existing name (ſ is
// s, the Kelvin sign is k) is the same name: refused as a duplicate, and
// every other command given it acts on the one account; NFC and NFD stay two.
func TestUserCommands_LookAlikeNames(t *testing.T) {
	dd := "--data-dir=" + t.TempDir()
	t.Setenv(passwordEnv, "first-pw")
	steps := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"user", "add", "sam", dd}, 0, `added user "sam"`},
		{[]string{"user", "add", "ſam", dd}, exitError, "already exists"},
		{[]string{"user", "add", "SAM", dd}, exitError, "already exists"},
		{[]string{"group", "add", "Lab-Staff", dd}, 0, ""},
		{[]string{"group", "add", "Lab-ſtaff", dd}, exitError, "already exists"},
		{[]string{"group", "add", "\u212aelvins", dd}, 0, ""},
		{[]string{"group", "add", "kelvins", dd}, exitError, "already exists"},
		{[]string{"group", "add-member", "Lab-ſtaff", "ſam", dd}, 0, ""},
		{[]string{"group", "add-member", "Lab-Staff", "sam", dd}, exitError, `"sam" is already a member of "Lab-Staff"`},
		{[]string{"user", "token", "create", "ſam", "ci", dd}, 0, "azg_"},
		{[]string{"user", "passwd", "ſam", dd}, 0, ""},
		{[]string{"user", "add", "café", dd}, 0, ""},
		{[]string{"user", "add", "cafe\u0301", dd}, 0, ""},
		{[]string{"user", "list", dd}, 0, "ci"},
		{[]string{"user", "delete", "ſam", dd}, 0, ""},
		{[]string{"user", "delete", "sam", dd}, exitError, ""},
	}
	for _, s := range steps {
		out, errOut, code := azgate(t, s.args...)
		if code != s.code || !strings.Contains(out+errOut, s.out) {
			t.Fatalf("azgate %q: exit %d, stdout %q, stderr %q; want exit %d and %q", s.args, code, out, errOut, s.code, s.out)
		}
	}
}

func TestUserPasswdAndGeneratedPasswords(t *testing.T) {
	dir := t.TempDir()
	dd := "--data-dir=" + dir
	t.Setenv(passwordEnv, "")
	out := mustRun(t, "user", "add", "carol", dd)
	_, pw, ok := strings.Cut(strings.TrimSpace(out), "with password ")
	if !ok || pw == "" {
		t.Fatalf("no generated password in %q", out)
	}
	d, err := localdir.Open(context.Background(), filepath.Join(dir, "directory.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Authenticate(context.Background(), "carol", pw); err != nil {
		t.Fatalf("generated password does not authenticate: %v", err)
	}
	t.Setenv(passwordEnv, "second-pw")
	mustRun(t, "user", "passwd", "carol", dd)
	if _, err := d.Authenticate(context.Background(), "carol", "second-pw"); err != nil {
		t.Fatalf("new password does not authenticate: %v", err)
	}
	if _, err := d.Authenticate(context.Background(), "carol", pw); err == nil {
		t.Fatal("old password still authenticates")
	}
}

// TestUserTokens_TTLAndListing: user token create --ttl sets an expiry;
// user list and user token list show each token's expiry and last use.
func TestUserTokens_TTLAndListing(t *testing.T) {
	dir := t.TempDir()
	dd := "--data-dir=" + dir
	t.Setenv(passwordEnv, "pw")
	mustRun(t, "user", "add", "alice", dd)
	mustRun(t, "user", "add", "bob", dd)
	month := strings.TrimSpace(mustRun(t, "user", "token", "create", "alice", "month", "--ttl", "720h", dd))
	mustRun(t, "user", "token", "create", "alice", "gone", "--ttl", "1ns", dd)
	mustRun(t, "user", "token", "create", "bob", "forever", dd)

	d, err := localdir.Open(context.Background(), filepath.Join(dir, "directory.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.AuthenticateToken(context.Background(), month); err != nil {
		t.Fatalf("the 720h token does not authenticate: %v", err)
	}
	expires := time.Now().Add(720 * time.Hour).UTC().Format("2006-01-02T")
	for _, tc := range []struct {
		args      []string
		code      int
		want, not []string
	}{
		{[]string{"user", "list", dd}, 0, []string{"month (expires " + expires, "last used " + time.Now().UTC().Format("2006-01-02T"),
			"gone (expired ", "never used", "forever (no expiry, never used)"}, nil},
		{[]string{"user", "token", "list", dd}, 0, []string{"USER", "LAST USED", "alice", "month", "gone", "expired", "bob", "forever"}, nil},
		{[]string{"user", "token", "list", "ALICE", dd}, 0, []string{"month", "gone"}, []string{"forever"}},
		{[]string{"user", "token", "list", "carol", dd}, exitError, nil, nil},
		{[]string{"user", "token", "create", "alice", "neg", "--ttl", "-1h", dd}, exitError, nil, nil},
	} {
		out, errOut, code := azgate(t, tc.args...)
		if code != tc.code {
			t.Fatalf("azgate %q: exit %d, want %d\n%s%s", tc.args, code, tc.code, out, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("azgate %q: no %q in\n%s", tc.args, w, out)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(out, w) {
				t.Errorf("azgate %q: %q in\n%s", tc.args, w, out)
			}
		}
	}
}
