package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/directory/ldapdir"
	"github.com/azgate/azgate/directory/localdir"
	"github.com/azgate/azgate/policy"
)

// LDAP presets (LDAPConfig.Preset): the attribute mappings of ldapdir's
// PresetOpenLDAP and PresetActiveDirectory.
const (
	PresetOpenLDAP = "openldap"
	PresetAD       = "ad"
)

// LDAPConfig is the LDAP directory of `azgate serve --directory ldap`: where
// HTTP Basic passwords are checked (by binding as the user) and where users'
// groups are resolved. The fields are the --ldap-* flags of `azgate serve`;
// errors of Config.Validate name those flags.
type LDAPConfig struct {
	// URL is ldap://host[:port] or ldaps://host[:port].
	URL string
	// Preset is PresetOpenLDAP (the default when empty) or PresetAD.
	Preset string
	// BindDN and BindPassword are the service account azgate searches as;
	// both empty means anonymous searches.
	BindDN       string
	BindPassword string
	// UserBase is the subtree users are searched in. Required.
	UserBase string
	// GroupBase is the subtree groups are searched in; "" means UserBase.
	GroupBase string
	// Domain is the NetBIOS domain name (CONTOSO): users and groups are
	// then also known as CONTOSO\name, and Basic user names may carry it.
	Domain string
	// StartTLS upgrades an ldap:// connection with StartTLS.
	StartTLS bool
	// CAFile is a PEM file of the CAs trusted for ldaps:// and StartTLS;
	// "" means the system pool.
	CAFile string
	// CacheTTL is how long a resolved user or LDAP-query match is served,
	// whether or not the directory answers; after it, decisions that need
	// the directory fail closed. 0 means ldapdir.DefaultCacheTTL.
	CacheTTL time.Duration
	// Timeout bounds connecting to the directory and each request to it (a
	// bind, one page of a search): a directory that does not answer within
	// it is unavailable (503). 0 means ldapdir's defaults (5 s to connect,
	// 10 s per request); --ldap-timeout defaults to DefaultLDAPTimeout.
	Timeout time.Duration
	// BindCacheTTL is how long a successful Basic sign-in is remembered
	// (ldapdir.Config.BindCacheTTL): the same name and password within it
	// neither search nor bind. 0 turns it off; --ldap-bind-cache-ttl
	// defaults to DefaultLDAPBindCacheTTL.
	BindCacheTTL time.Duration
}

// Defaults of --ldap-timeout and --ldap-bind-cache-ttl. A remembered sign-in
// outlives a password change or a disabled account by at most
// DefaultLDAPBindCacheTTL: short beside the 5 minutes a resolved user's
// groups are already cached, long enough that a client sending Basic
// credentials with every request binds about once every half a minute.
const (
	DefaultLDAPTimeout      = 5 * time.Second
	DefaultLDAPBindCacheTTL = 30 * time.Second
)

// IsZero reports whether no field is set.
func (l LDAPConfig) IsZero() bool { return l == LDAPConfig{} }

// validateDirectory checks Directory and, for LDAP, the LDAP section.
func (c *Config) validateDirectory() error {
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: field, Err: fmt.Errorf(format, args...)}
	}
	switch c.Directory {
	case "", DirectoryLocal:
		if !c.LDAP.IsZero() {
			return bad("directory", "LDAP settings are given but the directory is %q; use --directory %s", DirectoryLocal, DirectoryLDAP)
		}
		return nil
	case DirectoryLDAP:
	default:
		return bad("directory", "%q: want %s or %s", c.Directory, DirectoryLocal, DirectoryLDAP)
	}
	l := c.LDAP
	if l.URL == "" {
		return bad("ldap-url", "required with --directory ldap (or $%s)", "AZGATE_LDAP_URL")
	}
	u, err := url.Parse(l.URL)
	if err != nil || u.Host == "" || (u.Scheme != "ldap" && u.Scheme != "ldaps") {
		return bad("ldap-url", "%q: want ldap://host[:port] or ldaps://host[:port]", l.URL)
	}
	if l.StartTLS && u.Scheme == "ldaps" {
		return bad("ldap-start-tls", "StartTLS with an ldaps:// URL: choose one")
	}
	switch l.Preset {
	case "", PresetOpenLDAP, PresetAD:
	default:
		return bad("ldap-preset", "%q: want %s or %s", l.Preset, PresetOpenLDAP, PresetAD)
	}
	if l.BindDN != "" && l.BindPassword == "" {
		return bad("ldap-password", "--ldap-bind-dn is set without a password (that would be an unauthenticated bind); give $%s", "AZGATE_LDAP_PASSWORD")
	}
	if l.BindDN == "" && l.BindPassword != "" {
		return bad("ldap-bind-dn", "a password is given without a bind DN")
	}
	for _, f := range []struct{ name, dn string }{{"ldap-bind-dn", l.BindDN}, {"ldap-user-base", l.UserBase}, {"ldap-group-base", l.GroupBase}} {
		if f.dn == "" {
			if f.name == "ldap-user-base" {
				return bad(f.name, "required with --directory ldap (the subtree users are searched in, e.g. dc=example,dc=org)")
			}
			continue
		}
		if _, err := ldap.ParseDN(f.dn); err != nil {
			return bad(f.name, "%q is not a DN: %w", f.dn, err)
		}
	}
	if l.CAFile != "" {
		if _, err := os.Stat(l.CAFile); err != nil {
			return bad("ldap-ca-file", "%w", err)
		}
	}
	if l.CacheTTL < 0 {
		return bad("ldap-cache-ttl", "must not be negative, got %s", l.CacheTTL)
	}
	if l.Timeout < 0 {
		return bad("ldap-timeout", "must not be negative, got %s", l.Timeout)
	}
	if l.BindCacheTTL < 0 {
		return bad("ldap-bind-cache-ttl", "must not be negative (0 turns it off), got %s", l.BindCacheTTL)
	}
	dc := l.directoryConfig()
	if err := dc.Validate(); err != nil {
		return bad("ldap", "%w", err)
	}
	return nil
}

// directoryConfig is the ldapdir configuration of l: the preset's
// filters and attribute mapping with l's connection settings.
func (l LDAPConfig) directoryConfig() ldapdir.Config {
	var dc ldapdir.Config
	if l.Preset == PresetAD {
		dc = ldapdir.PresetActiveDirectory(l.URL, l.UserBase, l.Domain)
	} else {
		dc = ldapdir.PresetOpenLDAP(l.URL, l.UserBase)
		dc.Domain = l.Domain
	}
	if l.GroupBase != "" {
		dc.GroupBase = l.GroupBase
	}
	dc.BindDN, dc.BindPassword = l.BindDN, l.BindPassword
	dc.StartTLS, dc.CAFile = l.StartTLS, l.CAFile
	dc.CacheTTL = l.CacheTTL
	dc.DialTimeout, dc.RequestTimeout = l.Timeout, l.Timeout
	dc.BindCacheTTL = l.BindCacheTTL
	return dc
}

// CheckLDAPNames is the directory check of `azgate ldap check`: it checks
// l, reads the names of every user and group of its directory, and returns
// the names client contexts leave out — carried by more than one entry, or
// shaped like a SID or a DN (ldapdir.Directory.CheckNames). Errors: a
// *ConfigError, ldapdir.ErrUnavailable.
func CheckLDAPNames(ctx context.Context, l LDAPConfig) ([]ldapdir.Collision, error) {
	return withLDAP(l, func(d *ldapdir.Directory) ([]ldapdir.Collision, error) { return d.CheckNames(ctx) })
}

// CheckLDAPQueries is the policy check of `azgate ldap check`: it lists the
// LDAP-query application groups of p whose filter matches nobody because
// it names an attribute the directory's schema does not define, or does
// not parse (ldapdir.Directory.CheckQueries).
func CheckLDAPQueries(ctx context.Context, l LDAPConfig, p *policy.Policy) ([]string, error) {
	return withLDAP(l, func(d *ldapdir.Directory) ([]string, error) { return d.CheckQueries(ctx, p) })
}

// withLDAP runs check on the directory of l; errors of l are *ConfigError.
func withLDAP[T any](l LDAPConfig, check func(*ldapdir.Directory) (T, error)) (T, error) {
	var zero T
	cfg := Config{Directory: DirectoryLDAP, LDAP: l}
	if err := cfg.validateDirectory(); err != nil {
		return zero, err
	}
	d, err := ldapdir.New(l.directoryConfig(), nil)
	if err != nil {
		return zero, err
	}
	defer d.Close()
	return check(d)
}

// warnLDAPQueries logs, once at start, each LDAP-query application group
// of the policy whose filter matches nobody (CheckLDAPQueries).
func (s *Server) warnLDAPQueries(ctx context.Context) {
	warnings, err := s.ldap.CheckQueries(ctx, s.live.Current().Policy)
	switch {
	case ctx.Err() != nil:
	case err != nil:
		s.log.WarnContext(ctx, "LDAP-query application groups not checked against the directory's schema", logKeyErr, err)
	default:
		for _, w := range warnings {
			s.log.WarnContext(ctx, "an LDAP-query application group matches nobody (azgate ldap check lists them)", "problem", w)
		}
	}
}

// ldapDirectory is the Directory of --directory ldap. HTTP Basic passwords
// are checked by binding to LDAP as the user, and users are resolved in
// LDAP; API tokens — service accounts, checkers — still come from the
// local directory, whose token owners are local accounts.
type ldapDirectory struct {
	ldap  *ldapdir.Directory
	local *localdir.Directory
}

var (
	_ directory.Directory = (*ldapDirectory)(nil)
	_ directory.Resolver  = (*ldapDirectory)(nil)
)

// Authenticate binds to LDAP as the user (ldapdir.Directory.Authenticate).
func (d *ldapDirectory) Authenticate(ctx context.Context, user, password string) (directory.ClientContext, error) {
	return d.ldap.Authenticate(ctx, user, password)
}

// AuthenticateToken checks an API token in the local directory.
func (d *ldapDirectory) AuthenticateToken(ctx context.Context, token string) (directory.ClientContext, error) {
	return d.local.AuthenticateToken(ctx, token)
}

// Resolve resolves a user in LDAP (cached for the cache TTL).
func (d *ldapDirectory) Resolve(ctx context.Context, name string) (directory.ClientContext, error) {
	return d.ldap.Resolve(ctx, name)
}

// directoryProbe tells whether the LDAP directory answers, at most once
// per ttl. It pings the directory (ldapdir.Directory.Ping: the service
// account binds and reads the user base, uncached), so every probe reaches
// the directory.
type directoryProbe struct {
	dir *ldapdir.Directory
	ttl time.Duration

	mu   sync.Mutex
	at   time.Time
	last error
}

func newDirectoryProbe(dir *ldapdir.Directory, ttl time.Duration) *directoryProbe {
	return &directoryProbe{dir: dir, ttl: ttl}
}

func (p *directoryProbe) check(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.at.IsZero() && time.Since(p.at) < p.ttl {
		return p.last
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	err := p.dir.Ping(ctx)
	if err != nil && !errors.Is(err, ldapdir.ErrUnavailable) {
		err = nil // the directory answered
	}
	p.at, p.last = time.Now(), err
	return err
}

// directoryUnavailable is the 503 of a request that needs the directory
// while it cannot answer (and no cached answer is young enough).
func directoryUnavailable(err error) error {
	return &apiError{status: http.StatusServiceUnavailable, code: api.CodeUnavailable,
		message: "the directory cannot be reached and no cached answer is recent enough; nothing is granted meanwhile", err: err}
}

// limitPrefix starts the text of an ldapdir.ErrLimit error.
var limitPrefix = ldapdir.ErrLimit.Error() + ": "

// directoryError maps a directory failure on the way to a client context
// (sign-in, "resolve": true) to its response: 503 when the directory cannot
// answer, 403 naming the limit when it answered but the user's groups go
// beyond what azgate follows. Other errors give nil.
func directoryError(err error) error {
	switch {
	case errors.Is(err, ldapdir.ErrUnavailable):
		return directoryUnavailable(err)
	case errors.Is(err, ldapdir.ErrLimit):
		msg := err.Error()
		if i := strings.Index(msg, limitPrefix); i >= 0 {
			msg = msg[i+len(limitPrefix):]
		}
		return &apiError{status: http.StatusForbidden, code: api.CodeAccessDenied,
			message: "the directory answered, but " + msg + ", beyond what azgate follows; nothing is granted to this user", err: err}
	}
	return nil
}

// isUnknownUser reports whether a directory error means the user does not
// exist (localdir or LDAP).
func isUnknownUser(err error) bool {
	return errors.Is(err, localdir.ErrNotFound) || errors.Is(err, ldapdir.ErrUnknownUser)
}

// ldapReason words an unreachable LDAP directory for /readyz.
func ldapReason(cfg LDAPConfig, err error) string {
	ttl := cfg.CacheTTL
	if ttl == 0 {
		ttl = ldapdir.DefaultCacheTTL
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, ldapdir.ErrUnavailable.Error()+": ")
	return fmt.Sprintf("the LDAP directory %s is unreachable (%s); users resolved in the last %s are served from the cache, "+
		"then requests that need the directory are denied; HTTP Basic logins fail until it is back", cfg.URL, msg, ttl)
}
