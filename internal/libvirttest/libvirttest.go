package libvirttest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
)

// Timeouts.
const (
	// StartTimeout bounds the wait for a started libvirtd to answer.
	StartTimeout = 30 * time.Second
	// QEMUUser is the system user the QEMU driver runs domains as.
	QEMUUser = "libvirt-qemu"
)

// Packages lists what the harness needs, as .ci/run installs it.
const Packages = "libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils iptables dnsmasq-base"

// mounted are the directories given a private copy in the daemon's mount
// namespace, by the name of their copy under Daemon.Dir.
var mounted = []struct{ sub, target string }{
	{"etc", "/etc/libvirt"},
	{"run", "/run/libvirt"},
	{"lib", "/var/lib/libvirt"},
	{"log", "/var/log/libvirt"},
	{"cache", "/var/cache/libvirt"}, // the shared cache: see cacheDir
}

// Daemon is one private libvirtd and the namespaces it runs in.
type Daemon struct {
	// Dir holds the daemon's private tree: etc, run, lib, log (bind-mounted
	// over /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/log/libvirt
	// in its namespace), sock (its sockets) and libvirtd.log.
	Dir string
	// Socket is the read-write socket, Dir/sock/libvirt-sock.
	Socket string
	// URI is the connection URI to open on Socket: qemu:///system.
	URI string

	bins    binaries
	logPath string

	mu     sync.Mutex
	holder *proc // keeps the namespaces alive; nil once torn down
	daemon *proc // libvirtd; nil while killed
}

type proc struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
}

func (p *proc) wait() { <-p.exited }

type binaries struct {
	libvirtd, qemu, unshare, nsenter, virsh string
}

// findBinaries returns what the harness runs, or why it cannot run.
func findBinaries() (binaries, error) {
	look := func(name string, dirs ...string) string {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		for _, d := range dirs {
			p := filepath.Join(d, name)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p
			}
		}
		return ""
	}
	b := binaries{
		libvirtd: look("libvirtd", "/usr/sbin", "/usr/local/sbin"),
		qemu:     look("qemu-system-x86_64", "/usr/bin"),
		unshare:  look("unshare", "/usr/bin", "/bin"),
		nsenter:  look("nsenter", "/usr/bin", "/bin"),
		virsh:    look("virsh", "/usr/bin"),
	}
	var missing []string
	if b.libvirtd == "" {
		missing = append(missing, "libvirtd (libvirt-daemon)")
	}
	if b.qemu == "" {
		missing = append(missing, "qemu-system-x86_64 (qemu-system-x86)")
	}
	if b.unshare == "" || b.nsenter == "" {
		missing = append(missing, "unshare, nsenter (util-linux)")
	}
	if len(missing) > 0 {
		return b, fmt.Errorf("libvirttest: %s not installed (Debian: apt-get install --no-install-recommends %s)",
			strings.Join(missing, ", "), Packages)
	}
	if os.Geteuid() != 0 {
		return b, errors.New("libvirttest: a private libvirtd needs root (it runs in a mount and network namespace of its own); run the tests as root")
	}
	return b, nil
}

// Start runs a private libvirtd for the test and tears it down (with every
// domain and network it runs) when the test ends. It skips the test when
// the packages are missing or the test is not root, and fails it when the
// daemon does not start.
func Start(t testing.TB) *Daemon {
	t.Helper()
	bins, err := findBinaries()
	if err != nil {
		t.Skip(err)
	}
	d, err := start(bins, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("libvirttest: libvirtd log tail:\n%s", d.LogTail(40))
		}
		d.teardown()
	})
	return d
}

var shared struct {
	mu  sync.Mutex
	d   *Daemon
	dir string
	err error
}

// Shared returns the package's one daemon, starting it on first use; Main
// stops it after the tests. When the calling test ends, every domain,
// network and storage pool on the daemon is destroyed and undefined, so the
// next test starts from nothing; tests using Shared must not run in
// parallel. Skips and fails as Start does.
func Shared(t testing.TB) *Daemon {
	t.Helper()
	bins, err := findBinaries()
	if err != nil {
		t.Skip(err)
	}
	shared.mu.Lock()
	if shared.d == nil && shared.err == nil {
		shared.dir, shared.err = os.MkdirTemp("", "azgate-libvirttest-")
		if shared.err == nil {
			shared.d, shared.err = start(bins, shared.dir)
		}
	}
	d, err := shared.d, shared.err
	shared.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("libvirttest: libvirtd log tail:\n%s", d.LogTail(40))
		}
		if err := d.Reset(); err != nil {
			t.Errorf("libvirttest: reset the shared daemon: %v", err)
		}
	})
	return d
}

// Main runs the tests of m, stops the shared daemon if one was started,
// and exits with the tests' status. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	shared.mu.Lock()
	if shared.d != nil {
		shared.d.teardown()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	shared.mu.Unlock()
	os.Exit(code)
}

// cacheDir is /var/cache/libvirt for every daemon of this harness on the
// machine: QEMU's capabilities are probed once per cache directory.
func cacheDir() (string, error) {
	dir := filepath.Join(os.TempDir(), "azgate-libvirttest-cache")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("libvirttest: create the capabilities cache %s: %w", dir, err)
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("libvirttest: %w", err)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); !ok || sys.Uid != 0 || !st.IsDir() || st.Mode().Perm()&0o022 != 0 {
		return "", fmt.Errorf("libvirttest: %s is not a directory only root may write; remove it", dir)
	}
	return dir, nil
}

// ensureUser creates the system user QEMU domains run as, as Debian's
// libvirt-daemon-system package does, when it is missing.
func ensureUser() error {
	if _, err := user.Lookup(QEMUUser); err == nil {
		return nil
	}
	args := []string{"--system", "--user-group", "--no-create-home", "--home-dir", "/var/lib/libvirt",
		"--shell", "/usr/sbin/nologin"}
	if _, err := user.LookupGroup("kvm"); err == nil {
		args = append(args, "--groups", "kvm")
	}
	out, err := exec.Command("useradd", append(args, QEMUUser)...).CombinedOutput()
	if _, lerr := user.Lookup(QEMUUser); lerr == nil {
		return nil // made by us, or by a parallel test process
	}
	return fmt.Errorf("libvirttest: create the system user %s: %v: %s", QEMUUser, err, bytes.TrimSpace(out))
}

// config is libvirtd.conf; sock is the socket directory.
func config(sock, logPath string) string {
	return fmt.Sprintf(`unix_sock_dir = %q
unix_sock_group = "root"
unix_sock_ro_perms = "0700"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:%s"
`, sock, logPath)
}

// qemuConfig is qemu.conf: QEMU's stdio to files (no virtlogd), no
// security driver (no AppArmor profile helper in the namespace).
const qemuConfig = `stdio_handler = "file"
security_driver = "none"
`

func start(bins binaries, dir string) (*Daemon, error) {
	if err := ensureUser(); err != nil {
		return nil, err
	}
	cache, err := cacheDir()
	if err != nil {
		return nil, err
	}
	d := &Daemon{
		Dir:     dir,
		Socket:  filepath.Join(dir, "sock", "libvirt-sock"),
		URI:     string(libvirt.QEMUSystem),
		bins:    bins,
		logPath: filepath.Join(dir, "libvirtd.log"),
	}
	for _, m := range mounted {
		if m.sub == "cache" {
			continue
		}
		if err := os.MkdirAll(filepath.Join(dir, m.sub), 0o755); err != nil {
			return nil, fmt.Errorf("libvirttest: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "sock"), 0o700); err != nil {
		return nil, fmt.Errorf("libvirttest: %w", err)
	}
	// The QEMU driver runs domains as libvirt-qemu: it must reach the
	// files libvirt hands it under dir (t.TempDir is 0700).
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, fmt.Errorf("libvirttest: %w", err)
	}
	files := map[string]string{
		"etc/libvirtd.conf": config(filepath.Join(dir, "sock"), d.logPath),
		"etc/qemu.conf":     qemuConfig,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return nil, fmt.Errorf("libvirttest: %w", err)
		}
	}
	if err := d.enterNamespaces(cache); err != nil {
		return nil, err
	}
	if err := d.startDaemon(); err != nil {
		d.teardown()
		return nil, err
	}
	return d, nil
}

// enterNamespaces starts the holder: a process in a new mount and network
// namespace that bind-mounts the private directories and then waits on
// its stdin (closed when the test process dies, so it never outlives it).
func (d *Daemon) enterNamespaces(cache string) error {
	var script strings.Builder
	script.WriteString("set -e\nmount --make-rprivate /\n")
	for _, m := range mounted {
		src := filepath.Join(d.Dir, m.sub)
		if m.sub == "cache" {
			src = cache
		}
		fmt.Fprintf(&script, "mkdir -p %s\nmount --bind %s %s\n", m.target, shellQuote(src), m.target)
	}
	// sysfs of the new network namespace, so /sys/class/net (libvirt's
	// interface driver) lists its interfaces, not the host's.
	// The cgroup mounts under it are carried over (QEMU's cgroups).
	cg := shellQuote(filepath.Join(d.Dir, "cgroup"))
	fmt.Fprintf(&script, "mkdir -p %s\nmount --rbind /sys/fs/cgroup %s\n", cg, cg)
	script.WriteString("mount -t sysfs sysfs /sys\n")
	fmt.Fprintf(&script, "mount --rbind %s /sys/fs/cgroup\nip link set lo up\necho ready\nexec cat >/dev/null\n", cg)
	cmd := exec.Command(d.bins.unshare, "--mount", "--net", "--propagation", "private", "sh", "-c", script.String())
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("libvirttest: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("libvirttest: %w", err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("libvirttest: unshare: %w", err)
	}
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line == "ready\n"
		io.Copy(io.Discard, stdout)
	}()
	go func() {
		p.err = cmd.Wait()
		stdin.Close()
		close(p.exited)
	}()
	select {
	case ok := <-ready:
		if ok {
			d.holder = p
			_ = stdin // kept open for the holder's life; closed by teardown
			return nil
		}
	case <-time.After(StartTimeout):
	}
	cmd.Process.Kill()
	p.wait()
	return fmt.Errorf("libvirttest: set up the namespaces (unshare --mount --net): %v: %s", p.err, bytes.TrimSpace(stderr.Bytes()))
}

// startDaemon runs libvirtd in the holder's namespaces and waits until a
// qemu:///system connection answers.
func (d *Daemon) startDaemon() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.holder == nil {
		return errors.New("libvirttest: the daemon was torn down")
	}
	if d.daemon != nil {
		return errors.New("libvirttest: libvirtd is already running")
	}
	os.Remove(d.Socket)
	errPath := filepath.Join(d.Dir, "libvirtd.stderr")
	errFile, err := os.OpenFile(errPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("libvirttest: %w", err)
	}
	defer errFile.Close()
	cmd := exec.Command(d.bins.nsenter, "--target", strconv.Itoa(d.holder.cmd.Process.Pid), "--mount", "--net", "--",
		d.bins.libvirtd, "-f", filepath.Join(d.Dir, "etc", "libvirtd.conf"), "-p", filepath.Join(d.Dir, "libvirtd.pid"))
	cmd.Stdout, cmd.Stderr = errFile, errFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("libvirttest: start libvirtd: %w", err)
	}
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	d.daemon = p
	deadline := time.Now().Add(StartTimeout)
	for {
		select {
		case <-p.exited:
			d.daemon = nil
			out, _ := os.ReadFile(errPath)
			return fmt.Errorf("libvirttest: libvirtd exited: %v\n%s\n%s", p.err, tail(string(out), 20), d.LogTail(20))
		default:
		}
		err := ping(d.Socket)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("libvirttest: libvirtd did not answer on %s within %v: %v\n%s", d.Socket, StartTimeout, err, d.LogTail(20))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ping opens qemu:///system on socket and asks for the library version.
func ping(socket string) error {
	if _, err := os.Stat(socket); err != nil {
		return err
	}
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(socket), dialers.WithLocalTimeout(2*time.Second)))
	if err := l.ConnectToURI(libvirt.QEMUSystem); err != nil {
		return err
	}
	defer l.Disconnect()
	_, err := l.ConnectGetLibVersion()
	return err
}

// Dial returns a client connected to the daemon's qemu:///system,
// disconnected when the test ends.
func (d *Daemon) Dial(t testing.TB) *libvirt.Libvirt {
	t.Helper()
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(d.Socket), dialers.WithLocalTimeout(5*time.Second)))
	if err := l.ConnectToURI(libvirt.QEMUSystem); err != nil {
		t.Fatalf("libvirttest: connect to %s: %v", d.Socket, err)
	}
	t.Cleanup(func() { l.Disconnect() })
	return l
}

// Virsh runs virsh on the daemon's qemu:///system and returns its standard
// output; it fails the test when virsh fails, and skips it when virsh
// (libvirt-clients) is not installed.
func (d *Daemon) Virsh(t testing.TB, args ...string) string {
	t.Helper()
	if d.bins.virsh == "" {
		t.Skip("libvirttest: virsh not installed (Debian: apt-get install --no-install-recommends libvirt-clients)")
	}
	cmd := exec.Command(d.bins.virsh, append([]string{"-c", d.URI + "?socket=" + d.Socket}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("libvirttest: virsh %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return string(out)
}

// Exec runs a command in the daemon's namespaces (as root), such as
// "ip link add br-ext type bridge" to give it a host interface, and
// returns its output; it fails the test when the command fails.
func (d *Daemon) Exec(t testing.TB, name string, args ...string) string {
	t.Helper()
	d.mu.Lock()
	holder := d.holder
	d.mu.Unlock()
	if holder == nil {
		t.Fatal("libvirttest: Exec: the daemon was torn down")
	}
	cmd := exec.Command(d.bins.nsenter, append([]string{"--target", strconv.Itoa(holder.cmd.Process.Pid),
		"--mount", "--net", "--", name}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("libvirttest: %s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return string(out)
}

// Kill kills libvirtd with SIGKILL, as a crash would; its domains and
// networks keep running. Restart brings it back.
func (d *Daemon) Kill(t testing.TB) {
	t.Helper()
	d.mu.Lock()
	p := d.daemon
	d.daemon = nil
	d.mu.Unlock()
	if p == nil {
		t.Fatal("libvirttest: Kill: libvirtd is not running")
	}
	p.cmd.Process.Kill()
	p.wait()
}

// Restart starts libvirtd again after Kill, in the same namespaces with the
// same directories, and waits until it answers; it finds its running
// domains again.
func (d *Daemon) Restart(t testing.TB) {
	t.Helper()
	if err := d.startDaemon(); err != nil {
		t.Fatal(err)
	}
}

// LogTail returns the last n lines of libvirtd's log (errors only).
func (d *Daemon) LogTail(n int) string {
	data, err := os.ReadFile(d.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return tail(string(data), n)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Reset destroys and undefines every domain (with its snapshots and
// managed save), network, storage pool and its volumes on the daemon.
func (d *Daemon) Reset() error {
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(d.Socket), dialers.WithLocalTimeout(5*time.Second)))
	if err := l.ConnectToURI(libvirt.QEMUSystem); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer l.Disconnect()
	var errs []error
	doms, _, err := l.ConnectListAllDomains(1, 0)
	errs = append(errs, err)
	for _, dom := range doms {
		if state, _, err := l.DomainGetState(dom, 0); err == nil && state != int32(libvirt.DomainShutoff) {
			errs = append(errs, l.DomainDestroy(dom))
		}
		snaps, _, err := l.DomainListAllSnapshots(dom, 1, 0)
		errs = append(errs, err)
		for _, s := range snaps {
			errs = append(errs, l.DomainSnapshotDelete(s, libvirt.DomainSnapshotDeleteMetadataOnly))
		}
		errs = append(errs, l.DomainUndefineFlags(dom, libvirt.DomainUndefineManagedSave|libvirt.DomainUndefineSnapshotsMetadata|libvirt.DomainUndefineNvram))
	}
	nets, _, err := l.ConnectListAllNetworks(1, 0)
	errs = append(errs, err)
	for _, n := range nets {
		if active, err := l.NetworkIsActive(n); err == nil && active == 1 {
			errs = append(errs, l.NetworkDestroy(n))
		}
		errs = append(errs, l.NetworkUndefine(n))
	}
	pools, _, err := l.ConnectListAllStoragePools(1, 0)
	errs = append(errs, err)
	for _, p := range pools {
		if active, err := l.StoragePoolIsActive(p); err == nil && active == 1 {
			vols, _, err := l.StoragePoolListAllVolumes(p, 1, 0)
			errs = append(errs, err)
			for _, v := range vols {
				errs = append(errs, l.StorageVolDelete(v, 0))
			}
			errs = append(errs, l.StoragePoolDestroy(p))
		}
		errs = append(errs, l.StoragePoolUndefine(p))
	}
	return errors.Join(errs...)
}

// teardown kills every process in the daemon's network namespace
// (libvirtd, QEMU, dnsmasq) and then the holder, which ends the
// namespaces and their mounts and bridges.
func (d *Daemon) teardown() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.holder == nil {
		return
	}
	holderPID := d.holder.cmd.Process.Pid
	if ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", holderPID)); err == nil {
		for _, pid := range pidsInNetNS(ns) {
			if pid != holderPID {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	if d.daemon != nil {
		d.daemon.cmd.Process.Kill()
		d.daemon.wait()
		d.daemon = nil
	}
	d.holder.cmd.Process.Kill()
	d.holder.wait()
	d.holder = nil
}

// pidsInNetNS lists the processes whose network namespace is ns (as
// readlink /proc/PID/ns/net shows it).
func pidsInNetNS(ns string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if got, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid)); err == nil && got == ns {
			out = append(out, pid)
		}
	}
	return out
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
