package libvirt

import (
	"context"
	"fmt"
	"strings"
	"time"

	lv "github.com/digitalocean/go-libvirt"
	"github.com/google/uuid"
	"libvirt.org/go/libvirtxml"

	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/scopes"
)

// network is one libvirt network as read (its persistent definition).
type network struct {
	ref    lv.Network
	def    libvirtxml.Network
	meta   switchMeta
	active bool
}

func (n network) id() string { return uuidString(n.ref.UUID) }

// external is the host interface the network is bridged to, "" when none.
func (n network) external() string {
	f := n.def.Forward
	if f == nil || f.Mode != "bridge" {
		return ""
	}
	if len(f.Interfaces) > 0 {
		return f.Interfaces[0].Dev
	}
	if f.Dev != "" {
		return f.Dev
	}
	if n.def.Bridge != nil {
		return n.def.Bridge.Name
	}
	return ""
}

// openVSwitch reports whether the network is an Open vSwitch bridge, the
// one kind that can carry a port's VLAN.
func (n network) openVSwitch() bool {
	return n.def.VirtualPort != nil && n.def.VirtualPort.Params != nil && n.def.VirtualPort.Params.OpenVSwitch != nil
}

func (n network) sw() engine.Switch {
	return engine.Switch{ID: n.id(), Name: n.ref.Name, Notes: n.meta.Notes, Scope: n.meta.Scope,
		External: n.external(), Created: n.meta.Created}
}

func (b *Backend) readNetwork(l *lv.Libvirt, ref lv.Network) (network, error) {
	n := network{ref: ref}
	x, err := l.NetworkGetXMLDesc(ref, uint32(lv.NetworkXMLInactive))
	if err != nil {
		return n, b.wrap(err)
	}
	if err := n.def.Unmarshal(x); err != nil {
		return n, fmt.Errorf("network %q: %w", ref.Name, err)
	}
	if n.def.Metadata != nil {
		if _, err := decodeMeta(n.def.Metadata.XML, &n.meta); err != nil {
			return n, fmt.Errorf("network %q: %w", ref.Name, err)
		}
	}
	n.meta.Scope = scopes.Of(n.meta.Scope)
	active, err := l.NetworkIsActive(ref)
	if err != nil {
		return n, b.wrap(err)
	}
	n.active = active == 1
	return n, nil
}

func (b *Backend) networks(l *lv.Libvirt) ([]network, error) {
	refs, _, err := l.ConnectListAllNetworks(1, 0)
	if err != nil {
		return nil, b.wrap(err)
	}
	out := make([]network, 0, len(refs))
	for _, r := range refs {
		n, err := b.readNetwork(l, r)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func (b *Backend) network(l *lv.Libvirt, id string) (network, error) {
	u, err := parseUUID(engine.KindSwitch, id)
	if err != nil {
		return network{}, err
	}
	ref, err := l.NetworkLookupByUUID(u)
	if err != nil {
		return network{}, fmt.Errorf("virtual switch %s: %w", id, b.wrap(err))
	}
	return b.readNetwork(l, ref)
}

// writeMeta stores n.meta in the network's persistent definition (libvirt
// 9.0 has no virNetworkSetMetadata; defining an active network changes
// its persistent definition only, which is where azgate reads).
func (b *Backend) writeMeta(l *lv.Libvirt, n network) error {
	def := n.def
	m, err := encodeMeta(n.meta)
	if err != nil {
		return err
	}
	if def.Metadata == nil {
		def.Metadata = &libvirtxml.NetworkMetadata{}
	}
	def.Metadata.XML = replaceMeta(def.Metadata.XML, m)
	x, err := def.Marshal()
	if err != nil {
		return err
	}
	if _, err := l.NetworkDefineXML(x); err != nil {
		return fmt.Errorf("virtual switch %q: write azgate metadata: %w", n.ref.Name, b.wrap(err))
	}
	return nil
}

func (b *Backend) lookupSwitch(ctx context.Context, name string) (string, error) {
	var id string
	err := b.call(ctx, func(l *lv.Libvirt) error {
		refs, _, err := l.ConnectListAllNetworks(1, 0)
		if err != nil {
			return err
		}
		r, ok := byName(refs, name, networkName)
		if !ok {
			return fmt.Errorf("%w: virtual switch %q", engine.ErrNotFound, name)
		}
		id = uuidString(r.UUID)
		return nil
	})
	return id, err
}

// Switch implements engine.Backend.
func (b *Backend) Switch(ctx context.Context, id string) (engine.Switch, error) {
	var out engine.Switch
	err := b.call(ctx, func(l *lv.Libvirt) error {
		n, err := b.network(l, id)
		out = n.sw()
		return err
	})
	return out, err
}

// Switches implements engine.Backend.
func (b *Backend) Switches(ctx context.Context) ([]engine.Switch, error) {
	var out []engine.Switch
	err := b.call(ctx, func(l *lv.Libvirt) error {
		nets, err := b.networks(l)
		for _, n := range nets {
			out = append(out, n.sw())
		}
		return err
	})
	return out, err
}

// CreateSwitch implements engine.Backend: an isolated network (no
// forwarding, no host address) on a bridge libvirt names, started and
// set to start with the host.
func (b *Backend) CreateSwitch(ctx context.Context, spec engine.SwitchSpec) (engine.Switch, error) {
	if err := checkLibvirtName("virtual switch", spec.Name); err != nil {
		return engine.Switch{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var out engine.Switch
	err := b.call(ctx, func(l *lv.Libvirt) error {
		if err := b.switchNameFree(l, spec.Name, lv.UUID{}); err != nil {
			return err
		}
		meta := switchMeta{Scope: scopes.Of(spec.Scope), Created: time.Now().UTC().Truncate(time.Second), Notes: spec.Notes}
		m, err := encodeMeta(meta)
		if err != nil {
			return err
		}
		x, err := (&libvirtxml.Network{Name: spec.Name, UUID: uuid.NewString(), Metadata: &libvirtxml.NetworkMetadata{XML: m}}).Marshal()
		if err != nil {
			return err
		}
		ref, err := l.NetworkDefineXML(x)
		if err != nil {
			return fmt.Errorf("create virtual switch %q: %w", spec.Name, b.wrap(err))
		}
		if err := l.NetworkCreate(ref); err != nil {
			l.NetworkUndefine(ref) // no half-made switch
			return fmt.Errorf("start virtual switch %q: %w", spec.Name, b.wrap(err))
		}
		if err := l.NetworkSetAutostart(ref, 1); err != nil {
			b.log.Warn("set autostart", "switch", spec.Name, "err", err)
		}
		n, err := b.readNetwork(l, ref)
		out = n.sw()
		return err
	})
	return out, err
}

// guardSwitch reads network id and checks g covers it.
func (b *Backend) guardSwitch(l *lv.Libvirt, g engine.Guard, id string) (network, error) {
	n, err := b.network(l, id)
	if err != nil {
		return n, err
	}
	return n, g.Check(engine.KindSwitch, id, n.meta.Scope)
}

// DeleteSwitch implements engine.Backend.
func (b *Backend) DeleteSwitch(ctx context.Context, g engine.Guard, id string) error {
	return b.onSwitch(ctx, g, id, func(l *lv.Libvirt, n network) error {
		if len(n.meta.Ports) > 0 {
			return fmt.Errorf("virtual switch %q: %w: it has %d ports; delete them first", n.ref.Name, engine.ErrInvalidState, len(n.meta.Ports))
		}
		if n.external() != "" && !g.Host {
			return fmt.Errorf("%w: virtual switch %q is bound to a host interface", engine.ErrChanged, n.ref.Name)
		}
		if n.active {
			if err := l.NetworkDestroy(n.ref); err != nil {
				return fmt.Errorf("delete virtual switch %q: %w", n.ref.Name, b.wrap(err))
			}
		}
		if err := l.NetworkUndefine(n.ref); err != nil {
			return fmt.Errorf("delete virtual switch %q: %w", n.ref.Name, b.wrap(err))
		}
		return nil
	})
}

// ModifySwitch implements engine.Backend. libvirt cannot rename a network:
// azgate redefines it under the new name (same UUID), which it does only
// while no port of the switch is connected.
func (b *Backend) ModifySwitch(ctx context.Context, g engine.Guard, id string, u engine.SwitchUpdate) (engine.Switch, error) {
	var out engine.Switch
	err := b.onSwitch(ctx, g, id, func(l *lv.Libvirt, n network) (err error) {
		if u.Notes != nil {
			n.meta.Notes = *u.Notes
		}
		if u.Scope != nil {
			n.meta.Scope = scopes.Of(*u.Scope)
		}
		if n.meta.Created.IsZero() {
			n.meta.Created = time.Now().UTC().Truncate(time.Second)
		}
		if u.Name != nil && *u.Name != n.ref.Name {
			if err := b.renameNetwork(l, n, *u.Name); err != nil {
				return err
			}
			if n, err = b.network(l, id); err != nil {
				return err
			}
			n.meta.Notes, n.meta.Scope = notes(u.Notes, n.meta.Notes), scopeOr(u.Scope, n.meta.Scope)
		}
		if err := b.writeMeta(l, n); err != nil {
			return err
		}
		out, err = b.readSwitch(l, id)
		return err
	})
	return out, err
}

func notes(p *string, def string) string {
	if p != nil {
		return *p
	}
	return def
}

func scopeOr(p *string, def string) string {
	if p != nil {
		return scopes.Of(*p)
	}
	return def
}

func (b *Backend) renameNetwork(l *lv.Libvirt, n network, name string) error {
	if err := checkLibvirtName("virtual switch", name); err != nil {
		return err
	}
	if err := b.switchNameFree(l, name, n.ref.UUID); err != nil {
		return err
	}
	for _, p := range n.meta.Ports {
		if p.link() != nil {
			return fmt.Errorf("virtual switch %q: %w: libvirt cannot rename a network; azgate redefines it, which it does only while no port is connected (port %q is)",
				n.ref.Name, engine.ErrInvalidState, p.Name)
		}
	}
	def := n.def
	def.Name = name
	return b.replaceNetwork(l, n, def)
}

// replaceNetwork swaps n's definition for def (same UUID): stop, undefine,
// define, start as before; on failure the old definition is put back.
func (b *Backend) replaceNetwork(l *lv.Libvirt, n network, def libvirtxml.Network) error {
	x, err := def.Marshal()
	if err != nil {
		return err
	}
	old, err := n.def.Marshal()
	if err != nil {
		return err
	}
	restore := func(cause error) error {
		if ref, err := l.NetworkDefineXML(old); err == nil && n.active {
			l.NetworkCreate(ref)
		}
		return fmt.Errorf("virtual switch %q: %w", n.ref.Name, b.wrap(cause))
	}
	autostart, _ := l.NetworkGetAutostart(n.ref)
	if n.active {
		if err := l.NetworkDestroy(n.ref); err != nil {
			return fmt.Errorf("virtual switch %q: %w", n.ref.Name, b.wrap(err))
		}
	}
	if err := l.NetworkUndefine(n.ref); err != nil {
		return restore(err)
	}
	ref, err := l.NetworkDefineXML(x)
	if err != nil {
		return restore(err)
	}
	if n.active {
		if err := l.NetworkCreate(ref); err != nil {
			l.NetworkUndefine(ref)
			return restore(err)
		}
	}
	if autostart == 1 {
		l.NetworkSetAutostart(ref, 1)
	}
	return nil
}

// runningOn returns the name of a running domain connected to the switch,
// "" when none: a network cannot be restarted under one.
func (b *Backend) runningOn(l *lv.Libvirt, n network) string {
	for _, p := range n.meta.Ports {
		if p.VM == "" {
			continue
		}
		ref, err := b.lookupDomain(l, p.VM)
		if err != nil {
			continue
		}
		if d, err := b.readDomain(l, ref); err == nil && (d.state == engine.Running || d.state == engine.Paused) {
			return d.ref.Name
		}
	}
	return ""
}

// BindExternal implements engine.Backend: the network becomes a bridge to
// the host interface (forward mode "bridge": onto the interface when it is
// a Linux bridge, through macvtap otherwise). The network is restarted,
// which libvirt does only while no running VM is connected to it.
func (b *Backend) BindExternal(ctx context.Context, g engine.Guard, switchID, iface string) (engine.Switch, error) {
	var out engine.Switch
	err := b.onSwitch(ctx, g, switchID, func(l *lv.Libvirt, n network) (err error) {
		if !g.Host {
			return fmt.Errorf("%w: binding host interface %q was not decided", engine.ErrChanged, iface)
		}
		if n.external() != "" {
			return fmt.Errorf("virtual switch %q: %w: it is bound to a host interface; unbind it first", n.ref.Name, engine.ErrInvalidState)
		}
		ifaces, err := b.hostInterfaces(l)
		if err != nil {
			return err
		}
		var host *hostIface
		for i := range ifaces {
			if ifaces[i].Name == iface {
				host = &ifaces[i]
			}
		}
		if host == nil {
			return fmt.Errorf("%w: host interface %q", engine.ErrNotFound, iface)
		}
		if host.Bound {
			return fmt.Errorf("host interface %q: %w: it is bound to another virtual switch", iface, engine.ErrInvalidState)
		}
		if n.meta.Internal != "" {
			return fmt.Errorf("virtual switch %q: %w: an internal Ethernet port is connected; a bridged network has no host address", n.ref.Name, engine.ErrInvalidState)
		}
		if vm := b.runningOn(l, n); vm != "" {
			return fmt.Errorf("virtual switch %q: %w: binding restarts the network; turn off or disconnect virtual machine %q first", n.ref.Name, engine.ErrInvalidState, vm)
		}
		def := n.def
		def.Bridge, def.MAC, def.IPs, def.DNS, def.Domain = nil, nil, nil, nil, nil
		if host.bridge {
			def.Forward = &libvirtxml.NetworkForward{Mode: "bridge"}
			def.Bridge = &libvirtxml.NetworkBridge{Name: iface}
		} else {
			def.Forward = &libvirtxml.NetworkForward{Mode: "bridge", Interfaces: []libvirtxml.NetworkForwardInterface{{Dev: iface}}}
		}
		if err := b.replaceNetwork(l, n, def); err != nil {
			return err
		}
		out, err = b.readSwitch(l, switchID)
		return err
	})
	return out, err
}

// UnbindExternal implements engine.Backend: the network is isolated again,
// on a bridge of its own (restarted, as for binding).
func (b *Backend) UnbindExternal(ctx context.Context, g engine.Guard, switchID string) (engine.Switch, error) {
	var out engine.Switch
	err := b.onSwitch(ctx, g, switchID, func(l *lv.Libvirt, n network) (err error) {
		if n.external() == "" {
			return fmt.Errorf("virtual switch %q: %w: it is not bound to a host interface", n.ref.Name, engine.ErrInvalidState)
		}
		if !g.Host {
			return fmt.Errorf("%w: unbinding host interface %q was not decided", engine.ErrChanged, n.external())
		}
		if vm := b.runningOn(l, n); vm != "" {
			return fmt.Errorf("virtual switch %q: %w: unbinding restarts the network; turn off or disconnect virtual machine %q first", n.ref.Name, engine.ErrInvalidState, vm)
		}
		def := n.def
		def.Forward, def.Bridge = nil, nil
		if err := b.replaceNetwork(l, n, def); err != nil {
			return err
		}
		out, err = b.readSwitch(l, switchID)
		return err
	})
	return out, err
}

// hostIface is a host interface as libvirt's interface driver lists it.
type hostIface struct {
	engine.ExternalPort
	bridge bool
}

// hostInterfaces lists the host's interfaces, less the bridges of libvirt
// networks and the taps (vnetN) and macvtaps libvirt makes for domains.
func (b *Backend) hostInterfaces(l *lv.Libvirt) ([]hostIface, error) {
	nets, err := b.networks(l)
	if err != nil {
		return nil, err
	}
	own := map[string]bool{}
	bound := map[string]bool{}
	for _, n := range nets {
		if ext := n.external(); ext != "" {
			bound[ext] = true
		} else if n.def.Bridge != nil {
			own[n.def.Bridge.Name] = true
		}
		if n.active {
			if x, err := l.NetworkGetXMLDesc(n.ref, 0); err == nil {
				var live libvirtxml.Network
				if live.Unmarshal(x) == nil && live.Bridge != nil && n.external() == "" {
					own[live.Bridge.Name] = true
				}
			}
		}
	}
	var out []hostIface
	for _, flags := range []lv.ConnectListAllInterfacesFlags{lv.ConnectListInterfacesActive, lv.ConnectListInterfacesInactive} {
		list, _, err := l.ConnectListAllInterfaces(1, flags)
		if err != nil {
			return nil, b.wrap(err)
		}
		for _, i := range list {
			if own[i.Name] || strings.HasPrefix(i.Name, "vnet") || strings.HasPrefix(i.Name, "macvtap") {
				continue
			}
			h := hostIface{ExternalPort: engine.ExternalPort{Name: i.Name, MAC: macShown(i.Mac), Up: flags == lv.ConnectListInterfacesActive,
				Loopback: i.Name == "lo", Bound: bound[i.Name], Addrs: []string{}}}
			if x, err := l.InterfaceGetXMLDesc(i, 0); err == nil {
				var def libvirtxml.Interface
				if def.Unmarshal(x) == nil {
					h.bridge = def.Bridge != nil
					if def.MTU != nil {
						h.MTU = int(def.MTU.Size)
					}
					for _, p := range def.Protocol {
						for _, a := range p.IPs {
							h.Addrs = append(h.Addrs, fmt.Sprintf("%s/%d", a.Address, a.Prefix))
						}
					}
				}
			}
			out = append(out, h)
		}
	}
	return out, nil
}

// HostInterfaces implements engine.Backend.
func (b *Backend) HostInterfaces(ctx context.Context) ([]engine.ExternalPort, error) {
	var out []engine.ExternalPort
	err := b.call(ctx, func(l *lv.Libvirt) error {
		list, err := b.hostInterfaces(l)
		for _, h := range list {
			out = append(out, h.ExternalPort)
		}
		return err
	})
	return out, err
}
