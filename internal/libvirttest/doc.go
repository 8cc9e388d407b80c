// Package libvirttest runs a real, private libvirtd for tests, as
// internal/slapdtest runs slapd.
//
// It is for azgate's own tests (the libvirt engine backend, the server's
// end-to-end tests), never for production code. [Start] launches libvirtd
// as root inside a mount and network namespace of its own (unshare
// --mount --net) with temporary directories bind-mounted over
// /etc/libvirt, /run/libvirt, /var/lib/libvirt and /var/log/libvirt, so
// the daemon, its QEMU domains, its bridges and its dnsmasq see nothing of
// the host's libvirt and the host sees nothing of them. The daemon listens
// on a socket under the test's temporary directory with authentication
// "none"; [Daemon.URI] and [Daemon.Socket] reach it. Start waits until a
// qemu:///system connection answers and kills everything in the namespaces
// (libvirtd, QEMU, dnsmasq) when the test ends.
//
// [Shared] hands every test of a package one daemon (started on first use,
// stopped by [Main]) and, when each test ends, destroys and undefines what
// the test left behind; tests using it must not run in parallel.
//
// /var/cache/libvirt is one directory for every daemon this harness starts
// on the machine (under os.TempDir()), so QEMU's capabilities are probed
// (about 5 s) once, not once per daemon; libvirt revalidates the cache
// against the QEMU binary.
//
// # Requirements
//
// Root, unshare and nsenter (util-linux), and the Debian packages
// libvirt-daemon, libvirt-daemon-driver-qemu, qemu-system-x86, qemu-utils,
// iptables and dnsmasq-base (virsh from libvirt-clients for [Daemon.Virsh]),
// all with --no-install-recommends; .ci/run installs them. When a package is
// missing, or the test does not run as root, the test is skipped with a
// message naming what to install. The system user libvirt-qemu, which the
// QEMU driver runs domains as, is created (useradd --system) when missing,
// as Debian's libvirt-daemon-system package would. QEMU's stdio goes to
// files (stdio_handler = "file"), so no virtlogd is needed; the security
// driver is "none".
//
// # Usage
//
//	func TestMain(m *testing.M) { libvirttest.Main(m) }
//
//	d := libvirttest.Shared(t)     // or Start(t) for a daemon of the test's own
//	l := d.Dial(t)                 // *libvirt.Libvirt on qemu:///system, closed at cleanup
//	d.Virsh(t, "define", xmlPath)  // behind the backend's back
//	d.Kill(t)                      // SIGKILL libvirtd; domains keep running
//	d.Restart(t)                   // the same namespaces and directories
package libvirttest
