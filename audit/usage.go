package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// TypeGrantUsage is a summary of allowed decisions not recorded one by
// one (the server's /v1/check and AuthZEN allows under its default
// --audit-checks denials): how often each grant was used in a period.
const TypeGrantUsage = "grant_usage"

// maxUsageBytes bounds the entries of one grant usage record, so that its
// line stays under the log's line bound whatever its names hold;
// GrantUsage writes more as several records.
const maxUsageBytes = maxLineBytes / 2

// UsageEntry counts the allowed decisions of one operation granted through
// one member of one role assignment.
type UsageEntry struct {
	// Source is who asked for the decisions (SourceCheck, SourceAuthZEN).
	Source      string `json:"source,omitempty"`
	Application string `json:"application,omitempty"`
	Operation   string `json:"operation"`
	OperationID int    `json:"operation_id"`
	// Grant is the assignment that granted them.
	Grant Grant `json:"grant"`
	// Count is how many; Last the time of the last.
	Count int       `json:"count"`
	Last  time.Time `json:"last"`
}

// GrantUsageRecord is the grant usage of one period.
type GrantUsageRecord struct {
	// Time of writing; the zero time is replaced by the time of writing.
	Time time.Time
	// Source is who counted (SourceServer).
	Source string
	// Start and End bound the period counted.
	Start, End time.Time
	Entries    []UsageEntry
}

type grantUsageLine struct {
	Type    string            `json:"type"`
	Time    time.Time         `json:"time"`
	Source  string            `json:"source,omitempty"`
	Start   time.Time         `json:"start"`
	End     time.Time         `json:"end"`
	Entries []json.RawMessage `json:"entries"`
}

// GrantUsage appends r, as several records when its entries would make a
// line too long, with one lock and one write. A record without entries
// writes nothing.
func (l *Log) GrantUsage(ctx context.Context, r GrantUsageRecord) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: grant usage: %w", err)
	}
	var (
		recs []stamped
		ln   *grantUsageLine
		size int
	)
	for _, e := range r.Entries {
		b, err := json.Marshal(UsageEntry{Source: clipName(e.Source), Application: clipName(e.Application),
			Operation: clipName(e.Operation), OperationID: e.OperationID, Count: e.Count, Last: e.Last.UTC(),
			Grant: Grant{Scope: clipName(e.Grant.Scope), Assignment: clipName(e.Grant.Assignment),
				RoleDefinition: clipName(e.Grant.RoleDefinition), Principal: clipName(e.Grant.Principal)}})
		if err != nil {
			return fmt.Errorf("audit: marshal grant usage: %w", err)
		}
		if ln == nil || size+len(b) > maxUsageBytes {
			ln = &grantUsageLine{Type: TypeGrantUsage, Time: r.Time, Source: clipName(r.Source), Start: r.Start.UTC(), End: r.End.UTC()}
			recs = append(recs, stamped{v: ln, t: &ln.Time})
			size = 0
		}
		ln.Entries = append(ln.Entries, b)
		size += len(b) + 1
	}
	return l.write(TypeGrantUsage, recs)
}

// usageLine is a grant usage line as ScanAllowed reads it.
type usageLine struct {
	Type    string       `json:"type"`
	Time    time.Time    `json:"time"`
	Entries []UsageEntry `json:"entries"`
}

// decodeGrantUsage reads a grant usage line; false when it is not one.
func decodeGrantUsage(line []byte) (*usageLine, bool) {
	var g usageLine
	if json.Unmarshal(line, &g) != nil || g.Type != TypeGrantUsage {
		return nil, false
	}
	return &g, true
}
