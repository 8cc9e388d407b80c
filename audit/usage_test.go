package audit

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestGrantUsage_Scan: grant usage records written among decisions reach
// ScanAllowed as decisions with their counts and last times; an entry
// last used before since is left out; entries too many for one line are
// written as several records, and the chain holds.
func TestGrantUsage_Scan(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	long := strings.Repeat("<", MaxNameBytes) // escaped, six bytes each
	var entries []UsageEntry
	for i := range 40 {
		entries = append(entries, UsageEntry{Source: SourceCheck, Application: "app", Operation: "op" + long, OperationID: i,
			Grant: Grant{Scope: long, Assignment: "A" + strconv.Itoa(i), RoleDefinition: long, Principal: long},
			Count: i + 1, Last: t0.Add(time.Duration(i) * time.Second)})
	}
	if err := l.Decision(ctx, DecisionRecord{Time: t0, Source: SourceEngine, Operation: "x", Allowed: true, Grant: &Grant{Assignment: "E"}}); err != nil {
		t.Fatal(err)
	}
	if err := l.GrantUsage(ctx, GrantUsageRecord{Time: t0.Add(time.Minute), Source: SourceServer, Start: t0, End: t0.Add(time.Minute), Entries: entries}); err != nil {
		t.Fatal(err)
	}
	if err := l.GrantUsage(ctx, GrantUsageRecord{Time: t0.Add(2 * time.Minute), Source: SourceServer}); err != nil { // no entries: nothing
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rep, err := VerifyLog(ctx, path)
	if err != nil || !rep.Intact() {
		t.Fatalf("verify: %v %+v", err, rep)
	}

	for _, tc := range []struct {
		name          string
		since         time.Time
		entries, uses int
	}{
		{"all", time.Time{}, 41, 1 + 40*41/2},
		{"since the 31st entry", t0.Add(30 * time.Second), 10, 31 + 32 + 33 + 34 + 35 + 36 + 37 + 38 + 39 + 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n, uses int
			sp, err := ScanAllowed(ctx, path, tc.since, func(d *Decision) error {
				n++
				uses += d.Count
				if d.Grant.Assignment != "E" {
					i, _ := strconv.Atoi(strings.TrimPrefix(d.Grant.Assignment, "A"))
					if d.Count != i+1 || !d.Time.Equal(t0.Add(time.Duration(i)*time.Second)) || d.Source != SourceCheck ||
						d.Result != ResultAllowed || d.Grant.Principal != long || d.OperationID != i {
						t.Errorf("entry %d read as %+v", i, d)
					}
				}
				return nil
			})
			if err != nil || n != tc.entries || uses != tc.uses || sp.Allowed != tc.uses {
				t.Fatalf("read %d entries, %d uses (span %+v, %v); want %d, %d", n, uses, sp, err, tc.entries, tc.uses)
			}
			if sp.Summaries < 2 {
				t.Errorf("%d grant usage records: 40 long entries fit no one line", sp.Summaries)
			}
		})
	}
}
