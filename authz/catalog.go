package authz

import (
	"fmt"
	"math"

	"github.com/azgate/azgate/operations"
)

// MaxOperations is the largest operation catalog a Checker decides over:
// every operation has one bit of a 64-bit mask.
const MaxOperations = 64

// opCatalog is an operation catalog as bits: operation i of ops has bit i.
// It is immutable once built.
type opCatalog struct {
	ops    []operations.Operation
	byName map[string]int // folded name → bit
	lo     operations.ID  // dense[0] is the bit of ID lo
	dense  []int8         // bit of ID lo+i, -1 when none; nil when the IDs are too spread out
	sparse map[operations.ID]int8
	all    uint64
}

// maxDenseSpan bounds the ID range held in the dense table (one byte per
// ID); catalogs spread wider use a map.
const maxDenseSpan = 4096

// hyperV is the default catalog, built once.
var hyperV = func() *opCatalog {
	k, err := newCatalog(operations.All())
	if err != nil {
		panic("authz: the operations catalog is invalid: " + err.Error())
	}
	return k
}()

// catalogFor returns the catalog of ops: the Hyper-V catalog when ops is
// empty.
func catalogFor(ops []operations.Operation) (*opCatalog, error) {
	if len(ops) == 0 {
		return hyperV, nil
	}
	return newCatalog(ops)
}

// newCatalog checks ops (at most MaxOperations, positive unique IDs,
// non-empty names unique when folded) and indexes them.
func newCatalog(ops []operations.Operation) (*opCatalog, error) {
	if len(ops) > MaxOperations {
		return nil, fmt.Errorf("operation catalog: %d operations, at most %d: %w", len(ops), MaxOperations, ErrBadCatalog)
	}
	k := &opCatalog{ops: append([]operations.Operation(nil), ops...), byName: make(map[string]int, len(ops))}
	lo, hi := operations.ID(math.MaxInt), operations.ID(0)
	seen := make(map[operations.ID]string, len(ops))
	for i, o := range k.ops {
		name := foldKey(o.Name)
		switch {
		case name == "":
			return nil, fmt.Errorf("operation catalog: operation %d (ID %d) has no name: %w", i+1, o.ID, ErrBadCatalog)
		case o.ID <= 0:
			return nil, fmt.Errorf("operation catalog: operation %q: ID %d is not positive: %w", o.Name, o.ID, ErrBadCatalog)
		}
		if prev, dup := seen[o.ID]; dup {
			return nil, fmt.Errorf("operation catalog: operation %q: ID %d is also used by %q: %w", o.Name, o.ID, prev, ErrBadCatalog)
		}
		if j, dup := k.byName[name]; dup {
			return nil, fmt.Errorf("operation catalog: operation %d (ID %d): name %q is also used by ID %d: %w", i+1, o.ID, o.Name, k.ops[j].ID, ErrBadCatalog)
		}
		seen[o.ID] = o.Name
		k.byName[name] = i
		k.all |= 1 << uint(i)
		lo, hi = min(lo, o.ID), max(hi, o.ID)
	}
	if len(k.ops) == 0 {
		return k, nil
	}
	if hi-lo < maxDenseSpan {
		k.lo = lo
		k.dense = make([]int8, hi-lo+1)
		for i := range k.dense {
			k.dense[i] = -1
		}
		for i, o := range k.ops {
			k.dense[o.ID-lo] = int8(i)
		}
		return k, nil
	}
	k.sparse = make(map[operations.ID]int8, len(k.ops))
	for i, o := range k.ops {
		k.sparse[o.ID] = int8(i)
	}
	return k, nil
}

// bit returns the bit of operation id, or -1 when the catalog lacks it.
// O(1): one bounds check and one load for dense catalogs (the Hyper-V one),
// one map lookup otherwise.
func (k *opCatalog) bit(id operations.ID) int {
	if i := uint(id - k.lo); i < uint(len(k.dense)) {
		return int(k.dense[i])
	}
	if k.sparse != nil {
		if b, ok := k.sparse[id]; ok {
			return int(b)
		}
	}
	return -1
}

// bitByName returns the bit of the operation named name (compared as
// foldKey does), or -1.
func (k *opCatalog) bitByName(name string) int {
	if b, ok := k.byName[foldKey(name)]; ok {
		return b
	}
	return -1
}

// operation returns the catalog entry of id; unknown IDs give an operation
// carrying only the ID.
func (k *opCatalog) operation(id operations.ID) (operations.Operation, bool) {
	if b := k.bit(id); b >= 0 {
		return k.ops[b], true
	}
	return operations.Operation{ID: id}, false
}

// Operations returns the operation catalog the Checker decides over (a
// copy): Options.Operations, or the Hyper-V catalog (operations.All).
func (c *Checker) Operations() []operations.Operation {
	return append([]operations.Operation(nil), c.cat.ops...)
}

// Operation returns the operation of the Checker's catalog with ID id.
func (c *Checker) Operation(id operations.ID) (operations.Operation, bool) {
	return c.cat.operation(id)
}

// ValidateOperations reports whether ops is a catalog Compile accepts
// (Options.Operations): at most MaxOperations operations, positive unique
// IDs, names non-empty and unique (case-insensitively, ignoring surrounding
// space). Errors wrap ErrBadCatalog and name the offending operation.
func ValidateOperations(ops []operations.Operation) error {
	_, err := newCatalog(ops)
	return err
}
