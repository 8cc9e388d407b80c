package libvirt

import (
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	"github.com/azgate/azgate/engine"
)

// Namespace is the XML namespace of azgate's element in a domain's or
// network's <metadata>; Prefix its prefix there.
const (
	Namespace = "https://github.com/azgate/azgate/xmlns/engine/1"
	Prefix    = "azgate"
)

// vmMeta is azgate's data about a domain, kept in its <metadata>.
type vmMeta struct {
	XMLName  xml.Name      `xml:"https://github.com/azgate/azgate/xmlns/engine/1 vm"`
	Scope    string        `xml:"scope,attr"`
	Created  time.Time     `xml:"created,attr,omitempty"`
	Modified time.Time     `xml:"modified,attr,omitempty"`
	Adapters []adapterMeta `xml:"adapter"`
	// Disk is the volume azgate made for the domain in its pool ("" when
	// none), deleted with the domain.
	Disk string `xml:"disk,attr,omitempty"`
}

// adapterMeta is a network adapter: its name (libvirt has none) and MAC.
type adapterMeta struct {
	Name string `xml:"name,attr"`
	MAC  string `xml:"mac,attr"`
}

// switchMeta is azgate's data about a network, kept in its <metadata>: the
// switch's scope and notes and its ports (libvirt has no persistent port
// objects).
type switchMeta struct {
	XMLName xml.Name   `xml:"https://github.com/azgate/azgate/xmlns/engine/1 switch"`
	Scope   string     `xml:"scope,attr"`
	Created time.Time  `xml:"created,attr,omitempty"`
	Notes   string     `xml:"notes,omitempty"`
	Ports   []portMeta `xml:"port"`
	// Internal is the internal Ethernet port whose host address the
	// network carries ("" when none).
	Internal string `xml:"internal,attr,omitempty"`
}

type portMeta struct {
	ID      string    `xml:"id,attr"`
	Name    string    `xml:"name,attr"`
	Scope   string    `xml:"scope,attr"`
	Notes   string    `xml:"notes,omitempty"`
	Created time.Time `xml:"created,attr,omitempty"`
	VLAN    int       `xml:"vlan,attr,omitempty"`
	// Connection: a domain's adapter (VM = domain UUID) or an internal port.
	VM       string `xml:"vm,attr,omitempty"`
	Adapter  string `xml:"adapter,attr,omitempty"`
	Internal string `xml:"internal,attr,omitempty"`
}

func (p portMeta) link() *engine.PortLink {
	switch {
	case p.VM != "":
		return &engine.PortLink{VMID: p.VM, Adapter: p.Adapter}
	case p.Internal != "":
		return &engine.PortLink{InternalID: p.Internal}
	}
	return nil
}

// encodeMeta returns v as the inner XML of <metadata>, with azgate's
// prefix.
func encodeMeta(v any) (string, error) {
	data, err := xml.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode azgate metadata: %w", err)
	}
	return string(data), nil
}

// decodeMeta reads azgate's element from the inner XML of a <metadata>
// (which may hold other applications' elements too) into v; found is
// false when there is none.
func decodeMeta(inner string, v any) (found bool, err error) {
	if !strings.Contains(inner, Namespace) {
		return false, nil
	}
	d := xml.NewDecoder(strings.NewReader(inner))
	for {
		tok, err := d.Token()
		if err != nil {
			return false, nil
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Space == Namespace {
			if err := d.DecodeElement(v, &se); err != nil {
				return false, fmt.Errorf("decode azgate metadata: %w", err)
			}
			return true, nil
		}
	}
}

// replaceMeta returns the inner XML of a <metadata> with azgate's element
// replaced by (or set to) mine, keeping other applications' elements.
func replaceMeta(inner, mine string) string {
	var keep strings.Builder
	d := xml.NewDecoder(strings.NewReader(inner))
	depth, skip := 0, false
	start := int64(0)
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				start = off
				skip = t.Name.Space == Prefix || hasNS(t)
			}
			depth++
		case xml.EndElement:
			depth--
			if depth == 0 && !skip {
				keep.WriteString(inner[start:d.InputOffset()])
			}
		}
	}
	return keep.String() + mine
}

func hasNS(t xml.StartElement) bool {
	for _, a := range t.Attr {
		if a.Value == Namespace && (a.Name.Local == "xmlns" || a.Name.Space == "xmlns") {
			return true
		}
	}
	return false
}
