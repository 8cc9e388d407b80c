package xmlstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Poll intervals of Watch.
const (
	slowPoll = 2 * time.Second        // a safety net while fsnotify works
	fastPoll = 250 * time.Millisecond // when fsnotify cannot be used
)

// Watch reports changes of the file by any writer: it sends on the returned
// channel soon after the file was replaced, written, created or removed.
// It listens to fsnotify on the file's directory (a save renames a new file
// over the old one, so watching the file itself would lose track) and also
// polls the file's size, modification time and identity. Signals do not
// queue: one pending signal stands for any number of changes. The channel is
// closed when ctx ends or the Store is closed.
func (s *Store) Watch(ctx context.Context) (<-chan struct{}, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	poll := s.cfg.pollInterval
	w, err := fsnotify.NewWatcher()
	if err == nil && s.cfg.noFsnotify {
		w.Close()
		err = errors.New("disabled")
	}
	if err == nil {
		if err = w.Add(filepath.Dir(s.path)); err != nil {
			w.Close()
		}
	}
	if err != nil {
		s.cfg.log.Warn("xmlstore: fsnotify unavailable, polling", logKeyErr, err)
		w = nil
		if poll <= 0 {
			poll = fastPoll
		}
	} else if poll <= 0 {
		poll = slowPoll
	}
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		if w != nil {
			w.Close()
		}
		close(ch)
		return ch, nil
	}
	s.wg.Add(1)
	s.mu.Unlock()
	// The first reading is taken before Watch returns, so that a change made
	// after it returns is seen against it.
	go s.watch(ctx, w, poll, ch, s.stat())
	return ch, nil
}

type fileState struct {
	exists bool
	size   int64
	mtime  time.Time
	info   os.FileInfo
}

func (s *Store) stat() fileState {
	st, err := os.Stat(s.path)
	if err != nil {
		return fileState{}
	}
	return fileState{exists: true, size: st.Size(), mtime: st.ModTime(), info: st}
}

func (a fileState) same(b fileState) bool {
	if a.exists != b.exists {
		return false
	}
	if !a.exists {
		return true
	}
	return a.size == b.size && a.mtime.Equal(b.mtime) && os.SameFile(a.info, b.info)
}

func (s *Store) watch(ctx context.Context, w *fsnotify.Watcher, poll time.Duration, ch chan struct{}, last fileState) {
	defer s.wg.Done()
	defer close(ch)
	var (
		events <-chan fsnotify.Event
		errs   <-chan error
	)
	if w != nil {
		defer w.Close()
		events, errs = w.Events, w.Errors
	}
	signal := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.done:
			return
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if filepath.Clean(ev.Name) == s.path {
				last = s.stat()
				signal()
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			s.cfg.log.Warn("xmlstore: fsnotify", logKeyErr, err)
			signal() // events may have been lost
		case <-tick.C:
			if now := s.stat(); !now.same(last) {
				last = now
				signal()
			}
		}
	}
}
