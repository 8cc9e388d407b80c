package localdir

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Environment of the re-executed test binary acting as a second process.
const (
	envHelper = "LOCALDIR_TEST_HELPER"
	envPath   = "LOCALDIR_TEST_PATH"
	envPrefix = "LOCALDIR_TEST_PREFIX"
	envCount  = "LOCALDIR_TEST_COUNT"
)

func TestMain(m *testing.M) {
	if os.Getenv(envHelper) == "adduser" {
		if err := helperAddUsers(); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// helperAddUsers adds COUNT users PREFIX0..PREFIXn and puts each in the
// shared group "staff": every add is a read-modify-write of the same file.
func helperAddUsers() error {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	n, err := strconv.Atoi(os.Getenv(envCount))
	if err != nil {
		return err
	}
	d, err := Open(ctx, os.Getenv(envPath), WithBcryptCost(bcrypt.MinCost))
	if err != nil {
		return err
	}
	defer d.Close()
	for i := range n {
		name := fmt.Sprintf("%s%d", os.Getenv(envPrefix), i)
		if err := d.AddUser(ctx, name, "pw-"+name); err != nil {
			return err
		}
		if err := d.AddMember(ctx, "staff", name); err != nil {
			return err
		}
	}
	return nil
}

func TestDirectory_ConcurrentProcessesLoseNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dir.json")
	d := openDir(t, path)
	must(t, d.AddGroup(ctx, "staff"))

	const perWriter = 30
	prefixes := []string{"p1-", "p2-"}
	var wg sync.WaitGroup
	errs := make(chan error, len(prefixes)+1)
	for _, p := range prefixes {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envHelper+"=adduser", envPath+"="+path, envPrefix+"="+p, envCount+"="+strconv.Itoa(perWriter))
		wg.Go(func() {
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("helper %s: %v: %s", p, err, out)
			}
		})
	}
	// This process writes too, through a second Directory on the same file.
	wg.Go(func() {
		d2, err := Open(ctx, path, WithBcryptCost(bcrypt.MinCost))
		if err != nil {
			errs <- err
			return
		}
		defer d2.Close()
		for i := range perWriter {
			name := fmt.Sprintf("local-%d", i)
			if err := d2.AddUser(ctx, name, "pw-"+name); err != nil {
				errs <- err
				return
			}
			if err := d2.AddMember(ctx, "staff", name); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	users, err := d.Users(ctx)
	must(t, err)
	if len(users) != 3*perWriter {
		t.Fatalf("got %d users, want %d", len(users), 3*perWriter)
	}
	sids := map[string]bool{}
	for _, u := range users {
		if sids[u.SID] {
			t.Fatalf("SID %s assigned twice", u.SID)
		}
		sids[u.SID] = true
	}
	groups, err := d.Groups(ctx)
	must(t, err)
	i := slices.IndexFunc(groups, func(g Group) bool { return g.Name == "staff" })
	if got := len(groups[i].Members); got != 3*perWriter {
		t.Fatalf("staff has %d members, want %d", got, 3*perWriter)
	}
	for _, name := range []string{"p1-0", "p2-29", "local-15"} {
		cc, err := d.Authenticate(ctx, name, "pw-"+name)
		must(t, err)
		if !slices.Contains(cc.Groups, "staff") {
			t.Fatalf("%s groups %v lack staff", name, cc.Groups)
		}
	}
}
