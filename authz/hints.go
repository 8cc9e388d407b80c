package authz

import (
	"cmp"
	"slices"
	"strings"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/operations"
)

// MaxHints is the most hints Hints returns.
const MaxHints = 3

// Hint is an existing role assignment, or role definition, that would
// grant an operation in a scope: the fix a denial suggests to someone who
// may read the policy (the HTTP API's document).
type Hint = api.Hint

// Hints returns the smallest existing role assignments and role
// definitions that would grant op (a catalog ID) in scope ("" is the
// default scope), at most MaxHints: those that grant it for sure before
// those a business rule decides, the narrowest first, assignments before
// definitions: the assignments a
// check in scope consults (at application level and in scope) and the
// definitions an assignment there may link. Nothing of another scope is
// ever named. An unknown scope or operation is an error.
func (c *Checker) Hints(scope string, op operations.ID) ([]Hint, error) {
	c, si, bit, err := c.scopeOp(scope, op)
	if err != nil {
		return nil, err
	}
	var out []Hint
	level := func(l int32) string {
		if l == appLevel {
			return ""
		}
		return c.scopes[l]
	}
	for i := range c.assigns {
		a := &c.assigns[i]
		if !c.has(a.full, bit) || (a.scope != appLevel && a.scope != si) {
			continue
		}
		out = append(out, Hint{Kind: "role assignment", Name: a.name, Scope: level(a.scope),
			Operations: c.count(a.full), Conditional: !c.has(a.static, bit)})
	}
	for i := range c.tasks {
		t := &c.tasks[i]
		if !t.roleDef || !c.has(t.full, bit) || (t.scope != appLevel && t.scope != si) {
			continue
		}
		// A definition is assigned where the check looks: in the scope
		// (or at application level for the default scope).
		out = append(out, Hint{Kind: "role definition", Name: t.name, Scope: scope,
			Operations: c.count(t.full), Conditional: !c.has(t.static, bit)})
	}
	slices.SortStableFunc(out, func(x, y Hint) int {
		return cmp.Or(
			boolOrder(x.Conditional, y.Conditional), // what grants for sure first
			cmp.Compare(x.Operations, y.Operations),
			strings.Compare(x.Kind, y.Kind), // assignments before definitions
			strings.Compare(foldKey(x.Name), foldKey(y.Name)))
	})
	return out[:min(len(out), MaxHints)], nil
}

func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
