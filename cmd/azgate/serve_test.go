package main

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/azgate/azgate/internal/testproc"
)

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestServe_FailsBeforeCreatingAnything starts serve in ways that cannot
// work: each must exit 2 naming the cause, without creating the first
// administrator (no one-time password printed), the store or any file of
// the data directory.
func TestServe_FailsBeforeCreatingAnything(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		name  string
		args  []string
		env   string // $AZGATE_STORE
		wants []string
	}{
		{"busy port", []string{"--listen", busy.Addr().String(), "--create-store"}, "", []string{"listen on " + busy.Addr().String()}},
		{"missing TLS certificate", []string{"--tls-cert", "TMP/cert.pem", "--tls-key", "TMP/key.pem", "--create-store"}, "",
			[]string{"TMP/cert.pem", "no such file"}},
		{"explicit store missing", []string{"--store", "msxml://TMP/stroe.xml"}, "", []string{"TMP/stroe.xml", "does not exist", "--create-store"}},
		{"store from the environment missing", nil, "msxml://TMP/stroe.xml", []string{"TMP/stroe.xml", "does not exist"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv(storeEnv, strings.ReplaceAll(tc.env, "TMP", tmp))
			t.Setenv(dataDirEnv, "")
			args := []string{"serve", "--data-dir", filepath.Join(tmp, "data"), "--listen", "127.0.0.1:0"}
			if !slices.Contains(tc.args, "--store") && tc.env == "" {
				args = append(args, "--store", "msxml://"+filepath.Join(tmp, "store.xml"))
			}
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "TMP", tmp))
			}
			out, errOut, code := azgate(t, args...)
			if code != exitError {
				t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			for _, w := range tc.wants {
				if w = strings.ReplaceAll(w, "TMP", tmp); !strings.Contains(errOut, w) {
					t.Errorf("stderr does not name %q:\n%s", w, errOut)
				}
			}
			if strings.Contains(errOut, "created administrator") {
				t.Errorf("the administrator was created before the start failed:\n%s", errOut)
			}
			if names := dirNames(t, tmp); len(names) != 0 {
				t.Errorf("a failed start created %q", names)
			}
		})
	}
}

// TestServe_CreatesTheStore: the embedded default store is created when no
// store is named (the README's one-command start), and a named one only
// with --create-store.
func TestServe_CreatesTheStore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := testproc.Binary(t)
	for _, tc := range []struct {
		name    string
		args    []string
		created string
	}{
		{"no --store: the embedded default", nil, "InitialStore.xml"},
		{"--store with --create-store", []string{"--store", "msxml://./mine.xml", "--create-store"}, "mine.xml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			p := testproc.Serve(t, bin, testproc.Options{Dir: tmp, Env: []string{
				storeEnv + "=", dataDirEnv + "=", adminPasswordEnv + "=first-admin-pw"}},
				append([]string{"serve", "--listen", "127.0.0.1:0"}, tc.args...)...)
			p.Stop(t)
			if _, err := os.Stat(filepath.Join(tmp, tc.created)); err != nil {
				t.Errorf("store not created: %v\nstderr:\n%s", err, p.Stderr)
			}
			if !strings.Contains(p.Stderr.String(), "listening on") {
				t.Errorf("no address reported:\n%s", p.Stderr)
			}
		})
	}
}
