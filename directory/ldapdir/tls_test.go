package ldapdir_test

import (
	"context"
	"errors"
	"testing"

	"github.com/azgate/azgate/directory/ldapdir"
	"github.com/azgate/azgate/internal/slapdtest"
)

func TestDirectory_TLS(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{Seed: openLDAPSeed, TLS: true})
	other := slapdtest.Start(t, slapdtest.Options{TLS: true}) // another CA

	tests := []struct {
		name    string
		edit    func(*ldapdir.Config)
		wantErr error
	}{
		{"ldaps", func(c *ldapdir.Config) { c.URL, c.CAFile = srv.LDAPSURL, srv.CAFile }, nil},
		{"starttls", func(c *ldapdir.Config) { c.StartTLS, c.CAFile = true, srv.CAFile }, nil},
		{"ldaps with tls.Config", func(c *ldapdir.Config) { c.URL, c.TLSConfig = srv.LDAPSURL, srv.TLSConfig() }, nil},
		{"ldaps, untrusted CA", func(c *ldapdir.Config) { c.URL, c.CAFile = srv.LDAPSURL, other.CAFile }, ldapdir.ErrUnavailable},
		{"starttls, untrusted CA", func(c *ldapdir.Config) { c.StartTLS, c.CAFile = true, other.CAFile }, ldapdir.ErrUnavailable},
		{"ldaps, wrong name", func(c *ldapdir.Config) {
			c.URL, c.CAFile, c.ServerName = srv.LDAPSURL, srv.CAFile, "ldap.example.org"
		}, ldapdir.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := openLDAPConfig(srv)
			tt.edit(&cfg)
			d := newDirectory(t, cfg)
			ctx := context.Background()
			cc, err := d.Authenticate(ctx, "alice", alicePW)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Authenticate: %+v, %v; want %v", cc, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if !contains(cc.Groups, "Local Admins") {
				t.Fatalf("groups %q", cc.Groups)
			}
		})
	}
}
