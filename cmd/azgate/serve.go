package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/azgate/azgate/console"
	"github.com/azgate/azgate/directory/ldapdir"
	"github.com/azgate/azgate/policy/stores"
	"github.com/azgate/azgate/server"
)

// Environment variables of `azgate serve` and the directory commands.
const (
	adminPasswordEnv = "AZGATE_ADMIN_PASSWORD"
	dataDirEnv       = "AZGATE_DATA_DIR"
)

// ldapFlags are serve's --ldap-* flags; they fill Config.LDAP with
// --directory ldap only.
type ldapFlags struct {
	server.LDAPConfig
}

func (l *ldapFlags) register(f *pflag.FlagSet) {
	f.StringVar(&l.URL, "ldap-url", "", "LDAP directory, ldap://HOST[:PORT] or ldaps://HOST[:PORT] (default $"+stores.LDAPURLEnv+")")
	f.StringVar(&l.Preset, "ldap-preset", server.PresetOpenLDAP, "attribute mapping: "+server.PresetOpenLDAP+
		" (uid, groupOfNames/member, posixGroup/memberUid) or "+server.PresetAD+" (sAMAccountName, objectSid, group/member/memberOf)")
	f.StringVar(&l.BindDN, "ldap-bind-dn", "", "service account azgate searches as (default $"+stores.LDAPBindDNEnv+"; none: anonymous)")
	f.StringVar(&l.BindPassword, "ldap-password", "", "its password (default $"+stores.LDAPPasswordEnv+", which keeps it out of ps)")
	f.StringVar(&l.UserBase, "ldap-user-base", "", "subtree users are searched in, e.g. ou=people,dc=example,dc=org")
	f.StringVar(&l.GroupBase, "ldap-group-base", "", "subtree groups are searched in (default --ldap-user-base)")
	f.StringVar(&l.Domain, "ldap-domain", "", `NetBIOS domain (CONTOSO): users and groups also match as CONTOSO\name`)
	f.BoolVar(&l.StartTLS, "ldap-start-tls", false, "upgrade ldap:// with StartTLS")
	f.StringVar(&l.CAFile, "ldap-ca-file", "", "PEM file of the CAs trusted for ldaps:// and StartTLS (default: the system's)")
	f.DurationVar(&l.CacheTTL, "ldap-cache-ttl", ldapdir.DefaultCacheTTL,
		"how long resolved users and LDAP-query matches are served, also while the directory is down; then denied")
	f.DurationVar(&l.Timeout, "ldap-timeout", server.DefaultLDAPTimeout,
		"how long to wait for the directory to connect and to answer each request; then 503 (a Basic sign-in waits at most a few of these)")
	f.DurationVar(&l.BindCacheTTL, "ldap-bind-cache-ttl", server.DefaultLDAPBindCacheTTL,
		"how long a successful Basic sign-in is remembered (a keyed hash, never the password), so repeated requests do not bind; 0: bind every time")
}

// config returns the LDAP section for --directory dir: the flags, with
// the environment for the connection settings not given as flags.
func (l *ldapFlags) config(cmd *cobra.Command, dir string) (server.LDAPConfig, error) {
	if dir != server.DirectoryLDAP {
		var set []string
		cmd.Flags().Visit(func(f *pflag.Flag) {
			if strings.HasPrefix(f.Name, "ldap-") {
				set = append(set, "--"+f.Name)
			}
		})
		if len(set) > 0 {
			return server.LDAPConfig{}, fmt.Errorf("%s: only with --directory %s", strings.Join(set, ", "), server.DirectoryLDAP)
		}
		return server.LDAPConfig{}, nil
	}
	cfg := l.LDAPConfig
	if !cmd.Flags().Changed("ldap-url") {
		cfg.URL = strings.TrimSpace(os.Getenv(stores.LDAPURLEnv))
	}
	if !cmd.Flags().Changed("ldap-bind-dn") {
		cfg.BindDN = strings.TrimSpace(os.Getenv(stores.LDAPBindDNEnv))
	}
	if !cmd.Flags().Changed("ldap-password") {
		cfg.BindPassword = os.Getenv(stores.LDAPPasswordEnv)
	}
	return cfg, nil
}

func newServeCmd(c *cli) *cobra.Command {
	cfg := server.DefaultConfig()
	var logLevel string
	var createStore, noConsole bool
	var ldapf ldapFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the HTTP API: checks, policy administration and the management engine",
		Long: `serve runs azgate: it keeps the policy of --store in force (reloading it when
any writer changes it), authenticates callers against the local directory in
--data-dir (or LDAP, below), and serves the check endpoint, the policy admin API and the gated
management engine over HTTP (HTTPS with --tls-cert and --tls-key).

With --directory ldap, HTTP Basic credentials are checked by binding to an
OpenLDAP or Active Directory server as the user (--ldap-url, --ldap-preset,
--ldap-user-base, the service account --ldap-bind-dn with $` + stores.LDAPPasswordEnv + `),
the caller's client context is the user's DN, SID and transitive groups from
there, LDAP-query application groups are matched against the directory, and
API tokens (service accounts, checkers) still come from the local directory.
See docs/ldap.md.

On a fresh machine it creates what is missing: the store from the embedded
default InitialStore.xml, the data directory, and the first administrator,
user "admin", whose password is $` + adminPasswordEnv + ` or a random one
printed once on stderr. A store named by --store or $` + storeEnv + ` must exist
unless --create-store is given. Nothing is created when the start fails (a
busy port, a missing TLS file, a missing or broken store).`,
		Example: `  azgate serve
  azgate serve --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem
  AZGATE_LDAP_PASSWORD=... azgate serve --directory ldap --ldap-url ldaps://dc1.contoso.com \
      --ldap-preset ad --ldap-domain CONTOSO --ldap-user-base DC=contoso,DC=com \
      --ldap-bind-dn 'CN=azgate,OU=Service Accounts,DC=contoso,DC=com'`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--log-level %q: %w", logLevel, err)}
			}
			ldapCfg, err := ldapf.config(cmd, cfg.Directory)
			if err != nil {
				return &usageError{cmd: cmd.CommandPath(), err: err}
			}
			cfg.LDAP = ldapCfg
			cfg.StoreURL = c.storeURL
			cfg.AuditLog = c.auditLog
			cfg.OpenLibvirt = libvirtOpener()
			// Only the embedded default store is created unasked: a store
			// named by --store or $AZGATE_STORE must exist (a typo must
			// not serve a fresh default policy) unless --create-store.
			cfg.CreateStore = createStore || !c.storeGiven(cmd)
			cfg.AdminPassword = os.Getenv(adminPasswordEnv)
			cfg.Stderr = cmd.ErrOrStderr()
			cfg.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
			if !noConsole {
				cfg.Console = func(s *server.Server) (http.Handler, error) {
					return console.New(s, console.Options{Logger: cfg.Logger})
				}
			}
			if err := cfg.Validate(); err != nil {
				return &usageError{cmd: cmd.CommandPath(), err: err}
			}
			return server.Run(cmd.Context(), cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", cfg.Listen, "address to listen on (host:port)")
	f.BoolVar(&noConsole, "no-console", false, "do not serve the web console under "+server.ConsolePrefix)
	f.StringVar(&cfg.DataDir, "data-dir", envOr(dataDirEnv, cfg.DataDir),
		"directory of the engine database, the local directory and the audit log (default from $"+dataDirEnv+")")
	f.StringVar(&cfg.Engine, "engine", server.EngineSimulator,
		"engine backend: "+server.EngineSimulator+" (records in --data-dir), a libvirt URI (qemu:///system) or a libvirtd socket path")
	f.BoolVar(&createStore, "create-store", false,
		"create the store named by --store or $"+storeEnv+" from the embedded default when it does not exist")
	f.StringVar(&cfg.Application, "application", "", "application gating the engine (default: the store's default)")
	f.StringVar(&cfg.AuthZENApplication, "authzen-application", "", "application of AuthZEN requests whose resource names none (default: the engine's)")
	f.StringVar(&cfg.AuthZENURL, "authzen-pdp-url", "", "PDP identifier the AuthZEN metadata names, https://host[:port] (default: from each request's host)")
	f.StringVar(&cfg.TLSCertFile, "tls-cert", "", "TLS certificate file (PEM); serve HTTPS")
	f.StringVar(&cfg.TLSKeyFile, "tls-key", "", "TLS private key file (PEM)")
	f.StringVar(&cfg.LocalDomain, "local-domain", "", `domain of local accounts: users and groups also match as DOMAIN\name`)
	f.StringVar(&cfg.Directory, "directory", server.DirectoryLocal,
		"where HTTP Basic passwords are checked and users are resolved: "+server.DirectoryLocal+" (the directory file in --data-dir) or "+
			server.DirectoryLDAP+" (--ldap-*); API tokens always come from the local directory")
	ldapf.register(f)
	f.StringVar(&cfg.AdminUser, "admin-user", cfg.AdminUser, "name of the first administrator of a fresh directory")
	f.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "graceful shutdown limit")
	f.DurationVar(&cfg.RuleTimeLimit, "rule-time-limit", cfg.RuleTimeLimit,
		"longest one evaluation of a JScript business rule may run; a rule that runs longer denies")
	f.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", cfg.MaxBodyBytes, "largest request body accepted")
	f.StringVar(&cfg.AuditChecks, "audit-checks", cfg.AuditChecks, "which /v1/check decisions go to the audit log: "+
		server.AuditChecksOff+", "+server.AuditChecksDenials+" or "+server.AuditChecksAll+" (grants too, with the assignment that granted them)")
	f.DurationVar(&cfg.AuditUsageInterval, "audit-usage-interval", cfg.AuditUsageInterval,
		"with --audit-checks denials, how often the counts of the allowed checks are written to the audit log (grant_usage records)")
	f.Var(byteSize{&cfg.AuditMaxSize}, "audit-max-size", "rotate the audit log before it grows beyond this size (bytes, or with K, M, G; 0: never)")
	f.IntVar(&cfg.AuditKeep, "audit-keep", cfg.AuditKeep, "rotated audit log files kept (0: all)")
	f.IntVar(&cfg.MaxConnections, "max-connections", cfg.MaxConnections, "connections served at once; more wait")
	f.IntVar(&cfg.MaxConnectionsPerClient, "max-connections-per-client", cfg.MaxConnectionsPerClient,
		"connections one client address may hold; more are closed at once")
	f.IntVar(&cfg.LoginFailuresPerClient, "login-failures-per-client", cfg.LoginFailuresPerClient,
		"failed HTTP Basic logins from one address before it gets 429 (then one more every 3 s)")
	f.IntVar(&cfg.LoginFailuresPerAccount, "login-failures-per-account", cfg.LoginFailuresPerAccount,
		"failed HTTP Basic logins for one account from one address before that address gets 429 for it (then one more every 30 s; other addresses and API tokens are not refused)")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
	return cmd
}

// envOr returns $name, or def when it is unset or blank.
func envOr(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}
