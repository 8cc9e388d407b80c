package libvirttest_test

import (
	"strings"
	"testing"

	"github.com/digitalocean/go-libvirt"

	"github.com/azgate/azgate/internal/libvirttest"
)

func TestMain(m *testing.M) { libvirttest.Main(m) }

const tiny = `<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type><bios useserial='yes'/></os>
  <devices><serial type='pty'/><console type='pty'/></devices>
</domain>`

func state(t *testing.T, l *libvirt.Libvirt, name string) libvirt.DomainState {
	t.Helper()
	dom, err := l.DomainLookupByName(name)
	if err != nil {
		t.Fatalf("lookup %s: %v", name, err)
	}
	s, _, err := l.DomainGetState(dom, 0)
	if err != nil {
		t.Fatalf("state of %s: %v", name, err)
	}
	return libvirt.DomainState(s)
}

// A domain started before libvirtd is killed is still running, and found,
// after the restart; virsh reaches the same daemon.
func TestStart_DomainSurvivesKillAndRestart(t *testing.T) {
	d := libvirttest.Start(t)
	l := d.Dial(t)
	dom, err := l.DomainDefineXML(strings.Replace(tiny, "%s", "harness", 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.DomainCreate(dom); err != nil {
		t.Fatal(err)
	}
	if got := state(t, l, "harness"); got != libvirt.DomainRunning {
		t.Fatalf("state = %d, want running", got)
	}
	d.Kill(t)
	select {
	case <-l.Disconnected():
	default:
		if _, err := l.ConnectGetLibVersion(); err == nil {
			t.Fatal("a call on a killed daemon succeeded")
		}
	}
	d.Restart(t)
	if got := state(t, d.Dial(t), "harness"); got != libvirt.DomainRunning {
		t.Fatalf("after restart: state = %d, want running", got)
	}
	if out := d.Virsh(t, "list", "--name"); !strings.Contains(out, "harness") {
		t.Fatalf("virsh list = %q, want harness", out)
	}
}

// The shared daemon is empty again after each test that used it.
func TestShared_ResetBetweenTests(t *testing.T) {
	for _, name := range []string{"one", "two"} {
		t.Run(name, func(t *testing.T) {
			l := libvirttest.Shared(t).Dial(t)
			doms, _, err := l.ConnectListAllDomains(1, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(doms) != 0 {
				t.Fatalf("%d domains left by the previous test", len(doms))
			}
			if _, err := l.DomainDefineXML(strings.Replace(tiny, "%s", "left-"+name, 1)); err != nil {
				t.Fatal(err)
			}
			if _, err := l.NetworkDefineXML("<network><name>net-" + name + "</name></network>"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The daemon sees the interfaces of its own network namespace, and only
// those: a bridge made there is one of its host interfaces.
func TestStart_PrivateInterfaces(t *testing.T) {
	d := libvirttest.Start(t)
	d.Exec(t, "ip", "link", "add", "br-test", "type", "bridge")
	d.Exec(t, "ip", "link", "set", "br-test", "up")
	out := d.Virsh(t, "iface-list", "--all")
	if !strings.Contains(out, "br-test") || strings.Contains(out, "eth0") {
		t.Fatalf("virsh iface-list = %q, want br-test and no host interface", out)
	}
}
