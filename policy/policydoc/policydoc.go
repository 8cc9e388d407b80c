// Package policydoc turns a policy into the HTTP API's by-name documents
// (package api) and back: the one conversion the server's policy admin API
// and the CLI's show, list and --json output share. Links are written as
// the names of the linked objects; a link to nothing keeps its GUID, so a
// broken store still shows what it holds.
package policydoc

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/policy"
)

// Namer turns a policy's objects into documents, resolving GUID links to
// names.
type Namer struct{ idx policy.NameIndex }

// NewNamer indexes p's names.
func NewNamer(p *policy.Policy) Namer { return Namer{p.NameIndex()} }

// Of is the whole policy at revision rev.
func Of(p *policy.Policy, rev policy.Revision) api.Policy {
	n := NewNamer(p)
	doc := api.Policy{Revision: uint64(rev), Version: fmt.Sprintf("%d.%d", p.MajorVersion, p.MinorVersion),
		Description: p.Description, Groups: n.Groups(p.Groups), Applications: []api.Application{}}
	for _, a := range p.Applications {
		doc.Applications = append(doc.Applications, n.Application(a))
	}
	return doc
}

// Application is a with its operations, objects and scopes.
func (n Namer) Application(a *policy.Application) api.Application {
	d := api.Application{AppInfo: AppInfo(a),
		Operations: []api.Operation{}, Objects: n.Objects(&a.Objects), Scopes: []api.ScopeObjects{}}
	for _, o := range a.Operations {
		d.Operations = append(d.Operations, Operation(o))
	}
	for _, s := range a.Scopes {
		d.Scopes = append(d.Scopes, n.ScopeObjects(s))
	}
	return d
}

// AppInfo is an application's own fields.
func AppInfo(a *policy.Application) api.AppInfo {
	return api.AppInfo{Name: a.Name, Description: a.Description, Version: a.Version}
}

// Operation is an operation of an application.
func Operation(o *policy.Operation) api.Operation {
	return api.Operation{Name: o.Name, ID: o.OperationID, Description: o.Description}
}

// Scope is a scope's name and description.
func Scope(s *policy.Scope) api.Scope { return api.Scope{Name: s.Name, Description: s.Description} }

// ScopeObjects is a scope with its objects.
func (n Namer) ScopeObjects(s *policy.Scope) api.ScopeObjects {
	return api.ScopeObjects{Scope: Scope(s), Objects: n.Objects(&s.Objects)}
}

// Objects is what an application level or a scope holds.
func (n Namer) Objects(o *policy.Objects) api.Objects {
	d := api.Objects{Tasks: n.Tasks(o.Tasks, false), RoleDefinitions: n.Tasks(o.Tasks, true),
		RoleAssignments: n.RoleAssignments(o.Roles), Groups: n.Groups(o.Groups)}
	return d
}

// Tasks are the tasks of ts (roleDefs false) or its role definitions
// (roleDefs true).
func (n Namer) Tasks(ts []*policy.Task, roleDefs bool) []api.Task {
	out := []api.Task{}
	for _, t := range ts {
		if t.RoleDefinition == roleDefs {
			out = append(out, n.Task(t))
		}
	}
	return out
}

// Task is a task or role definition.
func (n Namer) Task(t *policy.Task) api.Task {
	return api.Task{Name: t.Name, Description: t.Description, Operations: n.idx.Names(t.OperationLinks),
		Tasks: n.idx.Names(t.TaskLinks), BizRule: BizRule(t.BizRule)}
}

// RoleAssignments are the documents of rs.
func (n Namer) RoleAssignments(rs []*policy.Role) []api.RoleAssignment {
	out := []api.RoleAssignment{}
	for _, r := range rs {
		out = append(out, n.RoleAssignment(r))
	}
	return out
}

// RoleAssignment is a role assignment.
func (n Namer) RoleAssignment(r *policy.Role) api.RoleAssignment {
	return api.RoleAssignment{Name: r.Name, Description: r.Description, RoleDefinitions: n.idx.Names(r.TaskLinks),
		Operations: n.idx.Names(r.OperationLinks), Members: strs(r.Members), Groups: n.idx.Names(r.AppMemberLinks),
		Terms: n.Terms(r.Terms, r.AppMemberLinks)}
}

// Terms are the documents of the terms of an object whose member group
// links are links: a term of a link names the group.
func (n Namer) Terms(ts []policy.Term, links []string) []api.MemberTerm {
	var out []api.MemberTerm
	for _, t := range ts {
		d := api.MemberTerm{Member: t.Member, Starts: t.Start, Expires: t.Expires}
		if slices.ContainsFunc(links, func(l string) bool { return names.Equal(l, t.Member) }) {
			d.Member, d.Group = "", n.idx.Names([]string{t.Member})[0]
		}
		out = append(out, d)
	}
	return out
}

// ApplyTerms sets the terms of a document on the role assignment or
// group kind/name at l, whose members and groups are linked already.
func ApplyTerms(p *policy.Policy, l policy.Location, kind policy.Kind, name string, ts []api.MemberTerm) error {
	for i, t := range ts {
		rel, target := policy.RelMember, t.Member
		switch {
		case t.Member != "" && t.Group != "":
			return fmt.Errorf("term %d names both a member and a group: %w", i+1, policy.ErrInvalid)
		case t.Group != "":
			rel, target = policy.RelGroup, t.Group
		case t.Member == "":
			return fmt.Errorf("term %d names no member or group: %w", i+1, policy.ErrInvalid)
		}
		if t.Starts.IsZero() && t.Expires.IsZero() {
			return fmt.Errorf("term %d (%s): neither starts nor expires: %w", i+1, target, policy.ErrInvalid)
		}
		if err := p.SetTerm(l, kind, name, rel, target, policy.Term{Start: t.Starts, Expires: t.Expires}); errors.Is(err, policy.ErrNotFound) {
			// The object was just placed: what is missing is the member,
			// an error of the document (400), not a missing object (404).
			return fmt.Errorf("term %d: %v: the document's %ss do not hold it: %w", i+1, err, rel, policy.ErrInvalid)
		} else if err != nil {
			return fmt.Errorf("term %d: %w", i+1, err)
		}
	}
	return nil
}

// Groups are the documents of gs.
func (n Namer) Groups(gs []*policy.Group) []api.Group {
	out := []api.Group{}
	for _, g := range gs {
		out = append(out, n.Group(g))
	}
	return out
}

// Group is an application group; its type is always named.
func (n Namer) Group(g *policy.Group) api.Group {
	typ := g.Type
	if typ == "" {
		typ = policy.GroupBasic
	}
	return api.Group{Name: g.Name, Description: g.Description, Type: string(typ), Members: strs(g.Members),
		NonMembers: strs(g.NonMembers), Groups: n.idx.Names(g.AppMemberLinks), NonGroups: n.idx.Names(g.AppNonMemberLinks),
		LDAPQuery: g.LDAPQuery, BizRule: BizRule(g.BizRule), Terms: n.Terms(g.Terms, g.AppMemberLinks)}
}

// BizRule is b's document, nil for no rule. Its language is always named:
// "" in the store is policy.LangExpr.
func BizRule(b policy.BizRule) *api.BizRule {
	if b.IsZero() {
		return nil
	}
	lang := b.Language
	if lang == "" {
		lang = policy.LangExpr
	}
	return &api.BizRule{Script: b.Script, Language: lang, ImportedPath: b.ImportedPath}
}

// PolicyBizRule is the business rule of a document (nil: none).
func PolicyBizRule(d *api.BizRule) policy.BizRule {
	if d == nil {
		return policy.BizRule{}
	}
	return policy.BizRule{Script: d.Script, Language: d.Language, ImportedPath: d.ImportedPath}
}

// strs copies ss, never nil, so a list is [] in JSON.
func strs(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return slices.Clone(ss)
}

// MemberLines are list (members, or with groups the member group names)
// each followed by its term as people read it: `CONTOSO\alice (until
// 2026-12-02T15:00:00Z)`, `Temps (from … until …)`. ParseMemberLine reads
// one back.
func MemberLines(list []string, terms []api.MemberTerm, groups bool) []string {
	out := make([]string, len(list))
	for i, m := range list {
		out[i] = m
		for _, t := range terms {
			if (!groups && t.Member != "" && names.Equal(t.Member, m)) || (groups && t.Group != "" && names.Equal(t.Group, m)) {
				if pt := (policy.Term{Start: t.Starts, Expires: t.Expires}); !pt.IsZero() {
					out[i] += " (" + pt.String() + ")"
				}
			}
		}
	}
	return out
}

var termSuffix = regexp.MustCompile(`^(.*?)\s*\((?:from (\S+))?\s*(?:until (\S+))?\)$`)

// ParseMemberLine reads a line of MemberLines: the member and its term
// (zero when the line has none). A parenthesis that is not a term is part
// of the member's name; one shaped as a term, "(until X)" or "(from X …)",
// whose time does not read is an error wrapping policy.ErrInvalid, not a
// member named with it.
func ParseMemberLine(line string) (string, policy.Term, error) {
	line = strings.TrimSpace(line)
	m := termSuffix.FindStringSubmatch(line)
	if m == nil || (m[2] == "" && m[3] == "") || strings.TrimSpace(m[1]) == "" {
		return line, policy.Term{}, nil
	}
	var t policy.Term
	var err error
	if m[2] != "" {
		if t.Start, err = policy.ParseTime(m[2]); err != nil {
			return "", policy.Term{}, fmt.Errorf("member %q: from: %w", line, err)
		}
	}
	if m[3] != "" {
		if t.Expires, err = policy.ParseTime(m[3]); err != nil {
			return "", policy.Term{}, fmt.Errorf("member %q: until: %w", line, err)
		}
	}
	return strings.TrimSpace(m[1]), t, nil
}
