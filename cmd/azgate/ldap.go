package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/server"
)

func newLDAPCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ldap",
		Short: "Check the LDAP directory that serve --directory ldap uses",
	}
	cmd.AddCommand(ldapCheckCmd())
	return cmd
}

func ldapCheckCmd() *cobra.Command {
	var ldapf ldapFlags
	cmd := &cobra.Command{
		Use:   "check",
		Short: "List user and group names that grant nobody: carried by several entries, or shaped like a SID or DN",
		Long: `check reads the name of every user and group of the directory (the --ldap-*
flags and $AZGATE_LDAP_* variables of serve) and lists each name that client
contexts leave out: a name carried by a user and a group, or by two groups,
or shaped like a SID (S-1-...) or a DN. A role assignment naming such a name
grants nobody; rename the entries, or name the member by DN or SID.
See docs/ldap.md, "One name, one entry".

Exit status: 0 every name names one entry; 1 some do not (listed);
2 the directory could not be read.`,
		Example: `  AZGATE_LDAP_PASSWORD=... azgate ldap check --ldap-url ldaps://ldap.example.org \
      --ldap-user-base dc=example,dc=org --ldap-bind-dn cn=azgate,ou=services,dc=example,dc=org`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := ldapf.config(cmd, server.DirectoryLDAP)
			if err != nil {
				return &usageError{cmd: cmd.CommandPath(), err: err}
			}
			collisions, err := server.CheckLDAPNames(cmd.Context(), l)
			var ce *server.ConfigError
			if errors.As(err, &ce) {
				return &usageError{cmd: cmd.CommandPath(), err: err}
			}
			if err != nil {
				return fmt.Errorf("check %s: %w", l.URL, err)
			}
			out := cmd.OutOrStdout()
			if len(collisions) == 0 {
				fmt.Fprintf(out, "%s: every user and group name names one entry\n", l.URL)
				return nil
			}
			for _, c := range collisions {
				fmt.Fprintf(out, "%q %s: %s\n", c.Name, c.Reason, strings.Join(c.Entries, "; "))
			}
			return withCode(exitFalse, fmt.Errorf("%d names grant nobody in role assignments; rename the entries or name them by DN or SID", len(collisions)))
		},
	}
	ldapf.register(cmd.Flags())
	for _, name := range []string{"ldap-cache-ttl", "ldap-bind-cache-ttl"} { // serve's, not the check's
		_ = cmd.Flags().MarkHidden(name)
	}
	return cmd
}
