package authz

// The principal table: folded principal strings → principal index, laid
// out so that a lookup that hits touches the slot array and then one
// principal record, which holds both the key (to confirm the match) and the
// spans the hot path reads next. A lookup that misses — half of a typical
// client's identifiers and groups are named nowhere in the policy — is
// mostly answered by pfilter, a blocked Bloom filter: two bits of one
// 64-bit word, chosen by the hash, are set for every key.

// inlineKey is how many key bytes a principal record holds; longer keys
// (long DNs) live in keyArena.
const inlineKey = 56

// prinKey is a principal's folded key.
type prinKey struct {
	n      uint32
	off    uint32 // in keyArena when n > inlineKey
	inline [inlineKey]byte
}

// buildPrinTable fills c.ptags and the keys of c.prins from c.keyNames,
// and returns the hash of each key.
func (c *Checker) buildPrinTable() []uint64 {
	size := uint64(16)
	for size < uint64(len(c.keyNames))*2 {
		size <<= 1
	}
	c.pmask = size - 1
	c.ptags = make([]uint64, size)
	c.pfilter = make([]uint64, size/8) // 16 to 32 bits a key; an eighth of ptags
	c.fmask = uint64(len(c.pfilter) - 1)
	hashes := make([]uint64, len(c.keyNames))
	for i, k := range c.keyNames {
		p := &c.prins[i]
		p.key.n = uint32(len(k))
		if len(k) <= inlineKey {
			copy(p.key.inline[:], k)
		} else {
			p.key.off = uint32(len(c.keyArena))
			c.keyArena = append(c.keyArena, k...)
		}
		h := hashFolded(k)
		hashes[i] = h
		c.pfilter[(h>>16)&c.fmask] |= filterBits(h)
		for s := h & c.pmask; ; s = (s + 1) & c.pmask {
			if c.ptags[s] == 0 {
				c.ptags[s] = uint64(tagOf32(h))<<32 | uint64(i+1)
				break
			}
		}
	}
	return hashes
}

// filterBits are the two bits of a key's word in the filter.
func filterBits(h uint64) uint64 { return 1<<(h>>40&63) | 1<<(h>>46&63) }

func tagOf32(h uint64) uint32 { return uint32(h>>32) | 1 }

func (c *Checker) prinKeyBytes(p *prinNode) []byte {
	if p.key.n <= inlineKey {
		return p.key.inline[:p.key.n]
	}
	return c.keyArena[p.key.off : p.key.off+p.key.n]
}

// lookupPrin returns the index of the principal foldKey(s).
func (c *Checker) lookupPrin(s string) (int32, bool) {
	h, fast := hashKey(s)
	return c.lookupPrinHashed(s, h, fast)
}

// lookupPrinHashed is lookupPrin with the hash from hashKey.
func (c *Checker) lookupPrinHashed(s string, h uint64, fast bool) (int32, bool) {
	if !fast {
		return c.lookupPrinSlow(s)
	}
	if m := filterBits(h); c.pfilter[(h>>16)&c.fmask]&m != m {
		return 0, false
	}
	tag := tagOf32(h)
	for i := h & c.pmask; ; i = (i + 1) & c.pmask {
		e := c.ptags[i]
		if e == 0 {
			return 0, false
		}
		if uint32(e>>32) == tag {
			pi := int32(uint32(e)) - 1
			if equalKeyASCII(s, c.prinKeyBytes(&c.prins[pi])) {
				return pi, true
			}
		}
	}
}

func (c *Checker) lookupPrinSlow(s string) (int32, bool) {
	k := foldKey(s)
	if k == "" {
		return 0, false
	}
	h := hashFolded(k)
	tag := tagOf32(h)
	for i := h & c.pmask; ; i = (i + 1) & c.pmask {
		e := c.ptags[i]
		if e == 0 {
			return 0, false
		}
		if uint32(e>>32) == tag {
			pi := int32(uint32(e)) - 1
			if string(c.prinKeyBytes(&c.prins[pi])) == k {
				return pi, true
			}
		}
	}
}
