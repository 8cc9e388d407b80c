package authzentest

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/jsonschema/v6"
)

//go:embed schemas/*.json
var schemaFS embed.FS

// The schemas, by file name without ".schema.json".
const (
	EvaluationRequest      = "evaluation-request"
	EvaluationResponse     = "evaluation-response"
	EvaluationsRequest     = "evaluations-request"
	EvaluationsResponse    = "evaluations-response"
	SearchSubjectRequest   = "search-subject-request"
	SearchSubjectResponse  = "search-subject-response"
	SearchResourceRequest  = "search-resource-request"
	SearchResourceResponse = "search-resource-response"
	SearchActionRequest    = "search-action-request"
	SearchActionResponse   = "search-action-response"
	Metadata               = "metadata"
)

const base = "https://azgate.invalid/authzen/"

var compiled = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	files, err := fs.Glob(schemaFS, "schemas/*.json")
	if err != nil {
		return nil, err
	}
	var ids []string
	nameOf := map[string]string{}
	for _, f := range files {
		b, err := schemaFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		// Each schema is registered where its $id resolves, so the $refs
		// between them ("authzen-evaluation-request#/properties/subject")
		// find it.
		m, _ := doc.(map[string]any)
		id, _ := m["$id"].(string)
		if id == "" {
			return nil, fmt.Errorf("%s: no $id", f)
		}
		if err := c.AddResource(base+id, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		ids = append(ids, id)
		nameOf[id] = strings.TrimSuffix(strings.TrimPrefix(f, "schemas/"), ".schema.json")
	}
	out := map[string]*jsonschema.Schema{}
	for _, id := range ids {
		if out[nameOf[id]], err = c.Compile(base + id); err != nil {
			return nil, fmt.Errorf("compile %s: %w", nameOf[id], err)
		}
	}
	return out, nil
})

// Check validates body against the named schema.
func Check(schema string, body []byte) error {
	all, err := compiled()
	if err != nil {
		return err
	}
	s, ok := all[schema]
	if !ok {
		return fmt.Errorf("no schema %q", schema)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: not JSON: %w", schema, err)
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("%s: %w\n%s", schema, err, body)
	}
	return nil
}

// Validate fails t when body does not validate against the named schema.
func Validate(t testing.TB, schema string, body []byte) {
	t.Helper()
	if err := Check(schema, body); err != nil {
		t.Fatal(err)
	}
}
