package server

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/audit"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/report"
)

// Reports over the audit log against the policy (package report).

// maxReports bounds the reports made at once: each reads the whole audit
// log since its start. More wait, within their request's time.
const maxReports = 2

func (s *Server) reportRoutes() []route {
	return []route{
		{name: "leastPrivilegeReport", method: http.MethodGet, path: "/v1/reports/least-privilege", tag: "decisions",
			summary: "For each role assignment of an application and each of its members: the granted operations used since a time " +
				"(allowed decisions of the audit log granted through it: how often, when last) and those never used, " +
				"with a narrower role definition suggested as a what-if body (applied only through POST /v1/whatif/save)",
			needs: opReadPolicy + " (delegation application): the policy and the audit log, as the console's audit page",
			query: []param{
				{name: "since", in: "query", doc: "required: an age (30d, 2w, 12h, 90m), a date (2026-11-01), an RFC 3339 time, or all (every record the log holds); " +
					"older than the audit log's oldest record is a 400 that says how far back it can see"},
				{name: "application", in: "query", doc: "default: the application the server gates (also: app)"},
			},
			resp: api.LeastPrivilegeReport{}, h: s.leastPrivilegeReport},
	}
}

func (s *Server) leastPrivilegeReport(w http.ResponseWriter, r *http.Request) error {
	// The caller is decided before anything about the request is said.
	if err := s.requireDelegated(r, opReadPolicy); err != nil {
		return err
	}
	q := r.URL.Query()
	app := q.Get("application")
	if a := q.Get("app"); a != "" {
		if app != "" && !names.Equal(app, a) {
			return invalidf("query parameters \"application\" and \"app\" differ: give one")
		}
		app = a
	}
	if !q.Has("since") {
		return invalidf("query parameter \"since\" is required: an age such as 30d, a date, or all")
	}
	rep, err := s.LeastPrivilege(r, app, q.Get("since"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// LeastPrivilege makes the least-privilege report of application app (""
// is the one the server gates) since since (report.ParseSince) for the
// caller of r, who needs Read Policy: GET /v1/reports/least-privilege and
// the console's page. A since the log cannot reach is an error the API
// answers with 400, saying how far back it can see.
func (s *Server) LeastPrivilege(r *http.Request, app, since string) (*api.LeastPrivilegeReport, error) {
	if err := s.requireDelegated(r, opReadPolicy); err != nil {
		return nil, err
	}
	s.usage.flush(context.WithoutCancel(r.Context())) // the report sees every use until now
	now := time.Now()
	from, err := report.ParseSince(since, now)
	if err != nil {
		return nil, invalidf("query parameter %v", err)
	}
	snap, chk, err := s.checkerFor(strings.TrimSpace(app))
	if err != nil {
		return nil, err
	}
	var notes []string
	if s.cfg.AuditChecks == AuditChecksOff {
		notes = append(notes, report.NoteCheckAllows)
	}
	select {
	case s.reports <- struct{}{}:
		defer func() { <-s.reports }()
	case <-r.Context().Done():
		return nil, errorf(http.StatusServiceUnavailable, api.CodeUnavailable, "other reports are being made: try again")
	}
	rep, err := report.LeastPrivilege(r.Context(), snap.Policy, s.cfg.auditPath(), report.Options{Application: chk.Application(),
		DefaultApplication: s.app, Since: from, Until: now, Revision: snap.Revision, Notes: notes})
	var he *report.HorizonError
	switch {
	case errors.As(err, &he):
		return nil, invalidf("query parameter \"since\": %v", err)
	case errors.Is(err, audit.ErrNoRecords), errors.Is(err, fs.ErrNotExist):
		return nil, invalidf("query parameter \"since\": the audit log holds no records yet: it cannot see back at all")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return nil, errorf(http.StatusServiceUnavailable, api.CodeUnavailable, "the report did not finish in the request's time")
	case err != nil:
		return nil, err
	}
	return rep, nil
}
