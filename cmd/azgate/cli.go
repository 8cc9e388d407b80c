package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/ldapstore"
	"github.com/azgate/azgate/policy/stores"
)

// Store access shared by the policy commands.

// openStore opens the store named by --store. The caller closes it.
func (c *cli) openStore(ctx context.Context) (policy.Store, error) {
	return c.open(ctx, c.storeURL)
}

func (c *cli) open(ctx context.Context, url string) (policy.Store, error) {
	s, err := stores.Open(ctx, url, stores.Options{Logger: c.logger})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", url, err)
	}
	return s, nil
}

// load reads the policy of the --store store.
func (c *cli) load(ctx context.Context) (*policy.Policy, error) {
	p, _, err := c.loadRev(ctx)
	return p, err
}

// loadRev loads the --store store and its revision.
func (c *cli) loadRev(ctx context.Context) (*policy.Policy, policy.Revision, error) {
	s, err := c.openStore(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer s.Close()
	p, rev, err := s.Load(ctx)
	if err != nil {
		return nil, 0, c.loadError(err)
	}
	return p, rev, nil
}

// loadError describes a failed load of the --store store.
func (c *cli) loadError(err error) error {
	if errors.Is(err, policy.ErrNotFound) {
		return fmt.Errorf("load store %s: %w (create it with 'azgate store init')", c.storeURL, err)
	}
	return fmt.Errorf("load store %s: %w", c.storeURL, err)
}

// update applies edit to the --store store with policy.Update: on a
// revision conflict it reloads and reapplies; a failed edit writes nothing.
// The change is recorded in the audit log.
func (c *cli) update(ctx context.Context, edit func(*policy.Policy) error) error {
	s, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	return c.audited(ctx, c.storeURL, func(ctx context.Context) (policy.Revision, policy.Revision, error) {
		old, nrev, err := policy.Update(ctx, s, edit)
		if err != nil && old == 0 && errors.Is(err, policy.ErrNotFound) {
			return 0, 0, c.loadError(err)
		}
		if st, ok := s.(*ldapstore.Store); ok && err != nil && old == 0 && errors.Is(err, policy.ErrInvalid) {
			if !c.repair {
				return 0, 0, fmt.Errorf("%w\nThe store has a malformed entry, so no edit can be saved: 'azgate store validate' lists them; "+
					"run this command again with --repair to save it with them repaired or left out (listed), "+
					"or restore a known-good copy with 'azgate store repair --from'", c.loadError(err))
			}
			return c.updateRepairing(ctx, st, edit)
		}
		return old, nrev, err
	})
}

// updateRepairing applies edit to a store with malformed entries: it reads
// the store with each malformed entry repaired or left out, prints what it
// did, and saves the edit with the repairs (ldapstore.Store.Salvage).
func (c *cli) updateRepairing(ctx context.Context, st *ldapstore.Store, edit func(*policy.Policy) error) (old, nrev policy.Revision, err error) {
	sv, err := st.Salvage(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("repair store %s: %w", c.storeURL, err)
	}
	if sv.Pending {
		return 0, 0, fmt.Errorf("store %s: a save is in progress or never finished; see 'azgate store repair'", c.storeURL)
	}
	q, err := sv.Policy.Edit(edit)
	if err != nil {
		return sv.Revision, 0, err
	}
	for _, f := range sv.Fixes {
		fmt.Fprintf(c.stderr, "repairing %s\n", f)
	}
	nrev, err = st.Save(ctx, q, sv.Revision)
	return sv.Revision, nrev, err
}
