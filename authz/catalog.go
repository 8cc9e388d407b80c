package authz

import (
	"encoding/binary"
	"math/bits"

	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// An application's operations are its store's: the Checker indexes them
// (operations.Index, O(1) by ID and by name) and gives operation i of the
// index bit i of every operation set. A set of operations is a bit set of
// Checker.words 64-bit words held in the Checker's mask arena and named by
// its offset there (an mref); identical sets share one copy, so the few
// sets a check touches stay in cache. A check decides the operations it
// asks about one word at a time: for an application of up to 64
// operations that is one pass with one word per set, as fast as a plain
// uint64; a catalog of 1,000 operations costs one more load per set test.

// mref is an operation set: the offset of its first word in Checker.masks.
// The empty set is always 0.
type mref int32

// word returns word w of set r.
func (c *Checker) word(r mref, w int) uint64 { return c.masks[int(r)+w] }

// has reports whether set r holds operation bit.
func (c *Checker) has(r mref, bit int) bool {
	return c.masks[int(r)+bit>>6]&(1<<uint(bit&63)) != 0
}

// opBits is an operation set while compiling: Checker.words words.
type opBits []uint64

func (b *builder) newBits() opBits { return make(opBits, b.c.words) }

func (s opBits) set(bit int)      { s[bit>>6] |= 1 << uint(bit&63) }
func (s opBits) has(bit int) bool { return s[bit>>6]&(1<<uint(bit&63)) != 0 }
func (s opBits) or(t opBits)      { orInto(s, t) }

// each calls f with every operation of s, lowest first.
func (s opBits) each(f func(bit int)) {
	for w, m := range s {
		for ; m != 0; m &= m - 1 {
			f(firstBit(w, m))
		}
	}
}

// count is the number of operations in set r.
func (c *Checker) count(r mref) int {
	n := 0
	for _, w := range c.view(r) {
		n += bits.OnesCount64(w)
	}
	return n
}

// view is set r of the arena, to read only.
func (c *Checker) view(r mref) opBits { return c.masks[int(r) : int(r)+c.words : int(r)+c.words] }

// newSet is an empty set of c's operations, to fill.
func (c *Checker) newSet() opBits { return make(opBits, c.words) }
func (s opBits) equal(t opBits) bool {
	for i := range s {
		if s[i] != t[i] {
			return false
		}
	}
	return true
}
func (s opBits) empty() bool {
	for _, w := range s {
		if w != 0 {
			return false
		}
	}
	return true
}

func orInto(dst, src []uint64) {
	for i := range dst {
		dst[i] |= src[i]
	}
}

// intern returns the mref of set s, adding it to the arena when new.
func (b *builder) intern(s opBits) mref {
	key := make([]byte, 8*len(s))
	for i, w := range s {
		binary.LittleEndian.PutUint64(key[8*i:], w)
	}
	if r, ok := b.interned[string(key)]; ok {
		return r
	}
	r := mref(len(b.c.masks))
	b.c.masks = append(b.c.masks, s...)
	b.interned[string(key)] = r
	return r
}

// union returns the set of the operations of x and y.
func (b *builder) union(x, y mref) mref {
	switch {
	case x == y || y == 0:
		return x
	case x == 0:
		return y
	}
	k := [2]mref{min(x, y), max(x, y)}
	if r, ok := b.unions[k]; ok {
		return r
	}
	s := b.bitsOf(x)
	orInto(s, b.c.masks[int(y):int(y)+b.c.words])
	r := b.intern(s)
	if b.unions == nil {
		b.unions = map[[2]mref]mref{}
	}
	b.unions[k] = r
	return r
}

// bitsOf copies set r out of the arena (while compiling).
func (b *builder) bitsOf(r mref) opBits {
	return append(opBits(nil), b.c.masks[int(r):int(r)+b.c.words]...)
}

// firstBit is the lowest operation of a non-empty set of one word w.
func firstBit(w int, m uint64) int { return w<<6 + bits.TrailingZeros64(m) }

// operations indexes application a's operations (policy's
// OperationIndex): operation i of the index gets bit i. One the index
// leaves out (no name, an OperationID that is not positive or is taken) is
// reported, and links to it grant nothing (fail closed). Stores validate
// this; a store edited by hand may not.
func (b *builder) operations(a *policy.Application) {
	c := b.c
	idx, problems := a.OperationIndex()
	for _, p := range problems {
		b.warn("%s", p)
	}
	for _, o := range a.Operations {
		bit := idx.PosByName(o.Name)
		if bit >= 0 && int(idx.At(bit).ID) != o.OperationID {
			bit = -1 // a later operation of the same name, left out
		}
		b.opBits[foldKey(o.GUID)] = bit
	}
	c.ops = idx
	c.words = max(1, (idx.Len()+63)/64)
	b.interned = map[string]mref{}
	b.intern(b.newBits()) // the empty set is mref 0
	all := b.newBits()
	for i := range idx.Len() {
		all.set(i)
	}
	c.all = b.intern(all)
}

// Operations returns the index of the application's operations, as its
// store defines them: names, OperationIDs and descriptions. Checks name
// operations by these IDs.
func (c *Checker) Operations() *operations.Index { return c.ops }

// Operation returns the application's operation with ID id.
func (c *Checker) Operation(id operations.ID) (operations.Operation, bool) { return c.ops.ByID(id) }

// operation returns the operation of id; an unknown ID gives an operation
// carrying only the ID.
func (c *Checker) operation(id operations.ID) operations.Operation {
	if o, ok := c.ops.ByID(id); ok {
		return o
	}
	return operations.Operation{ID: id}
}
