package authz

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"
)

func TestKeyTable(t *testing.T) {
	keys := []string{`contoso\alice`, "s-1-5-32-544", "", "s-1-5-21-ünï-0123456789-0123456789-1", "cn=jörg,ou=people,dc=corp,dc=example", "ünïcode\\bob", strings.Repeat("x", 300), "a", "abcdefgh", "abcdefghi"}
	for i := range 2000 {
		keys = append(keys, fmt.Sprintf("s-1-5-21-1-%d", i))
	}
	tbl := newKeyTable(keys)
	for i, k := range keys {
		if k == "" {
			continue
		}
		for _, probe := range []string{k, strings.ToUpper(k), " " + k + " ", mixedCase(k)} {
			got, ok := tbl.lookup(probe)
			if !ok || got != int32(i) {
				t.Fatalf("lookup(%q) = %d, %v; want %d", probe, got, ok, i)
			}
		}
	}
	for _, miss := range []string{"", " ", "CONTOSO\\alicE2", "s-1-5-21-1-2000", "ÜNÏCODE\\BOB2", strings.Repeat("x", 299), "abcdefgH1", "@", "[", "`", "{"} {
		if got, ok := tbl.lookup(miss); ok {
			t.Errorf("lookup(%q) = %d; want a miss", miss, got)
		}
	}
	// Only letters change case, at every position of a word.
	for c := 0; c < 128; c++ {
		for pad := 0; pad < 17; pad++ {
			s := strings.Repeat("k", pad) + string(rune(c))
			h1, ascii := foldHashString(s)
			h2, _ := foldHashString(strings.ToLower(s))
			if !ascii || h1 != h2 {
				t.Fatalf("hash of %q differs from its lower case", s)
			}
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
				continue
			}
			// Keys that differ only in bit 5 of a non-letter hash alike (a
			// probe more, no wrong answer): the table must still tell them apart.
			if twin := strings.Repeat("k", pad) + string(rune(c^0x20)); c^0x20 < 128 && c^0x20 > ' ' && c > ' ' {
				tbl := newKeyTable([]string{strings.ToLower(s)})
				if _, ok := tbl.lookup(twin); ok && strings.ToLower(twin) != strings.ToLower(s) {
					t.Fatalf("%q found as %q", twin, s)
				}
			}
		}
	}
}

func mixedCase(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i += 2 {
		if 'a' <= b[i] && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

func TestPrinNodeSize(t *testing.T) {
	if s := unsafe.Sizeof(prinNode{}); s != 128 {
		t.Errorf("prinNode is %d bytes; keep it at 128 (two cache lines)", s)
	}
}
