package console

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/azgate/azgate/directory"
)

func TestParseTemplates_BrokenTemplateFailsStart(t *testing.T) {
	layout := `<html>{{template "content" .}}</html>`
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"the shipped templates", nil, ""},
		{"unclosed action", fstest.MapFS{
			"templates/layout.html": {Data: []byte(layout)},
			"templates/page.html":   {Data: []byte(`{{define "content"}}{{if .X}}{{end}}`)},
		}, "page.html"},
		{"no content", fstest.MapFS{
			"templates/layout.html": {Data: []byte(layout)},
			"templates/page.html":   {Data: []byte(`{{define "other"}}x{{end}}`)},
		}, `defines no "content"`},
		{"broken layout", fstest.MapFS{
			"templates/layout.html": {Data: []byte(`{{template "content" .}`)},
		}, "layout.html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.files == nil {
				_, err = parseTemplates(templateFS)
			} else {
				_, err = parseTemplates(tt.files)
			}
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("parse: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("parse: %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

func request(cookie string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/ui/", nil)
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: cookieName, Value: cookie})
	}
	return r
}

func TestSessions_Bounded(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	ss := newSessions(time.Hour, 3, 2)
	ss.now = func() time.Time { return now }
	tick := func(d time.Duration) { now = now.Add(d) }

	// Requests without a session, or with made-up cookies, add nothing.
	for _, c := range []string{"", "forged", strings.Repeat("A", 43)} {
		if s := ss.get(request(c)); s != nil {
			t.Fatalf("cookie %q found a session", c)
		}
	}
	if n := ss.len(); n != 0 {
		t.Fatalf("%d sessions after unauthenticated requests", n)
	}

	a1, _ := ss.create("alice", directory.ClientContext{Name: "alice"})
	tick(time.Minute)
	a2, _ := ss.create("ALICE", directory.ClientContext{Name: "alice"})
	tick(time.Minute)
	if ss.get(request(a1.id)) == nil || ss.get(request(a2.id)) == nil {
		t.Fatal("a new session is not found")
	}
	tick(time.Minute)
	// A third session of the same user (names compare folded) ends the
	// least recently used.
	ss.get(request(a2.id))
	a3, _ := ss.create("alice", directory.ClientContext{Name: "alice"})
	if ss.get(request(a1.id)) != nil || ss.get(request(a3.id)) == nil {
		t.Fatal("the per-user bound did not drop the least recently used session")
	}
	// The total bound drops the least recently used of anyone's.
	tick(time.Minute)
	b, _ := ss.create("bob", directory.ClientContext{Name: "bob"})
	tick(time.Minute)
	ss.get(request(a3.id))
	ss.get(request(b.id))
	c, _ := ss.create("carol", directory.ClientContext{Name: "carol"})
	if n := ss.len(); n != 3 {
		t.Fatalf("%d sessions, want the bound 3", n)
	}
	if ss.get(request(a2.id)) != nil {
		t.Fatal("the total bound kept the least recently used session")
	}
	// Idle expiry.
	tick(59 * time.Minute)
	if ss.get(request(c.id)) == nil {
		t.Fatal("a session expired before its idle time")
	}
	tick(61 * time.Minute)
	if ss.get(request(c.id)) != nil {
		t.Fatal("an idle session is still there")
	}
	ss.drop(b.id)
	if ss.get(request(b.id)) != nil {
		t.Fatal("a dropped session is still there")
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/ui/policy?app=x":        "/ui/policy?app=x",
		"":                        "/ui/",
		"https://evil.example/ui": "/ui/",
		"//evil.example/ui/":      "/ui/",
		"/v1/policy":              "/ui/",
		"/ui/\\evil":              "/ui/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSetCookie_Attributes(t *testing.T) {
	for _, tls := range []bool{false, true} {
		w := httptest.NewRecorder()
		r := request("")
		if tls {
			r = httptest.NewRequest(http.MethodGet, "https://example.org/ui/", nil)
		}
		setCookie(w, r, "v", 0)
		h := w.Header().Get("Set-Cookie")
		for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/ui/"} {
			if !strings.Contains(h, want) {
				t.Errorf("Set-Cookie %q lacks %s", h, want)
			}
		}
		if strings.Contains(h, "Secure") != tls {
			t.Errorf("TLS %v: Set-Cookie %q", tls, h)
		}
	}
}
