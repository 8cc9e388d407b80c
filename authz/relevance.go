package authz

// Level filters: which of a client's keys can matter to a check in one
// scope. A check reads, of each key that names a principal, its role
// assignments at application level and in the checked scope and its group
// memberships; but only the groups that assignments of those two levels
// link (and the groups below them by member and non-member links) are ever
// evaluated. A key that is a direct member of no assignment of the two
// levels and a member or non-member of none of those groups changes
// nothing, and in a large policy that is most keys: a directory group named
// somewhere in the store, but not near the scope checked.
//
// Each level (the application and every scope) has a blocked Bloom filter
// of the keys that may matter there; a check probes the application's and
// the scope's with the key's hash and skips the principal table — its
// probe, the principal record and its entries, the misses of the hot path —
// for a key in neither. A filter never leaves out a key that matters, so
// decisions and grants are the same as without it.

// levelFilter is a level's filter: mask+1 words of Checker.lfilter from off
// (mask 0 and off 0 for a level where no key matters: word 0 is empty).
type levelFilter struct {
	off, mask uint32
}

// levelBits are the two bits of a key in its word of a level filter: other
// bits of the hash than the principal filter's.
func levelBits(h uint64) uint64 { return 1<<(h>>52&63) | 1<<(h>>58) }

// mayMatter reports whether the key of hash h may matter at level f.
func (c *Checker) mayMatter(f levelFilter, h uint64) bool {
	m := levelBits(h)
	return c.lfilter[f.off+uint32(h>>8)&f.mask]&m == m
}

// levelFilterOf is the filter of scope s (>= 0) or of the application
// (appLevel).
func (c *Checker) levelFilterOf(s int32) levelFilter { return c.levels[s+1] }

// buildLevelFilters fills c.levels and c.lfilter from the compiled groups
// and assignments, with hashes the principal hashes (by principal index)
// and b.keys the principal index of each folded principal.
func (c *Checker) buildLevelFilters(hashes []uint64, b *builder) {
	// The principals each group lists as members or non-members.
	groupPrins := make([][]int32, len(c.groups))
	for g := range c.groups {
		n := &c.groups[g]
		for _, list := range [2][]string{n.members, n.nonMembers} {
			for _, m := range list {
				if pi, ok := lookupFolded(b, b.keys, m); ok {
					groupPrins[g] = append(groupPrins[g], pi)
				}
			}
		}
	}
	// The groups each level's assignments link, and their direct members.
	linked := make([][]int32, len(c.scopes)+1)
	direct := make([][]int32, len(c.scopes)+1)
	for ai := range c.assigns {
		a := &c.assigns[ai]
		if a.scope < appLevel {
			continue
		}
		l := a.scope + 1
		linked[l] = append(linked[l], a.groups...)
		for _, m := range a.members {
			if pi, ok := lookupFolded(b, b.keys, m); ok {
				direct[l] = append(direct[l], pi)
			}
		}
	}
	gseen := make([]uint32, len(c.groups))
	pseen := make([]uint32, len(hashes))
	var stamp uint32
	var prins []int32
	var stack []int32
	c.levels = make([]levelFilter, len(c.scopes)+1)
	c.lfilter = []uint64{0}
	for l := range c.levels {
		stamp++
		prins = prins[:0]
		add := func(pi int32) {
			if pseen[pi] != stamp {
				pseen[pi] = stamp
				prins = append(prins, pi)
			}
		}
		for _, pi := range direct[l] {
			add(pi)
		}
		stack = append(stack[:0], linked[l]...)
		for len(stack) > 0 {
			g := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if gseen[g] == stamp {
				continue
			}
			gseen[g] = stamp
			for _, pi := range groupPrins[g] {
				add(pi)
			}
			stack = append(stack, c.groups[g].memberLinks...)
			stack = append(stack, c.groups[g].nonMemberLinks...)
		}
		if len(prins) == 0 {
			continue
		}
		words := uint32(1) // about 16 bits a key
		for words*4 < uint32(len(prins)) {
			words <<= 1
		}
		f := levelFilter{off: uint32(len(c.lfilter)), mask: words - 1}
		c.lfilter = append(c.lfilter, make([]uint64, words)...)
		for _, pi := range prins {
			h := hashes[pi]
			c.lfilter[f.off+uint32(h>>8)&f.mask] |= levelBits(h)
		}
		c.levels[l] = f
	}
}
