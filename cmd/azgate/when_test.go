package main

import (
	"testing"
	"time"
)

// TestParseWhen: a term's time is RFC 3339 or a duration from now; a
// number of days whose duration would overflow is refused, not wrapped
// around to a time soon after now (--starts 213504d started a membership
// 25 minutes later).
func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Time
		err  bool
	}{
		{in: "", want: time.Time{}},
		{in: "8h", want: now.Add(8 * time.Hour)},
		{in: "7d", want: now.Add(7 * 24 * time.Hour)},
		{in: "36500d", want: now.Add(36500 * 24 * time.Hour)},
		{in: "2026-12-24T08:00:00Z", want: time.Date(2026, 12, 24, 8, 0, 0, 0, time.UTC)},
		{in: "213504d", err: true},
		{in: "106752d", err: true},
		{in: "-1d", err: true},
		{in: "-1h", err: true},
		{in: "soon", err: true},
	} {
		got, err := parseWhen("--starts", c.in, now)
		if (err != nil) != c.err || !c.err && !got.Equal(c.want) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v (error %v)", c.in, got, err, c.want, c.err)
		}
	}
}
