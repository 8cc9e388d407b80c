package ldapdir

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/directory"
	azn "github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/policy"
)

// Errors returned by Directory methods. Test them with errors.Is.
var (
	// ErrUnknownUser: no entry, or more than one, matches the user name.
	ErrUnknownUser = errors.New("ldapdir: unknown user")
	// ErrBadCredentials: Authenticate was given an empty or wrong password
	// or an unknown user.
	ErrBadCredentials = errors.New("ldapdir: bad credentials")
	// ErrUnavailable: the directory could not answer (unreachable, timed
	// out, refused the service account, returned something malformed)
	// and no cached answer within its TTL exists.
	ErrUnavailable = errors.New("ldapdir: directory unavailable")
	// ErrBadFilter: an LDAP-query group's filter does not parse.
	ErrBadFilter = errors.New("ldapdir: bad LDAP query filter")
	// ErrLimit: the directory answered, but the user's groups go beyond
	// what azgate follows (Config.MaxDepth levels of nesting,
	// Config.MaxGroups groups). Nothing may be granted to such a user; the
	// answer is cached for Config.CacheTTL like a resolved context.
	ErrLimit = errors.New("ldapdir: directory limit exceeded")
)

// Log keys.
const (
	logKeyUser    = "user"
	logKeyDN      = "dn"
	logKeyGroups  = "groups"
	logKeyKey     = "key"
	logKeyExpires = "expires"
	logKeyErr     = "err"
	logKeyElapsed = "elapsed"
	logKeyName    = "name"
	logKeyReason  = "reason"
	logKeyEntries = "entries"
)

// maxNameLen bounds user names accepted by Resolve and Authenticate.
const maxNameLen = 256

// memberBatch is how many member values go into one group search filter.
const memberBatch = 64

// Directory resolves users, groups and LDAP-query groups against one LDAP
// directory. It is safe for concurrent use.
//
// Its lifecycle: New (no goroutine, no connection), then Start(ctx) to run
// the background work, then Close, which stops that work, waits for it and
// closes the pooled connections. Without Start a Directory still answers
// every call; see Start for what it then does in the caller's goroutine.
type Directory struct {
	cfg  Config
	log  *slog.Logger
	pool *pool
	// authSem bounds concurrent bind connections of Authenticate.
	authSem chan struct{}

	users   *cache[directory.ClientContext]
	queries *cache[bool]
	binds   *bindCache // nil: off (Config.BindCacheTTL)

	collided collisions // names left out of contexts (names.go)

	work      worker // background refreshes and the sweeper, after Start
	closeOnce sync.Once
}

// New validates cfg and returns a Directory. It does not contact the
// directory and starts no goroutine: the first Resolve contacts it, so
// azgate starts while the directory is down; Start starts the background
// work. logger may be nil.
func New(cfg Config, logger *slog.Logger) (*Directory, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p, err := newPool(&cfg)
	if err != nil {
		return nil, err
	}
	d := &Directory{
		cfg:     cfg,
		log:     logger.With("system", "ldapdir"),
		pool:    p,
		authSem: make(chan struct{}, cfg.MaxConns),
		binds:   newBindCache(cfg.BindCacheTTL, cfg.BindCacheSize),
	}
	d.users = newCache[directory.ClientContext](d, d.userErrTTL)
	d.queries = newCache[bool](d, func(error) time.Duration { return 0 })
	return d, nil
}

func newCache[V any](d *Directory, errTTL func(error) time.Duration) *cache[V] {
	return &cache[V]{
		ttl:          d.cfg.CacheTTL,
		errTTL:       errTTL,
		refreshAfter: d.cfg.RefreshAfter,
		maxSize:      d.cfg.MaxCacheSize,
		now:          time.Now,
		log:          d.log,
		spawn:        d.work.spawn,
		bgTimeout:    4 * d.cfg.RequestTimeout,
		entries:      map[string]*cacheEntry[V]{},
		flights:      map[string]*flight[V]{},
	}
}

// Start starts the Directory's background work and returns at once:
//
//   - a cached answer used after Config.RefreshAfter is refreshed in a
//     goroutine of its own while the cached answer is served;
//   - expired answers are swept every CacheTTL/2 (at least every second).
//
// The work runs under ctx: it stops when ctx ends or Close is called, and
// Close waits for every goroutine it started. Start is optional. Without
// it — or once ctx has ended — a used answer older than RefreshAfter is
// refreshed in the caller's goroutine (bounded by the caller's context,
// the old answer served if the directory cannot answer), and expired
// answers are dropped when looked up or when the cache is full.
//
// Errors: Start after Close, a second Start, a nil ctx.
func (d *Directory) Start(ctx context.Context) error {
	if err := d.work.start(ctx); err != nil {
		return err
	}
	d.work.spawn(d.sweepLoop)
	return nil
}

func (d *Directory) sweepLoop(ctx context.Context) {
	t := time.NewTicker(max(d.cfg.CacheTTL/2, time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.users.sweep()
			d.queries.sweep()
		}
	}
}

// Close stops the background work Start started, waits for its goroutines
// to return, and closes pooled connections. Calls after Close fail with
// ErrUnavailable. It is safe to call more than once, and without Start.
func (d *Directory) Close() error {
	d.closeOnce.Do(func() {
		d.work.stop()
		d.pool.close()
	})
	return nil
}

// Ping reports whether the directory answers: it binds as the service
// account (on a pooled connection) and reads the entry of Config.UserBase.
// Nothing is cached, so every Ping reaches the directory — it is for
// readiness probes, which must not read a cached "unknown user" as an
// answer. Errors: ErrUnavailable (unreachable, refused the service account,
// no such user base, timed out, closed).
func (d *Directory) Ping(ctx context.Context) error {
	err := d.pool.do(ctx, func(conn *ldap.Conn) error {
		_, err := conn.Search(ldap.NewSearchRequest(d.cfg.UserBase, ldap.ScopeBaseObject,
			ldap.NeverDerefAliases, 1, 0, false, "(objectClass=*)", []string{"1.1"}, nil))
		return err
	})
	if err != nil {
		return unavailable("ping: read "+d.cfg.UserBase, err)
	}
	return nil
}

// accountName checks a user name and strips this directory's DOMAIN\
// prefix.
func (d *Directory) accountName(username string) (string, error) {
	name := username
	if dom, rest, ok := strings.Cut(username, `\`); ok {
		if d.cfg.Domain == "" || !azn.Equal(dom, d.cfg.Domain) {
			return "", fmt.Errorf("%w: %q: domain %q is not this directory's", ErrUnknownUser, username, dom)
		}
		name = rest
	}
	switch {
	case name == "":
		return "", fmt.Errorf("%w: empty user name", ErrUnknownUser)
	case len(name) > maxNameLen:
		return "", fmt.Errorf("%w: user name longer than %d bytes", ErrUnknownUser, maxNameLen)
	case !utf8.ValidString(name):
		return "", fmt.Errorf("%w: user name is not valid UTF-8", ErrUnknownUser)
	}
	return name, nil
}

// Resolve returns the client context of a user: its identifiers and every
// group it is in, transitively. username is an account name, or
// DOMAIN\name when Config.Domain is set. Errors: ErrUnknownUser,
// ErrUnavailable.
func (d *Directory) Resolve(ctx context.Context, username string) (directory.ClientContext, error) {
	name, err := d.accountName(username)
	if err != nil {
		return directory.ClientContext{}, err
	}
	return d.users.get(ctx, userKey(name), func(ctx context.Context) (directory.ClientContext, error) {
		return d.resolve(ctx, name)
	}, isDefinitive)
}

func userKey(name string) string { return "user:" + azn.Key(name) }

// isDefinitive reports whether a refresh error means the cached answer is
// wrong now (rather than unknown).
func isDefinitive(err error) bool { return errors.Is(err, ErrUnknownUser) || errors.Is(err, ErrLimit) }

// userErrTTL is how long a definitive failure of Resolve is cached: an
// unknown user for Config.NegativeTTL, a limit exceeded — the directory
// answered — for Config.CacheTTL.
func (d *Directory) userErrTTL(err error) time.Duration {
	switch {
	case errors.Is(err, ErrLimit):
		return d.cfg.CacheTTL
	case errors.Is(err, ErrUnknownUser):
		if d.cfg.NoNegativeCache {
			return 0
		}
		return d.cfg.NegativeTTL
	}
	return 0
}

func (d *Directory) resolve(ctx context.Context, name string) (directory.ClientContext, error) {
	start := time.Now()
	user, err := d.findUser(ctx, name)
	if err != nil {
		return directory.ClientContext{}, err
	}
	cc, err := d.contextOf(ctx, user, name)
	if err != nil {
		return directory.ClientContext{}, err
	}
	d.log.Debug("ldapdir: resolved", logKeyUser, cc.Name, logKeyDN, cc.DN,
		logKeyGroups, len(cc.Groups), logKeyElapsed, time.Since(start))
	return cc, nil
}

// findUser searches the user's entry. Exactly one entry must match.
func (d *Directory) findUser(ctx context.Context, name string) (*ldap.Entry, error) {
	a := d.cfg.Attributes
	filter := fmt.Sprintf("(&%s(%s=%s))", d.cfg.UserFilter, a.UserName, ldap.EscapeFilter(name))
	attrs := nonEmpty(a.UserName, a.UserSID, a.MemberOf)
	var res *ldap.SearchResult
	err := d.pool.do(ctx, func(conn *ldap.Conn) error {
		var err error
		res, err = conn.Search(ldap.NewSearchRequest(d.cfg.UserBase, ldap.ScopeWholeSubtree,
			ldap.NeverDerefAliases, 2, 0, false, filter, attrs, nil))
		return err
	})
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded):
		return nil, fmt.Errorf("%w: %q matches more than one entry under %s", ErrUnknownUser, name, d.cfg.UserBase)
	case err != nil:
		return nil, unavailable(fmt.Sprintf("search user %q", name), err)
	case len(res.Entries) == 0:
		return nil, fmt.Errorf("%w: %q", ErrUnknownUser, name)
	case len(res.Entries) > 1:
		return nil, fmt.Errorf("%w: %q matches %d entries under %s", ErrUnknownUser, name, len(res.Entries), d.cfg.UserBase)
	}
	u := res.Entries[0]
	if u.DN == "" {
		return nil, fmt.Errorf("%w: search for %q returned an entry without a DN", ErrUnavailable, name)
	}
	return u, nil
}

// unavailable wraps an error of a directory operation in ErrUnavailable
// unless it already is one.
func unavailable(what string, err error) error {
	if errors.Is(err, ErrUnavailable) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, what, err)
}

// group is a group found while resolving.
type group struct {
	dn       string
	names    []string
	sid      string
	memberOf []string
}

// contextOf builds the client context of a user entry found by the name
// asked for.
func (d *Directory) contextOf(ctx context.Context, user *ldap.Entry, asked string) (directory.ClientContext, error) {
	a := d.cfg.Attributes
	names := user.GetEqualFoldAttributeValues(a.UserName)
	if len(names) == 0 {
		return directory.ClientContext{}, fmt.Errorf("%w: user %s has no %s", ErrUnavailable, user.DN, a.UserName)
	}
	// The display name is the directory's spelling of the name asked for
	// (an entry may carry several).
	display := names[0]
	for _, n := range names {
		if azn.Equal(n, asked) {
			display = n
			break
		}
	}
	cc := directory.ClientContext{Name: d.qualify(display), DN: user.DN}
	var sid string
	if a.UserSID != "" {
		if raw := user.GetEqualFoldRawAttributeValue(a.UserSID); len(raw) > 0 {
			var err error
			if sid, err = FormatSID(raw); err != nil {
				// Leaving the SID out could grant what a non-member
				// entry for that SID denies: fail.
				return directory.ClientContext{}, fmt.Errorf("%w: user %s: %s: %w", ErrUnavailable, user.DN, a.UserSID, err)
			}
		}
	}
	groups, err := d.groupsOf(ctx, user, names)
	if err != nil {
		return directory.ClientContext{}, err
	}
	entries := make([]named, 0, 1+len(groups))
	entries = append(entries, named{dn: user.DN, kind: kindUser, names: names})
	for _, g := range groups {
		entries = append(entries, named{dn: g.dn, kind: kindGroup, names: g.names})
	}
	ambiguous, err := d.ambiguous(ctx, entries)
	if err != nil {
		return directory.ClientContext{}, fmt.Errorf("names of %s and its groups: %w", user.DN, err)
	}

	ids := newIDSet()
	d.addNames(ids, names, ambiguous)
	ids.add(user.DN)
	ids.add(sid)
	cc.IDs = ids.list()
	gids := newIDSet()
	for _, g := range groups {
		gids.add(g.dn)
		d.addNames(gids, g.names, ambiguous)
		gids.add(g.sid)
	}
	cc.Groups = gids.list()
	return cc, nil
}

func (d *Directory) qualify(name string) string {
	if d.cfg.Domain == "" {
		return name
	}
	return d.cfg.Domain + `\` + name
}

// groupsOf finds every group the user is in, level by level: the groups
// listing the user (by DN in a member attribute, by name in memberUid,
// or named in its memberOf), then the groups listing those, until a level
// finds nothing new. Each group is visited once, so cycles end.
func (d *Directory) groupsOf(ctx context.Context, user *ldap.Entry, userNames []string) ([]*group, error) {
	a := d.cfg.Attributes
	visited := map[string]bool{normDN(user.DN): true}
	var all []*group

	// Level 0 terms: the user's DN in each member attribute, its names in
	// memberUid.
	var terms []string
	for _, m := range a.Members {
		terms = append(terms, eqTerm(m, user.DN))
	}
	if a.MemberUID != "" {
		for _, n := range userNames {
			terms = append(terms, eqTerm(a.MemberUID, n))
		}
	}
	memberOf := d.memberOfValues(user)

	// depth counts the levels found so far; the search of level
	// MaxDepth+1 must find nothing new.
	for depth := 0; len(terms) > 0 || len(memberOf) > 0; depth++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%w: resolving groups of %s: %w", ErrUnavailable, user.DN, err)
		}
		var level []*group
		found, err := d.searchGroups(ctx, terms)
		if err != nil {
			return nil, fmt.Errorf("groups of %s: %w", user.DN, err)
		}
		for _, g := range found {
			if k := normDN(g.dn); !visited[k] {
				visited[k] = true
				level = append(level, g)
			}
		}
		// Groups named by memberOf that the member search did not find.
		for _, dn := range memberOf {
			if visited[normDN(dn)] {
				continue
			}
			g, err := d.readGroup(ctx, dn)
			if err != nil {
				return nil, fmt.Errorf("groups of %s: %w", user.DN, err)
			}
			visited[normDN(dn)] = true
			if g != nil {
				visited[normDN(g.dn)] = true
				level = append(level, g)
			}
		}
		if depth >= d.cfg.MaxDepth && len(level) > 0 {
			return nil, fmt.Errorf("%w: the groups of %s nest deeper than %d levels", ErrLimit, user.DN, d.cfg.MaxDepth)
		}
		all = append(all, level...)
		if len(all) > d.cfg.MaxGroups {
			return nil, fmt.Errorf("%w: %s is in more than %d groups", ErrLimit, user.DN, d.cfg.MaxGroups)
		}
		terms, memberOf = terms[:0], nil
		for _, g := range level {
			for _, m := range a.Members {
				terms = append(terms, eqTerm(m, g.dn))
			}
			memberOf = append(memberOf, g.memberOf...)
		}
	}
	return all, nil
}

func (d *Directory) memberOfValues(e *ldap.Entry) []string {
	if d.cfg.Attributes.MemberOf == "" {
		return nil
	}
	return e.GetEqualFoldAttributeValues(d.cfg.Attributes.MemberOf)
}

func (d *Directory) groupAttrs() []string {
	a := d.cfg.Attributes
	return nonEmpty(append([]string{a.GroupSID, a.MemberOf}, a.GroupNames...)...)
}

// searchGroups finds the groups matching any of the equality terms.
func (d *Directory) searchGroups(ctx context.Context, terms []string) ([]*group, error) {
	found, err := d.searchBatched(ctx, d.cfg.GroupBase, d.cfg.GroupFilter, terms, d.groupAttrs())
	if err != nil {
		return nil, unavailable("search groups", err)
	}
	out := make([]*group, 0, len(found))
	for _, e := range found {
		g, err := d.toGroup(e)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// searchBatched finds the entries under base matching filter and any of the
// equality terms, memberBatch terms per search, with paged searches.
func (d *Directory) searchBatched(ctx context.Context, base, filter string, terms, attrs []string) ([]*ldap.Entry, error) {
	var out []*ldap.Entry
	for start := 0; start < len(terms); start += memberBatch {
		batch := terms[start:min(start+memberBatch, len(terms))]
		f := "(&" + filter + "(|" + strings.Join(batch, "") + "))"
		var res *ldap.SearchResult
		err := d.pool.do(ctx, func(conn *ldap.Conn) error {
			var err error
			res, err = conn.SearchWithPaging(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree,
				ldap.NeverDerefAliases, 0, 0, false, f, attrs, nil), d.cfg.PageSize)
			return err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, res.Entries...)
	}
	return out, nil
}

// readGroup reads one group by DN; nil when it does not exist or is not a
// group under GroupFilter.
func (d *Directory) readGroup(ctx context.Context, dn string) (*group, error) {
	var res *ldap.SearchResult
	err := d.pool.do(ctx, func(conn *ldap.Conn) error {
		var err error
		res, err = conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases,
			1, 0, false, d.cfg.GroupFilter, d.groupAttrs(), nil))
		return err
	})
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailable(fmt.Sprintf("read group %s", dn), err)
	}
	if len(res.Entries) == 0 {
		return nil, nil
	}
	return d.toGroup(res.Entries[0])
}

func (d *Directory) toGroup(e *ldap.Entry) (*group, error) {
	a := d.cfg.Attributes
	g := &group{dn: e.DN, memberOf: d.memberOfValues(e)}
	for _, attr := range a.GroupNames {
		g.names = append(g.names, e.GetEqualFoldAttributeValues(attr)...)
	}
	if a.GroupSID != "" {
		if raw := e.GetEqualFoldRawAttributeValue(a.GroupSID); len(raw) > 0 {
			sid, err := FormatSID(raw)
			if err != nil {
				return nil, fmt.Errorf("%w: group %s: %s: %w", ErrUnavailable, e.DN, a.GroupSID, err)
			}
			g.sid = sid
		}
	}
	return g, nil
}

// Authenticate checks username's password with a simple bind as the
// user's entry on a connection of its own, then returns the user's client
// context. An empty password is refused without contacting the directory.
// With Config.BindCacheTTL, a sign-in that succeeded within it with the
// same name and password is not searched and bound again (bindcache.go).
// Errors: ErrBadCredentials (also wrapping ErrUnknownUser for an unknown
// user), ErrUnavailable, ErrLimit.
func (d *Directory) Authenticate(ctx context.Context, username, password string) (directory.ClientContext, error) {
	if password == "" {
		return directory.ClientContext{}, fmt.Errorf("%w: empty password refused", ErrBadCredentials)
	}
	name, err := d.accountName(username)
	if err != nil {
		return directory.ClientContext{}, fmt.Errorf("%w: %w", ErrBadCredentials, err)
	}
	var sum [sha256.Size]byte
	if d.binds != nil {
		sum = d.binds.sum(azn.Key(name), password)
		if dn, ok := d.binds.get(sum); ok {
			cc, err := d.Resolve(ctx, name)
			if err == nil && sameDN(cc.DN, dn) {
				return cc, nil
			}
			// Renamed, replaced, deleted, or not resolvable now: sign in
			// afresh.
			d.binds.forget(sum)
		}
	}
	cc, dn, err := d.authenticate(ctx, name, password)
	if err != nil {
		return directory.ClientContext{}, err
	}
	if d.binds != nil {
		d.binds.put(sum, dn)
	}
	return cc, nil
}

// authenticate searches the user, binds as its entry and resolves it; it
// returns the context and the DN bound as.
func (d *Directory) authenticate(ctx context.Context, name, password string) (directory.ClientContext, string, error) {
	user, err := d.findUser(ctx, name)
	if errors.Is(err, ErrUnknownUser) {
		return directory.ClientContext{}, "", fmt.Errorf("%w: %w", ErrBadCredentials, err)
	}
	if err != nil {
		return directory.ClientContext{}, "", err
	}
	if err := d.bind(ctx, user.DN, password); err != nil {
		return directory.ClientContext{}, "", err
	}
	cc, err := d.Resolve(ctx, name)
	if (err == nil && !sameDN(cc.DN, user.DN)) || errors.Is(err, ErrUnknownUser) {
		// The cached context is of another entry (renamed or replaced
		// since), or a cached "unknown user" of a user created since
		// (the bind just found it): resolve afresh.
		d.users.invalidate(userKey(name))
		cc, err = d.Resolve(ctx, name)
		if err == nil && !sameDN(cc.DN, user.DN) {
			err = fmt.Errorf("%w: %q resolved to %s after binding as %s", ErrUnavailable, name, cc.DN, user.DN)
		}
	}
	if err != nil {
		return directory.ClientContext{}, "", err
	}
	return cc, user.DN, nil
}

// bind binds as dn with password on a new connection.
func (d *Directory) bind(ctx context.Context, dn, password string) error {
	if dn == "" || password == "" {
		// Either would be an anonymous or unauthenticated bind.
		return fmt.Errorf("%w: empty DN or password", ErrBadCredentials)
	}
	select {
	case d.authSem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
	defer func() { <-d.authSem }()
	conn, err := d.pool.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetTimeout(d.pool.requestTimeout(ctx))
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	err = conn.Bind(dn, password)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%w: bind as %s: %w", ErrUnavailable, dn, ctx.Err())
	case ldap.IsErrorAnyOf(err, ldap.LDAPResultInvalidCredentials, ldap.LDAPResultInappropriateAuthentication,
		ldap.LDAPResultInsufficientAccessRights, ldap.ErrorEmptyPassword):
		return fmt.Errorf("%w: bind as %s: %w", ErrBadCredentials, dn, err)
	default:
		return fmt.Errorf("%w: bind as %s: %w", ErrUnavailable, dn, err)
	}
}

// MatchQuery reports whether the client's own directory entry matches the
// filter of an LDAP-query application group (a base-scope search on
// client.DN). A client without a DN is in no such group. Answers are
// cached per (DN, filter) like contexts. Errors: ErrBadFilter,
// ErrUnavailable — never false when undecided.
func (d *Directory) MatchQuery(ctx context.Context, client directory.ClientContext, filter string) (bool, error) {
	f, err := normalizeFilter(filter)
	if err != nil {
		return false, err
	}
	if client.DN == "" {
		return false, nil
	}
	key := "query:" + normDN(client.DN) + "\x00" + f
	return d.queries.get(ctx, key, func(ctx context.Context) (bool, error) {
		var res *ldap.SearchResult
		err := d.pool.do(ctx, func(conn *ldap.Conn) error {
			var err error
			res, err = conn.Search(ldap.NewSearchRequest(client.DN, ldap.ScopeBaseObject,
				ldap.NeverDerefAliases, 1, 0, false, f, []string{"1.1"}, nil))
			return err
		})
		switch {
		case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
			return false, nil // the entry is gone: in no group
		case err != nil:
			return false, unavailable(fmt.Sprintf("match %s against %s", client.DN, f), err)
		}
		return len(res.Entries) == 1, nil
	}, func(error) bool { return false })
}

// normalizeFilter checks an LDAP-query group filter. Like AD it accepts a
// single item without its parentheses ("department=ops").
func normalizeFilter(filter string) (string, error) {
	f, err := policy.NormalizeLDAPQuery(filter)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadFilter, err)
	}
	return f, nil
}

// eqTerm is the filter item (attr=value) with value escaped.
func eqTerm(attr, value string) string {
	return "(" + attr + "=" + ldap.EscapeFilter(value) + ")"
}

// normDN is a DN's comparison key.
func normDN(dn string) string {
	if p, err := ldap.ParseDN(dn); err == nil {
		return azn.Key(p.String())
	}
	return azn.Key(dn)
}

func sameDN(a, b string) bool { return normDN(a) == normDN(b) }

func nonEmpty(values ...string) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// idSet collects identifiers, case-insensitively unique.
type idSet struct {
	seen map[string]bool
	ids  []string
}

func newIDSet() *idSet { return &idSet{seen: map[string]bool{}} }

func (s *idSet) add(id string) {
	if id == "" {
		return
	}
	k := azn.Key(id)
	if s.seen[k] {
		return
	}
	s.seen[k] = true
	s.ids = append(s.ids, id)
}

// list returns the identifiers sorted case-insensitively.
func (s *idSet) list() []string {
	out := append([]string(nil), s.ids...)
	sort.Slice(out, func(i, j int) bool { return azn.Key(out[i]) < azn.Key(out[j]) })
	return out
}
