package ldapdir_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/azgate/azgate/directory/ldapdir"
)

// fakeClock is a settable clock for the caches.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// eventually retries check (in real time) until it returns "" or the
// timeout passes.
func eventually(t *testing.T, timeout time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cachedDirectory returns a started Directory with a one-minute cache
// refreshed after 30 s, on a fake clock.
func cachedDirectory(t *testing.T, cfg ldapdir.Config) (*ldapdir.Directory, *fakeClock) {
	t.Helper()
	return cachedDirectoryOf(t, cfg, newDirectory)
}

func cachedDirectoryOf(t *testing.T, cfg ldapdir.Config, newDir func(testing.TB, ldapdir.Config) *ldapdir.Directory) (*ldapdir.Directory, *fakeClock) {
	t.Helper()
	cfg.CacheTTL = time.Minute
	cfg.RefreshAfter = 30 * time.Second
	cfg.DialTimeout = 500 * time.Millisecond
	cfg.RequestTimeout = 500 * time.Millisecond
	d := newDir(t, cfg)
	clock := newFakeClock()
	ldapdir.SetClock(d, clock.Now)
	return d, clock
}

func TestCache_OutageServesUntilTTLThenDenies(t *testing.T) {
	srv := startOpenLDAP(t, "")
	d, clock := cachedDirectory(t, openLDAPConfig(srv))
	ctx := context.Background()
	alice, err := d.Resolve(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	const ops = "(departmentNumber=ops)"
	if ok, err := d.MatchQuery(ctx, alice, ops); !ok || err != nil {
		t.Fatalf("MatchQuery = %v, %v", ok, err)
	}

	srv.Stop()
	for _, step := range []time.Duration{10 * time.Second, 30 * time.Second, 19 * time.Second} {
		clock.Advance(step) // ages 10s, 40s (background refresh fails), 59s
		cc, err := d.Resolve(ctx, "alice")
		if err != nil || !contains(cc.Groups, "Local Admins") {
			t.Fatalf("during the outage, within the TTL: Resolve = %+v, %v; want the cached context", cc, err)
		}
		if ok, err := d.MatchQuery(ctx, alice, ops); !ok || err != nil {
			t.Fatalf("during the outage, within the TTL: MatchQuery = %v, %v", ok, err)
		}
	}

	clock.Advance(2 * time.Second) // age 61s: expired
	cc, err := d.Resolve(ctx, "alice")
	if !errors.Is(err, ldapdir.ErrUnavailable) || cc.Name != "" || len(cc.Groups) != 0 {
		t.Fatalf("after the TTL: Resolve = %+v, %v; want an empty context and ErrUnavailable", cc, err)
	}
	if ok, err := d.MatchQuery(ctx, alice, ops); ok || !errors.Is(err, ldapdir.ErrUnavailable) {
		t.Fatalf("after the TTL: MatchQuery = %v, %v; want false, ErrUnavailable", ok, err)
	}
	if _, err := d.Authenticate(ctx, "alice", alicePW); !errors.Is(err, ldapdir.ErrUnavailable) {
		t.Fatalf("after the TTL: Authenticate err = %v, want ErrUnavailable", err)
	}

	srv.Restart()
	if _, err := d.Resolve(ctx, "alice"); err != nil {
		t.Fatalf("after the directory came back: %v", err)
	}
}

// TestCache_RefreshSeesChanges: answers used after RefreshAfter are
// refreshed — in the background once started, in the caller's goroutine
// without Start.
func TestCache_RefreshSeesChanges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		newDir func(testing.TB, ldapdir.Config) *ldapdir.Directory
	}{
		{"started", newDirectory},
		{"not started", newUnstartedDirectory},
	} {
		t.Run(tc.name, func(t *testing.T) { testRefreshSeesChanges(t, tc.newDir) })
	}
}

func testRefreshSeesChanges(t *testing.T, newDir func(testing.TB, ldapdir.Config) *ldapdir.Directory) {
	srv := startOpenLDAP(t, "")
	d, clock := cachedDirectoryOf(t, openLDAPConfig(srv), newDir)
	ctx := context.Background()
	for _, u := range []string{"alice", "bob"} {
		if _, err := d.Resolve(ctx, u); err != nil {
			t.Fatal(err)
		}
	}

	srv.AddLDIF(t, `dn: cn=New Team,ou=groups,dc=azgate,dc=test
objectClass: groupOfNames
cn: New Team
member: uid=alice,ou=people,dc=azgate,dc=test

dn: uid=bob,ou=people,dc=azgate,dc=test
changetype: delete
`)
	// Fresh answers are served from the cache, changes unseen.
	clock.Advance(10 * time.Second)
	if cc, _ := d.Resolve(ctx, "alice"); contains(cc.Groups, "New Team") {
		t.Fatal("fresh cached context changed before RefreshAfter")
	}
	if _, err := d.Resolve(ctx, "bob"); err != nil {
		t.Fatalf("bob's fresh cached context: %v", err)
	}

	// Past RefreshAfter: a use serves the cached answer and refreshes it
	// in the background.
	clock.Advance(25 * time.Second)
	eventually(t, 5*time.Second, func() string {
		cc, err := d.Resolve(ctx, "alice")
		if err != nil {
			return err.Error()
		}
		if !contains(cc.Groups, "New Team") {
			return "alice's refreshed context lacks New Team"
		}
		return ""
	})
	// A user deleted from the directory is dropped at once by the
	// refresh, not served until the TTL ends.
	eventually(t, 5*time.Second, func() string {
		if _, err := d.Resolve(ctx, "bob"); !errors.Is(err, ldapdir.ErrUnknownUser) {
			return "bob still resolves after deletion: " + errString(err)
		}
		return ""
	})
}

func TestCache_ConcurrentResolves(t *testing.T) {
	srv := startOpenLDAP(t, "")
	cfg := openLDAPConfig(srv)
	cfg.MaxConns = 2
	d := newDirectory(t, cfg)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := []string{"alice", "bob", "carol"}[i%3]
			cc, err := d.Resolve(ctx, user)
			if err == nil && cc.Name != user {
				err = errors.New("wrong context " + cc.Name + " for " + user)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if users, _ := ldapdir.CacheSizes(d); users != 3 {
		t.Fatalf("cached contexts = %d, want 3", users)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
