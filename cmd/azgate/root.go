package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// defaultStoreURL is the store used without --store and $AZGATE_STORE.
const defaultStoreURL = "msxml://./InitialStore.xml"

// storeEnv names the environment variable holding the default store URL.
const storeEnv = "AZGATE_STORE"

// commands lists every top-level command, one constructor per line, each in
// its own file. To add a command, write func newXCmd(c *cli) *cobra.Command
// in x.go and add it here.
var commands = []func(c *cli) *cobra.Command{
	// Policy stores and editing.
	newStoreCmd,
	newAppCmd,
	newOpCmd,
	newTaskCmd,
	newRoleDefCmd,
	newRoleCmd,
	newScopeCmd,
	newAppGroupCmd,
	// Decisions.
	newCheckCmd,
	newLDAPCmd,
	newWhoCanCmd,
	newAccessCmd,
	newAccessListCmd,
	newWhatIfCmd,
	// The audit log.
	newAuditCmd,
	newReportCmd,
	// Server, directory and engine client commands (serve, user, group,
	// vm, switch, port, ...) go below.
	newServeCmd,
	newUserCmd,
	newGroupCmd,
	newVMCmd, newSwitchCmd, newPortCmd, newVLANCmd, newEthernetCmd, newServiceCmd,
}

// cli is what every command shares: the global flags and the output.
type cli struct {
	storeURL string
	auditLog string // --audit-log; "" resolves as auditPath says
	repair   bool   // --repair: edits repair malformed store entries in the same save
	cmdLine  string // the command being run, for the audit log
	stderr   io.Writer
	logger   *slog.Logger
}

// newRootCmd builds the azgate command tree writing to stdout and stderr.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	c := &cli{
		stderr: stderr,
		logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	root := &cobra.Command{
		Use:   "azgate",
		Short: "Role-based authorization for a Hyper-V-like management engine",
		Long: `azgate keeps an Authorization Manager (AzMan) policy — operations, tasks,
role definitions, role assignments, application groups and scopes — in a
store, answers access checks against it, and gates a bundled management engine.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	def := os.Getenv(storeEnv)
	if def == "" {
		def = defaultStoreURL
	}
	root.PersistentFlags().StringVar(&c.storeURL, "store", def,
		"policy store URL, msxml://PATH or msldap://...; $"+storeEnv+" sets the default")
	root.PersistentFlags().StringVar(&c.auditLog, "audit-log", os.Getenv(auditLogEnv),
		"audit log policy changes are recorded in ($"+auditLogEnv+" sets the default; without either: audit.log in $"+dataDirEnv+" or ./data, or serve's --data-dir)")
	root.PersistentFlags().BoolVar(&c.repair, "repair", false,
		"when an msldap:// store has malformed entries, save the edit with each repaired or left out (listed on stderr)")
	root.PersistentPreRun = func(cmd *cobra.Command, a []string) { c.cmdLine = commandLine(cmd, a) }
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{cmd: cmd.CommandPath(), err: err}
	})
	for _, newCmd := range commands {
		root.AddCommand(newCmd(c))
	}
	guardGroups(root)
	return root
}

// guardGroups makes every command that only groups others (azgate, user,
// vm, user token, ...) refuse an unknown subcommand with a usage error that
// suggests the closest ones; cobra would print the help and exit 0. Given
// no subcommand, a group prints its help.
func guardGroups(cmd *cobra.Command) {
	if cmd.HasSubCommands() && !cmd.Runnable() {
		cmd.Args = args(unknownSubcommand)
		cmd.SuggestionsMinimumDistance = 2 // cobra's own default, which SuggestionsFor alone does not apply
		cmd.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	}
	for _, sub := range cmd.Commands() {
		guardGroups(sub)
	}
}

// unknownSubcommand is the argument validator of a group command: any
// argument is a subcommand it does not have.
func unknownSubcommand(cmd *cobra.Command, a []string) error {
	if len(a) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", a[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(a[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return errors.New(msg)
}

// storeGiven reports whether the store was named, by --store or by
// $AZGATE_STORE, rather than left to the default.
func (c *cli) storeGiven(cmd *cobra.Command) bool {
	if f := cmd.Flag("store"); f != nil && f.Changed {
		return true
	}
	return os.Getenv(storeEnv) != ""
}

// args wraps a cobra argument validator so that its errors are usage errors.
func args(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := v(cmd, a); err != nil {
			return &usageError{cmd: cmd.CommandPath(), err: err}
		}
		return nil
	}
}
