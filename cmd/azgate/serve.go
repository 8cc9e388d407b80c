package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/server"
)

// Environment variables of `azgate serve` and the directory commands.
const (
	adminPasswordEnv = "AZGATE_ADMIN_PASSWORD"
	dataDirEnv       = "AZGATE_DATA_DIR"
)

func newServeCmd(c *cli) *cobra.Command {
	cfg := server.DefaultConfig()
	var logLevel string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the HTTP API: checks, policy administration and the management engine",
		Long: `serve runs azgate: it keeps the policy of --store in force (reloading it when
any writer changes it), authenticates callers against the local directory in
--data-dir, and serves the check endpoint, the policy admin API and the gated
management engine over HTTP (HTTPS with --tls-cert and --tls-key).

On a fresh machine it creates what is missing: the store from the embedded
default InitialStore.xml, the data directory, and the first administrator,
user "admin", whose password is $` + adminPasswordEnv + ` or a random one
printed once on stderr.`,
		Example: `  azgate serve
  azgate serve --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--log-level %q: %w", logLevel, err)}
			}
			cfg.StoreURL = c.storeURL
			cfg.AdminPassword = os.Getenv(adminPasswordEnv)
			cfg.Stderr = cmd.ErrOrStderr()
			cfg.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
			if err := cfg.Validate(); err != nil {
				return &usageError{cmd: cmd.CommandPath(), err: err}
			}
			return server.Run(cmd.Context(), cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", cfg.Listen, "address to listen on (host:port)")
	f.StringVar(&cfg.DataDir, "data-dir", envOr(dataDirEnv, cfg.DataDir),
		"directory of the engine database, the local directory and the audit log (default from $"+dataDirEnv+")")
	f.StringVar(&cfg.Application, "application", "", "application gating the engine (default: the store's default)")
	f.StringVar(&cfg.TLSCertFile, "tls-cert", "", "TLS certificate file (PEM); serve HTTPS")
	f.StringVar(&cfg.TLSKeyFile, "tls-key", "", "TLS private key file (PEM)")
	f.StringVar(&cfg.LocalDomain, "local-domain", "", `domain of local accounts: users and groups also match as DOMAIN\name`)
	f.StringVar(&cfg.AdminUser, "admin-user", cfg.AdminUser, "name of the first administrator of a fresh directory")
	f.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "graceful shutdown limit")
	f.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", cfg.MaxBodyBytes, "largest request body accepted")
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
