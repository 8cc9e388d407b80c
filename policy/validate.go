package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/azgate/azgate/internal/names"
	"github.com/go-ldap/ldap/v3"
	"github.com/google/uuid"
)

// Limits the model enforces.
const (
	MaxNameLen        = 256
	MaxDescriptionLen = 4096
	maxErrors         = 50
)

// Business-rule languages. "" means LangExpr.
const (
	LangExpr     = "Expr"
	LangVBScript = "VBScript"
	LangJScript  = "JScript"
)

// Validate checks the whole policy: required fields, names unique in their
// container, GUIDs unique in the store, links that resolve to an object of
// the right kind within reach, and no cycles in task or group nesting. It
// returns every problem it finds (up to a limit), joined; each is a
// *ValidationError.
func (p *Policy) Validate() error {
	v := &validator{guids: map[string]string{}}
	if p.MajorVersion != 1 && p.MajorVersion != 2 {
		v.add("store", "MajorVersion", fmt.Sprintf("%d is not 1 or 2", p.MajorVersion), ErrInvalid)
	}
	storeGroups := v.groupSet("store", p.Groups)
	v.unique("store", "application", len(p.Applications), func(i int) string { return p.Applications[i].Name })
	for _, g := range p.Groups {
		v.group(fmt.Sprintf("store / application group %q", g.Name), g, inReach{storeGroups})
	}
	for _, a := range p.Applications {
		v.application(a, storeGroups)
	}
	v.cycles(p)
	return errors.Join(v.errs...)
}

type validator struct {
	guids map[string]string // GUID → object description
	errs  []error
}

func (v *validator) add(obj, field, detail string, err error) {
	if len(v.errs) < maxErrors {
		v.errs = append(v.errs, &ValidationError{Object: obj, Field: field, Detail: detail, Err: err})
	}
}

// object checks what every object has: GUID, name, description.
func (v *validator) object(obj, guid, name, desc string) {
	if guid == "" {
		v.add(obj, "Guid", "missing", ErrInvalid)
	} else if _, err := uuid.Parse(guid); err != nil {
		v.add(obj, "Guid", fmt.Sprintf("%q is not a GUID", guid), ErrInvalid)
	} else if prev, ok := v.guids[guidKey(guid)]; ok {
		v.add(obj, "Guid", fmt.Sprintf("%s is also used by %s", guid, prev), ErrDuplicate)
	} else {
		v.guids[guidKey(guid)] = obj
	}
	if err := checkName(name); err != nil {
		v.add(obj, "Name", err.Error(), ErrInvalid)
	}
	if len(desc) > MaxDescriptionLen {
		v.add(obj, "Description", fmt.Sprintf("longer than %d bytes", MaxDescriptionLen), ErrInvalid)
	}
	v.text(obj, "Description", desc)
}

// text records an error when s holds what an XML store cannot: every store
// holds only what every other can, so a policy can always be copied to an
// msxml:// backup.
func (v *validator) text(obj, field, s string) {
	if err := CheckText(s); err != nil {
		v.add(obj, field, err.Error(), ErrInvalid)
	}
}

// CheckText reports text that is not valid UTF-8 or holds a character XML
// 1.0 cannot carry (control characters other than tab, newline and carriage
// return; U+FFFE, U+FFFF).
func CheckText(s string) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return fmt.Errorf("invalid UTF-8 at byte %d", i)
			}
		}
		if !(r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000) {
			return fmt.Errorf("character %U at byte %d cannot be stored (XML 1.0 has no such character)", r, i)
		}
	}
	return nil
}

func checkName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("empty")
	case len(name) > MaxNameLen:
		return fmt.Errorf("longer than %d bytes", MaxNameLen)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return errors.New("contains a control character")
	}
	return nil
}

// unique reports every pair of names that are one name (names.Equal).
func (v *validator) unique(container, kind string, n int, name func(int) string) {
	seen := map[string]string{}
	for i := range n {
		k := names.Key(name(i))
		if prev, dup := seen[k]; dup {
			detail := fmt.Sprintf("name %q is used twice", name(i))
			if prev != name(i) {
				detail += fmt.Sprintf(", also as %q", prev)
			}
			v.add(container, kind, detail, ErrDuplicate)
		}
		seen[k] = name(i)
	}
}

// guidSet maps lower-case GUIDs of objects in reach to their names.
type guidSet map[string]string

// inReach is what a container's links may name: its own objects and its
// parents', a set per level (not copied into one: a store has a thousand
// scopes, each in reach of every application-level object).
type inReach []guidSet

func (r inReach) has(k string) bool {
	for _, s := range r {
		if _, ok := s[k]; ok {
			return true
		}
	}
	return false
}

func (v *validator) groupSet(container string, gs []*Group) guidSet {
	v.unique(container, "application group", len(gs), func(i int) string { return gs[i].Name })
	s := guidSet{}
	for _, g := range gs {
		s[guidKey(g.GUID)] = g.Name
	}
	return s
}

func (v *validator) links(obj, field, kind string, links []string, reach inReach) {
	seen := map[string]bool{}
	for _, l := range links {
		k := guidKey(l)
		if !reach.has(k) {
			v.add(obj, field, fmt.Sprintf("%s names no %s in reach", l, kind), ErrDanglingLink)
		}
		if seen[k] {
			v.add(obj, field, fmt.Sprintf("%s is linked twice", l), ErrDuplicate)
		}
		seen[k] = true
	}
}

func (v *validator) bizRule(obj string, b BizRule) {
	v.text(obj, "BizRule", b.Script)
	v.text(obj, "BizRuleImportedPath", b.ImportedPath)
	switch b.Language {
	case "", LangExpr, LangVBScript, LangJScript:
	default:
		v.add(obj, "BizRuleLanguage", fmt.Sprintf("%q is not Expr, VBScript or JScript", b.Language), ErrInvalid)
	}
}

func (v *validator) group(obj string, g *Group, reach inReach) {
	v.object(obj, g.GUID, g.Name, g.Description)
	switch g.Type {
	case GroupBasic, GroupLDAPQuery, GroupBizRule:
	default:
		v.add(obj, "GroupType", fmt.Sprintf("%q is not Basic, LdapQuery or Bizrule", g.Type), ErrInvalid)
	}
	v.links(obj, "AppMemberLink", "application group", g.AppMemberLinks, reach)
	v.links(obj, "AppNonMemberLink", "application group", g.AppNonMemberLinks, reach)
	v.members(obj, "Member", g.Members)
	v.members(obj, "NonMember", g.NonMembers)
	v.terms(obj, g.Terms, g.Members, g.AppMemberLinks)
	v.bizRule(obj, g.BizRule)
}

// newLDAPQueries refuses an edit that sets an LDAP query that does not
// parse (a group created with one, or a query changed to one), naming the
// group. A bad query that was there before the edit is not an error here:
// stores written by other tools load (the MS-AZMP specification's own
// example has "This is the query"), and authz.Compile warns about such a
// group and lets nobody be a member of it.
func newLDAPQueries(before, after *Policy) error {
	old := map[string]string{}
	eachGroup(before, func(_ string, g *Group) {
		if g.Type == GroupLDAPQuery {
			old[guidKey(g.GUID)] = g.LDAPQuery
		}
	})
	v := &validator{}
	eachGroup(after, func(obj string, g *Group) {
		if g.Type != GroupLDAPQuery || strings.TrimSpace(g.LDAPQuery) == "" {
			return
		}
		if prev, ok := old[guidKey(g.GUID)]; ok && prev == g.LDAPQuery {
			return
		}
		if _, err := NormalizeLDAPQuery(g.LDAPQuery); err != nil {
			v.add(obj, "LdapQuery", err.Error(), ErrInvalid)
		}
	})
	return errors.Join(v.errs...)
}

// LDAPQueryErrors reports every LDAP-query application group whose filter
// does not parse, each a *ValidationError naming the group; nil when there
// is none. Validate lets such a store load (AzMan's own example has one,
// and nobody is a member of such a group); `azgate store validate` rejects
// it, so that it is found and fixed. An empty filter is not reported: the
// group is being set up.
func (p *Policy) LDAPQueryErrors() error {
	v := &validator{}
	eachGroup(p, func(obj string, g *Group) {
		if g.Type != GroupLDAPQuery || strings.TrimSpace(g.LDAPQuery) == "" {
			return
		}
		if _, err := NormalizeLDAPQuery(g.LDAPQuery); err != nil {
			v.add(obj, "LdapQuery", err.Error(), ErrInvalid)
		}
	})
	return errors.Join(v.errs...)
}

// eachGroup calls fn with every application group of p and its description
// (as validation names it).
func eachGroup(p *Policy, fn func(obj string, g *Group)) {
	for _, g := range p.Groups {
		fn(fmt.Sprintf("store / application group %q", g.Name), g)
	}
	for _, a := range p.Applications {
		app := fmt.Sprintf("application %q", a.Name)
		for _, g := range a.Groups {
			fn(fmt.Sprintf("%s / application group %q", app, g.Name), g)
		}
		for _, s := range a.Scopes {
			for _, g := range s.Groups {
				fn(fmt.Sprintf("%s / scope %q / application group %q", app, s.Name, g.Name), g)
			}
		}
	}
}

// NormalizeLDAPQuery checks the filter of an LDAP-query application group
// and returns it as it is searched: trimmed and, as Active Directory
// accepts, a single item without its parentheses ("department=ops")
// wrapped in them. An empty filter is an error (the group matches nobody;
// Validate allows it, as AzMan does while a group is being set up); so is
// one that does not parse as an LDAP filter (RFC 4515). Edits refuse a
// query that does not parse; a store that already holds one loads.
func NormalizeLDAPQuery(q string) (string, error) {
	f := strings.TrimSpace(q)
	if f == "" {
		return "", errors.New("empty LDAP query")
	}
	if !strings.HasPrefix(f, "(") {
		f = "(" + f + ")"
	}
	if _, err := ldap.CompileFilter(f); err != nil {
		return "", fmt.Errorf("LDAP query %q does not parse: %w", q, err)
	}
	return f, nil
}

func (v *validator) application(a *Application, storeGroups guidSet) {
	app := fmt.Sprintf("application %q", a.Name)
	v.object(app, a.GUID, a.Name, a.Description)

	ops := guidSet{}
	ids := map[int]string{}
	v.unique(app, "operation", len(a.Operations), func(i int) string { return a.Operations[i].Name })
	for _, o := range a.Operations {
		obj := fmt.Sprintf("%s / operation %q", app, o.Name)
		v.object(obj, o.GUID, o.Name, o.Description)
		if o.OperationID <= 0 {
			v.add(obj, "OperationID", fmt.Sprintf("%d is not positive", o.OperationID), ErrInvalid)
		} else if prev, ok := ids[o.OperationID]; ok {
			v.add(obj, "OperationID", fmt.Sprintf("%d is also used by %q", o.OperationID, prev), ErrDuplicate)
		}
		ids[o.OperationID] = o.Name
		ops[guidKey(o.GUID)] = o.Name
	}

	appTasks := taskSet(a.Tasks)
	appTaskNames := make(map[string]bool, len(a.Tasks))
	for _, t := range a.Tasks {
		appTaskNames[names.Key(t.Name)] = true
	}
	appGroups := inReach{v.groupSet(app, a.Groups), storeGroups}
	v.objects(app, &a.Objects, inReach{ops}, inReach{appTasks}, appGroups)

	v.unique(app, "scope", len(a.Scopes), func(i int) string { return a.Scopes[i].Name })
	for _, s := range a.Scopes {
		sc := fmt.Sprintf("%s / scope %q", app, s.Name)
		v.object(sc, s.GUID, s.Name, s.Description)
		if strings.TrimSpace(s.Name) != s.Name {
			// Requests name scopes, and scope names are trimmed there: a
			// scope " Lab " could never be asked for, and would sit beside "Lab".
			v.add(sc, "Name", "begins or ends with white space", ErrInvalid)
		}
		for _, t := range s.Tasks {
			if appTaskNames[names.Key(t.Name)] {
				v.add(fmt.Sprintf("%s / task %q", sc, t.Name), "Name", "an application-level task has that name", ErrDuplicate)
			}
		}
		v.objects(sc, &s.Objects, inReach{ops}, inReach{taskSet(s.Tasks), appTasks}, append(inReach{v.groupSet(sc, s.Groups)}, appGroups...))
	}
}

func taskSet(ts []*Task) guidSet {
	s := guidSet{}
	for _, t := range ts {
		s[guidKey(t.GUID)] = t.Name
	}
	return s
}

func (v *validator) objects(container string, o *Objects, ops, tasks, groups inReach) {
	v.unique(container, "task", len(o.Tasks), func(i int) string { return o.Tasks[i].Name })
	v.unique(container, "role assignment", len(o.Roles), func(i int) string { return o.Roles[i].Name })
	for _, t := range o.Tasks {
		obj := fmt.Sprintf("%s / %s %q", container, taskKind(t), t.Name)
		v.object(obj, t.GUID, t.Name, t.Description)
		v.links(obj, "OperationLink", "operation", t.OperationLinks, ops)
		v.links(obj, "TaskLink", "task", t.TaskLinks, tasks)
		v.bizRule(obj, t.BizRule)
	}
	for _, g := range o.Groups {
		v.group(fmt.Sprintf("%s / application group %q", container, g.Name), g, groups)
	}
	for _, r := range o.Roles {
		obj := fmt.Sprintf("%s / role assignment %q", container, r.Name)
		v.object(obj, r.GUID, r.Name, r.Description)
		v.links(obj, "TaskLink", "task", r.TaskLinks, tasks)
		v.links(obj, "OperationLink", "operation", r.OperationLinks, ops)
		v.links(obj, "AppMemberLink", "application group", r.AppMemberLinks, groups)
		v.members(obj, "Member", r.Members)
		v.terms(obj, r.Terms, r.Members, r.AppMemberLinks)
	}
}

// members checks the SIDs and account names of a member list.
func (v *validator) members(obj, field string, ms []string) {
	for _, m := range ms {
		if strings.TrimSpace(m) == "" {
			v.add(obj, field, "empty member", ErrInvalid)
		}
		v.text(obj, field, m)
	}
}

func taskKind(t *Task) string {
	if t.RoleDefinition {
		return "role definition"
	}
	return "task"
}

// cycles finds loops in task nesting and in application-group nesting
// (member and non-member links both count).
func (v *validator) cycles(p *Policy) {
	taskEdges := map[string][]string{}
	taskName := map[string]string{}
	groupEdges := map[string][]string{}
	groupName := map[string]string{}
	addGroups := func(where string, gs []*Group) {
		for _, g := range gs {
			k := guidKey(g.GUID)
			groupName[k] = fmt.Sprintf("%s application group %q", where, g.Name)
			groupEdges[k] = guidKeys(append(append([]string(nil), g.AppMemberLinks...), g.AppNonMemberLinks...))
		}
	}
	addGroups("store", p.Groups)
	for _, a := range p.Applications {
		objs := []*Objects{&a.Objects}
		for _, s := range a.Scopes {
			objs = append(objs, &s.Objects)
		}
		for _, o := range objs {
			for _, t := range o.Tasks {
				k := guidKey(t.GUID)
				taskName[k] = fmt.Sprintf("%s %q", taskKind(t), t.Name)
				taskEdges[k] = guidKeys(t.TaskLinks)
			}
			addGroups(fmt.Sprintf("application %q", a.Name), o.Groups)
		}
	}
	findCycles(taskEdges, taskName, "TaskLink", v)
	findCycles(groupEdges, groupName, "AppMemberLink", v)
}

func guidKeys(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = guidKey(s)
	}
	return out
}

func findCycles(edges map[string][]string, names map[string]string, field string, v *validator) {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var path []string
	var visit func(n string)
	visit = func(n string) {
		color[n] = grey
		path = append(path, n)
		for _, m := range edges[n] {
			if _, ok := edges[m]; !ok {
				continue // dangling, reported elsewhere
			}
			switch color[m] {
			case grey:
				var chain []string
				for i := len(path) - 1; i >= 0; i-- {
					chain = append([]string{names[path[i]]}, chain...)
					if path[i] == m {
						break
					}
				}
				chain = append(chain, names[m])
				v.add(names[n], field, strings.Join(chain, " → "), ErrCycle)
			case white:
				visit(m)
			}
		}
		path = path[:len(path)-1]
		color[n] = black
	}
	keys := make([]string, 0, len(edges))
	for k := range edges {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if color[k] == white {
			visit(k)
		}
	}
}
