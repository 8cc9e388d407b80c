package main

import (
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/azgate/azgate/internal/testproc"
)

func TestMain(m *testing.M) { testproc.Main(m) }

// TestProcesses_ConcurrentEdits runs 8 azgate processes at once, each making
// 50 edits in turn (one process per edit) on one store: no edit may be lost
// and the store must stay valid.
func TestProcesses_ConcurrentEdits(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary 400 times")
	}
	bin := testproc.Binary(t)
	store, _ := newStore(t, "default")
	const workers, edits = 8, 50
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for n := range edits {
				name := fmt.Sprintf("t-%d-%d", w, n)
				out, err := exec.Command(bin, "task", "create", name, "--op", "View Switches", "--store", store).CombinedOutput()
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
}
