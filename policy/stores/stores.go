package stores

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/ldapstore"
	"github.com/azgate/azgate/policy/xmlstore"
)

// URL schemes.
const (
	SchemeXML  = "msxml"
	SchemeLDAP = "msldap"
)

// ErrUnsupported is returned for a URL whose scheme azgate does not support
// (yet).
var ErrUnsupported = errors.New("unsupported store URL")

// Options are settings every backend may use.
type Options struct {
	// Logger receives the store's diagnostics; nil discards them.
	Logger *slog.Logger
	// LDAP configures msldap:// stores: the directory server (used when
	// the URL names none), the bind account, TLS and limits; StoreDN comes
	// from the URL. Empty URL, BindDN and Password fall back to the
	// environment variables LDAPURLEnv, LDAPBindDNEnv and LDAPPasswordEnv.
	LDAP ldapstore.Config
}

// Environment variables msldap:// stores fall back to.
const (
	LDAPURLEnv      = "AZGATE_LDAP_URL"
	LDAPBindDNEnv   = "AZGATE_LDAP_BIND_DN"
	LDAPPasswordEnv = "AZGATE_LDAP_PASSWORD"
)

// Open opens the store rawURL names; a plain path (no scheme) is the
// msxml:// store of that file. The caller closes it. Opening does not
// require the store to exist: Load then fails with policy.ErrNotFound, and a
// first Save (at revision 0) creates it.
func Open(ctx context.Context, rawURL string, opts Options) (policy.Store, error) {
	scheme, rest, err := split(rawURL)
	if err != nil {
		return nil, err
	}
	if scheme == SchemeLDAP {
		cfg := opts.LDAP
		cfg.URL = envIfEmpty(cfg.URL, LDAPURLEnv)
		cfg.BindDN = envIfEmpty(cfg.BindDN, LDAPBindDNEnv)
		cfg.Password = envIfEmpty(cfg.Password, LDAPPasswordEnv)
		if cfg.Logger == nil {
			cfg.Logger = opts.Logger
		}
		s, err := ldapstore.OpenURL(rawURL, cfg)
		if errors.Is(err, ldapstore.ErrNoServer) {
			return nil, fmt.Errorf("%q: %w: name it in the store URL, msldap://HOST[:PORT]/DN, or set $%s: %w",
				rawURL, ldapstore.ErrNoServer, LDAPURLEnv, policy.ErrInvalid)
		}
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	s, err := xmlstore.Open(rest, xmlOptions(opts)...)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// CheckURL reports whether Open would accept rawURL's form (a known
// scheme, or a plain path), without opening anything.
func CheckURL(rawURL string) error {
	_, _, err := split(rawURL)
	return err
}

// split returns rawURL's lower-case scheme and the rest. A plain path is
// an msxml:// URL; a known scheme followed by ":" but not "://"
// (msxml:/x.xml) is an error suggesting the URL meant.
func split(rawURL string) (scheme, rest string, err error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	switch {
	case ok:
		scheme = strings.ToLower(scheme)
		if scheme != SchemeXML && scheme != SchemeLDAP {
			return "", "", fmt.Errorf("%q: unknown scheme %q; want %s: %w", rawURL, scheme, supported(), ErrUnsupported)
		}
	case strings.TrimSpace(rawURL) == "":
		return "", "", fmt.Errorf("empty store URL; want %s: %w", supported(), ErrUnsupported)
	default:
		for _, known := range []string{SchemeXML, SchemeLDAP} {
			if len(rawURL) > len(known) && strings.EqualFold(rawURL[:len(known)+1], known+":") {
				return "", "", fmt.Errorf("%q: a store URL has \"://\" after its scheme; did you mean %s://%s? %w",
					rawURL, known, rawURL[len(known)+1:], ErrUnsupported)
			}
		}
		scheme, rest = SchemeXML, rawURL
	}
	if scheme == SchemeXML && rest == "" {
		return "", "", fmt.Errorf("%q: empty path; want msxml://PATH: %w", rawURL, ErrUnsupported)
	}
	return scheme, rest, nil
}

func envIfEmpty(v, name string) string {
	if v != "" {
		return v
	}
	return os.Getenv(name)
}

func supported() string { return "msxml://PATH (or a plain PATH) or msldap://HOST/DN" }

func xmlOptions(o Options) []xmlstore.Option {
	var opts []xmlstore.Option
	if o.Logger != nil {
		opts = append(opts, xmlstore.WithLogger(o.Logger))
	}
	return opts
}
