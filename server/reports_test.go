package server

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/engine"
)

// TestLeastPrivilegeReport: after the administrator creates and starts a
// VM, the report over the engine's decisions says which operations the
// default store's Administrator assignment was used for; its suggestion
// is a what-if the API takes as it is (revoking, granting nothing); a
// since beyond the log, a missing one, an unknown application and a
// caller without Read Policy are refused.
func TestLeastPrivilegeReport(t *testing.T) {
	ts := startServer(t, nil)
	since := time.Now().UTC().Format(time.RFC3339Nano)
	want(t, ts.do(admin, http.MethodPost, "/v1/vms", engine.VMSpec{Name: "web1", MemoryMB: 512, Processors: 1}), http.StatusCreated, "create web1")
	want(t, ts.do(admin, http.MethodPost, "/v1/vms/web1/start", nil), http.StatusOK, "start web1")

	path := "/v1/reports/least-privilege?since=" + url.QueryEscape(since)
	r := ts.do(admin, http.MethodGet, path, nil)
	want(t, r, http.StatusOK, "report")
	var rep api.LeastPrivilegeReport
	r.json(t, &rep)
	if rep.Application != "Hyper-V services" || rep.Counted < 2 || len(rep.Notes) != 0 {
		t.Fatalf("report %+v", rep)
	}
	i := slices.IndexFunc(rep.Assignments, func(a api.LeastPrivilegeAssignment) bool { return a.Name == "Administrator" })
	if i < 0 {
		t.Fatalf("no Administrator assignment in %+v", rep.Assignments)
	}
	a := rep.Assignments[i]
	used := map[string]int{}
	for _, u := range a.Used {
		used[u.Operation] = u.Count
	}
	if used["Create Virtual Machine"] != 1 || used["Start Virtual Machine"] != 1 || !slices.Contains(a.Unused, "Delete Virtual Switch") {
		t.Errorf("Administrator used %v, unused %v", a.Used, a.Unused)
	}
	if len(a.Members) != 1 || a.Members[0].Name != "S-1-5-32-544" || len(a.Members[0].Used) != len(a.Used) {
		t.Errorf("members %+v", a.Members)
	}
	if a.Suggest == nil || a.Suggest.RoleDefinition != "Administrator (used operations)" {
		t.Fatalf("suggestion %+v (%s)", a.Suggest, a.NoSuggestion)
	}

	// The suggestion is a what-if body as it is.
	wr := ts.do(admin, http.MethodPost, "/v1/whatif", a.Suggest.WhatIf)
	want(t, wr, http.StatusOK, "what-if of the suggestion")
	var wi WhatIfResponse
	wr.json(t, &wi)
	if wi.Granted != 0 || wi.Revoked == 0 {
		t.Errorf("the suggestion's what-if: %d granted, %d revoked", wi.Granted, wi.Revoked)
	}
	for _, ch := range wi.Changes {
		if used[ch.Operation] > 0 {
			t.Errorf("the suggestion revokes %q, which was used", ch.Operation)
		}
	}

	mallory := ts.addUser("mallory")
	for _, c := range []struct {
		name, path string
		who        cred
		status     int
		msg        string
	}{
		{"beyond the log", "/v1/reports/least-privilege?since=30d", admin, http.StatusBadRequest, "it can see "},
		{"no since", "/v1/reports/least-privilege", admin, http.StatusBadRequest, `"since" is required`},
		{"bad since", "/v1/reports/least-privilege?since=soon", admin, http.StatusBadRequest, `since "soon"`},
		{"unknown application", path + "&application=Nope", admin, http.StatusNotFound, "Nope"},
		{"both names", path + "&application=azgate&app=Nope", admin, http.StatusBadRequest, "give one"},
		{"delegation application", path + "&app=azgate", admin, http.StatusOK, `"application":"azgate"`},
		{"no Read Policy", path, mallory, http.StatusForbidden, "Read Policy"},
		{"no Read Policy, bad query", path + "&application=azgate&app=Nope", mallory, http.StatusForbidden, "Read Policy"},
		{"no Read Policy, no since", "/v1/reports/least-privilege", mallory, http.StatusForbidden, "Read Policy"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := ts.do(c.who, http.MethodGet, c.path, nil)
			body := string(r.body)
			if r.status != http.StatusOK {
				var e api.ErrorBody
				r.json(t, &e)
				body = e.Error.Message
			}
			if r.status != c.status || !strings.Contains(body, c.msg) {
				t.Errorf("%s: %d %s; want %d with %q", c.path, r.status, r.body, c.status, c.msg)
			}
		})
	}
}
