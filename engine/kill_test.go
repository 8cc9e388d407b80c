package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

const (
	envHelperDir   = "AZGATE_ENGINE_HELPER_DIR"
	envHelperStart = "AZGATE_ENGINE_HELPER_START"
)

// TestHelperProcess is not a test: run as a child by TestEngine_SurvivesKill,
// it creates VMs in a loop and prints "committed N" after each commit, until
// it is killed (or a minute passes).
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(envHelperDir)
	if dir == "" {
		t.Skip("helper process for TestEngine_SurvivesKill")
	}
	start, err := strconv.Atoi(os.Getenv(envHelperStart))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad start:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	az := newTestAuthz()
	admin := az.grant("writer", "", allOps()...)
	e, err := Open(ctx, Config{Dir: dir, Authorizer: az, LockTimeout: 10 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	deadline := time.Now().Add(time.Minute)
	for i := start; time.Now().Before(deadline); i++ {
		name := fmt.Sprintf("vm-%06d", i)
		if _, err := e.CreateVM(ctx, admin, VMSpec{Name: name, MemoryMB: 64, Processors: 1, Notes: strings.Repeat("x", 512)}); err != nil {
			fmt.Fprintln(os.Stderr, "create:", err)
			os.Exit(2)
		}
		// A second write per step, so kills also land between two commits
		// touching the same VM.
		if _, err := e.StartVM(ctx, admin, name); err != nil {
			fmt.Fprintln(os.Stderr, "start:", err)
			os.Exit(2)
		}
		fmt.Printf("committed %d\n", i)
	}
	os.Exit(3)
}

// TestEngine_SurvivesKill runs a child that writes VMs in a loop, SIGKILLs it
// mid-stream, and checks that the database is consistent and holds every VM
// the child reported committed. Three rounds on the same file.
func TestEngine_SurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	dir := t.TempDir()
	next := 0
	var reported []int // every index a child reported committed, all rounds
	for round := range 3 {
		last := killRound(t, dir, next, 20+round*7)
		for i := next; i <= last; i++ {
			reported = append(reported, i)
		}

		az := newTestAuthz()
		admin := az.grant("reader", "", allOps()...)
		e, err := Open(context.Background(), Config{Dir: dir, Authorizer: az})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		if err := e.backend.(*Simulator).db.View(func(tx *bolt.Tx) error {
			var errs []error
			for err := range tx.Check() {
				errs = append(errs, err)
			}
			return errors.Join(errs...)
		}); err != nil {
			t.Fatalf("round %d: bbolt consistency check: %v", round, err)
		}
		vms := must[[]VM](t)(e.ListVMs(context.Background(), admin))
		have := map[string]VM{}
		for _, vm := range vms {
			have[vm.Name] = vm
		}
		// A VM created but killed before its start committed is Off and was
		// never reported; only reported ones must be Running.
		for _, i := range reported {
			vm, ok := have[fmt.Sprintf("vm-%06d", i)]
			if !ok {
				t.Fatalf("round %d: committed vm-%06d is missing (%d VMs)", round, i, len(vms))
			}
			if vm.State != Running || vm.MemoryMB != 64 {
				t.Fatalf("round %d: vm-%06d = %+v, want Running with 64 MB", round, i, vm)
			}
		}
		// At most the one VM being written when each kill landed is extra.
		if len(vms) > len(reported)+round+1 {
			t.Errorf("round %d: %d VMs, at most %d expected", round, len(vms), len(reported)+round+1)
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		next = len(vms) // continue numbering after what survived
		if _, extra := have[fmt.Sprintf("vm-%06d", last+1)]; extra {
			// Created but killed before the start committed or was reported.
			t.Logf("round %d: vm-%06d was committed but not reported", round, last+1)
		}
		t.Logf("round %d: killed after %d reported commits; %d VMs on disk", round, last+1, len(vms))
	}
}

// killRound starts the helper writing from start, kills it with SIGKILL once
// it has reported at least n commits, and returns the last committed index.
func killRound(t *testing.T, dir string, start, n int) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envHelperDir+"="+dir, envHelperStart+"="+strconv.Itoa(start))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last, seen := start-1, 0
	sc := bufio.NewScanner(out)
	killed := false
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "committed ")
		if !ok {
			continue
		}
		i, err := strconv.Atoi(rest)
		if err != nil {
			t.Fatalf("helper printed %q", sc.Text())
		}
		last = i
		seen++
		if seen >= n && !killed {
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("helper ended before the kill: %v\n%s", err, stderr.String())
	}
	if ee, ok := errors.AsType[*exec.ExitError](err); !ok || ee.ProcessState.String() != "signal: killed" {
		t.Fatalf("helper did not die by SIGKILL: %v\n%s", err, stderr.String())
	}
	return last
}
