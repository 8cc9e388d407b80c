package authzen

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/azgate/azgate/internal/authzentest"
)

// searchAll pages through a search and returns every result's id (a
// subject's or resource's) or name (an action's).
func searchAll(t *testing.T, f *fixture, path, schemaReq, schemaResp, body string, limit int) []string {
	t.Helper()
	var out []string
	token := ""
	for range 100 {
		page := `"page":{"limit":` + itoa(limit)
		if token != "" {
			page += `,"token":"` + token + `"`
		}
		req := strings.TrimSuffix(body, "}") + `,` + page + `}}`
		authzentest.Validate(t, schemaReq, []byte(req))
		status, resp := f.post(t, path, req)
		if status != 200 {
			t.Fatalf("status %d: %s", status, resp)
		}
		authzentest.Validate(t, schemaResp, resp)
		var r struct {
			Page    PageResponse `json:"page"`
			Results []struct{ ID, Name string }
		}
		if err := json.Unmarshal(resp, &r); err != nil {
			t.Fatal(err)
		}
		if r.Page.Count != len(r.Results) || len(r.Results) > limit {
			t.Fatalf("page %+v with %d results", r.Page, len(r.Results))
		}
		for _, x := range r.Results {
			out = append(out, x.ID+x.Name)
		}
		if r.Page.NextToken == "" {
			if r.Page.Total != len(out) {
				t.Fatalf("total %d, got %d", r.Page.Total, len(out))
			}
			return out
		}
		token = r.Page.NextToken
	}
	t.Fatal("no last page")
	return nil
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestSearch(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name                  string
		path, schReq, schResp string
		body                  string
		want                  string
	}{
		{"who reads", PathSearchSubject, authzentest.SearchSubjectRequest, authzentest.SearchSubjectResponse,
			`{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"doc","id":"1"}}`, "alice carol"},
		{"who writes a document of carol's (by alias)", PathSearchSubject, authzentest.SearchSubjectRequest, authzentest.SearchSubjectResponse,
			`{"subject":{"type":"user"},"action":{"name":"write"},"resource":{"type":"doc","id":"1","properties":{"owner":"carol@example.com"}}}`, "carol"},
		{"who writes in Lab", PathSearchSubject, authzentest.SearchSubjectRequest, authzentest.SearchSubjectResponse,
			`{"subject":{"type":"user","id":"ignored"},"action":{"name":"write"},"resource":{"type":"scope","id":"Lab"}}`, "bob"},
		{"where bob writes", PathSearchResource, authzentest.SearchResourceRequest, authzentest.SearchResourceResponse,
			`{"subject":{"type":"user","id":"bob"},"action":{"name":"write"},"resource":{"type":"scope"}}`, "Lab"},
		{"where alice reads", PathSearchResource, authzentest.SearchResourceRequest, authzentest.SearchResourceResponse,
			`{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"scope"}}`, " Lab"},
		{"what alice does to her document", PathSearchAction, authzentest.SearchActionRequest, authzentest.SearchActionResponse,
			`{"subject":{"type":"user","id":"alice"},"resource":{"type":"doc","id":"1","properties":{"owner":"alice"}}}`, "read write"},
		{"what alice does to bob's", PathSearchAction, authzentest.SearchActionRequest, authzentest.SearchActionResponse,
			`{"subject":{"type":"user","id":"alice"},"resource":{"type":"doc","id":"1","properties":{"owner":"bob"}}}`, "read"},
		{"what dave does", PathSearchAction, authzentest.SearchActionRequest, authzentest.SearchActionResponse,
			`{"subject":{"type":"user","id":"dave"},"resource":{"type":"scope","id":"Lab"}}`, ""},
	}
	for _, tc := range tests {
		for _, limit := range []int{1, 2, 100} {
			t.Run(tc.name+"/limit "+itoa(limit), func(t *testing.T) {
				got := strings.Join(searchAll(t, f, tc.path, tc.schReq, tc.schResp, tc.body, limit), " ")
				if got != tc.want {
					t.Fatalf("results %q, want %q", got, tc.want)
				}
			})
		}
	}
}

func TestSearch_Errors(t *testing.T) {
	f := newFixture(t)
	first := `{"subject":{"type":"user"},"action":{"name":"read"},"resource":{"type":"doc","id":"1"},"page":{"limit":1}}`
	_, resp := f.post(t, PathSearchSubject, first)
	var r SubjectSearchResponse
	if err := json.Unmarshal(resp, &r); err != nil || r.Page == nil || r.Page.NextToken == "" {
		t.Fatalf("first page %s", resp)
	}
	with := func(body, token string) string {
		return strings.Replace(body, `"limit":1`, `"limit":1,"token":"`+token+`"`, 1)
	}
	tests := []struct {
		name, path, body, want string
		status                 int
		before                 func()
	}{
		{"token of another request", PathSearchSubject, with(strings.Replace(first, "read", "write", 1), r.Page.NextToken), "belongs to another request", 400, nil},
		{"token of another search", PathSearchResource, with(`{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"scope"},"page":{"limit":1}}`, r.Page.NextToken), "not a token of this search", 400, nil},
		{"forged token", PathSearchSubject, with(first, "AAAA"), "not a token of this search", 400, nil},
		{"policy changed", PathSearchSubject, with(first, r.Page.NextToken), "the policy changed since the first page (revision 7, now 8)", 400,
			func() { s := *f.snap; s.Revision = 8; f.snap = &s }},
		{"negative limit", PathSearchSubject, strings.Replace(first, `"limit":1`, `"limit":-1`, 1), "page.limit must not be negative", 400, nil},
		{"unknown operation", PathSearchSubject, strings.Replace(first, "read", "fly", 1), `application "Docs" has no operation "fly"`, 404, nil},
		{"unknown scope", PathSearchAction, `{"subject":{"type":"user","id":"alice"},"resource":{"type":"scope","id":"Attic"}}`, `has no scope "Attic"`, 404, nil},
		{"unknown subject", PathSearchAction, `{"subject":{"type":"user","id":"eve"},"resource":{"type":"scope","id":""}}`, `subject "eve" is not in the directory`, 404, nil},
		{"resources azgate does not know", PathSearchResource, `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{"type":"doc"}}`, `resource type "doc": azgate lists scopes`, 400, nil},
		{"subject type", PathSearchSubject, strings.Replace(first, `"user"`, `"group"`, 1), `azgate lists users`, 400, nil},
		{"no resource type", PathSearchResource, `{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"resource":{}}`, "resource.type is required", 400, nil},
		{"subject search needs Read Policy", PathSearchSubject, first, `"Read Policy"`, 403, func() { f.denyReadPolicy = true }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.before != nil {
				tc.before()
			}
			status, body := f.post(t, tc.path, tc.body)
			if status != tc.status || !strings.Contains(string(body), tc.want) {
				t.Fatalf("status %d %q, want %d and %q", status, body, tc.status, tc.want)
			}
		})
	}
}

func TestMetadata(t *testing.T) {
	f := newFixture(t)
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, PathMetadata, nil))
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	authzentest.Validate(t, authzentest.Metadata, w.Body.Bytes())
	var m Metadata
	_ = json.Unmarshal(w.Body.Bytes(), &m)
	want := Metadata{PolicyDecisionPoint: "https://pdp.example",
		AccessEvaluationEndpoint: "https://pdp.example/access/v1/evaluation", AccessEvaluationsEndpoint: "https://pdp.example/access/v1/evaluations",
		SearchSubjectEndpoint: "https://pdp.example/access/v1/search/subject", SearchResourceEndpoint: "https://pdp.example/access/v1/search/resource",
		SearchActionEndpoint: "https://pdp.example/access/v1/search/action"}
	if m != want {
		t.Fatalf("metadata %+v, want %+v", m, want)
	}
}
