package libvirt

import (
	"context"
	"fmt"
	"net"
	"slices"
	"time"

	lv "github.com/digitalocean/go-libvirt"
	"github.com/google/uuid"
	"libvirt.org/go/libvirtxml"

	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/scopes"
)

// Switch ports are kept in their network's <metadata> (libvirt's own
// network ports exist only while a domain runs). A port connected to a VM
// adapter is a domain <interface> on the network with the adapter's MAC;
// reads report the connection only while the domain has it.

// portWhere returns the network holding the first port that match
// accepts and its index there; i is -1 when none does.
func (b *Backend) portWhere(l *lv.Libvirt, match func(p portMeta) bool) (n network, i int, err error) {
	nets, err := b.networks(l)
	if err != nil {
		return network{}, -1, err
	}
	for _, n := range nets {
		if i := slices.IndexFunc(n.meta.Ports, match); i >= 0 {
			return n, i, nil
		}
	}
	return network{}, -1, nil
}

// findPort returns the network holding port id and its index there.
func (b *Backend) findPort(l *lv.Libvirt, id string) (network, int, error) {
	n, i, err := b.portWhere(l, func(p portMeta) bool { return p.ID == id })
	if err == nil && i < 0 {
		err = fmt.Errorf("%w: switch port %s", engine.ErrNotFound, id)
	}
	return n, i, err
}

func (b *Backend) lookupPort(ctx context.Context, name string) (string, error) {
	var id string
	err := b.call(ctx, func(l *lv.Libvirt) error {
		n, i, err := b.portWhere(l, func(p portMeta) bool { return names.Equal(p.Name, name) })
		if err != nil {
			return err
		}
		if i < 0 {
			return fmt.Errorf("%w: switch port %q", engine.ErrNotFound, name)
		}
		id = n.meta.Ports[i].ID
		return nil
	})
	return id, err
}

// domainNICs caches the domains read during one call, by UUID (nil: the
// domain is gone).
type domainNICs map[string]*domain

func (b *Backend) cachedDomain(l *lv.Libvirt, cache domainNICs, vmID string) *domain {
	d, ok := cache[vmID]
	if !ok {
		if ref, err := b.lookupDomain(l, vmID); err == nil {
			if got, err := b.readDomain(l, ref); err == nil {
				d = &got
			}
		}
		cache[vmID] = d
	}
	return d
}

// nic returns d's interface with the MAC, nil when none.
func nic(d *domain, mac string) *libvirtxml.DomainInterface {
	if d == nil || d.def.Devices == nil {
		return nil
	}
	for i, n := range d.def.Devices.Interfaces {
		if n.MAC != nil && macKey(n.MAC.Address) == macKey(mac) {
			return &d.def.Devices.Interfaces[i]
		}
	}
	return nil
}

// adapterByName returns the MAC of domain vmID's adapter name.
func (b *Backend) adapterByName(l *lv.Libvirt, vmID, name string) (string, domain, error) {
	ref, err := b.lookupDomain(l, vmID)
	if err != nil {
		return "", domain{}, err
	}
	d, err := b.readDomain(l, ref)
	if err != nil {
		return "", d, err
	}
	mac := adapterMAC(d.vm(), name)
	if mac == "" {
		return "", d, fmt.Errorf("%w: virtual machine %q has no network adapter %q", engine.ErrNotFound, d.ref.Name, name)
	}
	return macKey(mac), d, nil
}

// record turns a port's metadata into the engine's record; a link to a VM
// counts only while the domain has the adapter's interface on the network
// with its link up.
func (b *Backend) record(l *lv.Libvirt, cache domainNICs, nw network, p portMeta) engine.PortRecord {
	r := engine.PortRecord{ID: p.ID, Name: p.Name, SwitchID: nw.id(), Notes: p.Notes, Scope: scopes.Of(p.Scope),
		VLAN: engine.VLAN{AccessVLANID: p.VLAN}, Created: p.Created, Conn: p.link()}
	if p.VM != "" {
		d := b.cachedDomain(l, cache, p.VM)
		var mac string
		if d != nil {
			mac = adapterMAC(d.vm(), p.Adapter)
		}
		n := nic(d, mac)
		if mac == "" || n == nil || n.Source == nil || n.Source.Network == nil || n.Source.Network.Network != nw.ref.Name ||
			(n.Link != nil && n.Link.State == "down") {
			r.Conn = nil
		}
	}
	return r
}

// Port implements engine.Backend.
func (b *Backend) Port(ctx context.Context, id string) (engine.PortRecord, error) {
	var out engine.PortRecord
	err := b.call(ctx, func(l *lv.Libvirt) error {
		n, i, err := b.findPort(l, id)
		if err != nil {
			return err
		}
		out = b.record(l, domainNICs{}, n, n.meta.Ports[i])
		return nil
	})
	return out, err
}

// Ports implements engine.Backend.
func (b *Backend) Ports(ctx context.Context) ([]engine.PortRecord, error) {
	var out []engine.PortRecord
	err := b.call(ctx, func(l *lv.Libvirt) error {
		nets, err := b.networks(l)
		if err != nil {
			return err
		}
		cache := domainNICs{}
		for _, n := range nets {
			for _, p := range n.meta.Ports {
				out = append(out, b.record(l, cache, n, p))
			}
		}
		return nil
	})
	return out, err
}

// portsOfVM returns the ports connected to domain vmID.
func (b *Backend) portsOfVM(ctx context.Context, l *lv.Libvirt, vmID string) ([]engine.PortLink, error) {
	nets, err := b.networks(l)
	if err != nil {
		return nil, err
	}
	var out []engine.PortLink
	cache := domainNICs{}
	for _, n := range nets {
		for _, p := range n.meta.Ports {
			if p.VM == vmID {
				if r := b.record(l, cache, n, p); r.Conn != nil {
					out = append(out, *r.Conn)
				}
			}
		}
	}
	return out, nil
}

// connectedAdapter returns the name of an adapter of vmID connected to a
// port, "" when none.
func (b *Backend) connectedAdapter(ctx context.Context, l *lv.Libvirt, vmID string) (string, error) {
	links, err := b.portsOfVM(ctx, l, vmID)
	if err != nil || len(links) == 0 {
		return "", err
	}
	return links[0].Adapter, nil
}

// CreatePort implements engine.Backend.
func (b *Backend) CreatePort(ctx context.Context, g engine.Guard, spec engine.PortRecord) (engine.PortRecord, error) {
	var out engine.PortRecord
	err := b.onSwitch(ctx, g, spec.SwitchID, func(l *lv.Libvirt, n network) error {
		if err := b.portNameFree(l, spec.Name, ""); err != nil {
			return err
		}
		p := portMeta{ID: uuid.NewString(), Name: spec.Name, Scope: scopes.Of(spec.Scope), Notes: spec.Notes,
			Created: time.Now().UTC().Truncate(time.Second)}
		n.meta.Ports = append(n.meta.Ports, p)
		if err := b.writeMeta(l, n); err != nil {
			return err
		}
		out = b.record(l, domainNICs{}, n, p)
		return nil
	})
	return out, err
}

// guardPort reads port id and checks g covers it and its switch.
func (b *Backend) guardPort(l *lv.Libvirt, g engine.Guard, id string) (network, int, error) {
	n, i, err := b.findPort(l, id)
	if err != nil {
		return n, i, err
	}
	if err := g.Check(engine.KindPort, id, n.meta.Ports[i].Scope); err != nil {
		return n, i, err
	}
	return n, i, g.Check(engine.KindSwitch, n.id(), n.meta.Scope)
}

// DeletePort implements engine.Backend.
func (b *Backend) DeletePort(ctx context.Context, g engine.Guard, id string) error {
	return b.onPort(ctx, g, id, func(l *lv.Libvirt, n network, i int) error {
		if n.meta.Ports[i].link() != nil {
			if err := b.disconnect(l, g, &n, i); err != nil {
				return err
			}
		}
		n.meta.Ports = append(n.meta.Ports[:i:i], n.meta.Ports[i+1:]...)
		return b.writeMeta(l, n)
	})
}

// ModifyPort implements engine.Backend.
func (b *Backend) ModifyPort(ctx context.Context, g engine.Guard, id string, u engine.PortUpdate) (engine.PortRecord, error) {
	var out engine.PortRecord
	err := b.onPort(ctx, g, id, func(l *lv.Libvirt, n network, i int) error {
		p := &n.meta.Ports[i]
		if u.Name != nil {
			if err := b.portNameFree(l, *u.Name, id); err != nil {
				return err
			}
			p.Name = *u.Name
		}
		if u.Notes != nil {
			p.Notes = *u.Notes
		}
		if u.Scope != nil {
			p.Scope = scopes.Of(*u.Scope)
		}
		if err := b.writeMeta(l, n); err != nil {
			return err
		}
		out = b.record(l, domainNICs{}, n, *p)
		return nil
	})
	return out, err
}

// nicXML is the <interface> of an adapter on network net.
func nicXML(net, mac string, link string, vlan int) (string, error) {
	nic := libvirtxml.DomainInterface{
		Source: &libvirtxml.DomainInterfaceSource{Network: &libvirtxml.DomainInterfaceSourceNetwork{Network: net}},
		MAC:    &libvirtxml.DomainInterfaceMAC{Address: mac},
		Model:  &libvirtxml.DomainInterfaceModel{Type: "virtio"},
		ROM:    &libvirtxml.DomainROM{Enabled: "no"}, // iPXE would burn a core
	}
	if link != "" {
		nic.Link = &libvirtxml.DomainInterfaceLink{State: link}
	}
	if vlan > 0 {
		nic.VLan = &libvirtxml.DomainInterfaceVLan{Tags: []libvirtxml.DomainInterfaceVLanTag{{ID: uint(vlan)}}}
	}
	return nic.Marshal()
}

// ConnectPort implements engine.Backend. To a VM adapter: the domain gets
// an <interface> on the network (attached to the persistent definition,
// and hot-plugged, or its link set up, while it runs). To an internal
// port: the network gets a host address (restarted; only while no running
// VM is connected).
func (b *Backend) ConnectPort(ctx context.Context, g engine.Guard, id string, to engine.PortLink) (engine.PortRecord, error) {
	var out engine.PortRecord
	err := b.onPort(ctx, g, id, func(l *lv.Libvirt, n network, i int) error {
		cache := domainNICs{}
		if b.record(l, cache, n, n.meta.Ports[i]).Conn != nil {
			return fmt.Errorf("switch port %q: %w: it is connected; disconnect it first", n.meta.Ports[i].Name, engine.ErrInvalidState)
		}
		nets, err := b.networks(l)
		if err != nil {
			return err
		}
		for _, o := range nets {
			for _, p := range o.meta.Ports {
				if p.ID == id {
					continue
				}
				if r := b.record(l, cache, o, p); r.Conn != nil && sameTarget(*r.Conn, to) {
					return fmt.Errorf("switch port %q: %w: the target is connected to another switch port", n.meta.Ports[i].Name, engine.ErrInvalidState)
				}
			}
		}
		p := &n.meta.Ports[i]
		switch {
		case to.VMID != "":
			mac, d, err := b.adapterByName(l, to.VMID, to.Adapter)
			if err != nil {
				return err
			}
			if err := g.Check(engine.KindVM, to.VMID, d.meta.Scope); err != nil {
				return err
			}
			defer b.ours.mark(to.VMID)()
			if err := b.plug(l, d, n.ref.Name, mac, p.VLAN); err != nil {
				return err
			}
			p.VM, p.Adapter, p.Internal = to.VMID, adapterName(d.vm(), to.Adapter), ""
			if err := b.writeMeta(l, n); err != nil {
				b.unplug(l, d, mac) // no half-made connection
				return err
			}
		case to.InternalID != "":
			ip, err := b.host.internal(to.InternalID)
			if err != nil {
				return err
			}
			if err := g.Check(engine.KindInternal, ip.ID, ""); err != nil {
				return err
			}
			if n.external() != "" {
				return fmt.Errorf("virtual switch %q: %w: it is bound to a host interface; a bridged network has no host address", n.ref.Name, engine.ErrInvalidState)
			}
			if n.meta.Internal != "" {
				return fmt.Errorf("virtual switch %q: %w: an internal Ethernet port is connected to it already", n.ref.Name, engine.ErrInvalidState)
			}
			if vm := b.runningOn(l, n); vm != "" {
				return fmt.Errorf("virtual switch %q: %w: giving the host an address restarts the network; turn off or disconnect virtual machine %q first", n.ref.Name, engine.ErrInvalidState, vm)
			}
			addr, err := freeSubnet(nets)
			if err != nil {
				return err
			}
			p.VM, p.Adapter, p.Internal = "", "", ip.ID
			n.meta.Internal = ip.ID
			def := n.def
			def.IPs = []libvirtxml.NetworkIP{{Address: addr, Prefix: 24}}
			m, err := encodeMeta(n.meta)
			if err != nil {
				return err
			}
			def.Metadata = &libvirtxml.NetworkMetadata{XML: replaceMeta(metaXML(n.def.Metadata), m)}
			if err := b.replaceNetwork(l, n, def); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: connect switch port %q to nothing", engine.ErrInvalid, p.Name)
		}
		n, i, err = b.findPort(l, id)
		if err != nil {
			return err
		}
		out = b.record(l, domainNICs{}, n, n.meta.Ports[i])
		return nil
	})
	return out, err
}

func metaXML(m *libvirtxml.NetworkMetadata) string {
	if m == nil {
		return ""
	}
	return m.XML
}

func adapterName(vm engine.VM, name string) string {
	for _, a := range vm.NetworkAdapters {
		if names.Equal(a.Name, name) {
			return a.Name
		}
	}
	return name
}

func sameTarget(a, b engine.PortLink) bool {
	if a.VMID != "" {
		return a.VMID == b.VMID && names.Equal(a.Adapter, b.Adapter)
	}
	return a.InternalID != "" && a.InternalID == b.InternalID
}

// freeSubnet returns a host address 10.231.N.1 on a /24 no network uses.
func freeSubnet(nets []network) (string, error) {
	used := map[string]bool{}
	for _, n := range nets {
		for _, ip := range n.def.IPs {
			if a := net.ParseIP(ip.Address).To4(); a != nil {
				used[fmt.Sprintf("%d.%d.%d", a[0], a[1], a[2])] = true
			}
		}
	}
	for i := 0; i < 256; i++ {
		if s := fmt.Sprintf("10.231.%d", i); !used[s] {
			return s + ".1", nil
		}
	}
	return "", fmt.Errorf("%w: no free 10.231.N.0/24 subnet for a host address", engine.ErrInvalidState)
}

// plug puts domain d's adapter mac on network net: in the persistent
// definition, and live while the domain runs (hot-plug, or a link set up
// again on the interface a disconnect left down).
func (b *Backend) plug(l *lv.Libvirt, d domain, net, mac string, vlan int) error {
	if d.state == engine.Saved {
		return fmt.Errorf("virtual machine %q: %w: its saved state holds its devices; start or turn it off first", d.ref.Name, engine.ErrInvalidState)
	}
	x, err := nicXML(net, mac, "", vlan)
	if err != nil {
		return err
	}
	running := d.state == engine.Running || d.state == engine.Paused
	if running {
		var live *libvirtxml.DomainInterface
		for i, nic := range d.def.Devices.Interfaces {
			if nic.MAC != nil && macKey(nic.MAC.Address) == macKey(mac) {
				live = &d.def.Devices.Interfaces[i]
			}
		}
		if live != nil {
			up := *live
			up.Source = &libvirtxml.DomainInterfaceSource{Network: &libvirtxml.DomainInterfaceSourceNetwork{Network: net}}
			up.Link = &libvirtxml.DomainInterfaceLink{State: "up"}
			ux, err := up.Marshal()
			if err != nil {
				return err
			}
			if err := l.DomainUpdateDeviceFlags(d.ref, ux, lv.DomainDeviceModifyLive); err != nil {
				return fmt.Errorf("virtual machine %q: connect adapter: %w", d.ref.Name, b.wrap(err))
			}
		} else if err := l.DomainAttachDeviceFlags(d.ref, x, uint32(lv.DomainDeviceModifyLive)); err != nil {
			return fmt.Errorf("virtual machine %q: connect adapter: %w", d.ref.Name, b.wrap(err))
		}
	}
	if err := l.DomainAttachDeviceFlags(d.ref, x, uint32(lv.DomainDeviceModifyConfig)); err != nil {
		if running {
			b.linkDown(l, d, mac)
		}
		return fmt.Errorf("virtual machine %q: connect adapter: %w", d.ref.Name, b.wrap(err))
	}
	return nil
}

// unplug takes domain d's adapter mac off its network: detached from the
// persistent definition; live, its link is set down (a hot-unplug needs
// the guest's consent, which a guest without an OS never gives).
func (b *Backend) unplug(l *lv.Libvirt, d domain, mac string) error {
	x, err := l.DomainGetXMLDesc(d.ref, lv.DomainXMLInactive)
	if err != nil {
		return b.wrap(err)
	}
	var def libvirtxml.Domain
	if err := def.Unmarshal(x); err != nil {
		return err
	}
	if def.Devices != nil {
		for _, nic := range def.Devices.Interfaces {
			if nic.MAC != nil && macKey(nic.MAC.Address) == macKey(mac) {
				nx, err := nic.Marshal()
				if err != nil {
					return err
				}
				if err := l.DomainDetachDeviceFlags(d.ref, nx, uint32(lv.DomainDeviceModifyConfig)); err != nil {
					return fmt.Errorf("virtual machine %q: disconnect adapter: %w", d.ref.Name, b.wrap(err))
				}
			}
		}
	}
	if d.state == engine.Running || d.state == engine.Paused {
		return b.linkDown(l, d, mac)
	}
	return nil
}

func (b *Backend) linkDown(l *lv.Libvirt, d domain, mac string) error {
	live, err := b.readDomain(l, d.ref)
	if err != nil || live.def.Devices == nil {
		return err
	}
	for _, nic := range live.def.Devices.Interfaces {
		if nic.MAC != nil && macKey(nic.MAC.Address) == macKey(mac) {
			nic.Link = &libvirtxml.DomainInterfaceLink{State: "down"}
			nx, err := nic.Marshal()
			if err != nil {
				return err
			}
			if err := l.DomainUpdateDeviceFlags(d.ref, nx, lv.DomainDeviceModifyLive); err != nil {
				return fmt.Errorf("virtual machine %q: disconnect adapter: %w", d.ref.Name, b.wrap(err))
			}
		}
	}
	return nil
}

// disconnect breaks port i's connection and clears it in n.meta (not yet
// written). The caller holds b.mu.
func (b *Backend) disconnect(l *lv.Libvirt, g engine.Guard, n *network, i int) error {
	p := &n.meta.Ports[i]
	switch {
	case p.VM != "":
		ref, err := b.lookupDomain(l, p.VM)
		var d domain
		if err == nil {
			d, err = b.readDomain(l, ref)
		}
		if err == nil {
			if err := g.Check(engine.KindVM, p.VM, d.meta.Scope); err != nil {
				return err
			}
			if mac := adapterMAC(d.vm(), p.Adapter); mac != "" {
				if d.state == engine.Saved {
					return fmt.Errorf("virtual machine %q: %w: its saved state holds its devices; start or turn it off first", d.ref.Name, engine.ErrInvalidState)
				}
				defer b.ours.mark(p.VM)()
				if err := b.unplug(l, d, mac); err != nil {
					return err
				}
			}
		} else if !isNotFound(err) {
			return err
		}
	case p.Internal != "":
		if err := g.Check(engine.KindInternal, p.Internal, ""); err != nil {
			return err
		}
		if vm := b.runningOn(l, *n); vm != "" {
			return fmt.Errorf("virtual switch %q: %w: removing the host address restarts the network; turn off or disconnect virtual machine %q first", n.ref.Name, engine.ErrInvalidState, vm)
		}
		p.Internal = ""
		n.meta.Internal = ""
		def := n.def
		def.IPs = nil
		m, err := encodeMeta(n.meta)
		if err != nil {
			return err
		}
		def.Metadata = &libvirtxml.NetworkMetadata{XML: replaceMeta(metaXML(n.def.Metadata), m)}
		if err := b.replaceNetwork(l, *n, def); err != nil {
			return err
		}
		nn, err := b.network(l, n.id())
		if err != nil {
			return err
		}
		*n = nn
		return nil
	}
	p.VM, p.Adapter, p.Internal = "", "", ""
	return nil
}

// DisconnectPort implements engine.Backend.
func (b *Backend) DisconnectPort(ctx context.Context, g engine.Guard, id string) (engine.PortRecord, error) {
	var out engine.PortRecord
	err := b.onPort(ctx, g, id, func(l *lv.Libvirt, n network, i int) error {
		if n.meta.Ports[i].link() == nil {
			return fmt.Errorf("switch port %q: %w: it is not connected", n.meta.Ports[i].Name, engine.ErrInvalidState)
		}
		if err := b.disconnect(l, g, &n, i); err != nil {
			return err
		}
		if err := b.writeMeta(l, n); err != nil {
			return err
		}
		out = b.record(l, domainNICs{}, n, n.meta.Ports[i])
		return nil
	})
	return out, err
}

// SetPortVLAN implements engine.Backend: only an Open vSwitch network can
// carry a port's VLAN; elsewhere anything but "untagged" is refused.
func (b *Backend) SetPortVLAN(ctx context.Context, g engine.Guard, id string, v engine.VLAN) (engine.PortRecord, error) {
	var out engine.PortRecord
	err := b.onPort(ctx, g, id, func(l *lv.Libvirt, n network, i int) error {
		p := &n.meta.Ports[i]
		if !n.openVSwitch() {
			if v.AccessVLANID != 0 {
				return fmt.Errorf("switch port %q: %w: virtual switch %q is a Linux bridge, which cannot carry VLANs (libvirt applies a port's VLAN only on Open vSwitch)",
					p.Name, engine.ErrUnsupported, n.ref.Name)
			}
			out = b.record(l, domainNICs{}, n, *p)
			return nil
		}
		if p.VM != "" {
			mac, d, err := b.adapterByName(l, p.VM, p.Adapter)
			if err != nil {
				return err
			}
			if err := g.Check(engine.KindVM, p.VM, d.meta.Scope); err != nil {
				return err
			}
			if err := b.unplug(l, d, mac); err != nil {
				return err
			}
			if err := b.plug(l, d, n.ref.Name, mac, v.AccessVLANID); err != nil {
				return err
			}
		}
		p.VLAN = v.AccessVLANID
		if err := b.writeMeta(l, n); err != nil {
			return err
		}
		out = b.record(l, domainNICs{}, n, *p)
		return nil
	})
	return out, err
}

// InternalPort implements engine.Backend.
func (b *Backend) InternalPort(ctx context.Context, id string) (engine.InternalPort, error) {
	return b.host.internal(id)
}

// InternalPorts implements engine.Backend.
func (b *Backend) InternalPorts(ctx context.Context) ([]engine.InternalPort, error) {
	return b.host.internals(), nil
}

// CreateInternalPort implements engine.Backend: a record in the data
// directory; it becomes the host's address on a switch when a port
// connects it.
func (b *Backend) CreateInternalPort(ctx context.Context, spec engine.InternalPortSpec) (engine.InternalPort, error) {
	var out engine.InternalPort
	err := b.host.editInternals(func(list []engine.InternalPort) ([]engine.InternalPort, error) {
		if err := nameTaken("an internal Ethernet port", spec.Name, list, internalName, nil); err != nil {
			return nil, err
		}
		out = engine.InternalPort{ID: uuid.NewString(), Name: spec.Name, MAC: macShown(newMAC()), Notes: spec.Notes,
			Created: time.Now().UTC().Truncate(time.Second)}
		return append(list, out), nil
	})
	return out, err
}

// DeleteInternalPort implements engine.Backend.
func (b *Backend) DeleteInternalPort(ctx context.Context, g engine.Guard, id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := g.Check(engine.KindInternal, id, ""); err != nil {
		return err
	}
	err := b.call(ctx, func(l *lv.Libvirt) error {
		_, i, err := b.portWhere(l, func(p portMeta) bool { return p.Internal == id })
		if err == nil && i >= 0 {
			err = fmt.Errorf("%w: the internal Ethernet port is connected to a switch port; disconnect it first", engine.ErrInvalidState)
		}
		return err
	})
	if err != nil {
		return err
	}
	return b.host.editInternals(func(list []engine.InternalPort) ([]engine.InternalPort, error) {
		for i, p := range list {
			if p.ID == id {
				return append(list[:i], list[i+1:]...), nil
			}
		}
		return nil, fmt.Errorf("%w: internal Ethernet port %s", engine.ErrNotFound, id)
	})
}

// ModifyInternalPort implements engine.Backend.
func (b *Backend) ModifyInternalPort(ctx context.Context, g engine.Guard, id string, u engine.InternalPortUpdate) (engine.InternalPort, error) {
	if err := g.Check(engine.KindInternal, id, ""); err != nil {
		return engine.InternalPort{}, err
	}
	var out engine.InternalPort
	err := b.host.editInternals(func(list []engine.InternalPort) ([]engine.InternalPort, error) {
		if u.Name != nil {
			err := nameTaken("an internal Ethernet port", *u.Name, list, internalName, func(p engine.InternalPort) bool { return p.ID == id })
			if err != nil {
				return nil, err
			}
		}
		at := slices.IndexFunc(list, func(p engine.InternalPort) bool { return p.ID == id })
		if at < 0 {
			return nil, fmt.Errorf("%w: internal Ethernet port %s", engine.ErrNotFound, id)
		}
		if u.Name != nil {
			list[at].Name = *u.Name
		}
		if u.Notes != nil {
			list[at].Notes = *u.Notes
		}
		out = list[at]
		return list, nil
	})
	return out, err
}

func internalName(p engine.InternalPort) string { return p.Name }
