package localdir

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/azgate/azgate/internal/names"
)

// fakeClock is a settable clock for cache expiry.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestCredentialCache(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "dir.json")
	d := openDir(t, path, WithRecheckInterval(0)) // sees other writers at once
	d.now = clock.now
	must(t, d.AddUser(ctx, "alice", "pw"))
	hashOf := func() string {
		st, err := d.current(ctx)
		must(t, err)
		return st.users[names.Key("alice")].PasswordHash
	}

	steps := []struct {
		name     string
		do       func()
		user, pw string
		wantErr  error
		wantHit  bool // whether the cache holds a valid entry for alice/pw after the step
		wantSize int
	}{
		{"failed check not cached", nil, "alice", "wrong", ErrBadCredentials, false, 0},
		{"unknown user not cached", nil, "bob", "pw", ErrBadCredentials, false, 0},
		{"success cached", nil, "alice", "pw", nil, true, 1},
		{"hit within TTL", func() { clock.add(59 * time.Second) }, "alice", "pw", nil, true, 1},
		{"other case same entry", nil, "ALICE", "pw", nil, true, 1},
		{"expired then re-verified", func() { clock.add(61 * time.Second) }, "alice", "pw", nil, true, 1},
		{"wrong password still checked", nil, "alice", "pw2", ErrBadCredentials, true, 1},
		{"password changed here", func() { must(t, d.SetPassword(ctx, "alice", "pw2")) }, "alice", "pw", ErrBadCredentials, false, 0},
		{"new password cached", nil, "alice", "pw2", nil, false, 1},
		{"password changed by another process", func() {
			other := openDir(t, path)
			must(t, other.SetPassword(ctx, "alice", "pw3"))
		}, "alice", "pw2", ErrBadCredentials, false, 0}, // stale entry dropped
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.do != nil {
				s.do()
			}
			_, err := d.Authenticate(ctx, s.user, s.pw)
			wantErr(t, err, s.wantErr)
			if got := d.cache.hit("alice", "pw", hashOf()); got != s.wantHit {
				t.Errorf("cache hit for alice/pw = %v, want %v", got, s.wantHit)
			}
			if got := d.cache.len(); got != s.wantSize {
				t.Errorf("cache size %d, want %d", got, s.wantSize)
			}
		})
	}

	t.Run("deleted user", func(t *testing.T) {
		_, err := d.Authenticate(ctx, "alice", "pw3")
		must(t, err)
		must(t, d.DeleteUser(ctx, "alice"))
		must(t, d.AddUser(ctx, "alice", "other")) // same name, new account
		_, err = d.Authenticate(ctx, "alice", "pw3")
		wantErr(t, err, ErrBadCredentials)
	})
	t.Run("disabled", func(t *testing.T) {
		d := newDir(t, WithCredentialCacheTTL(0))
		must(t, d.AddUser(ctx, "alice", "pw"))
		_, err := d.Authenticate(ctx, "alice", "pw")
		must(t, err)
		if d.cache.len() != 0 {
			t.Fatal("disabled cache stored an entry")
		}
	})
}

func TestCredentialCache_Bounded(t *testing.T) {
	now := time.Unix(0, 0)
	c, err := newCredCache(time.Minute, 3, func() time.Time { return now })
	must(t, err)
	for _, u := range []string{"a", "b", "c", "d"} {
		c.add(u, "pw", "h")
	}
	if n := c.len(); n > 3 || n == 0 {
		t.Fatalf("cache size %d, want 1..3", n)
	}
	if !c.hit("d", "pw", "h") {
		t.Fatal("newest entry missing")
	}
	if c.hit("d", "pw", "other-hash") {
		t.Fatal("hit with a different stored hash")
	}
}

// BenchmarkAuthenticate measures HTTP-Basic-style checks at the production
// bcrypt cost with and without the credential cache.
func BenchmarkAuthenticate(b *testing.B) {
	for _, bc := range []struct {
		name string
		ttl  time.Duration
	}{{"uncached", 0}, {"cached", time.Minute}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			d, err := Open(ctx, filepath.Join(b.TempDir(), "dir.json"),
				WithBcryptCost(bcrypt.DefaultCost), WithCredentialCacheTTL(bc.ttl))
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			must(b, d.AddUser(ctx, "alice", "correct horse battery staple"))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Authenticate(ctx, "alice", "correct horse battery staple"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAuthenticateToken(b *testing.B) {
	ctx := context.Background()
	d := newDir(b)
	must(b, d.AddUser(ctx, "alice", "pw"))
	tok, err := d.CreateToken(ctx, "alice", "ci")
	must(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.AuthenticateToken(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}
