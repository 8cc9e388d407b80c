package authz

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/policygen"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

var widgetOps = policygen.WidgetOps()

// widgetPolicy is policygen.Widgets, failing t when it cannot be built.
func widgetPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := policygen.Widgets()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func compileApp(t *testing.T, p *policy.Policy, app string, opts Options) *Checker {
	t.Helper()
	c, err := Compile(p, app, opts)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return c
}

func TestCompile_CustomCatalog(t *testing.T) {
	p := widgetPolicy(t)
	c := compileApp(t, p, "Widgets", Options{Operations: widgetOps})
	if got := c.Operations(); len(got) != len(widgetOps) || got[2] != widgetOps[2] {
		t.Errorf("Operations() = %v", got)
	}
	admin, viewer := user("ann", `CORP\admins`), user("vic", `CORP\viewers`)
	tests := []struct {
		name    string
		client  directory.ClientContext
		scope   string
		op      operations.ID
		allowed bool
		err     error
		opName  string
	}{
		{"admin lists", admin, "", 1, true, nil, "List Widgets"},
		{"admin creates", admin, "", 2, true, nil, "Create Widget"},
		{"admin deletes (map-indexed ID)", admin, "Blue", 70000, true, nil, "Delete Widget"},
		{"a Hyper-V name, the catalog's ID", admin, "", 3, true, nil, "Read Service Configuration"},
		{"viewer lists in Blue", viewer, "blue", 1, true, nil, "List Widgets"},
		{"viewer lists at application level", viewer, "", 1, false, nil, "List Widgets"},
		{"viewer creates", viewer, "Blue", 2, false, nil, "Create Widget"},
		{"a Hyper-V ID outside this catalog", admin, "", operations.StartVM, false, ErrUnknownOperation, ""},
		{"the store's own OperationID is not the catalog's", admin, "", 11, false, ErrUnknownOperation, ""},
		{"near a map-indexed ID", admin, "", 70001, false, ErrUnknownOperation, ""},
		{"negative ID", admin, "", -5, false, ErrUnknownOperation, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := check1(t, c, tc.client, tc.scope, tc.op, nil)
			if err != nil {
				t.Fatalf("AccessCheck: %v", err)
			}
			if r.Allowed != tc.allowed || (tc.err != nil && !errors.Is(r.Err, tc.err)) || (tc.err == nil && r.Err != nil) {
				t.Fatalf("Allowed=%v Err=%v, want %v %v", r.Allowed, r.Err, tc.allowed, tc.err)
			}
			if r.Operation.Name != tc.opName || r.Operation.ID != tc.op {
				t.Errorf("Operation = %+v, want %q (%d)", r.Operation, tc.opName, tc.op)
			}
			ex := c.Explain(context.Background(), tc.client, tc.scope, tc.op, nil)
			if ex.Allowed != tc.allowed {
				t.Errorf("Explain disagrees: %s", ex)
			}
			if tc.allowed && (len(ex.Path) == 0 || ex.Path[len(ex.Path)-1].Name != tc.opName) {
				t.Errorf("Explain path does not end at %q: %s", tc.opName, ex)
			}
		})
	}
	w := strings.Join(c.Warnings(), "\n")
	if !strings.Contains(w, `"Polish Widget"`) || !strings.Contains(w, "OperationID 11; the catalog's is 1") {
		t.Errorf("warnings: %s", w)
	}
	who, err := c.WhoCan("Blue", 1)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range who {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, ","); got != `CORP\admins,CORP\viewers` {
		t.Errorf("WhoCan(Blue, List Widgets) = %s", got)
	}
	if _, err := c.WhoCan("", operations.StartVM); !errors.Is(err, ErrUnknownOperation) {
		t.Errorf("WhoCan of a Hyper-V ID: %v", err)
	}
	// The same store over the Hyper-V catalog: only the Hyper-V name counts.
	h := compileApp(t, p, "Widgets", Options{})
	if r, _ := check1(t, h, admin, "", operations.ReadServiceConfiguration, nil); !r.Allowed {
		t.Errorf("Hyper-V catalog: %+v", r)
	}
	if r, _ := check1(t, h, admin, "", 2, nil); r.Allowed || r.Operation.Name != "Reconfigure Service" {
		t.Errorf("Hyper-V catalog, ID 2: %+v", r)
	}
}

func TestCompile_BadCatalog(t *testing.T) {
	tooMany := make([]operations.Operation, MaxOperations+1)
	for i := range tooMany {
		tooMany[i] = operations.Operation{ID: operations.ID(i + 1), Name: fmt.Sprintf("Op %d", i)}
	}
	tests := []struct {
		name string
		ops  []operations.Operation
		want string
	}{
		{"too many", tooMany, "65 operations, at most 64"},
		{"repeated ID", []operations.Operation{{ID: 1, Name: "A"}, {ID: 1, Name: "B"}}, `"B": ID 1 is also used by "A"`},
		{"repeated name, other case", []operations.Operation{{ID: 1, Name: "List Widgets"}, {ID: 2, Name: " list widgets"}}, `name " list widgets" is also used by ID 1`},
		{"empty name", []operations.Operation{{ID: 1, Name: "A"}, {ID: 2, Name: "  "}}, "operation 2 (ID 2) has no name"},
		{"zero ID", []operations.Operation{{ID: 0, Name: "A"}}, `"A": ID 0 is not positive`},
		{"negative ID", []operations.Operation{{ID: -3, Name: "A"}}, `"A": ID -3 is not positive`},
	}
	p := widgetPolicy(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checks := map[string]error{"ValidateOperations": ValidateOperations(tc.ops)}
			_, checks["Compile"] = Compile(p, "", Options{Operations: tc.ops})
			for fn, err := range checks {
				if !errors.Is(err, ErrBadCatalog) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: err = %v, want ErrBadCatalog containing %q", fn, err, tc.want)
				}
			}
		})
	}
	if err := ValidateOperations(tooMany[:MaxOperations]); err != nil {
		t.Errorf("%d operations refused: %v", MaxOperations, err)
	}
	if err := ValidateOperations(operations.All()); err != nil {
		t.Errorf("the Hyper-V catalog refused: %v", err)
	}
}
