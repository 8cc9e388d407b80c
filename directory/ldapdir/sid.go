package ldapdir

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// maxSubAuthorities is the most sub-authorities a SID may have.
const maxSubAuthorities = 15

// FormatSID renders a binary SID (as in objectSid) in its string form,
// "S-1-5-21-...". It returns an error for anything but a well-formed SID.
func FormatSID(b []byte) (string, error) {
	if len(b) < 8 {
		return "", fmt.Errorf("SID: %d bytes, want at least 8", len(b))
	}
	if b[0] != 1 {
		return "", fmt.Errorf("SID: revision %d, want 1", b[0])
	}
	n := int(b[1])
	if n > maxSubAuthorities {
		return "", fmt.Errorf("SID: %d sub-authorities, at most %d allowed", n, maxSubAuthorities)
	}
	if len(b) != 8+4*n {
		return "", fmt.Errorf("SID: %d bytes for %d sub-authorities, want %d", len(b), n, 8+4*n)
	}
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	var s strings.Builder
	s.WriteString("S-1-")
	if auth < 1<<32 {
		s.WriteString(strconv.FormatUint(auth, 10))
	} else {
		fmt.Fprintf(&s, "0x%012X", auth)
	}
	for i := 0; i < n; i++ {
		s.WriteByte('-')
		s.WriteString(strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10))
	}
	return s.String(), nil
}

// ParseSID converts a string SID ("S-1-5-32-544") to its binary form.
func ParseSID(s string) ([]byte, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || !strings.EqualFold(parts[0], "S") || parts[1] != "1" {
		return nil, fmt.Errorf("SID %q: want S-1-<authority>[-<sub-authority>...]", s)
	}
	var auth uint64
	var err error
	if a := parts[2]; strings.HasPrefix(a, "0x") || strings.HasPrefix(a, "0X") {
		auth, err = strconv.ParseUint(a[2:], 16, 48)
	} else {
		auth, err = strconv.ParseUint(a, 10, 32)
	}
	if err != nil {
		return nil, fmt.Errorf("SID %q: identifier authority: %w", s, err)
	}
	subs := parts[3:]
	if len(subs) > maxSubAuthorities {
		return nil, fmt.Errorf("SID %q: %d sub-authorities, at most %d allowed", s, len(subs), maxSubAuthorities)
	}
	b := make([]byte, 8+4*len(subs))
	b[0], b[1] = 1, byte(len(subs))
	for i := 0; i < 6; i++ {
		b[7-i] = byte(auth >> (8 * i))
	}
	for i, sub := range subs {
		v, err := strconv.ParseUint(sub, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("SID %q: sub-authority %d: %w", s, i+1, err)
		}
		binary.LittleEndian.PutUint32(b[8+4*i:], uint32(v))
	}
	return b, nil
}
