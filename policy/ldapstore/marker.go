package ldapstore

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/policy"
)

// The revision marker is the value of msDS-AzGenericData on the store
// entry:
//
//	azgate:revision=7;digest=<hex>                              committed
//	azgate:revision=8;pending;writer=host/42;since=<RFC 3339>   being written
//	azgate:revision=7;digest=<hex>;restored=<nanoseconds>       committed, after an undone save
//
// The digest summarises the entries the save wrote (see tree.digest);
// readers check it. A marker without one (older or foreign) is trusted.
// The "restored" form keeps an undone save from looking like no save at all
// to a reader that compares the marker before and after reading entries.
// A store without the attribute (written by AzMan) is at revision 1; so is
// one whose attribute holds something else (the value is replaced by the
// first save).
const markerPrefix = "azgate:revision="

type marker struct {
	raw     string // the value as stored; "" when absent
	rev     uint64
	pending bool
	writer  string
	since   time.Time
	digest  string
}

func parseMarker(vals []string) marker {
	if len(vals) == 0 {
		return marker{rev: 1}
	}
	m := marker{raw: vals[0], rev: 1}
	rest, ok := strings.CutPrefix(vals[0], markerPrefix)
	if !ok {
		return m
	}
	fields := strings.Split(rest, ";")
	n, err := strconv.ParseUint(fields[0], 10, 64)
	if err != nil || n == 0 {
		return m
	}
	m.rev = n
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "pending":
			m.pending = true
		case "writer":
			m.writer = v
		case "since":
			m.since, _ = time.Parse(time.RFC3339Nano, v)
		case "digest":
			m.digest = v
		}
	}
	return m
}

func committedMarker(rev uint64, digest string) string {
	m := markerPrefix + strconv.FormatUint(rev, 10)
	if digest != "" {
		m += ";digest=" + digest
	}
	return m
}

func pendingMarker(rev uint64, writer string, now time.Time) string {
	return fmt.Sprintf("%s%d;pending;writer=%s;since=%s", markerPrefix, rev, writer, now.UTC().Format(time.RFC3339Nano))
}

// seenMarker is the pending marker a Store saw last, and when it first saw
// it, by its own clock.
type seenMarker struct {
	raw string
	at  time.Time
}

// leaseStart is when a pending marker's lease started as this reader
// counts it: the writer's "since", but never later than the moment this
// Store first saw the marker. A writer's clock far ahead, or a forged
// since=2099-…, would otherwise hold the store for ever; so a lease runs
// out at most Config.Lease after a reader first saw the marker unchanged
// (a live writer renews it, changing it, every third of the lease).
func (s *Store) leaseStart(m marker) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen.raw != m.raw {
		s.seen = seenMarker{raw: m.raw, at: time.Now()}
	}
	if !m.since.IsZero() && m.since.Before(s.seen.at) {
		return m.since
	}
	return s.seen.at
}

// expired reports whether a pending marker's lease has run out.
func (s *Store) expired(m marker) bool {
	return m.pending && time.Since(s.leaseStart(m)) > s.cfg.Lease
}

// stuck reports whether a pending marker dates itself in the future: a
// forged marker, or a writer whose clock is far ahead.
func (m marker) stuck() bool {
	return m.pending && time.Until(m.since) > time.Minute
}

// busy is the error for a store held by m, a pending marker within its
// lease.
func (m marker) busy(storeDN string, sentinel error) error {
	hint := ""
	if m.stuck() {
		hint = " (a start in the future: a forged marker or a writer's clock far ahead; if no save is running, 'azgate store repair' clears it)"
	}
	return fmt.Errorf("ldapstore: %s: revision %d is being written by %s since %s%s: %w",
		storeDN, m.rev, m.writer, m.since.Format(time.RFC3339), hint, sentinel)
}

func (m marker) interrupted(storeDN string) *InterruptedError {
	return &InterruptedError{StoreDN: storeDN, Revision: m.rev, Writer: m.writer, Since: m.since.Format(time.RFC3339),
		Future: m.stuck()}
}

// readMarker reads the store entry's class and marker. exists is false
// when there is no entry at the store DN.
func (s *Store) readMarker(conn *ldap.Conn) (m marker, exists bool, err error) {
	req := ldap.NewSearchRequest(s.cfg.StoreDN, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1,
		int(s.cfg.Timeout.Seconds()+0.5), false, "(objectClass=*)", []string{attrObjectClass, attrGenericData}, nil)
	res, err := conn.Search(req)
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return marker{}, false, nil
	}
	if err != nil {
		return marker{}, false, fmt.Errorf("ldapstore: read %s: %w", s.cfg.StoreDN, err)
	}
	if len(res.Entries) != 1 {
		return marker{}, false, fmt.Errorf("ldapstore: read %s: %d entries: %w", s.cfg.StoreDN, len(res.Entries), ErrUnavailable)
	}
	e := res.Entries[0]
	if classes := e.GetEqualFoldAttributeValues(attrObjectClass); !hasClass(classes, classStore) {
		return marker{}, true, entryErr(s.cfg.StoreDN, attrObjectClass, nil, "not an AzMan store (objectClass %s, want %s)",
			strings.Join(classes, ", "), classStore)
	}
	return parseMarker(e.GetEqualFoldAttributeValues(attrGenericData)), true, nil
}

// swapMarker replaces the marker from old to new in one modify: delete the
// old value, add the new one. When another writer changed the marker
// first, the delete fails and so does the whole modify: a conflict.
func (s *Store) swapMarker(conn *ldap.Conn, old, new string) error {
	req := ldap.NewModifyRequest(s.cfg.StoreDN, nil)
	if old != "" {
		req.Delete(attrGenericData, []string{old})
	}
	req.Add(attrGenericData, []string{new})
	err := conn.Modify(req)
	if err == nil {
		return nil
	}
	for _, code := range []uint16{ldap.LDAPResultNoSuchAttribute, ldap.LDAPResultAttributeOrValueExists,
		ldap.LDAPResultConstraintViolation, ldap.LDAPResultNoSuchObject} {
		if ldap.IsErrorWithCode(err, code) {
			return fmt.Errorf("ldapstore: %s: another writer changed the revision marker: %w", s.cfg.StoreDN,
				errors.Join(policy.ErrConflict, err))
		}
	}
	return fmt.Errorf("ldapstore: %s: update revision marker: %w", s.cfg.StoreDN, err)
}
