package slapdtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	ldapschema "github.com/azgate/azgate/policies/ldapschema"
)

// Defaults for Options.
const (
	DefaultBaseDN       = "dc=azgate,dc=test"
	DefaultStartTimeout = 20 * time.Second
	// DefaultLogLevel logs errors and replication, not every operation.
	DefaultLogLevel = "sync"
	// bindAttempts is how many ports Start tries when slapd loses the
	// race for the port it was given.
	bindAttempts = 5
)

// Options configure a test directory. The zero value is a usable empty
// directory under DefaultBaseDN.
type Options struct {
	// BaseDN is the suffix of the database; its first RDN must be dc=, o=
	// or ou= (the base entry is created from it). Default DefaultBaseDN.
	BaseDN string
	// AdminPassword is the rootdn's password (cn=admin,<BaseDN>), also the
	// password of cn=admin,cn=config. Default: random.
	AdminPassword string
	// Seed is LDIF (plain entries, no changetype) loaded with slapadd
	// before slapd starts, after the base entry.
	Seed string
	// SeedFile is a path to an LDIF file loaded with slapadd after Seed;
	// use it for bulk data (thousands of entries).
	SeedFile string
	// SchemaLDIF are extra cn=config schema entries (olcSchemaConfig LDIF,
	// as /etc/ldap/schema/*.ldif), loaded after the built-in ones.
	SchemaLDIF []string
	// Indexes are extra olcDbIndex values, e.g. "mail eq".
	Indexes []string
	// Access replaces the default olcAccess rules of the database. The
	// default lets a user's own bind see and write its password, lets
	// anonymous binds authenticate, and lets everyone read the rest.
	Access []string
	// SizeLimit, when > 0, limits searches by non-root users to that many
	// entries per request and per page while leaving paged searches
	// unlimited in total — so a client that does not page fails.
	SizeLimit int
	// MemberOfGroupClass, when set, loads the memberof overlay for that
	// group object class (e.g. "groupOfNames" or "group"): adding a
	// member via LDAP maintains memberOf on the member. slapadd seeding
	// bypasses overlays.
	MemberOfGroupClass string
	// LogLevel is slapd's -d level (see slapd.conf(5) loglevel), logged to
	// <Dir>/slapd.log and shown when the test fails. Default
	// DefaultLogLevel; "stats" logs every operation.
	LogLevel string
	// StartTimeout bounds how long Start waits for slapd. Default
	// DefaultStartTimeout.
	StartTimeout time.Duration
	// TLS makes slapd also listen on ldaps:// (Server.LDAPSURL) and accept
	// StartTLS on ldap://, with a certificate for 127.0.0.1 from a test CA
	// (Server.CAFile, Server.TLSConfig). Not supported by StartPair.
	TLS bool
}

// Server is one running slapd.
type Server struct {
	// URL is ldap://127.0.0.1:<port>.
	URL string
	// Addr is 127.0.0.1:<port>.
	Addr string
	// LDAPSURL is ldaps://127.0.0.1:<port2> and CAFile the PEM file of
	// the CA that signed slapd's certificate, when Options.TLS is set.
	LDAPSURL string
	CAFile   string
	// BaseDN is the database suffix.
	BaseDN string
	// AdminDN and AdminPassword are the database rootdn and its password.
	AdminDN       string
	AdminPassword string
	// ConfigDN and ConfigPassword administer cn=config over LDAP.
	ConfigDN       string
	ConfigPassword string
	// Dir holds the config (slapd.d), the database (db) and slapd.log.
	Dir string
	// ServerID is the olcServerID: 0 for Start, 1 and 2 for StartPair.
	ServerID int

	t       testing.TB
	pki     *testPKI
	bins    binaries
	opts    Options
	logPath string

	mu   sync.Mutex
	proc *process // nil when stopped
}

// process is one run of slapd. err is set before exited is closed.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
}

// Start runs one slapd for the test and stops it when the test ends. It
// fails the test (t.Fatal) when slapd is not installed or does not start.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bins := findBinaries(t)
	opts = opts.withDefaults(t)
	var lastErr error
	for attempt := 0; attempt < bindAttempts; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("slapdtest: %v", err)
		}
		s := newServer(t, bins, opts, port, 0)
		if opts.TLS {
			if err := s.enableTLS(); err != nil {
				t.Fatalf("slapdtest: %v", err)
			}
		}
		if err := s.configure(nil); err != nil {
			t.Fatalf("slapdtest: %v", err)
		}
		if err := s.seed(); err != nil {
			t.Fatalf("slapdtest: %v", err)
		}
		err = s.start()
		if err == nil {
			s.registerCleanup()
			return s
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			t.Fatalf("slapdtest: %v", err)
		}
	}
	t.Fatalf("slapdtest: no free port after %d attempts: %v", bindAttempts, lastErr)
	return nil
}

// StartPair runs two slapd providers that replicate the same database to
// each other (syncprov + syncrepl, olcMultiProvider), as the scale-out
// deployment does. Seed data is loaded into a only; b receives it by
// replication before StartPair returns. A write to either shows up on the
// other within about a second; use WaitEntry to wait for it.
func StartPair(t testing.TB, opts Options) (a, b *Server) {
	t.Helper()
	bins := findBinaries(t)
	opts = opts.withDefaults(t)
	if opts.TLS {
		t.Fatal("slapdtest: StartPair does not support Options.TLS")
	}
	var lastErr error
	for attempt := 0; attempt < bindAttempts; attempt++ {
		pa, err := freePort()
		if err != nil {
			t.Fatalf("slapdtest: %v", err)
		}
		pb, err := freePort()
		if err != nil {
			t.Fatalf("slapdtest: %v", err)
		}
		if pa == pb {
			continue
		}
		a = newServer(t, bins, opts, pa, 1)
		b = newServer(t, bins, opts, pb, 2)
		if err := a.configure(b); err != nil {
			t.Fatalf("slapdtest: %v", err)
		}
		if err := b.configure(a); err != nil {
			t.Fatalf("slapdtest: %v", err)
		}
		if err := a.seed(); err != nil {
			t.Fatalf("slapdtest: %v", err)
		}
		errA := a.start()
		var errB error
		if errA == nil {
			errB = b.start()
		}
		if errA == nil && errB == nil {
			a.registerCleanup()
			b.registerCleanup()
			b.WaitEntry(t, opts.BaseDN, "(objectClass=*)", opts.StartTimeout)
			return a, b
		}
		a.Stop()
		b.Stop()
		lastErr = errors.Join(errA, errB)
		if !errors.Is(errA, errPortTaken) && !errors.Is(errB, errPortTaken) {
			t.Fatalf("slapdtest: %v", lastErr)
		}
	}
	t.Fatalf("slapdtest: no free port pair after %d attempts: %v", bindAttempts, lastErr)
	return nil, nil
}

func (o Options) withDefaults(t testing.TB) Options {
	if o.BaseDN == "" {
		o.BaseDN = DefaultBaseDN
	}
	if o.AdminPassword == "" {
		o.AdminPassword = randomHex(t, 12)
	}
	if o.LogLevel == "" {
		o.LogLevel = DefaultLogLevel
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	if len(o.Access) == 0 {
		o.Access = []string{
			"to attrs=userPassword by self write by anonymous auth by * none",
			"to * by * read",
		}
	}
	return o
}

func newServer(t testing.TB, bins binaries, opts Options, port, serverID int) *Server {
	dir := t.TempDir()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	return &Server{
		URL:            "ldap://" + addr,
		Addr:           addr,
		BaseDN:         opts.BaseDN,
		AdminDN:        "cn=admin," + opts.BaseDN,
		AdminPassword:  opts.AdminPassword,
		ConfigDN:       "cn=admin,cn=config",
		ConfigPassword: opts.AdminPassword,
		Dir:            dir,
		ServerID:       serverID,
		t:              t,
		bins:           bins,
		opts:           opts,
		logPath:        filepath.Join(dir, "slapd.log"),
	}
}

func (s *Server) registerCleanup() {
	s.t.Cleanup(func() {
		if s.t.Failed() {
			s.t.Logf("slapdtest: %s (server %d) log tail:\n%s", s.URL, s.ServerID, s.LogTail(40))
		}
		// The test is over: kill rather than wait for a graceful
		// shutdown (mdb data is in the page cache either way).
		s.mu.Lock()
		defer s.mu.Unlock()
		s.stopLocked(0)
	})
}

// configure writes cn=config with slapadd -n0. peer, when non-nil, is the
// other provider of a pair.
func (s *Server) configure(peer *Server) error {
	cfgDir := filepath.Join(s.Dir, "slapd.d")
	dbDir := filepath.Join(s.Dir, "db")
	for _, d := range []string{cfgDir, dbDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	ldif, err := s.configLDIF(dbDir, peer)
	if err != nil {
		return err
	}
	path := filepath.Join(s.Dir, "config.ldif")
	if err := os.WriteFile(path, []byte(ldif), 0o600); err != nil {
		return fmt.Errorf("write config LDIF: %w", err)
	}
	if out, err := exec.Command(s.bins.slapadd, "-n0", "-F", cfgDir, "-l", path).CombinedOutput(); err != nil {
		return fmt.Errorf("slapadd -n0 (config, see %s): %w: %s", path, err, out)
	}
	return nil
}

func (s *Server) configLDIF(dbDir string, peer *Server) (string, error) {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("dn: cn=config\nobjectClass: olcGlobal\ncn: config\n")
	w("olcPidFile: %s\n", filepath.Join(s.Dir, "slapd.pid"))
	if s.pki != nil {
		w("olcTLSCACertificateFile: %s\nolcTLSCertificateFile: %s\nolcTLSCertificateKeyFile: %s\n",
			s.pki.caFile, s.pki.certFile, s.pki.keyFile)
	}
	if s.ServerID != 0 {
		w("olcServerID: %d\n", s.ServerID)
	}
	w("\n")

	var modules []string
	if s.bins.moduleDir != "" {
		modules = append(modules, "back_mdb")
		if peer != nil {
			modules = append(modules, "syncprov")
		}
		if s.opts.MemberOfGroupClass != "" {
			modules = append(modules, "memberof")
		}
		w("dn: cn=module{0},cn=config\nobjectClass: olcModuleList\ncn: module{0}\n")
		w("olcModulePath: %s\n", s.bins.moduleDir)
		for _, m := range modules {
			w("olcModuleLoad: %s\n", m)
		}
		w("\n")
	}

	w("dn: cn=schema,cn=config\nobjectClass: olcSchemaConfig\ncn: schema\n\n")
	for _, name := range []string{"core", "cosine", "nis", "inetorgperson"} {
		data, err := os.ReadFile(filepath.Join(s.bins.schemaDir, name+".ldif"))
		if err != nil {
			return "", fmt.Errorf("read %s schema: %w", name, err)
		}
		b.Write(bytes.TrimSpace(data))
		w("\n\n")
	}
	b.WriteString(strings.TrimSpace(ldapschema.LDIF))
	w("\n\n")
	for _, extra := range s.opts.SchemaLDIF {
		b.WriteString(strings.TrimSpace(extra))
		w("\n\n")
	}

	w("dn: olcDatabase={-1}frontend,cn=config\nobjectClass: olcDatabaseConfig\nobjectClass: olcFrontendConfig\n")
	w("olcDatabase: {-1}frontend\nolcSizeLimit: unlimited\n\n")

	w("dn: olcDatabase={0}config,cn=config\nobjectClass: olcDatabaseConfig\nolcDatabase: {0}config\n")
	w("olcRootDN: %s\nolcRootPW: %s\n\n", s.ConfigDN, s.ConfigPassword)

	w("dn: olcDatabase={1}mdb,cn=config\nobjectClass: olcDatabaseConfig\nobjectClass: olcMdbConfig\n")
	w("olcDatabase: {1}mdb\nolcDbDirectory: %s\nolcSuffix: %s\n", dbDir, s.BaseDN)
	w("olcRootDN: %s\nolcRootPW: %s\n", s.AdminDN, s.AdminPassword)
	w("olcDbMaxSize: %d\nolcDbNoSync: TRUE\n", 1<<30)
	for _, idx := range append([]string{
		"objectClass eq", "entryUUID eq", "entryCSN eq", "cn eq,sub", "uid eq",
		"member eq", "uniqueMember eq", "memberUid eq", "sAMAccountName eq", "objectSid eq",
	}, s.opts.Indexes...) {
		w("olcDbIndex: %s\n", idx)
	}
	for i, acl := range s.opts.Access {
		w("olcAccess: {%d}%s\n", i, acl)
	}
	if s.opts.SizeLimit > 0 {
		n := s.opts.SizeLimit
		w("olcSizeLimit: size.soft=%d size.hard=%d size.pr=%d size.prtotal=unlimited\n", n, n, n)
	}
	if peer != nil {
		w("olcSyncrepl: rid=%03d provider=%s bindmethod=simple binddn=\"%s\" credentials=%s searchbase=\"%s\" type=refreshAndPersist retry=\"1 +\" timeout=1 network-timeout=1\n",
			peer.ServerID, peer.URL, peer.AdminDN, peer.AdminPassword, peer.BaseDN)
		w("olcMultiProvider: TRUE\n")
	}
	w("\n")

	overlay := 0
	if peer != nil {
		w("dn: olcOverlay={%d}syncprov,olcDatabase={1}mdb,cn=config\nobjectClass: olcOverlayConfig\nobjectClass: olcSyncProvConfig\n", overlay)
		w("olcOverlay: {%d}syncprov\nolcSpCheckpoint: 100 1\n\n", overlay)
		overlay++
	}
	if oc := s.opts.MemberOfGroupClass; oc != "" {
		w("dn: olcOverlay={%d}memberof,olcDatabase={1}mdb,cn=config\nobjectClass: olcOverlayConfig\nobjectClass: olcMemberOf\n", overlay)
		w("olcOverlay: {%d}memberof\nolcMemberOfGroupOC: %s\nolcMemberOfMemberAD: member\nolcMemberOfMemberOfAD: memberOf\nolcMemberOfRefInt: TRUE\n\n", overlay, oc)
	}
	return b.String(), nil
}

// baseEntry is the LDIF of the suffix entry.
func baseEntry(base string) (string, error) {
	dn, err := ldap.ParseDN(base)
	if err != nil || len(dn.RDNs) == 0 || len(dn.RDNs[0].Attributes) != 1 {
		return "", fmt.Errorf("base DN %q: not a DN with a single-valued first RDN", base)
	}
	rdn := dn.RDNs[0].Attributes[0]
	switch strings.ToLower(rdn.Type) {
	case "dc":
		return fmt.Sprintf("dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: %s\no: %s\n", base, rdn.Value, rdn.Value), nil
	case "o":
		return fmt.Sprintf("dn: %s\nobjectClass: organization\no: %s\n", base, rdn.Value), nil
	case "ou":
		return fmt.Sprintf("dn: %s\nobjectClass: organizationalUnit\nou: %s\n", base, rdn.Value), nil
	}
	return "", fmt.Errorf("base DN %q: first RDN must be dc=, o= or ou=", base)
}

// seed loads the base entry, Options.Seed and Options.SeedFile with
// slapadd while slapd is not running.
func (s *Server) seed() error {
	base, err := baseEntry(s.BaseDN)
	if err != nil {
		return err
	}
	path := filepath.Join(s.Dir, "seed.ldif")
	if err := os.WriteFile(path, []byte(base+"\n"+s.opts.Seed+"\n"), 0o600); err != nil {
		return fmt.Errorf("write seed LDIF: %w", err)
	}
	files := []string{path}
	if s.opts.SeedFile != "" {
		files = append(files, s.opts.SeedFile)
	}
	for _, f := range files {
		cmd := exec.Command(s.bins.slapadd, "-F", filepath.Join(s.Dir, "slapd.d"), "-b", s.BaseDN, "-q", "-w", "-l", f)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("slapadd %s: %w: %s", f, err, out)
		}
	}
	return nil
}

var errPortTaken = errors.New("port taken")

// start runs slapd and waits until an administrator bind succeeds.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return fmt.Errorf("slapd %s already running", s.URL)
	}
	logFile, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open slapd log: %w", err)
	}
	logStart, _ := logFile.Seek(0, 2)
	listen := s.URL + "/"
	if s.LDAPSURL != "" {
		listen += " " + s.LDAPSURL + "/"
	}
	cmd := exec.Command(s.bins.slapd, "-F", filepath.Join(s.Dir, "slapd.d"),
		"-h", listen, "-d", s.opts.LogLevel)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("run %s: %w", s.bins.slapd, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	s.proc = p
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.exited)
	}()

	deadline := time.Now().Add(s.opts.StartTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			s.proc = nil
			tail := s.logSince(logStart)
			if strings.Contains(tail, "Address already in use") {
				return fmt.Errorf("slapd on %s: %w", s.Addr, errPortTaken)
			}
			return fmt.Errorf("slapd on %s exited during start-up (%v); log:\n%s", s.Addr, p.err, tail)
		default:
		}
		lastErr = s.ping()
		if lastErr == nil {
			return nil
		}
		var le *ldap.Error
		if errors.As(lastErr, &le) && le.ResultCode == ldap.LDAPResultInvalidCredentials {
			// Something else answers on our port.
			s.stopLocked(0)
			return fmt.Errorf("a stranger answers on %s: %w", s.Addr, errPortTaken)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.stopLocked(0)
	return fmt.Errorf("slapd on %s not ready after %v (last error: %v); log:\n%s",
		s.Addr, s.opts.StartTimeout, lastErr, s.logSince(logStart))
}

// enableTLS creates the test PKI and picks the ldaps:// port.
func (s *Server) enableTLS() error {
	pki, err := newTestPKI(s.Dir)
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	s.pki = pki
	s.CAFile = pki.caFile
	s.LDAPSURL = "ldaps://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	return nil
}

// ping dials and binds as the administrator (over ldaps:// too when TLS
// is on, so that both listeners are up).
func (s *Server) ping() error {
	if s.LDAPSURL != "" {
		conn, err := ldap.DialURL(s.LDAPSURL, ldap.DialWithDialer(&net.Dialer{Timeout: time.Second}),
			ldap.DialWithTLSConfig(s.TLSConfig()))
		if err != nil {
			return err
		}
		conn.Close()
	}
	conn, err := ldap.DialURL(s.URL, ldap.DialWithDialer(&net.Dialer{Timeout: time.Second}))
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetTimeout(2 * time.Second)
	return conn.Bind(s.AdminDN, s.AdminPassword)
}

// Stop stops slapd (SIGTERM, then SIGKILL after 10 s) and waits for it to
// exit. Stopping a stopped server does nothing. The data stays; Restart
// brings it back.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(10 * time.Second)
}

// stopLocked stops slapd with SIGTERM, or SIGKILL after grace (at once
// when grace is 0).
func (s *Server) stopLocked(grace time.Duration) {
	p := s.proc
	if p == nil {
		return
	}
	s.proc = nil
	if grace > 0 {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
			return
		case <-time.After(grace):
		}
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// Restart stops slapd if it runs and starts it again on the same port with
// the same data. It fails the test if slapd does not come back.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = s.start(); err == nil {
			return
		}
		if !errors.Is(err, errPortTaken) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.t.Fatalf("slapdtest: restart %s: %v", s.URL, err)
}

// Running reports whether slapd is running.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil
}

// Conn returns a connection bound as the administrator, closed when the
// test ends.
func (s *Server) Conn(t testing.TB) *ldap.Conn {
	t.Helper()
	conn, err := ldap.DialURL(s.URL, ldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}))
	if err != nil {
		t.Fatalf("slapdtest: dial %s: %v", s.URL, err)
	}
	conn.SetTimeout(30 * time.Second)
	if err := conn.Bind(s.AdminDN, s.AdminPassword); err != nil {
		conn.Close()
		t.Fatalf("slapdtest: bind %s as %s: %v", s.URL, s.AdminDN, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// AddLDIF applies LDIF to the running server as the administrator with
// ldapmodify -a: plain entries are added; records with a changetype
// (modify, delete, modrdn) are applied as such. It fails the test on any
// error, showing ldapmodify's output.
func (s *Server) AddLDIF(t testing.TB, ldif string) {
	t.Helper()
	pwFile := filepath.Join(s.Dir, "admin.pw")
	if err := os.WriteFile(pwFile, []byte(s.AdminPassword), 0o600); err != nil {
		t.Fatalf("slapdtest: %v", err)
	}
	cmd := exec.Command(s.bins.ldapmodify, "-a", "-x", "-H", s.URL, "-D", s.AdminDN, "-y", pwFile)
	cmd.Stdin = strings.NewReader(ldif)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("slapdtest: ldapmodify on %s: %v\n%s", s.URL, err, out)
	}
}

// WaitEntry waits until a base-scope search of dn with filter finds the
// entry — e.g. for a write on one provider of a pair to reach the other.
// It fails the test after timeout.
func (s *Server) WaitEntry(t testing.TB, dn, filter string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		found, err := s.hasEntry(dn, filter)
		if found {
			return
		}
		lastErr = err
		if time.Now().After(deadline) {
			t.Fatalf("slapdtest: %s: no entry %q matching %s after %v (last error: %v)", s.URL, dn, filter, timeout, lastErr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitNoEntry waits until dn is gone (or no longer matches filter).
func (s *Server) WaitNoEntry(t testing.TB, dn, filter string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		found, err := s.hasEntry(dn, filter)
		if err == nil && !found {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("slapdtest: %s: entry %q still matches %s after %v (err: %v)", s.URL, dn, filter, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) hasEntry(dn, filter string) (bool, error) {
	conn, err := ldap.DialURL(s.URL, ldap.DialWithDialer(&net.Dialer{Timeout: time.Second}))
	if err != nil {
		return false, err
	}
	defer conn.Close()
	conn.SetTimeout(5 * time.Second)
	if err := conn.Bind(s.AdminDN, s.AdminPassword); err != nil {
		return false, err
	}
	res, err := conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases,
		1, 0, false, filter, []string{"1.1"}, nil))
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return len(res.Entries) == 1, nil
}

// LogTail returns the last n lines of slapd's log.
func (s *Server) LogTail(n int) string {
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (s *Server) logSince(offset int64) string {
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	if offset > int64(len(data)) {
		offset = 0
	}
	return string(data[offset:])
}

// freePort asks the kernel for a free loopback port. The port is free when
// freePort returns; slapd may still lose it to another process, which
// start detects and Start retries.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("slapdtest: random: %v", err)
	}
	return hex.EncodeToString(b)
}

// binaries are the OpenLDAP programs and files the harness needs.
type binaries struct {
	slapd, slapadd, ldapmodify string
	schemaDir                  string
	moduleDir                  string // "" when back_mdb is built in
}

var (
	binariesOnce sync.Once
	binariesErr  error
	foundBins    binaries
)

// findBinaries locates slapd, slapadd, ldapmodify, the schema directory
// and the module directory, failing the test with install instructions
// when they are missing.
func findBinaries(t testing.TB) binaries {
	t.Helper()
	binariesOnce.Do(func() { foundBins, binariesErr = lookBinaries() })
	if binariesErr != nil {
		t.Fatalf("slapdtest: %v\nThe directory tests need OpenLDAP: apt-get install slapd ldap-utils (Debian/Ubuntu); CI installs it.", binariesErr)
	}
	return foundBins
}

func lookBinaries() (binaries, error) {
	var b binaries
	var missing []string
	look := func(name string, dirs ...string) string {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		for _, d := range dirs {
			p := filepath.Join(d, name)
			if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
				return p
			}
		}
		missing = append(missing, name)
		return ""
	}
	b.slapd = look("slapd", "/usr/sbin", "/usr/local/sbin", "/usr/libexec")
	b.slapadd = look("slapadd", "/usr/sbin", "/usr/local/sbin")
	b.ldapmodify = look("ldapmodify", "/usr/bin", "/usr/local/bin")
	for _, d := range []string{"/etc/ldap/schema", "/etc/openldap/schema", "/usr/local/etc/openldap/schema"} {
		if _, err := os.Stat(filepath.Join(d, "core.ldif")); err == nil {
			b.schemaDir = d
			break
		}
	}
	if b.schemaDir == "" {
		missing = append(missing, "schema directory with core.ldif (/etc/ldap/schema)")
	}
	for _, d := range []string{"/usr/lib/ldap", "/usr/lib/openldap", "/usr/lib64/openldap", "/usr/libexec/openldap", "/usr/local/libexec/openldap"} {
		if _, err := os.Stat(filepath.Join(d, "back_mdb.so")); err == nil {
			b.moduleDir = d
			break
		}
	}
	if len(missing) > 0 {
		return b, fmt.Errorf("OpenLDAP not found: missing %s", strings.Join(missing, ", "))
	}
	return b, nil
}
