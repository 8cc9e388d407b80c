package engine

import (
	"cmp"
	"context"
	"fmt"
	"github.com/azgate/azgate/scopes"
	"net"
	"slices"
	"time"

	"github.com/azgate/azgate/authz"
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

// publicPort resolves a port record's references to names.
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

// resolveConn names what a connection record points at and its MAC.
func resolveConn(t txn, c connRec) (Connection, string, error) {
	if c.InternalID != "" {
		var ip InternalPort
		if err := t.get(kindInternal, c.InternalID, &ip); err != nil {
			return Connection{}, "", err
		}
		return Connection{InternalPort: ip.Name}, ip.MAC, nil
	}
	var vm VM
	if err := t.get(kindVM, c.VMID, &vm); err != nil {
		return Connection{}, "", err
	}
	mac := ""
	for _, a := range vm.NetworkAdapters {
		if names.Equal(a.Name, c.Adapter) {
			mac = a.MAC
		}
	}
	return Connection{VM: vm.Name, Adapter: c.Adapter}, mac, nil
}

// connectedPort returns the name of the first port whose connection matches
// pred, or "".
func connectedPort(t txn, pred func(*connRec) bool) (string, error) {
	found := ""
	err := each(t, kindPort, func(_ string, p *portRec) error {
		if found == "" && p.Conn != nil && pred(p.Conn) {
			found = p.Name
		}
		return nil
	})
	return found, err
}

// disconnectWhere clears every port connection matching pred.
func disconnectWhere(t txn, pred func(*connRec) bool) error {
	var hit []portRec
	err := each(t, kindPort, func(_ string, p *portRec) error {
		if p.Conn != nil && pred(p.Conn) {
			p.Conn = nil
			hit = append(hit, *p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range hit {
		if err := t.put(kindPort, p.ID, p.Name, p.Name, p); err != nil {
			return err
		}
	}
	return nil
}

// Virtual switches.

// CreateSwitch creates a virtual switch in spec.Scope. Needs Create Virtual
// Switch in spec.Scope.
func (e *Engine) CreateSwitch(ctx context.Context, c authz.ClientContext, spec SwitchSpec) (Switch, error) {
	spec.Scope = scopes.Of(spec.Scope)
	p, err := e.authorize(ctx, c, "CreateSwitch", spec.Name, spec.Scope)
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

// DeleteSwitch deletes a virtual switch that has no ports (a bound external
// interface is unbound). Needs Delete Virtual Switch in the switch's scope.
func (e *Engine) DeleteSwitch(ctx context.Context, c authz.ClientContext, name string) error {
	return e.onObject(ctx, c, "DeleteSwitch", kindSwitch, name, nil, true, func(t txn, id string) error {
		var sw Switch
		if err := t.get(kindSwitch, id, &sw); err != nil {
			return err
		}
		n := 0
		if err := each(t, kindPort, func(_ string, p *portRec) error {
			if p.SwitchID == id {
				n++
			}
			return nil
		}); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("virtual switch %q: %w: it has %d ports; delete them first", sw.Name, ErrInvalidState, n)
		}
		return t.del(kindSwitch, id, sw.Name)
	})
}

// ModifySwitch renames a virtual switch, changes its notes or moves it to
// another scope. Needs Modify Switch Settings in the switch's scope, and in
// the new scope when u.Scope is set.
func (e *Engine) ModifySwitch(ctx context.Context, c authz.ClientContext, name string, u SwitchUpdate) (Switch, error) {
	var out Switch
	if u.Scope != nil {
		*u.Scope = scopes.Of(*u.Scope)
	}
	err := e.onObject(ctx, c, "ModifySwitch", kindSwitch, name, u.Scope, true, func(t txn, id string) error {
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
		out = sw
		return t.put(kindSwitch, id, sw.Name, old, sw)
	})
	return out, err
}

// GetSwitch returns a virtual switch. Needs View Switches in its scope.
func (e *Engine) GetSwitch(ctx context.Context, c authz.ClientContext, name string) (Switch, error) {
	var out Switch
	err := e.onObject(ctx, c, "GetSwitch", kindSwitch, name, nil, false, func(t txn, id string) error {
		return t.get(kindSwitch, id, &out)
	})
	return out, err
}

// ListSwitches returns, by name, the virtual switches in scopes where the
// caller holds View Switches.
func (e *Engine) ListSwitches(ctx context.Context, c authz.ClientContext) ([]Switch, error) {
	scopes, err := e.listScopes(kindSwitch)
	if err != nil {
		return nil, fmt.Errorf("list virtual switches: %w", err)
	}
	p, allowed, err := e.visible(ctx, c, "ListSwitches", scopes)
	if err != nil {
		return nil, err
	}
	out := []Switch{}
	err = e.read(p, func(t txn) error {
		return each(t, kindSwitch, func(_ string, sw *Switch) error {
			if allowed[sw.Scope] {
				out = append(out, *sw)
			}
			return nil
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
// Create Virtual Switch Port in spec.Scope.
func (e *Engine) CreatePort(ctx context.Context, c authz.ClientContext, spec PortSpec) (Port, error) {
	spec.Scope = scopes.Of(spec.Scope)
	p, err := e.authorize(ctx, c, "CreatePort", spec.Name, spec.Scope)
	if err != nil {
		return Port{}, err
	}
	if err := checkName("switch port", spec.Name); err != nil {
		return Port{}, err
	}
	if err := checkName("virtual switch", spec.Switch); err != nil {
		return Port{}, fmt.Errorf("switch port %q: %w", spec.Name, err)
	}
	if err := checkScope("switch port", spec.Scope); err != nil {
		return Port{}, err
	}
	if err := checkNotes("switch port", spec.Notes); err != nil {
		return Port{}, err
	}
	var out Port
	err = e.write(p, func(t txn) error {
		swID := t.idByName(kindSwitch, spec.Switch)
		if swID == "" {
			return notFound(kindSwitch, spec.Switch)
		}
		r := portRec{ID: newID(), Name: spec.Name, SwitchID: swID, Notes: spec.Notes, Scope: spec.Scope, Created: e.now().UTC()}
		if err := t.put(kindPort, r.ID, r.Name, "", r); err != nil {
			return err
		}
		out, err = publicPort(t, r)
		return err
	})
	if err != nil {
		return Port{}, fmt.Errorf("create switch port %q: %w", spec.Name, err)
	}
	return out, nil
}

// DeletePort deletes a switch port, disconnecting it. Needs Delete Virtual
// Switch Port in the port's scope.
func (e *Engine) DeletePort(ctx context.Context, c authz.ClientContext, name string) error {
	return e.onObject(ctx, c, "DeletePort", kindPort, name, nil, true, func(t txn, id string) error {
		var r portRec
		if err := t.get(kindPort, id, &r); err != nil {
			return err
		}
		return t.del(kindPort, id, r.Name)
	})
}

// editPort loads a port, lets fn change it, stores and returns it.
func editPort(t txn, id string, fn func(r *portRec) error) (Port, error) {
	var r portRec
	if err := t.get(kindPort, id, &r); err != nil {
		return Port{}, err
	}
	old := r.Name
	if err := fn(&r); err != nil {
		return Port{}, err
	}
	if err := t.put(kindPort, id, r.Name, old, r); err != nil {
		return Port{}, err
	}
	return publicPort(t, r)
}

// ModifyPort renames a switch port, changes its notes or moves it to
// another scope. Needs Modify Switch Port Settings in the port's scope, and
// in the new scope when u.Scope is set.
func (e *Engine) ModifyPort(ctx context.Context, c authz.ClientContext, name string, u PortUpdate) (Port, error) {
	var out Port
	if u.Scope != nil {
		*u.Scope = scopes.Of(*u.Scope)
	}
	err := e.onObject(ctx, c, "ModifyPort", kindPort, name, u.Scope, true, func(t txn, id string) error {
		var err error
		out, err = editPort(t, id, func(r *portRec) error {
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
	})
	return out, err
}

// GetPort returns a switch port. Needs View Switch Ports in its scope.
func (e *Engine) GetPort(ctx context.Context, c authz.ClientContext, name string) (Port, error) {
	var out Port
	err := e.onObject(ctx, c, "GetPort", kindPort, name, nil, false, func(t txn, id string) error {
		var r portRec
		if err := t.get(kindPort, id, &r); err != nil {
			return err
		}
		var err error
		out, err = publicPort(t, r)
		return err
	})
	return out, err
}

// ListPorts returns, by name, the switch ports in scopes where the caller
// holds View Switch Ports.
func (e *Engine) ListPorts(ctx context.Context, c authz.ClientContext) ([]Port, error) {
	scopes, err := e.listScopes(kindPort)
	if err != nil {
		return nil, fmt.Errorf("list switch ports: %w", err)
	}
	p, allowed, err := e.visible(ctx, c, "ListPorts", scopes)
	if err != nil {
		return nil, err
	}
	out := []Port{}
	err = e.read(p, func(t txn) error {
		return each(t, kindPort, func(_ string, r *portRec) error {
			if !allowed[r.Scope] {
				return nil
			}
			pp, err := publicPort(t, *r)
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
// Connect Virtual Switch Port in the port's scope.
func (e *Engine) ConnectPort(ctx context.Context, c authz.ClientContext, port string, to Connection) (Port, error) {
	var out Port
	err := e.onObject(ctx, c, "ConnectPort", kindPort, port, nil, true, func(t txn, id string) error {
		var err error
		out, err = editPort(t, id, func(r *portRec) error {
			if r.Conn != nil {
				return fmt.Errorf("switch port %q: %w: it is already connected; disconnect it first", r.Name, ErrInvalidState)
			}
			cn, err := connTarget(t, r.Name, to)
			if err != nil {
				return err
			}
			other, err := connectedPort(t, func(x *connRec) bool {
				return (cn.InternalID != "" && x.InternalID == cn.InternalID) ||
					(cn.VMID != "" && x.VMID == cn.VMID && names.Equal(x.Adapter, cn.Adapter))
			})
			if err != nil {
				return err
			}
			if other != "" {
				return fmt.Errorf("switch port %q: %w: the target is already connected to port %q", r.Name, ErrInvalidState, other)
			}
			r.Conn = &cn
			return nil
		})
		return err
	})
	return out, err
}

// connTarget validates and resolves a connection request.
func connTarget(t txn, port string, to Connection) (connRec, error) {
	switch {
	case to.InternalPort != "" && (to.VM != "" || to.Adapter != ""):
		return connRec{}, invalidf("switch port %q: connect to a VM adapter or an internal port, not both", port)
	case to.InternalPort != "":
		id := t.idByName(kindInternal, to.InternalPort)
		if id == "" {
			return connRec{}, notFound(kindInternal, to.InternalPort)
		}
		return connRec{InternalID: id}, nil
	case to.VM == "" || to.Adapter == "":
		return connRec{}, invalidf("switch port %q: connection needs a VM and adapter name, or an internal port", port)
	}
	var vm VM
	vmID, err := t.getByName(kindVM, to.VM, &vm)
	if err != nil {
		return connRec{}, err
	}
	for _, a := range vm.NetworkAdapters {
		if names.Equal(a.Name, to.Adapter) {
			return connRec{VMID: vmID, Adapter: a.Name}, nil
		}
	}
	return connRec{}, fmt.Errorf("network adapter %q of virtual machine %q: %w", to.Adapter, vm.Name, ErrNotFound)
}

// DisconnectPort disconnects a connected switch port. Needs Disconnect
// Virtual Switch Port in the port's scope.
func (e *Engine) DisconnectPort(ctx context.Context, c authz.ClientContext, port string) (Port, error) {
	var out Port
	err := e.onObject(ctx, c, "DisconnectPort", kindPort, port, nil, true, func(t txn, id string) error {
		var err error
		out, err = editPort(t, id, func(r *portRec) error {
			if r.Conn == nil {
				return fmt.Errorf("switch port %q: %w: it is not connected", r.Name, ErrInvalidState)
			}
			r.Conn = nil
			return nil
		})
		return err
	})
	return out, err
}

// GetPortVLAN returns a switch port's VLAN setting. Needs View VLAN Settings
// in the port's scope.
func (e *Engine) GetPortVLAN(ctx context.Context, c authz.ClientContext, port string) (VLAN, error) {
	var out VLAN
	err := e.onObject(ctx, c, "GetPortVLAN", kindPort, port, nil, false, func(t txn, id string) error {
		var r portRec
		if err := t.get(kindPort, id, &r); err != nil {
			return err
		}
		out = r.VLAN
		return nil
	})
	return out, err
}

// SetPortVLAN sets a switch port's access VLAN (1..4094), or makes it
// untagged (0). Needs Change VLAN Configuration on Port in the port's scope.
func (e *Engine) SetPortVLAN(ctx context.Context, c authz.ClientContext, port string, v VLAN) (VLAN, error) {
	var out VLAN
	err := e.onObject(ctx, c, "SetPortVLAN", kindPort, port, nil, true, func(t txn, id string) error {
		p, err := editPort(t, id, func(r *portRec) error {
			if v.AccessVLANID < 0 || v.AccessVLANID > maxVLAN {
				return invalidf("switch port %q: access VLAN %d out of range 1..%d (0 for untagged)", r.Name, v.AccessVLANID, maxVLAN)
			}
			r.VLAN = v
			return nil
		})
		out = p.VLAN
		return err
	})
	return out, err
}

// Internal Ethernet ports (default scope).

// CreateInternalPort creates an internal Ethernet port. Needs Create
// Internal Ethernet Port in the default scope.
func (e *Engine) CreateInternalPort(ctx context.Context, c authz.ClientContext, spec InternalPortSpec) (InternalPort, error) {
	p, err := e.authorize(ctx, c, "CreateInternalPort", spec.Name)
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

// DeleteInternalPort deletes an internal Ethernet port, disconnecting the
// switch port it is connected to. Needs Delete Internal Ethernet Port in the
// default scope.
func (e *Engine) DeleteInternalPort(ctx context.Context, c authz.ClientContext, name string) error {
	p, err := e.authorize(ctx, c, "DeleteInternalPort", name)
	if err != nil {
		return err
	}
	return e.write(p, func(t txn) error {
		var ip InternalPort
		id, err := t.getByName(kindInternal, name, &ip)
		if err != nil {
			return err
		}
		if err := disconnectWhere(t, func(cn *connRec) bool { return cn.InternalID == id }); err != nil {
			return err
		}
		return t.del(kindInternal, id, ip.Name)
	})
}

// ModifyInternalPort renames an internal Ethernet port or changes its notes.
// Needs Modify Internal Ethernet Port in the default scope.
func (e *Engine) ModifyInternalPort(ctx context.Context, c authz.ClientContext, name string, u InternalPortUpdate) (InternalPort, error) {
	p, err := e.authorize(ctx, c, "ModifyInternalPort", name)
	if err != nil {
		return InternalPort{}, err
	}
	var ip InternalPort
	err = e.write(p, func(t txn) error {
		id, err := t.getByName(kindInternal, name, &ip)
		if err != nil {
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
	})
	if err != nil {
		return InternalPort{}, err
	}
	return ip, nil
}

// ListInternalPorts returns the internal Ethernet ports by name. Needs View
// Internal Ethernet Ports in the default scope.
func (e *Engine) ListInternalPorts(ctx context.Context, c authz.ClientContext) ([]InternalPort, error) {
	p, err := e.authorize(ctx, c, "ListInternalPorts", "")
	if err != nil {
		return nil, err
	}
	out := []InternalPort{}
	err = e.read(p, func(t txn) error {
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

// ListExternalPorts returns the host's network interfaces and the switch
// each is bound to. Needs View External Ethernet Ports in the default scope.
func (e *Engine) ListExternalPorts(ctx context.Context, c authz.ClientContext) ([]ExternalPort, error) {
	p, err := e.authorize(ctx, c, "ListExternalPorts", "")
	if err != nil {
		return nil, err
	}
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list host interfaces: %w", err)
	}
	bound := map[string]bool{}
	err = e.read(p, func(t txn) error {
		return each(t, kindSwitch, func(_ string, sw *Switch) error {
			if sw.External != "" {
				bound[sw.External] = true
			}
			return nil
		})
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
// External Ethernet Port in the switch's scope.
func (e *Engine) BindExternalPort(ctx context.Context, c authz.ClientContext, switchName, iface string) (Switch, error) {
	var out Switch
	err := e.onObject(ctx, c, "BindExternalPort", kindSwitch, switchName, nil, true, func(t txn, id string) error {
		if _, err := net.InterfaceByName(iface); err != nil {
			return fmt.Errorf("host interface %q: %w (%v)", iface, ErrNotFound, err)
		}
		var sw Switch
		if err := t.get(kindSwitch, id, &sw); err != nil {
			return err
		}
		if sw.External != "" {
			return fmt.Errorf("virtual switch %q: %w: already bound to %q", sw.Name, ErrInvalidState, sw.External)
		}
		other := ""
		if err := each(t, kindSwitch, func(_ string, s *Switch) error {
			if s.External == iface {
				other = s.Name
			}
			return nil
		}); err != nil {
			return err
		}
		if other != "" {
			return fmt.Errorf("host interface %q: %w: already bound to virtual switch %q", iface, ErrInvalidState, other)
		}
		sw.External = iface
		out = sw
		return t.put(kindSwitch, id, sw.Name, sw.Name, sw)
	})
	return out, err
}

// UnbindExternalPort unbinds the host interface bound to a virtual switch.
// Needs Unbind External Ethernet Port in the switch's scope.
func (e *Engine) UnbindExternalPort(ctx context.Context, c authz.ClientContext, switchName string) (Switch, error) {
	var out Switch
	err := e.onObject(ctx, c, "UnbindExternalPort", kindSwitch, switchName, nil, true, func(t txn, id string) error {
		var sw Switch
		if err := t.get(kindSwitch, id, &sw); err != nil {
			return err
		}
		if sw.External == "" {
			return fmt.Errorf("virtual switch %q: %w: no external port is bound", sw.Name, ErrInvalidState)
		}
		sw.External = ""
		out = sw
		return t.put(kindSwitch, id, sw.Name, sw.Name, sw)
	})
	return out, err
}

// ListLANEndpoints returns the endpoints on virtual switches: every
// connected port (in the port's scope) and every bound host interface (in
// the switch's scope), where the caller holds View LAN Endpoints.
func (e *Engine) ListLANEndpoints(ctx context.Context, c authz.ClientContext) ([]LANEndpoint, error) {
	scopes, err := e.listScopes(kindPort, kindSwitch)
	if err != nil {
		return nil, fmt.Errorf("list LAN endpoints: %w", err)
	}
	p, allowed, err := e.visible(ctx, c, "ListLANEndpoints", scopes)
	if err != nil {
		return nil, err
	}
	out := []LANEndpoint{}
	err = e.read(p, func(t txn) error {
		if err := each(t, kindPort, func(_ string, r *portRec) error {
			if r.Conn == nil || !allowed[r.Scope] {
				return nil
			}
			var sw Switch
			if err := t.get(kindSwitch, r.SwitchID, &sw); err != nil {
				return err
			}
			cn, mac, err := resolveConn(t, *r.Conn)
			if err != nil {
				return err
			}
			ep := LANEndpoint{Switch: sw.Name, Port: r.Name, Kind: "vm", Target: cn.VM + "/" + cn.Adapter, MAC: mac, Scope: r.Scope}
			if cn.InternalPort != "" {
				ep.Kind, ep.Target = "internal", cn.InternalPort
			}
			out = append(out, ep)
			return nil
		}); err != nil {
			return err
		}
		return each(t, kindSwitch, func(_ string, sw *Switch) error {
			if sw.External == "" || !allowed[sw.Scope] {
				return nil
			}
			ep := LANEndpoint{Switch: sw.Name, Kind: "external", Target: sw.External, Scope: sw.Scope}
			if ifc, err := net.InterfaceByName(sw.External); err == nil {
				ep.MAC = ifc.HardwareAddr.String()
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
