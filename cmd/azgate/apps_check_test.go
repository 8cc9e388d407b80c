package main

import "testing"

// twoApps makes a store with the default Hyper-V application and two more
// whose operations overlap it and each other: "Expenses" gives ID 307
// (Hyper-V's Start Virtual Machine) to "Approve Expense" and has its own
// "View Switches" with ID 61; "Payroll" gives 61 to "Run Payroll" and 307
// to "View Switches". bob holds Approve Expense in Expenses and Run
// Payroll in Payroll; nobody holds anything by name across applications.
func twoApps(t *testing.T) string {
	t.Helper()
	store, _ := newStore(t, "default")
	for _, args := range [][]string{
		{"app", "create", "Expenses"},
		{"op", "create", "Approve Expense", "--id", "307", "--app", "Expenses"},
		{"op", "create", "View Switches", "--id", "61", "--app", "Expenses"},
		{"role-def", "create", "Approver", "--op", "Approve Expense", "--app", "Expenses"},
		{"role", "create", "Approvers", "--role-def", "Approver", "--member", "bob", "--app", "Expenses"},
		{"app", "create", "Payroll"},
		{"op", "create", "Run Payroll", "--id", "61", "--app", "Payroll"},
		{"op", "create", "View Switches", "--id", "307", "--app", "Payroll"},
		{"role-def", "create", "Clerk", "--op", "61", "--app", "Payroll"},
		{"role", "create", "Clerks", "--role-def", "Clerk", "--member", "bob", "--app", "Payroll"},
	} {
		mustRun(t, append(args, "--store", store)...)
	}
	return store
}

func TestCheck_MultiApplication(t *testing.T) {
	store := twoApps(t)
	for _, tc := range []struct {
		name string
		step
	}{
		{"by name in Expenses", step{args: []string{"check", "--app", "Expenses", "--user", "bob", "--op", "approve expense"},
			stdout: []string{"Approve Expense: allowed"}}},
		{"by Expenses' ID", step{args: []string{"check", "--app", "expenses", "--user", "bob", "--op", "307"},
			stdout: []string{"Approve Expense: allowed"}}},
		{"the same ID in Payroll is another operation", step{args: []string{"check", "--app", "Payroll", "--user", "bob", "--op", "307"},
			code: 1, stdout: []string{"View Switches: denied"}}},
		{"61 in Payroll", step{args: []string{"check", "--app", "Payroll", "--user", "bob", "--op", "61", "--json"},
			stdout: []string{`"operation": "Run Payroll"`, `"id": 61`, `"application": "Payroll"`, `"allowed": true`}}},
		{"a name of another application", step{args: []string{"check", "--app", "Payroll", "--user", "bob", "--op", "Approve Expense"},
			code: 2, stderr: []string{`unknown operation "Approve Expense" in application "Payroll"`}}},
		{"an ID of another application", step{args: []string{"check", "--app", "Expenses", "--user", "bob", "--op", "62"},
			code: 2, stderr: []string{`unknown operation ID 62 in application "Expenses"`}}},
		{"close matches of that application", step{args: []string{"check", "--app", "Payroll", "--user", "bob", "--op", "Run Payrol"},
			code: 2, stderr: []string{`did you mean "Run Payroll"`}}},
		{"no --app: the engine's application, not azgate's", step{args: []string{"check", "--user", "bob", "--op", "307"},
			code: 1, stdout: []string{"Start Virtual Machine: denied"}}},
		{"unknown application lists them", step{args: []string{"check", "--app", "Nope", "--user", "bob", "--op", "1"},
			code: 2, stderr: []string{`"Expenses"`, `"Payroll"`, `"Hyper-V services"`}}},
		{"who-can by ID", step{args: []string{"who-can", "--app", "Payroll", "--op", "61"},
			stdout: []string{"bob", "Clerks", "Clerk"}}},
		{"who-can the same ID elsewhere", step{args: []string{"who-can", "--app", "Expenses", "--op", "61"},
			stdout: []string{`nobody may do "View Switches"`}}},
		{"op list of an application", step{args: []string{"op", "list", "--app", "Payroll"},
			stdout: []string{"61", "Run Payroll", "307", "View Switches"}, notStdout: []string{"Start Virtual Machine"}}},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, store) })
	}
}

// With only the delegation application besides one other, that one is the
// default; with none besides it, there is no default and the error lists
// the applications.
func TestCheck_DefaultApplication(t *testing.T) {
	store, _ := newStore(t, "default")
	mustRun(t, "app", "rename", "Hyper-V services", "Expenses", "--store", store)
	step{args: []string{"check", "--user", "S-1-5-32-544", "--op", "307"}, stdout: []string{"Start Virtual Machine: allowed"}}.run(t, store)
	mustRun(t, "app", "create", "Payroll", "--store", store)
	step{args: []string{"check", "--user", "S-1-5-32-544", "--op", "307"}, code: 2,
		stderr: []string{"none is the default; choose one with --app", `"Expenses"`, `"Payroll"`}}.run(t, store)
}
