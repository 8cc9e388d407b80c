package ldapstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/policy"
)

// Log keys.
const (
	logKeyStore = "store"
	logKeyRev   = "revision"
	logKeyErr   = "err"
)

// Store is an msldap:// policy store. It is safe for concurrent use; any
// number of Stores, in any number of processes and on any replica of the
// directory, may share one store DN.
type Store struct {
	cfg  Config
	pool *pool

	saveMu sync.Mutex // one Save of this Store at a time

	lastOps   atomic.Int64       // changes the last successful Save wrote
	failAfter func(ops int) bool // tests: make a save fail before a step

	mu     sync.Mutex
	seen   seenMarker // the last pending marker seen, for leases
	closed bool
	done   chan struct{}
	wg     sync.WaitGroup
}

var (
	_ policy.Store     = (*Store)(nil)
	_ policy.Inspector = (*Store)(nil)
)

// Open returns the store at cfg.StoreDN on cfg.URL. It does not contact
// the directory: a missing store, a wrong password or an unreachable
// server show up as errors of Load and Save.
func Open(cfg Config) (*Store, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c.Logger = c.Logger.With(logKeyStore, c.StoreDN)
	s := &Store{cfg: c, done: make(chan struct{})}
	s.pool = newPool(&s.cfg)
	return s, nil
}

// OpenURL opens the store a URL names (msldap://DN or
// msldap://HOST:PORT/DN, see ParseURL); cfg supplies the server when the
// URL names none, the credentials and the limits.
func OpenURL(rawURL string, cfg Config) (*Store, error) {
	server, dn, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if server != "" {
		cfg.URL = server
	}
	cfg.StoreDN = dn
	return Open(cfg)
}

// DN returns the store's DN.
func (s *Store) DN() string { return s.cfg.StoreDN }

// URL returns the directory server's URL.
func (s *Store) URL() string { return s.cfg.URL }

func (s *Store) checkOpen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("ldapstore %s: store is closed", s.cfg.StoreDN)
	}
	return nil
}

// Close stops every Watch and closes the connections. It is safe to call
// more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	s.wg.Wait()
	s.pool.close()
	return nil
}

// Load reads the whole store with one paged subtree search, between two
// reads of the revision marker: when the marker changed meanwhile, or says
// a save is in progress, Load reads again (waiting up to Config.Timeout
// for the writer). It returns an error wrapping policy.ErrNotFound when
// there is no entry at the store DN, an *InterruptedError when a save never
// finished, and an *EntryError naming the entry and attribute of anything
// malformed.
func (s *Store) Load(ctx context.Context) (*policy.Policy, policy.Revision, error) {
	p, rev, _, err := s.LoadProvenance(ctx)
	return p, rev, err
}

// LoadProvenance is Load that also says whether azgate wrote what it
// loaded: entries that do not match the marker's digest, or a marker
// without one, were written by another tool; the modifiers are the
// modifiersName of the entries changed since the marker was written. The
// fingerprint covers the marker and every entry's change stamp (entryCSN,
// uSNChanged or modifyTimestamp).
func (s *Store) LoadProvenance(ctx context.Context) (*policy.Policy, policy.Revision, policy.Provenance, error) {
	if err := s.checkOpen(); err != nil {
		return nil, 0, policy.Provenance{}, err
	}
	var (
		p    *policy.Policy
		rev  uint64
		prov policy.Provenance
	)
	deadline := time.Now().Add(s.cfg.Timeout)
	var catchUp time.Time
	err := s.pool.do(ctx, func(conn *ldap.Conn) error {
		for attempt := 0; ; attempt++ {
			m1, exists, err := s.readMarker(conn)
			if err != nil {
				return err
			}
			if !exists {
				return fmt.Errorf("ldapstore: %s: %w", s.cfg.StoreDN, policy.ErrNotFound)
			}
			if m1.pending {
				if s.expired(m1) {
					return m1.interrupted(s.cfg.StoreDN)
				}
				if time.Now().After(deadline) {
					return m1.busy(s.cfg.StoreDN, ErrBusy)
				}
				if err := sleep(ctx, 20*time.Millisecond); err != nil {
					return err
				}
				continue
			}
			entries, err := s.readTree(conn)
			if err != nil {
				return err
			}
			m2, _, err := s.readMarker(conn)
			if err != nil {
				return err
			}
			if m2.raw != m1.raw {
				if attempt > 20 || time.Now().After(deadline) {
					return fmt.Errorf("ldapstore: %s: the store kept changing while being read: %w", s.cfg.StoreDN, ErrBusy)
				}
				continue
			}
			t, err := parseTree(entries, s.cfg.StoreDN, true)
			if err == nil {
				p, err = decodePolicy(ctx, t, func(ctx context.Context, dn string) (string, error) {
					return s.resolveSID(conn, dn)
				})
			}
			if m1.digest != "" && (t == nil || t.digest() != m1.digest) {
				// The entries are not what the save of this revision
				// wrote: a replica still catching up (the marker can
				// arrive before the entries it stands for), or another
				// tool edited them. Read again for a while; then take
				// them as they are if they make a valid policy.
				if catchUp.IsZero() {
					catchUp = time.Now().Add(s.cfg.CatchUp)
				}
				if time.Now().Before(catchUp) {
					if err := sleep(ctx, 20*time.Millisecond); err != nil {
						return err
					}
					continue
				}
				if err == nil {
					s.cfg.Logger.Warn("ldapstore: the entries differ from what the save of this revision wrote (edited by another tool, or replication still catching up); using them",
						logKeyRev, m1.rev)
				}
			}
			if err != nil {
				return err
			}
			rev = m1.rev
			prov = provenance(m1, t, entries)
			return nil
		}
	})
	if err != nil {
		return nil, 0, policy.Provenance{}, err
	}
	if err := p.Validate(); err != nil {
		return nil, 0, policy.Provenance{}, fmt.Errorf("ldapstore %s: %w", s.cfg.StoreDN, err)
	}
	return p, policy.Revision(rev), prov, nil
}

// resolveSID reads the objectSid of a directory object a store names as a
// member.
func (s *Store) resolveSID(conn *ldap.Conn, dn string) (string, error) {
	res, err := conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1,
		int(s.cfg.Timeout.Seconds()+0.5), false, "(objectClass=*)", []string{attrObjectSid}, nil))
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return "", errors.New("no such entry")
	}
	if err != nil {
		return "", err
	}
	if len(res.Entries) != 1 {
		return "", errors.New("no such entry")
	}
	raw := res.Entries[0].GetRawAttributeValue(attrObjectSid)
	if len(raw) == 0 {
		return "", errors.New("the entry has no objectSid, so azgate cannot name it as a principal")
	}
	return formatSID(raw)
}

// formatSID renders a binary SID as "S-1-…".
func formatSID(b []byte) (string, error) {
	if len(b) < 8 || b[0] != 1 || len(b) != 8+4*int(b[1]) {
		return "", fmt.Errorf("objectSid of %d bytes is not a SID", len(b))
	}
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	var sb strings.Builder
	sb.WriteString("S-1-")
	sb.WriteString(strconv.FormatUint(auth, 10))
	for i := 0; i < int(b[1]); i++ {
		sb.WriteByte('-')
		sb.WriteString(strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10))
	}
	return sb.String(), nil
}

// Revision returns the store's committed revision without reading the
// policy: one base-object read of the marker. It returns 0 when there is
// no store, the previous revision while a save is in progress, an
// *InterruptedError for a save that never finished, and ErrBusy for a save
// in progress dated in the future (a forged marker, a clock far ahead).
func (s *Store) Revision(ctx context.Context) (policy.Revision, error) {
	m, exists, err := s.marker(ctx)
	if err != nil || !exists {
		return 0, err
	}
	if m.pending {
		switch {
		case s.expired(m):
			return 0, m.interrupted(s.cfg.StoreDN)
		case m.stuck():
			// Dated in the future: no writer will commit it; /readyz says
			// so at once rather than after the lease.
			return 0, m.busy(s.cfg.StoreDN, ErrBusy)
		}
		return policy.Revision(m.rev - 1), nil
	}
	return policy.Revision(m.rev), nil
}

func (s *Store) marker(ctx context.Context) (m marker, exists bool, err error) {
	if err := s.checkOpen(); err != nil {
		return marker{}, false, err
	}
	err = s.pool.do(ctx, func(conn *ldap.Conn) error {
		m, exists, err = s.readMarker(conn)
		return err
	})
	return m, exists, err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
