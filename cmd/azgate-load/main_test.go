package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// TestRun_Smoke runs the whole generator briefly: both servers come up on
// the large policy, every setting completes, and the table is printed.
func TestRun_Smoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the large policy (several seconds)")
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-duration", "200ms", "-warmup", "50ms", "-concurrency", "1,4", "-bodies", "64"}, &out, &errOut)
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, errOut.String())
	}
	text := out.String()
	for _, want := range []string{"target", "req/s", "decisions/s", "p50", "p99", "vs ceiling req/s",
		"ceiling", "azgate", "single", "batch100", "target single c=4:", "target batch100 c=4:"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	// 2 targets × 2 kinds × 2 concurrencies rows, plus the header.
	rows := 0
	for l := range strings.SplitSeq(text, "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && (f[0] == "azgate" || f[0] == "ceiling") {
			rows++
		}
	}
	if rows != 8 {
		t.Errorf("%d result rows, want 8:\n%s", rows, text)
	}
}

func TestParseFlags_Errors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-duration", "0s"}, "-duration"},
		{[]string{"-duration", "11m"}, "-duration"},
		{[]string{"-concurrency", "1,x"}, `"x" is not a number`},
		{[]string{"-concurrency", "0"}, "from 1 to 1024"},
		{[]string{"-kinds", "single,huge"}, `unknown kind "huge"`},
		{[]string{"-batch-items", "7"}, "divisor of 100"},
		{[]string{"-bodies", "0"}, "-bodies"},
		{[]string{"-only", "both"}, "-only"},
		{[]string{"extra"}, "unexpected arguments"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, err := parseFlags(tc.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	cfg, err := parseFlags(nil, io.Discard)
	if err != nil || cfg.duration.Seconds() != 5 || len(cfg.concurrency) != 3 || len(cfg.kinds) != 2 || cfg.batchItems != 10 {
		t.Fatalf("defaults: %+v, %v", cfg, err)
	}
}
