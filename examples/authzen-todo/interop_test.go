package authzentodo

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/internal/authzentest"
	"github.com/azgate/azgate/internal/testproc"
)

func TestMain(m *testing.M) { testproc.Main(m) }

// decisionFile is the shape of the working group's decision files.
type decisionFile struct {
	Evaluation []struct {
		Request  json.RawMessage `json:"request"`
		Expected bool            `json:"expected"`
	} `json:"evaluation"`
	Evaluations []struct {
		Request  json.RawMessage `json:"request"`
		Expected json.RawMessage `json:"expected"`
	} `json:"evaluations"`
}

// todoServer starts serve.sh with the azgate under test and returns its
// base URL and the bearer token serve.sh printed first.
func todoServer(t *testing.T) (base, token string) {
	t.Helper()
	var out testproc.Buffer
	p := testproc.Serve(t, "/bin/sh", testproc.Options{Name: "serve.sh", Stdout: &out,
		Env: []string{"AZGATE=" + testproc.Binary(t), "TMPDIR=" + t.TempDir()}}, "serve.sh", "127.0.0.1:0")
	// serve.sh printed the token before it started azgate; its copy from
	// the pipe may trail the server's address by a moment.
	var ok bool
	for i := 0; i < 100 && !ok; i++ {
		if token, _, ok = strings.Cut(out.String(), "\n"); !ok {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !ok || token == "" {
		t.Fatalf("serve.sh printed no token first: %q", out.String())
	}
	return p.Base, token
}

// post sends body to the AuthZEN endpoint path as the PEP, as the interop
// harness does, and returns the response body.
func post(t *testing.T, base, token, path string, body []byte) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-ID", "interop-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("X-Request-ID") != "interop-1" {
		t.Fatalf("POST %s: %s, Content-Type %q, X-Request-ID %q: %s", path, resp.Status,
			resp.Header.Get("Content-Type"), resp.Header.Get("X-Request-ID"), b)
	}
	return b
}

// TestInterop runs the working group's published Todo decisions against
// azgate serving this example through serve.sh: every evaluation through
// POST /access/v1/evaluation and every boxcar through
// /access/v1/evaluations, compared as the harness compares them, with
// every request and response validated against the specification's
// schemas.
func TestInterop(t *testing.T) {
	base, token := todoServer(t)
	files, err := filepath.Glob("testdata/decisions-*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no decision files: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var df decisionFile
		if err := json.Unmarshal(b, &df); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(df.Evaluation) == 0 {
			t.Fatalf("%s: no evaluations", f)
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			for i, d := range df.Evaluation {
				authzentest.Validate(t, authzentest.EvaluationRequest, d.Request)
				resp := post(t, base, token, "/access/v1/evaluation", d.Request)
				authzentest.Validate(t, authzentest.EvaluationResponse, resp)
				var got struct{ Decision bool }
				if err := json.Unmarshal(resp, &got); err != nil {
					t.Fatal(err)
				}
				if got.Decision != d.Expected {
					t.Errorf("evaluation %d: %s\n  decision %v, want %v: %s", i, d.Request, got.Decision, d.Expected, resp)
				}
			}
			for i, d := range df.Evaluations {
				authzentest.Validate(t, authzentest.EvaluationsRequest, d.Request)
				resp := post(t, base, token, "/access/v1/evaluations", d.Request)
				authzentest.Validate(t, authzentest.EvaluationsResponse, resp)
				var got struct{ Evaluations json.RawMessage }
				if err := json.Unmarshal(resp, &got); err != nil {
					t.Fatal(err)
				}
				// The harness compares JSON.stringify of both.
				var want bytes.Buffer
				if err := json.Compact(&want, d.Expected); err != nil {
					t.Fatal(err)
				}
				if string(got.Evaluations) != want.String() {
					t.Errorf("evaluations %d: %s\n  got %s, want %s", i, d.Request, got.Evaluations, want.String())
				}
			}
		})
	}
}

// TestInteropSearch asks the searches about the scenario: who may delete
// Morty's todo, what Morty may do with it, and where Summer may create
// todos.
func TestInteropSearch(t *testing.T) {
	base, token := todoServer(t)
	const morty = "CiRmZDE2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"
	todo := `{"type":"todo","id":"7240d0db","properties":{"ownerID":"morty@the-citadel.com"}}`
	tests := []struct {
		name, path, schemaReq, schemaResp, body, want string
	}{
		{"who deletes Morty's todo", "/access/v1/search/subject", authzentest.SearchSubjectRequest, authzentest.SearchSubjectResponse,
			`{"subject":{"type":"user"},"action":{"name":"can_delete_todo"},"resource":` + todo + `}`,
			`[{"type":"user","id":"morty@the-citadel.com"},{"type":"user","id":"rick@the-citadel.com"}]`},
		{"who updates Morty's todo, two at a time", "/access/v1/search/subject", authzentest.SearchSubjectRequest, authzentest.SearchSubjectResponse,
			`{"subject":{"type":"user"},"action":{"name":"can_update_todo"},"resource":` + todo + `,"page":{"limit":2}}`,
			`[{"type":"user","id":"morty@the-citadel.com"},{"type":"user","id":"rick@the-citadel.com"}]`},
		{"what Morty does with his todo", "/access/v1/search/action", authzentest.SearchActionRequest, authzentest.SearchActionResponse,
			`{"subject":{"type":"user","id":"` + morty + `"},"resource":` + todo + `}`,
			`[{"name":"can_create_todo"},{"name":"can_delete_todo"},{"name":"can_read_todos"},{"name":"can_read_user"},{"name":"can_update_todo"}]`},
		{"what Morty does with Rick's", "/access/v1/search/action", authzentest.SearchActionRequest, authzentest.SearchActionResponse,
			`{"subject":{"type":"user","id":"` + morty + `"},"resource":{"type":"todo","id":"1","properties":{"ownerID":"rick@the-citadel.com"}}}`,
			`[{"name":"can_create_todo"},{"name":"can_read_todos"},{"name":"can_read_user"}]`},
		{"where Summer creates todos", "/access/v1/search/resource", authzentest.SearchResourceRequest, authzentest.SearchResourceResponse,
			`{"subject":{"type":"user","id":"summer@the-smiths.com"},"action":{"name":"can_create_todo"},"resource":{"type":"scope"}}`,
			`[{"type":"scope","id":""}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			authzentest.Validate(t, tc.schemaReq, []byte(tc.body))
			resp := post(t, base, token, tc.path, []byte(tc.body))
			authzentest.Validate(t, tc.schemaResp, resp)
			var got struct{ Results json.RawMessage }
			if err := json.Unmarshal(resp, &got); err != nil {
				t.Fatal(err)
			}
			if string(got.Results) != tc.want {
				t.Fatalf("results %s, want %s", got.Results, tc.want)
			}
		})
	}
}
