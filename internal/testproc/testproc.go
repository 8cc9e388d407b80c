package testproc

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Timeouts of Serve and Stop.
const (
	// AddressTimeout bounds the wait for a started server to report its
	// address (it loads its store first).
	AddressTimeout = 30 * time.Second
	// HealthTimeout bounds the wait for /healthz once the address is known.
	HealthTimeout = 10 * time.Second
	// StopTimeout bounds the wait for a clean exit after SIGTERM.
	StopTimeout = 15 * time.Second
)

// listening is the line azgate serve prints once it accepts connections.
const listening = "azgate: listening on "

var build struct {
	once     sync.Once
	dir, bin string
	err      error
}

// Binary returns the path of the azgate binary built from ./cmd/azgate,
// building it on the first call in this test process. The package's
// TestMain should call Main, which removes the binary after the tests.
func Binary(t testing.TB) string {
	t.Helper()
	build.once.Do(func() {
		build.dir, build.err = os.MkdirTemp("", "azgate-testproc-bin")
		if build.err != nil {
			return
		}
		build.bin = filepath.Join(build.dir, "azgate")
		if runtime.GOOS == "windows" {
			build.bin += ".exe"
		}
		out, err := exec.Command("go", "build", "-o", build.bin, "github.com/azgate/azgate/cmd/azgate").CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("go build ./cmd/azgate: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.bin
}

// Main runs the tests of m, removes the binary Binary built, runs
// cleanups, and exits with the tests' status. Call it from TestMain.
func Main(m *testing.M, cleanups ...func()) {
	code := m.Run()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	for _, f := range cleanups {
		f()
	}
	os.Exit(code)
}

// Buffer is an io.Writer that keeps what is written to it, safe for
// concurrent use: a server's stderr, read while the server runs.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Options configure Serve.
type Options struct {
	// Env is added to the test's environment.
	Env []string
	// Dir is the working directory; empty: the test's.
	Dir string
	// Name names the process in failures and logs; default "azgate serve".
	Name string
	// Stdout, when set, receives the process's standard output.
	Stdout io.Writer
}

// Process is a running azgate server.
type Process struct {
	// Base is the URL the server reported, http://127.0.0.1:PORT.
	Base string
	// Stderr is everything the process wrote to stderr so far.
	Stderr *Buffer

	name   string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
}

// Serve starts bin with args, which must make it serve plain HTTP and print
// its address ("serve --listen 127.0.0.1:0 ..."). It returns once the
// server has reported its address and /healthz answers 200, and fails t
// if the process exits first or either wait times out. At cleanup the
// process is killed, and its stderr is logged if the test failed.
func Serve(t testing.TB, bin string, opts Options, args ...string) *Process {
	t.Helper()
	if opts.Name == "" {
		opts.Name = "azgate serve"
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), opts.Env...)
	cmd.Dir = opts.Dir
	cmd.Stdout = opts.Stdout
	p := &Process{Stderr: &Buffer{}, name: opts.Name, cmd: cmd, exited: make(chan struct{})}
	pr, pw := io.Pipe()
	cmd.Stderr = io.MultiWriter(pw, p.Stderr)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", opts.Name, err)
	}
	go func() { p.err = cmd.Wait(); pw.Close(); close(p.exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("%s stderr:\n%s", opts.Name, p.Stderr)
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), listening); ok {
				addr <- rest
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case a := <-addr:
		p.Base = a
	case <-p.exited:
		t.Fatalf("%s exited: %v\n%s", opts.Name, p.err, p.Stderr)
	case <-time.After(AddressTimeout):
		t.Fatalf("%s did not report its address within %v\n%s", opts.Name, AddressTimeout, p.Stderr)
	}
	WaitHealthy(t, p.Base, HealthTimeout, p.exited, p.Stderr)
	return p
}

// Exited is closed when the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Err is the process's exit status, once Exited is closed.
func (p *Process) Err() error { return p.err }

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Stop sends SIGTERM and fails t unless the process exits with status 0
// within StopTimeout.
func (p *Process) Stop(t testing.TB) {
	t.Helper()
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
		if p.err != nil {
			t.Fatalf("%s exited with %v after SIGTERM\n%s", p.name, p.err, p.Stderr)
		}
	case <-time.After(StopTimeout):
		t.Fatalf("%s did not stop within %v of SIGTERM", p.name, StopTimeout)
	}
}

// WaitHealthy polls base+"/healthz" until it answers 200 OK. It fails t
// when within passes or stopped is closed first (the server ended);
// stderr, when not nil, is shown in the failure.
func WaitHealthy(t testing.TB, base string, within time.Duration, stopped <-chan struct{}, stderr fmt.Stringer) {
	t.Helper()
	log := func() string {
		if stderr == nil {
			return ""
		}
		return "; stderr:\n" + stderr.String()
	}
	deadline := time.Now().Add(within)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("/healthz answered %s", res.Status)
		}
		select {
		case <-stopped:
			t.Fatalf("server at %s stopped before it was healthy: %v%s", base, err, log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server at %s not healthy within %v: %v%s", base, within, err, log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
