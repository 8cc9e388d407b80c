package main

import (
	"bytes"
	"path/filepath"
	"testing"
)

// TestConvertRules: a VBScript rule denies and says so by name (check,
// validate); convert-rules prints a translation and changes nothing;
// --apply replaces the rules it can translate in one audited revision,
// after which the rule decides as written.
func TestConvertRules(t *testing.T) {
	log := filepath.Join(t.TempDir(), "audit.log")
	t.Setenv(auditLogEnv, log)
	store, path := newStore(t, "default")
	vb := `If AccessCheck.GetParameter("amount") < 500 Then
  AccessCheck.BusinessRuleResult = True
Else
  AccessCheck.BusinessRuleResult = False
  AccessCheck.BusinessRuleString = "over 500"
End If`
	mustRun(t, "role-def", "create", "Starter", "--op", "Start Virtual Machine", "--bizrule-lang", "VBScript", "--bizrule", vb, "--store", store)
	mustRun(t, "task", "create", "Weekdays", "--op", "Stop Virtual Machine", "--bizrule-lang", "VBScript",
		"--bizrule", "AccessCheck.BusinessRuleResult = Weekday(Date) > 1", "--store", store)
	mustRun(t, "role", "create", "Bob", "--role-def", "Starter", "--member", "bob", "--store", store)
	steps := []step{
		{args: []string{"check", "--user", "bob", "--op", "Start Virtual Machine", "--param", "amount=100", "--explain"}, code: exitFalse,
			stdout: []string{"denied", `role definition "Starter"`, "VBScript", "convert-rules"}},
		{args: []string{"store", "validate"}, stdout: []string{`role definition "Starter": business rule is VBScript`, "convert-rules", "is valid"}},
		{args: []string{"store", "convert-rules"}, code: exitFalse, stdout: []string{
			`application "Hyper-V services" / role definition "Starter"`,
			`    if (AccessCheck.GetParameter("amount") < 500) {`,
			`      AccessCheck.BusinessRuleString = "over 500";`,
			`application "Hyper-V services" / task "Weekdays"`, "no translation: line 1: uses Weekday",
			"1 rule translated, 1 rule without a translation; nothing changed"}},
	}
	for _, s := range steps {
		s.run(t, store)
	}
	before := readFile(t, path)
	if recs := auditRecords(t, log); len(recs) != 4 {
		t.Fatalf("%d audit records before --apply, want 4", len(recs))
	}
	steps = []step{
		{args: []string{"store", "convert-rules", "--apply"}, code: exitFalse,
			stdout: []string{"1 rule replaced by a JScript translation, 1 rule left as VBScript"}},
		{args: []string{"role-def", "show", "Starter"}, stdout: []string{"bizrule (JScript)"}},
		{args: []string{"check", "--user", "bob", "--op", "Start Virtual Machine", "--param", "amount=100"}, stdout: []string{"allowed"}},
		{args: []string{"check", "--user", "bob", "--op", "Start Virtual Machine", "--param", "amount=900", "--explain"}, code: exitFalse,
			stdout: []string{"denied", "over 500"}},
		{args: []string{"store", "convert-rules", "--apply"}, code: exitFalse,
			stdout: []string{"0 rules replaced by a JScript translation, 1 rule left as VBScript"}},
	}
	for _, s := range steps {
		s.run(t, store)
	}
	if bytes.Equal(before, readFile(t, path)) {
		t.Fatal("--apply changed nothing")
	}
	recs := auditRecords(t, log)
	if len(recs) != 5 || recs[4]["what"] != "store convert-rules --apply=true" {
		t.Fatalf("audit records after --apply: %v", recs)
	}
}
