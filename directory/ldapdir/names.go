package ldapdir

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/internal/names"
)

// A role assignment member is a plain string — a SID, a DN or an account
// name — and the checker matches it against every identifier of a client
// context, the user's and its groups' alike. A DN or a SID names exactly one
// entry, but a name need not: a group cn=alice and a user uid=alice, two
// groups cn=Admins in two OUs, a group whose cn looks like the SID
// S-1-5-32-544 or like a user's DN. Had such a name gone into contexts, a
// member written for one entry would grant the other's members too.
//
// So a name goes into a client context only when it names exactly one entry
// of one kind: the user search (UserFilter under UserBase, by UserName) and
// the group search (GroupFilter under GroupBase, by GroupNames) together
// find one entry for it — for DOMAIN\name, for the name too. A name shaped
// like a SID or a DN never goes in. Everything left out is reported (log,
// Directory.Collisions); the entry is still in the context by its DN and
// its SID, which no other entry can share.

// kind is what an entry is to ldapdir.
type kind uint8

const (
	kindUser kind = iota + 1
	kindGroup
)

func (k kind) String() string {
	if k == kindUser {
		return "user"
	}
	return "group"
}

// named is a directory entry and the names it carries.
type named struct {
	dn    string
	kind  kind
	names []string
}

// owner is an entry an identifier names.
type owner struct {
	key  string // normDN(dn): owners are the same entry when key and kind are
	dn   string // as the directory spells it
	kind kind
}

// Collision is a name left out of client contexts because it names more
// than one directory entry, or is shaped like a SID or a DN.
type Collision struct {
	// Name is the identifier as it would have gone into a context.
	Name string `json:"name"`
	// Entries are the entries it names, "user <DN>" or "group <DN>".
	Entries []string `json:"entries"`
	// Reason says why it was left out.
	Reason string `json:"reason"`
}

// maxCollisions bounds the collisions a Directory remembers.
const maxCollisions = 1000

// collisions remembers the collisions seen by Resolve, each once.
type collisions struct {
	mu   sync.Mutex
	seen map[string]Collision // by names.Key(Name)
}

// add records c and reports whether it is new.
func (s *collisions) add(c Collision) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := names.Key(c.Name)
	if old, ok := s.seen[k]; ok && slices.Equal(old.Entries, c.Entries) {
		return false
	}
	if s.seen == nil || len(s.seen) >= maxCollisions {
		s.seen = map[string]Collision{}
	}
	s.seen[k] = c
	return true
}

func (s *collisions) list() []Collision {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Collision, 0, len(s.seen))
	for _, c := range s.seen {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Collision) int { return strings.Compare(names.Key(a.Name), names.Key(b.Name)) })
	return out
}

// Collisions returns the names Resolve and Authenticate have left out of
// client contexts because each names more than one directory entry (or is
// shaped like a SID or a DN), with the entries it names: what an
// administrator must rename. At most maxCollisions are kept; each is also
// logged at WARN when first seen.
func (d *Directory) Collisions() []Collision { return d.collided.list() }

// identifiers are the ways a name of this directory appears in contexts.
func (d *Directory) identifiers(name string) []string {
	if d.cfg.Domain == "" {
		return []string{name}
	}
	return []string{name, d.qualify(name)}
}

// nameIndex maps identifiers to the entries they name.
type nameIndex struct {
	d       *Directory
	owners  map[string][]owner // names.Key(identifier) → entries it names
	spelled map[string]string  // names.Key(identifier) → identifier
}

func (d *Directory) newNameIndex() *nameIndex {
	return &nameIndex{d: d, owners: map[string][]owner{}, spelled: map[string]string{}}
}

// add records that the entry carries entryNames. With known, only
// identifiers already in the index are recorded.
func (x *nameIndex) add(dn string, k kind, entryNames []string, known bool) {
	o := owner{key: normDN(dn), dn: dn, kind: k}
	same := func(p owner) bool { return p.key == o.key && p.kind == o.kind }
	for _, n := range entryNames {
		for _, id := range x.d.identifiers(n) {
			key := names.Key(id)
			os, ok := x.owners[key]
			if known && !ok {
				continue
			}
			if !ok {
				x.spelled[key] = id
			}
			if !slices.ContainsFunc(os, same) {
				x.owners[key] = append(os, o)
			}
		}
	}
}

// collisions returns the identifiers that name more than one entry or are
// shaped like a SID or a DN, sorted by name.
func (x *nameIndex) collisions() []Collision {
	var out []Collision
	for k, os := range x.owners {
		id := x.spelled[k]
		var reason string
		switch {
		case len(os) > 1:
			reason = "names more than one directory entry"
		case names.LooksLikeSID(id):
			reason = "is shaped like a SID"
		case looksLikeDN(id):
			reason = "is shaped like a DN"
		default:
			continue
		}
		c := Collision{Name: id, Reason: reason}
		for _, o := range os {
			c.Entries = append(c.Entries, o.kind.String()+" "+o.dn)
		}
		slices.Sort(c.Entries)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Collision) int { return strings.Compare(names.Key(a.Name), names.Key(b.Name)) })
	return out
}

// nameSearches are the searches finding users and groups by name.
func (d *Directory) nameSearches() []struct {
	kind         kind
	base, filter string
	attrs        []string
} {
	a := d.cfg.Attributes
	return []struct {
		kind         kind
		base, filter string
		attrs        []string
	}{
		{kindUser, d.cfg.UserBase, d.cfg.UserFilter, []string{a.UserName}},
		{kindGroup, d.cfg.GroupBase, d.cfg.GroupFilter, a.GroupNames},
	}
}

// ambiguous returns the identifiers (by names.Key) of entries' names that
// must stay out of client contexts: those naming another entry too, or
// shaped like a SID or a DN. It searches the directory for every entry
// carrying any of the names.
func (d *Directory) ambiguous(ctx context.Context, entries []named) (map[string]bool, error) {
	x := d.newNameIndex()
	for _, e := range entries {
		x.add(e.dn, e.kind, e.names, false)
	}
	var raw []string // the names to search: each identifier, and rest for DOMAIN\rest
	seen := map[string]bool{}
	for k, id := range x.spelled {
		seen[k] = true
		raw = append(raw, id)
	}
	for _, id := range x.spelled {
		if dom, rest, ok := strings.Cut(id, `\`); ok && d.cfg.Domain != "" && names.Equal(dom, d.cfg.Domain) && !seen[names.Key(rest)] {
			seen[names.Key(rest)] = true
			raw = append(raw, rest)
		}
	}
	for _, s := range d.nameSearches() {
		var terms []string
		for _, n := range raw {
			for _, attr := range s.attrs {
				terms = append(terms, eqTerm(attr, n))
			}
		}
		found, err := d.searchBatched(ctx, s.base, s.filter, terms, s.attrs)
		if err != nil {
			return nil, unavailable("search "+s.kind.String()+"s by name", err)
		}
		for _, e := range found {
			x.add(e.DN, s.kind, entryNames(e, s.attrs), true)
		}
	}
	out := map[string]bool{}
	for _, c := range x.collisions() {
		out[names.Key(c.Name)] = true
		if d.collided.add(c) {
			d.log.Warn("ldapdir: a name is left out of client contexts: role assignments naming it grant nobody; "+
				"name the entry by DN or SID, or rename it", logKeyName, c.Name, logKeyReason, c.Reason, logKeyEntries, c.Entries)
		}
	}
	return out, nil
}

// CheckNames reads the names of every user and group of the directory and
// returns those that would be left out of client contexts — names carried
// by more than one entry, or shaped like a SID or a DN — with the entries
// carrying them. It is the directory check for administrators (azgate ldap
// check); Resolve finds the same collisions one user at a time. Errors:
// ErrUnavailable.
func (d *Directory) CheckNames(ctx context.Context) ([]Collision, error) {
	x := d.newNameIndex()
	for _, s := range d.nameSearches() {
		var res *ldap.SearchResult
		err := d.pool.do(ctx, func(conn *ldap.Conn) error {
			var err error
			res, err = conn.SearchWithPaging(ldap.NewSearchRequest(s.base, ldap.ScopeWholeSubtree,
				ldap.NeverDerefAliases, 0, 0, false, s.filter, s.attrs, nil), d.cfg.PageSize)
			return err
		})
		if err != nil {
			return nil, unavailable("read every "+s.kind.String(), err)
		}
		for _, e := range res.Entries {
			x.add(e.DN, s.kind, entryNames(e, s.attrs), false)
		}
	}
	return x.collisions(), nil
}

// entryNames are the values of attrs on e.
func entryNames(e *ldap.Entry, attrs []string) []string {
	var out []string
	for _, attr := range attrs {
		out = append(out, e.GetEqualFoldAttributeValues(attr)...)
	}
	return out
}

// addNames adds the identifiers of an entry's names that are not ambiguous.
func (d *Directory) addNames(ids *idSet, entryNames []string, ambiguous map[string]bool) {
	for _, n := range entryNames {
		for _, id := range d.identifiers(n) {
			if !ambiguous[names.Key(id)] {
				ids.add(id)
			}
		}
	}
}

// looksLikeDN reports whether a name could be read as a DN.
func looksLikeDN(name string) bool {
	if !strings.Contains(name, "=") {
		return false
	}
	dn, err := ldap.ParseDN(name)
	return err == nil && len(dn.RDNs) > 0
}
