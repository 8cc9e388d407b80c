package policy

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Store is where a policy lives. Implementations: policy/xmlstore
// (msxml://PATH) and policy/ldapstore (msldap://DN). Every implementation
// passes the conformance suite in policy/policytest.
type Store interface {
	// Load reads and validates the whole policy and returns it with the
	// store's current revision. It returns an error wrapping ErrNotFound when
	// the store does not exist, and an error naming the place (file and line,
	// or DN, and field) when the store is malformed or invalid.
	Load(ctx context.Context) (*Policy, Revision, error)

	// Save validates p and writes it if the store is still at revision
	// expected (0: the store must not exist yet), atomically: readers see the
	// old policy or the new one, never a mix. It returns the new revision, or
	// an error wrapping ErrConflict when another writer saved first; nothing
	// is written then.
	Save(ctx context.Context, p *Policy, expected Revision) (Revision, error)

	// Watch reports changes made by any writer, in this process or another:
	// it sends on the returned channel soon (within a second) after the
	// store changed. Sends do not queue up: one pending signal stands for any
	// number of changes. The channel is closed when ctx ends.
	Watch(ctx context.Context) (<-chan struct{}, error)

	// Close releases the store's resources.
	Close() error
}

// Updater is an optional Store capability: a read-modify-write as one step
// under a lock the store holds across processes, so that concurrent writers
// queue instead of conflicting. policy.Update uses it when a store has it.
type Updater interface {
	// Update applies edit to the stored policy and saves the result. It
	// returns the revision edited and the new one; a failed edit or
	// validation writes nothing.
	Update(ctx context.Context, edit func(*Policy) error) (old, new Revision, err error)
}

// Update loads the policy, applies edit to it and saves the result against
// the revision it loaded. A store that is an Updater does that under its
// own lock. Otherwise, on a conflict Update reloads and reapplies edit, up
// to a limit, so that concurrent writers lose no change. It returns the
// revision edited and the new one. A failed edit or validation writes
// nothing.
func Update(ctx context.Context, s Store, edit func(*Policy) error) (old, new Revision, err error) {
	if u, ok := s.(Updater); ok {
		return u.Update(ctx, edit)
	}
	const attempts = 50
	backoff := time.Millisecond
	for range attempts {
		p, rev, err := s.Load(ctx)
		if err != nil {
			return 0, 0, fmt.Errorf("load: %w", err)
		}
		q, err := p.Edit(edit)
		if err != nil {
			return rev, 0, err
		}
		nrev, err := s.Save(ctx, q, rev)
		if err == nil {
			return rev, nrev, nil
		}
		if !errors.Is(err, ErrConflict) {
			return rev, 0, fmt.Errorf("save: %w", err)
		}
		select {
		case <-ctx.Done():
			return rev, 0, ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 100*time.Millisecond)
	}
	return 0, 0, fmt.Errorf("update: gave up after %d conflicting attempts: %w", attempts, ErrConflict)
}

// Provenance is what a store can tell about the content it loaded: its
// identity, and whether an azgate save wrote it.
type Provenance struct {
	// Fingerprint identifies the content: it changes whenever the stored
	// policy does, whether or not the revision does.
	Fingerprint string
	// Outside is true when the content is not what an azgate save wrote:
	// edited by another tool (a text editor, ldapmodify, AzMan's MMC), or
	// a revision marker azgate did not write. Reason says how it shows.
	Outside bool
	Reason  string
	// Modifiers are who changed the content, where the store keeps that
	// (the directory's modifiersName of the entries changed since azgate's
	// last save); empty when it does not.
	Modifiers []string
}

// Inspector is an optional Store capability: provenance of the content.
type Inspector interface {
	// LoadProvenance is Load that also reports the provenance of what it
	// loaded.
	LoadProvenance(ctx context.Context) (*Policy, Revision, Provenance, error)
	// Fingerprint returns the fingerprint of the content in the store now,
	// as LoadProvenance would report it, without decoding the policy.
	Fingerprint(ctx context.Context) (string, error)
}
