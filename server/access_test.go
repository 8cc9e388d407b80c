package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/engine"
)

// labSetup makes scope Lab, role definition Lab Operator (Start Virtual
// Machine), users bob and a Policy Reader auditor, and a VM in Lab; it
// returns the reader's credentials and the store revision.
func labSetup(t *testing.T, ts *testServer) (cred, uint64) {
	t.Helper()
	ts.addUser("bob", "Lab Team")
	reader := ts.addUser("auditor", "Auditors")
	etag := ts.do(admin, http.MethodGet, "/v1/policy", nil).header.Get("ETag")
	steps := []struct {
		path string
		body any
	}{
		{"/v1/policy/role-assignments/Policy Reader/links?app=azgate", api.Link{Relation: "member", Target: "Auditors"}},
		{"/v1/policy/scopes", api.Scope{Name: "Lab"}},
		{"/v1/policy/role-definitions", api.Task{Name: "Lab Operator", Operations: []string{"Start Virtual Machine"}}},
	}
	for _, st := range steps {
		r := ts.do(admin, http.MethodPost, st.path, st.body, "If-Match", etag)
		if r.status >= 300 {
			t.Fatalf("POST %s: %d %s", st.path, r.status, r.body)
		}
		etag = r.header.Get("ETag")
	}
	r := ts.do(admin, http.MethodPost, "/v1/vms", engine.VMSpec{Name: "lab-vm", MemoryMB: 512, Processors: 1, Scope: "Lab"})
	want(t, r, http.StatusCreated, "create VM in Lab")
	rev, err := strconv.ParseUint(strings.Trim(etag, `"`), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return reader, rev
}

// assignBob is the staged edit: assign Lab Operator to bob in Lab.
func assignBob() []PolicyEditDoc {
	doc, _ := json.Marshal(api.RoleAssignment{Name: "Lab Ops", RoleDefinitions: []string{"Lab Operator"}, Members: []string{"bob"}})
	return []PolicyEditDoc{{Action: "create", Kind: "role-assignments", Scope: "Lab", Object: &EditObjectDoc{raw: doc}}}
}

func TestServer_WhatIfThenSave(t *testing.T) {
	ts := startServer(t, nil)
	reader, rev := labSetup(t, ts)
	edits := assignBob()

	// Before: bob may not start anything in Lab.
	var grid EffectiveAccessResponse
	r := ts.do(reader, http.MethodGet, "/v1/effective-access?user=bob&scope=Lab&operation=Start+Virtual+Machine", nil)
	want(t, r, http.StatusOK, "effective access before")
	r.json(t, &grid)
	if len(grid.Rows) != 1 || grid.Rows[0].Cells[0].Allowed {
		t.Fatalf("bob's grid before: %s", r.body)
	}

	// The reader may what-if: exactly bob gains Start in Lab.
	r = ts.do(reader, http.MethodPost, "/v1/whatif", WhatIfRequest{Edits: edits, BaseRevision: rev})
	want(t, r, http.StatusOK, "what-if")
	var wi WhatIfResponse
	r.json(t, &wi)
	if wi.BaseRevision != rev || wi.Total != 1 || len(wi.Changes) != 1 {
		t.Fatalf("what-if: %s", r.body)
	}
	ch := wi.Changes[0]
	if ch.Subject.Name != "bob" || ch.Subject.Kind != "user" || ch.Scope != "Lab" || ch.Operation != "Start Virtual Machine" ||
		!ch.Granted || ch.After == nil || ch.After.Assignment != "Lab Ops" {
		t.Errorf("change: %+v", ch)
	}

	// A user named in the request, with its groups, is compared too.
	r = ts.do(reader, http.MethodPost, "/v1/whatif", WhatIfRequest{Edits: edits, BaseRevision: rev,
		Users: []WhatIfUser{{User: "eve", Groups: []string{"Lab Team"}}, {User: "bob"}}})
	want(t, r, http.StatusOK, "what-if with users")
	r.json(t, &wi)
	if wi.Total != 1 || wi.Changes[0].Subject.Name != "bob" {
		t.Errorf("what-if with users: %s", r.body)
	}
	r = ts.do(reader, http.MethodPost, "/v1/whatif", WhatIfRequest{Edits: edits, Users: []WhatIfUser{{User: "nobody-here"}}})
	want(t, r, http.StatusNotFound, "what-if with an unknown user to resolve")

	// The reader may not save; the admin saves as one revision.
	r = ts.do(reader, http.MethodPost, "/v1/whatif/save", WhatIfRequest{Edits: edits, BaseRevision: rev})
	want(t, r, http.StatusForbidden, "reader saves")
	r = ts.do(admin, http.MethodPost, "/v1/whatif/save", WhatIfRequest{Edits: edits, BaseRevision: rev})
	want(t, r, http.StatusOK, "admin saves")
	var saved WhatIfSaveResponse
	r.json(t, &saved)
	if saved.Revision != rev+1 || r.header.Get("ETag") != strconv.Quote(strconv.FormatUint(rev+1, 10)) {
		t.Errorf("saved: %s (ETag %s), want revision %d", r.body, r.header.Get("ETag"), rev+1)
	}

	// After: the grid shows it; the same edits against the old base conflict.
	r = ts.do(reader, http.MethodGet, "/v1/effective-access?user=bob&scope=Lab&operation=307", nil)
	r.json(t, &grid)
	if len(grid.Rows) != 1 || !grid.Rows[0].Cells[0].Allowed || grid.Rows[0].Cells[0].Grant.Assignment != "Lab Ops" {
		t.Errorf("bob's grid after: %s", r.body)
	}
	r = ts.do(admin, http.MethodPost, "/v1/whatif/save", WhatIfRequest{Edits: edits, BaseRevision: rev})
	want(t, r, http.StatusConflict, "save against a stale base")
	if c := r.errCode(t); c != api.CodeConflict {
		t.Errorf("code %q", c)
	}
	r = ts.do(reader, http.MethodPost, "/v1/whatif", WhatIfRequest{Edits: edits, BaseRevision: rev})
	want(t, r, http.StatusConflict, "what-if against a stale base")
}

func TestServer_WhatIfBadEdits(t *testing.T) {
	ts := startServer(t, nil)
	_, rev := labSetup(t, ts)
	raw := func(v any) *EditObjectDoc {
		b, _ := json.Marshal(v)
		return &EditObjectDoc{raw: b}
	}
	cases := []struct {
		name   string
		edits  []PolicyEditDoc
		status int
		msg    string
	}{
		{"no edits", nil, http.StatusBadRequest, "1 to"},
		{"unknown kind", []PolicyEditDoc{{Action: "create", Kind: "widgets"}}, http.StatusBadRequest, "edits[0]: kind"},
		{"unknown action", []PolicyEditDoc{{Action: "rename", Kind: "tasks", Name: "x"}}, http.StatusBadRequest, "rename"},
		{"unknown field", []PolicyEditDoc{{Action: "create", Kind: "tasks", Object: &EditObjectDoc{raw: []byte(`{"name":"T","bogus":1}`)}}},
			http.StatusBadRequest, "bogus"},
		{"missing object", []PolicyEditDoc{{Action: "create", Kind: "tasks"}}, http.StatusBadRequest, "needs its object"},
		{"unknown role definition", []PolicyEditDoc{{Action: "create", Kind: "role-assignments", Scope: "Lab",
			Object: raw(api.RoleAssignment{Name: "X", RoleDefinitions: []string{"Nope"}})}}, http.StatusNotFound, "Nope"},
		{"task cycle", []PolicyEditDoc{
			{Action: "create", Kind: "tasks", Object: raw(api.Task{Name: "A"})},
			{Action: "create", Kind: "tasks", Object: raw(api.Task{Name: "B", Tasks: []string{"A"}})},
			{Action: "link", Kind: "tasks", Name: "A", Link: &api.Link{Relation: "task", Target: "B"}}}, http.StatusBadRequest, "cycle"},
		{"link without target", []PolicyEditDoc{{Action: "link", Kind: "tasks", Name: "A", Link: &api.Link{Relation: "task"}}},
			http.StatusBadRequest, "relation and a target"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do(admin, http.MethodPost, "/v1/whatif", WhatIfRequest{Edits: tc.edits, BaseRevision: rev})
			want(t, r, tc.status, tc.name)
			if !strings.Contains(string(r.body), tc.msg) {
				t.Errorf("body %s does not say %q", r.body, tc.msg)
			}
		})
	}
	// Nothing was written by any of them.
	if got := ts.do(admin, http.MethodGet, "/v1/policy", nil).header.Get("ETag"); got != strconv.Quote(strconv.FormatUint(rev, 10)) {
		t.Errorf("store at %s after refused what-ifs, want %d", got, rev)
	}
}

func TestServer_AccessList(t *testing.T) {
	ts := startServer(t, nil)
	reader, rev := labSetup(t, ts)
	r := ts.do(admin, http.MethodPost, "/v1/whatif/save", WhatIfRequest{Edits: assignBob(), BaseRevision: rev})
	want(t, r, http.StatusOK, "save")

	list := func(c cred, q string) []string {
		t.Helper()
		var out []string
		tok := ""
		for range 100 {
			path := "/v1/access-list?user=bob&limit=1" + q
			if tok != "" {
				path += "&token=" + url.QueryEscape(tok)
			}
			r := ts.do(c, http.MethodGet, path, nil)
			want(t, r, http.StatusOK, "access list")
			var pg AccessListResponse
			r.json(t, &pg)
			for _, e := range pg.Entries {
				out = append(out, e.Scope+"|"+e.ObjectKind+"|"+e.Object+"|"+strings.Join(e.Operations, ","))
			}
			if tok = pg.Next; tok == "" {
				return out
			}
		}
		t.Fatal("no end to the pages")
		return nil
	}
	// The admin may view the VM: it is listed; the reader may not: it is not.
	got := list(admin, "")
	if !slices.Equal(got, []string{"Lab|||Start Virtual Machine", "Lab|virtual machine|lab-vm|Start Virtual Machine"}) {
		t.Errorf("admin's list of bob's access: %q", got)
	}
	got = list(reader, "&operation=Start+Virtual+Machine")
	if !slices.Equal(got, []string{"Lab|||Start Virtual Machine"}) {
		t.Errorf("reader's list of bob's access: %q", got)
	}

	// A token outlives no policy change.
	r = ts.do(admin, http.MethodGet, "/v1/access-list?user=bob&limit=1", nil)
	var pg AccessListResponse
	r.json(t, &pg)
	if pg.Next == "" {
		t.Fatalf("first page ends the list: %s", r.body)
	}
	r = ts.do(admin, http.MethodPost, "/v1/policy/scopes", api.Scope{Name: "Other"}, "If-Match", strconv.Quote(strconv.FormatUint(rev+1, 10)))
	want(t, r, http.StatusCreated, "policy change")
	r = ts.do(admin, http.MethodGet, "/v1/access-list?user=bob&limit=1&token="+url.QueryEscape(pg.Next), nil)
	want(t, r, http.StatusGone, "token of an old revision")
	if c := r.errCode(t); c != api.CodeStaleToken {
		t.Errorf("code %q", c)
	}
	r = ts.do(admin, http.MethodGet, "/v1/access-list?user=bob&token=garbage", nil)
	want(t, r, http.StatusBadRequest, "garbage token")
	r = ts.do(admin, http.MethodGet, "/v1/access-list?user=bob&group=x", nil)
	want(t, r, http.StatusBadRequest, "two subjects")
	r = ts.do(admin, http.MethodGet, "/v1/access-list?applicationGroup=Nope", nil)
	want(t, r, http.StatusNotFound, "unknown application group")

	// A directory group: Lab Team holds nothing yet.
	r = ts.do(reader, http.MethodGet, "/v1/effective-access?group=Lab+Team&scope=Lab", nil)
	want(t, r, http.StatusOK, "group grid")
	var grid EffectiveAccessResponse
	r.json(t, &grid)
	for _, c := range grid.Rows[0].Cells {
		if c.Allowed {
			t.Errorf("Lab Team holds something: %s", r.body)
		}
	}

	// Who can, paged.
	r = ts.do(reader, http.MethodGet, "/v1/who-can?scope=Lab&operation=Start+Virtual+Machine&limit=1", nil)
	want(t, r, http.StatusOK, "who-can page")
	var wc api.WhoCanResponse
	r.json(t, &wc)
	if wc.Total < 2 || len(wc.Principals) != 1 || wc.Next == "" {
		t.Errorf("who-can page: %s", r.body)
	}
}
