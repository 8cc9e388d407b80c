package client

import (
	"context"
	"fmt"

	"github.com/azgate/azgate/api"
)

// The management engine's calls. Each is decided by the gate in the scope
// of every object it touches: a denial is an *Error with status 403 (and
// errors.Is(err, ErrAccessDenied)); an object the caller may not view
// answers as a missing one (404).
//
// Each method calls the route of one gated engine method, as the server
// serves it: the route (HTTP method and path) is the method's
// api.EngineRoute, never restated here.

// engineDo calls the route of the gated engine method, its path variables
// filled with vars in order, sending body (nil: none), and decodes the
// answer into out (nil: discards it).
func engineDo(ctx context.Context, c *Client, method string, body, out any, vars ...string) error {
	r, ok := api.EngineRouteOf(method)
	if !ok {
		return fmt.Errorf("engine method %s: no such route", method)
	}
	path, err := r.Fill(vars...)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, request{method: r.Verb, path: path, body: body, out: out})
	return err
}

// engine calls a route that answers a T.
func engine[T any](ctx context.Context, c *Client, method string, body any, vars ...string) (T, error) {
	var v T
	err := engineDo(ctx, c, method, body, &v, vars...)
	return v, err
}

// engineList calls a listing route and returns its items.
func engineList[T any](ctx context.Context, c *Client, method string, vars ...string) ([]T, error) {
	l, err := engine[api.Listing[T]](ctx, c, method, nil, vars...)
	return l.Items, err
}

// engineNone calls a route that answers no document (204).
func engineNone(ctx context.Context, c *Client, method string, body any, vars ...string) error {
	return engineDo(ctx, c, method, body, nil, vars...)
}

// VMs lists the virtual machines the caller may view.
func (c *Client) VMs(ctx context.Context) ([]api.VM, error) {
	return engineList[api.VM](ctx, c, "ListVMs")
}

// VM reads a virtual machine.
func (c *Client) VM(ctx context.Context, name string) (api.VM, error) {
	return engine[api.VM](ctx, c, "GetVM", nil, name)
}

// CreateVM creates a virtual machine.
func (c *Client) CreateVM(ctx context.Context, spec api.VMSpec) (api.VM, error) {
	return engine[api.VM](ctx, c, "CreateVM", spec)
}

// ReconfigureVM changes a virtual machine's set fields.
func (c *Client) ReconfigureVM(ctx context.Context, name string, u api.VMUpdate) (api.VM, error) {
	return engine[api.VM](ctx, c, "ReconfigureVM", u, name)
}

// DeleteVM deletes a virtual machine.
func (c *Client) DeleteVM(ctx context.Context, name string) error {
	return engineNone(ctx, c, "DeleteVM", nil, name)
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
// (action is one of the VM constants; another is an error, nothing sent).
func (c *Client) ChangeVMState(ctx context.Context, name, action string) (api.VM, error) {
	method, ok := map[string]string{VMStart: "StartVM", VMStop: "StopVM", VMSave: "SaveVM", VMPause: "PauseVM", VMResume: "ResumeVM"}[action]
	if !ok {
		return api.VM{}, fmt.Errorf("VM action %q: want %s, %s, %s, %s or %s", action, VMStart, VMStop, VMSave, VMPause, VMResume)
	}
	return engine[api.VM](ctx, c, method, nil, name)
}

// Console reads what a virtual machine's console shows.
func (c *Client) Console(ctx context.Context, name string) (api.Console, error) {
	return engine[api.Console](ctx, c, "ReadConsole", nil, name)
}

// SendConsoleInput types text on a virtual machine's console.
func (c *Client) SendConsoleInput(ctx context.Context, name, text string) error {
	return engineNone(ctx, c, "SendConsoleInput", api.ConsoleInput{Text: text}, name)
}

// SetVMScope moves a virtual machine to another authorization scope.
func (c *Client) SetVMScope(ctx context.Context, name, scope string) (api.VM, error) {
	return engine[api.VM](ctx, c, "SetVMScope", api.ScopeChange{Scope: scope}, name)
}

// Snapshots lists a virtual machine's snapshots.
func (c *Client) Snapshots(ctx context.Context, vm string) ([]api.Snapshot, error) {
	return engineList[api.Snapshot](ctx, c, "ListSnapshots", vm)
}

// CreateSnapshot takes a snapshot.
func (c *Client) CreateSnapshot(ctx context.Context, vm, name string) (api.Snapshot, error) {
	return engine[api.Snapshot](ctx, c, "CreateSnapshot", api.SnapshotSpec{Name: name}, vm)
}

// ApplySnapshot returns a virtual machine to a snapshot.
func (c *Client) ApplySnapshot(ctx context.Context, vm, snapshot string) (api.VM, error) {
	return engine[api.VM](ctx, c, "ApplySnapshot", nil, vm, snapshot)
}

// DeleteSnapshot deletes a snapshot.
func (c *Client) DeleteSnapshot(ctx context.Context, vm, snapshot string) error {
	return engineNone(ctx, c, "DeleteSnapshot", nil, vm, snapshot)
}

// Switches lists the virtual switches the caller may view.
func (c *Client) Switches(ctx context.Context) ([]api.Switch, error) {
	return engineList[api.Switch](ctx, c, "ListSwitches")
}

// Switch reads a virtual switch.
func (c *Client) Switch(ctx context.Context, name string) (api.Switch, error) {
	return engine[api.Switch](ctx, c, "GetSwitch", nil, name)
}

// CreateSwitch creates a virtual switch.
func (c *Client) CreateSwitch(ctx context.Context, spec api.SwitchSpec) (api.Switch, error) {
	return engine[api.Switch](ctx, c, "CreateSwitch", spec)
}

// ModifySwitch changes a virtual switch's set fields.
func (c *Client) ModifySwitch(ctx context.Context, name string, u api.SwitchUpdate) (api.Switch, error) {
	return engine[api.Switch](ctx, c, "ModifySwitch", u, name)
}

// DeleteSwitch deletes a virtual switch.
func (c *Client) DeleteSwitch(ctx context.Context, name string) error {
	return engineNone(ctx, c, "DeleteSwitch", nil, name)
}

// BindExternal binds a host interface to a virtual switch.
func (c *Client) BindExternal(ctx context.Context, sw, iface string) (api.Switch, error) {
	return engine[api.Switch](ctx, c, "BindExternalPort", api.ExternalBinding{Interface: iface}, sw)
}

// UnbindExternal unbinds a virtual switch's host interface.
func (c *Client) UnbindExternal(ctx context.Context, sw string) (api.Switch, error) {
	return engine[api.Switch](ctx, c, "UnbindExternalPort", nil, sw)
}

// Ports lists the switch ports the caller may view.
func (c *Client) Ports(ctx context.Context) ([]api.Port, error) {
	return engineList[api.Port](ctx, c, "ListPorts")
}

// Port reads a switch port.
func (c *Client) Port(ctx context.Context, name string) (api.Port, error) {
	return engine[api.Port](ctx, c, "GetPort", nil, name)
}

// CreatePort creates a switch port.
func (c *Client) CreatePort(ctx context.Context, spec api.PortSpec) (api.Port, error) {
	return engine[api.Port](ctx, c, "CreatePort", spec)
}

// ModifyPort changes a switch port's set fields.
func (c *Client) ModifyPort(ctx context.Context, name string, u api.PortUpdate) (api.Port, error) {
	return engine[api.Port](ctx, c, "ModifyPort", u, name)
}

// DeletePort deletes a switch port.
func (c *Client) DeletePort(ctx context.Context, name string) error {
	return engineNone(ctx, c, "DeletePort", nil, name)
}

// ConnectPort connects a switch port to a VM's network adapter or an
// internal port.
func (c *Client) ConnectPort(ctx context.Context, name string, to api.Connection) (api.Port, error) {
	return engine[api.Port](ctx, c, "ConnectPort", to, name)
}

// DisconnectPort disconnects a switch port.
func (c *Client) DisconnectPort(ctx context.Context, name string) (api.Port, error) {
	return engine[api.Port](ctx, c, "DisconnectPort", nil, name)
}

// PortVLAN reads a switch port's VLAN setting.
func (c *Client) PortVLAN(ctx context.Context, name string) (api.VLAN, error) {
	return engine[api.VLAN](ctx, c, "GetPortVLAN", nil, name)
}

// SetPortVLAN changes a switch port's VLAN setting.
func (c *Client) SetPortVLAN(ctx context.Context, name string, v api.VLAN) (api.VLAN, error) {
	return engine[api.VLAN](ctx, c, "SetPortVLAN", v, name)
}

// InternalPorts lists the internal Ethernet ports.
func (c *Client) InternalPorts(ctx context.Context) ([]api.InternalPort, error) {
	return engineList[api.InternalPort](ctx, c, "ListInternalPorts")
}

// CreateInternalPort creates an internal Ethernet port.
func (c *Client) CreateInternalPort(ctx context.Context, spec api.InternalPortSpec) (api.InternalPort, error) {
	return engine[api.InternalPort](ctx, c, "CreateInternalPort", spec)
}

// ModifyInternalPort changes an internal port's set fields.
func (c *Client) ModifyInternalPort(ctx context.Context, name string, u api.InternalPortUpdate) (api.InternalPort, error) {
	return engine[api.InternalPort](ctx, c, "ModifyInternalPort", u, name)
}

// DeleteInternalPort deletes an internal Ethernet port.
func (c *Client) DeleteInternalPort(ctx context.Context, name string) error {
	return engineNone(ctx, c, "DeleteInternalPort", nil, name)
}

// ExternalPorts lists the host's external Ethernet ports.
func (c *Client) ExternalPorts(ctx context.Context) ([]api.ExternalPort, error) {
	return engineList[api.ExternalPort](ctx, c, "ListExternalPorts")
}

// LANEndpoints lists the LAN endpoints the caller may view.
func (c *Client) LANEndpoints(ctx context.Context) ([]api.LANEndpoint, error) {
	return engineList[api.LANEndpoint](ctx, c, "ListLANEndpoints")
}

// ServiceConfig reads the service configuration.
func (c *Client) ServiceConfig(ctx context.Context) (api.ServiceConfig, error) {
	return engine[api.ServiceConfig](ctx, c, "GetServiceConfig", nil)
}

// SetServiceConfig changes the service configuration's set fields.
func (c *Client) SetServiceConfig(ctx context.Context, u api.ServiceUpdate) (api.ServiceConfig, error) {
	return engine[api.ServiceConfig](ctx, c, "SetServiceConfig", u)
}

// SwitchService describes the virtual switch management service.
func (c *Client) SwitchService(ctx context.Context) (api.SwitchService, error) {
	return engine[api.SwitchService](ctx, c, "GetSwitchService", nil)
}
