package main

import (
	"encoding/json"
	"testing"
)

func TestWhoCan(t *testing.T) {
	store, _ := newStore(t, "book")
	for _, tc := range []struct {
		name string
		step
	}{
		{"default scope", step{args: []string{"who-can", "--op", "View Switches"},
			stdout:    []string{"S-1-5-32-544", `CONTOSO\HV-Monitors`, `CONTOSO\HV-NetAdmins`, "Hyper-V Monitor"},
			notStdout: []string{"Lab"}}},
		{"scope by ID", step{args: []string{"who-can", "--op", "307", "--scope", "lab"},
			stdout: []string{"S-1-5-32-544", `CONTOSO\Lab-VMOperators`, `CONTOSO\Lab-Staff`, "Virtual Machine Manager (scope Lab)", `CONTOSO\Contractors`}}},
		{"unknown operation", step{args: []string{"who-can", "--op", "View Swiches"}, code: 2, stderr: []string{`did you mean "View Switches"`}}},
		{"unknown scope", step{args: []string{"who-can", "--op", "View Switches", "--scope", "Nope"}, code: 2, stderr: []string{`scope "Nope"`}}},
		{"no op", step{args: []string{"who-can"}, code: 2, stderr: []string{"--op is required"}}},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, store) })
	}

	// A store where nobody holds the operation.
	empty, _ := newStore(t, "default")
	mustRun(t, "role", "delete", "Administrator", "--store", empty)
	step{args: []string{"who-can", "--op", "Reconfigure Service"},
		stdout: []string{`nobody may do "Reconfigure Service" in the default scope`}}.run(t, empty)

	var doc whoCanJSON
	if err := json.Unmarshal([]byte(mustRun(t, "who-can", "--op", "Start Virtual Machine", "--scope", "Lab", "--json", "--store", store)), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Operation != "Start Virtual Machine" || doc.ID != 307 || doc.Scope != "Lab" || len(doc.Principals) < 3 {
		t.Fatalf("who-can --json = %+v", doc)
	}
	var sawGroupMember bool
	for _, p := range doc.Principals {
		if p.Name == `CONTOSO\Lab-Staff` {
			sawGroupMember = len(p.Via) == 1 && p.Via[0] == "Lab Operators" && len(p.Caveats) > 0
		}
	}
	if !sawGroupMember {
		t.Errorf(`who-can --json lacks CONTOSO\Lab-Staff via "Lab Operators" with a caveat: %+v`, doc.Principals)
	}
}
