package ldapdir_test

import (
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/directory/ldapdir"
)

func TestConfig_Validate(t *testing.T) {
	valid := func() ldapdir.Config { return ldapdir.PresetOpenLDAP("ldap://127.0.0.1:389", "dc=example,dc=org") }
	tests := []struct {
		name    string
		edit    func(*ldapdir.Config)
		wantErr string // "" for valid
	}{
		{"openldap preset", func(*ldapdir.Config) {}, ""},
		{"ad preset", func(c *ldapdir.Config) {
			*c = ldapdir.PresetActiveDirectory("ldaps://dc1.contoso.com", "dc=contoso,dc=com", "CONTOSO")
		}, ""},
		{"starttls", func(c *ldapdir.Config) { c.StartTLS = true }, ""},
		{"bind", func(c *ldapdir.Config) { c.BindDN, c.BindPassword = "cn=svc,dc=example,dc=org", "pw" }, ""},
		{"no url", func(c *ldapdir.Config) { c.URL = "" }, "url"},
		{"http url", func(c *ldapdir.Config) { c.URL = "http://x" }, "scheme"},
		{"ldaps and starttls", func(c *ldapdir.Config) { c.URL, c.StartTLS = "ldaps://x", true }, "start_tls"},
		{"bind dn without password", func(c *ldapdir.Config) { c.BindDN = "cn=svc,dc=example,dc=org" }, "unauthenticated"},
		{"password without bind dn", func(c *ldapdir.Config) { c.BindPassword = "pw" }, "bind_dn"},
		{"bad bind dn", func(c *ldapdir.Config) { c.BindDN, c.BindPassword = "not a dn", "pw" }, "bind_dn"},
		{"no user base", func(c *ldapdir.Config) { c.UserBase = "" }, "user_base"},
		{"bad group base", func(c *ldapdir.Config) { c.GroupBase = "no equals sign" }, "group_base"},
		{"bad user filter", func(c *ldapdir.Config) { c.UserFilter = "(uid=" }, "user_filter"},
		{"no group filter", func(c *ldapdir.Config) { c.GroupFilter = "" }, "group_filter"},
		{"no user name attribute", func(c *ldapdir.Config) { c.Attributes.UserName = "" }, "user_name"},
		{"attribute with filter chars", func(c *ldapdir.Config) { c.Attributes.UserName = "uid)(x" }, "user_name"},
		{"no group names", func(c *ldapdir.Config) { c.Attributes.GroupNames = nil }, "group_names"},
		{"no membership attribute", func(c *ldapdir.Config) {
			c.Attributes.Members, c.Attributes.MemberUID, c.Attributes.MemberOf = nil, "", ""
		}, "members"},
		{"bad domain", func(c *ldapdir.Config) { c.Domain = `CONTOSO\X` }, "domain"},
		{"refresh after ttl", func(c *ldapdir.Config) { c.CacheTTL, c.RefreshAfter = time.Minute, time.Minute }, "refresh_after"},
		{"negative timeout", func(c *ldapdir.Config) { c.RequestTimeout = -time.Second }, "request_timeout"},
		{"missing CA file", func(c *ldapdir.Config) { c.CAFile = "/nonexistent/ca.pem" }, "ca_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.edit(&cfg)
			_, err := ldapdir.New(cfg, nil)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New: err = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfig_SetDefaults(t *testing.T) {
	cfg := ldapdir.PresetOpenLDAP("ldap://127.0.0.1", "dc=example,dc=org")
	before := cfg
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.PageSize != before.PageSize || cfg.CacheTTL != before.CacheTTL {
		t.Fatalf("Validate changed the configuration: %+v", cfg)
	}
	cfg.SetDefaults()
	if cfg.PageSize != ldapdir.DefaultPageSize || cfg.CacheTTL != ldapdir.DefaultCacheTTL ||
		cfg.RefreshAfter != ldapdir.DefaultCacheTTL/2 || cfg.RequestTimeout != ldapdir.DefaultRequestTimeout ||
		cfg.DialTimeout != ldapdir.DefaultDialTimeout || cfg.MaxConns != ldapdir.DefaultMaxConns {
		t.Fatalf("defaults not filled: %+v", cfg)
	}
}

func TestConfig_NegativeTTLDefault(t *testing.T) {
	for _, tc := range []struct {
		name          string
		cacheTTL, neg time.Duration
		want          time.Duration
	}{
		{"default", 0, 0, ldapdir.DefaultNegativeTTL},
		{"capped by a short cache TTL", 10 * time.Second, 0, 10 * time.Second},
		{"set", 0, 5 * time.Second, 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ldapdir.PresetOpenLDAP("ldap://127.0.0.1", "dc=example,dc=org")
			cfg.CacheTTL, cfg.NegativeTTL = tc.cacheTTL, tc.neg
			cfg.SetDefaults()
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			if cfg.NegativeTTL != tc.want {
				t.Errorf("NegativeTTL = %v, want %v", cfg.NegativeTTL, tc.want)
			}
		})
	}
}

// A negative duration is an error naming the field, never a hidden switch.
func TestConfig_NegativeDurations(t *testing.T) {
	for _, field := range []string{"negative_ttl", "cache_ttl", "bind_cache_ttl", "request_timeout"} {
		cfg := ldapdir.PresetOpenLDAP("ldap://127.0.0.1", "dc=example,dc=org")
		switch field {
		case "negative_ttl":
			cfg.NegativeTTL = -time.Second
		case "cache_ttl":
			cfg.CacheTTL = -time.Second
		case "bind_cache_ttl":
			cfg.BindCacheTTL = -time.Second
		case "request_timeout":
			cfg.RequestTimeout = -time.Second
		}
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s negative: err = %v, want one naming it", field, err)
		}
	}
}
