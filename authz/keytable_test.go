package authz

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/azgate/azgate/internal/names"
)

func TestKeyTable(t *testing.T) {
	keys := []string{`contoso\alice`, "s-1-5-32-544", "", "s-1-5-21-ünï-0123456789-0123456789-1", "cn=jörg,ou=people,dc=corp,dc=example", "ünïcode\\bob", strings.Repeat("x", 300), "a", "abcdefgh", "abcdefghi"}
	for i := range 2000 {
		keys = append(keys, fmt.Sprintf("s-1-5-21-1-%d", i))
	}
	for i, k := range keys {
		keys[i] = foldKey(k)
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
			h2, _ := foldHashString(names.Key(s))
			if !ascii || h1 != h2 {
				t.Fatalf("hash of %q differs from the hash of its key", s)
			}
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
				continue
			}
			// Keys that differ only in bit 5 of a non-letter hash alike (a
			// probe more, no wrong answer): the table must still tell them apart.
			if twin := strings.Repeat("k", pad) + string(rune(c^0x20)); c^0x20 < 128 && c^0x20 > ' ' && c > ' ' {
				tbl := newKeyTable([]string{names.Key(s)})
				if _, ok := tbl.lookup(twin); ok && !names.Equal(twin, s) {
					t.Fatalf("%q found as %q", twin, s)
				}
			}
		}
	}
}

// TestKeyTable_LookAlikes: every spelling that names.Equal calls the same
// name finds the same key, through the ASCII fast path or not, and names
// it calls different (NFC and NFD) do not.
func TestKeyTable_LookAlikes(t *testing.T) {
	tests := []struct {
		stored, probe string
		same          bool
	}{
		{"sam", "ſam", true},
		{"ſam", "SAM", true},
		{"Lab-Staff", "Lab-ſtaff", true},
		{"kelvin", "\u212aelvin", true},
		{"\u212aelvin", "KELVIN", true},
		{"Σίσυφος", "ΣΊΣΥΦΟΣ", true},
		{"café", "cafe\u0301", false},
		{"cafe\u0301", "café", false},
		{"CONTOSO\\ſam", " contoso\\SAM ", true}, // surrounding space is input cleaning
	}
	for _, tt := range tests {
		t.Run(tt.stored+"|"+tt.probe, func(t *testing.T) {
			tbl := newKeyTable([]string{foldKey("other"), foldKey(tt.stored)})
			got, ok := tbl.lookup(tt.probe)
			if ok != tt.same || ok && got != 1 {
				t.Errorf("lookup(%q) in {%q} = %d, %v; want found %v", tt.probe, tt.stored, got, ok, tt.same)
			}
		})
	}
}

// TestFoldHashString_AllInput: the hash of a lookup is the hash of its
// key for every input, and non-ASCII keys spread over the table like ASCII
// ones (they once all hashed to 0: one long probe chain).
func TestFoldHashString_AllInput(t *testing.T) {
	inputs := []string{"sam", "ſam", "S", "ſ", "\u212a", "k", "ünïcode\\bob", "ÜNÏCODE\\BOB", "cn=jörg,ou=people", "ΣΊΣΥΦΟΣ", "σίσυφος", "\xff\xfe", strings.Repeat("ß", 20)}
	for _, s := range inputs {
		h, ascii := foldHashString(s)
		if hk := hashFolded(foldKey(s)); ascii && h != hk {
			t.Errorf("foldHashString(%q) = %x, ascii, but the hash of its key %q is %x", s, h, foldKey(s), hk)
		}
		if h == 0 {
			t.Errorf("foldHashString(%q) = 0", s)
		}
	}
	seen := map[uint64]string{}
	for i := range 1000 {
		k := foldKey(fmt.Sprintf("ünï-%d", i))
		h := hashFolded(k)
		if prev, dup := seen[h]; dup {
			t.Fatalf("%q and %q hash alike (%x)", prev, k, h)
		}
		seen[h] = k
	}
}

func FuzzKeyTable(f *testing.F) {
	for _, s := range []string{"sam", "ſam", "K", "\u212a", "ß", "ẞ", "ǅ", "\xff", "café"} {
		f.Add(s, strings.ToUpper(s))
	}
	f.Fuzz(func(t *testing.T, stored, probe string) {
		if foldKey(stored) == "" {
			return
		}
		_, ok := newKeyTable([]string{foldKey(stored)}).lookup(probe)
		if want := names.Equal(strings.TrimSpace(stored), strings.TrimSpace(probe)); ok != want {
			t.Fatalf("lookup(%q) in {%q} found %v; names.Equal says %v", probe, stored, ok, want)
		}
	})
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

// BenchmarkKeyTable_Lookup looks up principals of a 4,096-key table, ASCII
// and not: non-ASCII keys once all hashed to 0, so each lookup scanned them.
func BenchmarkKeyTable_Lookup(b *testing.B) {
	for _, tc := range []struct{ name, form string }{{"ascii", "s-1-5-21-1-%d"}, {"non-ascii", "ünïcode\\user-%d"}} {
		form := tc.form
		keys := make([]string, 4096)
		for i := range keys {
			keys[i] = foldKey(fmt.Sprintf(form, i))
		}
		tbl := newKeyTable(keys)
		probes := make([]string, len(keys))
		for i := range probes {
			probes[i] = strings.ToUpper(fmt.Sprintf(form, i*7%len(keys)))
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, ok := tbl.lookup(probes[i]); !ok {
					b.Fatalf("%q not found", probes[i])
				}
				i = (i + 1) % len(probes)
			}
		})
	}
}

// The table against a plain map: for any set of keys (split from the
// input at '|') and any probe, lookup finds exactly what a
// map[foldKey(key)]index finds, with the same index.
func FuzzKeyTable_Map(f *testing.F) {
	f.Add("alice|BOB|S-1-5-32-544|ſam|CORP\\Lab Ops", "corp\\lab ops")
	f.Add("a|A|b", "B")
	f.Add("straße|STRASSE|K|\u212a", "k")
	f.Add("x|\xff\xfe|  padded  ", "PADDED")
	f.Fuzz(func(t *testing.T, keys, probe string) {
		want := map[string]int32{}
		var folded []string
		for k := range strings.SplitSeq(keys, "|") {
			fk := foldKey(k)
			if _, dup := want[fk]; dup || fk == "" {
				continue
			}
			want[fk] = int32(len(folded))
			folded = append(folded, fk)
		}
		tbl := newKeyTable(folded)
		for _, p := range append(strings.Split(keys, "|"), probe, strings.ToUpper(probe), mixedCase(probe)) {
			got, ok := tbl.lookup(p)
			w, wok := want[foldKey(p)]
			if ok != wok || ok && got != w {
				t.Fatalf("lookup(%q) = %d, %v; the map says %d, %v (keys %q)", p, got, ok, w, wok, folded)
			}
		}
	})
}
