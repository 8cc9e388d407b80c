package console

import (
	"context"
	"fmt"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/policy"
)

// maxChanges bounds the changes a what-if lists (the total is exact).
const maxChanges = 1000

// whatIf compares the decisions of the policy in force with those of
// next, the policy with the staged edits: for the directory's users and
// every principal and application group either policy names, in every
// scope, for every operation (authz.WhatIf decides again only what the
// edits can reach).
func (c *Console) whatIf(ctx context.Context, snap *authz.Snapshot, next *policy.Policy) (authz.WhatIfReport, error) {
	nc, err := snap.Checker.Recompile(next)
	if err != nil {
		return authz.WhatIfReport{}, fmt.Errorf("compile the staged policy: %w", err)
	}
	users, err := c.b.DirectoryUsers(ctx)
	if err != nil {
		return authz.WhatIfReport{}, err
	}
	var subjects []authz.Subject
	for _, u := range users {
		cl, err := c.b.Resolve(ctx, u)
		if err != nil {
			continue // deleted meanwhile: its member strings are compared below
		}
		subjects = append(subjects, authz.UserSubject(cl))
	}
	subjects = append(subjects, snap.Checker.PolicySubjects()...)
	subjects = append(subjects, nc.PolicySubjects()...)
	return authz.WhatIf(ctx, snap.Checker, nc, authz.WhatIfOptions{Subjects: subjects, Limit: maxChanges})
}
