package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/azgate/azgate/audit"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/server"
)

// auditLogEnv names the environment variable holding the audit log's path.
const auditLogEnv = "AZGATE_AUDIT_LOG"

// auditPath is the audit log: --audit-log, else $AZGATE_AUDIT_LOG, else
// audit.log in the data directory of azgate serve ($AZGATE_DATA_DIR or
// ./data) — the file serve writes with the same settings.
func (c *cli) auditPath() string {
	if c.auditLog != "" {
		return c.auditLog
	}
	return filepath.Join(envOr(dataDirEnv, server.DefaultDataDir), server.AuditFile)
}

// audited makes a policy change and records it in the audit log: who (the
// operating system user), what (the command line) and the store's revision
// before and after. The log is opened first, so a change that could not be
// recorded is not made. A zero old revision is recorded as "" (a store
// created, or one too broken to have a revision).
func (c *cli) audited(ctx context.Context, store string, write func(ctx context.Context) (old, new policy.Revision, err error)) error {
	path := c.auditPath()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("audit log %s: %w (the change was not made)", path, err)
	}
	lg, err := audit.Open(path)
	if err != nil {
		return fmt.Errorf("%w (the change was not made; --audit-log or $%s names the log)", err, auditLogEnv)
	}
	defer lg.Close()
	old, nrev, err := write(ctx)
	if err != nil {
		return err
	}
	rec := audit.PolicyChangeRecord{Source: audit.SourceCLI, Who: osUser(), What: c.cmdLine, Store: store,
		OldRevision: revision(old), NewRevision: revision(nrev)}
	if err := lg.PolicyChange(context.WithoutCancel(ctx), rec); err != nil {
		return fmt.Errorf("the change was saved (revision %d) but not recorded: %w", nrev, err)
	}
	return nil
}

func revision(r policy.Revision) string {
	if r == 0 {
		return ""
	}
	return strconv.FormatUint(uint64(r), 10)
}

// osUser names the operating system user running the command.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "uid " + strconv.Itoa(os.Getuid())
}

// commandLine renders the command being run for the audit log: its path
// below azgate, its arguments and the flags given (not --store and
// --audit-log, which the record holds otherwise).
func commandLine(cmd *cobra.Command, args []string) string {
	parts := strings.Fields(cmd.CommandPath())[1:]
	for _, a := range args {
		parts = append(parts, quoteArg(a))
	}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if f.Name == "store" || f.Name == "audit-log" {
			return
		}
		vals := []string{f.Value.String()}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			vals = sv.GetSlice()
		}
		for _, v := range vals {
			if f.Value.Type() == "bool" {
				parts = append(parts, "--"+f.Name+"="+v)
				continue
			}
			parts = append(parts, "--"+f.Name, quoteArg(v))
		}
	})
	return strings.Join(parts, " ")
}

func quoteArg(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n\"'\\$`*?;&|<>()[]{}#~") {
		return s
	}
	return strconv.Quote(s)
}

func newAuditCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Check the audit log",
		Long: `The audit log holds every engine decision, every request azgate's delegation
roles refused, the /v1/check decisions serve is told to record, and every policy
change, whether made through the server or by an azgate command. Each record
carries the hash of the one before it. The log is --audit-log, else
$` + auditLogEnv + `, else audit.log in $` + dataDirEnv + ` or ./data.`,
	}
	cmd.AddCommand(auditVerifyCmd(c), auditTailCmd(c))
	return cmd
}

// maxTail bounds audit tail -n (the records are held in memory).
const maxTail = 10000

func auditTailCmd(c *cli) *cobra.Command {
	var n int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Print the last records of the audit log, one line each",
		Example: `  azgate audit tail -n 20
  azgate audit tail --json | jq 'select(.result == "denied")'`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n < 1 || n > maxTail {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("-n %d: want 1 to %d", n, maxTail)}
			}
			lines, err := audit.Tail(cmd.Context(), c.auditPath(), n)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, l := range lines {
				if !asJSON {
					l = describeRecord(l)
				}
				if _, err := fmt.Fprintln(out, l); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().IntVarP(&n, "lines", "n", 10, "how many records")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the records as written (JSON lines)")
	return cmd
}

// describeRecord renders an audit line for people; a line that is not a
// record is printed as it is.
func describeRecord(line string) string {
	var r struct {
		Seq         uint64       `json:"seq"`
		Type        string       `json:"type"`
		Time        string       `json:"time"`
		Source      string       `json:"source"`
		Principal   string       `json:"principal"`
		Caller      string       `json:"caller"`
		Operation   string       `json:"operation"`
		Scope       string       `json:"scope"`
		Object      string       `json:"object"`
		Result      string       `json:"result"`
		Grant       *audit.Grant `json:"grant"`
		Error       string       `json:"error"`
		Kind        string       `json:"kind"`
		State       string       `json:"state"`
		Who         string       `json:"who"`
		What        string       `json:"what"`
		Store       string       `json:"store"`
		OldRevision string       `json:"old_revision"`
		NewRevision string       `json:"new_revision"`
		Start       string       `json:"start"`
		End         string       `json:"end"`
		Entries     []struct {
			Count int `json:"count"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		return line
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s %s ", r.Seq, r.Time, r.Source)
	switch r.Type {
	case audit.TypePolicyChange:
		fmt.Fprintf(&b, "%s changed %s (revision %q → %q): %s", r.Who, r.Store, r.OldRevision, r.NewRevision, r.What)
	case audit.TypeEngineEvent:
		fmt.Fprintf(&b, "outside azgate: %s %q", r.Kind, r.Object)
		if r.Scope != "" {
			fmt.Fprintf(&b, " in scope %q", r.Scope)
		}
		fmt.Fprintf(&b, ": %s", r.What)
		if r.State != "" {
			fmt.Fprintf(&b, ", now %s", r.State)
		}
	case audit.TypeGrantUsage:
		n := 0
		for _, e := range r.Entries {
			n += e.Count
		}
		fmt.Fprintf(&b, "grant usage from %s to %s: %d allowed decisions through %d grants", r.Start, r.End, n, len(r.Entries))
	case audit.TypeDecision:
		fmt.Fprintf(&b, "%s %s %q", r.Principal, r.Result, r.Operation)
		if r.Scope != "" {
			fmt.Fprintf(&b, " in scope %q", r.Scope)
		}
		if r.Object != "" {
			fmt.Fprintf(&b, " on %q", r.Object)
		}
		if r.Caller != "" {
			fmt.Fprintf(&b, ", asked by %s", r.Caller)
		}
		if r.Grant != nil {
			fmt.Fprintf(&b, ", granted by assignment %q", r.Grant.Assignment)
		}
		if r.Error != "" {
			fmt.Fprintf(&b, ": %s", r.Error)
		}
	default:
		return line
	}
	return b.String()
}

func auditVerifyCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "verify [FILE...]",
		Short: "Check the audit log's hash chain; name every edited, deleted or inserted line",
		Long: `verify follows the hash chain through the audit log and its rotated files
(audit.log.N ... audit.log.1, audit.log), or through the FILEs given (in the
order of their records, so a shell glob will do), and prints FILE:LINE and
what is wrong for every break: a line edited, deleted or inserted, a record cut
short, a file that does not continue the one before it.

Exit status: 0 the chain is intact; 1 it is broken; 2 the files could not be read.`,
		Example: `  azgate audit verify
  azgate audit verify /var/lib/azgate/audit.log*`,
		RunE: func(cmd *cobra.Command, files []string) error {
			var rep *audit.Report
			var err error
			if len(files) == 0 {
				rep, err = audit.VerifyLog(cmd.Context(), c.auditPath())
			} else {
				rep, err = audit.Verify(cmd.Context(), audit.Order(files))
			}
			if err != nil {
				return err
			}
			return printReport(cmd, rep)
		},
	}
}

func printReport(cmd *cobra.Command, rep *audit.Report) error {
	out := cmd.OutOrStdout()
	for _, p := range rep.Problems {
		fmt.Fprintln(out, p)
	}
	if rep.Omitted > 0 {
		fmt.Fprintf(out, "... and %d more problems\n", rep.Omitted)
	}
	span := ""
	if rep.Records > 0 {
		span = fmt.Sprintf(", seq %d to %d", rep.First, rep.Last)
	}
	fmt.Fprintf(out, "%s in %s%s", plural(rep.Records, "record"), plural(len(rep.Files), "file"), span)
	if rep.Unchained > 0 {
		fmt.Fprintf(out, " after %s written before records were chained", plural(rep.Unchained, "line"))
	}
	if rep.Partial {
		fmt.Fprint(out, " (the records before the first were rotated away or are in files not given)")
	}
	if !rep.Intact() {
		_, err := fmt.Fprintf(out, ": chain broken, %s\n", plural(len(rep.Problems)+rep.Omitted, "problem"))
		if err != nil {
			return err
		}
		return withCode(exitFalse, nil)
	}
	_, err := fmt.Fprintln(out, ": chain intact")
	return err
}

// byteSize is a flag holding a size in bytes, given as 4096, 64K, 100M or 1G
// (K, M, G: 1024, 1024², 1024³; an optional trailing B or iB).
type byteSize struct{ n *int64 }

func (b byteSize) String() string {
	if b.n == nil {
		return "0"
	}
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"G", 30}, {"M", 20}, {"K", 10}} {
		if v := *b.n; v != 0 && v%(1<<u.shift) == 0 {
			return strconv.FormatInt(v>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(*b.n, 10)
}

// sizeUnits are the unit spellings byteSize accepts, by shift.
var sizeUnits = map[string]uint{"": 0, "B": 0, "b": 0,
	"K": 10, "k": 10, "KB": 10, "kB": 10, "kb": 10, "KiB": 10,
	"M": 20, "m": 20, "MB": 20, "mb": 20, "MiB": 20,
	"G": 30, "g": 30, "GB": 30, "gb": 30, "GiB": 30}

func (b byteSize) Set(s string) error {
	v := strings.TrimSpace(s)
	digits := strings.TrimRight(v, "BbKkMmGgi")
	shift, ok := sizeUnits[v[len(digits):]]
	n, err := strconv.ParseInt(digits, 10, 64)
	if !ok || err != nil || n < 0 || n > (1<<62)>>shift {
		return fmt.Errorf("%q is not a size: want bytes, or a number with K, M or G", s)
	}
	*b.n = n << shift
	return nil
}

func (byteSize) Type() string { return "size" }
