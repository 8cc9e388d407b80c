package authz

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// Snapshot is a compiled policy and the store revision it came from: the
// Checker of every application of the store.
type Snapshot struct {
	// Checker is the application Live was made for (the engine's).
	Checker  *Checker
	Policy   *policy.Policy
	Revision policy.Revision
	LoadedAt time.Time
	// Provenance is what the store told about the content (zero when the
	// store is not a policy.Inspector).
	Provenance policy.Provenance

	apps []*Checker // every application, in the store's order
}

// App returns the Checker of application name (compared by names.Equal).
// An empty name is the default application (policy.Policy.DefaultAppOr):
// the only one besides the delegation application
// (policy.DelegationApplication), else the one Live was made for. An
// unknown name is an error wrapping ErrUnknownApplication that lists the
// applications there are.
func (s *Snapshot) App(name string) (*Checker, error) {
	apps := s.apps
	if apps == nil && s.Policy != nil { // a Snapshot made by hand, not by Live
		for _, a := range s.Policy.Applications {
			if s.Checker != nil && a.Name == s.Checker.app {
				apps = append(apps, s.Checker)
			} else if c, err := Compile(s.Policy, a.Name, Options{}); err == nil {
				apps = append(apps, c)
			}
		}
	}
	if strings.TrimSpace(name) == "" {
		if s.Checker == nil || s.Policy == nil {
			return s.Checker, nil
		}
		name = s.Policy.DefaultAppOr(s.Checker.app)
		if name == s.Checker.app {
			return s.Checker, nil
		}
	}
	name = strings.TrimSpace(name)
	for _, c := range apps {
		if names.Equal(strings.TrimSpace(c.app), name) {
			return c, nil
		}
	}
	return nil, fmt.Errorf("application %q: %w (the store has %s)", name, ErrUnknownApplication, appList(apps))
}

// Applications lists the names of the store's applications.
func (s *Snapshot) Applications() []string {
	out := make([]string, len(s.apps))
	for i, c := range s.apps {
		out[i] = c.app
	}
	return out
}

func appList(apps []*Checker) string {
	q := make([]string, len(apps))
	for i, c := range apps {
		q[i] = fmt.Sprintf("%q", c.app)
	}
	return strings.Join(q, ", ")
}

// Status reports how current a Live authorizer is.
type Status struct {
	Revision    policy.Revision `json:"revision"`
	LoadedAt    time.Time       `json:"loaded_at"`
	Degraded    bool            `json:"degraded"`
	LastError   string          `json:"last_error,omitempty"`
	LastErrorAt time.Time       `json:"last_error_at,omitzero"`
	Reloads     uint64          `json:"reloads"`
	Failures    uint64          `json:"reload_failures"`
	// OutsideChanges counts the changes loaded that no azgate writer made
	// (see OnOutsideChange).
	OutsideChanges uint64 `json:"outside_changes"`
	// Outside says why the policy in force was not written by azgate
	// (empty when it was, or the store cannot tell).
	Outside string `json:"written_outside_azgate,omitempty"`
}

// OutsideChange is a change of the store that Live loaded and that no
// azgate writer made: a text editor, ldapmodify, AzMan's MMC.
type OutsideChange struct {
	Old, New *Snapshot
	// Changes lists what changed, as policy.Changes does (at most
	// maxChangeLines lines, then a line counting the rest).
	Changes []string
}

// maxChangeLines bounds OutsideChange.Changes.
const maxChangeLines = 200

// Live keeps a compiled Checker current with a policy store. It loads and
// compiles the store at start, then recompiles whenever the store reports a
// change. A reload that fails (unreadable store, invalid policy) keeps the
// last good policy in force and is reported through Status and OnReload:
// the previous decisions stand, nothing is granted by the failure.
//
// Live is safe for concurrent use; decisions never wait for a reload.
type Live struct {
	store  policy.Store
	app    string
	opts   Options
	logger *slog.Logger

	cur    atomic.Pointer[Snapshot]
	mu     sync.Mutex // serializes reloads and guards status
	status Status

	// OnReload, if set before Run, is called after every reload attempt
	// with the snapshot in force and the attempt's error (nil on success).
	OnReload func(s *Snapshot, err error)
	// OnOutsideChange, if set before Run, is called after a reload that
	// brought in content no azgate writer made (the store says so, see
	// policy.Provenance), before OnReload.
	OnOutsideChange func(OutsideChange)
	// OnTermChange, if set before Run, is called for every membership
	// that started or expired (policy.Term) when it takes effect: Run
	// recompiles at each start or expiry, and a reload reports those that
	// passed under the policy it replaces.
	OnTermChange func(TermChange)

	kick chan struct{} // a new snapshot: Run looks at its boundary again
}

// NewLive loads and compiles the store. A store that cannot be loaded or
// compiled is an error: azgate does not start without a good policy.
// app "" selects the store's default application.
func NewLive(ctx context.Context, store policy.Store, app string, opts Options, logger *slog.Logger) (*Live, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := &Live{store: store, app: app, opts: opts, logger: logger, kick: make(chan struct{}, 1)}
	s, err := l.load(ctx)
	if err != nil {
		return nil, err
	}
	l.cur.Store(s)
	l.status = Status{Revision: s.Revision, LoadedAt: s.LoadedAt, Outside: outsideReason(s)}
	return l, nil
}

func (l *Live) load(ctx context.Context) (*Snapshot, error) {
	var (
		p    *policy.Policy
		rev  policy.Revision
		prov policy.Provenance
		err  error
	)
	if in, ok := l.store.(policy.Inspector); ok {
		p, rev, prov, err = in.LoadProvenance(ctx)
	} else {
		p, rev, err = l.store.Load(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("load policy: %w", err)
	}
	return l.build(p, rev, prov, time.Now(), l.opts.now())
}

// build compiles every application of p, with the memberships in force
// at time at.
func (l *Live) build(p *policy.Policy, rev policy.Revision, prov policy.Provenance, loaded, at time.Time) (*Snapshot, error) {
	app := l.app
	if app == "" {
		app = p.DefaultApp()
	}
	c, err := compileAt(p, app, l.opts, at)
	if err != nil {
		return nil, fmt.Errorf("compile policy revision %d: %w", rev, err)
	}
	s := &Snapshot{Checker: c, Policy: p, Revision: rev, LoadedAt: loaded, Provenance: prov}
	others := l.opts
	others.Engine = nil // the engine is gated through its application only
	for _, a := range p.Applications {
		if a.Name == c.app {
			s.apps = append(s.apps, c)
			continue
		}
		o, err := compileAt(p, a.Name, others, at)
		if err != nil {
			return nil, fmt.Errorf("compile policy revision %d: %w", rev, err)
		}
		s.apps = append(s.apps, o)
	}
	return s, nil
}

// Reload loads and compiles the store now. On failure the last good policy
// stays in force and the error is returned and recorded in Status.
func (l *Live) Reload(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, err := l.load(ctx)
	if err != nil {
		l.status.Degraded = true
		l.status.LastError = err.Error()
		l.status.LastErrorAt = time.Now()
		l.status.Failures++
		l.logger.Error("policy reload failed; keeping last good policy",
			"revision", l.cur.Load().Revision, "err", err)
	} else {
		old := l.cur.Swap(s)
		l.noteOutside(old, s)
		l.noteTerms(old, s)
		l.status.Degraded = false
		l.status.LastError = ""
		l.status.Revision = s.Revision
		l.status.LoadedAt = s.LoadedAt
		l.status.Reloads++
		l.logger.Info("policy reloaded", "revision", s.Revision)
	}
	if l.OnReload != nil {
		l.OnReload(l.cur.Load(), err)
	}
	return err
}

// Run watches the store and reloads on every change until ctx ends. It
// returns nil when ctx ends and an error when the store cannot be watched.
func (l *Live) Run(ctx context.Context) error {
	ch, err := l.store.Watch(ctx)
	if err != nil {
		return l.stopped(fmt.Errorf("watch policy store: %w", err))
	}
	// A change saved between NewLive's load and the start of the watch
	// raised no signal: look once now.
	l.reloadIfChanged(ctx)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var retry time.Duration // after a failed advance: not a busy loop
	for {
		// Wake at the next start or expiry of a membership.
		var wake <-chan time.Time
		if b := l.cur.Load().Boundary(); !b.IsZero() {
			timer.Reset(max(b.Sub(l.opts.now()), retry))
			wake = timer.C
		}
		select {
		case <-ctx.Done():
			return nil
		case <-l.kick:
			retry = 0
		case <-wake:
			retry = 0
			if !l.advance() {
				retry = time.Second
			}
		case _, ok := <-ch:
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return l.stopped(errors.New("policy store watch ended"))
			}
			l.reloadIfChanged(ctx)
		}
	}
}

// stopped records that changes are no longer followed: the policy in force
// stays, but the authorizer reports itself degraded, since edits saved from
// now on would go unseen.
func (l *Live) stopped(err error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.status.Degraded = true
	l.status.LastError = err.Error()
	l.status.LastErrorAt = time.Now()
	return err
}

// reloadIfChanged reloads unless the store's content is the one in force
// (and the last reload did not fail). It compares the content's
// fingerprint, never the revision alone: an edit that leaves the revision
// as it was (a text editor, ldapmodify) is still a change. A store that is
// not a policy.Inspector is always reloaded.
func (l *Live) reloadIfChanged(ctx context.Context) {
	if in, ok := l.store.(policy.Inspector); ok {
		cur := l.cur.Load()
		fp, err := in.Fingerprint(ctx)
		if err == nil && fp != "" && fp == cur.Provenance.Fingerprint && !l.Status().Degraded {
			return
		}
	}
	_ = l.Reload(ctx) // recorded in Status
}

// noteOutside records a reload that brought in content no azgate writer
// made: counted, logged, and reported to OnOutsideChange. l.mu is held.
func (l *Live) noteOutside(old, s *Snapshot) {
	l.status.Outside = outsideReason(s)
	if !s.Provenance.Outside || (old != nil && old.Provenance.Fingerprint == s.Provenance.Fingerprint) {
		return
	}
	l.status.OutsideChanges++
	var before *policy.Policy
	var oldRev policy.Revision
	if old != nil {
		before, oldRev = old.Policy, old.Revision
	}
	changes := policy.Changes(before, s.Policy)
	if n := len(changes); n > maxChangeLines {
		changes = append(changes[:maxChangeLines:maxChangeLines], fmt.Sprintf("… and %d more", n-maxChangeLines))
	}
	l.logger.Warn("policy changed outside azgate", "old_revision", oldRev, "revision", s.Revision,
		"reason", s.Provenance.Reason, "modifiers", s.Provenance.Modifiers, "changes", len(changes))
	if l.OnOutsideChange != nil {
		l.OnOutsideChange(OutsideChange{Old: old, New: s, Changes: changes})
	}
}

func outsideReason(s *Snapshot) string {
	if !s.Provenance.Outside {
		return ""
	}
	return s.Provenance.Reason
}

// Boundary is the first start or expiry of a membership over the
// snapshot's applications (zero: none): from then on its Checkers decide
// with successors compiled anew, and Live recompiles the snapshot.
func (s *Snapshot) Boundary() time.Time {
	var b time.Time
	for _, c := range s.apps {
		if cb := c.Boundary(); !cb.IsZero() && (b.IsZero() || cb.Before(b)) {
			b = cb
		}
	}
	if s.apps == nil && s.Checker != nil {
		b = s.Checker.Boundary()
	}
	return b
}

// advance recompiles the snapshot in force for the memberships in force
// now, once a start or expiry has passed, and reports the changes. False:
// the recompile failed (Run tries again a second later; meanwhile each
// Checker answers past its boundary from a fresh compile of its own).
func (l *Live) advance() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	cur := l.cur.Load()
	b := cur.Boundary()
	now := l.opts.now()
	if b.IsZero() || now.Before(b) {
		return true
	}
	s, err := l.build(cur.Policy, cur.Revision, cur.Provenance, cur.LoadedAt, now)
	if err != nil { // not expected for a policy compiled before
		l.logger.Error("recompile for memberships limited in time", "revision", cur.Revision, "err", err)
		return false
	}
	l.cur.Store(s)
	l.noteTerms(cur, s)
	return true
}

// noteTerms reports the memberships that started or expired between the
// compiles of old and s. l.mu is held.
func (l *Live) noteTerms(old, s *Snapshot) {
	select {
	case l.kick <- struct{}{}:
	default:
	}
	if old == nil || old.Checker == nil || s.Checker == nil {
		return
	}
	for _, ch := range TermChanges(old.Policy, old.Checker.CompiledAt(), s.Checker.CompiledAt()) {
		l.logger.Info("membership "+ch.Change, "member", ch.Member, "assignment", ch.Assignment, "group", ch.Group,
			"scope", ch.Scope, "application", ch.Application, "at", ch.At)
		if l.OnTermChange != nil {
			l.OnTermChange(ch)
		}
	}
}

// Current returns the snapshot in force.
func (l *Live) Current() *Snapshot { return l.cur.Load() }

// Status reports the revision in force and the last reload failure.
func (l *Live) Status() Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.status
}

// AccessCheck decides with the snapshot in force. See Checker.AccessCheck.
func (l *Live) AccessCheck(ctx context.Context, client directory.ClientContext, scope string, ops []operations.ID, params Params) ([]Result, error) {
	return l.cur.Load().Checker.AccessCheck(ctx, client, scope, ops, params)
}

// AccessCheckInto decides with the snapshot in force, into buf. See
// Checker.AccessCheckInto.
func (l *Live) AccessCheckInto(ctx context.Context, buf *Buffer, client directory.ClientContext, scope string, ops []operations.ID, params Params) ([]Result, error) {
	return l.cur.Load().Checker.AccessCheckInto(ctx, buf, client, scope, ops, params)
}
