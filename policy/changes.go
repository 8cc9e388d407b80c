package policy

import (
	"fmt"
	"slices"
	"strconv"
)

// Changes lists what turns policy a into policy b, one line per fact: "+ "
// for a fact b adds, "- " for one it removes. A fact is one object, one
// attribute value, one member or one link, named by its place
// (application, scope, object kind and name), so that a reader sees which
// grants a change gives or takes away: "- application "Hyper-V services" /
// role assignment "Lab Ops": member CONTOSO\bob". Links are named by the
// object they point at. Removals come first, each group in order. a or b
// may be nil (an empty policy).
func Changes(a, b *Policy) []string {
	fa, fb := facts(a), facts(b)
	var out []string
	for _, f := range fa {
		if _, ok := slices.BinarySearch(fb, f); !ok {
			out = append(out, "- "+f)
		}
	}
	for _, f := range fb {
		if _, ok := slices.BinarySearch(fa, f); !ok {
			out = append(out, "+ "+f)
		}
	}
	return out
}

// facts flattens p into sorted, distinct lines.
func facts(p *Policy) []string {
	if p == nil {
		return nil
	}
	var out []string
	add := func(place, what, value string) {
		if value != "" {
			out = append(out, fmt.Sprintf("%s: %s %s", place, what, value))
		}
	}
	add("store", "description", strconv.Quote(p.Description))
	names := map[string]string{} // guidKey → quoted name, for links
	// linked names a link's target; a link to nothing shows its GUID, so
	// that it is never dropped from the facts.
	linked := func(guid string) string {
		if n, ok := names[guidKey(guid)]; ok {
			return n
		}
		return guid
	}
	for _, g := range p.Groups {
		names[guidKey(g.GUID)] = strconv.Quote(g.Name)
	}
	groups := func(place string, gs []*Group) {
		for _, g := range gs {
			at := fmt.Sprintf("%s / application group %q", place, g.Name)
			out = append(out, at)
			add(at, "type", string(g.Type))
			add(at, "description", strconv.Quote(g.Description))
			add(at, "LDAP query", g.LDAPQuery)
			add(at, "business rule", g.BizRule.Script)
			add(at, "business rule language", g.BizRule.Language)
			for _, m := range g.Members {
				add(at, "member", m)
			}
			for _, t := range g.Terms {
				add(at, "term of member", linked(t.Member)+" "+t.String())
			}
			for _, m := range g.NonMembers {
				add(at, "non-member", m)
			}
			for _, l := range g.AppMemberLinks {
				add(at, "member group", linked(l))
			}
			for _, l := range g.AppNonMemberLinks {
				add(at, "non-member group", linked(l))
			}
		}
	}
	groups("store", p.Groups)
	for _, a := range p.Applications {
		app := fmt.Sprintf("application %q", a.Name)
		out = append(out, app)
		for _, o := range a.Operations {
			names[guidKey(o.GUID)] = strconv.Quote(o.Name)
			out = append(out, fmt.Sprintf("%s / operation %q: ID %d", app, o.Name, o.OperationID))
		}
		level := func(o *Objects) {
			for _, t := range o.Tasks {
				names[guidKey(t.GUID)] = strconv.Quote(t.Name)
			}
			for _, g := range o.Groups {
				names[guidKey(g.GUID)] = strconv.Quote(g.Name)
			}
		}
		level(&a.Objects)
		for _, s := range a.Scopes {
			level(&s.Objects)
		}
		objects := func(place string, o *Objects) {
			groups(place, o.Groups)
			for _, t := range o.Tasks {
				kind := "task"
				if t.RoleDefinition {
					kind = "role definition"
				}
				at := fmt.Sprintf("%s / %s %q", place, kind, t.Name)
				out = append(out, at)
				add(at, "business rule", t.BizRule.Script)
				add(at, "business rule language", t.BizRule.Language)
				for _, l := range t.OperationLinks {
					add(at, "operation", linked(l))
				}
				for _, l := range t.TaskLinks {
					add(at, "task", linked(l))
				}
			}
			for _, r := range o.Roles {
				at := fmt.Sprintf("%s / role assignment %q", place, r.Name)
				out = append(out, at)
				for _, l := range r.TaskLinks {
					add(at, "role definition or task", linked(l))
				}
				for _, l := range r.OperationLinks {
					add(at, "operation", linked(l))
				}
				for _, m := range r.Members {
					add(at, "member", m)
				}
				for _, t := range r.Terms {
					add(at, "term of member", linked(t.Member)+" "+t.String())
				}
				for _, l := range r.AppMemberLinks {
					add(at, "member group", linked(l))
				}
			}
		}
		objects(app, &a.Objects)
		for _, s := range a.Scopes {
			sc := fmt.Sprintf("%s / scope %q", app, s.Name)
			out = append(out, sc)
			objects(sc, &s.Objects)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
