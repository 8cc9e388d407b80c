package localdir

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"sync"
	"time"

	"github.com/azgate/azgate/internal/names"
)

// credCache remembers recently verified (user, password) pairs. See the
// package documentation for its security properties.
type credCache struct {
	ttl time.Duration
	max int
	now func() time.Time
	key [32]byte

	mu sync.Mutex
	m  map[[32]byte]cacheEntry
}

type cacheEntry struct {
	user    string // folded user name
	hash    string // the bcrypt hash the password was verified against
	expires time.Time
}

func newCredCache(ttl time.Duration, max int, now func() time.Time) (*credCache, error) {
	c := &credCache{ttl: ttl, max: max, now: now, m: map[[32]byte]cacheEntry{}}
	if _, err := rand.Read(c.key[:]); err != nil {
		return nil, fmt.Errorf("credential cache key: %w", err)
	}
	return c, nil
}

func (c *credCache) enabled() bool { return c.ttl > 0 }

func (c *credCache) keyOf(user, password string) [32]byte {
	m := hmac.New(sha256.New, c.key[:])
	m.Write([]byte(names.Key(user)))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var k [32]byte
	m.Sum(k[:0])
	return k
}

// hit reports whether user/password was verified against hash within the
// TTL.
func (c *credCache) hit(user, password, hash string) bool {
	if !c.enabled() {
		return false
	}
	k := c.keyOf(user, password)
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok {
		return false
	}
	if !c.now().Before(e.expires) || e.hash != hash || e.user != names.Key(user) {
		delete(c.m, k)
		return false
	}
	return true
}

func (c *credCache) add(user, password, hash string) {
	if !c.enabled() {
		return
	}
	k := c.keyOf(user, password)
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for ek, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, ek)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[k] = cacheEntry{user: names.Key(user), hash: hash, expires: now.Add(c.ttl)}
}

// forget drops every entry of user.
func (c *credCache) forget(user string) {
	u := names.Key(user)
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if e.user == u {
			delete(c.m, k)
		}
	}
}

func (c *credCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
