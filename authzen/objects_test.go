package authzen

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/azgate/azgate/internal/authzentest"
	"github.com/azgate/azgate/internal/names"
)

// docStore is a store of objects of type "folder", each in its scope.
type docStore map[string]string // name → scope

func (docStore) Types() []string { return []string{"folder"} }

func (d docStore) Scopes(_ context.Context, typ, id string) ([]string, bool, error) {
	for n, s := range d {
		if typ == "folder" && names.Equal(n, id) {
			return strings.Split(s, ","), true, nil
		}
	}
	return nil, false, nil
}

func (d docStore) List(_ context.Context, typ string) ([]Object, error) {
	var out []Object
	for n := range d {
		out = append(out, Object{ID: n})
	}
	return out, nil
}

// TestObjects: a resource of a type Config.Objects knows is decided in the
// object's own scope, whatever properties.scope says, and in every further
// scope Objects names (all must allow); a missing object is denied as a
// hidden one is; the resource search lists the objects.
func TestObjects(t *testing.T) {
	f := newFixture(t)
	// A folder's scopes: its own, then those a call on it touches too.
	f.svc.cfg.Objects = docStore{"lab-folder": "Lab", "top-folder": "", "span-folder": "Lab,", "gone-folder": "Nowhere"}
	tests := []struct {
		name, body string
		allow      bool
	}{
		{"in its own scope", eval(`{"type":"user","id":"bob"}`, "write", `{"type":"folder","id":"lab-folder"}`), true},
		{"whatever properties.scope says", eval(`{"type":"user","id":"bob"}`, "write", `{"type":"folder","id":"top-folder","properties":{"scope":"Lab"}}`), false},
		{"a missing object", eval(`{"type":"user","id":"bob"}`, "write", `{"type":"folder","id":"no-such"}`), false},
		{"a hidden one", eval(`{"type":"user","id":"dave"}`, "write", `{"type":"folder","id":"lab-folder"}`), false},
		{"every scope it touches must allow", eval(`{"type":"user","id":"bob"}`, "write", `{"type":"folder","id":"span-folder"}`), false},
		{"and does", eval(`{"type":"user","id":"alice"}`, "read", `{"type":"folder","id":"span-folder"}`), true},
		{"in a scope the policy lacks", eval(`{"type":"user","id":"alice"}`, "read", `{"type":"folder","id":"gone-folder"}`), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.post(t, PathEvaluation, tc.body)
			authzentest.Validate(t, authzentest.EvaluationResponse, body)
			var d Decision
			_ = json.Unmarshal(body, &d)
			if status != 200 || d.Decision != tc.allow || (!tc.allow && d.Context != nil) {
				t.Fatalf("status %d %s, want decision %v without context", status, body, tc.allow)
			}
		})
	}
	got := strings.Join(searchAll(t, f, PathSearchResource, authzentest.SearchResourceRequest, authzentest.SearchResourceResponse,
		`{"subject":{"type":"user","id":"bob"},"action":{"name":"write"},"resource":{"type":"folder"}}`, 10), " ")
	if got != "lab-folder" {
		t.Fatalf("folders bob writes: %q", got)
	}
	// In another application "folder" is that application's own type:
	// the search does not list the objects of the one Objects serves.
	status, body := f.post(t, PathSearchResource,
		`{"subject":{"type":"user","id":"bob"},"action":{"name":"write"},"resource":{"type":"folder","properties":{"application":"Other"}}}`)
	if status != 400 || !strings.Contains(string(body), "Other") || strings.Contains(string(body), "lab-folder") {
		t.Fatalf("folder search in application Other: status %d %s, want 400 naming the application", status, body)
	}
}
