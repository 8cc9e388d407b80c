package xmlstore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/policy"
)

// lineDiff returns the lines of a missing from b and the lines of b new
// to a, by a longest common subsequence.
func lineDiff(a, b []string) (removed, added []string) {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			removed = append(removed, a[i])
			i++
		default:
			added = append(added, b[j])
			j++
		}
	}
	return append(removed, a[i:]...), append(added, b[j:]...)
}

// TestSave_KeepsWhatItDidNotChange loads stores shaped like Microsoft's
// (the MS-AZMP specification's example; an SDK sample written with tabs,
// without a store Guid, with objects lacking a Description), makes one
// edit, saves, and diffs the files: only the edit and the root element's
// revision show.
func TestSave_KeepsWhatItDidNotChange(t *testing.T) {
	expense := policy.Location{App: "Expense"}
	tests := []struct {
		name, fixture string
		edit          func(*policy.Policy) error
		removed       []string // the lines the edit removes, as substrings
		added         []string // the lines it adds, as substrings
	}{
		{name: "add a member", fixture: "expense.xml",
			edit: func(p *policy.Policy) error {
				return p.Link(expense, policy.KindRole, "Approver", policy.RelMember, `CONTOSO\carol`)
			},
			added: []string{"\t\t\t<Member>CONTOSO\\carol</Member>"}},
		{name: "limit a member in time (azgate extension)", fixture: "expense.xml",
			edit: func(p *policy.Policy) error {
				return p.SetTerm(expense, policy.KindRole, "Submitter", policy.RelMember, "S-1-1-0",
					policy.Term{Expires: time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)})
			},
			removed: []string{"\t\t\t<Member>S-1-1-0</Member>"},
			added:   []string{"\t\t\t<Member azgate:Expires=\"2026-12-02T15:00:00Z\">S-1-1-0</Member>"}},
		{name: "limit a member group and a group member in time", fixture: "expense.xml",
			edit: func(p *policy.Policy) error {
				start := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
				if err := p.SetTerm(expense, policy.KindRole, "Approver", policy.RelGroup, "Managers",
					policy.Term{Start: start, Expires: start.Add(8 * time.Hour)}); err != nil {
					return err
				}
				return p.SetTerm(expense, policy.KindGroup, "Managers", policy.RelMember, "S-1-5-21-1004336348-1177238915-682003330-1105",
					policy.Term{Start: start})
			},
			removed: []string{"\t\t\t<Member>S-1-5-21-1004336348-1177238915-682003330-1105</Member>",
				"\t\t\t<AppMemberLink>5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c</AppMemberLink>"},
			added: []string{"\t\t\t<Member azgate:Start=\"2026-12-02T15:00:00Z\">S-1-5-21-1004336348-1177238915-682003330-1105</Member>",
				"\t\t\t<AppMemberLink azgate:Start=\"2026-12-02T15:00:00Z\" azgate:Expires=\"2026-12-02T23:00:00Z\">5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c</AppMemberLink>"}},
		{name: "rename a task", fixture: "expense.xml",
			edit: func(p *policy.Policy) error {
				a, _ := p.Application("Expense")
				t, err := a.Task("Submit Expense")
				if err != nil {
					return err
				}
				t.Name = "File Expense"
				return nil
			},
			removed: []string{"\t\t<AzTask Guid=\"0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d\" Name=\"Submit Expense\" Description=\"\">"},
			added:   []string{"\t\t<AzTask Guid=\"0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d\" Name=\"File Expense\" Description=\"\">"}},
		{name: "describe an object that had no Description", fixture: "expense.xml",
			edit: func(p *policy.Policy) error {
				a, _ := p.Application("Expense")
				r, err := a.Role("Submitter")
				if err != nil {
					return err
				}
				r.Description = "everyone submits"
				return nil
			},
			removed: []string{"\t\t<AzRole Guid=\"6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d\" Name=\"Submitter\">"},
			added:   []string{"\t\t<AzRole Guid=\"6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d\" Name=\"Submitter\" Description=\"everyone submits\">"}},
		{name: "create an operation", fixture: "expense.xml",
			edit: func(p *policy.Policy) error {
				return p.CreateOperation("Expense", &policy.Operation{Name: "Reject", OperationID: 4})
			},
			added: []string{"\" Name=\"Reject\" Description=\"\">", "\t\t\t<OperationID>4</OperationID>", "\t\t</AzOperation>"}},
		{name: "delete a task", fixture: "expense.xml",
			edit: func(p *policy.Policy) error { return p.Delete(expense, policy.KindTask, "Weekday Approve") },
			removed: []string{"\t\t<AzTask Guid=\"4e5f6a7b", "\t\t\t<BizRuleLanguage>VBScript", "\t\t\t<BizRule>If Weekday", "  AccessCheck.BusinessRuleResult = True",
				"Else", "  AccessCheck.BusinessRuleResult = False", "End If</BizRule>", "\t\t\t<OperationLink>e2f3a4b5", "\t\t</AzTask>"}},
		{name: "change a business rule", fixture: "expense.xml",
			edit: func(p *policy.Policy) error {
				a, _ := p.Application("Expense")
				t, err := a.Task("Approve Expense")
				if err != nil {
					return err
				}
				t.BizRule.Script = `AccessCheck.BusinessRuleResult = AccessCheck.GetParameter("ExpAmount") < 1000;`
				return nil
			},
			removed: []string{"\t\t\t<BizRule>var amount", "AccessCheck.BusinessRuleResult = amount &lt; 500;", "if (!AccessCheck"},
			added:   []string{"\t\t\t<BizRule>AccessCheck.BusinessRuleResult = AccessCheck.GetParameter(\"ExpAmount\") &lt; 1000;</BizRule>"}},
		{name: "delete a scope's role assignment", fixture: "expense.xml",
			edit: func(p *policy.Policy) error {
				return p.Delete(policy.Location{App: "Expense", Scope: "Sales"}, policy.KindRole, "Sales Approver")
			},
			removed: []string{"\t\t\t<AzRole Guid=\"9d0e1f2a", "\t\t\t\t<TaskLink>3d4e5f6a", "\t\t\t\t<Member>S-1-5-21-1004336348-1177238915-682003330-1107", "\t\t\t</AzRole>"}},
		{name: "spec: add a member to a group with an empty BizRuleLanguage", fixture: "spec.xml",
			edit: func(p *policy.Policy) error {
				return p.Link(policy.Location{App: "Application#1"}, policy.KindGroup, "App Group #1 - Basic", policy.RelMember, "S-1-5-21-1-2-3-4")
			},
			added: []string{"      <Member>S-1-5-21-1-2-3-4</Member>"}},
		{name: "spec: describe an operation", fixture: "spec.xml",
			edit: func(p *policy.Policy) error {
				a, _ := p.Application("Application#1")
				o, err := a.Operation("Operation #2")
				if err != nil {
					return err
				}
				o.Description = "the second"
				return nil
			},
			removed: []string{`    <AzOperation Guid="943864c8-869f-4ef4-9c84-e51fc380bb99" Name="Operation #2" Description="Desc - Operation #2">`},
			added:   []string{`    <AzOperation Guid="943864c8-869f-4ef4-9c84-e51fc380bb99" Name="Operation #2" Description="the second">`}},
		{name: "spec: rename the application", fixture: "spec.xml",
			edit:    func(p *policy.Policy) error { return p.RenameApplication("Application#1", "Orders") },
			removed: []string{`  <AzApplication Guid="f6ae8a28-57c3-4db8-9b7f-848aec862518" Name="Application#1" Description="Application#1-Desc" ApplicationVersion="Application#1-Version" ApplicationData="app-data">`},
			added:   []string{`  <AzApplication Guid="f6ae8a28-57c3-4db8-9b7f-848aec862518" Name="Orders" Description="Application#1-Desc" ApplicationVersion="Application#1-Version" ApplicationData="app-data">`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, err := os.ReadFile(filepath.Join("testdata", tc.fixture))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), tc.fixture)
			if err := os.WriteFile(path, before, 0o644); err != nil {
				t.Fatal(err)
			}
			s := openStore(t, path)
			ctx := context.Background()
			p, rev, err := s.Load(ctx)
			if err != nil {
				t.Fatal(err)
			}
			q, err := p.Edit(tc.edit)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Save(ctx, q, rev); err != nil {
				t.Fatal(err)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			a, b := strings.Split(string(before), "\n"), strings.Split(string(after), "\n")
			removed, added := lineDiff(a[2:], b[2:]) // the root element's line carries the revision
			if a[0] != b[0] || a[1] == b[1] || !strings.Contains(b[1], `azgate:Revision="2"`) {
				t.Errorf("first lines:\n%s\n%s\nbecame\n%s\n%s", a[0], a[1], b[0], b[1])
			}
			if strings.Contains(a[1], "Guid=") != strings.Contains(b[1], "Guid=") {
				t.Errorf("the store's Guid came or went: %s", b[1])
			}
			check := func(what string, got, want []string) {
				t.Helper()
				ok := len(got) == len(want)
				for i := 0; ok && i < len(want); i++ {
					ok = strings.Contains(got[i], want[i])
				}
				if !ok {
					t.Errorf("%s lines:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			}
			check("removed", removed, tc.removed)
			check("added", added, tc.added)
			// The file means the edited policy, and a second save of it
			// changes only the revision.
			o := openStore(t, path)
			back, rev2, err := o.Load(ctx)
			if err != nil || rev2 != rev+1 {
				t.Fatalf("reload: revision %d, %v", rev2, err)
			}
			if _, err := o.Save(ctx, back, rev2); err != nil {
				t.Fatal(err)
			}
			again, _ := os.ReadFile(path)
			c := strings.Split(string(again), "\n")
			if r, ad := lineDiff(b[2:], c[2:]); len(r)+len(ad) > 0 {
				t.Errorf("saving again changed:\n-%s\n+%s", strings.Join(r, "\n-"), strings.Join(ad, "\n+"))
			}
		})
	}
}
