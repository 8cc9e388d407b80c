package ldapstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/policy"
)

// Salvaged is a policy read from a damaged store, and what was fixed or
// left out to read it.
type Salvaged struct {
	Policy   *policy.Policy
	Revision policy.Revision // the committed revision (for a pending marker, the one before it)
	Pending  bool            // the marker says a save is in progress or was interrupted
	Fixes    []string        // one line per fix, naming the entry and attribute
}

// Salvage reads the store as Load does, but instead of refusing it for a
// malformed entry it repairs or leaves out what is wrong, and says so:
//
//   - an entry whose msDS-AzObjectGuid is missing or not a GUID gets a new
//     one (links name entries by DN, so nothing else changes);
//   - any other malformed entry is left out with the entries under it, and
//     the links naming them are dropped — which only takes access away,
//     except from msDS-NonMembers: a store whose repair would drop a
//     non-member is refused, since that would grant more.
//
// It reads the entries whatever the marker says (a pending or interrupted
// save included). Saving the result (Save at Revision, or TakeOver) writes
// the repair. A store Load accepts is returned with no fixes.
func (s *Store) Salvage(ctx context.Context) (*Salvaged, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	var out *Salvaged
	err := s.pool.do(ctx, func(conn *ldap.Conn) error {
		m, exists, err := s.readMarker(conn)
		if err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("ldapstore: %s: %w", s.cfg.StoreDN, policy.ErrNotFound)
		}
		entries, err := s.readTree(conn)
		if err != nil {
			return err
		}
		rev := m.rev
		if m.pending {
			rev--
		}
		out = &Salvaged{Revision: policy.Revision(rev), Pending: m.pending}
		for range len(entries) + 1 {
			p, err := s.decodeEntries(ctx, conn, entries)
			if err == nil {
				out.Policy = p
				return nil
			}
			var ee *EntryError
			if !errors.As(err, &ee) || normDN(ee.DN) == normDN(s.cfg.StoreDN) {
				return fmt.Errorf("ldapstore: %s: cannot be repaired entry by entry: %w", s.cfg.StoreDN, err)
			}
			fix, rest, err := salvageEntry(entries, ee)
			if err != nil {
				return err
			}
			out.Fixes = append(out.Fixes, fix)
			entries = rest
		}
		return fmt.Errorf("ldapstore: %s: still malformed after %d repairs", s.cfg.StoreDN, len(out.Fixes))
	})
	return out, err
}

// decodeEntries is Load's reading of entries into a valid policy.
func (s *Store) decodeEntries(ctx context.Context, conn *ldap.Conn, entries []*ldap.Entry) (*policy.Policy, error) {
	t, err := parseTree(entries, s.cfg.StoreDN, true)
	if err != nil {
		return nil, err
	}
	p, err := decodePolicy(ctx, t, func(ctx context.Context, dn string) (string, error) { return s.resolveSID(conn, dn) })
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("ldapstore %s: %w", s.cfg.StoreDN, err)
	}
	return p, nil
}

// salvageEntry repairs or leaves out the entry ee names, returning what it
// did and the entries to read next.
func salvageEntry(entries []*ldap.Entry, ee *EntryError) (string, []*ldap.Entry, error) {
	bad := normDN(ee.DN)
	if canonicalAttr(ee.Attr) == attrGUID {
		for _, e := range entries {
			if normDN(e.DN) != bad {
				continue
			}
			g, _ := guidBytes(policy.NewGUID())
			e.Attributes = slices.DeleteFunc(e.Attributes, func(a *ldap.EntryAttribute) bool { return canonicalAttr(a.Name) == attrGUID })
			e.Attributes = append(e.Attributes, &ldap.EntryAttribute{Name: attrGUID, Values: []string{string(g)}, ByteValues: [][]byte{g}})
			return fmt.Sprintf("%s: %s: %s — given a new GUID (links name entries by DN: nothing else changes)", ee.DN, ee.Attr, ee.Detail), entries, nil
		}
	}
	under := func(dn string) bool { n := normDN(dn); return n == bad || strings.HasSuffix(n, ","+bad) }
	var rest []*ldap.Entry
	dropped := 0
	for _, e := range entries {
		if under(e.DN) {
			dropped++
		} else {
			rest = append(rest, e)
		}
	}
	var unlinked []string
	for _, e := range rest {
		for _, a := range e.Attributes {
			if !isLinkAttr(a.Name) {
				continue
			}
			n := len(a.Values)
			a.Values = slices.DeleteFunc(a.Values, under)
			if len(a.Values) == n {
				continue
			}
			if canonicalAttr(a.Name) == attrNonMembers {
				return "", nil, fmt.Errorf("ldapstore: %s: %s: %s; leaving it out would drop it from the %s of %s, which grants more: "+
					"repair it by hand or restore a known-good copy (azgate store repair --from): %w",
					ee.DN, ee.Attr, ee.Detail, attrNonMembers, e.DN, policy.ErrInvalid)
			}
			a.ByteValues = nil
			unlinked = append(unlinked, fmt.Sprintf("%s of %s", canonicalAttr(a.Name), e.DN))
		}
	}
	fix := fmt.Sprintf("%s: %s: %s — left out", ee.DN, cmpOr(ee.Attr, "entry"), ee.Detail)
	if dropped > 1 {
		fix += fmt.Sprintf(" with the %d entries under it", dropped-1)
	}
	if len(unlinked) > 0 {
		fix += "; links to it dropped from " + strings.Join(unlinked, ", ")
	}
	return fix, rest, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TakeOver saves p over the store whatever state it is in: entries Load
// refuses, an interrupted save, or a save in progress that never ends (a
// marker dated in the future). It is the repair of last resort (azgate
// store repair, store copy --force): a writer saving at that moment loses
// its save. It writes only the differences, so the store then holds
// exactly p, at a revision above the marker's.
func (s *Store) TakeOver(ctx context.Context, p *policy.Policy) (policy.Revision, error) {
	return s.save(ctx, p, 0, true)
}
