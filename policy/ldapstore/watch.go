package ldapstore

import (
	"context"
	"time"
)

// Watch reports changes of the store by any writer on any replica: it
// reads the revision marker (one base-object search) every
// Config.PollInterval, and every entry's change stamp every
// Config.EntryPollInterval, and sends when the committed revision changed,
// when entries changed without it (edits by other tools), when a pending
// save turned out interrupted, when the store appeared or vanished,
// when the directory stopped answering, and again when it answers once
// more — so that a consumer reloads, fails and reports itself degraded while
// the directory is away, and recovers after. A save in progress sends
// nothing until it commits. Signals do not queue: one pending signal stands
// for any number of changes. The channel is closed when ctx ends or the
// Store is closed.
func (s *Store) Watch(ctx context.Context) (<-chan struct{}, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		close(ch)
		return ch, nil
	}
	s.wg.Add(1)
	s.mu.Unlock()
	// The first readings are taken before Watch returns, so that every
	// change made after it returns is seen against them (read in the
	// goroutine, a change made meanwhile became the baseline, unseen).
	first := s.poll(ctx, watchState{})
	var firstFP string
	firstWait := s.cfg.EntryPollInterval
	if s.cfg.EntryPollInterval > 0 {
		start := time.Now()
		firstFP, _ = s.Fingerprint(ctx)
		firstWait = max(firstWait, 10*time.Since(start))
	}
	go s.watch(ctx, ch, first, firstFP, firstWait)
	return ch, nil
}

// watchState is what one poll saw.
type watchState struct {
	ok    bool   // the directory answered
	state string // the committed marker, "absent", or an interrupted marker
}

func (s *Store) poll(ctx context.Context, last watchState) watchState {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	m, exists, err := s.marker(ctx)
	switch {
	case err != nil:
		return watchState{}
	case !exists:
		return watchState{ok: true, state: "absent"}
	case m.pending && !s.expired(m):
		// Being written: nothing to see until the commit.
		if last.ok {
			return last
		}
		return watchState{ok: true, state: committedMarker(m.rev-1, "")}
	}
	return watchState{ok: true, state: m.raw}
}

// watch polls from the first readings Watch took: the marker's state last,
// the entries' fingerprint lastFP, and the wait before the next entry read.
func (s *Store) watch(ctx context.Context, ch chan struct{}, last watchState, lastFP string, firstWait time.Duration) {
	defer s.wg.Done()
	defer close(ch)
	signal := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	if !last.ok && ctx.Err() == nil {
		s.cfg.Logger.Warn("ldapstore: watch: directory unreachable")
		signal()
	}
	tick := time.NewTicker(s.cfg.PollInterval)
	defer tick.Stop()
	// Entries changed by another tool leave the marker alone: read every
	// entry's change stamp, every EntryPollInterval or, for a store so
	// large that one read takes long, ten times as long as the last read
	// took (at most a tenth of the time spent on it).
	var entryTimer *time.Timer
	var entryTick <-chan time.Time
	fingerprint := func() (string, error) {
		start := time.Now()
		fp, err := s.Fingerprint(ctx)
		entryTimer.Reset(max(s.cfg.EntryPollInterval, 10*time.Since(start)))
		return fp, err
	}
	if s.cfg.EntryPollInterval > 0 {
		entryTimer = time.NewTimer(firstWait)
		defer entryTimer.Stop()
		entryTick = entryTimer.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-entryTick:
			// A save in progress is signalled by its commit.
			if m, _, err := s.marker(ctx); err != nil || m.pending {
				entryTimer.Reset(s.cfg.EntryPollInterval)
				continue
			}
			if fp, err := fingerprint(); err == nil && fp != lastFP {
				lastFP = fp
				signal()
			}
			continue
		case <-tick.C:
		}
		now := s.poll(ctx, last)
		if ctx.Err() != nil {
			return
		}
		switch {
		case now.ok != last.ok:
			if now.ok {
				s.cfg.Logger.Info("ldapstore: watch: directory reachable again")
			} else {
				s.cfg.Logger.Warn("ldapstore: watch: directory unreachable")
			}
			signal()
		case now.ok && now.state != last.state:
			signal()
		}
		last = now
	}
}
