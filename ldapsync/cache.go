package ldapsync

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// cache holds answers for a TTL. A hit older than refreshAfter triggers one
// background refresh; a failed refresh keeps the old answer until its TTL
// ends (unless the failure is definitive, such as the user having been
// deleted, which drops it at once). A miss or an expired entry is fetched
// synchronously, one fetch per key at a time.
type cache[V any] struct {
	ttl, refreshAfter time.Duration
	maxSize           int
	now               func() time.Time
	log               *slog.Logger
	bg                context.Context // background refreshes run under it
	bgTimeout         time.Duration
	wg                *sync.WaitGroup

	mu      sync.Mutex
	entries map[string]*cacheEntry[V]
	flights map[string]*flight[V]
}

type cacheEntry[V any] struct {
	val        V
	fetched    time.Time
	refreshing bool
	nextTry    time.Time // no background refresh before this
}

type flight[V any] struct {
	done chan struct{}
	val  V
	err  error
}

// fetchFunc computes an answer. A returned error for which definitive
// reports true means the answer no longer exists (drop the cached one).
type fetchFunc[V any] func(ctx context.Context) (V, error)

func (c *cache[V]) get(ctx context.Context, key string, fetch fetchFunc[V], definitive func(error) bool) (V, error) {
	c.mu.Lock()
	now := c.now()
	if e, ok := c.entries[key]; ok {
		age := now.Sub(e.fetched)
		if age < c.ttl {
			if age >= c.refreshAfter && !e.refreshing && !now.Before(e.nextTry) {
				e.refreshing = true
				c.wg.Add(1)
				go c.refresh(key, e, fetch, definitive)
			}
			v := e.val
			c.mu.Unlock()
			return v, nil
		}
		delete(c.entries, key) // expired: never served again
	}
	if f, ok := c.flights[key]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.val, f.err
		case <-ctx.Done():
			var zero V
			return zero, errors.Join(ErrUnavailable, ctx.Err())
		}
	}
	f := &flight[V]{done: make(chan struct{})}
	c.flights[key] = f
	c.mu.Unlock()

	f.val, f.err = fetch(ctx)

	c.mu.Lock()
	delete(c.flights, key)
	if f.err == nil {
		c.storeLocked(key, f.val)
	}
	c.mu.Unlock()
	close(f.done)
	return f.val, f.err
}

func (c *cache[V]) refresh(key string, old *cacheEntry[V], fetch fetchFunc[V], definitive func(error) bool) {
	defer c.wg.Done()
	ctx, cancel := context.WithTimeout(c.bg, c.bgTimeout)
	defer cancel()
	v, err := fetch(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	old.refreshing = false
	cur, ok := c.entries[key]
	if !ok || cur != old {
		return // replaced or evicted meanwhile
	}
	switch {
	case err == nil:
		c.storeLocked(key, v)
	case definitive(err):
		delete(c.entries, key)
		c.log.Info("ldapsync: cached answer withdrawn", logKeyKey, key, logKeyErr, err)
	default:
		old.nextTry = c.now().Add(max(c.refreshAfter/4, 100*time.Millisecond))
		if c.bg.Err() == nil {
			c.log.Warn("ldapsync: background refresh failed; serving cached answer until its TTL ends",
				logKeyKey, key, logKeyExpires, old.fetched.Add(c.ttl), logKeyErr, err)
		}
	}
}

func (c *cache[V]) storeLocked(key string, v V) {
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.maxSize {
		c.evictLocked()
	}
	c.entries[key] = &cacheEntry[V]{val: v, fetched: c.now()}
}

// evictLocked drops expired entries, then, if the cache is still full,
// about a tenth of it.
func (c *cache[V]) evictLocked() {
	now := c.now()
	for k, e := range c.entries {
		if now.Sub(e.fetched) >= c.ttl {
			delete(c.entries, k)
		}
	}
	if len(c.entries) < c.maxSize {
		return
	}
	drop := max(c.maxSize/10, 1)
	for k := range c.entries {
		if drop == 0 {
			break
		}
		delete(c.entries, k)
		drop--
	}
}

// sweep drops expired entries.
func (c *cache[V]) sweep() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for k, e := range c.entries {
		if now.Sub(e.fetched) >= c.ttl {
			delete(c.entries, k)
		}
	}
}

func (c *cache[V]) invalidate(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}

func (c *cache[V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
