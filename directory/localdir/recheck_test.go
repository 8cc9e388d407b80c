package localdir

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDirectory_RecheckInterval: the authentication path looks at the file
// at most once per recheck interval, sees changes made through any
// Directory of this process at once, lists always read the file, and a
// file that goes bad fails every call until it is good again.
func TestDirectory_RecheckInterval(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	real := filepath.Join(root, "real")
	must(t, os.MkdirAll(real, 0o700))
	path := filepath.Join(real, "directory.json")
	// Another Directory on the file stands for another process: its writes
	// are invisible to d until d looks at the file again. (The symlinked
	// path checks that the file is the same whatever path names it.)
	link := filepath.Join(root, "link")
	must(t, os.Symlink(real, link))

	const interval = 250 * time.Millisecond
	d := openDir(t, path, WithRecheckInterval(interval))
	clock := &fakeClock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	d.now = clock.now
	eager := openDir(t, path, WithRecheckInterval(0))
	other := openDir(t, filepath.Join(link, "directory.json"))
	same := openDir(t, path) // another Directory of this process, same path

	must(t, d.AddUser(ctx, "alice", "pw"))
	tok, err := d.CreateToken(ctx, "alice", "t1")
	must(t, err)
	tok2, err := d.CreateToken(ctx, "alice", "t2")
	must(t, err)
	auth := func(d *Directory, tok string) error { _, err := d.AuthenticateToken(ctx, tok); return err }

	steps := []struct {
		name          string
		do            func()
		tok           string
		want          error // from d.AuthenticateToken
		wantEager     error // from eager.AuthenticateToken
		wantListsBob  bool  // d.Users lists bob
		wantResolveOK bool  // d.Resolve("alice") succeeds
	}{
		{"own write seen at once", nil, tok, nil, nil, false, true},
		{"other process: not seen within the interval", func() { must(t, other.RevokeToken(ctx, "alice", "t1")) },
			tok, nil, ErrBadCredentials, false, true},
		{"other process: seen after the interval", func() { clock.add(interval) }, tok, ErrBadCredentials, ErrBadCredentials, false, true},
		{"lists read the file at once", func() { must(t, other.AddUser(ctx, "bob", "pw")) }, tok2, nil, nil, true, true},
		{"other Directory of this process: not seen within the interval", func() { must(t, same.DeleteUser(ctx, "alice")) },
			tok2, nil, ErrBadCredentials, true, false}, // Users (a list) read the file, so Resolve sees it
		{"other Directory of this process: seen after the interval", func() { clock.add(interval) },
			tok2, ErrBadCredentials, ErrBadCredentials, true, false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.do != nil {
				s.do()
			}
			wantErr(t, auth(d, s.tok), s.want)
			wantErr(t, auth(eager, s.tok), s.wantEager)
			users, err := d.Users(ctx)
			must(t, err)
			if got := slices.ContainsFunc(users, func(u User) bool { return u.Name == "bob" }); got != s.wantListsBob {
				t.Errorf("Users lists bob: %v, want %v", got, s.wantListsBob)
			}
			if _, err := d.Resolve(ctx, "alice"); (err == nil) != s.wantResolveOK {
				t.Errorf("Resolve(alice) = %v, want success %v", err, s.wantResolveOK)
			}
		})
	}

	t.Run("additions by another process are seen at once", func(t *testing.T) {
		if _, err := d.Resolve(ctx, "bob"); err != nil { // a fresh view
			t.Fatal(err)
		}
		tok4, err := other.CreateToken(ctx, "bob", "t4")
		must(t, err)
		must(t, auth(d, tok4))
		must(t, other.SetPassword(ctx, "bob", "pw-new"))
		_, err = d.Authenticate(ctx, "bob", "pw-new")
		must(t, err)
		must(t, other.AddUser(ctx, "carl", "pw"))
		_, err = d.Resolve(ctx, "carl")
		must(t, err)
		_, err = d.Authenticate(ctx, "carl", "wrong")
		wantErr(t, err, ErrBadCredentials)
	})

	t.Run("a bad file fails every call until repaired", func(t *testing.T) {
		tok3, err := d.CreateToken(ctx, "bob", "t3")
		must(t, err)
		good, err := os.ReadFile(path)
		must(t, err)
		must(t, os.WriteFile(path, []byte("{garbage"), 0o600))
		clock.add(interval)
		for i := range 2 { // the second call is within the interval
			if err := auth(d, tok3); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("call %d: %v, want ErrCorrupt", i, err)
			}
		}
		must(t, os.WriteFile(path, good, 0o600))
		must(t, auth(d, tok3))
	})
}

// TestDirectory_RevocationUnderLoad: while goroutines authenticate a token
// without pause, a revocation through another Directory holds for every
// call that starts after it returns (with no recheck interval; with one,
// after the interval).
func TestDirectory_RevocationUnderLoad(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "directory.json")
	d := openDir(t, path, WithRecheckInterval(0))
	other := openDir(t, path)
	must(t, d.AddUser(ctx, "alice", "pw"))
	tok, err := d.CreateToken(ctx, "alice", "t")
	must(t, err)

	var revoked atomic.Bool
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 2000 {
				after := revoked.Load()
				_, err := d.AuthenticateToken(ctx, tok)
				if after && !errors.Is(err, ErrBadCredentials) {
					errs <- fmt.Errorf("authenticated after the revocation: %v", err)
					return
				}
				if !after && err != nil && !errors.Is(err, ErrBadCredentials) {
					errs <- err
					return
				}
			}
		})
	}
	must(t, other.RevokeToken(ctx, "alice", "t"))
	revoked.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if _, err := d.AuthenticateToken(ctx, tok); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("after the revocation: %v, want ErrBadCredentials", err)
	}
}
