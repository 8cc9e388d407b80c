package ldapdir_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/directory/ldapdir"
)

// noLeak fails t unless the number of goroutines falls back to at most
// before within a short wait; the failure lists every goroutine.
func noLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines after Close, %d before New:\n%s", n, before, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settledGoroutines returns the number of goroutines once it stops
// changing (goroutines of earlier work may still be ending).
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for range 50 {
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return n
		}
		n = m
	}
	return n
}

// exercise resolves, matches, authenticates, and triggers a background
// refresh, so that every kind of goroutine a Directory has is running.
func exercise(t *testing.T, d *ldapdir.Directory, clock *fakeClock) {
	t.Helper()
	ctx := context.Background()
	alice, err := d.Resolve(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := d.MatchQuery(ctx, alice, "(departmentNumber=ops)"); !ok || err != nil {
		t.Fatalf("MatchQuery = %v, %v", ok, err)
	}
	if _, err := d.Authenticate(ctx, "alice", alicePW); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Resolve(ctx, "nobody"); !errors.Is(err, ldapdir.ErrUnknownUser) {
		t.Fatalf("Resolve(nobody) = %v", err)
	}
	clock.Advance(40 * time.Second) // past RefreshAfter: refreshes
	for _, u := range []string{"alice", "bob"} {
		if _, err := d.Resolve(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDirectory_LifecycleNoLeak: every goroutine New, Start and the calls
// start has returned once Close returns (after a short wait for the LDAP
// client's own readers) — whether Close or the end of Start's context
// stops the work, and without Start.
func TestDirectory_LifecycleNoLeak(t *testing.T) {
	srv := startOpenLDAP(t, "")
	for _, tc := range []struct {
		name  string
		start bool
		// cancelFirst ends Start's context before Close.
		cancelFirst bool
	}{
		{"Start then Close", true, false},
		{"Start, context ends, Close", true, true},
		{"no Start", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := settledGoroutines()
			cfg := openLDAPConfig(srv)
			cfg.CacheTTL, cfg.RefreshAfter = time.Minute, 30*time.Second
			d, err := ldapdir.New(cfg, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			if n := runtime.NumGoroutine(); n > before {
				t.Errorf("New started %d goroutines", n-before)
			}
			clock := newFakeClock()
			ldapdir.SetClock(d, clock.Now)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.start {
				if err := d.Start(ctx); err != nil {
					t.Fatal(err)
				}
				if n := runtime.NumGoroutine(); n <= before {
					t.Errorf("Start started no goroutine (%d, before %d)", n, before)
				}
			}
			exercise(t, d, clock)
			if tc.cancelFirst {
				cancel()
				// Calls still work, refreshing in the caller's goroutine.
				clock.Advance(25 * time.Second) // alice's refreshed answer is past RefreshAfter again
				if _, err := d.Resolve(context.Background(), "alice"); err != nil {
					t.Fatalf("Resolve after Start's context ended: %v", err)
				}
			}
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			noLeak(t, before)
		})
	}
}

func TestDirectory_StartErrors(t *testing.T) {
	srv := startOpenLDAP(t, "")
	d := newUnstartedDirectory(t, openLDAPConfig(srv))
	//lint:ignore SA1012 testing the nil check
	if err := d.Start(nil); err == nil { //nolint:staticcheck // testing the nil check
		t.Error("Start(nil) succeeded")
	}
	if err := d.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := d.Start(t.Context()); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("second Start: %v", err)
	}
	d.Close()
	if err := d.Start(t.Context()); err == nil || !strings.Contains(err.Error(), "after Close") {
		t.Errorf("Start after Close: %v", err)
	}
	if _, err := d.Resolve(context.Background(), "alice"); !errors.Is(err, ldapdir.ErrUnavailable) {
		t.Errorf("Resolve after Close: %v, want ErrUnavailable", err)
	}
}

const zoeLDIF = `dn: uid=zoe,ou=people,dc=azgate,dc=test
objectClass: inetOrgPerson
uid: zoe
cn: Zoe
sn: Z
userPassword: zoe-secret
`

// TestCache_NegativeTTL: "unknown user" is cached for NegativeTTL — a
// user created meanwhile is seen once it ends, and the directory is not
// asked again (it may even be down) — except by Authenticate, whose bind
// proves the user exists. NoNegativeCache turns it off.
func TestCache_NegativeTTL(t *testing.T) {
	ctx := context.Background()
	t.Run("cached for the negative TTL", func(t *testing.T) {
		srv := startOpenLDAP(t, "")
		d, clock := cachedDirectory(t, openLDAPConfig(srv)) // NegativeTTL: default, 30 s
		if _, err := d.Resolve(ctx, "zoe"); !errors.Is(err, ldapdir.ErrUnknownUser) {
			t.Fatalf("Resolve(zoe) = %v, want ErrUnknownUser", err)
		}
		srv.AddLDIF(t, zoeLDIF)
		srv.Stop()
		clock.Advance(29 * time.Second)
		if _, err := d.Resolve(ctx, "ZOE"); !errors.Is(err, ldapdir.ErrUnknownUser) {
			t.Fatalf("within the negative TTL, directory down: Resolve(ZOE) = %v, want the cached ErrUnknownUser", err)
		}
		srv.Restart()
		if _, err := d.Resolve(ctx, "zoe"); !errors.Is(err, ldapdir.ErrUnknownUser) {
			t.Fatalf("within the negative TTL: Resolve(zoe) = %v, want the cached ErrUnknownUser", err)
		}
		clock.Advance(2 * time.Second)
		cc, err := d.Resolve(ctx, "zoe")
		if err != nil || cc.Name != "zoe" {
			t.Fatalf("after the negative TTL: Resolve(zoe) = %+v, %v", cc, err)
		}
	})
	t.Run("Authenticate sees a new user at once", func(t *testing.T) {
		srv := startOpenLDAP(t, "")
		d, _ := cachedDirectory(t, openLDAPConfig(srv))
		if _, err := d.Resolve(ctx, "zoe"); !errors.Is(err, ldapdir.ErrUnknownUser) {
			t.Fatalf("Resolve(zoe) = %v", err)
		}
		srv.AddLDIF(t, zoeLDIF)
		cc, err := d.Authenticate(ctx, "zoe", "zoe-secret")
		if err != nil || cc.Name != "zoe" {
			t.Fatalf("Authenticate(zoe) = %+v, %v", cc, err)
		}
		if _, err := d.Resolve(ctx, "zoe"); err != nil {
			t.Fatalf("Resolve(zoe) after Authenticate: %v", err)
		}
	})
	t.Run("off", func(t *testing.T) {
		srv := startOpenLDAP(t, "")
		cfg := openLDAPConfig(srv)
		cfg.NoNegativeCache = true
		d, _ := cachedDirectory(t, cfg)
		if _, err := d.Resolve(ctx, "zoe"); !errors.Is(err, ldapdir.ErrUnknownUser) {
			t.Fatalf("Resolve(zoe) = %v", err)
		}
		if users, _ := ldapdir.CacheSizes(d); users != 0 {
			t.Errorf("cached answers = %d, want 0", users)
		}
		srv.AddLDIF(t, zoeLDIF)
		if _, err := d.Resolve(ctx, "zoe"); err != nil {
			t.Fatalf("Resolve(zoe) right after creation: %v", err)
		}
	})
}

// TestDirectory_Ping: Ping reaches the directory every time — an outage
// shows at once, even with "unknown user" cached.
func TestDirectory_Ping(t *testing.T) {
	srv := startOpenLDAP(t, "")
	d := newDirectory(t, openLDAPConfig(srv))
	ctx := context.Background()
	if err := d.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if _, err := d.Resolve(ctx, "probe-name"); !errors.Is(err, ldapdir.ErrUnknownUser) {
		t.Fatal(err)
	}
	srv.Stop()
	if err := d.Ping(ctx); !errors.Is(err, ldapdir.ErrUnavailable) {
		t.Errorf("Ping with the directory down: %v, want ErrUnavailable", err)
	}
	srv.Restart()
	if err := d.Ping(ctx); err != nil {
		t.Errorf("Ping after restart: %v", err)
	}
	cfg := openLDAPConfig(srv)
	cfg.UserBase = "ou=missing," + base
	if err := newDirectory(t, cfg).Ping(ctx); !errors.Is(err, ldapdir.ErrUnavailable) {
		t.Errorf("Ping of a missing user base: %v, want ErrUnavailable", err)
	}
	d.Close()
	if err := d.Ping(ctx); !errors.Is(err, ldapdir.ErrUnavailable) {
		t.Errorf("Ping after Close: %v, want ErrUnavailable", err)
	}
}
