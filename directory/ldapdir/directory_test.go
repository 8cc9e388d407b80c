package ldapdir_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/directory/ldapdir"
	"github.com/azgate/azgate/internal/slapdtest"
)

func TestDirectory_ResolveOpenLDAP(t *testing.T) {
	srv := startOpenLDAP(t, "")
	d := newDirectory(t, openLDAPConfig(srv))
	ctx := context.Background()

	tests := []struct {
		user       string
		wantIDs    []string
		wantGroups []string
		notGroups  []string
	}{
		{
			user:    "alice",
			wantIDs: []string{"alice", "uid=alice,ou=people,dc=azgate,dc=test"},
			wantGroups: []string{
				"Global Ops", "cn=Global Ops,ou=groups,dc=azgate,dc=test",
				"Local Admins", "cn=Local Admins,ou=groups,dc=azgate,dc=test", // nested
				"developers", "cn=developers,ou=groups,dc=azgate,dc=test", // posixGroup memberUid
			},
			notGroups: []string{"Others", "CycleA", "auditors"},
		},
		{
			user:       "bob",
			wantIDs:    []string{"bob", "uid=bob,ou=people,dc=azgate,dc=test"},
			wantGroups: []string{"CycleA", "CycleB", "auditors"}, // cycle; groupOfUniqueNames
			notGroups:  []string{"Global Ops", "developers"},
		},
		{
			user:       "carol",
			wantIDs:    []string{"carol"},
			wantGroups: []string{"developers", "Others"},
			notGroups:  []string{"Global Ops", "Local Admins"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			cc, err := d.Resolve(ctx, tt.user)
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tt.user, err)
			}
			if cc.Name != tt.user {
				t.Errorf("Name = %q, want %q", cc.Name, tt.user)
			}
			if !strings.HasPrefix(cc.DN, "uid="+tt.user+",") {
				t.Errorf("DN = %q", cc.DN)
			}
			for _, id := range tt.wantIDs {
				if !contains(cc.IDs, id) {
					t.Errorf("IDs %q lack %q", cc.IDs, id)
				}
			}
			for _, g := range tt.wantGroups {
				if !contains(cc.Groups, g) {
					t.Errorf("Groups %q lack %q", cc.Groups, g)
				}
			}
			for _, g := range tt.notGroups {
				if contains(cc.Groups, g) {
					t.Errorf("Groups %q contain %q", cc.Groups, g)
				}
			}
		})
	}
}

func TestDirectory_ResolveActiveDirectory(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{Seed: openLDAPSeed, MemberOfGroupClass: "group"})
	srv.AddLDIF(t, adLDIF(t)) // through LDAP, so that memberof maintains memberOf

	adConfig := func() ldapdir.Config {
		cfg := ldapdir.PresetActiveDirectory(srv.URL, "ou=ad,"+base, "CONTOSO")
		cfg.BindDN, cfg.BindPassword = svcDN, svcPW
		return cfg
	}
	memberOfOnly := adConfig()
	memberOfOnly.Attributes.Members = nil

	for name, cfg := range map[string]ldapdir.Config{"member and memberOf": adConfig(), "memberOf only": memberOfOnly} {
		t.Run(name, func(t *testing.T) {
			d := newDirectory(t, cfg)
			for _, user := range []string{"dave", `CONTOSO\dave`, `contoso\DAVE`} {
				cc, err := d.Resolve(context.Background(), user)
				if err != nil {
					t.Fatalf("Resolve(%q): %v", user, err)
				}
				if cc.Name != `CONTOSO\dave` {
					t.Errorf("Name = %q", cc.Name)
				}
				for _, id := range []string{"dave", `CONTOSO\dave`, domainSID + "-1105", "cn=Dave,ou=ad,dc=azgate,dc=test"} {
					if !contains(cc.IDs, id) {
						t.Errorf("IDs %q lack %q", cc.IDs, id)
					}
				}
				for _, g := range []string{
					"Hyper-V Operators", `CONTOSO\HV-Operators`, domainSID + "-1201", // global group
					"Hyper-V Admins", `CONTOSO\Hyper-V Admins`, domainSID + "-1202", // domain local, nested
				} {
					if !contains(cc.Groups, g) {
						t.Errorf("Groups %q lack %q", cc.Groups, g)
					}
				}
				if contains(cc.Groups, "App Basic") {
					t.Errorf("Groups %q contain the AzMan application group", cc.Groups)
				}
			}
			if _, err := d.Resolve(context.Background(), `FABRIKAM\dave`); !errors.Is(err, ldapdir.ErrUnknownUser) {
				t.Errorf("Resolve(FABRIKAM\\dave): err = %v, want ErrUnknownUser", err)
			}
		})
	}
}

func TestDirectory_ManyGroupsArePaged(t *testing.T) {
	var extra strings.Builder
	for i := range 25 {
		fmt.Fprintf(&extra, "dn: cn=team%02d,ou=groups,%s\nobjectClass: groupOfNames\ncn: team%02d\nmember: uid=alice,ou=people,%s\n\n", i, base, i, base)
	}
	srv := startOpenLDAP(t, extra.String()) // 10 entries per page for the service account
	d := newDirectory(t, openLDAPConfig(srv))
	cc, err := d.Resolve(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 25 {
		if g := fmt.Sprintf("team%02d", i); !contains(cc.Groups, g) {
			t.Errorf("Groups lack %s", g)
		}
	}
}

// chainLDIF is a chain of n groups above the user DN: prefix0 holds the
// user, prefix1 holds prefix0, and so on.
func chainLDIF(prefix, userDN string, n int) string {
	var b strings.Builder
	prev := userDN
	for i := range n {
		fmt.Fprintf(&b, "dn: cn=%s%d,ou=groups,%s\nobjectClass: groupOfNames\ncn: %s%d\nmember: %s\n\n", prefix, i, base, prefix, i, prev)
		prev = fmt.Sprintf("cn=%s%d,ou=groups,%s", prefix, i, base)
	}
	return b.String()
}

// TestDirectory_NestingDepthLimit: MaxDepth levels of groups above the user
// are followed (32 by default, as the docs say), one more is ErrLimit — the
// directory answered — not ErrUnavailable.
func TestDirectory_NestingDepthLimit(t *testing.T) {
	srv := startOpenLDAP(t, chainLDIF("six", "uid=bob,ou=people,"+base, 6)+
		chainLDIF("deep", "uid=carol,ou=people,"+base, ldapdir.DefaultMaxDepth)+
		chainLDIF("deeper", "uid=alice,ou=people,"+base, ldapdir.DefaultMaxDepth+1))
	for _, tt := range []struct {
		user     string
		maxDepth int
		top      string // the topmost group, or "" for ErrLimit
	}{
		{"bob", 4, ""},
		{"bob", 5, ""},
		{"bob", 6, "six5"},
		{"carol", 0, fmt.Sprintf("deep%d", ldapdir.DefaultMaxDepth-1)},
		{"alice", 0, ""},
	} {
		t.Run(fmt.Sprintf("%s/%d", tt.user, tt.maxDepth), func(t *testing.T) {
			cfg := openLDAPConfig(srv)
			cfg.MaxDepth = tt.maxDepth
			d := newDirectory(t, cfg)
			cc, err := d.Resolve(context.Background(), tt.user)
			if tt.top == "" {
				if !errors.Is(err, ldapdir.ErrLimit) || errors.Is(err, ldapdir.ErrUnavailable) || !strings.Contains(err.Error(), "deeper than") {
					t.Fatalf("Resolve(%s) = %v, want ErrLimit naming the depth", tt.user, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !contains(cc.Groups, tt.top) {
				t.Errorf("Groups %q lack %s", cc.Groups, tt.top)
			}
		})
	}
}

// TestDirectory_LimitIsCached: a user beyond MaxGroups is ErrLimit, and
// that answer is cached for the cache TTL like a resolved context — the
// directory is not asked again meanwhile (here it is even down).
func TestDirectory_LimitIsCached(t *testing.T) {
	srv := startOpenLDAP(t, "")
	cfg := openLDAPConfig(srv)
	cfg.MaxGroups = 2 // alice is in three
	d, clock := cachedDirectory(t, cfg)
	ctx := context.Background()
	_, err := d.Resolve(ctx, "alice")
	if !errors.Is(err, ldapdir.ErrLimit) || !strings.Contains(err.Error(), "more than 2 groups") {
		t.Fatalf("Resolve(alice) = %v, want ErrLimit naming the group limit", err)
	}
	srv.Stop()
	clock.Advance(59 * time.Second)
	if _, err := d.Resolve(ctx, "alice"); !errors.Is(err, ldapdir.ErrLimit) {
		t.Fatalf("within the TTL, directory down: Resolve(alice) = %v, want the cached ErrLimit", err)
	}
	clock.Advance(2 * time.Second)
	if _, err := d.Resolve(ctx, "alice"); !errors.Is(err, ldapdir.ErrUnavailable) {
		t.Fatalf("after the TTL, directory down: Resolve(alice) = %v, want ErrUnavailable", err)
	}
}

func TestDirectory_InjectionIsInert(t *testing.T) {
	srv := startOpenLDAP(t, "")
	d := newDirectory(t, openLDAPConfig(srv))
	ctx := context.Background()
	names := []string{
		"*",
		"*)(uid=*",
		"admin)(|(uid=*",
		"alice)(uid=*",
		"alice)(|(objectClass=*)",
		"al*",
		"*ice",
		"alice\x00",
		"\x00alice",
		"alice\x00)(uid=*",
		`\2a`,
		`alice\29`,
		"(uid=alice)",
		"alice))(|(uid=*",
		"",
		strings.Repeat("a", 300),
		"\xff\xfe",
	}
	for _, name := range names {
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			cc, err := d.Resolve(ctx, name)
			if !errors.Is(err, ldapdir.ErrUnknownUser) {
				t.Errorf("Resolve: ctx=%+v err=%v, want ErrUnknownUser", cc, err)
			}
			cc, err = d.Authenticate(ctx, name, alicePW)
			if !errors.Is(err, ldapdir.ErrBadCredentials) {
				t.Errorf("Authenticate with alice's password: ctx=%+v err=%v, want ErrBadCredentials", cc, err)
			}
			if ok, err := d.MatchQuery(ctx, directory.ClientContext{DN: name}, "(uid=alice)"); ok {
				t.Errorf("MatchQuery with DN %q matched (err %v)", name, err)
			}
		})
	}
}

func TestDirectory_Authenticate(t *testing.T) {
	srv := startOpenLDAP(t, "")
	d := newDirectory(t, openLDAPConfig(srv))
	ctx := context.Background()

	cc, err := d.Authenticate(ctx, "alice", alicePW)
	if err != nil {
		t.Fatalf("right password: %v", err)
	}
	if cc.Name != "alice" || !contains(cc.Groups, "Local Admins") {
		t.Errorf("context = %+v", cc)
	}

	tests := []struct {
		name, user, password string
		alsoIs               error
	}{
		{"wrong password", "alice", "nope", nil},
		{"another user's password", "alice", "bob-secret", nil},
		{"empty password", "alice", "", nil},
		{"unknown user", "mallory", "x", ldapdir.ErrUnknownUser},
		{"service account name", "azgate-svc", svcPW, ldapdir.ErrUnknownUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc, err := d.Authenticate(ctx, tt.user, tt.password)
			if !errors.Is(err, ldapdir.ErrBadCredentials) {
				t.Fatalf("err = %v (ctx %+v), want ErrBadCredentials", err, cc)
			}
			if tt.alsoIs != nil && !errors.Is(err, tt.alsoIs) {
				t.Errorf("err = %v, want it to also be %v", err, tt.alsoIs)
			}
			if cc.Name != "" || len(cc.Groups) != 0 {
				t.Errorf("failed authentication returned a context: %+v", cc)
			}
		})
	}
}

func TestDirectory_EmptyPasswordNeverReachesDirectory(t *testing.T) {
	// Nothing listens here: had Authenticate tried to bind, it would
	// report ErrUnavailable.
	cfg := ldapdir.PresetOpenLDAP("ldap://"+closedAddr(t), base)
	d := newDirectory(t, cfg)
	_, err := d.Authenticate(context.Background(), "alice", "")
	if !errors.Is(err, ldapdir.ErrBadCredentials) || errors.Is(err, ldapdir.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrBadCredentials only", err)
	}
}

func TestDirectory_MatchQuery(t *testing.T) {
	srv := startOpenLDAP(t, "")
	d := newDirectory(t, openLDAPConfig(srv))
	ctx := context.Background()
	alice, err := d.Resolve(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	gone := directory.ClientContext{Name: "ghost", DN: "uid=ghost,ou=people," + base}
	tests := []struct {
		name    string
		client  directory.ClientContext
		filter  string
		want    bool
		wantErr error
	}{
		{"matches", alice, "(departmentNumber=ops)", true, nil},
		{"does not match", alice, "(departmentNumber=dev)", false, nil},
		{"complex", alice, "(&(objectClass=inetOrgPerson)(|(departmentNumber=ops)(departmentNumber=hr)))", true, nil},
		{"without parentheses", alice, "departmentNumber=ops", true, nil},
		{"substring", alice, "(cn=Ali*)", true, nil},
		{"unknown attribute", alice, "(noSuchAttribute=x)", false, nil},
		{"no DN", directory.ClientContext{Name: "local"}, "(objectClass=*)", false, nil},
		{"deleted entry", gone, "(objectClass=*)", false, nil},
		{"unbalanced", alice, "(departmentNumber=ops", false, ldapdir.ErrBadFilter},
		{"empty", alice, "  ", false, ldapdir.ErrBadFilter},
		{"garbage", alice, "(&(x=y)", false, ldapdir.ErrBadFilter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.MatchQuery(ctx, tt.client, tt.filter)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if got {
					t.Fatal("matched despite the error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("MatchQuery(%q) = %v, want %v", tt.filter, got, tt.want)
			}
		})
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// silentAddr is a loopback listener that accepts connections and never
// answers, like a hung directory.
func silentAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

func TestDirectory_UnreachableFailsFast(t *testing.T) {
	tests := []struct {
		name string
		url  string
	}{
		{"connection refused", "ldap://" + closedAddr(t)},
		{"server never answers", "ldap://" + silentAddr(t)},
		{"ldaps server never answers", "ldaps://" + silentAddr(t)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ldapdir.PresetOpenLDAP(tt.url, base)
			cfg.BindDN, cfg.BindPassword = svcDN, svcPW
			cfg.DialTimeout = 300 * time.Millisecond
			cfg.RequestTimeout = 300 * time.Millisecond
			d := newDirectory(t, cfg)
			ctx := context.Background()
			start := time.Now()
			cc, err := d.Resolve(ctx, "alice")
			if !errors.Is(err, ldapdir.ErrUnavailable) {
				t.Fatalf("Resolve: ctx=%+v err=%v, want ErrUnavailable", cc, err)
			}
			if _, err := d.Authenticate(ctx, "alice", alicePW); !errors.Is(err, ldapdir.ErrUnavailable) {
				t.Fatalf("Authenticate: err=%v, want ErrUnavailable", err)
			}
			ok, err := d.MatchQuery(ctx, directory.ClientContext{DN: "uid=alice,ou=people," + base}, "(objectClass=*)")
			if ok || !errors.Is(err, ldapdir.ErrUnavailable) {
				t.Fatalf("MatchQuery: %v, %v; want false, ErrUnavailable", ok, err)
			}
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Fatalf("three calls took %v with 300ms timeouts", elapsed)
			}
		})
	}
}

func TestDirectory_ContextDeadlineBoundsCalls(t *testing.T) {
	cfg := ldapdir.PresetOpenLDAP("ldap://"+silentAddr(t), base)
	cfg.RequestTimeout = time.Minute // the context must win
	cfg.DialTimeout = time.Minute
	d := newDirectory(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := d.Resolve(ctx, "alice")
	if !errors.Is(err, ldapdir.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Fatalf("Resolve took %v despite a 200ms context deadline", elapsed)
	}
}

func TestDirectory_Close(t *testing.T) {
	srv := startOpenLDAP(t, "")
	d, err := ldapdir.New(openLDAPConfig(srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Resolve(context.Background(), "bob"); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := d.Resolve(context.Background(), "alice"); !errors.Is(err, ldapdir.ErrUnavailable) {
		t.Fatalf("Resolve after Close: %v, want ErrUnavailable", err)
	}
}

func TestDirectory_WrongServiceAccountPassword(t *testing.T) {
	srv := startOpenLDAP(t, "")
	cfg := openLDAPConfig(srv)
	cfg.BindPassword = "wrong"
	d := newDirectory(t, cfg)
	if _, err := d.Resolve(context.Background(), "alice"); !errors.Is(err, ldapdir.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

func TestDirectory_MultiValuedUserName(t *testing.T) {
	srv := startOpenLDAP(t, `dn: uid=erin,ou=people,dc=azgate,dc=test
objectClass: inetOrgPerson
uid: erin
uid: erin.smith
cn: Erin
sn: E
`)
	d := newDirectory(t, openLDAPConfig(srv))
	for _, name := range []string{"erin", "erin.smith", "ERIN.SMITH"} {
		cc, err := d.Resolve(context.Background(), name)
		if err != nil {
			t.Fatalf("Resolve(%q): %v", name, err)
		}
		if !strings.EqualFold(cc.Name, name) || !contains(cc.IDs, "erin") || !contains(cc.IDs, "erin.smith") {
			t.Errorf("Resolve(%q) = %+v", name, cc)
		}
	}
}
