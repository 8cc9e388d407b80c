package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/azgate/azgate/policy"
)

// Views are what show, list and store show print: policy objects with their
// links resolved to names. The same structs are the --json output.

type bizRuleView struct {
	Language     string `json:"language,omitempty"`
	Script       string `json:"script,omitempty"`
	ImportedPath string `json:"importedPath,omitempty"`
}

type taskView struct {
	Name           string       `json:"name"`
	Description    string       `json:"description,omitempty"`
	RoleDefinition bool         `json:"roleDefinition"`
	Operations     []string     `json:"operations"`
	Tasks          []string     `json:"tasks"`
	BizRule        *bizRuleView `json:"bizRule,omitempty"`
}

type roleView struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Definitions []string `json:"roleDefinitions"` // role definitions and tasks
	Operations  []string `json:"operations"`
	Members     []string `json:"members"`
	Groups      []string `json:"groups"`
}

type groupView struct {
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	Type        string       `json:"type"`
	Members     []string     `json:"members"`
	NonMembers  []string     `json:"nonMembers"`
	Groups      []string     `json:"groups"`
	NonGroups   []string     `json:"nonGroups"`
	LDAPQuery   string       `json:"ldapQuery,omitempty"`
	BizRule     *bizRuleView `json:"bizRule,omitempty"`
}

type scopeView struct {
	Name            string      `json:"name"`
	Description     string      `json:"description,omitempty"`
	RoleDefinitions []taskView  `json:"roleDefinitions"`
	Tasks           []taskView  `json:"tasks"`
	Groups          []groupView `json:"groups"`
	Roles           []roleView  `json:"roles"`
}

type opView struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

type appView struct {
	Name            string      `json:"name"`
	Description     string      `json:"description,omitempty"`
	Version         string      `json:"version,omitempty"`
	Operations      []opView    `json:"operations"`
	RoleDefinitions []taskView  `json:"roleDefinitions"`
	Tasks           []taskView  `json:"tasks"`
	Groups          []groupView `json:"groups"`
	Roles           []roleView  `json:"roles"`
	Scopes          []scopeView `json:"scopes"`
}

type storeView struct {
	Version      string      `json:"version"`
	Description  string      `json:"description,omitempty"`
	Groups       []groupView `json:"groups"`
	Applications []appView   `json:"applications"`
}

// names resolves GUID links to names for the views.
type names struct{ policy.NameIndex }

func newNames(p *policy.Policy) names { return names{p.NameIndex()} }

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

func bizRuleOf(b policy.BizRule) *bizRuleView {
	if b.IsZero() {
		return nil
	}
	lang := b.Language
	if lang == "" {
		lang = policy.LangExpr
	}
	return &bizRuleView{Language: lang, Script: b.Script, ImportedPath: b.ImportedPath}
}

func (n names) task(t *policy.Task) taskView {
	return taskView{Name: t.Name, Description: t.Description, RoleDefinition: t.RoleDefinition,
		Operations: n.Names(t.OperationLinks), Tasks: n.Names(t.TaskLinks), BizRule: bizRuleOf(t.BizRule)}
}

func (n names) role(r *policy.Role) roleView {
	return roleView{Name: r.Name, Description: r.Description, Definitions: n.Names(r.TaskLinks),
		Operations: n.Names(r.OperationLinks), Members: nonNil(r.Members), Groups: n.Names(r.AppMemberLinks)}
}

func (n names) group(g *policy.Group) groupView {
	return groupView{Name: g.Name, Description: g.Description, Type: string(g.Type),
		Members: nonNil(g.Members), NonMembers: nonNil(g.NonMembers),
		Groups: n.Names(g.AppMemberLinks), NonGroups: n.Names(g.AppNonMemberLinks),
		LDAPQuery: g.LDAPQuery, BizRule: bizRuleOf(g.BizRule)}
}

func (n names) tasks(ts []*policy.Task, roleDef bool) []taskView {
	out := []taskView{}
	for _, t := range ts {
		if t.RoleDefinition == roleDef {
			out = append(out, n.task(t))
		}
	}
	return out
}

func (n names) groups(gs []*policy.Group) []groupView {
	out := []groupView{}
	for _, g := range gs {
		out = append(out, n.group(g))
	}
	return out
}

func (n names) roles(rs []*policy.Role) []roleView {
	out := []roleView{}
	for _, r := range rs {
		out = append(out, n.role(r))
	}
	return out
}

func (n names) scope(s *policy.Scope) scopeView {
	return scopeView{Name: s.Name, Description: s.Description,
		RoleDefinitions: n.tasks(s.Tasks, true), Tasks: n.tasks(s.Tasks, false),
		Groups: n.groups(s.Groups), Roles: n.roles(s.Roles)}
}

func (n names) app(a *policy.Application) appView {
	v := appView{Name: a.Name, Description: a.Description, Version: a.Version, Operations: []opView{},
		RoleDefinitions: n.tasks(a.Tasks, true), Tasks: n.tasks(a.Tasks, false),
		Groups: n.groups(a.Groups), Roles: n.roles(a.Roles), Scopes: []scopeView{}}
	for _, o := range a.Operations {
		v.Operations = append(v.Operations, opView{ID: o.OperationID, Name: o.Name, Description: o.Description})
	}
	for _, s := range a.Scopes {
		v.Scopes = append(v.Scopes, n.scope(s))
	}
	return v
}

func storeViewOf(p *policy.Policy) storeView {
	n := newNames(p)
	v := storeView{Version: fmt.Sprintf("%d.%d", p.MajorVersion, p.MinorVersion), Description: p.Description,
		Groups: n.groups(p.Groups), Applications: []appView{}}
	for _, a := range p.Applications {
		v.Applications = append(v.Applications, n.app(a))
	}
	return v
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// tree writes indented text.
type tree struct {
	w   io.Writer
	err error
}

func (t *tree) line(depth int, format string, a ...any) {
	if t.err != nil {
		return
	}
	_, t.err = fmt.Fprintf(t.w, "%s%s\n", strings.Repeat("  ", depth), fmt.Sprintf(format, a...))
}

// list writes "label: a, b, c" when ss is not empty.
func (t *tree) list(depth int, label string, ss []string) {
	if len(ss) > 0 {
		t.line(depth, "%s: %s", label, strings.Join(ss, ", "))
	}
}

func (t *tree) text(depth int, label, s string) {
	if s != "" {
		t.line(depth, "%s: %s", label, s)
	}
}

func (t *tree) bizRule(depth int, b *bizRuleView) {
	if b == nil {
		return
	}
	s := b.Script
	if b.ImportedPath != "" {
		s += " (imported from " + b.ImportedPath + ")"
	}
	t.line(depth, "bizrule (%s): %s", b.Language, s)
}

func (t *tree) task(depth int, v taskView) {
	kind := "task"
	if v.RoleDefinition {
		kind = "role definition"
	}
	t.line(depth, "%s %q", kind, v.Name)
	t.text(depth+1, "description", v.Description)
	t.list(depth+1, "operations", v.Operations)
	t.list(depth+1, "tasks", v.Tasks)
	t.bizRule(depth+1, v.BizRule)
}

func (t *tree) role(depth int, v roleView) {
	t.line(depth, "role assignment %q", v.Name)
	t.text(depth+1, "description", v.Description)
	t.list(depth+1, "role definitions", v.Definitions)
	t.list(depth+1, "operations", v.Operations)
	t.list(depth+1, "members", v.Members)
	t.list(depth+1, "application groups", v.Groups)
}

func (t *tree) group(depth int, v groupView) {
	t.line(depth, "application group %q (%s)", v.Name, v.Type)
	t.text(depth+1, "description", v.Description)
	t.list(depth+1, "members", v.Members)
	t.list(depth+1, "non-members", v.NonMembers)
	t.list(depth+1, "member groups", v.Groups)
	t.list(depth+1, "non-member groups", v.NonGroups)
	t.text(depth+1, "ldap query", v.LDAPQuery)
	t.bizRule(depth+1, v.BizRule)
}

func (t *tree) objects(depth int, defs, tasks []taskView, groups []groupView, roles []roleView) {
	for _, v := range defs {
		t.task(depth, v)
	}
	for _, v := range tasks {
		t.task(depth, v)
	}
	for _, v := range groups {
		t.group(depth, v)
	}
	for _, v := range roles {
		t.role(depth, v)
	}
}

func (t *tree) scope(depth int, v scopeView) {
	t.line(depth, "scope %q", v.Name)
	t.text(depth+1, "description", v.Description)
	t.objects(depth+1, v.RoleDefinitions, v.Tasks, v.Groups, v.Roles)
}

func (t *tree) app(depth int, v appView) {
	t.line(depth, "application %q", v.Name)
	t.text(depth+1, "description", v.Description)
	t.text(depth+1, "version", v.Version)
	t.line(depth+1, "operations (%d)", len(v.Operations))
	for _, o := range v.Operations {
		t.line(depth+2, "%4d  %s", o.ID, o.Name)
	}
	t.objects(depth+1, v.RoleDefinitions, v.Tasks, v.Groups, v.Roles)
	for _, s := range v.Scopes {
		t.scope(depth+1, s)
	}
}

func (t *tree) store(v storeView) {
	t.line(0, "store (format %s)", v.Version)
	t.text(1, "description", v.Description)
	for _, g := range v.Groups {
		t.group(1, g)
	}
	for _, a := range v.Applications {
		t.app(1, a)
	}
}
