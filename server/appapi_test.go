package server

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/azgate/azgate/api"
)

// TestServer_ApplicationsAndOperations creates, renames and deletes an
// application and its operations through the admin API, in order; refused
// edits answer 4xx naming why and change nothing; every change is audited.
func TestServer_ApplicationsAndOperations(t *testing.T) {
	ts := startServer(t, nil)
	etag := ts.do(admin, http.MethodGet, "/v1/policy", nil).header.Get("ETag")
	const apps = "/v1/policy/applications"
	steps := []struct {
		method, path string
		body         any
		status       int
		says         string // the response body holds this
	}{
		{http.MethodPost, apps, api.AppInfo{Name: "Expense Web", Description: "expenses"}, http.StatusCreated, `"name":"Expense Web"`},
		{http.MethodPost, apps, api.AppInfo{Name: "expense WEB"}, http.StatusConflict, `application \"Expense Web\" exists`},
		{http.MethodPost, apps, api.AppInfo{Name: "AZGATE"}, http.StatusConflict, `exists`},
		{http.MethodGet, apps, nil, http.StatusOK, `{"name":"Expense Web","description":"expenses"}]`},
		{http.MethodPost, apps + "/Expense%20Web/operations", api.Operation{Name: "Submit", ID: 1}, http.StatusCreated, `"id":1`},
		{http.MethodPost, apps + "/Expense%20Web/operations", api.Operation{Name: "Approve", ID: 2}, http.StatusCreated, `"name":"Approve"`},
		// The Hyper-V application's names and IDs are free in another.
		{http.MethodPost, apps + "/Expense%20Web/operations", api.Operation{Name: "Start Virtual Machine", ID: 300}, http.StatusCreated, `"id":300`},
		{http.MethodPost, apps + "/Expense%20Web/operations", api.Operation{Name: "submit", ID: 9}, http.StatusConflict, `operation \"Submit\" exists`},
		{http.MethodPost, apps + "/Expense%20Web/operations", api.Operation{Name: "Cancel", ID: 2}, http.StatusConflict, `OperationID 2 is taken by operation \"Approve\"`},
		{http.MethodPost, apps + "/Expense%20Web/operations", api.Operation{Name: "Cancel"}, http.StatusBadRequest, `OperationID`},
		{http.MethodPut, apps + "/Expense%20Web/operations/start%20virtual%20machine", api.Operation{Name: "Audit", ID: 3, Description: "audit"},
			http.StatusOK, `{"name":"Audit","id":3,"description":"audit"}`},
		{http.MethodPut, apps + "/Expense%20Web/operations/Audit", api.Operation{Name: "Audit", ID: 1}, http.StatusConflict, `OperationID 1 is taken`},
		{http.MethodGet, apps + "/Expense%20Web/operations", nil, http.StatusOK, `{"name":"Audit","id":3,"description":"audit"}`},
		{http.MethodPost, "/v1/policy/tasks?app=Expense%20Web", api.Task{Name: "Approving", Operations: []string{"Approve"}}, http.StatusCreated, ""},
		{http.MethodDelete, apps + "/Expense%20Web/operations/approve", nil, http.StatusConflict, `operation \"Approve\" is used by task \"Approving\"`},
		{http.MethodDelete, apps + "/Expense%20Web/operations/Audit", nil, http.StatusNoContent, ""},
		{http.MethodGet, apps + "/Expense%20Web/operations/Audit", nil, http.StatusNotFound, `operation \"Audit\"`},
		// The engine's application and its operations stay while serving.
		{http.MethodDelete, apps + "/Hyper-V%20services", nil, http.StatusConflict, "gates its engine"},
		{http.MethodPut, apps + "/Hyper-V%20services", api.AppInfo{Name: "Hyper-V"}, http.StatusConflict, "gates its engine"},
		{http.MethodPut, apps + "/Hyper-V%20services", api.AppInfo{Name: "Hyper-V services", Description: "the engine"}, http.StatusOK, `"description":"the engine"`},
		{http.MethodDelete, apps + "/Hyper-V%20services/operations/View%20Switches", nil, http.StatusConflict, "engine needs it"},
		{http.MethodPut, apps + "/Hyper-V%20services/operations/View%20Switches", api.Operation{Name: "Look"}, http.StatusConflict, "engine needs it"},
		{http.MethodPost, apps + "/Hyper-V%20services/operations", api.Operation{Name: "Extra", ID: 9000}, http.StatusCreated, ""},
		{http.MethodDelete, apps + "/azgate", nil, http.StatusBadRequest, "delegation roles"},
		{http.MethodPut, apps + "/azgate", api.AppInfo{Name: "delegation"}, http.StatusBadRequest, "delegation roles"},
		{http.MethodPut, apps + "/Expense%20Web", api.AppInfo{Name: "Expenses"}, http.StatusOK, `"name":"Expenses"`},
		{http.MethodGet, "/v1/policy/tasks/Approving?app=expenses", nil, http.StatusOK, `"operations":["Approve"]`},
		{http.MethodDelete, apps + "/Expenses", nil, http.StatusNoContent, ""},
		{http.MethodGet, apps + "/Expenses", nil, http.StatusNotFound, `application \"Expenses\"`},
	}
	for i, s := range steps {
		var r response
		if s.method == http.MethodGet {
			r = ts.do(admin, s.method, s.path, nil)
		} else {
			r = ts.do(admin, s.method, s.path, s.body, "If-Match", etag)
		}
		if r.status != s.status || !strings.Contains(string(r.body), s.says) {
			t.Fatalf("step %d: %s %s: status %d, body %s; want %d saying %s", i, s.method, s.path, r.status, r.body, s.status, s.says)
		}
		if e := r.header.Get("ETag"); e != "" {
			etag = e
		}
	}
	audit := filepath.Join(ts.cfg.DataDir, AuditFile)
	for _, what := range []string{`create application \"Expense Web\"`, `update operation \"start virtual machine\" of application \"Expense Web\"`,
		`delete operation \"Audit\" of application \"Expense Web\"`, `delete application \"Expenses\"`} {
		if !fileContains(t, audit, what) {
			t.Errorf("audit log lacks %s", what)
		}
	}
}
