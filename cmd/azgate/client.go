package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/client"
)

// The engine client commands (vm, switch, port, vlan, ethernet, service)
// talk to a running `azgate serve` through the Go client (package client).
// This file is what they share: the connection flags, the call and its
// output, the mapping of HTTP errors to exit codes, and table output.

// Environment variables of the client commands.
const (
	serverEnv   = "AZGATE_SERVER"
	userEnv     = "AZGATE_USER"
	passwordEnv = "AZGATE_PASSWORD"
	tokenEnv    = "AZGATE_TOKEN"
)

// defaultServerURL is the server used without --server and $AZGATE_SERVER.
const defaultServerURL = "http://127.0.0.1:8080"

// clientFlags are the connection flags of every client command.
type clientFlags struct {
	server, user, password, token string
	timeout                       time.Duration
	json                          bool
}

// register adds the flags as persistent flags of a noun command.
func (f *clientFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.server, "server", "", "azgate server URL (default $"+serverEnv+", else "+defaultServerURL+")")
	fs.StringVar(&f.user, "user", "", "user name for HTTP Basic authentication (default $"+userEnv+")")
	fs.StringVar(&f.password, "password", "", "password for --user (default $"+passwordEnv+")")
	fs.StringVar(&f.token, "token", "", "API token, sent as a Bearer credential (default $"+tokenEnv+")")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "time limit of each request")
	fs.BoolVar(&f.json, "json", false, "print the server's JSON response as is")
}

// apiClient sends the requests of one command through the Go client.
type apiClient struct {
	c        *client.Client
	asJSON   bool
	out, err io.Writer
}

// client resolves the flags and environment into an apiClient. Flags win
// over the environment; --token and --user together are an error.
func (f *clientFlags) client(cmd *cobra.Command) (*apiClient, error) {
	usage := func(format string, a ...any) error {
		return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf(format, a...)}
	}
	server := apiFirstNonEmpty(f.server, os.Getenv(serverEnv), defaultServerURL)
	if f.token != "" && f.user != "" {
		return nil, usage("--token and --user are exclusive: give one credential")
	}
	opts := []client.Option{client.WithHTTPClient(&http.Client{Timeout: f.timeout})}
	token, user := f.token, f.user
	if token == "" && user == "" {
		token, user = os.Getenv(tokenEnv), os.Getenv(userEnv)
	}
	switch {
	case token != "":
		opts = append(opts, client.WithToken(token))
	case user != "":
		pw := apiFirstNonEmpty(f.password, os.Getenv(passwordEnv))
		if pw == "" {
			return nil, usage("user %q: no password; give --password or set $%s", user, passwordEnv)
		}
		opts = append(opts, client.WithBasicAuth(user, pw))
	case f.password != "":
		return nil, usage("--password without --user")
	}
	c, err := client.New(server, opts...)
	if err != nil {
		return nil, usage("--server %q: want http://HOST:PORT or https://HOST:PORT", server)
	}
	return &apiClient{c: c, asJSON: f.json, out: cmd.OutOrStdout(), err: cmd.ErrOrStderr()}, nil
}

func apiFirstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// serverError is a non-2xx answer with what the user can do about it.
type serverError struct {
	err  *client.Error
	hint string // "" when nothing to say
}

func (e *serverError) Error() string {
	if e.hint != "" {
		return e.err.Error() + "; " + e.hint
	}
	return e.err.Error()
}

func (e *serverError) Unwrap() error { return e.err }

// authHint says how to give credentials after a 401; sent says whether
// the request carried any.
func authHint(sent bool) string {
	if sent {
		return "check the credentials given by --user and --password ($" + userEnv + ", $" + passwordEnv +
			") or --token ($" + tokenEnv + ")"
	}
	return "give credentials with --user NAME and --password ($" + userEnv + ", $" + passwordEnv +
		") or with --token ($" + tokenEnv + ")"
}

// fail turns an error of the Go client into the command's: a non-2xx
// answer becomes a *serverError (with a hint after a 401), and a 403
// exits 1; everything else exits 2.
func (c *apiClient) fail(err error) error {
	var ce *client.Error
	if !errors.As(err, &ce) {
		return err
	}
	se := &serverError{err: ce}
	if ce.StatusCode == http.StatusUnauthorized {
		se.hint = authHint(c.c.HasCredentials())
	}
	if ce.StatusCode == http.StatusForbidden {
		return withCode(exitFalse, se)
	}
	return se
}

// Each engine client command is one call of the Go client (package
// client), run by one of callShow, callList and callDone. With --json the
// command prints the answer's document as the server sent it: the client
// decodes it into the document type the server encoded it from (package
// api), and encoding/json writes it back the same way.

// callShow runs call and prints its answer: the document with --json,
// else render's rendering of it. call has the shape of a method expression
// of the client, such as (*client.Client).ServiceConfig; methods with
// arguments are called through a closure of that shape.
func callShow[T any](cmd *cobra.Command, f *clientFlags, call func(*client.Client, context.Context) (T, error), render func(io.Writer, T) error) error {
	c, err := f.client(cmd)
	if err != nil {
		return err
	}
	v, err := call(c.c, cmd.Context())
	if err != nil {
		return c.fail(err)
	}
	if c.asJSON {
		return json.NewEncoder(c.out).Encode(v)
	}
	return render(c.out, v)
}

// callList is callShow for a listing: --json prints the server's envelope,
// {"items": [...]}.
func callList[T any](cmd *cobra.Command, f *clientFlags, call func(*client.Client, context.Context) ([]T, error), render func(io.Writer, []T) error) error {
	return callShow(cmd, f, func(c *client.Client, ctx context.Context) (api.Listing[T], error) {
		items, err := call(c, ctx)
		if items == nil {
			items = []T{}
		}
		return api.Listing[T]{Items: items}, err
	}, func(w io.Writer, l api.Listing[T]) error { return render(w, l.Items) })
}

// callDone runs a call that answers no document and prints done (nothing
// with --json, or when done is empty).
func callDone(cmd *cobra.Command, f *clientFlags, call func(*client.Client, context.Context) error, done string) error {
	c, err := f.client(cmd)
	if err != nil {
		return err
	}
	if err := call(c.c, cmd.Context()); err != nil {
		return c.fail(err)
	}
	if c.asJSON || done == "" {
		return nil
	}
	_, err = fmt.Fprintln(c.out, done)
	return err
}

// table prints rows under a header, aligned.
func apiTable(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// fields prints "key: value" lines, aligned.
func apiFields(w io.Writer, kv ...string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(tw, "%s:\t%s\n", kv[i], kv[i+1])
	}
	return tw.Flush()
}

// scopeName shows "" as the default scope.
func apiScopeName(s string) string {
	if s == "" {
		return "(default)"
	}
	return s
}

// orDash shows "" as "-".
func apiOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// nounCmd is a noun command (vm, switch, ...) holding the client flags.
func apiNounCmd(f *clientFlags, use, short, long string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Long: long + clientHelp, Args: args(cobra.NoArgs)}
	f.register(cmd.PersistentFlags())
	cmd.AddCommand(subs...)
	return cmd
}

// group is a sub-noun without flags of its own (vm console, vm snapshot).
func apiGroup(use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Args: args(cobra.NoArgs)}
	cmd.AddCommand(subs...)
	return cmd
}

const clientHelp = `

The command talks to a running "azgate serve" at --server (default
$AZGATE_SERVER, else http://127.0.0.1:8080), authenticating with --token
($AZGATE_TOKEN) or --user/--password ($AZGATE_USER/$AZGATE_PASSWORD).
Exit status: 0 success, 1 access denied (HTTP 403), 2 any other error; the
server's error message is printed on stderr. --json prints the server's
JSON answer as is.`

// errAPINoChange is returned by update commands given no field to change.
var errAPINoChange = errors.New("nothing to change: give at least one field flag")
