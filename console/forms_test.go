package console_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// session signs in over HTTP (no browser) and returns a client holding the
// session cookie.
func (ts *testServer) session(t *testing.T, user, pass string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(ts.base+"/ui/signin", url.Values{"user": {user}, "password": {pass}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/ui/") {
		t.Fatalf("sign in as %s: %d at %s", user, resp.StatusCode, resp.Request.URL)
	}
	return c
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var revisionRE = regexp.MustCompile(`data-revision="(\d+)"`)

// TestConsole_FormErrorsNextToTheField posts forms that the admin API
// refuses and checks that the console says why next to the field at fault,
// with the API's status.
func TestConsole_FormErrorsNextToTheField(t *testing.T) {
	ts := startServer(t)
	ts.mustAPI(t, http.MethodPost, "/v1/policy/scopes", map[string]string{"name": "Lab"})
	ts.mustAPI(t, http.MethodPost, "/v1/policy/tasks", map[string]any{"name": "Outer", "operations": []string{}, "tasks": []string{}})
	ts.mustAPI(t, http.MethodPost, "/v1/policy/tasks", map[string]any{"name": "Inner", "operations": []string{}, "tasks": []string{"Outer"}})
	c := ts.session(t, "admin", adminPass)
	_, page := get(t, c, ts.base+"/ui/policy")
	rev := revisionRE.FindStringSubmatch(page)[1]

	tests := []struct {
		name   string
		form   url.Values
		status int
		field  string // the field whose error shows; "" for the form's
		want   string
	}{
		{"duplicate name", url.Values{"kind": {"tasks"}, "name": {"inner"}}, http.StatusConflict, "name", "exists"},
		{"task cycle", url.Values{"kind": {"tasks"}, "old": {"Outer"}, "name": {"Outer"}, "tasks": {"Inner"}}, http.StatusBadRequest, "tasks", "cycle"},
		{"unknown operation", url.Values{"kind": {"role-definitions"}, "name": {"R"}, "operations": {"Fly"}}, http.StatusNotFound, "operations", "Fly"},
		{"unknown application group", url.Values{"kind": {"role-assignments"}, "scope": {"Lab"}, "name": {"A"}, "groups": {"Nobody"}}, http.StatusNotFound, "groups", "Nobody"},
		{"empty name", url.Values{"kind": {"groups"}, "name": {""}, "type": {"Basic"}}, http.StatusBadRequest, "name", ""},
		{"bad LDAP query", url.Values{"kind": {"groups"}, "name": {"Q"}, "type": {"LdapQuery"}, "ldapQuery": {"(&(uid=x"}}, http.StatusBadRequest, "ldapQuery", ""},
		{"taken operation ID", url.Values{"kind": {"operations"}, "name": {"Widget"}, "id": {"300"}}, http.StatusConflict, "id", "taken"},
		{"stale revision", url.Values{"kind": {"tasks"}, "name": {"New"}, "base": {"1"}}, http.StatusConflict, "", "Another writer changed the policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.form
			if f.Get("base") == "" {
				f.Set("base", rev)
			}
			f.Set("action", "save")
			resp, err := c.PostForm(ts.base+"/ui/object", f)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body := string(b)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d\n%.2000s", resp.StatusCode, tt.status, body)
			}
			id := `id="form-error"`
			if tt.field != "" {
				id = `id="err-` + tt.field + `"`
			}
			i := strings.Index(body, id)
			if i < 0 {
				t.Fatalf("no %s in the page:\n%.3000s", id, body)
			}
			if msg := body[i:min(len(body), i+400)]; !strings.Contains(msg, tt.want) {
				t.Fatalf("%s says %q, want %q", id, msg, tt.want)
			}
		})
	}
	// Nothing of it was saved.
	if _, page := get(t, c, ts.base+"/ui/policy"); revisionRE.FindStringSubmatch(page)[1] != rev {
		t.Fatal("a refused form changed the store")
	}
}
