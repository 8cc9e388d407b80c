package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/azgate/azgate/internal/names"
)

// Term limits one membership in time: a member of a role assignment or of
// a basic application group is in force from Start until Expires, to the
// second: at Start it holds, at Expires it no longer does. A zero Start is
// "from the beginning", a zero Expires "never expires". A member without a
// Term is in force always, as in AzMan.
//
// Terms are an azgate extension that AzMan ignores: in an XML store they
// are azgate:Start and azgate:Expires attributes of the Member or
// AppMemberLink element; in a directory store they are azgate's value of
// msDS-AzGenericData on the role assignment or group entry.
type Term struct {
	// Member is the member the term limits: a principal of Members or an
	// application group GUID of AppMemberLinks (compared by names.Equal).
	Member  string
	Start   time.Time
	Expires time.Time
}

// IsZero reports whether t limits nothing.
func (t Term) IsZero() bool { return t.Start.IsZero() && t.Expires.IsZero() }

// Active reports whether the membership is in force at now:
// Start <= now < Expires.
func (t Term) Active(now time.Time) bool {
	return (t.Start.IsZero() || !now.Before(t.Start)) && (t.Expires.IsZero() || now.Before(t.Expires))
}

// Never reports whether the term can never be in force: it expires at or
// before it starts.
func (t Term) Never() bool {
	return !t.Start.IsZero() && !t.Expires.IsZero() && !t.Expires.After(t.Start)
}

// Next returns the first of Start and Expires after now: the time the
// membership next changes. Zero: it never changes again.
func (t Term) Next(now time.Time) time.Time {
	for _, b := range []time.Time{t.Start, t.Expires} {
		if !b.IsZero() && b.After(now) {
			return b
		}
	}
	return time.Time{}
}

// String is the term as people read it: "from … until …", "until …",
// "from …" (RFC 3339, UTC).
func (t Term) String() string {
	var parts []string
	if !t.Start.IsZero() {
		parts = append(parts, "from "+FormatTime(t.Start))
	}
	if !t.Expires.IsZero() {
		parts = append(parts, "until "+FormatTime(t.Expires))
	}
	return strings.Join(parts, " ")
}

// FormatTime writes a term's time as stores and documents carry it:
// RFC 3339 in UTC, with a fraction only when it has one.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ParseTime reads a time as FormatTime writes it (any RFC 3339 offset);
// it returns the time in UTC.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time: %w", s, ErrInvalid)
	}
	return t.UTC(), nil
}

// termOf returns the term of member in terms.
func termOf(terms []Term, member string) (Term, bool) {
	for _, t := range terms {
		if names.Equal(t.Member, member) {
			return t, true
		}
	}
	return Term{}, false
}

// setTerm sets (or, for a zero t, removes) the term of t.Member.
func setTerm(terms *[]Term, t Term) {
	*terms = slices.DeleteFunc(*terms, func(x Term) bool { return names.Equal(x.Member, t.Member) })
	if !t.IsZero() {
		t.Start, t.Expires = utcOrZero(t.Start), utcOrZero(t.Expires)
		*terms = append(*terms, t)
	}
	if len(*terms) == 0 {
		*terms = nil
	}
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// Term returns the term of member (a principal of Members or a GUID of
// AppMemberLinks); false when the membership is not limited.
func (r *Role) Term(member string) (Term, bool) { return termOf(r.Terms, member) }

// Term returns the term of member (a principal of Members or a GUID of
// AppMemberLinks); false when the membership is not limited.
func (g *Group) Term(member string) (Term, bool) { return termOf(g.Terms, member) }

// HasTerms reports whether any membership of p is limited in time.
func (p *Policy) HasTerms() bool {
	for _, g := range p.Groups {
		if len(g.Terms) > 0 {
			return true
		}
	}
	for _, a := range p.Applications {
		for _, o := range a.allObjects() {
			for _, g := range o.Groups {
				if len(g.Terms) > 0 {
					return true
				}
			}
			for _, r := range o.Roles {
				if len(r.Terms) > 0 {
					return true
				}
			}
		}
	}
	return false
}

// SetTerm limits the membership of target in relation rel (RelMember or
// RelGroup) of the role assignment or application group kind/name at l to
// term t (its Member is ignored; target names the member as Link takes
// it). A zero t removes the limit. The member must be there already: an
// error wrapping ErrNotFound otherwise.
func (p *Policy) SetTerm(l Location, kind Kind, name string, rel Relation, target string, t Term) error {
	if rel != RelMember && rel != RelGroup {
		return fmt.Errorf("%s: only members and member groups have a term, not %s: %w", l, rel, ErrInvalid)
	}
	list, value, err := p.relation(l, kind, name, rel, target)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(*list, func(s string) bool { return names.Equal(s, value) })
	if i < 0 {
		return fmt.Errorf("%s: %s %q has no %s %q: %w", l, kind, name, rel, target, ErrNotFound)
	}
	terms, err := p.termsOf(l, kind, name)
	if err != nil {
		return err
	}
	t.Member = (*list)[i]
	setTerm(terms, t)
	if kind == KindRole {
		r, _ := p.roleAt(l, name)
		r.PruneTerms()
	} else {
		g, _ := p.groupAt(l, name)
		g.PruneTerms()
	}
	return nil
}

// UpdateTerm is SetTerm for the sides t gives: a zero Start or Expires in t
// keeps the member's current one, so adding a start to a member who expires
// does not make it permanent. Linking commands (add-member --starts, POST
// …/links) use it; a document replacing the whole object uses SetTerm.
func (p *Policy) UpdateTerm(l Location, kind Kind, name string, rel Relation, target string, t Term) error {
	if terms, err := p.termsOf(l, kind, name); err == nil {
		if _, value, err := p.relation(l, kind, name, rel, target); err == nil {
			if old, ok := termOf(*terms, value); ok {
				if t.Start.IsZero() {
					t.Start = old.Start
				}
				if t.Expires.IsZero() {
					t.Expires = old.Expires
				}
			}
		}
	}
	return p.SetTerm(l, kind, name, rel, target, t)
}

// termsOf returns the Terms of the role assignment or group kind/name at l.
func (p *Policy) termsOf(l Location, kind Kind, name string) (*[]Term, error) {
	switch kind {
	case KindRole:
		r, err := p.roleAt(l, name)
		if err != nil {
			return nil, err
		}
		return &r.Terms, nil
	case KindGroup:
		g, err := p.groupAt(l, name)
		if err != nil {
			return nil, err
		}
		return &g.Terms, nil
	}
	return nil, fmt.Errorf("a %s has no members with terms: %w", kind, ErrInvalid)
}

func (p *Policy) roleAt(l Location, name string) (*Role, error) {
	_, o, err := p.scopeObjects(l)
	if err != nil {
		return nil, err
	}
	r, err := o.Role(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l, err)
	}
	return r, nil
}

func (p *Policy) groupAt(l Location, name string) (*Group, error) {
	groups, err := p.groupList(l)
	if err != nil {
		return nil, err
	}
	g, err := findGroup(*groups, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l, err)
	}
	return g, nil
}

// pruneTerms drops the terms whose member is in neither members nor
// links, and puts the others in member order (members, then links), the
// order stores read them in.
// Each is spelled as its member is. With keep, the terms of no member are
// kept, at the end (for Validate to report).
func pruneTerms(terms *[]Term, members, links []string, keep bool) {
	if len(*terms) == 0 {
		*terms = nil
		return
	}
	var out []Term
	for _, m := range slices.Concat(members, links) {
		if t, ok := termOf(*terms, m); ok && !slices.ContainsFunc(out, func(x Term) bool { return names.Equal(x.Member, m) }) {
			t.Member = m
			out = append(out, t)
		}
	}
	if keep {
		for _, t := range *terms {
			if !slices.ContainsFunc(out, func(x Term) bool { return names.Equal(x.Member, t.Member) }) {
				out = append(out, t)
			}
		}
	}
	*terms = out
}

// normalizeTerms spells and orders every term as its member (see
// pruneTerms), as a store reads it back.
func (p *Policy) normalizeTerms() {
	groups := func(gs []*Group) {
		for _, g := range gs {
			pruneTerms(&g.Terms, g.Members, g.AppMemberLinks, true)
		}
	}
	groups(p.Groups)
	for _, a := range p.Applications {
		for _, o := range a.allObjects() {
			groups(o.Groups)
			for _, r := range o.Roles {
				pruneTerms(&r.Terms, r.Members, r.AppMemberLinks, true)
			}
		}
	}
}

// PruneTerms drops every term whose member is no longer a member — what a
// store does with terms another tool (AzMan) left behind when it removed
// the member — and orders the others as the members are.
func (r *Role) PruneTerms() { pruneTerms(&r.Terms, r.Members, r.AppMemberLinks, false) }

// PruneTerms: see Role.PruneTerms.
func (g *Group) PruneTerms() { pruneTerms(&g.Terms, g.Members, g.AppMemberLinks, false) }

// terms checks the terms of an object with the given members and links.
func (v *validator) terms(obj string, terms []Term, members, links []string) {
	seen := map[string]bool{}
	for _, t := range terms {
		in := func(s string) bool { return names.Equal(s, t.Member) }
		switch {
		case strings.TrimSpace(t.Member) == "":
			v.add(obj, "Term", "a term names no member", ErrInvalid)
		case !slices.ContainsFunc(members, in) && !slices.ContainsFunc(links, in):
			v.add(obj, "Term", fmt.Sprintf("%q is not a member", t.Member), ErrDanglingLink)
		case seen[names.Key(t.Member)]:
			v.add(obj, "Term", fmt.Sprintf("member %q has two terms", t.Member), ErrDuplicate)
		case t.IsZero():
			v.add(obj, "Term", fmt.Sprintf("the term of member %q has neither a start nor an expiry", t.Member), ErrInvalid)
		}
		seen[names.Key(t.Member)] = true
	}
}

// InForce returns a copy of p holding only the memberships in force at
// now: each limited member or member group whose term is not Active at now
// is left out, with its term; terms in force stay. p is not changed. For
// readers that do not know terms (the Casbin model): the memberships
// authz decides with at now.
func (p *Policy) InForce(now time.Time) *Policy {
	q := p.Clone()
	keep := func(terms *[]Term, list *[]string) {
		*list = slices.DeleteFunc(*list, func(m string) bool {
			t, ok := termOf(*terms, m)
			return ok && !t.Active(now)
		})
	}
	prune := func(terms *[]Term, members, links *[]string) {
		if len(*terms) == 0 {
			return
		}
		keep(terms, members)
		keep(terms, links)
		pruneTerms(terms, *members, *links, false)
	}
	for _, g := range q.Groups {
		prune(&g.Terms, &g.Members, &g.AppMemberLinks)
	}
	for _, a := range q.Applications {
		for _, o := range a.allObjects() {
			for _, g := range o.Groups {
				prune(&g.Terms, &g.Members, &g.AppMemberLinks)
			}
			for _, r := range o.Roles {
				prune(&r.Terms, &r.Members, &r.AppMemberLinks)
			}
		}
	}
	return q
}
