package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/azgate/azgate/policies"
)

// TestNew_FailsCleanlyWhenDataDirIsInUse starts a second server on the data
// directory of a running one: the engine database is locked, so New must
// return an error naming it, release what it opened, and never panic.
func TestNew_FailsCleanlyWhenDataDirIsInUse(t *testing.T) {
	first := startServer(t, nil)
	cfg := first.cfg
	var (
		s   *Server
		err error
	)
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("New panicked: %v", r)
			}
		}()
		s, err = New(context.Background(), cfg)
	}()
	if err == nil {
		s.Close()
		t.Fatal("a second server opened a data directory in use")
	}
	if s != nil || !strings.Contains(err.Error(), "engine") {
		t.Fatalf("New = %v, %v; want nil and an error naming the engine database", s, err)
	}
	// The first server still works.
	r := first.do(admin, "GET", "/v1/vms", nil)
	if r.status != 200 {
		t.Fatalf("first server after the failed start: %d %s", r.status, r.body)
	}
}

// TestNew_InvalidStoreSaysHowToMendIt: a store that does not validate fails
// the start (there is no last good policy to keep) with the way out.
func TestNew_InvalidStoreSaysHowToMendIt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "store.xml")
	broken := strings.Replace(string(policies.InitialStore()), "<Member>S-1-5-32-544</Member>",
		"<Member>S-1-5-32-544</Member><TaskLink>00000000-0000-0000-0000-0000000000ff</TaskLink>", 1)
	if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.StoreURL = "msxml://" + path
	_, err := New(context.Background(), cfg)
	if err == nil {
		t.Fatal("New on an invalid store succeeded")
	}
	for _, want := range []string{"00000000-0000-0000-0000-0000000000ff", "azgate store validate", "azgate store repair"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}
