package ldapstore

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/internal/ldapconn"
	"github.com/azgate/azgate/policy"
)

// Scheme is the store-URL prefix of this store kind.
const Scheme = "msldap://"

// Defaults applied to zero Config fields.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultPollInterval = 250 * time.Millisecond
	DefaultLease        = 30 * time.Second
	DefaultPageSize     = 500
	DefaultCatchUp      = time.Second
	// DefaultEntryPollInterval is how often Watch looks for entries changed
	// without the marker (see Config.EntryPollInterval).
	DefaultEntryPollInterval = 2 * time.Second
)

// Config says where a store lives and how to reach it.
type Config struct {
	// URL is the directory server: ldap://host[:port] or
	// ldaps://host[:port]. A store URL of the form msldap://host:port/DN
	// names the server itself and overrides URL.
	URL string
	// StoreDN is the DN of the store's msDS-AzAdminManager entry, e.g.
	// "CN=AzStore,CN=Program Data,DC=example,DC=org".
	StoreDN string
	// BindDN and Password are the account the store binds as; both empty
	// means an anonymous bind (enough to read a store the directory lets
	// everyone read, not to write one).
	BindDN   string
	Password string
	// StartTLS upgrades an ldap:// connection; TLSConfig (optional) is used
	// for ldaps:// and StartTLS; CAFile is a PEM file of trusted CAs when
	// TLSConfig is nil.
	StartTLS  bool
	TLSConfig *tls.Config
	CAFile    string

	// Timeout bounds every directory operation: dialling, binding, one
	// request, and a Load's wait for a save in progress. Default
	// DefaultTimeout.
	Timeout time.Duration
	// PollInterval is how often Watch reads the store's revision marker.
	// Default DefaultPollInterval.
	PollInterval time.Duration
	// EntryPollInterval is how often Watch reads every entry's change
	// stamp (one paged subtree search returning entryCSN, uSNChanged or
	// modifyTimestamp only) to see edits made by other tools, which leave
	// the revision marker alone; for a large store, at most a tenth of the
	// time goes to it (after a read that took d, the next waits 10·d when
	// that is longer). Default DefaultEntryPollInterval; negative turns it
	// off (such edits are then seen at the next azgate save).
	EntryPollInterval time.Duration
	// Lease is how long a pending save may go without renewing its marker
	// before other writers may take the store over and readers call it
	// interrupted. Default DefaultLease.
	Lease time.Duration
	// CatchUp is how long Load reads again when the entries are not what
	// the marker's save wrote (a replica catching up) before it takes them
	// as they are. Default DefaultCatchUp.
	CatchUp time.Duration
	// PageSize is the page size of the paged subtree search of Load.
	// Default DefaultPageSize.
	PageSize int
	// Writer names this writer in pending markers (default: host name and
	// process ID).
	Writer string
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger
}

// ParseURL splits a store URL into its server (empty when the URL names
// none) and store DN. Both of AzMan's forms are accepted:
//
//	msldap://CN=AzStore,CN=Program Data,DC=example,DC=org
//	msldap://ldap.example.org:389/CN=AzStore,CN=Program Data,DC=example,DC=org
//
// The DN is taken as written (AzMan does not percent-encode it); the
// server, when present, becomes ldap://host:port.
func ParseURL(raw string) (server, dn string, err error) {
	rest, ok := strings.CutPrefix(raw, Scheme)
	if !ok {
		if len(raw) >= len(Scheme) && strings.EqualFold(raw[:len(Scheme)], Scheme) {
			rest = raw[len(Scheme):]
		} else {
			return "", "", fmt.Errorf("ldapstore: %q: want %sDN or %sHOST:PORT/DN: %w", raw, Scheme, Scheme, policy.ErrInvalid)
		}
	}
	if host, tail, found := strings.Cut(rest, "/"); found && !strings.Contains(host, "=") {
		if host == "" {
			return "", "", fmt.Errorf("ldapstore: %q: empty host before '/': %w", raw, policy.ErrInvalid)
		}
		if _, _, err := net.SplitHostPort(host); err != nil {
			host = net.JoinHostPort(host, "389")
		}
		server, rest = "ldap://"+host, tail
	}
	if _, err := parseDN(rest); err != nil {
		return "", "", fmt.Errorf("ldapstore: %q: store DN: %w", raw, err)
	}
	return server, rest, nil
}

// withDefaults checks c and fills its zero fields.
func (c Config) withDefaults() (Config, error) {
	if strings.TrimSpace(c.URL) == "" {
		return c, fmt.Errorf("ldapstore: %w: name it in the store URL, msldap://HOST[:PORT]/DN: %w", ErrNoServer, policy.ErrInvalid)
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
		return c, fmt.Errorf("ldapstore: server %q: want ldap://host[:port] or ldaps://host[:port]: %w", c.URL, policy.ErrInvalid)
	}
	if _, err := parseDN(c.StoreDN); err != nil {
		return c, fmt.Errorf("ldapstore: store DN: %w", err)
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.EntryPollInterval == 0 {
		c.EntryPollInterval = DefaultEntryPollInterval
	}
	if c.Lease <= 0 {
		c.Lease = DefaultLease
	}
	if c.CatchUp <= 0 {
		c.CatchUp = min(DefaultCatchUp, c.Timeout)
	}
	if c.PageSize <= 0 {
		c.PageSize = DefaultPageSize
	}
	if c.Writer == "" {
		host, _ := os.Hostname()
		c.Writer = fmt.Sprintf("%s/%d", host, os.Getpid())
	}
	c.Writer = strings.Map(func(r rune) rune {
		if r == ' ' || r == ';' || r < ' ' {
			return '_'
		}
		return r
	}, c.Writer)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.TLSConfig == nil && (u.Scheme == "ldaps" || c.StartTLS) {
		tc, err := ldapconn.TLSConfig(u.Hostname(), c.CAFile)
		if errors.Is(err, ldapconn.ErrNoCertificates) {
			return c, fmt.Errorf("ldapstore: CA file: %w: %w", err, policy.ErrInvalid)
		}
		if err != nil {
			return c, fmt.Errorf("ldapstore: CA file: %w", err)
		}
		c.TLSConfig = tc
	}
	return c, nil
}

// parseDN parses a non-empty DN.
func parseDN(s string) (*ldap.DN, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("empty DN: %w", policy.ErrInvalid)
	}
	d, err := ldap.ParseDN(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a DN: %v: %w", s, err, policy.ErrInvalid)
	}
	if len(d.RDNs) == 0 {
		return nil, fmt.Errorf("%q is not a DN: %w", s, policy.ErrInvalid)
	}
	return d, nil
}
