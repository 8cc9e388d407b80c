package authz

import (
	"fmt"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/names"
)

// SubjectKind says what a Subject is.
type SubjectKind string

// The kinds of subjects.
const (
	// SubjectUser is a user with the identifiers and transitive groups its
	// directory gives it.
	SubjectUser SubjectKind = "user"
	// SubjectGroup is a directory group, matched by its identifiers and the
	// groups it is in: what its members get through it.
	SubjectGroup SubjectKind = "group"
	// SubjectPrincipal is a principal string a policy names (a SID or
	// account name) taken alone, with no groups: what the policy grants it
	// directly and through the application groups listing it.
	SubjectPrincipal SubjectKind = "principal"
	// SubjectApplicationGroup is an application group: what membership in
	// it confers, through the role assignments linking it and the groups
	// it is a member of.
	SubjectApplicationGroup SubjectKind = "application group"
)

// Subject is whose access an effective-access grid, an access list or a
// what-if is about.
type Subject struct {
	Kind SubjectKind `json:"kind"`
	Name string      `json:"name"`
	// Scope is the scope of a scope-level application group; "" for one at
	// application or store level, and for every other kind.
	Scope string `json:"scope,omitempty"`
	// Client is what a user, group or principal is matched by (unused for
	// application groups).
	Client directory.ClientContext `json:"-"`
}

// UserSubject is a user as its directory resolves it.
func UserSubject(c directory.ClientContext) Subject {
	return Subject{Kind: SubjectUser, Name: displayName(c), Client: c}
}

// GroupSubject is a directory group: c holds its identifiers (IDs) and the
// groups it is itself a member of (Groups), as a directory resolves a
// group.
func GroupSubject(c directory.ClientContext) Subject {
	return Subject{Kind: SubjectGroup, Name: displayName(c), Client: c}
}

// PrincipalSubject is a principal string taken alone.
func PrincipalSubject(name string) Subject {
	return Subject{Kind: SubjectPrincipal, Name: name, Client: directory.ClientContext{Name: name, IDs: []string{name}}}
}

// ApplicationGroupSubject is the application group name: at scope level in
// scope when scope is not "", else at application level or, failing
// that, store level.
func ApplicationGroupSubject(name, scope string) Subject {
	return Subject{Kind: SubjectApplicationGroup, Name: name, Scope: scope}
}

func displayName(c directory.ClientContext) string {
	if c.Name != "" {
		return c.Name
	}
	if len(c.IDs) > 0 {
		return c.IDs[0]
	}
	return ""
}

// key identifies a subject among others of a what-if: its kind and folded
// name (and scope).
func (s Subject) key() string {
	return string(s.Kind) + "\x00" + names.Key(s.Name) + "\x00" + names.Key(s.Scope)
}

// request returns the request that decides for s in scope si: its client
// context, or for an application group the group assumed.
func (c *Checker) subjectRequest(s Subject) (directory.ClientContext, []int32, error) {
	switch s.Kind {
	case SubjectUser, SubjectGroup, SubjectPrincipal:
		cl := s.Client
		if cl.Name == "" {
			cl.Name = s.Name
		}
		return cl, nil, nil
	case SubjectApplicationGroup:
		g, ok := c.findGroup(s.Name, s.Scope)
		if !ok {
			where := "at application or store level"
			if s.Scope != "" {
				where = fmt.Sprintf("in scope %q", s.Scope)
			}
			return directory.ClientContext{}, nil, fmt.Errorf("application %q: application group %q %s: %w", c.app, s.Name, where, ErrUnknownGroup)
		}
		return directory.ClientContext{Name: s.Name}, []int32{g}, nil
	}
	return directory.ClientContext{}, nil, fmt.Errorf("subject %q: kind %q: %w", s.Name, s.Kind, ErrUnknownGroup)
}

// findGroup finds an application group by name: in scope (when not ""),
// else at application level, else at store level.
func (c *Checker) findGroup(name, scope string) (int32, bool) {
	c.gnames.once.Do(func() {
		c.gnames.m = map[string][]int32{}
		for i := range c.groups {
			k := foldKey(c.groups[i].name)
			c.gnames.m[k] = append(c.gnames.m[k], int32(i))
		}
	})
	cands := c.gnames.m[foldKey(name)]
	want := []int32{appLevel, storeLevel}
	if scope != "" {
		si, ok := c.scopeIdx[foldKey(scope)]
		if !ok {
			return 0, false
		}
		want = []int32{si}
	}
	for _, l := range want {
		for _, g := range cands {
			if c.groups[g].level == l {
				return g, true
			}
		}
	}
	return 0, false
}

// assumeMembers makes the client of r a member of its assumed groups: each
// is decided "member" and it and every group above it may grant, as the
// LDAP query groups in dynUp may.
func (c *Checker) assumeMembers(st *scratch, r *request, w int, want uint64) {
	var queue []int32
	for _, g := range r.assume {
		st.set(g, fDone)
		st.set(g, fYes)
		queue = append(queue, g)
	}
	seen := map[int32]bool{}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		if seen[g] {
			continue
		}
		seen[g] = true
		queue = append(queue, c.groups[g].parents...)
		st.set(g, fPossible)
		grp := &c.groups[g]
		if c.word(grp.appFull, w)&want != 0 && st.set(g, fQueuedApp) {
			st.cand = append(st.cand, g)
		}
		if r.scope >= 0 && len(grp.scoped) > 0 {
			if s := findScopedIdx(grp.scoped, r.scope); s != nil && c.word(s.full, w)&want != 0 && st.set(g, fQueuedScope) {
				st.cand = append(st.cand, ^g)
			}
		}
	}
}
