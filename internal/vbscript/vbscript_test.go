package vbscript

import (
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// run runs a translated rule as azgate does, with AccessCheck (and its
// alias) over params, and returns BusinessRuleResult and
// BusinessRuleString.
func run(t *testing.T, js string, params map[string]any) (any, any) {
	t.Helper()
	vm := goja.New()
	ac := vm.NewObject()
	if err := ac.Set("GetParameter", func(name string) any { return params[name] }); err != nil {
		t.Fatal(err)
	}
	vm.Set("AccessCheck", ac)
	vm.Set("AzBizRuleContext", ac)
	if _, err := vm.RunString(js); err != nil {
		t.Fatalf("translation does not run: %v\n%s", err, js)
	}
	export := func(v goja.Value) any {
		if v == nil {
			return nil
		}
		return v.Export()
	}
	return export(ac.Get("BusinessRuleResult")), export(ac.Get("BusinessRuleString"))
}

func TestTranslate_Decides(t *testing.T) {
	type want struct {
		params map[string]any
		result any
		note   any
	}
	tests := []struct {
		name  string
		vbs   string
		cases []want
	}{
		{"amount limit, the AzMan sample's shape",
			`AccessCheck.BusinessRuleResult = (AccessCheck.GetParameter("ExpAmount") < 500)`,
			[]want{{map[string]any{"ExpAmount": 100}, true, nil}, {map[string]any{"ExpAmount": 900}, false, nil}}},
		{"If/Then/Else with And and Or, BusinessRuleString",
			`Dim amount
amount = AccessCheck.GetParameter("Amount")
If amount < 500 And (AccessCheck.GetParameter("Dept") = "Sales" Or AccessCheck.GetParameter("Dept") = "HR") Then
  AccessCheck.BusinessRuleResult = True
Else
  AccessCheck.BusinessRuleResult = False
  AccessCheck.BusinessRuleString = "over " & 500 & " or not Sales/HR"
End If`,
			[]want{{map[string]any{"Amount": 100, "Dept": "HR"}, true, nil},
				{map[string]any{"Amount": 100, "Dept": "IT"}, false, "over 500 or not Sales/HR"},
				{map[string]any{"Amount": 600, "Dept": "Sales"}, false, "over 500 or not Sales/HR"}}},
		{"ElseIf, case-insensitive names, comments, continuations, ':'",
			`' the spec's object name, any case
dim Level : level = CInt(azbizrulecontext.getparameter("Level")) ' as a number
IF LEVEL >= 3 THEN
  AzBizRuleContext.BusinessRuleResult = true
ElseIf level = 2 _
    And AzBizRuleContext.GetParameter("Manager") <> "" Then
  Rem second level needs a manager
  AzBizRuleContext.BusinessRuleResult = TRUE
else
  AzBizRuleContext.BusinessRuleResult = False
end if`,
			[]want{{map[string]any{"Level": "3"}, true, nil}, {map[string]any{"Level": "2", "Manager": "ann"}, true, nil},
				{map[string]any{"Level": "2", "Manager": ""}, false, nil}, {map[string]any{"Level": "1"}, false, nil}}},
		{"one-line If with Else",
			`If AccessCheck.GetParameter("Role") = "admin" Then AccessCheck.BusinessRuleResult = True Else AccessCheck.BusinessRuleResult = False`,
			[]want{{map[string]any{"Role": "admin"}, true, nil}, {map[string]any{"Role": "user"}, false, nil}}},
		{"Not binds looser than a comparison",
			`AccessCheck.BusinessRuleResult = Not AccessCheck.GetParameter("Dept") = "Sales" And Not AccessCheck.GetParameter("Blocked")`,
			[]want{{map[string]any{"Dept": "Sales", "Blocked": false}, false, nil}, {map[string]any{"Dept": "HR", "Blocked": false}, true, nil},
				{map[string]any{"Dept": "HR", "Blocked": true}, false, nil}}},
		{"& joins numbers as text; - and Mod",
			`AccessCheck.BusinessRuleString = 1 & 2 : AccessCheck.BusinessRuleResult = (-AccessCheck.GetParameter("n") Mod 2 = 0)`,
			[]want{{map[string]any{"n": 4}, true, "12"}, {map[string]any{"n": 3}, false, "12"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			js, err := Translate(tc.vbs)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.cases {
				res, note := run(t, js, c.params)
				if res != c.result || note != c.note {
					t.Errorf("%v: result %v, string %v; want %v, %v\n%s", c.params, res, note, c.result, c.note, js)
				}
			}
		})
	}
}

func TestTranslate_Refuses(t *testing.T) {
	for _, tc := range []struct{ name, vbs, says string }{
		{"dates", "If Weekday(Date) > 1 Then\nAccessCheck.BusinessRuleResult = True\nEnd If", "line 1: uses Weekday"},
		{"objects", `Set sh = CreateObject("WScript.Shell")`, "Set (an object)"},
		{"loops", "For i = 1 To 10\nNext", "line 1: cannot translate"},
		{"string functions", `AccessCheck.BusinessRuleResult = UCase(AccessCheck.GetParameter("x")) = "A"`, "uses UCase"},
		{"an If not closed", "If True Then\nAccessCheck.BusinessRuleResult = True", "not closed"},
		{"an End If too many", "AccessCheck.BusinessRuleResult = True\nEnd If", "line 2"},
		{"unbalanced parentheses", `AccessCheck.BusinessRuleResult = (1 < 2`, "unbalanced"},
		{"an unterminated string", `AccessCheck.BusinessRuleString = "abc`, "unterminated"},
		{"assigning GetParameter", `AccessCheck.GetParameter = 1`, "cannot assign"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js, err := Translate(tc.vbs)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("Translate = %q, %v; want an error saying %q", js, err, tc.says)
			}
		})
	}
}
