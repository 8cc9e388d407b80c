package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/directory/localdir"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/server"
)

// TestConsole_DecidesAsTheAPI: the console's effective access and what-if
// are the API's (one decision path): a directory group's grid counts the
// groups it is nested in, and a what-if compares the directory's groups
// too, as GET /v1/effective-access and POST /v1/whatif do.
func TestConsole_DecidesAsTheAPI(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	d, err := localdir.Open(ctx, filepath.Join(data, server.DirectoryFile), localdir.WithBcryptCost(bcrypt.MinCost))
	if err != nil {
		t.Fatal(err)
	}
	// bob is in Staff, Staff in Lab-Staff.
	for _, step := range []func() error{
		func() error { return d.AddUser(ctx, "bob", "bob-secret-1") },
		func() error { return d.AddGroup(ctx, "Staff") },
		func() error { return d.AddGroup(ctx, "Lab-Staff") },
		func() error { return d.AddMember(ctx, "Staff", "bob") },
		func() error { return d.AddMember(ctx, "Lab-Staff", "Staff") },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	d.Close()
	cfg := server.DefaultConfig()
	cfg.DataDir = data
	cfg.StoreURL = "msxml://" + filepath.Join(dir, "store.xml")
	cfg.CreateStore = true
	cfg.AdminPassword = "admin-secret-1"
	cfg.BcryptCost = bcrypt.MinCost
	var c *Console
	cfg.Console = func(s *server.Server) (http.Handler, error) {
		c, err = New(s, Options{})
		return c, err
	}
	s, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := s.Handler()
	call := func(method, path string, body any, cookie string) *httptest.ResponseRecorder {
		t.Helper()
		var b []byte
		if body != nil {
			b, _ = json.Marshal(body)
		}
		r := httptest.NewRequest(method, path, bytes.NewReader(b))
		r.RemoteAddr = "127.0.0.1:1"
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: cookieName, Value: cookie})
		} else {
			r.SetBasicAuth("admin", cfg.AdminPassword)
			r.Header.Set("Content-Type", "application/json")
			if method != http.MethodGet && strings.HasPrefix(path, "/v1/policy") {
				r.Header.Set("If-Match", fmt.Sprintf("\"%d\"", s.Live().Current().Revision))
			}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
		return w
	}
	call(http.MethodPost, "/v1/policy/scopes", api.Scope{Name: "Lab"}, "")
	call(http.MethodPost, "/v1/policy/role-definitions", api.Task{Name: "Lab Operator", Operations: []string{"Start Virtual Machine"}}, "")
	call(http.MethodPost, "/v1/policy/role-assignments?scope=Lab", api.RoleAssignment{Name: "Lab Operators",
		RoleDefinitions: []string{"Lab Operator"}, Members: []string{"Lab-Staff"}}, "")

	r := httptest.NewRequest(http.MethodPost, "/ui/signin", nil)
	r.RemoteAddr = "127.0.0.1:1"
	admin, err := s.SignIn(r, "admin", cfg.AdminPassword)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.sess.create("admin", admin)
	if err != nil {
		t.Fatal(err)
	}

	// The grid of group Staff: Start in Lab, through Lab-Staff.
	var grid server.EffectiveAccessResponse
	if err := json.Unmarshal(call(http.MethodGet, "/v1/effective-access?group=Staff&scope=Lab&operation=Start+Virtual+Machine", nil, "").Body.Bytes(), &grid); err != nil {
		t.Fatal(err)
	}
	if len(grid.Rows) != 1 || !grid.Rows[0].Cells[0].Allowed {
		t.Fatalf("API: group Staff in Lab: %+v, want Start allowed", grid.Rows)
	}
	page := call(http.MethodGet, "/ui/access?subject=Staff&kind=group&q=Lab", nil, sess.id).Body.String()
	if !strings.Contains(page, "Start Virtual Machine in scope Lab: allowed") {
		t.Fatalf("console: group Staff's grid does not allow Start in Lab:\n%s", page)
	}

	// A what-if that takes Lab-Staff out of Lab Operators: the API and the
	// console list the same changes, the nested group Staff's among them.
	var wi server.WhatIfResponse
	if err := json.Unmarshal(call(http.MethodPost, "/v1/whatif", server.WhatIfRequest{Edits: []server.PolicyEditDoc{{
		Action: "unlink", Kind: "role-assignments", Scope: "Lab", Name: "Lab Operators",
		Link: &api.Link{Relation: "member", Target: "Lab-Staff"}}}}, "").Body.Bytes(), &wi); err != nil {
		t.Fatal(err)
	}
	var apiRows []string
	for _, ch := range wi.Changes {
		apiRows = append(apiRows, fmt.Sprintf(`%s <span class="muted">(%s)`, ch.Subject.Name, ch.Subject.Kind))
	}
	if !strings.Contains(strings.Join(apiRows, ","), `Staff <span class="muted">(group)`) {
		t.Fatalf("API what-if changes %v, want group Staff's", apiRows)
	}
	snap := s.Live().Current()
	sess.stage = &stage{base: snap.Revision, edits: []stagedEdit{{What: "unlink Lab-Staff", apply: func(p *policy.Policy) error {
		return p.Unlink(policy.Location{App: snap.Checker.Application(), Scope: "Lab"}, policy.KindRole, "Lab Operators", policy.RelMember, "Lab-Staff")
	}}}}
	page = call(http.MethodGet, "/ui/whatif", nil, sess.id).Body.String()
	if n := strings.Count(page, "<tr class=\"no\">"); n != len(wi.Changes) {
		t.Fatalf("console what-if lists %d revocations, the API %d (%v):\n%s", n, len(wi.Changes), apiRows, page)
	}
	for _, row := range apiRows {
		if !strings.Contains(page, row) {
			t.Fatalf("console what-if lacks %q:\n%s", row, page)
		}
	}
}
