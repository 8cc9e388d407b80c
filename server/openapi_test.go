package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// openAPIValidator returns a validator for the server's /openapi.json,
// failing the test when the document is not valid OpenAPI 3.1.
func openAPIValidator(t *testing.T, ts *testServer) validator.Validator {
	t.Helper()
	r := ts.do(cred{}, http.MethodGet, "/openapi.json", nil)
	want(t, r, http.StatusOK, "openapi")
	doc, err := libopenapi.NewDocument(r.body)
	if err != nil {
		t.Fatalf("parse /openapi.json: %v", err)
	}
	if _, err := doc.BuildV3Model(); err != nil {
		t.Fatalf("build the OpenAPI model (unresolved $ref?): %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("/openapi.json is not valid OpenAPI 3.1: %s: %s", e.Message, e.Reason)
			for _, se := range e.SchemaValidationErrors {
				t.Errorf("  at %s: %s", se.FieldPath, se.Reason)
			}
		}
		t.FailNow()
	}
	return v
}

func TestOpenAPI_DocumentIsValid31(t *testing.T) {
	ts := startServer(t, nil)
	openAPIValidator(t, ts)

	var spec struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	ts.do(cred{}, http.MethodGet, "/openapi.json", nil).json(t, &spec)
	for name, s := range spec.Components.Schemas {
		if props, ok := s["properties"].(map[string]any); len(s) == 0 || (ok && len(props) == 0) {
			t.Errorf("schema %s is an empty object: it describes nothing", name)
		}
		if strings.ContainsAny(name, "[]/ ") {
			t.Errorf("schema name %q is not a valid component name", name)
		}
	}
}

// TestOpenAPI_ResponsesMatchTheDocument sends real requests and validates
// each request and response against /openapi.json.
func TestOpenAPI_ResponsesMatchTheDocument(t *testing.T) {
	ts := startServer(t, nil)
	v := openAPIValidator(t, ts)
	tests := []struct {
		name, method, path, body string
		status                   int
	}{
		{"single check", http.MethodPost, "/v1/check",
			`{"user":"S-1-5-32-544","operations":["Start Virtual Machine",307]}`, http.StatusOK},
		{"batch check", http.MethodPost, "/v1/check",
			`{"checks":[{"user":"S-1-5-32-544","operations":["View Switches"]},{"user":"bob","operations":[300]}]}`, http.StatusOK},
		{"create VM", http.MethodPost, "/v1/vms", `{"name":"web1","memoryMB":512,"processors":1}`, http.StatusCreated},
		{"list VMs", http.MethodGet, "/v1/vms", "", http.StatusOK},
		{"who can", http.MethodGet, "/v1/who-can?operation=Start%20Virtual%20Machine", "", http.StatusOK},
		{"policy", http.MethodGet, "/v1/policy", "", http.StatusOK},
		{"readyz", http.MethodGet, "/readyz", "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, err := http.NewRequest(tt.method, ts.base+tt.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			req.SetBasicAuth(admin.user, admin.pass)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, raw)
			}
			if !json.Valid(raw) {
				t.Fatalf("response is not JSON: %s", raw)
			}
			// Replay both for the validator, which reads the bodies.
			req, _ = http.NewRequest(tt.method, ts.base+tt.path, strings.NewReader(tt.body))
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			req.SetBasicAuth(admin.user, admin.pass)
			res.Body = io.NopCloser(bytes.NewReader(raw))
			if ok, verrs := v.ValidateHttpRequestResponse(req, res); !ok {
				for _, e := range verrs {
					t.Errorf("%s %s: %s: %s", tt.method, tt.path, e.Message, e.Reason)
					for _, se := range e.SchemaValidationErrors {
						t.Errorf("  at %s: %s", se.FieldPath, se.Reason)
					}
				}
			}
		})
	}
}
