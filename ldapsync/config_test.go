package ldapsync_test

import (
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/ldapsync"
)

func TestConfig_Validate(t *testing.T) {
	valid := func() ldapsync.Config { return ldapsync.PresetOpenLDAP("ldap://127.0.0.1:389", "dc=example,dc=org") }
	tests := []struct {
		name    string
		edit    func(*ldapsync.Config)
		wantErr string // "" for valid
	}{
		{"openldap preset", func(*ldapsync.Config) {}, ""},
		{"ad preset", func(c *ldapsync.Config) {
			*c = ldapsync.PresetActiveDirectory("ldaps://dc1.contoso.com", "dc=contoso,dc=com", "CONTOSO")
		}, ""},
		{"starttls", func(c *ldapsync.Config) { c.StartTLS = true }, ""},
		{"bind", func(c *ldapsync.Config) { c.BindDN, c.BindPassword = "cn=svc,dc=example,dc=org", "pw" }, ""},
		{"no url", func(c *ldapsync.Config) { c.URL = "" }, "url"},
		{"http url", func(c *ldapsync.Config) { c.URL = "http://x" }, "scheme"},
		{"ldaps and starttls", func(c *ldapsync.Config) { c.URL, c.StartTLS = "ldaps://x", true }, "start_tls"},
		{"bind dn without password", func(c *ldapsync.Config) { c.BindDN = "cn=svc,dc=example,dc=org" }, "unauthenticated"},
		{"password without bind dn", func(c *ldapsync.Config) { c.BindPassword = "pw" }, "bind_dn"},
		{"bad bind dn", func(c *ldapsync.Config) { c.BindDN, c.BindPassword = "not a dn", "pw" }, "bind_dn"},
		{"no user base", func(c *ldapsync.Config) { c.UserBase = "" }, "user_base"},
		{"bad group base", func(c *ldapsync.Config) { c.GroupBase = "no equals sign" }, "group_base"},
		{"bad user filter", func(c *ldapsync.Config) { c.UserFilter = "(uid=" }, "user_filter"},
		{"no group filter", func(c *ldapsync.Config) { c.GroupFilter = "" }, "group_filter"},
		{"no user name attribute", func(c *ldapsync.Config) { c.Attributes.UserName = "" }, "user_name"},
		{"attribute with filter chars", func(c *ldapsync.Config) { c.Attributes.UserName = "uid)(x" }, "user_name"},
		{"no group names", func(c *ldapsync.Config) { c.Attributes.GroupNames = nil }, "group_names"},
		{"no membership attribute", func(c *ldapsync.Config) {
			c.Attributes.Members, c.Attributes.MemberUID, c.Attributes.MemberOf = nil, "", ""
		}, "members"},
		{"bad domain", func(c *ldapsync.Config) { c.Domain = `CONTOSO\X` }, "domain"},
		{"refresh after ttl", func(c *ldapsync.Config) { c.CacheTTL, c.RefreshAfter = time.Minute, time.Minute }, "refresh_after"},
		{"negative timeout", func(c *ldapsync.Config) { c.RequestTimeout = -time.Second }, "request_timeout"},
		{"missing CA file", func(c *ldapsync.Config) { c.CAFile = "/nonexistent/ca.pem" }, "ca_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.edit(&cfg)
			_, err := ldapsync.New(cfg, nil)
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

func TestConfig_ValidateFillsDefaults(t *testing.T) {
	cfg := ldapsync.PresetOpenLDAP("ldap://127.0.0.1", "dc=example,dc=org")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.PageSize != ldapsync.DefaultPageSize || cfg.CacheTTL != ldapsync.DefaultCacheTTL ||
		cfg.RefreshAfter != ldapsync.DefaultCacheTTL/2 || cfg.RequestTimeout != ldapsync.DefaultRequestTimeout ||
		cfg.DialTimeout != ldapsync.DefaultDialTimeout || cfg.MaxConns != ldapsync.DefaultMaxConns {
		t.Fatalf("defaults not filled: %+v", cfg)
	}
}

func TestConfig_NegativeTTLDefault(t *testing.T) {
	for _, tc := range []struct {
		name          string
		cacheTTL, neg time.Duration
		want          time.Duration
	}{
		{"default", 0, 0, ldapsync.DefaultNegativeTTL},
		{"capped by a short cache TTL", 10 * time.Second, 0, 10 * time.Second},
		{"set", 0, 5 * time.Second, 5 * time.Second},
		{"off", 0, -1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ldapsync.PresetOpenLDAP("ldap://127.0.0.1", "dc=example,dc=org")
			cfg.CacheTTL, cfg.NegativeTTL = tc.cacheTTL, tc.neg
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			if cfg.NegativeTTL != tc.want {
				t.Errorf("NegativeTTL = %v, want %v", cfg.NegativeTTL, tc.want)
			}
		})
	}
}
