package localdir

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/names"
)

// TokenPrefix starts every API token.
const TokenPrefix = "azg_"

const maxPasswordLen = 72 // bcrypt's limit

// validateText checks a label: non-empty, valid UTF-8, at most 256 bytes,
// no control characters, no surrounding white space.
func validateText(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w %s: empty", ErrInvalid, what)
	case len(s) > maxNameLen:
		return fmt.Errorf("%w %s: %d bytes, at most %d allowed", ErrInvalid, what, len(s), maxNameLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w %s %q: not valid UTF-8", ErrInvalid, what, s)
	case strings.TrimSpace(s) != s:
		return fmt.Errorf("%w %s %q: leading or trailing white space", ErrInvalid, what, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w %s %q: contains control character %U", ErrInvalid, what, s, r)
		}
	}
	return nil
}

// validateName checks a user or group name: as validateText, and also no
// backslash (the DOMAIN\name separator) and not shaped like a SID, so a
// name can never be mistaken for another principal in a role assignment.
func validateName(what, s string) error {
	if err := validateText(what, s); err != nil {
		return err
	}
	if strings.ContainsRune(s, '\\') {
		return fmt.Errorf("%w %s %q: contains a backslash", ErrInvalid, what, s)
	}
	if names.LooksLikeSID(s) {
		return fmt.Errorf("%w %s %q: looks like a SID", ErrInvalid, what, s)
	}
	return nil
}

func validatePassword(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("%w password: empty", ErrInvalid)
	case len(p) > maxPasswordLen:
		return fmt.Errorf("%w password: %d bytes, at most %d allowed (bcrypt)", ErrInvalid, len(p), maxPasswordLen)
	}
	return nil
}

func (d *Directory) hashPassword(p string) (string, error) {
	if err := validatePassword(p); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(p), d.cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

func nameTaken(st *state, name string) error {
	if u, ok := st.users[names.Key(name)]; ok {
		return fmt.Errorf("%w: user %q", ErrExists, u.Name)
	}
	if g, ok := st.groups[names.Key(name)]; ok {
		return fmt.Errorf("%w: group %q", ErrExists, g.Name)
	}
	if owner, ok := st.byAlias[names.Key(name)]; ok {
		return fmt.Errorf("%w: an alias of user %q", ErrExists, st.users[owner].Name)
	}
	return nil
}

// userIndex and groupIndex locate records in the mutable copy.
func userIndex(fd *fileData, name string) int {
	return slices.IndexFunc(fd.Users, func(u userRec) bool { return names.Equal(u.Name, name) })
}

func groupIndex(fd *fileData, name string) int {
	return slices.IndexFunc(fd.Groups, func(g groupRec) bool { return names.Equal(g.Name, name) })
}

// removeMemberEverywhere deletes name from every group's member list.
func removeMemberEverywhere(fd *fileData, name string) {
	for i := range fd.Groups {
		fd.Groups[i].Members = slices.DeleteFunc(fd.Groups[i].Members, func(m string) bool { return names.Equal(m, name) })
	}
}

// AddUser creates a user with a password. It returns ErrExists if a user or
// group already has the name.
func (d *Directory) AddUser(ctx context.Context, name, password string) error {
	op := fmt.Sprintf("add user %q", name)
	if err := validateName("user name", name); err != nil {
		return fmt.Errorf("localdir: %s: %w", op, err)
	}
	hash, err := d.hashPassword(password)
	if err != nil {
		return fmt.Errorf("localdir: %s: %w", op, err)
	}
	return d.update(ctx, op, func(st *state, fd *fileData) error {
		return addUser(st, fd, name, hash, d.now())
	})
}

func addUser(st *state, fd *fileData, name, hash string, now time.Time) error {
	if err := nameTaken(st, name); err != nil {
		return err
	}
	sid, err := fd.allocSID()
	if err != nil {
		return err
	}
	fd.Users = append(fd.Users, userRec{Name: name, SID: sid, PasswordHash: hash, Created: now.UTC()})
	return nil
}

// SetPassword replaces a user's password. Cached verifications of the old
// password stop working at once.
func (d *Directory) SetPassword(ctx context.Context, name, password string) error {
	op := fmt.Sprintf("set password of %q", name)
	hash, err := d.hashPassword(password)
	if err != nil {
		return fmt.Errorf("localdir: %s: %w", op, err)
	}
	defer d.cache.forget(name)
	return d.update(ctx, op, func(st *state, fd *fileData) error {
		i := userIndex(fd, name)
		if i < 0 {
			return ErrUnknownUser
		}
		fd.Users[i].PasswordHash = hash
		return nil
	})
}

// DeleteUser deletes a user, its tokens and its group memberships.
func (d *Directory) DeleteUser(ctx context.Context, name string) error {
	defer d.cache.forget(name)
	return d.update(ctx, fmt.Sprintf("delete user %q", name), func(st *state, fd *fileData) error {
		i := userIndex(fd, name)
		if i < 0 {
			return ErrUnknownUser
		}
		canonical := fd.Users[i].Name
		fd.Users = slices.Delete(fd.Users, i, i+1)
		removeMemberEverywhere(fd, canonical)
		return nil
	})
}

// Users lists the users sorted by name, without secrets.
func (d *Directory) Users(ctx context.Context) ([]User, error) {
	st, err := d.current(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]User, 0, len(st.fd.Users))
	for _, u := range st.fd.Users {
		uu := User{Name: u.Name, SID: u.SID, Aliases: slices.Clone(u.Aliases), Created: u.Created}
		for _, t := range u.Tokens {
			uu.Tokens = append(uu.Tokens, TokenInfo{Label: t.Label, Created: t.Created, Expires: t.Expires, LastUsed: t.LastUsed})
		}
		out = append(out, uu)
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(names.Key(a.Name), names.Key(b.Name)) })
	return out, nil
}

// AddAlias gives a user a further identifier (an e-mail address, an
// identity provider's subject ID): Resolve finds the user by it, and its
// client context carries it. It returns ErrUnknownUser for an unknown user,
// ErrInvalid for a name that is not valid (or looks like a SID), and
// ErrExists when a user, group, SID or alias already answers to it.
func (d *Directory) AddAlias(ctx context.Context, user, alias string) error {
	op := fmt.Sprintf("add alias %q to user %q", alias, user)
	if err := validateName("alias", alias); err != nil {
		return fmt.Errorf("localdir: %s: %w", op, err)
	}
	defer d.cache.forget(user)
	return d.update(ctx, op, func(st *state, fd *fileData) error {
		u, ok := st.findUser(user)
		if !ok {
			return ErrUnknownUser
		}
		if err := st.identifierTaken(alias); err != nil {
			return err
		}
		i := userIndex(fd, u.Name)
		fd.Users[i].Aliases = append(fd.Users[i].Aliases, alias)
		return nil
	})
}

// RemoveAlias takes an alias from a user. It returns ErrUnknownUser for an
// unknown user and ErrNotFound when the user has no such alias.
func (d *Directory) RemoveAlias(ctx context.Context, user, alias string) error {
	defer d.cache.forget(user)
	return d.update(ctx, fmt.Sprintf("remove alias %q from user %q", alias, user), func(st *state, fd *fileData) error {
		u, ok := st.findUser(user)
		if !ok {
			return ErrUnknownUser
		}
		i := userIndex(fd, u.Name)
		n := len(fd.Users[i].Aliases)
		fd.Users[i].Aliases = slices.DeleteFunc(fd.Users[i].Aliases, func(a string) bool { return names.Equal(a, alias) })
		if len(fd.Users[i].Aliases) == n {
			return fmt.Errorf("%w: user %q has no alias %q", ErrNotFound, u.Name, alias)
		}
		return nil
	})
}

// AddGroup creates an empty group. It returns ErrExists if a user or group
// already has the name.
func (d *Directory) AddGroup(ctx context.Context, name string) error {
	op := fmt.Sprintf("add group %q", name)
	if err := validateName("group name", name); err != nil {
		return fmt.Errorf("localdir: %s: %w", op, err)
	}
	return d.update(ctx, op, func(st *state, fd *fileData) error {
		if err := nameTaken(st, name); err != nil {
			return err
		}
		sid, err := fd.allocSID()
		if err != nil {
			return err
		}
		fd.Groups = append(fd.Groups, groupRec{Name: name, SID: sid, Members: []string{}, Created: d.now().UTC()})
		return nil
	})
}

// DeleteGroup deletes a group (by name or SID) and removes it from the
// groups it was a member of. The built-in Administrators group cannot be
// deleted (ErrInvalid).
func (d *Directory) DeleteGroup(ctx context.Context, name string) error {
	return d.update(ctx, fmt.Sprintf("delete group %q", name), func(st *state, fd *fileData) error {
		g, ok := st.findGroup(name)
		if !ok {
			return fmt.Errorf("%w: group %q", ErrNotFound, name)
		}
		if g.SID == AdministratorsSID {
			return fmt.Errorf("%w: %s is built in and cannot be deleted", ErrInvalid, AdministratorsQualified)
		}
		fd.Groups = slices.Delete(fd.Groups, groupIndex(fd, g.Name), groupIndex(fd, g.Name)+1)
		removeMemberEverywhere(fd, g.Name)
		return nil
	})
}

// AddMember makes member (a user or group, by name or SID) a direct member
// of group (by name, SID or BUILTIN\Administrators). It returns ErrNotFound
// if either does not exist, ErrExists if member already is a direct member,
// and ErrCycle if member is a group that contains group (or is group).
func (d *Directory) AddMember(ctx context.Context, group, member string) error {
	return d.update(ctx, fmt.Sprintf("add %q to group %q", member, group), func(st *state, fd *fileData) error {
		g, ok := st.findGroup(group)
		if !ok {
			return fmt.Errorf("%w: group %q", ErrNotFound, group)
		}
		var mname string
		if u, ok := st.findUser(member); ok {
			mname = u.Name
		} else if mg, ok := st.findGroup(member); ok {
			mname = mg.Name
			if names.Equal(mg.Name, g.Name) || st.reaches(names.Key(g.Name), names.Key(mg.Name)) {
				return fmt.Errorf("%w: group %q already contains %q", ErrCycle, mg.Name, g.Name)
			}
		} else {
			return fmt.Errorf("%w: member %q is neither a user nor a group", ErrNotFound, member)
		}
		gi := groupIndex(fd, g.Name)
		if slices.ContainsFunc(fd.Groups[gi].Members, func(m string) bool { return names.Equal(m, mname) }) {
			return fmt.Errorf("%w: %q is already a member of %q", ErrExists, mname, g.Name)
		}
		fd.Groups[gi].Members = append(fd.Groups[gi].Members, mname)
		return nil
	})
}

// RemoveMember removes a direct member from a group. It returns ErrNotFound
// if the group does not exist or member is not a direct member.
func (d *Directory) RemoveMember(ctx context.Context, group, member string) error {
	return d.update(ctx, fmt.Sprintf("remove %q from group %q", member, group), func(st *state, fd *fileData) error {
		g, ok := st.findGroup(group)
		if !ok {
			return fmt.Errorf("%w: group %q", ErrNotFound, group)
		}
		mname := member
		if u, ok := st.findUser(member); ok {
			mname = u.Name
		} else if mg, ok := st.findGroup(member); ok {
			mname = mg.Name
		}
		gi := groupIndex(fd, g.Name)
		n := len(fd.Groups[gi].Members)
		fd.Groups[gi].Members = slices.DeleteFunc(fd.Groups[gi].Members, func(m string) bool { return names.Equal(m, mname) })
		if len(fd.Groups[gi].Members) == n {
			return fmt.Errorf("%w: %q is not a member of %q", ErrNotFound, member, g.Name)
		}
		return nil
	})
}

// Groups lists the groups sorted by name with their direct members.
func (d *Directory) Groups(ctx context.Context) ([]Group, error) {
	st, err := d.current(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Group, 0, len(st.fd.Groups))
	for _, g := range st.fd.Groups {
		out = append(out, Group{Name: g.Name, SID: g.SID, Created: g.Created, Members: slices.Clone(g.Members)})
	}
	slices.SortFunc(out, func(a, b Group) int { return strings.Compare(names.Key(a.Name), names.Key(b.Name)) })
	return out, nil
}

func tokenHash(token string) string {
	h := tokenHashHex(token)
	return string(h[:])
}

// tokenHashHex is tokenHash without allocating, for map lookups.
func tokenHashHex(token string) (hx [2 * sha256.Size]byte) {
	var buf [64]byte // a token fits: no allocation
	h := sha256.Sum256(append(buf[:0], token...))
	hex.Encode(hx[:], h[:])
	return hx
}

// CreateToken creates an API token for user under label (unique per user,
// else ErrExists) that does not expire, and returns its plaintext, which is
// not stored and cannot be shown again.
func (d *Directory) CreateToken(ctx context.Context, user, label string) (string, error) {
	return d.CreateTokenTTL(ctx, user, label, 0)
}

// CreateTokenTTL is CreateToken for a token that expires ttl from now; 0
// means never. An expired token is refused exactly as an unknown one.
func (d *Directory) CreateTokenTTL(ctx context.Context, user, label string, ttl time.Duration) (string, error) {
	op := fmt.Sprintf("create token %q for %q", label, user)
	if err := validateText("token label", label); err != nil {
		return "", fmt.Errorf("localdir: %s: %w", op, err)
	}
	if ttl < 0 {
		return "", fmt.Errorf("localdir: %s: %w: negative lifetime %s", op, ErrInvalid, ttl)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("localdir: %s: %w", op, err)
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	err := d.update(ctx, op, func(st *state, fd *fileData) error {
		i := userIndex(fd, user)
		if i < 0 {
			return ErrUnknownUser
		}
		u := &fd.Users[i]
		if slices.ContainsFunc(u.Tokens, func(t tokenRec) bool { return names.Equal(t.Label, label) }) {
			return fmt.Errorf("%w: token %q", ErrExists, label)
		}
		rec := tokenRec{Label: label, SHA256: tokenHash(token), Created: d.now().UTC()}
		if ttl > 0 {
			rec.Expires = rec.Created.Add(ttl)
		}
		u.Tokens = append(u.Tokens, rec)
		return nil
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// RevokeToken deletes the user's token with label (ErrNotFound if none).
func (d *Directory) RevokeToken(ctx context.Context, user, label string) error {
	return d.update(ctx, fmt.Sprintf("revoke token %q of %q", label, user), func(st *state, fd *fileData) error {
		i := userIndex(fd, user)
		if i < 0 {
			return ErrUnknownUser
		}
		u := &fd.Users[i]
		n := len(u.Tokens)
		u.Tokens = slices.DeleteFunc(u.Tokens, func(t tokenRec) bool { return names.Equal(t.Label, label) })
		if len(u.Tokens) == n {
			return fmt.Errorf("%w: token %q", ErrNotFound, label)
		}
		return nil
	})
}

// clientContext builds the client context of u from st.
func (d *Directory) clientContext(st *state, u *userRec) directory.ClientContext {
	per := 2 // name and SID of each group, and the domain-qualified name
	if d.domain != "" {
		per++
	}
	gs := st.groupsOf(names.Key(u.Name))
	cc := directory.ClientContext{Name: u.Name, IDs: make([]string, 2, per)}
	if len(gs) > 0 {
		cc.Groups = make([]string, 0, per*len(gs)+1)
	}
	cc.IDs[0], cc.IDs[1] = u.Name, u.SID
	cc.IDs = append(cc.IDs, u.Aliases...)
	if d.domain != "" {
		cc.IDs = append(cc.IDs, d.domain+`\`+u.Name)
	}
	for _, k := range gs {
		g := st.groups[k]
		cc.Groups = append(cc.Groups, g.Name)
		if d.domain != "" {
			cc.Groups = append(cc.Groups, d.domain+`\`+g.Name)
		}
		if g.SID == AdministratorsSID {
			cc.Groups = append(cc.Groups, AdministratorsQualified)
		}
		cc.Groups = append(cc.Groups, g.SID)
	}
	return cc
}

// comparePassword reports whether password matches hash, with one of
// the slots that bound bcrypt work, waiting for it at most until ctx ends.
func (d *Directory) comparePassword(ctx context.Context, hash []byte, password string) (bool, error) {
	select {
	case d.checks <- struct{}{}:
	case <-ctx.Done():
		return false, fmt.Errorf("localdir: waiting to check a password: %w", ctx.Err())
	}
	defer func() { <-d.checks }()
	return bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil, nil
}

// dummyCompare does the work of a password check against a hash nobody
// has, so an unknown user costs what a wrong password costs.
func (d *Directory) dummyCompare(ctx context.Context, password string) error {
	d.dummyOnce.Do(func() {
		d.dummy, _ = bcrypt.GenerateFromPassword([]byte("azgate dummy password"), d.cost)
	})
	_, err := d.comparePassword(ctx, d.dummy, password)
	return err
}

// Authenticate checks a user name and password and returns the user's
// client context. A wrong password and an unknown user both return
// ErrBadCredentials after the same bcrypt work; a successful check may be
// answered from the credential cache (see the package documentation). An
// unreadable directory file returns its error (the caller denies), and so
// does a context that ends while the check waits for one of the bounded
// bcrypt slots (WithPasswordChecks).
func (d *Directory) Authenticate(ctx context.Context, user, password string) (directory.ClientContext, error) {
	st, cached, err := d.recent(ctx)
	if err != nil {
		return directory.ClientContext{}, err
	}
	for {
		u, ok := st.users[names.Key(user)]
		if ok {
			if d.cache.hit(u.Name, password, u.PasswordHash) {
				return d.clientContext(st, u), nil
			}
			match, err := d.comparePassword(ctx, []byte(u.PasswordHash), password)
			if err != nil {
				return directory.ClientContext{}, err
			}
			if match {
				d.cache.add(u.Name, password, u.PasswordHash)
				return d.clientContext(st, u), nil
			}
		}
		if cached {
			// The user or password may be new from another process.
			cur, err := d.current(ctx)
			if err != nil {
				return directory.ClientContext{}, err
			}
			if cur != st {
				st, cached = cur, false
				continue
			}
		}
		if !ok {
			if err := d.dummyCompare(ctx, password); err != nil {
				return directory.ClientContext{}, err
			}
		}
		return directory.ClientContext{}, fmt.Errorf("localdir: authenticate %q: %w", user, ErrBadCredentials)
	}
}

// AuthenticateToken checks an API token and returns its owner's client
// context, or ErrBadCredentials. An expired token takes the path of an
// unknown one (the same error, the same look at the file). A token's last
// use is recorded in the file at most once per lastUsedEvery.
func (d *Directory) AuthenticateToken(ctx context.Context, token string) (directory.ClientContext, error) {
	st, cached, err := d.recent(ctx)
	if err != nil {
		return directory.ClientContext{}, err
	}
	if !strings.HasPrefix(token, TokenPrefix) {
		return directory.ClientContext{}, fmt.Errorf("localdir: authenticate token: %w: not an %s token", ErrBadCredentials, TokenPrefix)
	}
	h := tokenHashHex(token)
	now := d.now()
	valid := func(st *state) (tokenEntry, bool) {
		e, ok := st.tokens[string(h[:])]
		return e, ok && !e.tok.expired(now)
	}
	e, ok := valid(st)
	if !ok && cached { // the token may be new from another process
		if st, err = d.current(ctx); err != nil {
			return directory.ClientContext{}, err
		}
		e, ok = valid(st)
	}
	if !ok {
		return directory.ClientContext{}, fmt.Errorf("localdir: authenticate token: %w", ErrBadCredentials)
	}
	d.recordTokenUse(ctx, e, now)
	return d.clientContext(st, e.user), nil
}

// Recording of token use.
const (
	// lastUsedEvery is how often at most a token's last use is written.
	lastUsedEvery = time.Minute
	// recordTimeout bounds the wait for the file lock to record a use.
	recordTimeout = time.Second
	// maxRecorded bounds Directory.recorded.
	maxRecorded = 4096
)

// errUnchanged ends an update that has nothing to write.
var errUnchanged = errors.New("nothing to change")

// recordTokenUse writes now as the token's last use when the one on file
// is lastUsedEvery old, by the locked write path: once per lastUsedEvery
// per token in this process (Directory.recorded), and, rechecked under the
// file lock, across processes. A failure is logged; the use is allowed.
func (d *Directory) recordTokenUse(ctx context.Context, e tokenEntry, now time.Time) {
	if now.Sub(e.tok.LastUsed) < lastUsedEvery {
		return
	}
	d.recordMu.Lock()
	if last, ok := d.recorded[e.tok.SHA256]; ok && now.Sub(last) < lastUsedEvery {
		d.recordMu.Unlock()
		return
	}
	if len(d.recorded) >= maxRecorded {
		clear(d.recorded) // the recheck under the lock still holds writes back
	}
	d.recorded[e.tok.SHA256] = now
	d.recordMu.Unlock()

	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	err := d.update(ctx, fmt.Sprintf("record use of token %q of %q", e.tok.Label, e.user.Name), func(_ *state, fd *fileData) error {
		for i := range fd.Users {
			for j := range fd.Users[i].Tokens {
				if t := &fd.Users[i].Tokens[j]; t.SHA256 == e.tok.SHA256 {
					if now.Sub(t.LastUsed) < lastUsedEvery {
						return errUnchanged
					}
					t.LastUsed = now.UTC()
					return nil
				}
			}
		}
		return errUnchanged // revoked meanwhile
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		d.log.Warn("localdir: token use not recorded", logKeyPath, d.path, "err", err)
	}
}

// Resolve returns the client context of a user given by name or SID
// without checking credentials (ErrUnknownUser if there is none).
func (d *Directory) Resolve(ctx context.Context, name string) (directory.ClientContext, error) {
	st, cached, err := d.recent(ctx)
	if err != nil {
		return directory.ClientContext{}, err
	}
	u, ok := st.findUser(name)
	if !ok && cached { // the user may be new from another process
		if st, err = d.current(ctx); err != nil {
			return directory.ClientContext{}, err
		}
		u, ok = st.findUser(name)
	}
	if !ok {
		return directory.ClientContext{}, fmt.Errorf("localdir: resolve %q: %w", name, ErrUnknownUser)
	}
	return d.clientContext(st, u), nil
}

func (st *state) hasAdmin() bool {
	admins := names.Key(AdministratorsName)
	for k := range st.users {
		if slices.Contains(st.groupsOf(k), admins) {
			return true
		}
	}
	return false
}

// EnsureAdmin bootstraps the first administrator. If some user is already
// in Administrators (directly or through nested groups) it does nothing and
// returns created == false. Otherwise it creates user name with password —
// or, if password is empty, with a random 26-character password returned
// as generatedPassword (shown once) — and adds it to Administrators. If
// name exists but is not an administrator it returns ErrExists rather than
// silently promoting an existing account.
func (d *Directory) EnsureAdmin(ctx context.Context, name, password string) (created bool, generatedPassword string, err error) {
	op := fmt.Sprintf("ensure administrator %q", name)
	st, err := d.current(ctx)
	if err != nil {
		return false, "", err
	}
	if st.hasAdmin() {
		return false, "", nil
	}
	if err := validateName("user name", name); err != nil {
		return false, "", fmt.Errorf("localdir: %s: %w", op, err)
	}
	if password == "" {
		generatedPassword = rand.Text()
		password = generatedPassword
	}
	hash, err := d.hashPassword(password)
	if err != nil {
		return false, "", fmt.Errorf("localdir: %s: %w", op, err)
	}
	err = d.update(ctx, op, func(st *state, fd *fileData) error {
		if st.hasAdmin() {
			created = false
			return nil
		}
		if err := addUser(st, fd, name, hash, d.now()); err != nil {
			return fmt.Errorf("%w (and no user is in %s; add one with the group commands)", err, AdministratorsName)
		}
		gi := groupIndex(fd, AdministratorsName)
		fd.Groups[gi].Members = append(fd.Groups[gi].Members, name)
		created = true
		return nil
	})
	if err != nil || !created {
		return false, "", err
	}
	d.log.Info("localdir: created first administrator", logKeyUser, name, logKeyPath, d.path)
	return true, generatedPassword, nil
}
