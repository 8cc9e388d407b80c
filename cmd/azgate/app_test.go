package main

import (
	"bytes"
	"path/filepath"
	"testing"
)

// TestApp_Script creates, renames and deletes applications and their
// operations through the CLI, in order, against one store; every change is
// audited with a new revision.
func TestApp_Script(t *testing.T) {
	log := filepath.Join(t.TempDir(), "audit.log")
	t.Setenv(auditLogEnv, log)
	store, _ := newStore(t, "default")
	steps := []step{
		{args: []string{"app", "create", "Expense Web", "--description", "Expense reports", "--version", "1.0"},
			stdout: []string{`created application "Expense Web"`}},
		{args: []string{"app", "list"}, stdout: []string{"Hyper-V services  34", "Expense Web       0"}},
		// Operations whose IDs and names overlap the Hyper-V application's.
		{args: []string{"op", "create", "Submit Expense", "--id", "1", "--app", "expense web"},
			stdout: []string{`created operation "Submit Expense" (ID 1) in application "Expense Web"`}},
		{args: []string{"op", "create", "Approve Expense", "--id", "2", "--app", "Expense Web", "--description", "approve"}},
		{args: []string{"op", "create", "Start Virtual Machine", "--id", "3", "--app", "Expense Web"}},
		{args: []string{"op", "rename", "start virtual machine", "Audit Expense", "--app", "Expense Web"},
			stdout: []string{`renamed operation "start virtual machine" to "Audit Expense" in application "Expense Web"`}},
		{args: []string{"op", "set", "approve expense", "--id", "20", "--description", "approve a report", "--app", "Expense Web"},
			stdout: []string{`updated operation "approve expense" in application "Expense Web"`}},
		{args: []string{"role-def", "create", "Approver", "--op", "Approve Expense", "--app", "Expense Web"}},
		{args: []string{"scope", "create", "East", "--app", "Expense Web"}},
		{args: []string{"role", "create", "Managers", "--scope", "East", "--app", "Expense Web", "--role-def", "Approver", "--member", `CONTOSO\ann`}},
		// Checks name this application's operations, by name or by its ID.
		{args: []string{"check", "--app", "Expense Web", "--user", `CONTOSO\ann`, "--scope", "East", "--op", "approve expense", "--op", "20"},
			stdout: []string{"Approve Expense: allowed\nApprove Expense: allowed\n"}},
		{args: []string{"check", "--app", "Expense Web", "--user", `CONTOSO\ann`, "--op", "3"}, code: exitFalse, stdout: []string{"Audit Expense: denied"}},
		{args: []string{"check", "--app", "Expense Web", "--user", `CONTOSO\ann`, "--op", "Start Virtual Machine"}, code: exitError,
			stderr: []string{`"Start Virtual Machine"`, `"Expense Web"`}},
		{args: []string{"who-can", "--app", "Expense Web", "--scope", "East", "--op", "20"}, stdout: []string{`CONTOSO\ann`}},
		{args: []string{"op", "delete", "Audit Expense", "--app", "Expense Web"}, stdout: []string{`deleted operation "Audit Expense" from application "Expense Web"`}},
		{args: []string{"app", "rename", "expense web", "Expenses"}, stdout: []string{`renamed application "Expense Web" to "Expenses"`}},
		{args: []string{"role", "show", "Managers", "--scope", "East", "--app", "Expenses"}, stdout: []string{"role definitions: Approver"}},
		{args: []string{"store", "validate"}, stdout: []string{"is valid"}},
		{args: []string{"app", "list", "--json"}, stdout: []string{`"name": "Expenses"`, `"operations": 2`, `"scopes": 1`}},
		{args: []string{"app", "delete", "Expenses"}, stdout: []string{`deleted application "Expenses"`}},
		{args: []string{"app", "list"}, notStdout: []string{"Expenses"}},
	}
	for _, s := range steps {
		s.run(t, store)
		if t.Failed() {
			t.FailNow()
		}
	}
	recs := auditRecords(t, log)
	const edits = 13 // store init and every step above that changes the store
	if len(recs) != edits {
		t.Fatalf("%d audit records, want %d: %v", len(recs), edits, recs)
	}
	last := recs[len(recs)-1]
	if last["what"] != `app delete Expenses` || last["new_revision"] != "13" {
		t.Fatalf("last record = %v", last)
	}
}

// TestApp_RefusedEditsWriteNothing: refused application and operation
// edits say why and leave the store file byte for byte as it was.
func TestApp_RefusedEditsWriteNothing(t *testing.T) {
	store, path := newStore(t, "default")
	mustRun(t, "app", "create", "Orders", "--store", store)
	mustRun(t, "op", "create", "View Order", "--id", "7", "--app", "Orders", "--store", store)
	mustRun(t, "op", "create", "Edit Order", "--id", "8", "--app", "Orders", "--store", store)
	mustRun(t, "task", "create", "Viewing", "--op", "View Order", "--app", "Orders", "--store", store)
	for _, tc := range []struct {
		name string
		step
	}{
		{"duplicate application", step{args: []string{"app", "create", "ORDERS"}, stderr: []string{`application "Orders" exists`}}},
		{"create azgate", step{args: []string{"app", "create", "azgate"}, stderr: []string{`"azgate"`, "delegation roles"}}},
		{"rename to azgate", step{args: []string{"app", "rename", "Orders", "AzGate"}, stderr: []string{"delegation roles"}}},
		{"rename to a taken name", step{args: []string{"app", "rename", "Orders", "hyper-v services"}, stderr: []string{`"Hyper-V services" exists`}}},
		{"rename missing application", step{args: []string{"app", "rename", "Nope", "X"}, stderr: []string{`application "Nope"`, "not found"}}},
		{"delete missing application", step{args: []string{"app", "delete", "Nope"}, stderr: []string{`application "Nope"`}}},
		{"operation without an ID", step{args: []string{"op", "create", "X", "--app", "Orders"}, code: 2, stderr: []string{"--id is required"}}},
		{"duplicate operation name", step{args: []string{"op", "create", "view order", "--id", "9", "--app", "Orders"}, stderr: []string{`operation "View Order" exists`}}},
		{"duplicate operation ID", step{args: []string{"op", "create", "Change Order", "--id", "7", "--app", "Orders"},
			stderr: []string{`OperationID 7 is taken by operation "View Order"`}}},
		{"negative operation ID", step{args: []string{"op", "create", "Change Order", "--id", "-1", "--app", "Orders"}, stderr: []string{"OperationID", "not positive"}}},
		{"rename to a taken operation name", step{args: []string{"op", "rename", "Edit Order", "view ORDER", "--app", "Orders"},
			stderr: []string{`operation "View Order" exists`}}},
		{"set a taken ID", step{args: []string{"op", "set", "Edit Order", "--id", "7", "--app", "Orders"}, stderr: []string{`OperationID 7 is taken by operation "View Order"`}}},
		{"set nothing", step{args: []string{"op", "set", "Edit Order", "--app", "Orders"}, code: 2, stderr: []string{"nothing to set"}}},
		{"delete an operation in use", step{args: []string{"op", "delete", "View Order", "--app", "Orders"},
			stderr: []string{`operation "View Order" is used by task "Viewing"`}}},
		{"delete a missing operation", step{args: []string{"op", "delete", "Nope", "--app", "Orders"}, stderr: []string{`application "Orders"`, `operation "Nope"`}}},
		{"operation of a missing application", step{args: []string{"op", "create", "X", "--id", "1", "--app", "Nope"}, stderr: []string{`application "Nope"`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := readFile(t, path)
			if tc.code == 0 {
				tc.code = exitError
			}
			tc.run(t, store)
			if after := readFile(t, path); !bytes.Equal(before, after) {
				t.Errorf("refused edit changed the store file")
			}
		})
	}
}
