package ldapstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/policy"
)

// Save validates p and writes it if the store is still at revision
// expected (0: there must be no store yet).
//
// It takes the store with one modify of the revision marker — delete the
// committed value "azgate:revision=N", add "…=N+1;pending" — which fails
// when another writer changed the marker first (policy.ErrConflict, nothing
// written). It then reads the entries, writes only the differences
// (deletes, renames, adds, attribute-value modifies) and finally commits
// the marker to N+1. Readers refuse a pending store, so they see the old
// policy or the new one. When a step fails, Save undoes what it wrote and
// restores revision N; when even that fails, the marker stays pending and
// the store reads as interrupted (ErrInterrupted) until a later Save
// repairs it. See the package documentation.
func (s *Store) Save(ctx context.Context, p *policy.Policy, expected policy.Revision) (policy.Revision, error) {
	return s.save(ctx, p, expected, false)
}

// save is Save; with takeOver it ignores expected and takes the store
// whatever its marker says (TakeOver).
func (s *Store) save(ctx context.Context, p *policy.Policy, expected policy.Revision, takeOver bool) (policy.Revision, error) {
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	if p == nil {
		return 0, fmt.Errorf("ldapstore %s: save: no policy: %w", s.cfg.StoreDN, policy.ErrInvalid)
	}
	if err := p.Validate(); err != nil {
		return 0, fmt.Errorf("ldapstore %s: save: %w", s.cfg.StoreDN, err)
	}
	want, err := buildTree(p, s.cfg.StoreDN)
	if err != nil {
		return 0, err
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()

	w := &writer{s: s}
	// 1. Take the store.
	var old marker
	var exists bool
	err = s.pool.do(ctx, func(conn *ldap.Conn) error {
		var err error
		old, exists, err = s.readMarker(conn)
		if err != nil {
			return err
		}
		next, err := s.nextRevision(old, exists, uint64(expected))
		if takeOver {
			next, err = old.rev+1, nil
			if !exists {
				next = 1
			}
		}
		if err != nil {
			return err
		}
		w.rev = next
		if !exists {
			return w.create(conn, want.root, storeGUID(p))
		}
		w.marker = pendingMarker(next, s.cfg.Writer, time.Now())
		w.lockedAt = time.Now()
		return s.swapMarker(conn, old.raw, w.marker)
	})
	if err != nil {
		return 0, err
	}

	// 2. Write the differences.
	var before *tree
	err = s.pool.do(ctx, func(conn *ldap.Conn) error {
		entries, err := s.readTree(conn)
		if err != nil {
			return err
		}
		if before, err = parseTree(entries, s.cfg.StoreDN, false); err != nil {
			return err
		}
		return w.apply(conn, before, want)
	})
	if err != nil {
		return 0, s.undo(ctx, w, before, old, exists, err)
	}

	// 3. Commit.
	err = s.pool.do(ctx, func(conn *ldap.Conn) error {
		return s.swapMarker(conn, w.marker, committedMarker(w.rev, want.digest()))
	})
	if err != nil {
		return 0, fmt.Errorf("ldapstore %s: commit revision %d (the store reads as interrupted until a save repairs it): %w",
			s.cfg.StoreDN, w.rev, err)
	}
	s.cfg.Logger.Debug("ldapstore: saved", logKeyRev, w.rev, "changes", w.ops)
	s.lastOps.Store(int64(w.ops))
	return policy.Revision(w.rev), nil
}

// nextRevision checks expected against the marker and returns the revision
// the save writes.
func (s *Store) nextRevision(m marker, exists bool, expected uint64) (uint64, error) {
	conflict := func(format string, args ...any) error {
		return fmt.Errorf("ldapstore %s: save against revision %d, but %s: %w", s.cfg.StoreDN, expected,
			fmt.Sprintf(format, args...), policy.ErrConflict)
	}
	switch {
	case !exists && expected != 0:
		return 0, conflict("the store does not exist")
	case !exists:
		return 1, nil
	case expected == 0:
		return 0, conflict("the store exists (revision %d)", m.rev)
	case m.pending && !s.expired(m):
		return 0, m.busy(s.cfg.StoreDN, errors.Join(policy.ErrConflict, ErrBusy))
	case m.pending:
		// Take over an interrupted save: the writer loaded m.rev-1 (or
		// learnt m.rev from the InterruptedError) and writes a whole
		// policy, repairing the store.
		if expected != m.rev && expected != m.rev-1 {
			return 0, conflict("an interrupted save of revision %d is there", m.rev)
		}
		s.cfg.Logger.Warn("ldapstore: taking over an interrupted save", logKeyRev, m.rev, "writer", m.writer)
		return m.rev + 1, nil
	case m.rev != expected:
		return 0, conflict("the store is at revision %d", m.rev)
	}
	return m.rev + 1, nil
}

// writer applies one save.
type writer struct {
	s        *Store
	rev      uint64
	marker   string // the pending marker this writer holds
	lockedAt time.Time
	created  bool // the store entry was added by this save
	ops      int
}

// create adds the store entry, already pending, creating missing parent
// containers. A store created by another writer meanwhile is a conflict.
// The store's GUID is the policy's, or a fresh one; a save over an existing
// store keeps the store's GUID, as the XML store does.
func (w *writer) create(conn *ldap.Conn, root *entry, storeGUID string) error {
	s := w.s
	w.marker = pendingMarker(w.rev, s.cfg.Writer, time.Now())
	w.lockedAt = time.Now()
	d, _ := parseDN(s.cfg.StoreDN)
	guid, err := guidBytes(storeGUID)
	if err != nil {
		guid, _ = guidBytes(policy.NewGUID())
	}
	req := ldap.NewAddRequest(s.cfg.StoreDN, nil)
	req.Attribute(attrObjectClass, root.classes)
	rdn := d.RDNs[0].Attributes[0]
	req.Attribute(rdn.Type, []string{rdn.Value})
	for _, a := range managedAttrs[kindStore] {
		if v, ok := root.attrs[a]; ok {
			req.Attribute(a, v)
		}
	}
	req.Attribute(attrGUID, []string{string(guid)})
	req.Attribute(attrGenericData, []string{w.marker})
	err = conn.Add(req)
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		if err = w.createParents(conn, d); err == nil {
			err = conn.Add(req)
		}
	}
	switch {
	case err == nil:
		w.created = true
		return nil
	case ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists):
		return fmt.Errorf("ldapstore %s: another writer created the store first: %w", s.cfg.StoreDN, policy.ErrConflict)
	}
	return w.s.opError("add", s.cfg.StoreDN, err)
}

// createParents adds the missing ancestors of the store entry as
// containers (CN=) or organizational units (OU=), as far up as needed.
func (w *writer) createParents(conn *ldap.Conn, d *ldap.DN) error {
	var missing []int
	for i := 1; i < len(d.RDNs); i++ {
		dn := (&ldap.DN{RDNs: d.RDNs[i:]}).String()
		_, err := conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
			"(objectClass=*)", []string{"1.1"}, nil))
		if err == nil {
			break
		}
		if !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return w.s.opError("read", dn, err)
		}
		missing = append(missing, i)
	}
	for j := len(missing) - 1; j >= 0; j-- {
		i := missing[j]
		dn := (&ldap.DN{RDNs: d.RDNs[i:]}).String()
		a := d.RDNs[i].Attributes[0]
		req := ldap.NewAddRequest(dn, nil)
		switch {
		case len(d.RDNs[i].Attributes) == 1 && (a.Type == "CN" || a.Type == "cn"):
			req.Attribute(attrObjectClass, []string{"top", classContainer})
			req.Attribute(attrCN, []string{a.Value})
		case len(d.RDNs[i].Attributes) == 1 && (a.Type == "OU" || a.Type == "ou"):
			req.Attribute(attrObjectClass, []string{"top", "organizationalUnit"})
			req.Attribute("ou", []string{a.Value})
		default:
			return fmt.Errorf("ldapstore: %s does not exist and azgate creates only CN= and OU= parents: %w", dn, policy.ErrNotFound)
		}
		if err := conn.Add(req); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
			return w.s.opError("add", dn, err)
		}
	}
	return nil
}

// opError wraps a failed directory operation, naming it and the DN, and
// recognises a directory without the AzMan schema.
func (s *Store) opError(op, dn string, err error) error {
	for _, code := range []uint16{ldap.LDAPResultUndefinedAttributeType, ldap.LDAPResultObjectClassViolation,
		ldap.LDAPResultInvalidAttributeSyntax} {
		if ldap.IsErrorWithCode(err, code) && isSchemaMessage(err) {
			return fmt.Errorf("ldapstore: %s %s: %w: %w", op, dn, ErrNoSchema, err)
		}
	}
	return fmt.Errorf("ldapstore: %s %s: %w", op, dn, err)
}

// isSchemaMessage tells a missing class or attribute type from other
// schema violations by the server's message.
func isSchemaMessage(err error) bool {
	var le *ldap.Error
	if !errors.As(err, &le) {
		return false
	}
	if le.ResultCode == ldap.LDAPResultUndefinedAttributeType {
		return true
	}
	msg := le.Error()
	for _, s := range []string{"invalid per syntax", "unrecognized objectClass", "no structural object class", "attribute type undefined"} {
		if containsFold(msg, s) {
			return true
		}
	}
	return false
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// renew refreshes the pending marker when a third of the lease has passed,
// so that a long save is not taken for an interrupted one. Every write
// step calls it first.
func (w *writer) renew(conn *ldap.Conn) error {
	if f := w.s.failAfter; f != nil && f(w.ops) {
		return fmt.Errorf("ldapstore: injected failure after %d changes", w.ops)
	}
	if w.marker == "" || time.Since(w.lockedAt) < w.s.cfg.Lease/3 {
		return nil
	}
	next := pendingMarker(w.rev, w.s.cfg.Writer, time.Now())
	if err := w.s.swapMarker(conn, w.marker, next); err != nil {
		return fmt.Errorf("ldapstore %s: lost the store while writing revision %d: %w", w.s.cfg.StoreDN, w.rev, err)
	}
	w.marker, w.lockedAt = next, time.Now()
	return nil
}

// apply makes the entries under the store equal to want, in four steps:
// delete what want lacks (children first), rename what moved, add what is
// new (parents first), and modify changed attributes value by value.
func (w *writer) apply(conn *ldap.Conn, cur, want *tree) error {
	match(cur, want)
	// Deletes, deepest first.
	dels := slices.DeleteFunc(slices.Clone(cur.entries), func(e *entry) bool { return e.match != nil })
	slices.SortStableFunc(dels, func(a, b *entry) int { return b.depth - a.depth })
	for _, e := range dels {
		if err := w.renew(conn); err != nil {
			return err
		}
		if err := conn.Del(ldap.NewDelRequest(e.dn, nil)); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return w.s.opError("delete", e.dn, err)
		}
		w.ops++
	}
	// Renames, parents first (cur.entries is in depth order).
	if err := w.renames(conn, cur); err != nil {
		return err
	}
	// Adds, parents first (want.entries is in depth order).
	for _, e := range want.entries {
		if e.match != nil {
			continue
		}
		if err := w.renew(conn); err != nil {
			return err
		}
		if err := conn.Add(e.addRequest()); err != nil {
			return w.s.opError("add", e.dn, err)
		}
		w.ops++
	}
	// Modifies.
	for _, e := range want.entries {
		if e.match == nil {
			continue
		}
		req := modifyRequest(e.match, e)
		if req == nil {
			continue
		}
		if err := w.renew(conn); err != nil {
			return err
		}
		if err := conn.Modify(req); err != nil {
			return w.s.opError("modify", e.dn, err)
		}
		w.ops++
	}
	return nil
}

// match pairs found entries with wanted ones: same identity, and parents
// paired with each other.
func match(cur, want *tree) {
	for _, e := range want.entries {
		e.match = nil
	}
	for _, c := range cur.entries {
		c.match = nil
		w := want.byKey[c.key]
		if w == nil || w.match != nil || w.kind != c.kind || !hasClass(c.classes, w.classes[len(w.classes)-1]) {
			continue
		}
		if c.kind != kindStore && (c.parent.match == nil || c.parent.match != w.parent) {
			continue
		}
		c.match, w.match = w, c
	}
}

// renames moves matched entries whose RDN differs to their wanted RDN. A
// wanted RDN held by a sibling that moves too is freed first by parking
// that sibling under a temporary name.
func (w *writer) renames(conn *ldap.Conn, cur *tree) error {
	now := map[*entry]string{} // current RDN of entries renamed so far
	rdnNow := func(e *entry) string {
		if r, ok := now[e]; ok {
			return r
		}
		return e.rdn
	}
	var dnNow func(e *entry) string
	dnNow = func(e *entry) string {
		if e.parent == nil {
			return e.dn
		}
		return rdnNow(e) + "," + dnNow(e.parent)
	}
	siblings := map[*entry]map[string]*entry{} // parent → folded RDN → child
	for _, c := range cur.entries {
		if c.match != nil && c.parent != nil {
			if siblings[c.parent] == nil {
				siblings[c.parent] = map[string]*entry{}
			}
			siblings[c.parent][normDN(c.rdn)] = c
		}
	}
	move := func(c *entry, rdn string) error {
		if err := w.renew(conn); err != nil {
			return err
		}
		dn := dnNow(c)
		if err := conn.ModifyDN(ldap.NewModifyDNRequest(dn, rdn, true, "")); err != nil {
			return w.s.opError("rename", dn, err)
		}
		w.ops++
		delete(siblings[c.parent], normDN(rdnNow(c)))
		siblings[c.parent][normDN(rdn)] = c
		now[c] = rdn
		return nil
	}
	for i, c := range cur.entries {
		if c.match == nil || c.parent == nil || normDN(c.rdn) == normDN(c.match.rdn) {
			continue
		}
		target := c.match.rdn
		if other := siblings[c.parent][normDN(target)]; other != nil && other != c {
			if err := move(other, "CN=azgate-moving-"+strconv.Itoa(i)+"-"+strconv.FormatInt(time.Now().UnixNano(), 36)); err != nil {
				return err
			}
		}
		if err := move(c, target); err != nil {
			return err
		}
	}
	return nil
}

// modifyRequest returns the modify that turns found entry c into wanted
// entry e, or nil when they agree: single-valued attributes replaced or
// deleted, link values deleted and added one by one.
func modifyRequest(c, e *entry) *ldap.ModifyRequest {
	req := ldap.NewModifyRequest(e.dn, nil)
	for _, a := range managedAttrs[e.kind] {
		have, want := c.attrs[a], e.attrs[a]
		switch {
		case slices.Equal(have, want):
		case len(want) == 0 && a == attrGenericData && (len(have) == 0 || !ownsGenericData(have[0])):
			// another tool's value (see terms.go): left alone
		case len(want) == 0:
			req.Delete(a, nil)
		default:
			req.Replace(a, want)
		}
	}
	if v, ok := e.attrs[attrObjectSid]; ok && !slices.Equal(c.attrs[attrObjectSid], v) {
		req.Replace(attrObjectSid, v)
	}
	for _, a := range linkAttrs[e.kind] {
		have := map[string]bool{}
		for _, t := range c.links[a] {
			have[t.id+"\x00"+t.norm] = true
		}
		wantSet := map[string]bool{}
		for _, t := range e.links[a] {
			wantSet[t.id+"\x00"+t.norm] = true
		}
		var del, add, kept, after []string
		for _, t := range c.links[a] {
			k := t.id + "\x00" + t.norm
			if !wantSet[k] {
				del = append(del, t.raw)
			} else {
				kept = append(kept, k)
			}
		}
		for _, t := range e.links[a] {
			k := t.id + "\x00" + t.norm
			if !have[k] {
				add = append(add, t.raw)
			}
			after = append(after, k)
		}
		if len(del) == 0 && len(add) == 0 {
			continue
		}
		// Value adds append; when that would not give the wanted order
		// (a value changed in place), rewrite the attribute in order.
		for _, t := range e.links[a] {
			if !have[t.id+"\x00"+t.norm] {
				kept = append(kept, t.id+"\x00"+t.norm)
			}
		}
		if !slices.Equal(kept, after) {
			vals := make([]string, len(e.links[a]))
			for i, t := range e.links[a] {
				vals[i] = t.raw
			}
			req.Replace(a, vals)
			continue
		}
		if len(del) > 0 {
			req.Delete(a, del)
		}
		if len(add) > 0 {
			req.Add(a, add)
		}
	}
	if len(req.Changes) == 0 {
		return nil
	}
	return req
}

// undo runs after a failed write: it restores the entries read before the
// write and the old marker. When the store did not exist, it removes what
// the save created. When undoing fails too, the marker stays pending and
// readers refuse the store until a later save repairs it.
func (s *Store) undo(ctx context.Context, w *writer, before *tree, old marker, existed bool, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 4*s.cfg.Timeout)
	defer cancel()
	err := s.pool.do(ctx, func(conn *ldap.Conn) error {
		entries, err := s.readTree(conn)
		if err != nil {
			return err
		}
		now, err := parseTree(entries, s.cfg.StoreDN, false)
		if err != nil {
			return err
		}
		if !existed {
			slices.SortStableFunc(now.entries, func(a, b *entry) int { return b.depth - a.depth })
			for _, e := range now.entries {
				if err := conn.Del(ldap.NewDelRequest(e.dn, nil)); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
					return err
				}
			}
			return nil
		}
		if before == nil {
			return errors.New("nothing was read before the failure")
		}
		for _, e := range before.entries {
			e.match = nil
		}
		if err := w.apply(conn, now, before); err != nil {
			return err
		}
		// Back at the old revision, but not with the old value: a reader
		// that read the old marker before this save and the entries during
		// it must see the marker change, or it would accept a torn read.
		restore := fmt.Sprintf("%s;restored=%d", committedMarker(old.rev, old.digest), time.Now().UnixNano())
		return s.swapMarker(conn, w.marker, restore)
	})
	if err != nil {
		s.cfg.Logger.Error("ldapstore: a failed save could not be undone; the store reads as interrupted until a save repairs it",
			logKeyRev, w.rev, logKeyErr, err)
		return fmt.Errorf("ldapstore %s: save of revision %d failed and could not be undone (%v), so the store reads as interrupted until a save repairs it: %w",
			s.cfg.StoreDN, w.rev, err, cause)
	}
	s.cfg.Logger.Warn("ldapstore: a failed save was undone", logKeyRev, w.rev, logKeyErr, cause)
	return fmt.Errorf("ldapstore %s: save of revision %d failed and was undone: %w", s.cfg.StoreDN, w.rev, cause)
}
