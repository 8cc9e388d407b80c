package ldapdir_test

import (
	"bytes"
	"testing"

	"github.com/azgate/azgate/directory/ldapdir"
)

func TestSID_RoundTrip(t *testing.T) {
	tests := []struct {
		sid string
		hex []byte
	}{
		{"S-1-5-32-544", []byte{1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0}},
		{"S-1-1-0", []byte{1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}},
		{"S-1-5-18", []byte{1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}},
		{"S-1-5", []byte{1, 0, 0, 0, 0, 0, 0, 5}},
		{"S-1-5-21-1004336348-1177238915-682003330-512", nil},
		{"S-1-0x123456789ABC-1", []byte{1, 1, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 1, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.sid, func(t *testing.T) {
			b, err := ldapdir.ParseSID(tt.sid)
			if err != nil {
				t.Fatalf("ParseSID: %v", err)
			}
			if tt.hex != nil && !bytes.Equal(b, tt.hex) {
				t.Fatalf("ParseSID = % x, want % x", b, tt.hex)
			}
			s, err := ldapdir.FormatSID(b)
			if err != nil {
				t.Fatalf("FormatSID: %v", err)
			}
			if s != tt.sid {
				t.Fatalf("FormatSID = %q, want %q", s, tt.sid)
			}
		})
	}
}

func TestSID_Malformed(t *testing.T) {
	binaries := map[string][]byte{
		"empty":              nil,
		"short header":       {1, 1, 0, 0, 0, 0, 0},
		"revision 2":         {2, 0, 0, 0, 0, 0, 0, 5},
		"count too big":      append([]byte{1, 16, 0, 0, 0, 0, 0, 5}, make([]byte, 64)...),
		"truncated subauths": {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0},
		"trailing bytes":     {1, 0, 0, 0, 0, 0, 0, 5, 0},
	}
	for name, b := range binaries {
		t.Run(name, func(t *testing.T) {
			if s, err := ldapdir.FormatSID(b); err == nil {
				t.Fatalf("FormatSID(% x) = %q, want an error", b, s)
			}
		})
	}
	for _, s := range []string{"", "S-1", "S-2-5", "X-1-5", "S-1-5-abc", "S-1-5-4294967296", "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", "S-1-0x1234567890ABCD"} {
		t.Run(s, func(t *testing.T) {
			if b, err := ldapdir.ParseSID(s); err == nil {
				t.Fatalf("ParseSID(%q) = % x, want an error", s, b)
			}
		})
	}
}

func FuzzFormatSID(f *testing.F) {
	f.Add([]byte{1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ldapdir.FormatSID(b)
		if err != nil {
			return
		}
		back, err := ldapdir.ParseSID(s)
		if err != nil {
			t.Fatalf("ParseSID(FormatSID(% x) = %q): %v", b, s, err)
		}
		if !bytes.Equal(back, b) {
			t.Fatalf("round trip of % x via %q gave % x", b, s, back)
		}
	})
}
