package policy

import "slices"

// Clone returns a deep copy of p.
func (p *Policy) Clone() *Policy {
	if p == nil {
		return nil
	}
	q := *p
	q.Groups = cloneGroups(p.Groups)
	q.Applications = make([]*Application, len(p.Applications))
	for i, a := range p.Applications {
		b := *a
		b.Operations = make([]*Operation, len(a.Operations))
		for j, o := range a.Operations {
			c := *o
			b.Operations[j] = &c
		}
		b.Objects = a.Objects.clone()
		b.Scopes = make([]*Scope, len(a.Scopes))
		for j, s := range a.Scopes {
			c := *s
			c.Objects = s.Objects.clone()
			b.Scopes[j] = &c
		}
		q.Applications[i] = &b
	}
	return &q
}

func (o Objects) clone() Objects {
	c := Objects{
		Tasks:  make([]*Task, len(o.Tasks)),
		Groups: cloneGroups(o.Groups),
		Roles:  make([]*Role, len(o.Roles)),
	}
	for i, t := range o.Tasks {
		u := *t
		u.OperationLinks = slices.Clone(t.OperationLinks)
		u.TaskLinks = slices.Clone(t.TaskLinks)
		c.Tasks[i] = &u
	}
	for i, r := range o.Roles {
		s := *r
		s.TaskLinks = slices.Clone(r.TaskLinks)
		s.OperationLinks = slices.Clone(r.OperationLinks)
		s.Members = slices.Clone(r.Members)
		s.AppMemberLinks = slices.Clone(r.AppMemberLinks)
		s.Terms = slices.Clone(r.Terms)
		c.Roles[i] = &s
	}
	return c
}

func cloneGroups(gs []*Group) []*Group {
	out := make([]*Group, len(gs))
	for i, g := range gs {
		h := *g
		h.Members = slices.Clone(g.Members)
		h.NonMembers = slices.Clone(g.NonMembers)
		h.AppMemberLinks = slices.Clone(g.AppMemberLinks)
		h.AppNonMemberLinks = slices.Clone(g.AppNonMemberLinks)
		h.Terms = slices.Clone(g.Terms)
		out[i] = &h
	}
	return out
}
