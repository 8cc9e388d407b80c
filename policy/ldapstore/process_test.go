package ldapstore

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/policy"
)

// Environment of the helper process.
const (
	helperEnv = "AZGATE_LDAPSTORE_HELPER"
	helperCfg = "AZGATE_LDAPSTORE_HELPER_CFG" // URL|bind DN|password|store DN
)

// TestHelperProcess is not a test: TestSave_TwoProcesses runs the test
// binary with it to edit the store from another process.
func TestHelperProcess(t *testing.T) {
	name := os.Getenv(helperEnv)
	if name == "" {
		return
	}
	var cfg Config
	if _, err := fmt.Sscanf(os.Getenv(helperCfg), "%s %s %s", &cfg.URL, &cfg.Password, &cfg.BindDN); err != nil {
		fmt.Fprintln(os.Stderr, "helper config:", err)
		os.Exit(2)
	}
	cfg.StoreDN = os.Getenv(helperCfg + "_DN")
	cfg.Timeout = 10 * time.Second
	s, err := Open(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer s.Close()
	n, _ := strconv.Atoi(os.Getenv(helperEnv + "_N"))
	ctx := context.Background()
	for i := range n {
		task := fmt.Sprintf("%s-%d", name, i)
		if _, _, err := policy.Update(ctx, s, func(p *policy.Policy) error {
			return p.CreateTask(policy.Location{App: policy.DefaultApplication}, &policy.Task{Name: task})
		}); err != nil {
			fmt.Fprintln(os.Stderr, task, err)
			os.Exit(1)
		}
	}
	os.Exit(0)
}

// TestSave_TwoProcesses edits one store from two processes at once; no
// edit may be lost.
func TestSave_TwoProcesses(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	dn := newStoreDN(srv)
	if _, err := openStore(t, testConfig(srv, dn)).Save(ctx, policy.NewDefault(), 0); err != nil {
		t.Fatal(err)
	}
	const procs, each = 2, 15
	var cmds []*exec.Cmd
	for i := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), helperEnv+"=p"+strconv.Itoa(i), helperEnv+"_N="+strconv.Itoa(each),
			helperCfg+"="+srv.URL+" "+srv.AdminPassword+" "+srv.AdminDN, helperCfg+"_DN="+dn)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper process: %v", err)
		}
	}
	p, rev, err := openStore(t, testConfig(srv, dn)).Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := p.Application(policy.DefaultApplication)
	if len(a.Tasks) != 1+procs*each {
		t.Fatalf("%d tasks after %d edits from %d processes, want %d", len(a.Tasks), procs*each, procs, 1+procs*each)
	}
	if rev != policy.Revision(1+procs*each) {
		t.Fatalf("revision %d, want %d", rev, 1+procs*each)
	}
}
