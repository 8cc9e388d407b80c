package ldapdir_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/directory/ldapdir"
)

// TestDirectory_BindCache: with BindCacheTTL a sign-in remembered within
// it neither searches nor binds (it works with the directory down); a wrong
// password is never accepted from it; a changed password, and a deleted
// account, take effect once it ends; without it every sign-in binds.
func TestDirectory_BindCache(t *testing.T) {
	ctx := context.Background()
	const ttl = 30 * time.Second
	withCache := func(t *testing.T, size int) (*ldapdir.Directory, *fakeClock, func()) {
		srv := startOpenLDAP(t, "")
		cfg := openLDAPConfig(srv)
		cfg.BindCacheTTL, cfg.BindCacheSize = ttl, size
		d, clock := cachedDirectory(t, cfg) // contexts cached for a minute
		return d, clock, srv.Stop
	}
	signIn := func(t *testing.T, d *ldapdir.Directory, user, pw string, want error) {
		t.Helper()
		cc, err := d.Authenticate(ctx, user, pw)
		switch {
		case want == nil && (err != nil || cc.Name == ""):
			t.Fatalf("Authenticate(%s, %s) = %+v, %v; want signed in", user, pw, cc, err)
		case want != nil && !errors.Is(err, want):
			t.Fatalf("Authenticate(%s, %s) = %+v, %v; want %v", user, pw, cc, err, want)
		}
	}

	t.Run("no bind per sign-in", func(t *testing.T) {
		d, _, stop := withCache(t, 0)
		signIn(t, d, "alice", alicePW, nil)
		stop()
		signIn(t, d, "alice", alicePW, nil)
		signIn(t, d, "ALICE", alicePW, nil) // the same account
		signIn(t, d, "alice", "wrong", ldapdir.ErrUnavailable)
		signIn(t, d, "alice", alicePW+"x", ldapdir.ErrUnavailable)
		signIn(t, d, "bob", "bob-secret", ldapdir.ErrUnavailable)
	})
	t.Run("off", func(t *testing.T) {
		srv := startOpenLDAP(t, "")
		d, _ := cachedDirectory(t, openLDAPConfig(srv))
		signIn(t, d, "alice", alicePW, nil)
		srv.Stop()
		signIn(t, d, "alice", alicePW, ldapdir.ErrUnavailable)
		if n := ldapdir.BindCacheLen(d); n != 0 {
			t.Errorf("remembered sign-ins = %d with the cache off", n)
		}
	})
	t.Run("wrong password never from the cache", func(t *testing.T) {
		d, _, _ := withCache(t, 0)
		signIn(t, d, "alice", alicePW, nil)
		for _, pw := range []string{"wrong", alicePW[:len(alicePW)-1], alicePW + " ", "bob-secret"} {
			signIn(t, d, "alice", pw, ldapdir.ErrBadCredentials)
		}
		signIn(t, d, "bob", alicePW, ldapdir.ErrBadCredentials)
	})
	t.Run("changed password and deleted account within the TTL", func(t *testing.T) {
		srv := startOpenLDAP(t, "")
		cfg := openLDAPConfig(srv)
		cfg.BindCacheTTL = ttl
		d, clock := cachedDirectory(t, cfg)
		signIn(t, d, "alice", alicePW, nil)
		signIn(t, d, "bob", "bob-secret", nil)
		conn := srv.Conn(t)
		mod := ldap.NewModifyRequest("uid=alice,ou=people,"+base, nil)
		mod.Replace("userPassword", []string{"alice-new"})
		if err := conn.Modify(mod); err != nil {
			t.Fatal(err)
		}
		if err := conn.Del(ldap.NewDelRequest("uid=bob,ou=people,"+base, nil)); err != nil {
			t.Fatal(err)
		}
		signIn(t, d, "alice", "alice-new", nil) // the new password at once
		clock.Advance(ttl)
		signIn(t, d, "alice", alicePW, ldapdir.ErrBadCredentials) // the old one no more
		signIn(t, d, "alice", "alice-new", nil)
		signIn(t, d, "bob", "bob-secret", ldapdir.ErrBadCredentials)
	})
	t.Run("bounded", func(t *testing.T) {
		d, _, _ := withCache(t, 2)
		signIn(t, d, "alice", alicePW, nil)
		signIn(t, d, "bob", "bob-secret", nil)
		signIn(t, d, "carol", "carol-secret", nil)
		if n := ldapdir.BindCacheLen(d); n != 2 {
			t.Errorf("remembered sign-ins = %d, want the bound 2", n)
		}
	})
}
