package names

import (
	"strings"
	"testing"
)

func TestKey_AgreesWithEqual(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"sam", "SAM", true},
		{"sam", "ſam", true}, // U+017F folds to s
		{"Lab-Staff", "Lab-ſtaff", true},
		{"kelvin", "\u212aelvin", true}, // KELVIN SIGN folds to k
		{"café", "cafe\u0301", false},   // NFC and NFD stay distinct
		{"Σίσυφος", "ΣΊΣΥΦΟΣ", true},
		{"σ", "ς", true}, // final sigma is in sigma's orbit
		{"a", "a ", false},
		{"\xff", "\xfe", true}, // both read as U+FFFD
		{"", "", true},
		{"S-1-5-32-544", "s-1-5-32-544", true},
	}
	for _, tt := range tests {
		t.Run(tt.a+"|"+tt.b, func(t *testing.T) {
			if got := Equal(tt.a, tt.b); got != tt.same {
				t.Errorf("Equal(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.same)
			}
			if got := Key(tt.a) == Key(tt.b); got != tt.same {
				t.Errorf("Key(%q) == Key(%q) is %v (%q, %q), want %v", tt.a, tt.b, got, Key(tt.a), Key(tt.b), tt.same)
			}
		})
	}
}

func TestKey_Idempotent(t *testing.T) {
	for _, s := range []string{"abc", "ſam", "ǅ", "ΣΊΣ", "\xffx"} {
		if k := Key(s); Key(k) != k {
			t.Errorf("Key(Key(%q)) = %q, want %q", s, Key(k), k)
		}
	}
}

func FuzzKey(f *testing.F) {
	for _, s := range []string{"sam", "ſam", "K", "\u212a", "ß", "ẞ", "ǅ", "\xff"} {
		f.Add(s, strings.ToUpper(s))
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if (Key(a) == Key(b)) != Equal(a, b) {
			t.Fatalf("Key(%q)=%q, Key(%q)=%q disagree with Equal=%v", a, Key(a), b, Key(b), Equal(a, b))
		}
	})
}

func BenchmarkKey(b *testing.B) {
	for _, s := range []string{"S-1-5-32-544", "CONTOSO\\alice", "ſam-Über"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Key(s)
			}
		})
	}
}

func TestLooksLikeSID(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"S-1-5-32-544", true}, {"s-1-5-32-544", true}, {"ſ-1-5-32-544", true},
		{"S-1", false}, {"SID-1", false}, {"alice", false}, {"", false},
	} {
		if got := LooksLikeSID(tt.s); got != tt.want {
			t.Errorf("LooksLikeSID(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
