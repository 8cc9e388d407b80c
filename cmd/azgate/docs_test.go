package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/internal/testproc"
)

// The documents whose shell examples are executed, in order, each in a fresh
// directory, so that an example that fails when followed fails the tests.
var executedDocs = []string{"../../README.md", "../../docs/cli.md"}

// docCommand is one command of a document's shell example.
type docCommand struct {
	line int    // where it starts in the document
	text string // the command, continuation lines joined
	exit int    // the exit status it must end with
}

var (
	// skipMark, on the line before a fence, keeps the block from running;
	// the reason says why (it needs an LDAP server, it is the long-running
	// main job).
	skipMark = regexp.MustCompile(`^<!-- docs-test: skip \(([^)]+)\) -->$`)
	// exitNote is how an example says the exit status it ends with:
	// "# ..., exit 1".
	exitNote = regexp.MustCompile(`#.*\bexit (\d)\b`)
)

// docCommands returns the commands of the ```sh blocks of the document at
// path, skipping blocks marked skipMark.
func docCommands(path string) ([]docCommand, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		cmds          []docCommand
		inSh, inOther bool
		prev          string
		cur           *docCommand
		n             int
		afterCommand  bool // the line before was a whole command
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case !inSh && !inOther && strings.HasPrefix(trimmed, "```"):
			inSh = trimmed == "```sh" && !skipMark.MatchString(prev)
			inOther = !inSh
		case (inSh || inOther) && trimmed == "```":
			if cur != nil {
				return nil, fmt.Errorf("%s:%d: a command continues past the end of its block", path, cur.line)
			}
			inSh, inOther = false, false
		case inSh:
			if cur == nil && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
				// A comment line right after a command may say its exit status.
				if m := exitNote.FindStringSubmatch(trimmed); m != nil && afterCommand {
					cmds[len(cmds)-1].exit, _ = strconv.Atoi(m[1])
				}
				afterCommand = false
				break
			}
			if cur == nil {
				cur = &docCommand{line: n}
			}
			body, cont := strings.CutSuffix(line, "\\")
			cur.text += body
			if cont {
				cur.text += " "
				break
			}
			if m := exitNote.FindStringSubmatch(line); m != nil {
				cur.exit, _ = strconv.Atoi(m[1])
			}
			cmds = append(cmds, *cur)
			cur = nil
			afterCommand = true
		}
		prev = trimmed
	}
	return cmds, sc.Err()
}

// docScript turns commands into one bash script that runs them in order
// and stops at the first that ends with another exit status than its
// example says, naming it. A command ending in "&" is a server started in
// the background: the script waits until it answers /healthz.
func docScript(doc string, cmds []docCommand) string {
	var b strings.Builder
	b.WriteString(`set -u
trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT
# "go build -o azgate ./cmd/azgate" is the binary the test built.
go() { if [ "$1" = build ]; then cp "$AZGATE_TEST_BIN" ./azgate; else echo "docs test: go $* is not run" >&2; return 1; fi; }
waitserve() { for _ in $(seq 200); do curl -sf "http://$AZGATE_TEST_ADDR/healthz" >/dev/null && return 0; sleep 0.1; done; echo "docs test: the server did not answer" >&2; return 1; }
`)
	for _, c := range cmds {
		text := strings.TrimSpace(c.text)
		if strings.HasSuffix(text, "&") {
			fmt.Fprintf(&b, "%s\nwaitserve || { echo %q >&2; exit 99; }\n", text,
				fmt.Sprintf("%s:%d: the server started here did not answer", doc, c.line))
			continue
		}
		fmt.Fprintf(&b, "%s\nrc=$?; if [ $rc -ne %d ]; then echo %q\"$rc\" >&2; exit 99; fi\n", text, c.exit,
			fmt.Sprintf("%s:%d: want exit %d, got ", doc, c.line, c.exit))
	}
	return b.String()
}

// TestDocs_ExamplesRunAsWritten runs the shell examples of the README and
// docs/cli.md in the order written, in a fresh directory, with the azgate
// binary on PATH (and as ./azgate). The server examples listen on a free
// port in place of 127.0.0.1:8080.
func TestDocs_ExamplesRunAsWritten(t *testing.T) {
	bin := testproc.Binary(t)
	for _, doc := range executedDocs {
		t.Run(filepath.Base(doc), func(t *testing.T) { runDoc(t, bin, doc, nil, nil) })
	}
}

// TestDocs_ApplicationsExamplesRunAsWritten runs docs/applications.md's
// shell examples with its stand-in for the reader's AzMan store,
// /path/to/AzManStore.xml, replaced by a store shaped like the AzMan SDK's
// Expense sample.
func TestDocs_ApplicationsExamplesRunAsWritten(t *testing.T) {
	bin := testproc.Binary(t)
	store, err := filepath.Abs("../../policy/xmlstore/testdata/expense.xml")
	if err != nil {
		t.Fatal(err)
	}
	runDoc(t, bin, "../../docs/applications.md", []string{"/path/to/AzManStore.xml", store}, nil)
}

// runDoc runs the shell examples of doc in the order written, in a fresh
// directory, with the azgate binary bin on PATH (and as ./azgate), after
// replacing each old string of replace (old, new pairs) by its new one and
// 127.0.0.1:8080 by a free port; env is added to the environment.
func runDoc(t *testing.T, bin, doc string, replace, env []string) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("the docs' examples use curl: apt-get install curl")
	}
	cmds, err := docCommands(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) == 0 {
		t.Fatalf("%s: no shell examples found", doc)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	script := docScript(filepath.Base(doc), cmds)
	replace = append(replace, "127.0.0.1:8080", addr, "localhost:8080", addr)
	script = strings.NewReplacer(replace...).Replace(script)
	dir := t.TempDir()
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(append(withoutAzgateEnv(os.Environ()),
		"PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"AZGATE_TEST_BIN="+bin, "AZGATE_TEST_ADDR="+addr, "HOME="+dir), env...)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: an example fails as written: %v\n%s", doc, err, out)
	}
}

// withoutAzgateEnv drops the AZGATE_ variables of the test's environment:
// the examples set what they need.
func withoutAzgateEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AZGATE_") {
			out = append(out, kv)
		}
	}
	return out
}
