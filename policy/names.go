package policy

import "strings"

// guidKey is the map key of a GUID: GUIDs are hex, not names, and compare
// without regard to case.
func guidKey(guid string) string { return strings.ToLower(guid) }

// NameIndex maps the lower-case GUIDs of a policy's linkable objects —
// operations, tasks and role definitions, application groups at every level
// — to their names. It is for showing links by name: the CLI's views and the
// server's admin API read their GUID links through it.
type NameIndex map[string]string

// NameIndex indexes the names of every object a link can point at. Role
// assignments are not indexed: nothing links to them.
func (p *Policy) NameIndex() NameIndex {
	n := NameIndex{}
	addGroups := func(gs []*Group) {
		for _, g := range gs {
			n[guidKey(g.GUID)] = g.Name
		}
	}
	addObjects := func(o *Objects) {
		for _, t := range o.Tasks {
			n[guidKey(t.GUID)] = t.Name
		}
		addGroups(o.Groups)
	}
	addGroups(p.Groups)
	for _, a := range p.Applications {
		for _, op := range a.Operations {
			n[guidKey(op.GUID)] = op.Name
		}
		addObjects(&a.Objects)
		for _, s := range a.Scopes {
			addObjects(&s.Objects)
		}
	}
	return n
}

// Names returns the names of the linked GUIDs, in order, matching GUIDs
// without regard to case. A dangling link shows its GUID, so what is there
// stays visible. The result is never nil.
func (n NameIndex) Names(guids []string) []string {
	out := make([]string, 0, len(guids))
	for _, g := range guids {
		if name, ok := n[guidKey(g)]; ok {
			out = append(out, name)
		} else {
			out = append(out, g)
		}
	}
	return out
}
