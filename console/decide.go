package console

import (
	"context"
	"fmt"
	"slices"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// gridResult is the effective access of one client over some scopes.
type gridResult struct {
	ops     []operations.Operation
	allowed [][]bool // [scope][op]
}

// grid decides every operation the store defines in each scope for client.
func grid(ctx context.Context, snap *authz.Snapshot, client directory.ClientContext, scopes []string) (gridResult, error) {
	g := gridResult{ops: storeOps(snap)}
	ids := make([]operations.ID, len(g.ops))
	for i, op := range g.ops {
		ids[i] = op.ID
	}
	var buf authz.Buffer
	for _, sc := range scopes {
		row := make([]bool, len(ids))
		rs, err := snap.Checker.AccessCheckInto(ctx, &buf, client, sc, ids, nil)
		if err != nil {
			return g, fmt.Errorf("decide in %s: %w", scopeName(sc), err)
		}
		for i, res := range rs {
			row[i] = res.Allowed && res.Err == nil
		}
		g.allowed = append(g.allowed, row)
	}
	return g, nil
}

// change is one decision a what-if changes.
type change struct {
	Subject   string
	Kind      string
	Scope     string
	Operation string
	Granted   bool // false: revoked
}

// maxChanges bounds the changes a what-if lists.
const maxChanges = 1000

// whatIf compares the decisions of the policy in force with those of next
// for the directory's users and every member string either policy names,
// in every scope, and returns those that differ.
func (c *Console) whatIf(ctx context.Context, snap *authz.Snapshot, next *policy.Policy) ([]change, int, error) {
	nc, err := authz.Compile(next, snap.Checker.Application(), authz.Options{})
	if err != nil {
		return nil, 0, fmt.Errorf("compile the staged policy: %w", err)
	}
	type subj struct {
		name, kind string
		client     directory.ClientContext
	}
	var subjects []subj
	seen := map[string]bool{}
	users, err := c.b.DirectoryUsers(ctx)
	if err != nil {
		return nil, 0, err
	}
	for _, u := range users {
		cl, err := c.b.Resolve(ctx, u)
		if err != nil {
			continue
		}
		seen[u] = true
		subjects = append(subjects, subj{u, "user", cl})
	}
	for _, p := range []*policy.Policy{snap.Policy, next} {
		a, err := p.Application(snap.Checker.Application())
		if err != nil {
			continue
		}
		add := func(o *policy.Objects) {
			for _, r := range o.Roles {
				for _, m := range r.Members {
					if !seen[m] {
						seen[m] = true
						subjects = append(subjects, subj{m, "principal", directory.ClientContext{Name: m, IDs: []string{m}, Groups: []string{m}}})
					}
				}
			}
		}
		add(&a.Objects)
		for _, sc := range a.Scopes {
			add(&sc.Objects)
		}
	}
	ops := storeOps(snap)
	ids := make([]operations.ID, len(ops))
	for i, op := range ops {
		ids[i] = op.ID
	}
	scopes := append([]string{""}, nc.Scopes()...)
	for _, sc := range snap.Checker.Scopes() {
		if !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	var out []change
	total := 0
	for _, s := range subjects {
		for _, sc := range scopes {
			before, _ := snap.Checker.AccessCheck(ctx, s.client, sc, ids, nil)
			after, _ := nc.AccessCheck(ctx, s.client, sc, ids, nil)
			for i := range ids {
				b := i < len(before) && before[i].Allowed && before[i].Err == nil
				a := i < len(after) && after[i].Allowed && after[i].Err == nil
				if a != b {
					total++
					if len(out) < maxChanges {
						out = append(out, change{Subject: s.name, Kind: s.kind, Scope: sc, Operation: ops[i].Name, Granted: a})
					}
				}
			}
		}
	}
	return out, total, nil
}
