package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/policy/stores"
)

// Defaults of the embedded configuration: `azgate serve` on a fresh machine.
const (
	DefaultListen    = "127.0.0.1:8080"
	DefaultStoreURL  = "msxml://./InitialStore.xml"
	DefaultDataDir   = "./data"
	DefaultAdminUser = "admin"

	// DirectoryFile, AuditFile are the names of the local directory file and
	// the audit log in the data directory (the engine keeps engine.db there).
	DirectoryFile = "directory.json"
	AuditFile     = "audit.log"

	// DefaultMaxBodyBytes bounds request bodies; larger bodies get 413.
	DefaultMaxBodyBytes = 1 << 20

	// Defaults of the limits that keep the server answering under floods
	// without credentials (see Config).
	DefaultMaxConnections          = 1024
	DefaultMaxConnectionsPerClient = DefaultMaxConnections / 16
	DefaultLoginFailuresPerClient  = 20
	DefaultLoginFailuresPerAccount = 10
)

// What /v1/check decisions go to the audit log (Config.AuditChecks).
const (
	AuditChecksOff     = "off"
	AuditChecksDenials = "denials"
	AuditChecksAll     = "all"
)

// Defaults of the audit log's rotation.
const (
	DefaultAuditMaxSize = 100 << 20
	DefaultAuditKeep    = 10
)

// EngineSimulator is Config.Engine's default: the simulator backend, its
// records in engine.db in the data directory.
const EngineSimulator = "simulator"

// ErrLibvirtNotBuilt is returned by New when Config.Engine names libvirt and
// Config.OpenLibvirt is nil.
var ErrLibvirtNotBuilt = errors.New("libvirt backend not built into this azgate")

// Directories (Config.Directory).
const (
	DirectoryLocal = "local"
	DirectoryLDAP  = "ldap"
)

// ErrConfig is wrapped by every error of Config.Validate.
var ErrConfig = errors.New("invalid configuration")

// ConfigError names the configuration field that is wrong.
type ConfigError struct {
	Field string
	Err   error
}

func (e *ConfigError) Error() string { return fmt.Sprintf("config %s: %v", e.Field, e.Err) }

// Unwrap returns ErrConfig and the cause.
func (e *ConfigError) Unwrap() []error { return []error{ErrConfig, e.Err} }

// Config is everything `azgate serve` needs. Build it with DefaultConfig,
// change fields, and call Validate (Run and New do).
type Config struct {
	// Listen is the TCP address Run listens on. Serve takes a listener
	// instead and ignores it.
	Listen string
	// StoreURL is the policy store: msxml://PATH or msldap://DN.
	StoreURL string
	// CreateStore creates a store that does not exist from the embedded
	// default InitialStore.xml; without it a missing store fails the start
	// (a mistyped path must not serve a fresh default policy).
	CreateStore bool
	// DataDir holds the engine database, the local directory file and the
	// audit log. Created (0700) when missing.
	DataDir string
	// Engine selects the engine's backend: "" or EngineSimulator is the
	// simulator (engine.db in DataDir); a libvirt URI (qemu:///system,
	// qemu+unix:///system?socket=PATH, test:///default) or the path of a
	// libvirtd socket selects libvirt, opened by OpenLibvirt.
	Engine string
	// OpenLibvirt opens the libvirt backend that Engine names (a URI or a
	// socket path), keeping its host-level records in dataDir (DataDir);
	// nil when this build has none (ErrLibvirtNotBuilt).
	OpenLibvirt func(ctx context.Context, target, dataDir string, log *slog.Logger) (engine.Backend, error)
	// AuditLog is the audit log file; "" is AuditFile in DataDir.
	AuditLog string
	// AuditChecks says which /v1/check decisions are recorded:
	// AuditChecksOff, AuditChecksDenials ("" means it) or AuditChecksAll
	// (grants with the assignment that granted them). Engine decisions,
	// refused requests and policy changes are always recorded.
	AuditChecks string
	// AuditUsageInterval is how often, under AuditChecksDenials, the
	// counts of the allowed check decisions not recorded one by one are
	// written as grant usage records (also on close); 0 is
	// DefaultAuditUsageInterval.
	AuditUsageInterval time.Duration
	// AuditMaxSize rotates the audit log before it would grow beyond this
	// many bytes (0: never); AuditKeep rotated files are kept (0: all).
	AuditMaxSize int64
	AuditKeep    int
	// Application is the AzMan application whose policy gates the engine;
	// "" selects the store's default application.
	Application string
	// AuthZENApplication is the application an AuthZEN request is decided
	// in when its resource names none (resource.properties.application);
	// "" is Application's.
	AuthZENApplication string
	// AuthZENURL is the PDP identifier the AuthZEN metadata names
	// (https://host[:port]); "" derives it from each request's host.
	AuthZENURL string
	// TLSCertFile and TLSKeyFile, both set, serve HTTPS. Without them the
	// server speaks plain HTTP and refuses HTTP Basic credentials except
	// from loopback clients.
	TLSCertFile string
	TLSKeyFile  string

	// AdminUser is the first administrator a fresh directory gets.
	// AdminPassword is its password; "" generates a random one, printed once
	// to Stderr.
	AdminUser     string
	AdminPassword string

	// MaxBodyBytes bounds request bodies (413 beyond).
	MaxBodyBytes int64
	// MaxConnections bounds the connections served at once; more wait in
	// the kernel's backlog. One client address holds at most
	// MaxConnectionsPerClient of them; its further connections are closed
	// at once, so one source of slow clients cannot starve the others.
	// Above 3/4 of MaxConnections keep-alives are off (idle connections
	// are closed, responses close theirs) until fewer than half are open.
	MaxConnections          int
	MaxConnectionsPerClient int
	// LoginFailuresPerClient and LoginFailuresPerAccount are how many
	// failed HTTP Basic logins a client address, and a client address for
	// one account, may have in a row before further attempts get 429; the
	// budgets refill with one attempt every 3 s (client) and every 30 s
	// (account). Failures from other addresses never refuse an account.
	LoginFailuresPerClient  int
	LoginFailuresPerAccount int
	// HTTP server timeouts.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// RequestTimeout bounds the work of one request.
	RequestTimeout time.Duration
	// ShutdownTimeout bounds the graceful shutdown after ctx ends.
	ShutdownTimeout time.Duration
	// RuleTimeLimit bounds one evaluation of a JScript business rule (in
	// checks, engine calls, Explain and the delegation application); one
	// that runs longer denies. authz.DefaultRuleTimeLimit by default.
	RuleTimeLimit time.Duration

	// LocalDomain, when set, qualifies the local directory's user and group
	// names as DOMAIN\name in client contexts, so role assignments written
	// for a domain (the book's CONTOSO\HV-Monitors) match local groups.
	LocalDomain string

	// Directory is where HTTP Basic credentials are checked and where
	// users named by a check with "resolve": true are looked up:
	// DirectoryLocal (the default; "" means it) or DirectoryLDAP. API
	// tokens always come from the local directory.
	Directory string
	// LDAP configures the directory when Directory is DirectoryLDAP. It
	// must be empty otherwise.
	LDAP LDAPConfig

	// BcryptCost is the cost of password hashes the local directory writes;
	// 0 means the bcrypt default. Lower values are for tests.
	BcryptCost int

	// Console, when set, makes the web console's handler, served under
	// ConsolePrefix (cmd/azgate sets console.New). Nil: no console.
	Console func(*Server) (http.Handler, error)

	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
	// Stderr receives the generated first administrator password; nil
	// discards it.
	Stderr io.Writer
}

// DefaultConfig returns the embedded defaults.
func DefaultConfig() Config {
	return Config{
		Listen:                  DefaultListen,
		StoreURL:                DefaultStoreURL,
		CreateStore:             true,
		DataDir:                 DefaultDataDir,
		AdminUser:               DefaultAdminUser,
		AuditChecks:             AuditChecksDenials,
		AuditUsageInterval:      DefaultAuditUsageInterval,
		AuditMaxSize:            DefaultAuditMaxSize,
		AuditKeep:               DefaultAuditKeep,
		MaxBodyBytes:            DefaultMaxBodyBytes,
		MaxConnections:          DefaultMaxConnections,
		MaxConnectionsPerClient: DefaultMaxConnectionsPerClient,
		LoginFailuresPerClient:  DefaultLoginFailuresPerClient,
		LoginFailuresPerAccount: DefaultLoginFailuresPerAccount,
		ReadHeaderTimeout:       5 * time.Second,
		ReadTimeout:             30 * time.Second,
		WriteTimeout:            60 * time.Second,
		IdleTimeout:             2 * time.Minute,
		RequestTimeout:          30 * time.Second,
		ShutdownTimeout:         15 * time.Second,
		RuleTimeLimit:           authz.DefaultRuleTimeLimit,
	}
}

// Validate checks the configuration and returns a *ConfigError naming the
// first wrong field.
func (c *Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: field, Err: fmt.Errorf(format, args...)}
	}
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			return bad("listen", "%q is not host:port: %w", c.Listen, err)
		}
	}
	if err := stores.CheckURL(c.StoreURL); err != nil {
		return &ConfigError{Field: "store", Err: err}
	}
	if strings.TrimSpace(c.DataDir) == "" {
		return bad("data-dir", "empty data directory")
	}
	if _, err := c.libvirtTarget(); err != nil {
		return &ConfigError{Field: "engine", Err: err}
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		return bad("tls-cert", "--tls-cert and --tls-key must be given together")
	}
	if strings.TrimSpace(c.AdminUser) == "" {
		return bad("admin-user", "empty administrator name")
	}
	switch c.AuditChecks {
	case "", AuditChecksOff, AuditChecksDenials, AuditChecksAll:
	default:
		return bad("audit-checks", "%q: want %s, %s or %s", c.AuditChecks, AuditChecksOff, AuditChecksDenials, AuditChecksAll)
	}
	if c.AuditUsageInterval < 0 {
		return bad("audit-usage-interval", "must not be negative, got %s", c.AuditUsageInterval)
	}
	if c.AuditMaxSize < 0 {
		return bad("audit-max-size", "must not be negative (0: never rotate), got %d", c.AuditMaxSize)
	}
	if c.AuditKeep < 0 {
		return bad("audit-keep", "must not be negative (0: keep every file), got %d", c.AuditKeep)
	}
	if c.MaxBodyBytes <= 0 {
		return bad("max-body-bytes", "must be positive, got %d", c.MaxBodyBytes)
	}
	for _, n := range []struct {
		name string
		v    int
	}{
		{"max-connections", c.MaxConnections},
		{"max-connections-per-client", c.MaxConnectionsPerClient},
		{"login-failures-per-client", c.LoginFailuresPerClient},
		{"login-failures-per-account", c.LoginFailuresPerAccount},
	} {
		if n.v <= 0 {
			return bad(n.name, "must be positive, got %d", n.v)
		}
	}
	if c.MaxConnectionsPerClient > c.MaxConnections {
		return bad("max-connections-per-client", "%d is more than --max-connections %d", c.MaxConnectionsPerClient, c.MaxConnections)
	}
	if err := c.validateDirectory(); err != nil {
		return err
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"read-header-timeout", c.ReadHeaderTimeout},
		{"read-timeout", c.ReadTimeout},
		{"write-timeout", c.WriteTimeout},
		{"idle-timeout", c.IdleTimeout},
		{"request-timeout", c.RequestTimeout},
		{"shutdown-timeout", c.ShutdownTimeout},
		{"rule-time-limit", c.RuleTimeLimit},
	} {
		if d.v <= 0 {
			return bad(d.name, "must be positive, got %s", d.v)
		}
	}
	return nil
}

func (c *Config) dataPath(name string) string { return filepath.Join(c.DataDir, name) }

// auditPath is the audit log's file.
func (c *Config) auditPath() string {
	if c.AuditLog != "" {
		return c.AuditLog
	}
	return c.dataPath(AuditFile)
}

// libvirtTarget reports whether Engine selects libvirt: a URI (scheme://…)
// or a socket path (absolute, or starting with ./ or ../). "" and
// EngineSimulator select the simulator; anything else is an error.
func (c *Config) libvirtTarget() (bool, error) {
	e := strings.TrimSpace(c.Engine)
	switch {
	case e == "" || e == EngineSimulator:
		return false, nil
	case e != c.Engine:
		return false, fmt.Errorf("%q has leading or trailing space", c.Engine)
	case strings.Contains(e, "://"):
		return true, nil
	case filepath.IsAbs(e) || strings.HasPrefix(e, "./") || strings.HasPrefix(e, "../"):
		return true, nil
	}
	return false, fmt.Errorf("%q is neither %q, a libvirt URI (qemu:///system) nor a libvirtd socket path (/run/libvirt/libvirt-sock)", c.Engine, EngineSimulator)
}
