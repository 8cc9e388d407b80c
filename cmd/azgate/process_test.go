package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/azgate/azgate/internal/testproc"
)

// TestMain points every command the tests run, in process or as a child,
// at an audit log of their own, not ./data/audit.log in the source tree.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "azgate-cmd-test")
	if err != nil {
		panic(err)
	}
	os.Setenv(auditLogEnv, filepath.Join(dir, "audit.log"))
	testproc.Main(m, func() { os.RemoveAll(dir) })
}

// TestProcesses_ConcurrentEdits runs 8 azgate processes at once, each making
// 50 edits in turn (one process per edit) on one store: no edit may be lost
// and the store must stay valid.
func TestProcesses_ConcurrentEdits(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary 400 times")
	}
	bin := testproc.Binary(t)
	store, _ := newStore(t, "default")
	log := filepath.Join(t.TempDir(), "audit.log")
	const workers, edits = 8, 50
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for n := range edits {
				name := fmt.Sprintf("t-%d-%d", w, n)
				cmd := exec.Command(bin, "task", "create", name, "--op", "View Switches", "--store", store)
				cmd.Env = append(os.Environ(), auditLogEnv+"="+log)
				out, err := cmd.CombinedOutput()
				if err != nil {
					errs <- fmt.Errorf("task create %s: %v\n%s", name, err, out)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d edits by %d concurrent processes in %v", workers*edits, workers, time.Since(start))

	out, err := exec.Command(bin, "task", "list", "--store", store).CombinedOutput()
	if err != nil {
		t.Fatalf("task list: %v\n%s", err, out)
	}
	have := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		have[l] = true
	}
	for w := range workers {
		for n := range edits {
			if name := fmt.Sprintf("t-%d-%d", w, n); !have[name] {
				t.Errorf("task %s is missing", name)
			}
		}
	}
	if len(have) != workers*edits {
		t.Errorf("store has %d tasks, want %d", len(have), workers*edits)
	}
	if out, err := exec.Command(bin, "store", "validate", "--strict", "--store", store).CombinedOutput(); err != nil {
		t.Fatalf("store validate: %v\n%s", err, out)
	}
	// Every edit is recorded once, by the process that made it, in one
	// unbroken chain.
	out, err = exec.Command(bin, "audit", "verify", "--audit-log", log).CombinedOutput()
	if err != nil || !strings.Contains(string(out), fmt.Sprintf("%d records", workers*edits)) {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
	revs := map[string]bool{}
	for _, r := range auditRecords(t, log) {
		if revs[r["new_revision"].(string)] || !strings.HasPrefix(r["what"].(string), "task create t-") {
			t.Fatalf("record %v: a revision twice, or not an edit made", r)
		}
		revs[r["new_revision"].(string)] = true
	}
}
