package console

import (
	"slices"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/policy"
)

// The object form's parts, built by template functions.

type formField struct {
	Name, Label, Value, Err string
}

type formChecks struct {
	Name, Label, Err string
	Choices          []string
	Selected         []string
	Missing          []string // selected, but not a choice
}

type formRule struct {
	Script, Language, Err string
	Languages             []string
}

func fieldOf(d *objectData, name, label, value string) formField {
	return formField{Name: name, Label: label, Value: value, Err: d.Errors[name]}
}

func checksOf(d *objectData, name, label string, choices, selected []string) formChecks {
	c := formChecks{Name: name, Label: label, Err: d.Errors[name], Choices: choices}
	for _, s := range selected {
		i := slices.IndexFunc(choices, func(ch string) bool { return names.Equal(ch, s) })
		if i < 0 {
			c.Missing = append(c.Missing, s)
		} else {
			c.Selected = append(c.Selected, choices[i])
		}
	}
	return c
}

func ruleOf(d *objectData, b *api.BizRule) formRule {
	r := formRule{Err: d.Errors["bizRule"], Languages: []string{policy.LangExpr, policy.LangJScript, policy.LangVBScript}}
	if b != nil {
		r.Script, r.Language = b.Script, b.Language
	}
	return r
}

func concat(a, b []string) []string { return append(slices.Clone(a), b...) }
