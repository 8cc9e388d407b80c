package authz

import (
	"encoding/binary"
	"math/bits"
)

// keyTable maps folded principal strings to indexes. It is an open-addressing
// table tuned for the hot path, where most of a client's identifiers and
// groups are in no role assignment or group at all: a lookup folds and hashes
// the string in one pass, eight bytes at a time, and a miss usually costs one
// probe of a compact tag array.
type keyTable struct {
	mask  uint64
	slots []slot
	arena []byte   // the folded keys, end to end
	off   []uint32 // key i is arena[off[i]:off[i+1]]
}

type slot struct {
	tag uint32 // 0: empty
	val int32
}

func newKeyTable(keys []string) *keyTable {
	size := uint64(16)
	for size < uint64(len(keys))*2 {
		size <<= 1
	}
	t := &keyTable{mask: size - 1, slots: make([]slot, size), off: make([]uint32, 1, len(keys)+1)}
	var buf [foldBuf]byte
	for i, k := range keys {
		t.arena = append(t.arena, k...)
		t.off = append(t.off, uint32(len(t.arena)))
		h := hashFolded(k, &buf)
		for s := h & t.mask; ; s = (s + 1) & t.mask {
			if t.slots[s].tag == 0 {
				t.slots[s] = slot{tagOf(h), int32(i)}
				break
			}
		}
	}
	return t
}

func (t *keyTable) key(i int32) []byte { return t.arena[t.off[i]:t.off[i+1]] }

func tagOf(h uint64) uint32 { return uint32(h>>32) | 1 }

// lookup returns the index of foldKey(s).
func (t *keyTable) lookup(s string, buf *[foldBuf]byte) (int32, bool) {
	n := len(s)
	if n == 0 || n > foldBuf-8 || s[0] <= ' ' || s[n-1] <= ' ' {
		return t.lookupSlow(s, buf)
	}
	h, ascii := foldHash(s, buf)
	if !ascii {
		return t.lookupSlow(s, buf)
	}
	tag := tagOf(h)
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		sl := t.slots[i]
		if sl.tag == tag && string(t.key(sl.val)) == string(buf[:n]) {
			return sl.val, true
		}
		if sl.tag == 0 {
			return 0, false
		}
	}
}

func (t *keyTable) lookupSlow(s string, buf *[foldBuf]byte) (int32, bool) {
	k := foldKey(s)
	if k == "" {
		return 0, false
	}
	h := hashFolded(k, buf)
	tag := tagOf(h)
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		sl := t.slots[i]
		if sl.tag == tag && string(t.key(sl.val)) == k {
			return sl.val, true
		}
		if sl.tag == 0 {
			return 0, false
		}
	}
}

// hashFolded hashes an already folded key (any length).
func hashFolded(k string, buf *[foldBuf]byte) uint64 {
	if len(k) <= foldBuf-8 {
		h, _ := foldHash(k, buf)
		return h
	}
	// Long keys: hash in pieces; only lookupSlow meets them.
	var h uint64 = 0x243f6a8885a308d3
	for len(k) > 0 {
		n := min(len(k), foldBuf-8)
		part, _ := foldHash(k[:n], buf)
		h = mix(h ^ part)
		k = k[n:]
	}
	return h
}

const (
	ones = 0x0101010101010101
	high = 0x8080808080808080
)

// foldHash copies s into buf lower-casing ASCII letters, and hashes the
// result. ascii is false when s has a byte >= 0x80 (then the caller must
// fold with strings.ToLower). len(s) <= len(buf)-8.
func foldHash(s string, buf *[foldBuf]byte) (h uint64, ascii bool) {
	n := len(s)
	copy(buf[:], s)
	clear(buf[n : n+8])
	h = 0x243f6a8885a308d3 ^ uint64(n)
	var any uint64
	for i := 0; i < n; i += 8 {
		w := binary.LittleEndian.Uint64(buf[i : i+8])
		any |= w
		hept := w &^ high
		upper := (hept + ones*(0x80-'A')) &^ (hept + ones*(0x80-'Z'-1)) &^ w & high
		w |= upper >> 2
		binary.LittleEndian.PutUint64(buf[i:i+8], w)
		h = mix(h ^ w)
	}
	return mix(h), any&high == 0
}

func mix(h uint64) uint64 {
	hi, lo := bits.Mul64(h, 0x9e3779b97f4a7c15)
	return hi ^ lo
}
