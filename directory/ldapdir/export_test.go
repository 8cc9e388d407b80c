package ldapdir

import "time"

// SetClock replaces the clock of d's caches (tests only).
func SetClock(d *Directory, now func() time.Time) {
	d.users.mu.Lock()
	d.users.now = now
	d.users.mu.Unlock()
	d.queries.mu.Lock()
	d.queries.now = now
	d.queries.mu.Unlock()
	if d.binds != nil {
		d.binds.mu.Lock()
		d.binds.now = now
		d.binds.mu.Unlock()
	}
}

// BindCacheLen reports the number of remembered sign-ins.
func BindCacheLen(d *Directory) int {
	if d.binds == nil {
		return 0
	}
	return d.binds.len()
}

// CacheSizes reports the number of cached contexts and query answers.
func CacheSizes(d *Directory) (users, queries int) { return d.users.len(), d.queries.len() }

// ForgetUser drops a user's cached context, so that the next Resolve asks
// the directory.
func ForgetUser(d *Directory, name string) { d.users.invalidate(userKey(name)) }
