package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/policy/policydoc"
)

// Views are what show, list and store show print: the HTTP API's by-name
// documents (package api, made by policydoc), as a tree or, with --json, as
// JSON.

// namedView is one object list and show print.
type namedView struct {
	name  string
	doc   any // the api document --json prints
	print func(t *tree)
}

func taskViews(ts []api.Task, roleDef bool) []namedView {
	var out []namedView
	for _, v := range ts {
		out = append(out, namedView{name: v.Name, doc: v, print: func(t *tree) { t.task(0, v, roleDef) }})
	}
	return out
}

func roleViews(rs []api.RoleAssignment) []namedView {
	var out []namedView
	for _, v := range rs {
		out = append(out, namedView{name: v.Name, doc: v, print: func(t *tree) { t.role(0, v) }})
	}
	return out
}

func groupViews(gs []api.Group) []namedView {
	var out []namedView
	for _, v := range gs {
		out = append(out, namedView{name: v.Name, doc: v, print: func(t *tree) { t.group(0, v) }})
	}
	return out
}

func scopeViews(ss []api.ScopeObjects) []namedView {
	var out []namedView
	for _, v := range ss {
		out = append(out, namedView{name: v.Name, doc: v, print: func(t *tree) { t.scope(0, v) }})
	}
	return out
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

func (t *tree) bizRule(depth int, b *api.BizRule) {
	if b == nil {
		return
	}
	s := b.Script
	if b.ImportedPath != "" {
		s += " (imported from " + b.ImportedPath + ")"
	}
	t.line(depth, "bizrule (%s): %s", b.Language, s)
}

func (t *tree) task(depth int, v api.Task, roleDef bool) {
	kind := "task"
	if roleDef {
		kind = "role definition"
	}
	t.line(depth, "%s %q", kind, v.Name)
	t.text(depth+1, "description", v.Description)
	t.list(depth+1, "operations", v.Operations)
	t.list(depth+1, "tasks", v.Tasks)
	t.bizRule(depth+1, v.BizRule)
}

func (t *tree) role(depth int, v api.RoleAssignment) {
	t.line(depth, "role assignment %q", v.Name)
	t.text(depth+1, "description", v.Description)
	t.list(depth+1, "role definitions", v.RoleDefinitions)
	t.list(depth+1, "operations", v.Operations)
	t.list(depth+1, "members", policydoc.MemberLines(v.Members, v.Terms, false))
	t.list(depth+1, "application groups", policydoc.MemberLines(v.Groups, v.Terms, true))
}

func (t *tree) group(depth int, v api.Group) {
	t.line(depth, "application group %q (%s)", v.Name, v.Type)
	t.text(depth+1, "description", v.Description)
	t.list(depth+1, "members", policydoc.MemberLines(v.Members, v.Terms, false))
	t.list(depth+1, "non-members", v.NonMembers)
	t.list(depth+1, "member groups", policydoc.MemberLines(v.Groups, v.Terms, true))
	t.list(depth+1, "non-member groups", v.NonGroups)
	t.text(depth+1, "ldap query", v.LDAPQuery)
	t.bizRule(depth+1, v.BizRule)
}

func (t *tree) objects(depth int, o api.Objects) {
	for _, v := range o.RoleDefinitions {
		t.task(depth, v, true)
	}
	for _, v := range o.Tasks {
		t.task(depth, v, false)
	}
	for _, v := range o.Groups {
		t.group(depth, v)
	}
	for _, v := range o.RoleAssignments {
		t.role(depth, v)
	}
}

func (t *tree) scope(depth int, v api.ScopeObjects) {
	t.line(depth, "scope %q", v.Name)
	t.text(depth+1, "description", v.Description)
	t.objects(depth+1, v.Objects)
}

func (t *tree) app(depth int, v api.Application) {
	t.line(depth, "application %q", v.Name)
	t.text(depth+1, "description", v.Description)
	t.text(depth+1, "version", v.Version)
	t.line(depth+1, "operations (%d)", len(v.Operations))
	for _, o := range v.Operations {
		t.line(depth+2, "%4d  %s", o.ID, o.Name)
	}
	t.objects(depth+1, v.Objects)
	for _, s := range v.Scopes {
		t.scope(depth+1, s)
	}
}

func (t *tree) store(v api.Policy) {
	t.line(0, "store (format %s)", v.Version)
	t.text(1, "description", v.Description)
	for _, g := range v.Groups {
		t.group(1, g)
	}
	for _, a := range v.Applications {
		t.app(1, a)
	}
}
