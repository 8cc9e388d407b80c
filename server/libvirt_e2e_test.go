package server

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/internal/libvirttest"
)

// The libvirt end-to-end test runs `azgate serve --engine SOCKET` in front of
// a private libvirtd (internal/libvirttest) with real, diskless-but-for-one
// qcow2, 64 MiB QEMU domains, and walks the Resource Kit's scenarios over
// HTTP. Each step is checked against libvirt itself with virsh.

// domstate is virsh's word for the domain's state.
func domstate(t *testing.T, d *libvirttest.Daemon, name string) string {
	t.Helper()
	return strings.TrimSpace(d.Virsh(t, "domstate", name))
}

// eventually retries f (which reports what it saw) until it returns "" or
// the time is up.
func eventually(t *testing.T, within time.Duration, what string, f func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := f()
		if got == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s", what, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestE2E_Libvirt(t *testing.T) {
	d := libvirttest.Start(t)
	in := newBookInstallation(t)
	serve := func() *process {
		return in.serveWith(nil, "--local-domain", "CONTOSO", "--engine", d.Socket)
	}
	addUsers := func() {
		dd := "--data-dir=" + in.dataDir
		for _, g := range []string{"HV-Monitors", "Lab-Staff"} {
			in.cli(nil, "group", "add", g, dd)
		}
		pw := []string{"AZGATE_PASSWORD=user-pw-1"}
		for u, g := range map[string]string{"monitor": "HV-Monitors", "bob": "Lab-Staff"} {
			in.cli(pw, "user", "add", u, dd)
			in.cli(nil, "group", "add-member", g, u, dd)
		}
	}
	p := serve()
	addUsers()
	bob, monitor := cred{user: "bob", pass: "user-pw-1"}, cred{user: "monitor", pass: "user-pw-1"}

	for _, vm := range []map[string]any{
		{"name": "lab1", "memoryMB": 64, "processors": 1, "scope": "Lab", "networkAdapters": []string{"nic0"}},
		{"name": "lab2", "memoryMB": 64, "processors": 1, "scope": "Lab", "networkAdapters": []string{"nic0"}},
		{"name": "prod1", "memoryMB": 64, "processors": 1},
	} {
		want(t, p.do(t, admin, http.MethodPost, "/v1/vms", vm), http.StatusCreated, "admin creates "+vm["name"].(string))
	}

	t.Run("bob runs a Lab VM for real and cannot see or touch prod", func(t *testing.T) {
		if got := vmNames(t, p.do(t, bob, http.MethodGet, "/v1/vms", nil)); !sameSet(got, []string{"lab1", "lab2"}) {
			t.Fatalf("bob sees %v", got)
		}
		for _, s := range []struct{ action, state, virsh string }{
			{"start", "Running", "running"}, {"pause", "Paused", "paused"}, {"resume", "Running", "running"},
		} {
			r := p.do(t, bob, http.MethodPost, "/v1/vms/lab1/"+s.action, nil)
			want(t, r, http.StatusOK, "bob "+s.action+"s lab1")
			var v vmDoc
			r.json(t, &v)
			if v.StateName != s.state {
				t.Fatalf("after %s: %+v", s.action, v)
			}
			if got := domstate(t, d, "lab1"); got != s.virsh {
				t.Fatalf("after %s: virsh domstate = %q, want %q", s.action, got, s.virsh)
			}
		}
		// The monitor reads what SeaBIOS writes to the serial console, and
		// cannot type into it.
		eventually(t, 20*time.Second, "monitor reads the console", func() string {
			r := p.do(t, monitor, http.MethodGet, "/v1/vms/lab1/console", nil)
			if r.status != http.StatusOK || !bytes.Contains(r.body, []byte("SeaBIOS")) {
				return string(r.body)
			}
			return ""
		})
		denied(t, p.do(t, monitor, http.MethodPost, "/v1/vms/lab1/console", map[string]any{"text": "x"}),
			"Allow Input to Virtual Machine", "monitor types")
		denied(t, p.do(t, monitor, http.MethodPost, "/v1/vms/lab1/stop", nil), "Stop Virtual Machine", "monitor stops lab1")
		want(t, p.do(t, bob, http.MethodPost, "/v1/vms/lab1/console", map[string]any{"text": "\r"}), http.StatusNoContent, "bob types")

		denied(t, p.do(t, bob, http.MethodGet, "/v1/vms/prod1", nil), "View Virtual Machine Configuration", "bob views prod1")
		denied(t, p.do(t, bob, http.MethodPost, "/v1/vms/prod1/start", nil), "Start Virtual Machine", "bob starts prod1")
		if got := domstate(t, d, "prod1"); got != "shut off" {
			t.Fatalf("prod1 after bob's try: %q", got)
		}
		want(t, p.do(t, bob, http.MethodPost, "/v1/vms/lab1/stop", nil), http.StatusOK, "bob stops lab1")
		if got := domstate(t, d, "lab1"); got != "shut off" {
			t.Fatalf("lab1 after stop: %q", got)
		}
	})

	t.Run("two VMs on one network", func(t *testing.T) {
		want(t, p.do(t, admin, http.MethodPost, "/v1/switches", map[string]any{"name": "lab-net", "scope": "Lab"}), http.StatusCreated, "switch")
		for _, vm := range []string{"lab1", "lab2"} {
			port := "port-" + vm
			want(t, p.do(t, admin, http.MethodPost, "/v1/switch-ports", map[string]any{"name": port, "switch": "lab-net", "scope": "Lab"}),
				http.StatusCreated, "create "+port)
			want(t, p.do(t, admin, http.MethodPost, "/v1/switch-ports/"+port+"/connect", map[string]any{"vm": vm, "adapter": "nic0"}),
				http.StatusOK, "connect "+port)
			want(t, p.do(t, admin, http.MethodPost, "/v1/vms/"+vm+"/start", nil), http.StatusOK, "start "+vm)
			if out := d.Virsh(t, "domiflist", vm); !strings.Contains(out, "lab-net") {
				t.Fatalf("%s's interfaces:\n%s", vm, out)
			}
		}
		r := p.do(t, admin, http.MethodGet, "/v1/lan-endpoints", nil)
		want(t, r, http.StatusOK, "LAN endpoints")
		if !bytes.Contains(r.body, []byte("lab1/nic0")) || !bytes.Contains(r.body, []byte("lab2/nic0")) {
			t.Fatalf("LAN endpoints: %s", r.body)
		}
		// A Linux bridge carries no VLAN: refused, never recorded.
		r = p.do(t, admin, http.MethodPut, "/v1/switch-ports/port-lab1/vlan", map[string]any{"accessVlanId": 7})
		want(t, r, http.StatusNotImplemented, "VLAN on a Linux bridge")
		r = p.do(t, admin, http.MethodGet, "/v1/switch-ports/port-lab1/vlan", nil)
		if !bytes.Contains(r.body, []byte(`"accessVlanId":0`)) {
			t.Fatalf("VLAN after the refusal: %s", r.body)
		}
		for _, vm := range []string{"lab1", "lab2"} {
			want(t, p.do(t, admin, http.MethodPost, "/v1/vms/"+vm+"/stop", nil), http.StatusOK, "stop "+vm)
		}
	})

	t.Run("a domain defined with virsh is in the default scope", func(t *testing.T) {
		x := filepath.Join(t.TempDir(), "outsider.xml")
		os.WriteFile(x, []byte(`<domain type='qemu'><name>outsider</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os></domain>`), 0o644)
		d.Virsh(t, "define", x)
		r := p.do(t, admin, http.MethodGet, "/v1/vms/outsider", nil)
		want(t, r, http.StatusOK, "admin views outsider")
		var v vmDoc
		r.json(t, &v)
		if v.Scope != "" || v.StateName != "Off" {
			t.Fatalf("outsider: %+v", v)
		}
		if got := vmNames(t, p.do(t, bob, http.MethodGet, "/v1/vms", nil)); !sameSet(got, []string{"lab1", "lab2"}) {
			t.Fatalf("bob sees %v", got)
		}
		denied(t, p.do(t, bob, http.MethodPost, "/v1/vms/outsider/start", nil), "Start Virtual Machine", "bob starts outsider")
	})

	t.Run("libvirtd killed and restarted", func(t *testing.T) {
		d.Kill(t)
		r := p.do(t, admin, http.MethodGet, "/v1/vms", nil)
		want(t, r, http.StatusServiceUnavailable, "list while libvirtd is down")
		r = p.do(t, admin, http.MethodPost, "/v1/check", map[string]any{"user": "bob", "resolve": true, "scope": "Lab",
			"operations": []any{"Start Virtual Machine"}})
		want(t, r, http.StatusOK, "a decision while libvirtd is down")
		d.Restart(t)
		eventually(t, 10*time.Second, "list after the restart", func() string {
			if r := p.do(t, admin, http.MethodGet, "/v1/vms", nil); r.status != http.StatusOK {
				return string(r.body)
			}
			return ""
		})
	})

	t.Run("scopes come back from libvirt with an empty data directory", func(t *testing.T) {
		p.Stop(t)
		audit, _ := os.ReadFile(filepath.Join(in.dataDir, AuditFile))
		if !bytes.Contains(audit, []byte("outsider")) || !bytes.Contains(audit, []byte("defined outside azgate")) {
			t.Errorf("audit log lacks the outside definition:\n%s", audit)
		}
		in.dataDir = filepath.Join(in.dir, "data2")
		p = serve()
		addUsers()
		r := p.do(t, admin, http.MethodGet, "/v1/vms/lab1", nil)
		want(t, r, http.StatusOK, "admin views lab1")
		var v vmDoc
		r.json(t, &v)
		if v.Scope != "Lab" {
			t.Fatalf("lab1 after a restart with an empty data directory: %+v", v)
		}
		if got := vmNames(t, p.do(t, bob, http.MethodGet, "/v1/vms", nil)); !sameSet(got, []string{"lab1", "lab2"}) {
			t.Fatalf("bob sees %v", got)
		}
		r = p.do(t, admin, http.MethodGet, "/v1/switch-ports/port-lab1", nil)
		want(t, r, http.StatusOK, "admin views port-lab1")
		if !bytes.Contains(r.body, []byte(`"scope":"Lab"`)) || !bytes.Contains(r.body, []byte(`"vm":"lab1"`)) {
			t.Fatalf("port-lab1 after a restart with an empty data directory: %s", r.body)
		}
	})
}
