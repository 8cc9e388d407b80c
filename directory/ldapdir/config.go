package ldapdir

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/internal/ldapconn"
)

// Defaults applied by Config.Validate to zero fields.
const (
	DefaultPageSize       = 500
	DefaultDialTimeout    = 5 * time.Second
	DefaultRequestTimeout = 10 * time.Second
	DefaultCacheTTL       = 5 * time.Minute
	DefaultNegativeTTL    = 30 * time.Second
	DefaultMaxConns       = 4
	DefaultMaxDepth       = 32
	DefaultMaxGroups      = 10000
	DefaultMaxCacheSize   = 100000
	DefaultBindCacheSize  = 10000
)

// Config says how to reach the directory and how its users and groups are
// shaped. Start from PresetOpenLDAP or PresetActiveDirectory.
type Config struct {
	// URL is ldap://host[:port] or ldaps://host[:port].
	URL string `json:"url"`
	// StartTLS upgrades an ldap:// connection with the StartTLS operation.
	StartTLS bool `json:"start_tls,omitempty"`
	// CAFile is a PEM file of CAs trusted for ldaps:// and StartTLS; empty
	// means the system pool.
	CAFile string `json:"ca_file,omitempty"`
	// ServerName overrides the name checked in the server certificate.
	ServerName string `json:"server_name,omitempty"`
	// InsecureSkipVerify disables certificate verification (tests only).
	InsecureSkipVerify bool `json:"insecure_skip_verify,omitempty"`
	// TLSConfig, when set, is used as is instead of CAFile, ServerName and
	// InsecureSkipVerify.
	TLSConfig *tls.Config `json:"-"`

	// BindDN and BindPassword are the service account searches run as.
	// Both empty means anonymous searches.
	BindDN       string `json:"bind_dn,omitempty"`
	BindPassword string `json:"bind_password,omitempty"`

	// UserBase and UserFilter select user entries (subtree search); the
	// user name is matched against Attributes.UserName within them.
	UserBase   string `json:"user_base"`
	UserFilter string `json:"user_filter"`
	// GroupBase and GroupFilter select group entries (subtree search).
	GroupBase   string `json:"group_base"`
	GroupFilter string `json:"group_filter"`

	// Attributes maps directory attributes to identities.
	Attributes Attributes `json:"attributes"`

	// Domain is the NetBIOS domain name (CONTOSO). When set, users and
	// groups are also listed as DOMAIN\name, and Resolve accepts
	// DOMAIN\name for this domain only.
	Domain string `json:"domain,omitempty"`

	// PageSize is the page size of paged searches. Default DefaultPageSize.
	PageSize uint32 `json:"page_size,omitempty"`
	// DialTimeout bounds connecting (and the TLS handshake). Default
	// DefaultDialTimeout.
	DialTimeout time.Duration `json:"dial_timeout,omitempty"`
	// RequestTimeout bounds each LDAP request (bind, StartTLS, one page
	// of a search). Default DefaultRequestTimeout.
	RequestTimeout time.Duration `json:"request_timeout,omitempty"`
	// MaxConns is the size of the connection pool. Default DefaultMaxConns.
	MaxConns int `json:"max_conns,omitempty"`

	// CacheTTL is how long a resolved context or query match is served,
	// whether or not the directory can be reached. Default DefaultCacheTTL.
	CacheTTL time.Duration `json:"cache_ttl,omitempty"`
	// RefreshAfter is the age after which a cached answer is refreshed in
	// the background when used. Default CacheTTL/2; must be < CacheTTL.
	RefreshAfter time.Duration `json:"refresh_after,omitempty"`
	// NegativeTTL is how long an "unknown user" answer of Resolve is
	// cached, so that repeated lookups of a name the directory lacks do
	// not each search it. A user created in the directory meanwhile is
	// seen once it ends. Default: the shorter of DefaultNegativeTTL and
	// CacheTTL. Must not be negative; NoNegativeCache turns it off.
	NegativeTTL time.Duration `json:"negative_ttl,omitempty"`
	// NoNegativeCache turns the caching of "unknown user" answers off:
	// every lookup of an unknown name searches the directory.
	NoNegativeCache bool `json:"no_negative_cache,omitempty"`
	// MaxCacheSize bounds the number of cached answers. Default
	// DefaultMaxCacheSize.
	MaxCacheSize int `json:"max_cache_size,omitempty"`

	// BindCacheTTL is how long a successful Authenticate is remembered:
	// within it, the same account name with the same password signs in
	// without a search and a bind (the context still comes from the cache
	// of resolved users). Only an HMAC-SHA256 of the name and password,
	// under a random per-Directory key, is kept — never the password; a
	// wrong password is never accepted from it. A changed password, a
	// disabled or a deleted account take effect for a remembered sign-in
	// once it ends. 0 (the default) turns it off: every Authenticate binds.
	BindCacheTTL time.Duration `json:"bind_cache_ttl,omitempty"`
	// BindCacheSize bounds the remembered sign-ins (least recently used
	// evicted first). Default DefaultBindCacheSize.
	BindCacheSize int `json:"bind_cache_size,omitempty"`

	// MaxDepth bounds group nesting: MaxDepth levels of groups above the
	// user are followed, a deeper chain is ErrLimit (deny).
	// Default DefaultMaxDepth.
	MaxDepth int `json:"max_depth,omitempty"`
	// MaxGroups bounds the number of groups of one user; more is ErrLimit
	// (deny). Default DefaultMaxGroups.
	MaxGroups int `json:"max_groups,omitempty"`
}

// Attributes names the directory attributes ldapdir reads.
type Attributes struct {
	// UserName is the user's account name, matched against the name given
	// to Resolve and Authenticate: uid (OpenLDAP), sAMAccountName (AD).
	UserName string `json:"user_name"`
	// UserSID is the user's binary SID attribute (objectSid), or empty.
	UserSID string `json:"user_sid,omitempty"`
	// GroupNames are the attributes whose values name a group: cn, and
	// sAMAccountName on AD.
	GroupNames []string `json:"group_names"`
	// GroupSID is the group's binary SID attribute (objectSid), or empty.
	GroupSID string `json:"group_sid,omitempty"`
	// Members are the group attributes holding member DNs: member,
	// uniqueMember.
	Members []string `json:"members"`
	// MemberUID is the group attribute holding member user names
	// (posixGroup memberUid), or empty.
	MemberUID string `json:"member_uid,omitempty"`
	// MemberOf is the attribute on users and groups listing the groups
	// they are in (AD, or OpenLDAP's memberof overlay), or empty. It is
	// followed in addition to searching Members.
	MemberOf string `json:"member_of,omitempty"`
}

// PresetOpenLDAP is the configuration of a usual OpenLDAP directory under
// baseDN: inetOrgPerson/posixAccount users named by uid; groupOfNames,
// groupOfUniqueNames and posixGroup groups named by cn, with member,
// uniqueMember and memberUid.
func PresetOpenLDAP(url, baseDN string) Config {
	return Config{
		URL:         url,
		UserBase:    baseDN,
		UserFilter:  "(|(objectClass=inetOrgPerson)(objectClass=posixAccount))",
		GroupBase:   baseDN,
		GroupFilter: "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))",
		Attributes: Attributes{
			UserName:   "uid",
			GroupNames: []string{"cn"},
			Members:    []string{"member", "uniqueMember"},
			MemberUID:  "memberUid",
		},
	}
}

// groupTypeAppGroups is GROUP_TYPE_APP_BASIC_GROUP|GROUP_TYPE_APP_QUERY_GROUP:
// AzMan application groups are AD group objects too, but not security
// groups a user can be in.
const groupTypeAppGroups = 0x10 | 0x20

// PresetActiveDirectory is the configuration of an Active Directory domain
// under baseDN with NetBIOS name domain: user objects named by
// sAMAccountName with objectSid; group objects (AzMan application groups
// excluded) named by cn and sAMAccountName, with objectSid, member and
// memberOf.
func PresetActiveDirectory(url, baseDN, domain string) Config {
	return Config{
		URL:        url,
		UserBase:   baseDN,
		UserFilter: "(&(objectClass=user)(!(objectClass=computer)))",
		GroupBase:  baseDN,
		// 1.2.840.113556.1.4.804 is the bitwise-OR matching rule (AD's
		// LDAP_MATCHING_RULE_BIT_OR; OpenLDAP's integerBitOrMatch).
		GroupFilter: fmt.Sprintf("(&(objectClass=group)(!(groupType:1.2.840.113556.1.4.804:=%d)))", groupTypeAppGroups),
		Domain:      domain,
		Attributes: Attributes{
			UserName:   "sAMAccountName",
			UserSID:    "objectSid",
			GroupNames: []string{"cn", "sAMAccountName"},
			GroupSID:   "objectSid",
			Members:    []string{"member"},
			MemberOf:   "memberOf",
		},
	}
}

// Validate checks the configuration, with SetDefaults applied, and changes
// nothing. It returns an error naming the first bad field.
func (c Config) Validate() error {
	c.SetDefaults()
	u, err := url.Parse(c.URL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("ldapdir config: url %q: want ldap://host[:port] or ldaps://host[:port]", c.URL)
	}
	switch u.Scheme {
	case "ldap":
	case "ldaps":
		if c.StartTLS {
			return errors.New("ldapdir config: start_tls with an ldaps:// url: choose one")
		}
	default:
		return fmt.Errorf("ldapdir config: url %q: scheme must be ldap or ldaps", c.URL)
	}
	if c.BindDN != "" && c.BindPassword == "" {
		return errors.New("ldapdir config: bind_dn set without bind_password (that would be an unauthenticated bind)")
	}
	if c.BindDN == "" && c.BindPassword != "" {
		return errors.New("ldapdir config: bind_password set without bind_dn")
	}
	for _, dn := range []struct{ name, value string }{{"bind_dn", c.BindDN}, {"user_base", c.UserBase}, {"group_base", c.GroupBase}} {
		if dn.value == "" && dn.name != "bind_dn" {
			return fmt.Errorf("ldapdir config: %s is required", dn.name)
		}
		if dn.value != "" {
			if _, err := ldap.ParseDN(dn.value); err != nil {
				return fmt.Errorf("ldapdir config: %s %q: %w", dn.name, dn.value, err)
			}
		}
	}
	for _, f := range []struct{ name, value string }{{"user_filter", c.UserFilter}, {"group_filter", c.GroupFilter}} {
		if f.value == "" {
			return fmt.Errorf("ldapdir config: %s is required", f.name)
		}
		if _, err := ldap.CompileFilter(f.value); err != nil {
			return fmt.Errorf("ldapdir config: %s %q: %w", f.name, f.value, err)
		}
	}
	a := c.Attributes
	if err := checkAttr("attributes.user_name", a.UserName, true); err != nil {
		return err
	}
	if len(a.GroupNames) == 0 {
		return errors.New("ldapdir config: attributes.group_names is required")
	}
	for _, n := range a.GroupNames {
		if err := checkAttr("attributes.group_names", n, true); err != nil {
			return err
		}
	}
	if len(a.Members) == 0 && a.MemberUID == "" && a.MemberOf == "" {
		return errors.New("ldapdir config: attributes: one of members, member_uid, member_of is required")
	}
	for _, n := range a.Members {
		if err := checkAttr("attributes.members", n, true); err != nil {
			return err
		}
	}
	for _, f := range []struct{ name, value string }{
		{"attributes.user_sid", a.UserSID}, {"attributes.group_sid", a.GroupSID},
		{"attributes.member_uid", a.MemberUID}, {"attributes.member_of", a.MemberOf},
	} {
		if err := checkAttr(f.name, f.value, false); err != nil {
			return err
		}
	}
	if strings.ContainsAny(c.Domain, `\/@ `) {
		return fmt.Errorf("ldapdir config: domain %q: want a NetBIOS name such as CONTOSO", c.Domain)
	}

	for _, d := range []struct {
		name  string
		value time.Duration
	}{{"dial_timeout", c.DialTimeout}, {"request_timeout", c.RequestTimeout}, {"cache_ttl", c.CacheTTL}, {"refresh_after", c.RefreshAfter}, {"bind_cache_ttl", c.BindCacheTTL}, {"negative_ttl", c.NegativeTTL}} {
		if d.value < 0 {
			return fmt.Errorf("ldapdir config: %s %v is negative", d.name, d.value)
		}
	}
	if c.RefreshAfter >= c.CacheTTL {
		return fmt.Errorf("ldapdir config: refresh_after %v must be shorter than cache_ttl %v", c.RefreshAfter, c.CacheTTL)
	}
	if c.MaxConns < 0 || c.MaxDepth < 0 || c.MaxGroups < 0 || c.MaxCacheSize < 0 || c.BindCacheSize < 0 {
		return errors.New("ldapdir config: max_conns, max_depth, max_groups, max_cache_size and bind_cache_size must not be negative")
	}
	return nil
}

// SetDefaults fills in the defaults of the fields left zero.
func (c *Config) SetDefaults() {
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.MaxConns == 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.CacheTTL == 0 {
		c.CacheTTL = DefaultCacheTTL
	}
	if c.RefreshAfter == 0 {
		c.RefreshAfter = c.CacheTTL / 2
	}
	if c.NegativeTTL == 0 {
		c.NegativeTTL = min(DefaultNegativeTTL, c.CacheTTL)
	}
	if c.MaxCacheSize == 0 {
		c.MaxCacheSize = DefaultMaxCacheSize
	}
	if c.BindCacheSize == 0 {
		c.BindCacheSize = DefaultBindCacheSize
	}
	if c.MaxDepth == 0 {
		c.MaxDepth = DefaultMaxDepth
	}
	if c.MaxGroups == 0 {
		c.MaxGroups = DefaultMaxGroups
	}
}

// checkAttr checks an attribute description (RFC 4512 descr or OID).
func checkAttr(field, name string, required bool) error {
	if name == "" {
		if required {
			return fmt.Errorf("ldapdir config: %s is required", field)
		}
		return nil
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || (i > 0 && (r == '-' || r == '.' || r == ';'))
		if !ok {
			return fmt.Errorf("ldapdir config: %s %q is not an attribute name", field, name)
		}
	}
	return nil
}

// tlsConfig builds the TLS configuration for ldaps:// and StartTLS.
func (c *Config) tlsConfig(host string) (*tls.Config, error) {
	if c.TLSConfig != nil {
		return c.TLSConfig.Clone(), nil
	}
	if c.ServerName != "" {
		host = c.ServerName
	}
	tc, err := ldapconn.TLSConfig(host, c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("ldapdir config: ca_file: %w", err)
	}
	tc.InsecureSkipVerify = c.InsecureSkipVerify //nolint:gosec // opt-in, tests only
	return tc, nil
}
