package ldapdir

import (
	"context"
	"errors"
	"sync"
)

// worker owns a Directory's background goroutines: each runs under the
// context given to Start and is waited for by stop.
type worker struct {
	mu      sync.Mutex
	ctx     context.Context // nil until start
	cancel  context.CancelFunc
	stopped bool
	wg      sync.WaitGroup
}

// start derives the worker's context from ctx.
func (w *worker) start(ctx context.Context) error {
	if ctx == nil {
		return errors.New("ldapdir: Start: nil context")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.stopped:
		return errors.New("ldapdir: Start after Close")
	case w.ctx != nil:
		return errors.New("ldapdir: Start called twice")
	}
	w.ctx, w.cancel = context.WithCancel(ctx)
	return nil
}

// spawn runs f in a goroutine under the worker's context. It reports false,
// and runs nothing, when the worker was not started, or is stopping, or
// its context has ended.
func (w *worker) spawn(f func(ctx context.Context)) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ctx == nil || w.stopped || w.ctx.Err() != nil {
		return false
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		f(w.ctx)
	}()
	return true
}

// stop cancels the worker's context, refuses further spawns and waits for
// every goroutine spawned to return.
func (w *worker) stop() {
	w.mu.Lock()
	w.stopped = true
	if w.cancel != nil {
		w.cancel()
	}
	w.mu.Unlock()
	w.wg.Wait()
}
