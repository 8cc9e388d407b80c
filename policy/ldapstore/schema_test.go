package ldapstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/policy"
)

// bareSlapd runs a slapd with the core schema only — no AzMan classes —
// and returns its URL, admin DN and password. internal/slapdtest always
// loads the AzMan schema, so this test starts its own.
func bareSlapd(t *testing.T) (url, adminDN, password string) {
	t.Helper()
	find := func(name string, dirs ...string) string {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		for _, d := range dirs {
			if _, err := os.Stat(filepath.Join(d, name)); err == nil {
				return filepath.Join(d, name)
			}
		}
		t.Fatalf("%s not found: apt-get install slapd ldap-utils", name)
		return ""
	}
	slapd, slapadd := find("slapd", "/usr/sbin"), find("slapadd", "/usr/sbin")
	var modDir string
	for _, d := range []string{"/usr/lib/ldap", "/usr/lib/openldap", "/usr/lib64/openldap", "/usr/libexec/openldap"} {
		if _, err := os.Stat(filepath.Join(d, "back_mdb.so")); err == nil {
			modDir = d
		}
	}
	core, err := os.ReadFile("/etc/ldap/schema/core.ldif")
	if err != nil {
		core, err = os.ReadFile("/etc/openldap/schema/core.ldif")
	}
	if err != nil {
		t.Fatalf("core schema: %v", err)
	}
	dir := t.TempDir()
	cfgDir, dbDir := filepath.Join(dir, "slapd.d"), filepath.Join(dir, "db")
	for _, d := range []string{cfgDir, dbDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	const base = "dc=bare,dc=test"
	adminDN, password = "cn=admin,"+base, "bare-secret"
	var b strings.Builder
	fmt.Fprintf(&b, "dn: cn=config\nobjectClass: olcGlobal\ncn: config\nolcPidFile: %s/slapd.pid\n\n", dir)
	if modDir != "" {
		fmt.Fprintf(&b, "dn: cn=module{0},cn=config\nobjectClass: olcModuleList\ncn: module{0}\nolcModulePath: %s\nolcModuleLoad: back_mdb\n\n", modDir)
	}
	b.WriteString("dn: cn=schema,cn=config\nobjectClass: olcSchemaConfig\ncn: schema\n\n")
	b.WriteString(strings.TrimSpace(string(core)) + "\n\n")
	b.WriteString("dn: olcDatabase={-1}frontend,cn=config\nobjectClass: olcDatabaseConfig\nobjectClass: olcFrontendConfig\nolcDatabase: {-1}frontend\n\n")
	b.WriteString("dn: olcDatabase={0}config,cn=config\nobjectClass: olcDatabaseConfig\nolcDatabase: {0}config\n\n")
	fmt.Fprintf(&b, "dn: olcDatabase={1}mdb,cn=config\nobjectClass: olcDatabaseConfig\nobjectClass: olcMdbConfig\nolcDatabase: {1}mdb\n"+
		"olcDbDirectory: %s\nolcSuffix: %s\nolcRootDN: %s\nolcRootPW: %s\nolcDbMaxSize: 104857600\n\n", dbDir, base, adminDN, password)
	cfgFile := filepath.Join(dir, "config.ldif")
	seed := filepath.Join(dir, "seed.ldif")
	if err := os.WriteFile(cfgFile, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(seed, []byte("dn: "+base+"\nobjectClass: dcObject\nobjectClass: organization\ndc: bare\no: bare\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(slapadd, "-n0", "-F", cfgDir, "-l", cfgFile).CombinedOutput(); err != nil {
		t.Fatalf("slapadd config: %v\n%s", err, out)
	}
	if out, err := exec.Command(slapadd, "-F", cfgDir, "-b", base, "-l", seed).CombinedOutput(); err != nil {
		t.Fatalf("slapadd seed: %v\n%s", err, out)
	}
	for attempt := 0; attempt < 5; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		url = "ldap://" + addr
		cmd := exec.Command(slapd, "-F", cfgDir, "-h", url+"/", "-d", "0")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-done:
				deadline = time.Time{} // exited: try another port
				continue
			default:
			}
			if c, err := ldap.DialURL(url, ldap.DialWithDialer(&net.Dialer{Timeout: time.Second})); err == nil {
				err = c.Bind(adminDN, password)
				c.Close()
				if err == nil {
					return url, adminDN, password
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Fatal("bare slapd did not start")
	return "", "", ""
}

// TestSave_MissingSchema: a directory without the AzMan schema gives an
// error that says so, and nothing is left behind.
func TestSave_MissingSchema(t *testing.T) {
	url, adminDN, password := bareSlapd(t)
	s := openStore(t, Config{URL: url, BindDN: adminDN, Password: password, StoreDN: "CN=AzStore,dc=bare,dc=test", Timeout: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := s.Save(ctx, policy.NewDefault(), 0)
	if !errors.Is(err, ErrNoSchema) || !strings.Contains(err.Error(), "CN=AzStore,dc=bare,dc=test") {
		t.Fatalf("Save without the schema = %v, want ErrNoSchema naming the DN", err)
	}
	if _, _, err := s.Load(ctx); !errors.Is(err, policy.ErrNotFound) {
		t.Fatalf("Load after the failed save = %v, want ErrNotFound", err)
	}
}
