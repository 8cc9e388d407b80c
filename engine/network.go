package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/scopes"

	"github.com/azgate/azgate/internal/names"
)

// portRec is a stored switch port: it refers to its switch and connection
// by ID, so renames need no rewriting.
type portRec struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	SwitchID string    `json:"switchId"`
	Notes    string    `json:"notes"`
	Scope    string    `json:"scope"`
	VLAN     VLAN      `json:"vlan"`
	Conn     *connRec  `json:"conn,omitempty"`
	Created  time.Time `json:"created"`
}

// connRec is a stored connection: a VM adapter or an internal port.
type connRec struct {
	VMID       string `json:"vmId,omitempty"`
	Adapter    string `json:"adapter,omitempty"`
	InternalID string `json:"internalId,omitempty"`
}

func byName[T any](name func(T) string) func(a, b T) int {
	return func(a, b T) int { return cmp.Compare(names.Key(name(a)), names.Key(name(b))) }
}

// publicPort resolves a port record's references to names. A connection
// to an object the caller may not view is shown as hidden; a port on a
// switch the caller may not view is errHidden (lists leave it out).
func publicPort(t txn, r portRec) (Port, error) {
	p := Port{ID: r.ID, Name: r.Name, Notes: r.Notes, Scope: r.Scope, VLAN: r.VLAN, Created: r.Created}
	var sw Switch
	if err := t.get(kindSwitch, r.SwitchID, &sw); err != nil {
		return Port{}, fmt.Errorf("switch port %q: %w", r.Name, err)
	}
	p.Switch = sw.Name
	if r.Conn != nil {
		cn, _, err := resolveConn(t, *r.Conn)
		if err != nil {
			return Port{}, fmt.Errorf("switch port %q: %w", r.Name, err)
		}
		p.Connection = &cn
	}
	return p, nil
}

// resolveConn names what a connection record points at and its MAC; when
// the caller may not view it, the connection says only that it is hidden.
func resolveConn(t txn, c connRec) (Connection, string, error) {
	if c.InternalID != "" {
		var ip InternalPort
		if err := t.get(kindInternal, c.InternalID, &ip); err != nil {
			return hiddenConn(err)
		}
		return Connection{InternalPort: ip.Name}, ip.MAC, nil
	}
	var vm VM
	if err := t.get(kindVM, c.VMID, &vm); err != nil {
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
func publicSwitch(t txn, sw Switch) (Switch, error) {
	if sw.External == "" {
		return sw, nil
	}
	switch err := t.p.check(kindExternal, "", "", readOnly); {
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
	sw := Switch{ID: newID(), Name: spec.Name, Notes: spec.Notes, Scope: spec.Scope, Created: e.now().UTC()}
	if err := e.write(p, func(t txn) error { return t.put(kindSwitch, sw.ID, sw.Name, "", sw) }); err != nil {
		return Switch{}, fmt.Errorf("create virtual switch %q: %w", spec.Name, err)
	}
	return sw, nil
}

// DeleteSwitch deletes a virtual switch that has no ports; a bound host
// interface is unbound. A switch that still has ports, in any scope, is not
// deleted (409, naming none of them): their owners delete them first. Needs
// Delete Virtual Switch in the switch's scope, and Unbind External Ethernet
// Port in the default scope when the switch is bound.
func (e *Engine) DeleteSwitch(ctx context.Context, c directory.ClientContext, name string) error {
	return e.gated(ctx, c, "DeleteSwitch", true, func(t txn, ids map[role]string) error {
		id := ids[roleSwitch]
		var sw Switch
		if err := t.get(kindSwitch, id, &sw); err != nil {
			return err
		}
		ports, err := anyLinks(t, kindPort, func(l portLinks) bool { return l.SwitchID == id })
		if err != nil {
			return err
		}
		if ports {
			return fmt.Errorf("virtual switch %q: %w: it still has switch ports; delete them first", sw.Name, ErrInvalidState)
		}
		return t.del(kindSwitch, id, sw.Name)
	}, named(roleSwitch, name))
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
	err := e.gated(ctx, c, "ModifySwitch", true, func(t txn, ids map[role]string) error {
		id := ids[roleSwitch]
		var sw Switch
		if err := t.get(kindSwitch, id, &sw); err != nil {
			return err
		}
		old := sw.Name
		if u.Name != nil {
			if err := checkName("virtual switch", *u.Name); err != nil {
				return err
			}
			sw.Name = *u.Name
		}
		if u.Notes != nil {
			if err := checkNotes("virtual switch", *u.Notes); err != nil {
				return err
			}
			sw.Notes = *u.Notes
		}
		if u.Scope != nil {
			if err := checkScope("virtual switch", *u.Scope); err != nil {
				return err
			}
			sw.Scope = *u.Scope
		}
		if err := t.put(kindSwitch, id, sw.Name, old, sw); err != nil {
			return err
		}
		var err error
		out, err = publicSwitch(t, sw)
		return err
	}, args...)
	return out, err
}

// GetSwitch returns a virtual switch. Needs View Switches in its scope.
func (e *Engine) GetSwitch(ctx context.Context, c directory.ClientContext, name string) (Switch, error) {
	var out Switch
	err := e.gated(ctx, c, "GetSwitch", false, func(t txn, ids map[role]string) error {
		var sw Switch
		if err := t.get(kindSwitch, ids[roleSwitch], &sw); err != nil {
			return err
		}
		var err error
		out, err = publicSwitch(t, sw)
		return err
	}, named(roleSwitch, name))
	return out, err
}

// ListSwitches returns, by name, the virtual switches in scopes where the
// caller holds View Switches.
func (e *Engine) ListSwitches(ctx context.Context, c directory.ClientContext) ([]Switch, error) {
	p, err := e.visible(ctx, c, "ListSwitches")
	if err != nil {
		return nil, err
	}
	out := []Switch{}
	err = e.read(p, func(t txn) error {
		return each(t, kindSwitch, func(_ string, sw *Switch) error {
			pub, err := publicSwitch(t, *sw)
			out = append(out, pub)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list virtual switches: %w", err)
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
	err := e.gated(ctx, c, "CreatePort", true, func(t txn, ids map[role]string) error {
		if err := checkName("switch port", spec.Name); err != nil {
			return err
		}
		if err := checkScope("switch port", spec.Scope); err != nil {
			return err
		}
		if err := checkNotes("switch port", spec.Notes); err != nil {
			return err
		}
		r := portRec{ID: newID(), Name: spec.Name, SwitchID: ids[roleSwitch], Notes: spec.Notes, Scope: spec.Scope, Created: e.now().UTC()}
		if err := t.put(kindPort, r.ID, r.Name, "", r); err != nil {
			return fmt.Errorf("create switch port %q: %w", spec.Name, err)
		}
		var err error
		out, err = publicPort(t, r)
		return err
	}, creates(kindPort, spec.Name, spec.Scope), named(roleSwitch, spec.Switch))
	return out, err
}

// DeletePort deletes a switch port, disconnecting it. Needs Delete Virtual
// Switch Port in the port's and the switch's scope; when connected, also
// what disconnecting needs at the other end (see DisconnectPort).
func (e *Engine) DeletePort(ctx context.Context, c directory.ClientContext, name string) error {
	return e.gated(ctx, c, "DeletePort", true, func(t txn, ids map[role]string) error {
		var r portRec
		if err := t.get(kindPort, ids[rolePort], &r); err != nil {
			return err
		}
		if err := sameConn(&r, ids); err != nil {
			return err
		}
		return t.del(kindPort, r.ID, r.Name)
	}, named(rolePort, name))
}

// editPort loads a port, lets fn change it and stores it.
func editPort(t txn, id string, fn func(r *portRec) error) (portRec, error) {
	var r portRec
	if err := t.get(kindPort, id, &r); err != nil {
		return portRec{}, err
	}
	old := r.Name
	if err := fn(&r); err != nil {
		return portRec{}, err
	}
	return r, t.put(kindPort, id, r.Name, old, r)
}

// editPublicPort is editPort returning the public view of the result.
func editPublicPort(t txn, id string, fn func(r *portRec) error) (Port, error) {
	r, err := editPort(t, id, fn)
	if err != nil {
		return Port{}, err
	}
	return publicPort(t, r)
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
	err := e.gated(ctx, c, "ModifyPort", true, func(t txn, ids map[role]string) error {
		var err error
		out, err = editPublicPort(t, ids[rolePort], func(r *portRec) error {
			if u.Name != nil {
				if err := checkName("switch port", *u.Name); err != nil {
					return err
				}
				r.Name = *u.Name
			}
			if u.Notes != nil {
				if err := checkNotes("switch port", *u.Notes); err != nil {
					return err
				}
				r.Notes = *u.Notes
			}
			if u.Scope != nil {
				if err := checkScope("switch port", *u.Scope); err != nil {
					return err
				}
				r.Scope = *u.Scope
			}
			return nil
		})
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
	err := e.gated(ctx, c, "GetPort", false, func(t txn, ids map[role]string) error {
		var r portRec
		if err := t.get(kindPort, ids[rolePort], &r); err != nil {
			return err
		}
		var err error
		out, err = publicPort(t, r)
		return err
	}, named(rolePort, name))
	return out, err
}

// ListPorts returns, by name, the switch ports the caller may view: View
// Switch Ports in the port's scope and in its switch's. Connections are
// shown as in GetPort.
func (e *Engine) ListPorts(ctx context.Context, c directory.ClientContext) ([]Port, error) {
	p, err := e.visible(ctx, c, "ListPorts")
	if err != nil {
		return nil, err
	}
	out := []Port{}
	err = e.read(p, func(t txn) error {
		return each(t, kindPort, func(_ string, r *portRec) error {
			pp, err := publicPort(t, *r)
			if errors.Is(err, errHidden) {
				return nil
			}
			out = append(out, pp)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list switch ports: %w", err)
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
	err := e.gated(ctx, c, "ConnectPort", true, func(t txn, ids map[role]string) error {
		if bad != nil {
			return bad
		}
		var err error
		out, err = editPublicPort(t, ids[rolePort], func(r *portRec) error {
			if r.Conn != nil {
				return fmt.Errorf("switch port %q: %w: it is already connected; disconnect it first", r.Name, ErrInvalidState)
			}
			cn, err := connTarget(t, ids, to)
			if err != nil {
				return err
			}
			busy, err := anyLinks(t, kindPort, func(l portLinks) bool {
				x := l.Conn
				return x != nil && ((cn.InternalID != "" && x.InternalID == cn.InternalID) ||
					(cn.VMID != "" && x.VMID == cn.VMID && names.Equal(x.Adapter, cn.Adapter)))
			})
			if err != nil {
				return err
			}
			if busy {
				return fmt.Errorf("switch port %q: %w: the target is already connected to a switch port", r.Name, ErrInvalidState)
			}
			r.Conn = &cn
			return nil
		})
		return err
	}, args...)
	return out, err
}

// connTarget resolves a connection request to the objects decided.
func connTarget(t txn, ids map[role]string, to Connection) (connRec, error) {
	if to.InternalPort != "" {
		return connRec{InternalID: ids[roleConnInternal]}, nil
	}
	var vm VM
	if err := t.get(kindVM, ids[roleConnVM], &vm); err != nil {
		return connRec{}, err
	}
	for _, a := range vm.NetworkAdapters {
		if names.Equal(a.Name, to.Adapter) {
			return connRec{VMID: vm.ID, Adapter: a.Name}, nil
		}
	}
	return connRec{}, fmt.Errorf("network adapter %q of virtual machine %q: %w", to.Adapter, to.VM, ErrNotFound)
}

// DisconnectPort disconnects a connected switch port. Needs Disconnect
// Virtual Switch Port in the port's and the switch's scope, and Reconfigure
// Virtual Machine in the connected VM's scope or Modify Internal Ethernet
// Port (disconnecting changes the other end too).
func (e *Engine) DisconnectPort(ctx context.Context, c directory.ClientContext, port string) (Port, error) {
	var out Port
	err := e.gated(ctx, c, "DisconnectPort", true, func(t txn, ids map[role]string) error {
		var err error
		out, err = editPublicPort(t, ids[rolePort], func(r *portRec) error {
			if r.Conn == nil {
				return fmt.Errorf("switch port %q: %w: it is not connected", r.Name, ErrInvalidState)
			}
			if err := sameConn(r, ids); err != nil {
				return err
			}
			r.Conn = nil
			return nil
		})
		return err
	}, named(rolePort, port))
	return out, err
}

// sameConn checks that port r is still connected to what the call decided
// on (errChanged otherwise: the call is decided again).
func sameConn(r *portRec, ids map[role]string) error {
	var vm, internal string
	if r.Conn != nil {
		vm, internal = r.Conn.VMID, r.Conn.InternalID
	}
	if vm != ids[roleConnVM] || internal != ids[roleConnInternal] {
		return errChanged
	}
	return nil
}

// GetPortVLAN returns a switch port's VLAN setting. Needs View VLAN Settings
// in the port's and the switch's scope.
func (e *Engine) GetPortVLAN(ctx context.Context, c directory.ClientContext, port string) (VLAN, error) {
	var out VLAN
	err := e.gated(ctx, c, "GetPortVLAN", false, func(t txn, ids map[role]string) error {
		var r portRec
		if err := t.get(kindPort, ids[rolePort], &r); err != nil {
			return err
		}
		out = r.VLAN
		return nil
	}, named(rolePort, port))
	return out, err
}

// SetPortVLAN sets a switch port's access VLAN (1..4094), or makes it
// untagged (0). Needs Change VLAN Configuration on Port in the port's and
// the switch's scope.
func (e *Engine) SetPortVLAN(ctx context.Context, c directory.ClientContext, port string, v VLAN) (VLAN, error) {
	var out VLAN
	err := e.gated(ctx, c, "SetPortVLAN", true, func(t txn, ids map[role]string) error {
		r, err := editPort(t, ids[rolePort], func(r *portRec) error {
			if v.AccessVLANID < 0 || v.AccessVLANID > maxVLAN {
				return invalidf("switch port %q: access VLAN %d out of range 1..%d (0 for untagged)", r.Name, v.AccessVLANID, maxVLAN)
			}
			r.VLAN = v
			return nil
		})
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
	ip := InternalPort{ID: newID(), Name: spec.Name, MAC: newMAC(), Notes: spec.Notes, Created: e.now().UTC()}
	if err := e.write(p, func(t txn) error { return t.put(kindInternal, ip.ID, ip.Name, "", ip) }); err != nil {
		return InternalPort{}, fmt.Errorf("create internal Ethernet port %q: %w", spec.Name, err)
	}
	return ip, nil
}

// DeleteInternalPort deletes an internal Ethernet port. One connected to a
// switch port is not deleted (the port, maybe in another scope, would
// change): disconnect it first. Needs Delete Internal Ethernet Port in the
// default scope.
func (e *Engine) DeleteInternalPort(ctx context.Context, c directory.ClientContext, name string) error {
	return e.gated(ctx, c, "DeleteInternalPort", true, func(t txn, ids map[role]string) error {
		id := ids[roleInternal]
		var ip InternalPort
		if err := t.get(kindInternal, id, &ip); err != nil {
			return err
		}
		connected, err := anyLinks(t, kindPort, func(l portLinks) bool { return l.Conn != nil && l.Conn.InternalID == id })
		if err != nil {
			return err
		}
		if connected {
			return fmt.Errorf("internal Ethernet port %q: %w: it is connected to a switch port; disconnect it first", ip.Name, ErrInvalidState)
		}
		return t.del(kindInternal, id, ip.Name)
	}, named(roleInternal, name))
}

// ModifyInternalPort renames an internal Ethernet port or changes its notes.
// Needs Modify Internal Ethernet Port in the default scope.
func (e *Engine) ModifyInternalPort(ctx context.Context, c directory.ClientContext, name string, u InternalPortUpdate) (InternalPort, error) {
	var ip InternalPort
	err := e.gated(ctx, c, "ModifyInternalPort", true, func(t txn, ids map[role]string) error {
		id := ids[roleInternal]
		if err := t.get(kindInternal, id, &ip); err != nil {
			return err
		}
		old := ip.Name
		if u.Name != nil {
			if err := checkName("internal Ethernet port", *u.Name); err != nil {
				return err
			}
			ip.Name = *u.Name
		}
		if u.Notes != nil {
			if err := checkNotes("internal Ethernet port", *u.Notes); err != nil {
				return err
			}
			ip.Notes = *u.Notes
		}
		return t.put(kindInternal, id, ip.Name, old, ip)
	}, named(roleInternal, name))
	if err != nil {
		return InternalPort{}, err
	}
	return ip, nil
}

// ListInternalPorts returns the internal Ethernet ports by name. Needs View
// Internal Ethernet Ports in the default scope.
func (e *Engine) ListInternalPorts(ctx context.Context, c directory.ClientContext) ([]InternalPort, error) {
	out := []InternalPort{}
	err := e.gated(ctx, c, "ListInternalPorts", false, func(t txn, _ map[role]string) error {
		return each(t, kindInternal, func(_ string, ip *InternalPort) error {
			out = append(out, *ip)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list internal Ethernet ports: %w", err)
	}
	slices.SortFunc(out, byName(func(p InternalPort) string { return p.Name }))
	return out, nil
}

// External Ethernet ports.

// ListExternalPorts returns the host's network interfaces and whether a
// switch is bound to each. Needs View External Ethernet Ports in the default
// scope.
func (e *Engine) ListExternalPorts(ctx context.Context, c directory.ClientContext) ([]ExternalPort, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list host interfaces: %w", err)
	}
	bound := map[string]bool{}
	err = e.gated(ctx, c, "ListExternalPorts", false, func(t txn, _ map[role]string) error {
		_, err := anyLinks(t, kindSwitch, func(l switchLinks) bool {
			bound[l.External] = l.External != ""
			return false
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list external Ethernet ports: %w", err)
	}
	out := make([]ExternalPort, 0, len(ifs))
	for _, ifc := range ifs {
		x := ExternalPort{Name: ifc.Name, MAC: ifc.HardwareAddr.String(), MTU: ifc.MTU,
			Up: ifc.Flags&net.FlagUp != 0, Loopback: ifc.Flags&net.FlagLoopback != 0,
			Addrs: []string{}, Bound: bound[ifc.Name]}
		if addrs, err := ifc.Addrs(); err == nil {
			for _, a := range addrs {
				x.Addrs = append(x.Addrs, a.String())
			}
		}
		out = append(out, x)
	}
	return out, nil
}

// BindExternalPort binds a host interface to a virtual switch. The switch
// must be unbound and the interface bound to no other switch. Needs Bind
// External Ethernet Port in the switch's scope and in the default scope
// (the host's).
func (e *Engine) BindExternalPort(ctx context.Context, c directory.ClientContext, switchName, iface string) (Switch, error) {
	var out Switch
	err := e.gated(ctx, c, "BindExternalPort", true, func(t txn, ids map[role]string) error {
		if _, err := net.InterfaceByName(iface); err != nil {
			return fmt.Errorf("host interface %q: %w (%v)", iface, ErrNotFound, err)
		}
		var sw Switch
		if err := t.get(kindSwitch, ids[roleSwitch], &sw); err != nil {
			return err
		}
		if sw.External != "" {
			return fmt.Errorf("virtual switch %q: %w: already bound to %q", sw.Name, ErrInvalidState, sw.External)
		}
		taken, err := anyLinks(t, kindSwitch, func(l switchLinks) bool { return l.External == iface })
		if err != nil {
			return err
		}
		if taken {
			return fmt.Errorf("host interface %q: %w: already bound to a virtual switch", iface, ErrInvalidState)
		}
		sw.External = iface
		if err := t.put(kindSwitch, sw.ID, sw.Name, sw.Name, sw); err != nil {
			return err
		}
		out, err = publicSwitch(t, sw)
		return err
	}, named(roleSwitch, switchName), arg{role: roleExternal, name: iface})
	return out, err
}

// UnbindExternalPort unbinds the host interface bound to a virtual switch.
// Needs Unbind External Ethernet Port in the switch's scope and in the
// default scope (the host's).
func (e *Engine) UnbindExternalPort(ctx context.Context, c directory.ClientContext, switchName string) (Switch, error) {
	var out Switch
	err := e.gated(ctx, c, "UnbindExternalPort", true, func(t txn, ids map[role]string) error {
		var sw Switch
		if err := t.get(kindSwitch, ids[roleSwitch], &sw); err != nil {
			return err
		}
		if sw.External == "" {
			return fmt.Errorf("virtual switch %q: %w: no external port is bound", sw.Name, ErrInvalidState)
		}
		sw.External = ""
		out = sw
		return t.put(kindSwitch, sw.ID, sw.Name, sw.Name, sw)
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
	p, err := e.visible(ctx, c, "ListLANEndpoints")
	if err != nil {
		return nil, err
	}
	out := []LANEndpoint{}
	err = e.read(p, func(t txn) error {
		if err := each(t, kindPort, func(_ string, r *portRec) error {
			if r.Conn == nil {
				return nil
			}
			var sw Switch
			if err := t.get(kindSwitch, r.SwitchID, &sw); errors.Is(err, errHidden) {
				return nil
			} else if err != nil {
				return err
			}
			cn, mac, err := resolveConn(t, *r.Conn)
			if err != nil {
				return err
			}
			ep := LANEndpoint{Switch: sw.Name, Port: r.Name, Kind: "vm", MAC: mac, Scope: r.Scope, Hidden: cn.Hidden}
			switch {
			case r.Conn.InternalID != "":
				ep.Kind, ep.Target = "internal", cn.InternalPort
			case !cn.Hidden:
				ep.Target = cn.VM + "/" + cn.Adapter
			}
			out = append(out, ep)
			return nil
		}); err != nil {
			return err
		}
		host := t.p.check(kindExternal, "", "", readOnly) == nil
		return each(t, kindSwitch, func(_ string, sw *Switch) error {
			if sw.External == "" {
				return nil
			}
			ep := LANEndpoint{Switch: sw.Name, Kind: "external", Scope: sw.Scope, Hidden: !host}
			if host {
				ep.Target = sw.External
				if ifc, err := net.InterfaceByName(sw.External); err == nil {
					ep.MAC = ifc.HardwareAddr.String()
				}
			}
			out = append(out, ep)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list LAN endpoints: %w", err)
	}
	slices.SortFunc(out, func(a, b LANEndpoint) int {
		return cmp.Or(cmp.Compare(a.Switch, b.Switch), cmp.Compare(a.Port, b.Port), cmp.Compare(a.Target, b.Target))
	})
	return out, nil
}
