package ldapstore

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policytest"
)

// TestLoad_Unreachable covers a directory that is not there, refuses the
// credentials, or accepts connections and never answers: each fails in
// bounded time with ErrUnavailable, and says where.
func TestLoad_Unreachable(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // accept, never answer
		}
	}()
	for _, tc := range []struct {
		name string
		cfg  func(Config) Config
		want []string
	}{
		{"nobody listens", func(c Config) Config { c.URL = "ldap://" + closedAddr; return c }, []string{"dial", closedAddr}},
		{"wrong password", func(c Config) Config { c.Password = "wrong"; return c }, []string{"rejected the credentials", srv.AdminDN}},
		{"unknown bind DN", func(c Config) Config { c.BindDN = "cn=nobody," + srv.BaseDN; return c }, []string{"cn=nobody"}},
		{"silent server", func(c Config) Config { c.URL = "ldap://" + silent.Addr().String(); return c }, []string{silent.Addr().String()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg(testConfig(srv, newStoreDN(srv)))
			cfg.Timeout = 300 * time.Millisecond
			s := openStore(t, cfg)
			start := time.Now()
			_, _, err := s.Load(context.Background())
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("Load = %v, want ErrUnavailable", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if _, err := s.Save(context.Background(), policy.NewDefault(), 0); !errors.Is(err, ErrUnavailable) {
				t.Errorf("Save = %v, want ErrUnavailable", err)
			}
			if _, err := s.Revision(context.Background()); !errors.Is(err, ErrUnavailable) {
				t.Errorf("Revision = %v, want ErrUnavailable", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("three calls took %v with a 300 ms timeout", d)
			}
		})
	}
}

// TestLoad_Malformed corrupts a store written by Save, as another tool
// could, and checks that Load refuses it with an error naming the entry
// and the attribute.
func TestLoad_Malformed(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{Seed: `dn: cn=someone,dc=azgate,dc=test
objectClass: user
cn: someone
sn: one
objectSid:: AQUAAAAAAAUVAAAAAQAAAAIAAAADAAAA6QMAAA==

dn: cn=nosid,dc=azgate,dc=test
objectClass: container
cn: nosid
`})
	app := "CN=" + policytest.RichApp
	type tcase struct {
		name     string
		ldif     func(store string) string
		wantDN   func(store string) string
		wantAttr string
		wantErr  error
	}
	task := func(store, name string) string {
		return fmt.Sprintf("CN=%s,CN=AzTaskObjectContainer-%s,%s,%s", name, policytest.RichApp, app, store)
	}
	op := func(store, name string) string {
		return fmt.Sprintf("CN=%s,CN=AzOpObjectContainer-%s,%s,%s", name, policytest.RichApp, app, store)
	}
	role := func(store, name string) string {
		return fmt.Sprintf("CN=%s,CN=AzRoleObjectContainer-%s,%s,%s", name, policytest.RichApp, app, store)
	}
	modify := func(dn, body string) string { return "dn: " + dn + "\nchangetype: modify\n" + body + "\n" }
	b64 := base64.StdEncoding.EncodeToString
	for _, tc := range []tcase{
		{"task link to nowhere",
			func(s string) string {
				return modify(task(s, "Monitor"), "add: msDS-TasksForAzTask\nmsDS-TasksForAzTask: CN=Nowhere,"+s)
			},
			func(s string) string { return task(s, "Monitor") }, attrTasksForTask, policy.ErrDanglingLink},
		{"operation link to a task",
			func(s string) string {
				return modify(task(s, "Monitor"), "add: msDS-OperationsForAzTask\nmsDS-OperationsForAzTask: "+task(s, "Gated"))
			},
			func(s string) string { return task(s, "Monitor") }, attrOpsForTask, policy.ErrDanglingLink},
		{"GUID of five bytes",
			func(s string) string {
				return modify(op(s, "View Switches"), "replace: msDS-AzObjectGuid\nmsDS-AzObjectGuid:: "+b64([]byte("12345")))
			},
			func(s string) string { return op(s, "View Switches") }, attrGUID, policy.ErrInvalid},
		{"GUID missing",
			func(s string) string { return modify(op(s, "View Switches"), "delete: msDS-AzObjectGuid") },
			func(s string) string { return op(s, "View Switches") }, attrGUID, policy.ErrInvalid},
		{"not an application group type",
			func(s string) string {
				return modify(fmt.Sprintf("CN=Operators Group,CN=AzGroupObjectContainer-%s,%s,%s", policytest.RichApp, app, s),
					"replace: groupType\ngroupType: -2147483646")
			},
			func(s string) string {
				return fmt.Sprintf("CN=Operators Group,CN=AzGroupObjectContainer-%s,%s,%s", policytest.RichApp, app, s)
			}, attrGroupType, policy.ErrInvalid},
		{"unknown entry in the store",
			func(s string) string {
				return "dn: ou=stray," + s + "\nobjectClass: organizationalUnit\nou: stray\n"
			},
			func(s string) string { return "ou=stray," + s }, attrObjectClass, policy.ErrInvalid},
		{"member entry without objectSid",
			func(s string) string {
				return modify(role(s, "Operators"), "add: msDS-MembersForAzRole\nmsDS-MembersForAzRole: cn=nosid,dc=azgate,dc=test")
			},
			func(s string) string { return role(s, "Operators") }, attrMembersForRole, policy.ErrDanglingLink},
		{"description XML cannot hold",
			func(s string) string {
				return modify(role(s, "Operators"), "replace: description\ndescription:: "+b64([]byte("ops\x01")))
			},
			func(s string) string { return role(s, "Operators") }, attrDescription, policy.ErrInvalid},
		{"non-member that names nothing",
			func(s string) string {
				return modify(fmt.Sprintf("CN=Operators Group,CN=AzGroupObjectContainer-%s,%s,%s", policytest.RichApp, app, s),
					"add: msDS-NonMembers\nmsDS-NonMembers: cn=gone,dc=azgate,dc=test")
			},
			func(s string) string {
				return fmt.Sprintf("CN=Operators Group,CN=AzGroupObjectContainer-%s,%s,%s", policytest.RichApp, app, s)
			}, attrNonMembers, policy.ErrDanglingLink},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			s := openStore(t, testConfig(srv, newStoreDN(srv)))
			if _, err := s.Save(ctx, policytest.Rich(), 0); err != nil {
				t.Fatal(err)
			}
			srv.AddLDIF(t, tc.ldif(s.DN()))
			p, _, err := s.Load(ctx)
			if err == nil {
				t.Fatalf("Load of a malformed store succeeded: %+v", p)
			}
			var ee *EntryError
			if !errors.As(err, &ee) {
				t.Fatalf("Load = %v, want an *EntryError", err)
			}
			if normDN(ee.DN) != normDN(tc.wantDN(s.DN())) || !strings.EqualFold(ee.Attr, tc.wantAttr) {
				t.Errorf("error names %s / %s, want %s / %s (%v)", ee.DN, ee.Attr, tc.wantDN(s.DN()), tc.wantAttr, err)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("Load = %v, want it to wrap %v", err, tc.wantErr)
			}
			// A save repairs the store: it writes the differences against
			// what is there, malformations included.
			r, err := s.Revision(ctx)
			if err != nil {
				t.Fatal(err)
			}
			fixed := policytest.Rich()
			if _, err := s.Save(ctx, fixed, r); err != nil {
				t.Fatalf("repairing save: %v", err)
			}
			got, _, err := s.Load(ctx)
			if err != nil {
				t.Fatalf("Load after the repair: %v", err)
			}
			if d := policytest.Diff(fixed, got); d != "" {
				t.Fatalf("repaired store differs: %s", d)
			}
		})
	}

	t.Run("member named by a user's DN reads as its SID", func(t *testing.T) {
		ctx := testCtx(t)
		s := openStore(t, testConfig(srv, newStoreDN(srv)))
		if _, err := s.Save(ctx, policytest.Rich(), 0); err != nil {
			t.Fatal(err)
		}
		srv.AddLDIF(t, modify(role(s.DN(), "Operators"), "add: msDS-MembersForAzRole\nmsDS-MembersForAzRole: cn=someone,dc=azgate,dc=test"))
		p, _, err := s.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := p.Application(policytest.RichApp)
		r, _ := a.Role("Operators")
		if got := r.Members[len(r.Members)-1]; got != "S-1-5-21-1-2-3-1001" {
			t.Fatalf("members %v, want the user's SID S-1-5-21-1-2-3-1001 last", r.Members)
		}
	})

	t.Run("the DN is not an AzMan store", func(t *testing.T) {
		ctx := testCtx(t)
		s := openStore(t, testConfig(srv, "cn=nosid,dc=azgate,dc=test"))
		for _, err := range []error{
			func() error { _, _, err := s.Load(ctx); return err }(),
			func() error { _, err := s.Save(ctx, policy.NewDefault(), 0); return err }(),
		} {
			var ee *EntryError
			if !errors.As(err, &ee) || !strings.Contains(err.Error(), "not an AzMan store") {
				t.Fatalf("got %v, want an EntryError saying the entry is not an AzMan store", err)
			}
		}
	})
}

// TestDecode_NonNumericOperationID feeds the decoder an entry slapd's
// INTEGER syntax would refuse but another directory might hold.
func TestDecode_NonNumericOperationID(t *testing.T) {
	store := "CN=S,DC=x"
	guid := func() string { b, _ := guidBytes(policy.NewGUID()); return string(b) }
	entries := []*ldap.Entry{
		ldap.NewEntry(store, map[string][]string{attrObjectClass: {classStore}, attrCN: {"S"}}),
		ldap.NewEntry("CN=A,"+store, map[string][]string{attrObjectClass: {classApp}, attrCN: {"A"}, attrGUID: {guid()}}),
		ldap.NewEntry("CN=AzOpObjectContainer-A,CN=A,"+store, map[string][]string{attrObjectClass: {classContainer}, attrCN: {"AzOpObjectContainer-A"}}),
		ldap.NewEntry("CN=Op,CN=AzOpObjectContainer-A,CN=A,"+store, map[string][]string{attrObjectClass: {classOperation},
			attrCN: {"Op"}, attrGUID: {guid()}, attrOperationID: {"twelve"}}),
	}
	tr, err := parseTree(entries, store, true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = decodePolicy(context.Background(), tr, nil)
	var ee *EntryError
	if !errors.As(err, &ee) || ee.Attr != attrOperationID || !strings.HasPrefix(ee.DN, "CN=Op,") || !errors.Is(err, policy.ErrInvalid) {
		t.Fatalf("decode = %v, want an EntryError for %s of CN=Op", err, attrOperationID)
	}
	if !strings.Contains(err.Error(), `"twelve" is not an integer`) {
		t.Fatalf("error %q does not quote the value", err)
	}
}

// TestWatch_Outage stops the directory under a watcher: Watch signals the
// outage, keeps polling, and signals again when the directory is back.
func TestWatch_Outage(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	ctx := testCtx(t)
	cfg := testConfig(srv, newStoreDN(srv))
	cfg.Timeout = time.Second
	s := openStore(t, cfg)
	if _, err := s.Save(ctx, policy.NewDefault(), 0); err != nil {
		t.Fatal(err)
	}
	ch, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	drainCh(ch)
	wait := func(what string) time.Duration {
		start := time.Now()
		select {
		case <-ch:
			return time.Since(start)
		case <-time.After(5 * time.Second):
			t.Fatalf("Watch did not signal %s", what)
		}
		return 0
	}
	srv.Stop()
	d := wait("the outage")
	t.Logf("outage signalled after %v", d.Round(time.Millisecond))
	if _, err := s.Revision(ctx); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Revision during the outage = %v, want ErrUnavailable", err)
	}
	srv.Restart()
	d = wait("the recovery")
	t.Logf("recovery signalled after %v", d.Round(time.Millisecond))
	if _, _, err := s.Load(ctx); err != nil {
		t.Fatalf("Load after the recovery: %v", err)
	}
}
