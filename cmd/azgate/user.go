package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/directory/localdir"
	"github.com/azgate/azgate/server"
)

// dirFlags locate the local directory file.
type dirFlags struct {
	dataDir string
	file    string
}

func (d *dirFlags) register(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&d.dataDir, "data-dir", envOr(dataDirEnv, server.DefaultDataDir),
		"data directory of azgate serve; the directory file is DATA-DIR/"+server.DirectoryFile+" (default from $"+dataDirEnv+")")
	f.StringVar(&d.file, "directory", "", "local directory file (overrides --data-dir)")
}

func (d *dirFlags) path() string {
	if d.file != "" {
		return d.file
	}
	return filepath.Join(d.dataDir, server.DirectoryFile)
}

// open opens the local directory; the caller closes it.
func (d *dirFlags) open(cmd *cobra.Command, c *cli) (*localdir.Directory, error) {
	return localdir.Open(cmd.Context(), d.path(), localdir.WithLogger(c.logger))
}

func newUserCmd(c *cli) *cobra.Command {
	d := &dirFlags{}
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage the users of the local directory",
		Long: `user adds, deletes and lists the users of azgate's local directory, sets their
passwords and creates and revokes their API tokens. The server reads the same
file, so changes apply to the next request.`,
	}
	d.register(cmd)
	cmd.AddCommand(userAddCmd(c, d), userDeleteCmd(c, d), userPasswdCmd(c, d), userListCmd(c, d), userTokenCmd(c, d), userAliasCmd(c, d))
	return cmd
}

// password returns the password given on stdin (--password-stdin), in
// $AZGATE_PASSWORD, or — when neither — a random one, with generated true.
func password(cmd *cobra.Command, fromStdin bool) (pw string, generated bool, err error) {
	if fromStdin {
		line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", false, fmt.Errorf("read password from stdin: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
		if pw == "" {
			return "", false, fmt.Errorf("read password from stdin: empty")
		}
		return pw, false, nil
	}
	if pw := envOr(passwordEnv, ""); pw != "" {
		return pw, false, nil
	}
	return rand.Text(), true, nil
}

func userAddCmd(c *cli, d *dirFlags) *cobra.Command {
	return passwordCmd(c, d, &cobra.Command{
		Use:        "add NAME",
		SuggestFor: []string{"create", "new"},
		Short:      "Add a user",
		Long: `add creates a user. Its password is read from stdin with --password-stdin,
else taken from $` + passwordEnv + `, else generated and printed once.`,
		Example: `  echo 's3cret' | azgate user add alice --password-stdin`,
	}, (*localdir.Directory).AddUser, "added user %q", "added user %q with password %s")
}

func userDeleteCmd(c *cli, d *dirFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a user, its tokens and its group memberships",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return withDir(cmd, c, d, func(dir *localdir.Directory) error {
				if err := dir.DeleteUser(cmd.Context(), a[0]); err != nil {
					return err
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "deleted user %q\n", a[0])
				return err
			})
		},
	}
}

func userPasswdCmd(c *cli, d *dirFlags) *cobra.Command {
	return passwordCmd(c, d, &cobra.Command{
		Use:   "passwd NAME",
		Short: "Set a user's password",
		Long: `passwd replaces a user's password with one read from stdin (--password-stdin),
else taken from $` + passwordEnv + `, else generated and printed once.`,
	}, (*localdir.Directory).SetPassword, "set the password of %q", "set the password of %q to %s")
}

// passwordCmd completes user add and user passwd, which take a NAME and
// the --password-stdin flag: RunE gets the password (see password), applies
// it with set, and prints done (with the name) or, when the password was
// generated, doneGenerated (with the name and the password).
func passwordCmd(c *cli, d *dirFlags, cmd *cobra.Command,
	set func(dir *localdir.Directory, ctx context.Context, name, password string) error,
	done, doneGenerated string) *cobra.Command {
	var stdin bool
	cmd.Args = args(cobra.ExactArgs(1))
	cmd.RunE = func(cmd *cobra.Command, a []string) error {
		pw, generated, err := password(cmd, stdin)
		if err != nil {
			return err
		}
		return withDir(cmd, c, d, func(dir *localdir.Directory) error {
			if err := set(dir, cmd.Context(), a[0], pw); err != nil {
				return err
			}
			if generated {
				_, err = fmt.Fprintf(cmd.OutOrStdout(), doneGenerated+"\n", a[0], pw)
			} else {
				_, err = fmt.Fprintf(cmd.OutOrStdout(), done+"\n", a[0])
			}
			return err
		})
	}
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from the first line of stdin")
	return cmd
}

func userListCmd(c *cli, d *dirFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List users, their SIDs and API tokens (label, expiry, last use)",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withDir(cmd, c, d, func(dir *localdir.Directory) error {
				users, err := dir.Users(cmd.Context())
				if err != nil {
					return err
				}
				now := time.Now()
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tSID\tTOKENS")
				for _, u := range users {
					toks := make([]string, len(u.Tokens))
					for i, t := range u.Tokens {
						toks[i] = fmt.Sprintf("%s (%s, %s)", t.Label, expiry(t, now), lastUsed(t))
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Name, u.SID, strings.Join(toks, ", "))
				}
				return tw.Flush()
			})
		},
	}
}

// tokenTime formats a token's time in UTC to the minute.
func tokenTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04Z") }

// expiry says when t expires or expired, or that it does not.
func expiry(t localdir.TokenInfo, now time.Time) string {
	switch {
	case t.Expires.IsZero():
		return "no expiry"
	case !now.Before(t.Expires):
		return "expired " + tokenTime(t.Expires)
	}
	return "expires " + tokenTime(t.Expires)
}

// lastUsed says when t last authenticated (recorded to the minute).
func lastUsed(t localdir.TokenInfo) string {
	if t.LastUsed.IsZero() {
		return "never used"
	}
	return "last used " + tokenTime(t.LastUsed)
}

func userTokenCmd(c *cli, d *dirFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Create, list and revoke API tokens (Bearer credentials)",
	}
	var ttl time.Duration
	create := &cobra.Command{
		Use:   "create USER LABEL",
		Short: "Create an API token; it is printed once",
		Long: `create makes an API token for USER under LABEL and prints it once. With
--ttl it stops authenticating after that time; an expired token is refused like
an unknown one. 'azgate user list' and 'azgate user token list' show each
token's expiry and last use (recorded at most once a minute).`,
		Example: `  azgate user token create checker ci
  azgate user token create checker nightly --ttl 720h`,
		Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			if ttl < 0 {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--ttl %s: must not be negative", ttl)}
			}
			return withDir(cmd, c, d, func(dir *localdir.Directory) error {
				tok, err := dir.CreateTokenTTL(cmd.Context(), a[0], a[1], ttl)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(cmd.OutOrStdout(), tok)
				return err
			})
		},
	}
	create.Flags().DurationVar(&ttl, "ttl", 0, "lifetime of the token, e.g. 720h (default: no expiry)")
	cmd.AddCommand(create, &cobra.Command{
		Use:   "list [USER]",
		Short: "List API tokens: owner, label, creation, expiry and last use",
		Args:  args(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return withDir(cmd, c, d, func(dir *localdir.Directory) error {
				users, err := dir.Users(cmd.Context())
				if err != nil {
					return err
				}
				only := "" // the canonical name of USER, by the directory's own name rule
				if len(a) == 1 {
					cc, err := dir.Resolve(cmd.Context(), a[0])
					if err != nil {
						return err
					}
					only = cc.Name
				}
				now := time.Now()
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "USER\tLABEL\tCREATED\tEXPIRY\tLAST USED")
				for _, u := range users {
					if only != "" && u.Name != only {
						continue
					}
					for _, t := range u.Tokens {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, t.Label, tokenTime(t.Created), expiry(t, now), lastUsed(t))
					}
				}
				return tw.Flush()
			})
		},
	}, &cobra.Command{
		Use:   "revoke USER LABEL",
		Short: "Revoke an API token",
		Args:  args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return withDir(cmd, c, d, func(dir *localdir.Directory) error {
				if err := dir.RevokeToken(cmd.Context(), a[0], a[1]); err != nil {
					return err
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "revoked token %q of %q\n", a[1], a[0])
				return err
			})
		},
	})
	return cmd
}

// withDir opens the local directory, runs fn and closes it.
func withDir(cmd *cobra.Command, c *cli, d *dirFlags, fn func(*localdir.Directory) error) error {
	dir, err := d.open(cmd, c)
	if err != nil {
		return err
	}
	defer dir.Close()
	return fn(dir)
}

func userAliasCmd(c *cli, d *dirFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alias",
		Short: "Give a user further identifiers (an e-mail address, an identity provider's subject ID)",
		Long: `alias adds and removes a user's aliases: further identifiers the directory
resolves to the user (a check with "resolve": true, an AuthZEN subject id) and
that its client context carries, so role assignments may name the user by any.
An alias is unique among every user's and group's names, SIDs and aliases.`,
	}
	change := func(use, short, done string, f func(*localdir.Directory, context.Context, string, string) error) *cobra.Command {
		return &cobra.Command{
			Use:   use,
			Short: short,
			Args:  args(cobra.ExactArgs(2)),
			RunE: func(cmd *cobra.Command, a []string) error {
				return withDir(cmd, c, d, func(dir *localdir.Directory) error {
					if err := f(dir, cmd.Context(), a[0], a[1]); err != nil {
						return err
					}
					_, err := fmt.Fprintf(cmd.OutOrStdout(), done+"\n", a[1], a[0])
					return err
				})
			},
		}
	}
	cmd.AddCommand(
		change("add USER ALIAS", "Add an alias to a user", "added alias %q to user %q", (*localdir.Directory).AddAlias),
		change("remove USER ALIAS", "Remove an alias from a user", "removed alias %q from user %q", (*localdir.Directory).RemoveAlias))
	return cmd
}
