package ldapdir

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// cache holds answers for a TTL. A hit older than refreshAfter triggers one
// refresh — in the background when the Directory was started, else in the
// caller's goroutine; a failed refresh keeps the old answer until its TTL
// ends (unless the failure is definitive, such as the user having been
// deleted, which drops it at once). A miss or an expired entry is fetched
// synchronously, one fetch per key at a time. A definitive failure of a
// fetch (an unknown user, a limit exceeded) is cached for errTTL(err) when
// that is positive.
type cache[V any] struct {
	ttl          time.Duration
	errTTL       func(error) time.Duration
	refreshAfter time.Duration
	maxSize      int
	now          func() time.Time
	log          *slog.Logger
	spawn        func(func(context.Context)) bool // runs a background refresh; false: not running
	bgTimeout    time.Duration
	mu           sync.Mutex
	entries      map[string]*cacheEntry[V]
	flights      map[string]*flight[V]
}

type cacheEntry[V any] struct {
	val        V
	err        error // a cached definitive failure (val is zero)
	fetched    time.Time
	ttl        time.Duration
	refreshing bool
	nextTry    time.Time // no refresh before this
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
	var zero V
	c.mu.Lock()
	now := c.now()
	if e, ok := c.entries[key]; ok {
		age := now.Sub(e.fetched)
		if age < e.ttl {
			if e.err != nil {
				c.mu.Unlock()
				return zero, e.err
			}
			if age >= c.refreshAfter && !e.refreshing && !now.Before(e.nextTry) {
				e.refreshing = true
				background := c.spawn(func(bg context.Context) {
					rctx, cancel := context.WithTimeout(bg, c.bgTimeout)
					defer cancel()
					c.refresh(rctx, key, e, fetch, definitive)
				})
				if !background {
					c.mu.Unlock()
					rctx, cancel := context.WithTimeout(ctx, c.bgTimeout)
					defer cancel()
					return c.refresh(rctx, key, e, fetch, definitive)
				}
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
			return zero, errors.Join(ErrUnavailable, ctx.Err())
		}
	}
	f := &flight[V]{done: make(chan struct{})}
	c.flights[key] = f
	c.mu.Unlock()

	f.val, f.err = fetch(ctx)

	c.mu.Lock()
	delete(c.flights, key)
	switch {
	case f.err == nil:
		c.storeLocked(key, &cacheEntry[V]{val: f.val, ttl: c.ttl})
	case definitive(f.err):
		c.storeErrLocked(key, f.err)
	}
	c.mu.Unlock()
	close(f.done)
	return f.val, f.err
}

// refresh fetches the answer of a cached entry anew and returns what to
// serve: the new answer; the error when it is definitive; else the old
// answer, which is kept until its TTL ends.
func (c *cache[V]) refresh(ctx context.Context, key string, old *cacheEntry[V], fetch fetchFunc[V], definitive func(error) bool) (V, error) {
	v, err := fetch(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	old.refreshing = false
	definite := err != nil && definitive(err)
	if cur, ok := c.entries[key]; !ok || cur != old {
		// Replaced or evicted meanwhile: store nothing.
		if err == nil || definite {
			return v, err
		}
		return old.val, nil
	}
	switch {
	case err == nil:
		c.storeLocked(key, &cacheEntry[V]{val: v, ttl: c.ttl})
		return v, nil
	case definite:
		delete(c.entries, key)
		c.storeErrLocked(key, err)
		c.log.Info("ldapdir: cached answer withdrawn", logKeyKey, key, logKeyErr, err)
		return v, err
	default:
		old.nextTry = c.now().Add(max(c.refreshAfter/4, 100*time.Millisecond))
		if ctx.Err() == nil {
			c.log.Warn("ldapdir: refresh failed; serving cached answer until its TTL ends",
				logKeyKey, key, logKeyExpires, old.fetched.Add(old.ttl), logKeyErr, err)
		}
		return old.val, nil
	}
}

// storeLocked caches e under key, fetched now.
func (c *cache[V]) storeLocked(key string, e *cacheEntry[V]) {
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.maxSize {
		c.evictLocked()
	}
	e.fetched = c.now()
	c.entries[key] = e
}

// storeErrLocked caches a definitive failure for errTTL(err), if positive.
func (c *cache[V]) storeErrLocked(key string, err error) {
	if ttl := c.errTTL(err); ttl > 0 {
		c.storeLocked(key, &cacheEntry[V]{err: err, ttl: ttl})
	}
}

// evictLocked drops expired entries, then, if the cache is still full,
// about a tenth of it.
func (c *cache[V]) evictLocked() {
	c.dropExpiredLocked()
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

func (c *cache[V]) dropExpiredLocked() {
	now := c.now()
	for k, e := range c.entries {
		if now.Sub(e.fetched) >= e.ttl {
			delete(c.entries, k)
		}
	}
}

// sweep drops expired entries.
func (c *cache[V]) sweep() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropExpiredLocked()
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
