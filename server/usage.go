package server

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/azgate/azgate/audit"
	"github.com/azgate/azgate/authz"
)

// DefaultAuditUsageInterval is how often the grant usage of allowed
// /v1/check and AuthZEN decisions is written under --audit-checks denials.
const DefaultAuditUsageInterval = time.Minute

// maxUsageEntries bounds the grant usage held between writes: full, it is
// written at once. Its keys come from the policy's role assignments (never
// from a caller), so a policy of fewer assignments × members × operations
// never fills it.
const maxUsageEntries = 16384

// usageKey is one grant used: the application, the assignment and member
// that granted, and the operation. Every part is a name of the policy.
type usageKey struct {
	source, app, op string
	opID            int
	grant           authz.Grant
}

type usageCount struct {
	count int
	last  int64 // Unix nanoseconds
}

// usageTick is how often the clock of the counts is read: a check pays
// no clock read, and a use's time is known to within a tick (a record
// says the end of the tick it fell in, rounding up).
const usageTick = time.Second

// grantUsage counts the allowed /v1/check and AuthZEN decisions that
// --audit-checks denials does not record one by one, and writes them to
// the audit log as grant usage records: every interval, when it holds
// maxUsageEntries, and on close. It is safe for concurrent use.
type grantUsage struct {
	log   *audit.Log
	slog  *slog.Logger
	now   func() time.Time
	limit int
	// clock is the time of the last tick (Unix nanoseconds), 0 until run.
	clock atomic.Int64

	mu    sync.Mutex
	m     map[usageKey]*usageCount
	start time.Time // of the period counted

	writeMu sync.Mutex // orders the writes: periods go to the log in order
	stop    chan struct{}
	done    chan struct{}
}

func newGrantUsage(l *audit.Log, log *slog.Logger, limit int) *grantUsage {
	u := &grantUsage{log: l, slog: log, now: time.Now, limit: limit, m: map[usageKey]*usageCount{}}
	u.start = u.now()
	return u
}

// count counts a decision of op in app that source asked for when it was
// allowed, granted by g. A nil grantUsage counts nothing (other
// --audit-checks modes).
func (u *grantUsage) count(source, app, op string, opID int, allowed bool, g *authz.Grant) {
	if u == nil || !allowed || g == nil {
		return
	}
	k := usageKey{source: source, app: app, op: op, opID: opID, grant: *g}
	t := u.clock.Load()
	if t == 0 {
		t = u.now().UnixNano()
	}
	u.mu.Lock()
	c := u.m[k]
	if c == nil {
		for len(u.m) >= u.limit { // full: write it now, not at the interval
			u.mu.Unlock()
			u.flush(context.Background())
			u.mu.Lock()
		}
		if c = u.m[k]; c == nil {
			c = &usageCount{}
		}
		u.m[k] = c
	}
	c.count++
	c.last = t
	u.mu.Unlock()
}

// flush writes the usage counted since the last write, if any.
func (u *grantUsage) flush(ctx context.Context) {
	if u == nil {
		return
	}
	u.writeMu.Lock()
	defer u.writeMu.Unlock()
	u.mu.Lock()
	m, start, end := u.m, u.start, u.now()
	if len(m) > 0 {
		u.m = make(map[usageKey]*usageCount, len(m))
	}
	u.start = end
	u.mu.Unlock()
	if len(m) == 0 {
		return
	}
	rec := audit.GrantUsageRecord{Source: audit.SourceServer, Start: start, End: end, Entries: make([]audit.UsageEntry, 0, len(m))}
	for k, c := range m {
		// The clock read at the last tick before the use: the use came
		// after it, within a tick, and not after end.
		last := time.Unix(0, min(c.last+int64(usageTick), end.UnixNano()))
		rec.Entries = append(rec.Entries, audit.UsageEntry{Source: k.source, Application: k.app, Operation: k.op, OperationID: k.opID,
			Grant: audit.Grant{Scope: k.grant.Scope, Assignment: k.grant.Assignment, RoleDefinition: k.grant.RoleDefinition, Principal: k.grant.Principal},
			Count: c.count, Last: last})
	}
	if err := u.log.GrantUsage(ctx, rec); err != nil {
		u.slog.ErrorContext(ctx, "audit: grant usage not recorded", logKeyErr, err, "entries", len(rec.Entries))
	}
}

// run reads the clock every usageTick and writes the usage every
// interval, until close.
func (u *grantUsage) run(interval time.Duration) {
	u.stop, u.done = make(chan struct{}), make(chan struct{})
	u.clock.Store(u.now().UnixNano())
	go func() {
		defer close(u.done)
		t, tick := time.NewTicker(interval), time.NewTicker(usageTick)
		defer t.Stop()
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				u.clock.Store(u.now().UnixNano())
			case <-t.C:
				u.flush(context.Background())
			case <-u.stop:
				return
			}
		}
	}()
}

// close stops run and writes what is left.
func (u *grantUsage) close() error {
	if u.stop != nil {
		close(u.stop)
		<-u.done
	}
	u.flush(context.Background())
	return nil
}
