package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/azgate/azgate/policy"
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
	s, err := c.openStore(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	p, _, err := s.Load(ctx)
	if err != nil {
		return nil, c.loadError(err)
	}
	return p, nil
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
		return old, nrev, err
	})
}
