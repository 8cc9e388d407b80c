package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/internal/vbscript"
	"github.com/azgate/azgate/policy"
)

// store convert-rules: JScript translations of VBScript business rules.

// vbRule is a VBScript business rule of the store: where it is and the
// rule itself, which convert-rules may replace.
type vbRule struct {
	where string // `application "Expense" / task "Approve"`
	rule  *policy.BizRule
}

// vbRules lists the VBScript rules of p, in store order: tasks and role
// definitions, then business-rule application groups, level by level.
func vbRules(p *policy.Policy) []vbRule {
	var out []vbRule
	isVB := func(b *policy.BizRule) bool {
		return b.Language == policy.LangVBScript && strings.TrimSpace(b.Script) != ""
	}
	groups := func(where string, gs []*policy.Group) {
		for _, g := range gs {
			if isVB(&g.BizRule) {
				out = append(out, vbRule{fmt.Sprintf("%s / application group %q", where, g.Name), &g.BizRule})
			}
		}
	}
	objects := func(where string, o *policy.Objects) {
		for _, t := range o.Tasks {
			if isVB(&t.BizRule) {
				kind := "task"
				if t.RoleDefinition {
					kind = "role definition"
				}
				out = append(out, vbRule{fmt.Sprintf("%s / %s %q", where, kind, t.Name), &t.BizRule})
			}
		}
		groups(where, o.Groups)
	}
	groups("store", p.Groups)
	for _, a := range p.Applications {
		app := fmt.Sprintf("application %q", a.Name)
		objects(app, &a.Objects)
		for _, s := range a.Scopes {
			objects(fmt.Sprintf("%s / scope %q", app, s.Name), &s.Objects)
		}
	}
	return out
}

func storeConvertRulesCmd(c *cli) *cobra.Command {
	var apply bool
	cmd := &cobra.Command{
		Use:   "convert-rules",
		Short: "Offer JScript translations of the store's VBScript business rules",
		Long: `azgate cannot run VBScript business rules: a path through a task, role
definition or application group with one denies. This command translates
the simple forms — GetParameter comparisons, If/Then/ElseIf/Else, And/Or/Not,
assignments to BusinessRuleResult and BusinessRuleString, Dim — to JScript,
and prints each VBScript rule with its translation, or why it has none
(dates, string functions, objects and loops are rewritten by hand: set the
JScript with 'azgate task set NAME --bizrule-lang JScript --bizrule ...').

Review the translations, then run again with --apply: every rule that has
one is replaced by it in one audited revision; the others are left as they
are. Exit status: 0 every VBScript rule has a translation (or there is
none); 1 some have none.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			var converted, left int
			report := func(p *policy.Policy, w io.Writer, change bool) {
				converted, left = 0, 0
				for _, r := range vbRules(p) {
					js, err := vbscript.Translate(r.rule.Script)
					fmt.Fprintf(w, "%s\n  VBScript:\n%s\n", r.where, indentLines(r.rule.Script, "    "))
					if err != nil {
						left++
						fmt.Fprintf(w, "  no translation: %v\n\n", err)
						continue
					}
					converted++
					fmt.Fprintf(w, "  JScript:\n%s\n\n", indentLines(js, "    "))
					if change {
						r.rule.Language, r.rule.Script = policy.LangJScript, js
					}
				}
			}
			if !apply {
				p, err := c.load(cmd.Context())
				if err != nil {
					return err
				}
				report(p, out, false)
				fmt.Fprintf(out, "%s translated, %s without a translation; nothing changed (review, then run again with --apply)\n",
					plural(converted, "rule"), plural(left, "rule"))
			} else {
				var buf strings.Builder
				err := c.update(cmd.Context(), func(p *policy.Policy) error {
					buf.Reset()
					report(p, &buf, true)
					if converted == 0 {
						return errNothingToConvert
					}
					return nil
				})
				fmt.Fprint(out, buf.String())
				if err != nil && !errors.Is(err, errNothingToConvert) {
					return err
				}
				fmt.Fprintf(out, "%s replaced by a JScript translation, %s left as VBScript\n", plural(converted, "rule"), plural(left, "rule"))
			}
			if left > 0 {
				return withCode(exitFalse, nil)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&apply, "apply", false, "replace every translated rule by its translation, in one audited revision")
	return cmd
}

// errNothingToConvert stops an --apply that would save no change.
var errNothingToConvert = errors.New("no VBScript rule to convert")

// indentLines prefixes every line of s with in.
func indentLines(s, in string) string {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n"), "\n")
	for i, l := range lines {
		lines[i] = in + l
	}
	return strings.Join(lines, "\n")
}
