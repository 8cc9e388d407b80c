package localdir

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/internal/regfile"
	"golang.org/x/crypto/bcrypt"
)

const fileVersion = 1

// fileData is the on-disk JSON document.
type fileData struct {
	Version    int        `json:"version"`
	MachineSID string     `json:"machine_sid"`
	NextRID    uint32     `json:"next_rid"`
	Users      []userRec  `json:"users"`
	Groups     []groupRec `json:"groups"`
}

type userRec struct {
	Name         string `json:"name"`
	SID          string `json:"sid"`
	PasswordHash string `json:"password_hash"`
	// Aliases are further identifiers of the user (an e-mail address, an
	// identity provider's subject ID): Resolve finds the user by any of
	// them and its client context carries them, so role assignments may
	// name it by any.
	Aliases []string   `json:"aliases,omitempty"`
	Tokens  []tokenRec `json:"tokens,omitempty"`
	Created time.Time  `json:"created"`
}

type tokenRec struct {
	Label   string    `json:"label"`
	SHA256  string    `json:"sha256"`
	Created time.Time `json:"created"`
	// Expires, when set, is when the token stops authenticating.
	Expires time.Time `json:"expires,omitzero"`
	// LastUsed is when the token last authenticated, recorded at most once
	// per lastUsedEvery.
	LastUsed time.Time `json:"last_used,omitzero"`
}

// expired reports whether the token no longer authenticates at now.
func (t *tokenRec) expired(now time.Time) bool { return !t.Expires.IsZero() && !now.Before(t.Expires) }

// tokenEntry is a token and its owner, as the token index holds them.
type tokenEntry struct {
	user *userRec
	tok  *tokenRec
}

type groupRec struct {
	Name    string    `json:"name"`
	SID     string    `json:"sid"`
	Members []string  `json:"members"`
	Created time.Time `json:"created"`
}

var machineSIDRe = regexp.MustCompile(`^S-1-5-21-[0-9]{1,10}-[0-9]{1,10}-[0-9]{1,10}$`)

// newFileData returns the contents of a fresh directory: a random machine
// SID and the Administrators group.
func newFileData(now time.Time) (*fileData, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("generate machine SID: %w", err)
	}
	sid := fmt.Sprintf("S-1-5-21-%d-%d-%d",
		binary.BigEndian.Uint32(b[0:4]), binary.BigEndian.Uint32(b[4:8]), binary.BigEndian.Uint32(b[8:12]))
	return &fileData{
		Version:    fileVersion,
		MachineSID: sid,
		NextRID:    firstRID,
		Users:      []userRec{},
		Groups: []groupRec{{
			Name: AdministratorsName, SID: AdministratorsSID, Members: []string{}, Created: now.UTC(),
		}},
	}, nil
}

// allocSID returns the next account SID and advances NextRID.
func (fd *fileData) allocSID() (string, error) {
	if fd.NextRID == ^uint32(0) {
		return "", fmt.Errorf("%w: relative IDs exhausted", ErrInvalid)
	}
	sid := fd.MachineSID + "-" + strconv.FormatUint(uint64(fd.NextRID), 10)
	fd.NextRID++
	return sid, nil
}

// state is an immutable, validated, indexed view of one version of the file.
type state struct {
	fd       *fileData
	users    map[string]*userRec   // by names.Key of the name
	groups   map[string]*groupRec  // by names.Key of the name
	bySID    map[string]string     // names.Key of the SID -> key of the name (user or group)
	byAlias  map[string]string     // names.Key of a user's alias -> key of the user's name
	tokens   map[string]tokenEntry // token SHA-256 hex -> token and owner
	memberOf map[string][]string   // key of a member name -> keys of its groups' names
}

// sameName is the error for two records whose names are one name by the
// rule names compare by (names.Equal): a file written by an azgate that
// compared names differently may hold both. Loading it fails, naming both;
// rename or remove one in the file.
func sameName(what, a, b string) error {
	return fmt.Errorf("%s %q and %q are the same name (names compare by simple Unicode case folding): rename or remove one", what, a, b)
}

// newState validates fd and indexes it. Errors describe what is wrong; the
// caller adds the file name and ErrCorrupt or the operation.
func newState(fd *fileData) (*state, error) {
	if fd.Version != fileVersion {
		return nil, fmt.Errorf("unsupported version %d (want %d)", fd.Version, fileVersion)
	}
	if !machineSIDRe.MatchString(fd.MachineSID) {
		return nil, fmt.Errorf("machine_sid %q is not S-1-5-21-a-b-c", fd.MachineSID)
	}
	s := &state{
		fd:       fd,
		users:    make(map[string]*userRec, len(fd.Users)),
		groups:   make(map[string]*groupRec, len(fd.Groups)),
		bySID:    make(map[string]string, len(fd.Users)+len(fd.Groups)),
		byAlias:  map[string]string{},
		tokens:   map[string]tokenEntry{},
		memberOf: map[string][]string{},
	}
	checkSID := func(what, name, sid string) error {
		if name == AdministratorsName && what == "group" {
			if sid != AdministratorsSID {
				return fmt.Errorf("group %q has SID %q, want %s", name, sid, AdministratorsSID)
			}
		} else {
			prefix := fd.MachineSID + "-"
			rid, err := strconv.ParseUint(strings.TrimPrefix(sid, prefix), 10, 32)
			if !strings.HasPrefix(sid, prefix) || err != nil {
				return fmt.Errorf("%s %q: SID %q is not %s<RID>", what, name, sid, prefix)
			}
			if rid < firstRID || rid >= uint64(fd.NextRID) {
				return fmt.Errorf("%s %q: SID %q has RID outside [%d, next_rid %d)", what, name, sid, firstRID, fd.NextRID)
			}
		}
		key := names.Key(sid)
		if other, dup := s.bySID[key]; dup {
			return fmt.Errorf("%s %q: SID %s also used by %q", what, name, sid, other)
		}
		s.bySID[key] = names.Key(name)
		return nil
	}
	for i := range fd.Users {
		u := &fd.Users[i]
		if err := validateName("user name", u.Name); err != nil {
			return nil, fmt.Errorf("user %d: %w", i+1, err)
		}
		k := names.Key(u.Name)
		if prev, dup := s.users[k]; dup {
			return nil, sameName("users", prev.Name, u.Name)
		}
		s.users[k] = u
		if err := checkSID("user", u.Name, u.SID); err != nil {
			return nil, err
		}
		if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			return nil, fmt.Errorf("user %q: password_hash is not a bcrypt hash: %v", u.Name, err)
		}
		labels := map[string]string{}
		for j := range u.Tokens {
			t := &u.Tokens[j]
			if err := validateName("token label", t.Label); err != nil {
				return nil, fmt.Errorf("user %q: %w", u.Name, err)
			}
			if prev, dup := labels[names.Key(t.Label)]; dup {
				return nil, fmt.Errorf("user %q: %w", u.Name, sameName("token labels", prev, t.Label))
			}
			labels[names.Key(t.Label)] = t.Label
			if b, err := hex.DecodeString(t.SHA256); err != nil || len(b) != 32 || t.SHA256 != strings.ToLower(t.SHA256) {
				return nil, fmt.Errorf("user %q: token %q: sha256 is not 64 lower-case hex digits", u.Name, t.Label)
			}
			if _, dup := s.tokens[t.SHA256]; dup {
				return nil, fmt.Errorf("user %q: token %q: hash also used by another token", u.Name, t.Label)
			}
			s.tokens[t.SHA256] = tokenEntry{user: u, tok: t}
		}
	}
	for i := range fd.Groups {
		g := &fd.Groups[i]
		if err := validateName("group name", g.Name); err != nil {
			return nil, fmt.Errorf("group %d: %w", i+1, err)
		}
		k := names.Key(g.Name)
		if u, dup := s.users[k]; dup {
			return nil, sameName("user and group", u.Name, g.Name)
		}
		if prev, dup := s.groups[k]; dup {
			return nil, sameName("groups", prev.Name, g.Name)
		}
		s.groups[k] = g
		if err := checkSID("group", g.Name, g.SID); err != nil {
			return nil, err
		}
	}
	if err := s.indexAliases(); err != nil {
		return nil, err
	}
	if g, ok := s.groups[names.Key(AdministratorsName)]; !ok || g.Name != AdministratorsName {
		return nil, fmt.Errorf("group %q is missing", AdministratorsName)
	}
	for _, g := range fd.Groups {
		seen := map[string]string{}
		for _, m := range g.Members {
			mk := names.Key(m)
			if _, ok := s.users[mk]; !ok {
				if _, ok := s.groups[mk]; !ok {
					return nil, fmt.Errorf("group %q: member %q is neither a user nor a group", g.Name, m)
				}
			}
			if prev, dup := seen[mk]; dup {
				return nil, fmt.Errorf("group %q: member %q listed twice (as %q and %q)", g.Name, m, prev, m)
			}
			seen[mk] = m
			s.memberOf[mk] = append(s.memberOf[mk], names.Key(g.Name))
		}
	}
	for k := range s.groups {
		if s.reaches(k, k) {
			return nil, fmt.Errorf("group %q: %w", s.groups[k].Name, ErrCycle)
		}
	}
	return s, nil
}

// reaches reports whether group "to" is reachable from member "from" by
// following memberOf edges at least once.
func (s *state) reaches(from, to string) bool {
	seen := map[string]bool{}
	stack := append([]string(nil), s.memberOf[from]...)
	for len(stack) > 0 {
		g := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if g == to {
			return true
		}
		if seen[g] {
			continue
		}
		seen[g] = true
		stack = append(stack, s.memberOf[g]...)
	}
	return false
}

// groupsOf returns every group member k is in, transitively, as folded
// names in sorted order.
func (s *state) groupsOf(k string) []string {
	seen := map[string]bool{}
	stack := append([]string(nil), s.memberOf[k]...)
	for len(stack) > 0 {
		g := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[g] {
			continue
		}
		seen[g] = true
		stack = append(stack, s.memberOf[g]...)
	}
	out := make([]string, 0, len(seen))
	for g := range seen {
		out = append(out, g)
	}
	slices.Sort(out)
	return out
}

// indexAliases checks every user's aliases (valid names, each naming one
// user only: no other alias, user or group name, or SID) and indexes them.
func (s *state) indexAliases() error {
	for i := range s.fd.Users {
		u := &s.fd.Users[i]
		for _, a := range u.Aliases {
			if err := validateName("alias", a); err != nil {
				return fmt.Errorf("user %q: %w", u.Name, err)
			}
			if err := s.identifierTaken(a); err != nil {
				return fmt.Errorf("user %q: alias %q: %w", u.Name, a, err)
			}
			s.byAlias[names.Key(a)] = names.Key(u.Name)
		}
	}
	return nil
}

// identifierTaken returns an error naming the user or group that already
// answers to id: by name, SID or alias.
func (s *state) identifierTaken(id string) error {
	k := names.Key(id)
	if u, ok := s.users[k]; ok {
		return fmt.Errorf("%w: user %q", ErrExists, u.Name)
	}
	if g, ok := s.groups[k]; ok {
		return fmt.Errorf("%w: group %q", ErrExists, g.Name)
	}
	if owner, ok := s.bySID[k]; ok {
		return fmt.Errorf("%w: the SID of %q", ErrExists, owner)
	}
	if owner, ok := s.byAlias[k]; ok {
		return fmt.Errorf("%w: an alias of user %q", ErrExists, s.users[owner].Name)
	}
	return nil
}

// findUser looks a user up by name, SID or alias.
func (s *state) findUser(name string) (*userRec, bool) {
	if u, ok := s.users[names.Key(name)]; ok {
		return u, true
	}
	if k, ok := s.bySID[names.Key(name)]; ok {
		u, ok := s.users[k]
		return u, ok
	}
	if k, ok := s.byAlias[names.Key(name)]; ok {
		u, ok := s.users[k]
		return u, ok
	}
	return nil, false
}

// findGroup looks a group up by name, SID or BUILTIN\Administrators.
func (s *state) findGroup(name string) (*groupRec, bool) {
	if names.Equal(name, AdministratorsQualified) {
		name = AdministratorsName
	}
	if g, ok := s.groups[names.Key(name)]; ok {
		return g, true
	}
	if k, ok := s.bySID[names.Key(name)]; ok {
		g, ok := s.groups[k]
		return g, ok
	}
	return nil, false
}

// maxFileSize bounds the directory file: a million users fit in far less.
const maxFileSize = 256 << 20

// readFile reads and validates the directory file, returning the identity
// of the exact file read. Anything but a regular file is an error
// (regfile.Open).
func readFile(path string) (*state, os.FileInfo, error) {
	f, fi, err := regfile.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("localdir: open: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("localdir: read %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, nil, fmt.Errorf("localdir: %s: %w: larger than %d bytes", path, ErrCorrupt, maxFileSize)
	}
	st, err := parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("localdir: %s: %w: %w", path, ErrCorrupt, err)
	}
	return st, fi, nil
}

func parse(data []byte) (*state, error) {
	var fd fileData
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fd); err != nil {
		return nil, fmt.Errorf("parse JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("parse JSON: trailing data after the document")
	}
	if fd.Users == nil {
		fd.Users = []userRec{}
	}
	return newState(&fd)
}

// clone returns a deep copy of fd that a mutation may change freely.
func (fd *fileData) clone() *fileData {
	c := *fd
	c.Users = make([]userRec, len(fd.Users))
	for i, u := range fd.Users {
		u.Tokens = append([]tokenRec(nil), u.Tokens...)
		c.Users[i] = u
	}
	c.Groups = make([]groupRec, len(fd.Groups))
	for i, g := range fd.Groups {
		g.Members = append([]string{}, g.Members...)
		c.Groups[i] = g
	}
	return &c
}

// writeAtomic replaces path with data (regfile.WriteAtomic), always 0600:
// the file holds password hashes and token hashes. It returns the identity
// of the new file.
func writeAtomic(path string, data []byte) (os.FileInfo, error) {
	fi, err := regfile.WriteAtomic(path, data, regfile.WriteOptions{Perm: 0o600})
	if err != nil {
		return nil, fmt.Errorf("localdir: %w", err)
	}
	return fi, nil
}

func encode(fd *fileData) ([]byte, error) {
	b, err := json.MarshalIndent(fd, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("localdir: encode: %w", err)
	}
	return append(b, '\n'), nil
}

// sameFile reports whether a and b describe the same version of a file.
func sameFile(a, b os.FileInfo) bool {
	return a != nil && b != nil && os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}
