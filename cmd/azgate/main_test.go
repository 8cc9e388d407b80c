package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// azgate runs the command line in-process and returns its output and exit
// code.
func azgate(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return out.String(), errb.String(), code
}

// mustRun runs the command line and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := azgate(t, args...)
	if code != 0 {
		t.Fatalf("azgate %q: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errOut)
	}
	return out
}

// newStore creates a store from an example policy ("default" or "book") in
// a temporary directory and returns its URL and file path.
func newStore(t *testing.T, example string) (url, path string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "store.xml")
	url = "msxml://" + path
	mustRun(t, "store", "init", "--store", url, "--example", example)
	return url, path
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// step is one command of a scripted test and what it must produce.
type step struct {
	args      []string
	code      int
	stdout    []string // substrings stdout must contain
	stderr    []string // substrings stderr must contain
	notStdout []string // substrings stdout must not contain
}

func (s step) run(t *testing.T, store string) {
	t.Helper()
	args := append([]string(nil), s.args...)
	if !slices.Contains(args, "--store") {
		args = append(args, "--store", store)
	}
	out, errOut, code := azgate(t, args...)
	if code != s.code {
		t.Errorf("azgate %q: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", s.args, code, s.code, out, errOut)
		return
	}
	s.checkStdout(t, s.args, out)
	s.checkStderr(t, s.args, errOut)
	if s.code == exitError && !strings.HasPrefix(errOut, "azgate: ") {
		t.Errorf("azgate %q: exit 2 without an error message; stderr:\n%s", s.args, errOut)
	}
}

func TestRun_Errors(t *testing.T) {
	store, _ := newStore(t, "default")
	missing := "msxml://" + filepath.Join(t.TempDir(), "none.xml")
	for _, s := range []struct {
		name string
		step
	}{
		{"unknown command", step{args: []string{"frobnicate"}, code: 2, stderr: []string{`unknown command "frobnicate"`}}},
		{"unknown flag", step{args: []string{"task", "list", "--frob"}, code: 2, stderr: []string{"unknown flag: --frob", "azgate task list --help"}}},
		{"missing argument", step{args: []string{"task", "create"}, code: 2, stderr: []string{"accepts 1 arg(s)"}}},
		{"unknown scheme", step{args: []string{"task", "list", "--store", "ftp://x"}, code: 2, stderr: []string{`unknown scheme "ftp"`, "msxml://PATH"}}},
		{"ldap unreachable", step{args: []string{"task", "list", "--store", "msldap://127.0.0.1:1/dc=x"}, code: 2, stderr: []string{"msldap://127.0.0.1:1/dc=x", "unavailable"}}},
		{"missing store", step{args: []string{"task", "list", "--store", missing}, code: 2, stderr: []string{"not found"}}},
		{"unknown app", step{args: []string{"task", "list", "--app", "Nope"}, code: 2, stderr: []string{`application "Nope"`}}},
		{"unknown scope", step{args: []string{"task", "list", "--scope", "Nope"}, code: 2, stderr: []string{`scope "Nope"`}}},
		{"store-level with scope", step{args: []string{"app-group", "list", "--store-level", "--scope", "x"}, code: 2, stderr: []string{"--store-level cannot be combined"}}},
		{"help", step{args: []string{"--store", "msxml://./x.xml", "--help"}, code: 0, stdout: []string{"store", "role-def", "app-group", "check", "who-can"}}},
	} {
		t.Run(s.name, func(t *testing.T) { s.run(t, store) })
	}
}

func (s step) checkStdout(t *testing.T, args []string, out string) {
	t.Helper()
	for _, w := range s.stdout {
		if !strings.Contains(out, w) {
			t.Errorf("azgate %q: stdout lacks %q:\n%s", args, w, out)
		}
	}
	for _, w := range s.notStdout {
		if strings.Contains(out, w) {
			t.Errorf("azgate %q: stdout has %q:\n%s", args, w, out)
		}
	}
}

func (s step) checkStderr(t *testing.T, args []string, errOut string) {
	t.Helper()
	for _, w := range s.stderr {
		if !strings.Contains(errOut, w) {
			t.Errorf("azgate %q: stderr lacks %q:\n%s", args, w, errOut)
		}
	}
}
