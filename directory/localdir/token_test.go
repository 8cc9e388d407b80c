package localdir

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// tokenInfo returns the listing of user's token label.
func tokenInfo(t *testing.T, d *Directory, user, label string) TokenInfo {
	t.Helper()
	users, err := d.Users(context.Background())
	must(t, err)
	for _, u := range users {
		for _, tok := range u.Tokens {
			if u.Name == user && tok.Label == label {
				return tok
			}
		}
	}
	t.Fatalf("no token %q of %q in %+v", label, user, users)
	return TokenInfo{}
}

func TestToken_Expiry(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: start}
	d := openDir(t, filepath.Join(t.TempDir(), "dir.json"))
	d.now = clock.now
	must(t, d.AddUser(ctx, "alice", "pw"))
	tok, err := d.CreateTokenTTL(ctx, "alice", "ci", time.Hour)
	must(t, err)
	forever, err := d.CreateToken(ctx, "alice", "forever")
	must(t, err)
	if got := tokenInfo(t, d, "alice", "ci").Expires; !got.Equal(start.Add(time.Hour)) {
		t.Fatalf("listed expiry %v, want %v", got, start.Add(time.Hour))
	}
	if got := tokenInfo(t, d, "alice", "forever").Expires; !got.IsZero() {
		t.Fatalf("a token without TTL lists expiry %v", got)
	}
	_, unknownErr := d.AuthenticateToken(ctx, TokenPrefix+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	for _, step := range []struct {
		name    string
		advance time.Duration
		token   string
		ok      bool
	}{
		{"fresh", 0, tok, true},
		{"just before expiry", time.Hour - time.Nanosecond, tok, true},
		{"at expiry", time.Nanosecond, tok, false},
		{"long after", 24 * time.Hour, tok, false},
		{"no TTL never expires", 0, forever, true},
	} {
		clock.add(step.advance)
		cc, err := d.AuthenticateToken(ctx, step.token)
		if step.ok {
			if err != nil || cc.Name != "alice" {
				t.Fatalf("%s: AuthenticateToken = %v, %v; want alice", step.name, cc, err)
			}
			continue
		}
		if !errors.Is(err, ErrBadCredentials) || err.Error() != unknownErr.Error() {
			t.Fatalf("%s: AuthenticateToken = %v; want the error of an unknown token, %v", step.name, err, unknownErr)
		}
	}
	if _, err := d.CreateTokenTTL(ctx, "alice", "neg", -time.Minute); !errors.Is(err, ErrInvalid) {
		t.Fatalf("negative TTL: %v, want ErrInvalid", err)
	}
}

// TestToken_LastUsed: a token's last use is written to the file at most
// once a minute, by every Directory on the file together.
func TestToken_LastUsed(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: start}
	path := filepath.Join(t.TempDir(), "dir.json")
	d := openDir(t, path)
	other := openDir(t, path) // another process on the same file
	d.now, other.now = clock.now, clock.now
	must(t, d.AddUser(ctx, "alice", "pw"))
	tok, err := d.CreateToken(ctx, "alice", "ci")
	must(t, err)
	if got := tokenInfo(t, d, "alice", "ci").LastUsed; !got.IsZero() {
		t.Fatalf("unused token lists last use %v", got)
	}
	stat := func() os.FileInfo {
		fi, err := os.Stat(path)
		must(t, err)
		return fi
	}
	for _, step := range []struct {
		name     string
		advance  time.Duration
		dir      *Directory
		uses     int
		written  bool
		lastUsed time.Time
	}{
		{"first use is written", time.Second, d, 1, true, start.Add(time.Second)},
		{"uses within the minute are not", 30 * time.Second, d, 50, false, start.Add(time.Second)},
		{"nor by another process", 29 * time.Second, other, 50, false, start.Add(time.Second)},
		{"a minute later it is", time.Second, other, 1, true, start.Add(61 * time.Second)},
		{"and then not by the first process", 59 * time.Second, d, 50, false, start.Add(61 * time.Second)},
		{"until the next minute", time.Second, d, 50, true, start.Add(121 * time.Second)},
	} {
		clock.add(step.advance)
		before := stat()
		for range step.uses {
			if _, err := step.dir.AuthenticateToken(ctx, tok); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
		}
		if written := !os.SameFile(before, stat()); written != step.written {
			t.Fatalf("%s: file written = %v, want %v", step.name, written, step.written)
		}
		if got := tokenInfo(t, other, "alice", "ci").LastUsed; !got.Equal(step.lastUsed) {
			t.Fatalf("%s: listed last use %v, want %v", step.name, got, step.lastUsed)
		}
	}
}
