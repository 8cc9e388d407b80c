package client

import (
	"context"
	"net/http"

	"github.com/azgate/azgate/api"
)

// The management engine's calls. Each is decided by the gate in the scope
// of every object it touches: a denial is an *Error with status 403 (and
// errors.Is(err, ErrAccessDenied)); an object the caller may not view
// answers as a missing one (404).

// VMs lists the virtual machines the caller may view.
func (c *Client) VMs(ctx context.Context) ([]api.VM, error) { return items[api.VM](ctx, c, "/v1/vms") }

// VM reads a virtual machine.
func (c *Client) VM(ctx context.Context, name string) (api.VM, error) {
	return get[api.VM](ctx, c, "/v1/vms/"+seg(name))
}

// CreateVM creates a virtual machine.
func (c *Client) CreateVM(ctx context.Context, spec api.VMSpec) (api.VM, error) {
	return send[api.VM](ctx, c, http.MethodPost, "/v1/vms", spec)
}

// ReconfigureVM changes a virtual machine's set fields.
func (c *Client) ReconfigureVM(ctx context.Context, name string, u api.VMUpdate) (api.VM, error) {
	return send[api.VM](ctx, c, http.MethodPatch, "/v1/vms/"+seg(name), u)
}

// DeleteVM deletes a virtual machine.
func (c *Client) DeleteVM(ctx context.Context, name string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/v1/vms/" + seg(name)})
	return err
}

// VM state changes.
const (
	VMStart  = "start"  // Start Virtual Machine
	VMStop   = "stop"   // Stop Virtual Machine: turn it off
	VMSave   = "save"   // Stop Virtual Machine: save its state
	VMPause  = "pause"  // Pause and Restart Virtual Machine
	VMResume = "resume" // Pause and Restart Virtual Machine
)

// ChangeVMState starts, stops, saves, pauses or resumes a virtual machine
// (action is one of the VM constants).
func (c *Client) ChangeVMState(ctx context.Context, name, action string) (api.VM, error) {
	return send[api.VM](ctx, c, http.MethodPost, "/v1/vms/"+seg(name)+"/"+seg(action), nil)
}

// Console reads what a virtual machine's console shows.
func (c *Client) Console(ctx context.Context, name string) (api.Console, error) {
	return get[api.Console](ctx, c, "/v1/vms/"+seg(name)+"/console")
}

// SendConsoleInput types text on a virtual machine's console.
func (c *Client) SendConsoleInput(ctx context.Context, name, text string) error {
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/vms/" + seg(name) + "/console", body: api.ConsoleInput{Text: text}})
	return err
}

// SetVMScope moves a virtual machine to another authorization scope.
func (c *Client) SetVMScope(ctx context.Context, name, scope string) (api.VM, error) {
	return send[api.VM](ctx, c, http.MethodPut, "/v1/vms/"+seg(name)+"/scope", api.ScopeChange{Scope: scope})
}

// Snapshots lists a virtual machine's snapshots.
func (c *Client) Snapshots(ctx context.Context, vm string) ([]api.Snapshot, error) {
	return items[api.Snapshot](ctx, c, "/v1/vms/"+seg(vm)+"/snapshots")
}

// CreateSnapshot takes a snapshot.
func (c *Client) CreateSnapshot(ctx context.Context, vm, name string) (api.Snapshot, error) {
	return send[api.Snapshot](ctx, c, http.MethodPost, "/v1/vms/"+seg(vm)+"/snapshots", api.SnapshotSpec{Name: name})
}

// ApplySnapshot returns a virtual machine to a snapshot.
func (c *Client) ApplySnapshot(ctx context.Context, vm, snapshot string) (api.VM, error) {
	return send[api.VM](ctx, c, http.MethodPost, "/v1/vms/"+seg(vm)+"/snapshots/"+seg(snapshot)+"/apply", nil)
}

// DeleteSnapshot deletes a snapshot.
func (c *Client) DeleteSnapshot(ctx context.Context, vm, snapshot string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/v1/vms/" + seg(vm) + "/snapshots/" + seg(snapshot)})
	return err
}

// Switches lists the virtual switches the caller may view.
func (c *Client) Switches(ctx context.Context) ([]api.Switch, error) {
	return items[api.Switch](ctx, c, "/v1/switches")
}

// Switch reads a virtual switch.
func (c *Client) Switch(ctx context.Context, name string) (api.Switch, error) {
	return get[api.Switch](ctx, c, "/v1/switches/"+seg(name))
}

// CreateSwitch creates a virtual switch.
func (c *Client) CreateSwitch(ctx context.Context, spec api.SwitchSpec) (api.Switch, error) {
	return send[api.Switch](ctx, c, http.MethodPost, "/v1/switches", spec)
}

// ModifySwitch changes a virtual switch's set fields.
func (c *Client) ModifySwitch(ctx context.Context, name string, u api.SwitchUpdate) (api.Switch, error) {
	return send[api.Switch](ctx, c, http.MethodPatch, "/v1/switches/"+seg(name), u)
}

// DeleteSwitch deletes a virtual switch.
func (c *Client) DeleteSwitch(ctx context.Context, name string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/v1/switches/" + seg(name)})
	return err
}

// BindExternal binds a host interface to a virtual switch.
func (c *Client) BindExternal(ctx context.Context, sw, iface string) (api.Switch, error) {
	return send[api.Switch](ctx, c, http.MethodPut, "/v1/switches/"+seg(sw)+"/external", api.ExternalBinding{Interface: iface})
}

// UnbindExternal unbinds a virtual switch's host interface.
func (c *Client) UnbindExternal(ctx context.Context, sw string) (api.Switch, error) {
	return send[api.Switch](ctx, c, http.MethodDelete, "/v1/switches/"+seg(sw)+"/external", nil)
}

// Ports lists the switch ports the caller may view.
func (c *Client) Ports(ctx context.Context) ([]api.Port, error) {
	return items[api.Port](ctx, c, "/v1/switch-ports")
}

// Port reads a switch port.
func (c *Client) Port(ctx context.Context, name string) (api.Port, error) {
	return get[api.Port](ctx, c, "/v1/switch-ports/"+seg(name))
}

// CreatePort creates a switch port.
func (c *Client) CreatePort(ctx context.Context, spec api.PortSpec) (api.Port, error) {
	return send[api.Port](ctx, c, http.MethodPost, "/v1/switch-ports", spec)
}

// ModifyPort changes a switch port's set fields.
func (c *Client) ModifyPort(ctx context.Context, name string, u api.PortUpdate) (api.Port, error) {
	return send[api.Port](ctx, c, http.MethodPatch, "/v1/switch-ports/"+seg(name), u)
}

// DeletePort deletes a switch port.
func (c *Client) DeletePort(ctx context.Context, name string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/v1/switch-ports/" + seg(name)})
	return err
}

// ConnectPort connects a switch port to a VM's network adapter or an
// internal port.
func (c *Client) ConnectPort(ctx context.Context, name string, to api.Connection) (api.Port, error) {
	return send[api.Port](ctx, c, http.MethodPost, "/v1/switch-ports/"+seg(name)+"/connect", to)
}

// DisconnectPort disconnects a switch port.
func (c *Client) DisconnectPort(ctx context.Context, name string) (api.Port, error) {
	return send[api.Port](ctx, c, http.MethodPost, "/v1/switch-ports/"+seg(name)+"/disconnect", nil)
}

// PortVLAN reads a switch port's VLAN setting.
func (c *Client) PortVLAN(ctx context.Context, name string) (api.VLAN, error) {
	return get[api.VLAN](ctx, c, "/v1/switch-ports/"+seg(name)+"/vlan")
}

// SetPortVLAN changes a switch port's VLAN setting.
func (c *Client) SetPortVLAN(ctx context.Context, name string, v api.VLAN) (api.VLAN, error) {
	return send[api.VLAN](ctx, c, http.MethodPut, "/v1/switch-ports/"+seg(name)+"/vlan", v)
}

// InternalPorts lists the internal Ethernet ports.
func (c *Client) InternalPorts(ctx context.Context) ([]api.InternalPort, error) {
	return items[api.InternalPort](ctx, c, "/v1/internal-ports")
}

// CreateInternalPort creates an internal Ethernet port.
func (c *Client) CreateInternalPort(ctx context.Context, spec api.InternalPortSpec) (api.InternalPort, error) {
	return send[api.InternalPort](ctx, c, http.MethodPost, "/v1/internal-ports", spec)
}

// ModifyInternalPort changes an internal port's set fields.
func (c *Client) ModifyInternalPort(ctx context.Context, name string, u api.InternalPortUpdate) (api.InternalPort, error) {
	return send[api.InternalPort](ctx, c, http.MethodPatch, "/v1/internal-ports/"+seg(name), u)
}

// DeleteInternalPort deletes an internal Ethernet port.
func (c *Client) DeleteInternalPort(ctx context.Context, name string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/v1/internal-ports/" + seg(name)})
	return err
}

// ExternalPorts lists the host's external Ethernet ports.
func (c *Client) ExternalPorts(ctx context.Context) ([]api.ExternalPort, error) {
	return items[api.ExternalPort](ctx, c, "/v1/external-ports")
}

// LANEndpoints lists the LAN endpoints the caller may view.
func (c *Client) LANEndpoints(ctx context.Context) ([]api.LANEndpoint, error) {
	return items[api.LANEndpoint](ctx, c, "/v1/lan-endpoints")
}

// ServiceConfig reads the service configuration.
func (c *Client) ServiceConfig(ctx context.Context) (api.ServiceConfig, error) {
	return get[api.ServiceConfig](ctx, c, "/v1/service")
}

// SetServiceConfig changes the service configuration's set fields.
func (c *Client) SetServiceConfig(ctx context.Context, u api.ServiceUpdate) (api.ServiceConfig, error) {
	return send[api.ServiceConfig](ctx, c, http.MethodPatch, "/v1/service", u)
}

// SwitchService describes the virtual switch management service.
func (c *Client) SwitchService(ctx context.Context) (api.SwitchService, error) {
	return get[api.SwitchService](ctx, c, "/v1/service/switch-service")
}
