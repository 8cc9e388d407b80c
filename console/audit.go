package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/azgate/azgate/audit"
)

// auditWindow is how many of the latest audit records the audit page
// searches.
const auditWindow = 5000

// auditRow is one record of the audit log.
type auditRow struct {
	Seq         uint64       `json:"seq"`
	Type        string       `json:"type"`
	Time        time.Time    `json:"time"`
	Source      string       `json:"source"`
	Principal   string       `json:"principal"`
	Caller      string       `json:"caller"`
	Application string       `json:"application"`
	Operation   string       `json:"operation"`
	Scope       string       `json:"scope"`
	Object      string       `json:"object"`
	Result      string       `json:"result"`
	Grant       *audit.Grant `json:"grant"`
	Error       string       `json:"error"`
	Who         string       `json:"who"`
	What        string       `json:"what"`
	OldRevision string       `json:"old_revision"`
	NewRevision string       `json:"new_revision"`
}

type auditFilter struct {
	User, Operation, Scope, Result, Type, Since, Until string
}

type auditData struct {
	Filter auditFilter
	Rows   []auditRow
	Pager  pager
	Window int
	Error  string
}

// parseTime reads a filter time: RFC 3339 or the browser's
// datetime-local (UTC).
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (f auditFilter) match(r auditRow) bool {
	who := r.Principal
	if r.Type == audit.TypePolicyChange {
		who = r.Who
	}
	switch {
	case f.User != "" && !containsFold(who, f.User) && !containsFold(r.Caller, f.User):
		return false
	case f.Operation != "" && !containsFold(r.Operation, f.Operation) && !containsFold(r.What, f.Operation):
		return false
	case f.Scope != "" && !containsFold(r.Scope, f.Scope) && !containsFold(r.What, f.Scope):
		return false
	case f.Result != "" && r.Result != f.Result:
		return false
	case f.Type != "" && r.Type != f.Type:
		return false
	}
	if t, ok := parseTime(f.Since); ok && r.Time.Before(t) {
		return false
	}
	if t, ok := parseTime(f.Until); ok && r.Time.After(t) {
		return false
	}
	return true
}

// auditPage shows the latest decisions and policy changes, newest first,
// filtered by user, operation, scope, result, type and time.
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := c.requireRead(r); err != nil {
		return err
	}
	q := r.URL.Query()
	d := auditData{Window: auditWindow, Filter: auditFilter{User: strings.TrimSpace(q.Get("user")),
		Operation: strings.TrimSpace(q.Get("operation")), Scope: strings.TrimSpace(q.Get("scope")),
		Result: q.Get("result"), Type: q.Get("type"), Since: q.Get("since"), Until: q.Get("until")}}
	for _, t := range []string{d.Filter.Since, d.Filter.Until} {
		if _, ok := parseTime(t); t != "" && !ok {
			d.Error = fmt.Sprintf("time %q: want YYYY-MM-DDTHH:MM (UTC)", t)
		}
	}
	lines, err := audit.Tail(r.Context(), c.b.AuditPath(), auditWindow)
	if err != nil {
		return err
	}
	var rows []auditRow
	for _, l := range slices.Backward(lines) {
		var row auditRow
		if json.Unmarshal([]byte(l), &row) != nil {
			continue
		}
		if d.Filter.match(row) {
			rows = append(rows, row)
		}
	}
	f := d.Filter
	lo, hi, pg := paginate(len(rows), pageParam(r), func(n int) string {
		return link("audit", "user", f.User, "operation", f.Operation, "scope", f.Scope, "result", f.Result,
			"type", f.Type, "since", f.Since, "until", f.Until, "page", fmt.Sprint(n))
	})
	d.Rows, d.Pager = rows[lo:hi], pg
	return c.render(w, r, c.view(r, s, "Audit", "audit", d), "audit")
}
