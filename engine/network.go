package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/scopes"
)

func byName[T any](name func(T) string) func(a, b T) int {
	return func(a, b T) int { return cmp.Compare(names.Key(name(a)), names.Key(name(b))) }
}

// publicPort resolves a port record's references to names. A connection
// to an object the caller may not view is shown as hidden; a port on a
// switch the caller may not view is errHidden (lists leave it out).
func publicPort(v *view, r PortRecord) (Port, error) {
	p := Port{ID: r.ID, Name: r.Name, Notes: r.Notes, Scope: r.Scope, VLAN: r.VLAN, Created: r.Created}
	sw, err := getAs[Switch](v, kindSwitch, r.SwitchID)
	if err != nil {
		return Port{}, fmt.Errorf("switch port %q: %w", r.Name, err)
	}
	p.Switch = sw.Name
	if r.Conn != nil {
		cn, _, err := resolveConn(v, *r.Conn)
		if err != nil {
			return Port{}, fmt.Errorf("switch port %q: %w", r.Name, err)
		}
		p.Connection = &cn
	}
	return p, nil
}

// resolveConn names what a connection record points at and its MAC; when
// the caller may not view it, the connection says only that it is hidden.
func resolveConn(v *view, c PortLink) (Connection, string, error) {
	if c.InternalID != "" {
		ip, err := getAs[InternalPort](v, kindInternal, c.InternalID)
		if err != nil {
			return hiddenConn(err)
		}
		return Connection{InternalPort: ip.Name}, ip.MAC, nil
	}
	vm, err := getAs[VM](v, kindVM, c.VMID)
	if err != nil {
		return hiddenConn(err)
	}
	mac := ""
	for _, a := range vm.NetworkAdapters {
		if names.Equal(a.Name, c.Adapter) {
			mac = a.MAC
		}
	}
	return Connection{VM: vm.Name, Adapter: c.Adapter}, mac, nil
}

func hiddenConn(err error) (Connection, string, error) {
	if errors.Is(err, errHidden) {
		return Connection{Hidden: true}, "", nil
	}
	return Connection{}, "", err
}

// publicSwitch is a switch as the caller may see it: its host interface
// only when the permit covers host interfaces, else marked hidden.
func publicSwitch(v *view, sw Switch) (Switch, error) {
	if sw.External == "" {
		return sw, nil
	}
	switch err := v.may(kindExternal, readOnly); {
	case errors.Is(err, errHidden):
		sw.External, sw.ExternalHidden = "", true
	case err != nil:
		return Switch{}, err
	}
	return sw, nil
}

// Virtual switches.

// CreateSwitch creates a virtual switch in spec.Scope. Needs Create Virtual
// Switch in spec.Scope.
func (e *Engine) CreateSwitch(ctx context.Context, c directory.ClientContext, spec SwitchSpec) (Switch, error) {
	spec.Scope = scopes.Of(spec.Scope)
	p, err := e.authorize(ctx, c, "CreateSwitch", creates(kindSwitch, spec.Name, spec.Scope))
	if err != nil {
		return Switch{}, err
	}
	if err := checkName("virtual switch", spec.Name); err != nil {
		return Switch{}, err
	}
	if err := checkScope("virtual switch", spec.Scope); err != nil {
		return Switch{}, err
	}
	if err := checkNotes("virtual switch", spec.Notes); err != nil {
		return Switch{}, err
	}
	b, err := e.view(ctx, p).creator(kindSwitch, spec.Scope)
	if err != nil {
		return Switch{}, err
	}
	return b.CreateSwitch(ctx, spec)
}

// DeleteSwitch deletes a virtual switch that has no ports; a bound host
// interface is unbound. A switch that still has ports, in any scope, is not
// deleted (409, naming none of them): their owners delete them first. Needs
// Delete Virtual Switch in the switch's scope, and Unbind External Ethernet
// Port in the default scope when the switch is bound.
func (e *Engine) DeleteSwitch(ctx context.Context, c directory.ClientContext, name string) error {
	return e.deleteNamed(ctx, c, "DeleteSwitch", roleSwitch, name, Backend.DeleteSwitch)
}

// ModifySwitch renames a virtual switch, changes its notes or moves it to
// another scope. Needs Modify Switch Settings in the switch's scope, and in
// the new scope when u.Scope is set.
func (e *Engine) ModifySwitch(ctx context.Context, c directory.ClientContext, name string, u SwitchUpdate) (Switch, error) {
	var out Switch
	args := []arg{named(roleSwitch, name)}
	if u.Scope != nil {
		*u.Scope = scopes.Of(*u.Scope)
		args = append(args, moves(name, *u.Scope))
	}
	err := e.gated(ctx, c, "ModifySwitch", func(v *view, ids map[role]string) error {
		if err := checkUpdate("virtual switch", u.Name, u.Notes, u.Scope); err != nil {
			return err
		}
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		sw, err := b.ModifySwitch(ctx, g, ids[roleSwitch], u)
		if err != nil {
			return err
		}
		out, err = publicSwitch(v, sw)
		return err
	}, args...)
	return out, err
}

// GetSwitch returns a virtual switch. Needs View Switches in its scope.
func (e *Engine) GetSwitch(ctx context.Context, c directory.ClientContext, name string) (Switch, error) {
	var out Switch
	err := e.gated(ctx, c, "GetSwitch", func(v *view, ids map[role]string) error {
		sw, err := getAs[Switch](v, kindSwitch, ids[roleSwitch])
		if err != nil {
			return err
		}
		out, err = publicSwitch(v, sw)
		return err
	}, named(roleSwitch, name))
	return out, err
}

// ListSwitches returns, by name, the virtual switches in scopes where the
// caller holds View Switches.
func (e *Engine) ListSwitches(ctx context.Context, c directory.ClientContext) ([]Switch, error) {
	v, err := e.visible(ctx, c, "ListSwitches")
	if err != nil {
		return nil, err
	}
	all, err := readable[Switch](v, kindSwitch)
	if err != nil {
		return nil, fmt.Errorf("list virtual switches: %w", err)
	}
	out := make([]Switch, 0, len(all))
	for _, sw := range all {
		pub, err := publicSwitch(v, sw)
		if err != nil {
			return nil, fmt.Errorf("list virtual switches: %w", err)
		}
		out = append(out, pub)
	}
	slices.SortFunc(out, byName(func(s Switch) string { return s.Name }))
	return out, nil
}

// Switch ports.

// CreatePort creates a port on an existing switch, in spec.Scope. Needs
// Create Virtual Switch Port in spec.Scope and in the switch's scope.
func (e *Engine) CreatePort(ctx context.Context, c directory.ClientContext, spec PortSpec) (Port, error) {
	spec.Scope = scopes.Of(spec.Scope)
	var out Port
	err := e.gated(ctx, c, "CreatePort", func(v *view, ids map[role]string) error {
		if err := checkName("switch port", spec.Name); err != nil {
			return err
		}
		if err := checkScope("switch port", spec.Scope); err != nil {
			return err
		}
		if err := checkNotes("switch port", spec.Notes); err != nil {
			return err
		}
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		if _, err := v.creator(kindPort, spec.Scope); err != nil {
			return err
		}
		r, err := b.CreatePort(ctx, g, PortRecord{Name: spec.Name, SwitchID: ids[roleSwitch], Notes: spec.Notes, Scope: spec.Scope})
		if err != nil {
			return err
		}
		out, err = publicPort(v, r)
		return err
	}, creates(kindPort, spec.Name, spec.Scope), named(roleSwitch, spec.Switch))
	return out, err
}

// DeletePort deletes a switch port, disconnecting it. Needs Delete Virtual
// Switch Port in the port's and the switch's scope; when connected, also
// what disconnecting needs at the other end (see DisconnectPort).
func (e *Engine) DeletePort(ctx context.Context, c directory.ClientContext, name string) error {
	return e.deleteNamed(ctx, c, "DeletePort", rolePort, name, Backend.DeletePort)
}

// ModifyPort renames a switch port, changes its notes or moves it to
// another scope. Needs Modify Switch Port Settings in the port's and the
// switch's scope, and in the new scope when u.Scope is set.
func (e *Engine) ModifyPort(ctx context.Context, c directory.ClientContext, name string, u PortUpdate) (Port, error) {
	var out Port
	args := []arg{named(rolePort, name)}
	if u.Scope != nil {
		*u.Scope = scopes.Of(*u.Scope)
		args = append(args, moves(name, *u.Scope))
	}
	err := e.gated(ctx, c, "ModifyPort", func(v *view, ids map[role]string) error {
		if err := checkUpdate("switch port", u.Name, u.Notes, u.Scope); err != nil {
			return err
		}
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		r, err := b.ModifyPort(ctx, g, ids[rolePort], u)
		if err != nil {
			return err
		}
		out, err = publicPort(v, r)
		return err
	}, args...)
	return out, err
}

// GetPort returns a switch port. Needs View Switch Ports in its scope and
// its switch's; what it is connected to is shown only where the caller may
// view it (View Virtual Machine Configuration in the VM's scope, View
// Internal Ethernet Ports).
func (e *Engine) GetPort(ctx context.Context, c directory.ClientContext, name string) (Port, error) {
	var out Port
	err := e.gated(ctx, c, "GetPort", func(v *view, ids map[role]string) error {
		r, err := getAs[PortRecord](v, kindPort, ids[rolePort])
		if err != nil {
			return err
		}
		out, err = publicPort(v, r)
		return err
	}, named(rolePort, name))
	return out, err
}

// ListPorts returns, by name, the switch ports the caller may view: View
// Switch Ports in the port's scope and in its switch's. Connections are
// shown as in GetPort.
func (e *Engine) ListPorts(ctx context.Context, c directory.ClientContext) ([]Port, error) {
	v, err := e.visible(ctx, c, "ListPorts")
	if err != nil {
		return nil, err
	}
	all, err := readable[PortRecord](v, kindPort)
	if err != nil {
		return nil, fmt.Errorf("list switch ports: %w", err)
	}
	out := []Port{}
	for _, r := range all {
		pp, err := publicPort(v, r)
		if errors.Is(err, errHidden) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list switch ports: %w", err)
		}
		out = append(out, pp)
	}
	slices.SortFunc(out, byName(func(p Port) string { return p.Name }))
	return out, nil
}

// ConnectPort connects a disconnected switch port to a VM's network adapter
// (to.VM and to.Adapter) or to an internal Ethernet port (to.InternalPort).
// The adapter or internal port must not be connected elsewhere. Needs
// Connect Virtual Switch Port in the port's and the switch's scope, and
// Reconfigure Virtual Machine in the VM's scope (connecting an adapter
// reconfigures the VM) or Modify Internal Ethernet Port.
func (e *Engine) ConnectPort(ctx context.Context, c directory.ClientContext, port string, to Connection) (Port, error) {
	// A bad request is decided like any other (on the port alone), then
	// refused.
	args := []arg{named(rolePort, port)}
	var bad error
	switch {
	case to.InternalPort != "" && (to.VM != "" || to.Adapter != ""):
		bad = invalidf("switch port %q: connect to a VM adapter or an internal port, not both", port)
	case to.InternalPort != "":
		args = append(args, named(roleConnInternal, to.InternalPort))
	case to.VM == "" || to.Adapter == "":
		bad = invalidf("switch port %q: connection needs a VM and adapter name, or an internal port", port)
	default:
		args = append(args, named(roleConnVM, to.VM))
	}
	var out Port
	err := e.gated(ctx, c, "ConnectPort", func(v *view, ids map[role]string) error {
		if bad != nil {
			return bad
		}
		link := PortLink{VMID: ids[roleConnVM], Adapter: to.Adapter}
		if to.InternalPort != "" {
			link = PortLink{InternalID: ids[roleConnInternal]}
		}
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		r, err := b.ConnectPort(ctx, g, ids[rolePort], link)
		if err != nil {
			return err
		}
		out, err = publicPort(v, r)
		return err
	}, args...)
	return out, err
}

// DisconnectPort disconnects a connected switch port. Needs Disconnect
// Virtual Switch Port in the port's and the switch's scope, and Reconfigure
// Virtual Machine in the connected VM's scope or Modify Internal Ethernet
// Port (disconnecting changes the other end too).
func (e *Engine) DisconnectPort(ctx context.Context, c directory.ClientContext, port string) (Port, error) {
	var out Port
	err := e.gated(ctx, c, "DisconnectPort", func(v *view, ids map[role]string) error {
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		r, err := b.DisconnectPort(ctx, g, ids[rolePort])
		if err != nil {
			return err
		}
		out, err = publicPort(v, r)
		return err
	}, named(rolePort, port))
	return out, err
}

// GetPortVLAN returns a switch port's VLAN setting. Needs View VLAN Settings
// in the port's and the switch's scope.
func (e *Engine) GetPortVLAN(ctx context.Context, c directory.ClientContext, port string) (VLAN, error) {
	var out VLAN
	err := e.gated(ctx, c, "GetPortVLAN", func(v *view, ids map[role]string) error {
		r, err := getAs[PortRecord](v, kindPort, ids[rolePort])
		out = r.VLAN
		return err
	}, named(rolePort, port))
	return out, err
}

// SetPortVLAN sets a switch port's access VLAN (1..4094), or makes it
// untagged (0). A backend whose switch cannot carry VLANs refuses with
// ErrUnsupported and leaves the setting as it was. Needs Change VLAN
// Configuration on Port in the port's and the switch's scope.
func (e *Engine) SetPortVLAN(ctx context.Context, c directory.ClientContext, port string, vlan VLAN) (VLAN, error) {
	var out VLAN
	err := e.gated(ctx, c, "SetPortVLAN", func(v *view, ids map[role]string) error {
		if vlan.AccessVLANID < 0 || vlan.AccessVLANID > maxVLAN {
			return invalidf("switch port %q: access VLAN %d out of range 1..%d (0 for untagged)", port, vlan.AccessVLANID, maxVLAN)
		}
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		r, err := b.SetPortVLAN(ctx, g, ids[rolePort], vlan)
		out = r.VLAN
		return err
	}, named(rolePort, port))
	return out, err
}

// Internal Ethernet ports (default scope).

// CreateInternalPort creates an internal Ethernet port. Needs Create
// Internal Ethernet Port in the default scope.
func (e *Engine) CreateInternalPort(ctx context.Context, c directory.ClientContext, spec InternalPortSpec) (InternalPort, error) {
	p, err := e.authorize(ctx, c, "CreateInternalPort", creates(kindInternal, spec.Name, scopes.Default))
	if err != nil {
		return InternalPort{}, err
	}
	if err := checkName("internal Ethernet port", spec.Name); err != nil {
		return InternalPort{}, err
	}
	if err := checkNotes("internal Ethernet port", spec.Notes); err != nil {
		return InternalPort{}, err
	}
	b, err := e.view(ctx, p).creator(kindInternal, scopes.Default)
	if err != nil {
		return InternalPort{}, err
	}
	return b.CreateInternalPort(ctx, spec)
}

// DeleteInternalPort deletes an internal Ethernet port. One connected to a
// switch port is not deleted (the port, maybe in another scope, would
// change): disconnect it first. Needs Delete Internal Ethernet Port in the
// default scope.
func (e *Engine) DeleteInternalPort(ctx context.Context, c directory.ClientContext, name string) error {
	return e.deleteNamed(ctx, c, "DeleteInternalPort", roleInternal, name, Backend.DeleteInternalPort)
}

// ModifyInternalPort renames an internal Ethernet port or changes its notes.
// Needs Modify Internal Ethernet Port in the default scope.
func (e *Engine) ModifyInternalPort(ctx context.Context, c directory.ClientContext, name string, u InternalPortUpdate) (InternalPort, error) {
	var out InternalPort
	err := e.gated(ctx, c, "ModifyInternalPort", func(v *view, ids map[role]string) error {
		if err := checkUpdate("internal Ethernet port", u.Name, u.Notes, nil); err != nil {
			return err
		}
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		out, err = b.ModifyInternalPort(ctx, g, ids[roleInternal], u)
		return err
	}, named(roleInternal, name))
	if err != nil {
		return InternalPort{}, err
	}
	return out, nil
}

// ListInternalPorts returns the internal Ethernet ports by name. Needs View
// Internal Ethernet Ports in the default scope.
func (e *Engine) ListInternalPorts(ctx context.Context, c directory.ClientContext) ([]InternalPort, error) {
	var out []InternalPort
	err := e.gated(ctx, c, "ListInternalPorts", func(v *view, _ map[role]string) error {
		var err error
		out, err = readable[InternalPort](v, kindInternal)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list internal Ethernet ports: %w", err)
	}
	if out == nil {
		out = []InternalPort{}
	}
	slices.SortFunc(out, byName(func(p InternalPort) string { return p.Name }))
	return out, nil
}

// External Ethernet ports.

// ListExternalPorts returns the host's network interfaces and whether a
// switch is bound to each. Needs View External Ethernet Ports in the default
// scope.
func (e *Engine) ListExternalPorts(ctx context.Context, c directory.ClientContext) ([]ExternalPort, error) {
	var out []ExternalPort
	err := e.gated(ctx, c, "ListExternalPorts", func(v *view, _ map[role]string) error {
		b, err := v.kindWide(kindExternal, readOnly)
		if err != nil {
			return err
		}
		out, err = b.HostInterfaces(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list external Ethernet ports: %w", err)
	}
	if out == nil {
		out = []ExternalPort{}
	}
	return out, nil
}

// BindExternalPort binds a host interface to a virtual switch. The switch
// must be unbound and the interface bound to no other switch. Needs Bind
// External Ethernet Port in the switch's scope and in the default scope
// (the host's).
func (e *Engine) BindExternalPort(ctx context.Context, c directory.ClientContext, switchName, iface string) (Switch, error) {
	var out Switch
	err := e.gated(ctx, c, "BindExternalPort", func(v *view, ids map[role]string) error {
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		sw, err := b.BindExternal(ctx, g, ids[roleSwitch], iface)
		if err != nil {
			return err
		}
		out, err = publicSwitch(v, sw)
		return err
	}, named(roleSwitch, switchName), arg{role: roleExternal, name: iface})
	return out, err
}

// UnbindExternalPort unbinds the host interface bound to a virtual switch.
// Needs Unbind External Ethernet Port in the switch's scope and in the
// default scope (the host's).
func (e *Engine) UnbindExternalPort(ctx context.Context, c directory.ClientContext, switchName string) (Switch, error) {
	var out Switch
	err := e.gated(ctx, c, "UnbindExternalPort", func(v *view, ids map[role]string) error {
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		out, err = b.UnbindExternal(ctx, g, ids[roleSwitch])
		return err
	}, named(roleSwitch, switchName))
	return out, err
}

// ListLANEndpoints returns the endpoints on virtual switches the caller may
// view: every connected port (View LAN Endpoints in the port's and the
// switch's scope) and every bound host interface (in the switch's scope).
// What is at the other end (VM and adapter, internal port, host interface,
// and its MAC) is shown only where the caller may view it; otherwise the
// endpoint is marked hidden.
func (e *Engine) ListLANEndpoints(ctx context.Context, c directory.ClientContext) ([]LANEndpoint, error) {
	v, err := e.visible(ctx, c, "ListLANEndpoints")
	if err != nil {
		return nil, err
	}
	out, err := lanEndpoints(v)
	if err != nil {
		return nil, fmt.Errorf("list LAN endpoints: %w", err)
	}
	slices.SortFunc(out, func(a, b LANEndpoint) int {
		return cmp.Or(cmp.Compare(a.Switch, b.Switch), cmp.Compare(a.Port, b.Port), cmp.Compare(a.Target, b.Target))
	})
	return out, nil
}

func lanEndpoints(v *view) ([]LANEndpoint, error) {
	out := []LANEndpoint{}
	ports, err := readable[PortRecord](v, kindPort)
	if err != nil {
		return nil, err
	}
	for _, r := range ports {
		if r.Conn == nil {
			continue
		}
		sw, err := getAs[Switch](v, kindSwitch, r.SwitchID)
		if errors.Is(err, errHidden) {
			continue
		} else if err != nil {
			return nil, err
		}
		cn, mac, err := resolveConn(v, *r.Conn)
		if err != nil {
			return nil, err
		}
		ep := LANEndpoint{Switch: sw.Name, Port: r.Name, Kind: "vm", MAC: mac, Scope: r.Scope, Hidden: cn.Hidden}
		switch {
		case r.Conn.InternalID != "":
			ep.Kind, ep.Target = "internal", cn.InternalPort
		case !cn.Hidden:
			ep.Target = cn.VM + "/" + cn.Adapter
		}
		out = append(out, ep)
	}
	switches, err := readable[Switch](v, kindSwitch)
	if err != nil {
		return nil, err
	}
	var host map[string]ExternalPort
	if b, err := v.kindWide(kindExternal, readOnly); err == nil {
		ifs, err := b.HostInterfaces(v.ctx)
		if err != nil {
			return nil, err
		}
		host = map[string]ExternalPort{}
		for _, x := range ifs {
			host[x.Name] = x
		}
	}
	for _, sw := range switches {
		if sw.External == "" {
			continue
		}
		ep := LANEndpoint{Switch: sw.Name, Kind: "external", Scope: sw.Scope, Hidden: host == nil}
		if host != nil {
			ep.Target = sw.External
			ep.MAC = host[sw.External].MAC
		}
		out = append(out, ep)
	}
	return out, nil
}
