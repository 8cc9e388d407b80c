package console_test

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
)

// TestConsole_MemberTerms: the role assignment page shows each member's
// term ("alice (until …)"); saving the form with the member lines as shown
// keeps every term — the members' and the member groups' — and a line
// with a new term sets it.
func TestConsole_MemberTerms(t *testing.T) {
	ts := startServer(t)
	exp := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	ts.mustAPI(t, http.MethodPost, "/v1/policy/groups", map[string]any{"name": "Temps", "members": []string{"carol"}})
	ts.mustAPI(t, http.MethodPost, "/v1/policy/role-assignments", api.RoleAssignment{Name: "Starters",
		Operations: []string{"Start Virtual Machine"}, Members: []string{"alice", "bob"}, Groups: []string{"Temps"},
		Terms: []api.MemberTerm{{Member: "alice", Expires: exp}, {Group: "Temps", Starts: exp.Add(-72 * time.Hour)}}})
	c := ts.session(t, "admin", adminPass)
	_, page := get(t, c, ts.base+"/ui/object?kind=role-assignments&name=Starters")
	aliceLine := "alice (until " + exp.Format(time.RFC3339) + ")"
	if !strings.Contains(html.UnescapeString(page), aliceLine) || !strings.Contains(html.UnescapeString(page), "Temps (from ") {
		i := strings.Index(page, "f-members")
		t.Fatalf("the page does not show the terms %q:\n%.1500s", aliceLine, page[max(i, 0):])
	}
	_, page = get(t, c, ts.base+"/ui/policy")
	rev := revisionRE.FindStringSubmatch(page)[1]
	resp, err := c.PostForm(ts.base+"/ui/object", url.Values{"kind": {"role-assignments"}, "old": {"Starters"}, "name": {"Starters"},
		"description": {"edited in the console"}, "operations": {"Start Virtual Machine"}, "groups": {"Temps"},
		"members": {aliceLine + "\nbob (from " + exp.Format(time.RFC3339) + ")\n"}, "base": {rev}, "action": {"save"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("save: %d\n%.2000s", resp.StatusCode, b)
	}
	st, out := ts.api(t, http.MethodGet, "/v1/policy/role-assignments/Starters", nil)
	var ra api.RoleAssignment
	if err := json.Unmarshal(out, &ra); st != http.StatusOK || err != nil {
		t.Fatalf("%d %s", st, out)
	}
	if ra.Description != "edited in the console" || strings.Join(ra.Members, ",") != "alice,bob" || len(ra.Terms) != 3 ||
		!ra.Terms[0].Expires.Equal(exp) || ra.Terms[1].Member != "bob" || !ra.Terms[1].Starts.Equal(exp) || ra.Terms[2].Group != "Temps" {
		t.Fatalf("after the console's save: %+v", ra)
	}
	// A term whose time does not read is an error on the form, not a
	// member named "bob (until tomorrow)"; nothing is saved.
	_, page = get(t, c, ts.base+"/ui/policy")
	rev = revisionRE.FindStringSubmatch(page)[1]
	resp, err = c.PostForm(ts.base+"/ui/object", url.Values{"kind": {"role-assignments"}, "old": {"Starters"}, "name": {"Starters"},
		"description": {"typo"}, "operations": {"Start Virtual Machine"}, "groups": {"Temps"},
		"members": {"bob (until tomorrow)\n"}, "base": {rev}, "action": {"save"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html.UnescapeString(string(b)), "is not an RFC 3339 time") {
		t.Fatalf("a term that does not read: %d\n%.2000s", resp.StatusCode, b)
	}
	st, out = ts.api(t, http.MethodGet, "/v1/policy/role-assignments/Starters", nil)
	if err := json.Unmarshal(out, &ra); st != http.StatusOK || err != nil || ra.Description != "edited in the console" {
		t.Fatalf("after the refused save: %d %s", st, out)
	}
}
