package ldapdir_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory/ldapdir"
	"github.com/azgate/azgate/internal/slapdtest"
)

const (
	benchUsers  = 10000
	benchGroups = 2000
	benchTop    = 200 // groups 0..199 hold groups; 200.. hold users
	benchSuper  = 20  // groups 0..19 hold groups 20..199
)

// writeScaleLDIF writes a directory of benchUsers users and benchGroups
// groups, three levels deep: each user is a direct member of three of the
// groups 200..1999, each of those is in one of the groups 20..199 (or
// 0..19), and each of those is in one of the groups 0..19. A user thus
// resolves to about nine groups.
func writeScaleLDIF(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "scale.ldif")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "dn: ou=services,%[1]s\nobjectClass: organizationalUnit\nou: services\n\n"+
		"dn: %[2]s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: azgate-svc\nuserPassword: %[3]s\n\n"+
		"dn: ou=people,%[1]s\nobjectClass: organizationalUnit\nou: people\n\n"+
		"dn: ou=groups,%[1]s\nobjectClass: organizationalUnit\nou: groups\n\n", base, svcDN, svcPW)
	for i := range benchUsers {
		fmt.Fprintf(w, "dn: uid=u%05d,ou=people,%s\nobjectClass: inetOrgPerson\nuid: u%05d\ncn: User %d\nsn: U\n\n", i, base, i, i)
	}
	members := make([][]string, benchGroups)
	for i := range benchUsers {
		for _, g := range []int{(i*7)%1800 + benchTop, (i*13+5)%1800 + benchTop, (i*31+11)%1800 + benchTop} {
			members[g] = append(members[g], fmt.Sprintf("uid=u%05d,ou=people,%s", i, base))
		}
	}
	for g := benchSuper; g < benchGroups; g++ {
		parent := g % benchTop
		if g < benchTop {
			parent = g % benchSuper
		}
		members[parent] = append(members[parent], fmt.Sprintf("cn=g%04d,ou=groups,%s", g, base))
	}
	for g := range benchGroups {
		fmt.Fprintf(w, "dn: cn=g%04d,ou=groups,%s\nobjectClass: groupOfNames\ncn: g%04d\n", g, base, g)
		if len(members[g]) == 0 {
			members[g] = []string{"cn=nobody"}
		}
		for _, m := range members[g] {
			fmt.Fprintf(w, "member: %s\n", m)
		}
		w.WriteString("\n")
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

func startScaleDirectory(b *testing.B) *ldapdir.Directory {
	b.Helper()
	srv := slapdtest.Start(b, slapdtest.Options{SeedFile: writeScaleLDIF(b)})
	cfg := ldapdir.PresetOpenLDAP(srv.URL, srv.BaseDN)
	cfg.BindDN, cfg.BindPassword = svcDN, svcPW
	d := newDirectory(b, cfg)
	cc, err := d.Resolve(context.Background(), "u00042")
	if err != nil {
		b.Fatal(err)
	}
	if len(cc.Groups) < 12 { // about nine groups, each by name and DN
		b.Fatalf("u00042 is in %d group identifiers, want a nested set: %q", len(cc.Groups), cc.Groups)
	}
	return d
}

// BenchmarkResolveCold resolves users whose contexts are not cached: one
// user search plus one group search per nesting level.
func BenchmarkResolveCold(b *testing.B) {
	d := startScaleDirectory(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		name := fmt.Sprintf("u%05d", i%benchUsers)
		ldapdir.ForgetUser(d, name)
		if _, err := d.Resolve(ctx, name); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkResolveCached resolves users whose contexts are cached.
func BenchmarkResolveCached(b *testing.B) {
	d := startScaleDirectory(b)
	ctx := context.Background()
	const hot = 1000
	for i := range hot {
		if _, err := d.Resolve(ctx, fmt.Sprintf("u%05d", i)); err != nil {
			b.Fatal(err)
		}
	}
	names := make([]string, hot)
	for i := range names {
		names[i] = fmt.Sprintf("u%05d", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := d.Resolve(ctx, names[i%hot]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkResolveUnknown: repeated lookups of a name the directory lacks,
// with the negative cache (default NegativeTTL) and without it
// (NoNegativeCache).
func BenchmarkResolveUnknown(b *testing.B) {
	for _, neg := range []struct {
		name string
		off  bool
	}{{"cached", false}, {"uncached", true}} {
		b.Run(neg.name, func(b *testing.B) {
			srv := startOpenLDAP(b, "")
			cfg := openLDAPConfig(srv)
			cfg.NoNegativeCache = neg.off
			d := newDirectory(b, cfg)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Resolve(ctx, "nobody"); !errors.Is(err, ldapdir.ErrUnknownUser) {
					b.Fatal(err)
				}
			}
		})
	}
}

// *ldapdir.Directory decides LDAP-query application groups for the checker.
var _ authz.QueryMatcher = (*ldapdir.Directory)(nil)
