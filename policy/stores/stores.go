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

// Open opens the store rawURL names. The caller closes it. Opening does not
// require the store to exist: Load then fails with policy.ErrNotFound, and a
// first Save (at revision 0) creates it.
func Open(ctx context.Context, rawURL string, opts Options) (policy.Store, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, fmt.Errorf("%q has no scheme; want %s: %w", rawURL, supported(), ErrUnsupported)
	}
	switch strings.ToLower(scheme) {
	case SchemeXML:
		if rest == "" {
			return nil, fmt.Errorf("%q: empty path; want msxml://PATH: %w", rawURL, ErrUnsupported)
		}
		s, err := xmlstore.Open(rest, xmlOptions(opts)...)
		if err != nil {
			return nil, err
		}
		return s, nil
	case SchemeLDAP:
		cfg := opts.LDAP
		cfg.URL = envIfEmpty(cfg.URL, LDAPURLEnv)
		cfg.BindDN = envIfEmpty(cfg.BindDN, LDAPBindDNEnv)
		cfg.Password = envIfEmpty(cfg.Password, LDAPPasswordEnv)
		if cfg.Logger == nil {
			cfg.Logger = opts.Logger
		}
		s, err := ldapstore.OpenURL(rawURL, cfg)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("%q: unknown scheme %q; want %s: %w", rawURL, scheme, supported(), ErrUnsupported)
}

func envIfEmpty(v, name string) string {
	if v != "" {
		return v
	}
	return os.Getenv(name)
}

func supported() string { return "msxml://PATH or msldap://HOST/DN" }

func xmlOptions(o Options) []xmlstore.Option {
	var opts []xmlstore.Option
	if o.Logger != nil {
		opts = append(opts, xmlstore.WithLogger(o.Logger))
	}
	return opts
}
