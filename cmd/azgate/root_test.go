package main

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestGroupCommands_UnknownSubcommand walks the whole command tree: every
// command that only groups others, given a subcommand it does not have,
// exits 2 with an error naming it (never help and exit 0).
func TestGroupCommands_UnknownSubcommand(t *testing.T) {
	var groups []*cobra.Command
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.HasSubCommands() {
			groups = append(groups, c)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(io.Discard, io.Discard))
	if len(groups) < 10 {
		t.Fatalf("found %d group commands; the walk is broken", len(groups))
	}
	for _, g := range groups {
		path := strings.Fields(g.CommandPath())[1:]
		t.Run(strings.Join(append([]string{"azgate"}, path...), " "), func(t *testing.T) {
			out, errOut, code := azgate(t, append(path, "no-such-thing", "x")...)
			if code != exitError || !strings.Contains(errOut, `unknown command "no-such-thing"`) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 naming the unknown command", code, out, errOut)
			}
		})
	}
}

func TestUnknownSubcommand_Suggests(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "create", "bob"}, `did you mean add?`},
		{[]string{"vm", "strat", "lab1"}, `did you mean start?`},
		{[]string{"stor", "show"}, `did you mean store?`},
	} {
		_, errOut, code := azgate(t, tc.args...)
		if code != exitError || !strings.Contains(errOut, tc.want) {
			t.Errorf("azgate %q: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	// A group alone still prints its help.
	if out, errOut, code := azgate(t, "user"); code != exitOK || !strings.Contains(out, "Available Commands") {
		t.Errorf("azgate user: exit %d, stdout %q, stderr %q; want its help and exit 0", code, out, errOut)
	}
}
