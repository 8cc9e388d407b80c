package authz

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
)

// Binding is a Checker seen by a program that names operations by its own
// IDs — the bundled engine, gated through the "Hyper-V services"
// application by the operations package's IDs. Its operations are matched
// to the application's by name, and each check is made with the ID the
// store gives the operation (a store written by Microsoft keeps Microsoft's
// IDs). The match is made once, when the Checker is compiled; a check
// translates each ID in O(1).
type Binding struct {
	c       *Checker
	from    *operations.Index
	to      []int32 // position in from → bit in c.ops, -1 when the application lacks it
	missing []operations.Operation
}

// Bind matches the operations of from (a program's own, as the engine's
// operations.HyperV()) to the application's by name. Options.Engine makes
// the one Checker.Engine returns.
func (c *Checker) Bind(from *operations.Index) *Binding {
	b := &Binding{c: c, from: from, to: make([]int32, from.Len())}
	for i, o := range from.All() {
		b.to[i] = int32(c.ops.PosByName(o.Name))
		if b.to[i] < 0 {
			b.missing = append(b.missing, o)
		}
	}
	return b
}

// Engine returns the Checker seen through Options.Engine's IDs, or nil
// when Compile had none.
func (c *Checker) Engine() *Binding { return c.engine }

// Checker returns the Checker the binding checks with.
func (b *Binding) Checker() *Checker { return b.c }

// Missing lists the program's operations the application does not define:
// a check of one of them denies.
func (b *Binding) Missing() []operations.Operation {
	return append([]operations.Operation(nil), b.missing...)
}

// Summary says which of the program's operations the application lacks,
// in one sentence; "" when it has them all.
func (b *Binding) Summary() string {
	if len(b.missing) == 0 {
		return ""
	}
	names := make([]string, len(b.missing))
	for i, o := range b.missing {
		names[i] = strconv.Quote(o.Name)
	}
	return fmt.Sprintf("%d of the engine's %d operations are not in it, so nobody can be granted them: %s",
		len(b.missing), b.from.Len(), strings.Join(names, ", "))
}

// AccessCheck is Checker.AccessCheck with ops given as IDs of the
// program's operations. Each result's Operation is the application's (its
// name and ID as the store has them). An operation the application lacks
// is a denial with ErrUnknownOperation naming it; an ID the program does
// not define, one naming the ID.
func (b *Binding) AccessCheck(ctx context.Context, client directory.ClientContext, scope string, ops []operations.ID, params Params) ([]Result, error) {
	var small [4]operations.ID
	ids := small[:0]
	if len(ops) > len(small) {
		ids = make([]operations.ID, 0, len(ops))
	}
	var bad []int // positions of ops that cannot be asked
	for i, id := range ops {
		p := b.from.Pos(id)
		if p < 0 || b.to[p] < 0 {
			bad = append(bad, i)
			ids = append(ids, 0) // no application has OperationID 0
			continue
		}
		ids = append(ids, b.c.ops.At(int(b.to[p])).ID)
	}
	rs, err := b.c.AccessCheck(ctx, client, scope, ids, params)
	for _, i := range bad {
		id := ops[i]
		if o, ok := b.from.ByID(id); ok {
			rs[i] = Result{Operation: o, Err: fmt.Errorf("application %q has no operation %q (the engine's %d): %w", b.c.app, o.Name, id, ErrUnknownOperation)}
		} else {
			rs[i] = Result{Operation: operations.Operation{ID: id}, Err: fmt.Errorf("the engine has no operation with ID %d: %w", id, ErrUnknownOperation)}
		}
	}
	return rs, err
}
