// Package names holds the one rule by which azgate compares names: users,
// groups, principals, scopes, VMs, switches, ports, tasks and roles.
//
// Two names are the same name when strings.EqualFold says so: simple Unicode
// case folding, and nothing else normalised (no trimming, no NFC/NFD, no width
// folding). Every lookup, index, hash and uniqueness check goes through Equal
// or Key, so that "sam" and "ſam" (U+017F LATIN SMALL LETTER LONG S) are one
// name everywhere, while a precomposed "é" and "e" + U+0301 stay two.
package names

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Equal reports whether a and b are the same name.
func Equal(a, b string) bool { return strings.EqualFold(a, b) }

// Key returns the canonical form of s: Key(a) == Key(b) exactly when
// Equal(a, b). Use it for map keys and hashes. Each rune becomes the smallest
// rune of its simple case-folding orbit (so ASCII letters become upper case);
// invalid UTF-8 bytes become U+FFFD, as strings.EqualFold reads them.
func Key(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('a' <= c && c <= 'z') {
			return key(s, i)
		}
	}
	return s
}

// key builds the canonical form of s, whose first i bytes are already canonical.
func key(s string, i int) string {
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		b.WriteRune(KeyRune(r))
	}
	return b.String()
}

// KeyRune returns the canonical rune of r's simple case-folding orbit: the
// smallest rune in it.
func KeyRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

// LooksLikeSID reports whether s is, under this rule, shaped like a
// security identifier ("S-1-…", and so also "ſ-1-…"): such a name would match
// role assignments written for that SID, so directories refuse or ignore it.
func LooksLikeSID(s string) bool { return strings.HasPrefix(Key(s), "S-1-") }
