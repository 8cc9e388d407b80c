package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/directory/ldapdir"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/server"
)

func newLDAPCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ldap",
		Short: "Check the LDAP directory that serve --directory ldap uses",
	}
	cmd.AddCommand(ldapCheckCmd(c))
	return cmd
}

func ldapCheckCmd(c *cli) *cobra.Command {
	var ldapf ldapFlags
	cmd := &cobra.Command{
		Use:   "check",
		Short: "List user and group names that grant nobody, and LDAP-query application groups that match nobody",
		Long: `check reads the name of every user and group of the directory (the --ldap-*
flags and $AZGATE_LDAP_* variables of serve) and lists each name that client
contexts leave out: a name carried by a user and a group, or by two groups,
or shaped like a SID (S-1-...) or a DN. A role assignment naming such a name
grants nobody; rename the entries, or name the member by DN or SID.
See docs/ldap.md, "One name, one entry".

With a store (--store or $AZGATE_STORE) it also reads the directory's schema
and lists each LDAP-query application group whose filter names an attribute
the schema does not define, or does not parse: such a group matches nobody.
See docs/ldap.md, "LDAP-query application groups".

Exit status: 0 nothing to list; 1 some names or groups are listed;
2 the directory or the store could not be read.`,
		Example: `  AZGATE_LDAP_PASSWORD=... azgate ldap check --ldap-url ldaps://ldap.example.org \
      --ldap-user-base dc=example,dc=org --ldap-bind-dn cn=azgate,ou=services,dc=example,dc=org \
      --store msxml:///var/lib/azgate/store.xml`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := ldapf.config(cmd, server.DirectoryLDAP)
			if err != nil {
				return &usageError{cmd: cmd.CommandPath(), err: err}
			}
			var p *policy.Policy
			if c.storeGiven(cmd) && c.storeURL != "" {
				if p, err = c.load(cmd.Context()); err != nil {
					return err
				}
			}
			var problems []string
			collisions, err := server.CheckLDAPNames(cmd.Context(), l)
			if err == nil && p != nil {
				problems, err = server.CheckLDAPQueries(cmd.Context(), l, p)
			}
			var ce *server.ConfigError
			if errors.As(err, &ce) {
				return &usageError{cmd: cmd.CommandPath(), err: err}
			}
			if err != nil {
				return fmt.Errorf("check %s: %w", l.URL, err)
			}
			return reportLDAPCheck(cmd.OutOrStdout(), l.URL, collisions, problems, p != nil)
		},
	}
	ldapf.register(cmd.Flags())
	for _, name := range []string{"ldap-cache-ttl", "ldap-bind-cache-ttl"} { // serve's, not the check's
		_ = cmd.Flags().MarkHidden(name)
	}
	return cmd
}

// reportLDAPCheck prints what `azgate ldap check` found; an error with
// exitFalse when it found anything.
func reportLDAPCheck(out io.Writer, url string, collisions []ldapdir.Collision, queries []string, store bool) error {
	if len(collisions) == 0 {
		fmt.Fprintf(out, "%s: every user and group name names one entry\n", url)
	}
	for _, c := range collisions {
		fmt.Fprintf(out, "%q %s: %s\n", c.Name, c.Reason, strings.Join(c.Entries, "; "))
	}
	if store && len(queries) == 0 {
		fmt.Fprintf(out, "%s: every LDAP query of the store names attributes the schema defines\n", url)
	}
	for _, q := range queries {
		fmt.Fprintln(out, q)
	}
	var errs []error
	if len(collisions) > 0 {
		errs = append(errs, fmt.Errorf("%d names grant nobody in role assignments; rename the entries or name them by DN or SID", len(collisions)))
	}
	if len(queries) > 0 {
		errs = append(errs, fmt.Errorf("%d LDAP queries match nobody; name attributes the directory's schema defines", len(queries)))
	}
	if len(errs) == 0 {
		return nil
	}
	return withCode(exitFalse, errors.Join(errs...))
}
