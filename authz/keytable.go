package authz

import (
	"math/bits"
	"unsafe"
)

// keyTable maps folded principal strings (foldKey) to indexes. It is an open-addressing
// table tuned for the hot path, where most of a client's identifiers and
// groups are in no role assignment or group at all: a lookup folds and hashes
// the string in one pass, eight bytes at a time, and a miss usually costs one
// probe of a compact tag array.
type keyTable struct {
	mask  uint64
	tags  []uint16 // 0: empty slot; small, so that misses stay in the L1 cache
	slots []kslot
	arena []byte // the folded keys, end to end
}

// kslot is a filled slot: the value and where its key is in the arena.
type kslot struct {
	val int32
	off uint32
	n   uint32
}

func newKeyTable(keys []string) *keyTable {
	size := uint64(16)
	for size < uint64(len(keys))*2 {
		size <<= 1
	}
	t := &keyTable{mask: size - 1, tags: make([]uint16, size), slots: make([]kslot, size)}
	for i, k := range keys {
		off := uint32(len(t.arena))
		t.arena = append(t.arena, k...)
		h := hashFolded(k)
		for s := h & t.mask; ; s = (s + 1) & t.mask {
			if t.tags[s] == 0 {
				t.tags[s], t.slots[s] = tagOf(h), kslot{val: int32(i), off: off, n: uint32(len(k))}
				break
			}
		}
	}
	return t
}

func (t *keyTable) key(sl *kslot) []byte { return t.arena[sl.off : sl.off+sl.n] }

func tagOf(h uint64) uint16 { return uint16(h>>48) | 1 }

// lookup returns the index of foldKey(s).
func (t *keyTable) lookup(s string) (int32, bool) {
	h, fast := hashKey(s)
	return t.lookupHashed(s, h, fast)
}

// hashKey is the first half of lookup: the hash of s, and whether the fast
// path applies (s is ASCII without surrounding space). Hashing a batch of
// keys before probing lets their memory loads overlap.
func hashKey(s string) (uint64, bool) {
	n := len(s)
	if n == 0 || s[0] <= ' ' || s[n-1] <= ' ' {
		return 0, false
	}
	return foldHashString(s)
}

// lookupHashed is the second half of lookup.
func (t *keyTable) lookupHashed(s string, h uint64, fast bool) (int32, bool) {
	if !fast {
		return t.lookupSlow(s)
	}
	tag := tagOf(h)
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		switch t.tags[i] {
		case tag:
			if sl := &t.slots[i]; equalKeyASCII(s, t.key(sl)) {
				return sl.val, true
			}
		case 0:
			return 0, false
		}
	}
}

// equalKeyASCII reports whether names.Key(s) equals folded, for ASCII s:
// names.Key upper-cases ASCII letters and changes no other ASCII byte.
func equalKeyASCII(s string, folded []byte) bool {
	n := len(s)
	if n != len(folded) {
		return false
	}
	p, q := unsafe.StringData(s), unsafe.SliceData(folded)
	i := 0
	for ; i+8 <= n; i += 8 { // in bounds of both: i+8 <= n
		w := *(*uint64)(unsafe.Add(unsafe.Pointer(p), i))
		if upper8(w) != *(*uint64)(unsafe.Add(unsafe.Pointer(q), i)) {
			return false
		}
	}
	for ; i < n; i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != folded[i] {
			return false
		}
	}
	return true
}

func (t *keyTable) lookupSlow(s string) (int32, bool) {
	k := foldKey(s)
	if k == "" {
		return 0, false
	}
	h := hashFolded(k)
	tag := tagOf(h)
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		switch t.tags[i] {
		case tag:
			if sl := &t.slots[i]; string(t.key(sl)) == k {
				return sl.val, true
			}
		case 0:
			return 0, false
		}
	}
}

// hashFolded hashes an already folded key (foldKey), ASCII or not.
func hashFolded(k string) uint64 {
	h, _ := foldHashString(k)
	return h
}

const (
	ones     = 0x0101010101010101
	high     = 0x8080808080808080
	caseBits = 0x2020202020202020
)

// foldHashString hashes the bytes of s with bit 0x20 set in each before
// mixing, so that ASCII letters hash alike in either case (and a few
// punctuation pairs, such as '\\' and '|', merge; a collision costs a probe,
// never a wrong answer: lookups compare keys). It reads eight bytes at a
// time and mixes sixteen bytes with one 64×64→128-bit multiply; the
// multiplies of a long key do not depend on each other, so they overlap.
//
// Every key is hashed by it, ASCII or not: the hash of a key is
// foldHashString(names.Key(s)). For ASCII s (ascii true) that equals
// foldHashString(s), since names.Key only flips bit 0x20 of ASCII letters;
// for other s the caller must hash names.Key(s) instead.
func foldHashString(s string) (h uint64, ascii bool) {
	n := len(s)
	p := unsafe.Pointer(unsafe.StringData(s))
	load := func(i int) uint64 { return *(*uint64)(unsafe.Add(p, i)) } // callers keep i+8 <= n
	var a, b, all uint64
	switch {
	case n > 16:
		for i := 0; i+16 < n; i += 16 { // every 16 bytes but the last
			w0, w1 := load(i), load(i+8)
			all |= w0 | w1
			h ^= mum(w0|caseBits^(seed0+uint64(i)), w1|caseBits^seed1)
		}
		a, b = load(n-16), load(n-8)
	case n >= 8:
		a, b = load(0), load(n-8)
	case n >= 4:
		a, b = uint64(*(*uint32)(p)), uint64(*(*uint32)(unsafe.Add(p, n-4)))
	case n > 0:
		a = uint64(s[0])<<16 | uint64(s[n>>1])<<8 | uint64(s[n-1])
	}
	all |= a | b
	return h ^ mum(a|caseBits^seed2, b|caseBits^seed3) ^ uint64(n)<<56, all&high == 0
}

// Seeds of foldHashString, each with bit 0x20 clear in every byte: the
// multiplicands, whose bytes get that bit set by the xor, are never zero
// (seed0 plus a key position keeps it in its high bytes).
const (
	seed0 = 0x9e3779b97f4a7c15 &^ caseBits
	seed1 = 0xbf58476d1ce4e5b9 &^ caseBits
	seed2 = 0x94d049bb133111eb &^ caseBits
	seed3 = 0xd6e8feb86659fd93 &^ caseBits
)

// mum multiplies a and b to 128 bits and folds the halves.
func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// upper8 upper-cases the ASCII letters among eight bytes.
func upper8(w uint64) uint64 {
	hept := w &^ high
	lower := (hept + ones*(0x80-'a')) &^ (hept + ones*(0x80-'z'-1)) &^ w & high
	return w &^ (lower >> 2)
}
