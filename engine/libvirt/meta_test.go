package libvirt

import (
	"strings"
	"testing"
)

// azgate's element is found under either spelling libvirt may give it,
// and replacing it keeps other applications' elements.
func TestMeta_DecodeReplace(t *testing.T) {
	mine, err := encodeMeta(vmMeta{Scope: "Lab"})
	if err != nil {
		t.Fatal(err)
	}
	other := `<app:x xmlns:app="urn:other"><app:y/></app:x>`
	for _, tt := range []struct {
		name, inner, scope string
		found              bool
	}{
		{"none", "", "", false},
		{"other only", other, "", false},
		{"default namespace", mine, "Lab", true},
		{"prefixed", `<azgate:vm xmlns:azgate="` + Namespace + `" scope="Prod"><azgate:adapter name="a" mac="m"/></azgate:vm>`, "Prod", true},
		{"after another", other + `<azgate:vm xmlns:azgate="` + Namespace + `" scope="S"/>`, "S", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var m vmMeta
			found, err := decodeMeta(tt.inner, &m)
			if err != nil || found != tt.found || m.Scope != tt.scope {
				t.Fatalf("decode = %v, %v, scope %q; want %v, %q", found, err, m.Scope, tt.found, tt.scope)
			}
			next := replaceMeta(tt.inner, mine)
			if strings.Contains(tt.inner, "urn:other") && !strings.Contains(next, other) {
				t.Fatalf("replace dropped the other application's element: %s", next)
			}
			var again vmMeta
			if found, err := decodeMeta(next, &again); !found || err != nil || again.Scope != "Lab" {
				t.Fatalf("after replace: %v, %v, %+v in %s", found, err, again, next)
			}
			if strings.Count(next, Namespace) != 1 {
				t.Fatalf("azgate's element twice: %s", next)
			}
		})
	}
}

func TestParseTarget(t *testing.T) {
	for _, tt := range []struct {
		in, uri, socket string
		bad             bool
	}{
		{in: "qemu:///system", uri: "qemu:///system"},
		{in: "qemu:///system?socket=/tmp/s", uri: "qemu:///system", socket: "/tmp/s"},
		{in: "qemu+unix:///system?socket=/tmp/s", uri: "qemu:///system", socket: "/tmp/s"},
		{in: "test:///default", uri: "test:///default"},
		{in: "/run/libvirt/libvirt-sock", uri: "qemu:///system", socket: "/run/libvirt/libvirt-sock"},
		{in: "qemu+ssh://host/system", bad: true},
		{in: "qemu://host/system", bad: true},
		{in: "simulator", bad: true},
	} {
		uri, socket, err := ParseTarget(tt.in)
		if (err != nil) != tt.bad || (!tt.bad && (uri != tt.uri || socket != tt.socket)) {
			t.Errorf("ParseTarget(%q) = %q, %q, %v; want %q, %q, bad %v", tt.in, uri, socket, err, tt.uri, tt.socket, tt.bad)
		}
	}
}
