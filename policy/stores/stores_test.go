package stores

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/ldapstore"
	"github.com/azgate/azgate/policy/xmlstore"
)

func TestOpen_Errors(t *testing.T) {
	for _, tc := range []struct {
		name, url, want string
	}{
		{"scheme without //", "msxml:/x.xml", `did you mean msxml:///x.xml?`},
		{"scheme without / at all", "MSXML:x.xml", `did you mean msxml://x.xml?`},
		{"ldap scheme without //", "msldap:/CN=S", `did you mean msldap:///CN=S?`},
		{"empty", " ", "empty store URL"},
		{"unknown scheme", "ftp://host/x", `unknown scheme "ftp"`},
		{"empty path", "msxml://", "empty path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(context.Background(), tc.url, Options{})
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", tc.url)
			}
			if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open(%q) = %v, want ErrUnsupported mentioning %q", tc.url, err, tc.want)
			}
		})
	}
}

func TestOpen_XML(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	abs := filepath.Join(dir, "abs.xml")
	for _, tc := range []struct {
		name, url, file string
	}{
		{"relative dot", "msxml://./rel.xml", filepath.Join(dir, "rel.xml")},
		{"relative bare", "msxml://bare.xml", filepath.Join(dir, "bare.xml")},
		{"absolute", "msxml://" + abs, abs},
		{"upper-case scheme", "MSXML://./upper.xml", filepath.Join(dir, "upper.xml")},
		{"plain relative path", "plain.xml", filepath.Join(dir, "plain.xml")},
		{"plain absolute path", filepath.Join(dir, "plainabs.xml"), filepath.Join(dir, "plainabs.xml")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s, err := Open(ctx, tc.url, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, ok := s.(*xmlstore.Store); !ok {
				t.Fatalf("Open(%q) = %T, want *xmlstore.Store", tc.url, s)
			}
			if _, _, err := s.Load(ctx); !errors.Is(err, policy.ErrNotFound) {
				t.Fatalf("Load of a new store = %v, want ErrNotFound", err)
			}
			if _, err := s.Save(ctx, policy.NewDefault(), 0); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(tc.file); err != nil {
				t.Fatalf("store not written at %s: %v", tc.file, err)
			}
			p, _, err := s.Load(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Application(policy.DefaultApplication); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestOpen_LDAP(t *testing.T) {
	t.Setenv(LDAPURLEnv, "")
	t.Setenv(LDAPBindDNEnv, "")
	t.Setenv(LDAPPasswordEnv, "")
	const dn = "CN=AzStore,CN=Program Data,DC=example,DC=org"
	for _, tc := range []struct {
		name, url, env string
		opts           Options
		wantServer     string
		wantErr        string
	}{
		{name: "server in the URL", url: "msldap://ldap.example.org:1389/" + dn, wantServer: "ldap://ldap.example.org:1389"},
		{name: "server from options", url: "msldap://" + dn, opts: Options{LDAP: ldapstore.Config{URL: "ldaps://dc1:636"}}, wantServer: "ldaps://dc1:636"},
		{name: "server from the environment", url: "msldap://" + dn, env: "ldap://127.0.0.1:389", wantServer: "ldap://127.0.0.1:389"},
		{name: "no server", url: "msldap://" + dn, wantErr: "no directory server: name it in the store URL, msldap://HOST[:PORT]/DN, or set $" + LDAPURLEnv},
		{name: "not a DN", url: "msldap://host:389/not a dn", wantErr: "not a DN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(LDAPURLEnv, tc.env)
			s, err := Open(context.Background(), tc.url, tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Open(%q) = %v, want an error mentioning %q", tc.url, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ls, ok := s.(*ldapstore.Store)
			if !ok || ls.URL() != tc.wantServer || ls.DN() != dn {
				t.Fatalf("Open(%q) = %T %v", tc.url, s, s)
			}
		})
	}
}
