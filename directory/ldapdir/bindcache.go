package ldapdir

import (
	"container/list"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"
)

// bindCache remembers successful sign-ins for a short time, so that a
// client sending its password with every request is not searched and
// bound for each one. It never holds a password: an entry is keyed by
// HMAC-SHA256, under a random key made when the Directory is, of the
// account name (names.Key) and the password, and holds the DN bound as.
// A wrong password hashes to another key and is never accepted from the
// cache. It holds at most max entries, evicting the least recently used.
type bindCache struct {
	ttl time.Duration
	max int
	key [32]byte
	now func() time.Time

	mu      sync.Mutex
	lru     *list.List // of *bindEntry, most recently used first
	entries map[[sha256.Size]byte]*list.Element
}

type bindEntry struct {
	sum     [sha256.Size]byte
	dn      string
	expires time.Time
}

// newBindCache returns a cache of at most size sign-ins, each kept for
// ttl; nil when ttl is not positive (no cache).
func newBindCache(ttl time.Duration, size int) *bindCache {
	if ttl <= 0 {
		return nil
	}
	c := &bindCache{ttl: ttl, max: max(size, 1), now: time.Now, lru: list.New(),
		entries: map[[sha256.Size]byte]*list.Element{}}
	rand.Read(c.key[:]) // never fails (crypto/rand)
	return c
}

// sum is the cache key of an account name (already names.Key) and a
// password.
func (c *bindCache) sum(account, password string) [sha256.Size]byte {
	h := hmac.New(sha256.New, c.key[:])
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(account)))
	h.Write(n[:]) // length first: ("ab", "c") and ("a", "bc") differ
	h.Write([]byte(account))
	h.Write([]byte(password))
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// get returns the DN a sign-in with sum bound as, if it is remembered and
// younger than the TTL.
func (c *bindCache) get(sum [sha256.Size]byte) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[sum]
	if !ok {
		return "", false
	}
	e := el.Value.(*bindEntry)
	if !c.now().Before(e.expires) {
		c.removeLocked(el)
		return "", false
	}
	c.lru.MoveToFront(el)
	return e.dn, true
}

// put remembers that a sign-in with sum bound as dn, for the TTL from now.
func (c *bindCache) put(sum [sha256.Size]byte, dn string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[sum]; ok {
		c.removeLocked(el)
	}
	for c.lru.Len() >= c.max {
		c.removeLocked(c.lru.Back())
	}
	c.entries[sum] = c.lru.PushFront(&bindEntry{sum: sum, dn: dn, expires: c.now().Add(c.ttl)})
}

// forget drops the sign-in with sum.
func (c *bindCache) forget(sum [sha256.Size]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[sum]; ok {
		c.removeLocked(el)
	}
}

func (c *bindCache) removeLocked(el *list.Element) {
	delete(c.entries, el.Value.(*bindEntry).sum)
	c.lru.Remove(el)
}

func (c *bindCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
