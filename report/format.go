package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/azgate/azgate/api"
)

// SinceAll is the since of a report over every record the log holds.
const SinceAll = "all"

// maxAge is the longest age ParseSince takes in days or weeks.
const maxAge = 100 * 365 * 24 * time.Hour

// ParseSince reads a report's start: an age before now ("30d", "2w",
// "12h", "90m", or any Go duration such as "36h30m"), a date
// ("2026-11-01", midnight UTC), an RFC 3339 time, or SinceAll (the zero
// time: the oldest record of the log).
func ParseSince(s string, now time.Time) (time.Time, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return time.Time{}, fmt.Errorf("since: empty: want an age such as 30d, 2w or 12h, a date, or all")
	}
	if v == SinceAll {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			if !t.Before(now) {
				return time.Time{}, fmt.Errorf("since %q: %s is not in the past", s, t.UTC().Format(time.RFC3339))
			}
			return t, nil
		}
	}
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	if u, ok := unit[v[len(v)-1]]; ok {
		n, err := strconv.Atoi(v[:len(v)-1])
		if err == nil && n > 0 && n <= int(maxAge/u) { // no overflow of n × u
			return now.Add(-time.Duration(n) * u), nil
		}
	} else if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("since %q: want an age such as 30d, 2w, 12h or 90m (more than zero), a date (2026-11-01), an RFC 3339 time or all", s)
}

// Formats of Write.
const (
	FormatText = "text"
	FormatJSON = "json"
	FormatCSV  = "csv"
)

// WriteText writes rep for people: per assignment, the operations used
// (with how often and when last) and never used, the same per member,
// and the suggestion.
func WriteText(w io.Writer, rep *api.LeastPrivilegeReport) error {
	ew := &errWriter{w: w}
	ew.printf("Least privilege in %q, policy revision %d: audit records from %s to %s (the log reaches back to %s)\n",
		rep.Application, rep.Revision, stamp(rep.Since), stamp(rep.Until), stamp(rep.Horizon))
	ew.printf("%d allowed decisions of %d counted against %d role assignments", rep.Counted, rep.Decisions, len(rep.Assignments))
	if rep.Unattributed > 0 {
		ew.printf("; %d granted by assignments, members or operations no longer in the policy", rep.Unattributed)
	}
	ew.printf("\n")
	for _, n := range rep.Notes {
		ew.printf("Note: %s\n", n)
	}
	for _, a := range rep.Assignments {
		ew.printf("\nRole assignment %q in %s", a.Name, scopeLabel(a.Scope))
		if len(a.RoleDefinitions) > 0 {
			ew.printf(" (%s)", strings.Join(quoteAll(a.RoleDefinitions), ", "))
		}
		ew.printf(": %d of %d operations used\n", len(a.Used), len(a.Used)+len(a.Unused))
		writeUses(ew, "  ", a.Used, a.Unused)
		for _, m := range a.Members {
			ew.printf("  %s %s: %d used\n", m.Kind, m.Name, len(m.Used))
			writeUses(ew, "    ", m.Used, nil)
			if len(m.Unused) > 0 {
				ew.printf("    never  %s\n", strings.Join(m.Unused, ", "))
			}
		}
		switch s := a.Suggest; {
		case s != nil && s.DeleteAssignment:
			ew.printf("  Suggestion: nothing was used: delete the assignment (stage it with --whatif-out and review it with azgate whatif)\n")
		case s != nil:
			ew.printf("  Suggestion: a role definition %q holding only %s, linked instead of what it links now "+
				"(stage it with --whatif-out and review it with azgate whatif)\n", s.RoleDefinition, strings.Join(quoteAll(s.Operations), ", "))
		case a.NoSuggestion != "":
			ew.printf("  No suggestion: %s\n", a.NoSuggestion)
		}
	}
	return ew.err
}

func writeUses(ew *errWriter, indent string, used []api.OperationUse, unused []string) {
	for _, u := range used {
		ew.printf("%sused   %s: %s, last %s\n", indent, u.Operation, times(u.Count), stamp(u.Last))
	}
	for _, op := range unused {
		ew.printf("%snever  %s\n", indent, op)
	}
}

// WriteCSV writes rep as one row per assignment × member × granted
// operation (member "" for the assignment as a whole), with a header.
func WriteCSV(w io.Writer, rep *api.LeastPrivilegeReport) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"application", "scope", "assignment", "member", "member_kind", "operation", "used", "count", "last_used"})
	row := func(a api.LeastPrivilegeAssignment, member, kind string, used []api.OperationUse, unused []string) {
		for _, u := range used {
			_ = cw.Write([]string{rep.Application, a.Scope, a.Name, member, kind, u.Operation, "true", strconv.Itoa(u.Count), stamp(u.Last)})
		}
		for _, op := range unused {
			_ = cw.Write([]string{rep.Application, a.Scope, a.Name, member, kind, op, "false", "0", ""})
		}
	}
	for _, a := range rep.Assignments {
		row(a, "", "", a.Used, a.Unused)
		for _, m := range a.Members {
			row(a, m.Name, m.Kind, m.Used, m.Unused)
		}
	}
	cw.Flush()
	return cw.Error()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return strconv.Itoa(n) + " times"
}

func scopeLabel(s string) string {
	if s == "" {
		return "the default scope"
	}
	return fmt.Sprintf("scope %q", s)
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
