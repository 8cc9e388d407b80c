package server

import (
	"context"
	"net/http"
	"net/url"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/engine"
)

// list wraps items in a listing, [] for none.
func list[T any](items []T) api.Listing[T] {
	if items == nil {
		items = []T{}
	}
	return api.Listing[T]{Items: items}
}

// engineRoutes are the routes of the management engine. Each calls one
// gated engine method with the authenticated caller; the engine decides.
func (s *Server) engineRoutes() []route {
	e := s.eng
	const (
		vm  = "engine: virtual machines"
		net = "engine: networking"
		svc = "engine: service"
	)
	return []route{
		// Virtual machines.
		{name: "listVMs", method: http.MethodGet, path: "/v1/vms", tag: vm, summary: "List the virtual machines the caller may view",
			needs: "View Virtual Machine Configuration, in each VM's scope", resp: api.Listing[engine.VM]{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				c, _ := clientFrom(r.Context())
				vms, err := e.ListVMs(r.Context(), c)
				return reply(w, http.StatusOK, list(vms), err)
			}},
		{name: "createVM", method: http.MethodPost, path: "/v1/vms", tag: vm, summary: "Create a virtual machine",
			needs: "Create Virtual Machine, in the target scope", body: engine.VMSpec{}, resp: engine.VM{}, status: http.StatusCreated,
			h: func(w http.ResponseWriter, r *http.Request) error {
				var spec engine.VMSpec
				if err := decodeBody(r, &spec); err != nil {
					return err
				}
				c, _ := clientFrom(r.Context())
				v, err := e.CreateVM(r.Context(), c, spec)
				if err == nil {
					w.Header().Set("Location", "/v1/vms/"+url.PathEscape(v.Name))
				}
				return reply(w, http.StatusCreated, v, err)
			}},
		{name: "getVM", method: http.MethodGet, path: "/v1/vms/{name}", tag: vm, summary: "View a virtual machine's configuration",
			needs: "View Virtual Machine Configuration", resp: engine.VM{},
			h: s.vmCall(e.GetVM)},
		{name: "reconfigureVM", method: http.MethodPatch, path: "/v1/vms/{name}", tag: vm, summary: "Reconfigure a virtual machine",
			needs: "Reconfigure Virtual Machine", body: engine.VMUpdate{}, resp: engine.VM{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				var u engine.VMUpdate
				if err := decodeBody(r, &u); err != nil {
					return err
				}
				c, _ := clientFrom(r.Context())
				v, err := e.ReconfigureVM(r.Context(), c, pathVar(r, "name"), u)
				return reply(w, http.StatusOK, v, err)
			}},
		{name: "deleteVM", method: http.MethodDelete, path: "/v1/vms/{name}", tag: vm, summary: "Delete a virtual machine",
			needs: "Delete Virtual Machine", status: http.StatusNoContent,
			h: s.nameDelete(e.DeleteVM)},
		{name: "startVM", method: http.MethodPost, path: "/v1/vms/{name}/start", tag: vm, summary: "Start a virtual machine",
			needs: "Start Virtual Machine", resp: engine.VM{}, h: s.vmCall(e.StartVM)},
		{name: "stopVM", method: http.MethodPost, path: "/v1/vms/{name}/stop", tag: vm, summary: "Turn a virtual machine off",
			needs: "Stop Virtual Machine", resp: engine.VM{}, h: s.vmCall(e.StopVM)},
		{name: "saveVM", method: http.MethodPost, path: "/v1/vms/{name}/save", tag: vm, summary: "Save a virtual machine's state",
			needs: "Stop Virtual Machine", resp: engine.VM{}, h: s.vmCall(e.SaveVM)},
		{name: "pauseVM", method: http.MethodPost, path: "/v1/vms/{name}/pause", tag: vm, summary: "Pause a running virtual machine",
			needs: "Pause and Restart Virtual Machine", resp: engine.VM{}, h: s.vmCall(e.PauseVM)},
		{name: "resumeVM", method: http.MethodPost, path: "/v1/vms/{name}/resume", tag: vm, summary: "Resume a paused virtual machine",
			needs: "Pause and Restart Virtual Machine", resp: engine.VM{}, h: s.vmCall(e.ResumeVM)},
		{name: "readConsole", method: http.MethodGet, path: "/v1/vms/{name}/console", tag: vm, summary: "Read what the console shows",
			needs: "Allow Output from Virtual Machine", resp: engine.Console{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				c, _ := clientFrom(r.Context())
				out, err := e.ReadConsole(r.Context(), c, pathVar(r, "name"))
				return reply(w, http.StatusOK, out, err)
			}},
		{name: "sendConsoleInput", method: http.MethodPost, path: "/v1/vms/{name}/console", tag: vm, summary: "Type text on the console",
			needs: "Allow Input to Virtual Machine", body: api.ConsoleInput{}, status: http.StatusNoContent,
			h: func(w http.ResponseWriter, r *http.Request) error {
				var in api.ConsoleInput
				if err := decodeBody(r, &in); err != nil {
					return err
				}
				c, _ := clientFrom(r.Context())
				return reply(w, http.StatusNoContent, nil, e.SendConsoleInput(r.Context(), c, pathVar(r, "name"), in.Text))
			}},
		{name: "setVMScope", method: http.MethodPut, path: "/v1/vms/{name}/scope", tag: vm, summary: "Move a virtual machine to another authorization scope",
			needs: "Change Virtual Machine Authorization Scope, in the current and the new scope", body: api.ScopeChange{}, resp: engine.VM{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				var in api.ScopeChange
				if err := decodeBody(r, &in); err != nil {
					return err
				}
				c, _ := clientFrom(r.Context())
				v, err := e.SetVMScope(r.Context(), c, pathVar(r, "name"), in.Scope)
				return reply(w, http.StatusOK, v, err)
			}},
		{name: "listSnapshots", method: http.MethodGet, path: "/v1/vms/{name}/snapshots", tag: vm, summary: "List a virtual machine's snapshots",
			needs: "Allow Virtual Machine Snapshot", resp: api.Listing[engine.Snapshot]{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				c, _ := clientFrom(r.Context())
				out, err := e.ListSnapshots(r.Context(), c, pathVar(r, "name"))
				return reply(w, http.StatusOK, list(out), err)
			}},
		{name: "createSnapshot", method: http.MethodPost, path: "/v1/vms/{name}/snapshots", tag: vm, summary: "Take a snapshot",
			needs: "Allow Virtual Machine Snapshot", body: api.SnapshotSpec{}, resp: engine.Snapshot{}, status: http.StatusCreated,
			h: func(w http.ResponseWriter, r *http.Request) error {
				var in api.SnapshotSpec
				if err := decodeBody(r, &in); err != nil {
					return err
				}
				c, _ := clientFrom(r.Context())
				out, err := e.CreateSnapshot(r.Context(), c, pathVar(r, "name"), in.Name)
				return reply(w, http.StatusCreated, out, err)
			}},
		{name: "applySnapshot", method: http.MethodPost, path: "/v1/vms/{name}/snapshots/{snapshot}/apply", tag: vm,
			summary: "Apply a snapshot", needs: "Allow Virtual Machine Snapshot", resp: engine.VM{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				c, _ := clientFrom(r.Context())
				out, err := e.ApplySnapshot(r.Context(), c, pathVar(r, "name"), pathVar(r, "snapshot"))
				return reply(w, http.StatusOK, out, err)
			}},
		{name: "deleteSnapshot", method: http.MethodDelete, path: "/v1/vms/{name}/snapshots/{snapshot}", tag: vm,
			summary: "Delete a snapshot", needs: "Allow Virtual Machine Snapshot", status: http.StatusNoContent,
			h: func(w http.ResponseWriter, r *http.Request) error {
				c, _ := clientFrom(r.Context())
				err := e.DeleteSnapshot(r.Context(), c, pathVar(r, "name"), pathVar(r, "snapshot"))
				return reply(w, http.StatusNoContent, nil, err)
			}},

		// Virtual switches.
		{name: "listSwitches", method: http.MethodGet, path: "/v1/switches", tag: net, summary: "List the virtual switches the caller may view",
			needs: "View Switches, in each switch's scope", resp: api.Listing[engine.Switch]{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				c, _ := clientFrom(r.Context())
				out, err := e.ListSwitches(r.Context(), c)
				return reply(w, http.StatusOK, list(out), err)
			}},
		{name: "createSwitch", method: http.MethodPost, path: "/v1/switches", tag: net, summary: "Create a virtual switch",
			needs: "Create Virtual Switch, in the target scope", body: engine.SwitchSpec{}, resp: engine.Switch{}, status: http.StatusCreated,
			h: func(w http.ResponseWriter, r *http.Request) error {
				var spec engine.SwitchSpec
				if err := decodeBody(r, &spec); err != nil {
					return err
				}
				c, _ := clientFrom(r.Context())
				out, err := e.CreateSwitch(r.Context(), c, spec)
				if err == nil {
					w.Header().Set("Location", "/v1/switches/"+url.PathEscape(out.Name))
				}
				return reply(w, http.StatusCreated, out, err)
			}},
		{name: "getSwitch", method: http.MethodGet, path: "/v1/switches/{name}", tag: net, summary: "View a virtual switch",
			needs: "View Switches", resp: engine.Switch{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				c, _ := clientFrom(r.Context())
				out, err := e.GetSwitch(r.Context(), c, pathVar(r, "name"))
				return reply(w, http.StatusOK, out, err)
			}},
		{name: "modifySwitch", method: http.MethodPatch, path: "/v1/switches/{name}", tag: net, summary: "Modify a virtual switch",
			needs: "Modify Switch Settings (in the current and, when moving, the new scope)", body: engine.SwitchUpdate{}, resp: engine.Switch{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				var u engine.SwitchUpdate
				if err := decodeBody(r, &u); err != nil {
					return err
				}
				c, _ := clientFrom(r.Context())
				out, err := e.ModifySwitch(r.Context(), c, pathVar(r, "name"), u)
				return reply(w, http.StatusOK, out, err)
			}},
		{name: "deleteSwitch", method: http.MethodDelete, path: "/v1/switches/{name}", tag: net, summary: "Delete a virtual switch",
			needs: "Delete Virtual Switch (and Unbind External Ethernet Port in the default scope when bound); refused while it has ports", status: http.StatusNoContent, h: s.nameDelete(e.DeleteSwitch)},
		{name: "bindExternalPort", method: http.MethodPut, path: "/v1/switches/{name}/external", tag: net,
			summary: "Bind a host interface (external Ethernet port) to the switch", needs: "Bind External Ethernet Port, in the switch's scope and the default scope",
			body: api.ExternalBinding{}, resp: engine.Switch{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				var in api.ExternalBinding
				if err := decodeBody(r, &in); err != nil {
					return err
				}
				c, _ := clientFrom(r.Context())
				out, err := e.BindExternalPort(r.Context(), c, pathVar(r, "name"), in.Interface)
				return reply(w, http.StatusOK, out, err)
			}},
		{name: "unbindExternalPort", method: http.MethodDelete, path: "/v1/switches/{name}/external", tag: net,
			summary: "Unbind the switch's external Ethernet port", needs: "Unbind External Ethernet Port, in the switch's scope and the default scope", resp: engine.Switch{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				c, _ := clientFrom(r.Context())
				out, err := e.UnbindExternalPort(r.Context(), c, pathVar(r, "name"))
				return reply(w, http.StatusOK, out, err)
			}},

		// Switch ports.
		{name: "listSwitchPorts", method: http.MethodGet, path: "/v1/switch-ports", tag: net, summary: "List the switch ports the caller may view",
			needs: "View Switch Ports, in each port's scope and its switch's", resp: api.Listing[engine.Port]{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				c, _ := clientFrom(r.Context())
				out, err := e.ListPorts(r.Context(), c)
				return reply(w, http.StatusOK, list(out), err)
			}},
		{name: "createSwitchPort", method: http.MethodPost, path: "/v1/switch-ports", tag: net, summary: "Create a switch port",
			needs: "Create Virtual Switch Port, in the target scope and the switch's scope", body: engine.PortSpec{}, resp: engine.Port{}, status: http.StatusCreated,
			h: func(w http.ResponseWriter, r *http.Request) error {
				var spec engine.PortSpec
				if err := decodeBody(r, &spec); err != nil {
					return err
				}
				c, _ := clientFrom(r.Context())
				out, err := e.CreatePort(r.Context(), c, spec)
				if err == nil {
					w.Header().Set("Location", "/v1/switch-ports/"+url.PathEscape(out.Name))
				}
				return reply(w, http.StatusCreated, out, err)
			}},
		{name: "getSwitchPort", method: http.MethodGet, path: "/v1/switch-ports/{name}", tag: net, summary: "View a switch port",
			needs: "View Switch Ports, in the port's and the switch's scope (the connection shown only where viewable)", resp: engine.Port{}, h: s.portCall(e.GetPort)},
		{name: "modifySwitchPort", method: http.MethodPatch, path: "/v1/switch-ports/{name}", tag: net, summary: "Modify a switch port",
			needs: "Modify Switch Port Settings, in the port's and the switch's scope (and, when moving, the new scope)", body: engine.PortUpdate{}, resp: engine.Port{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				var u engine.PortUpdate
				if err := decodeBody(r, &u); err != nil {
					return err
				}
				c, _ := clientFrom(r.Context())
				out, err := e.ModifyPort(r.Context(), c, pathVar(r, "name"), u)
				return reply(w, http.StatusOK, out, err)
			}},
		{name: "deleteSwitchPort", method: http.MethodDelete, path: "/v1/switch-ports/{name}", tag: net, summary: "Delete a switch port",
			needs: "Delete Virtual Switch Port, in the port's and the switch's scope (and what disconnecting needs)", status: http.StatusNoContent, h: s.nameDelete(e.DeletePort)},
		{name: "connectSwitchPort", method: http.MethodPost, path: "/v1/switch-ports/{name}/connect", tag: net,
			summary: "Connect the port to a VM network adapter or an internal Ethernet port", needs: "Connect Virtual Switch Port, in the port's and the switch's scope; Reconfigure Virtual Machine in the VM's scope or Modify Internal Ethernet Port",
			body: engine.Connection{}, resp: engine.Port{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				var to engine.Connection
				if err := decodeBody(r, &to); err != nil {
					return err
				}
				c, _ := clientFrom(r.Context())
				out, err := e.ConnectPort(r.Context(), c, pathVar(r, "name"), to)
				return reply(w, http.StatusOK, out, err)
			}},
		{name: "disconnectSwitchPort", method: http.MethodPost, path: "/v1/switch-ports/{name}/disconnect", tag: net,
			summary: "Disconnect the port", needs: "Disconnect Virtual Switch Port, in the port's and the switch's scope; Reconfigure Virtual Machine in the VM's scope or Modify Internal Ethernet Port", resp: engine.Port{}, h: s.portCall(e.DisconnectPort)},
		{name: "getPortVLAN", method: http.MethodGet, path: "/v1/switch-ports/{name}/vlan", tag: net, summary: "View the port's VLAN setting",
			needs: "View VLAN Settings, in the port's and the switch's scope", resp: engine.VLAN{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				c, _ := clientFrom(r.Context())
				out, err := e.GetPortVLAN(r.Context(), c, pathVar(r, "name"))
				return reply(w, http.StatusOK, out, err)
			}},
		{name: "setPortVLAN", method: http.MethodPut, path: "/v1/switch-ports/{name}/vlan", tag: net, summary: "Change the port's VLAN setting",
			needs: "Change VLAN Configuration on Port, in the port's and the switch's scope", body: engine.VLAN{}, resp: engine.VLAN{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				var v engine.VLAN
				if err := decodeBody(r, &v); err != nil {
					return err
				}
				c, _ := clientFrom(r.Context())
				out, err := e.SetPortVLAN(r.Context(), c, pathVar(r, "name"), v)
				return reply(w, http.StatusOK, out, err)
			}},

		// Internal and external Ethernet ports, LAN endpoints.
		{name: "listInternalPorts", method: http.MethodGet, path: "/v1/internal-ports", tag: net, summary: "List internal Ethernet ports",
			needs: "View Internal Ethernet Ports", resp: api.Listing[engine.InternalPort]{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				c, _ := clientFrom(r.Context())
				out, err := e.ListInternalPorts(r.Context(), c)
				return reply(w, http.StatusOK, list(out), err)
			}},
		{name: "createInternalPort", method: http.MethodPost, path: "/v1/internal-ports", tag: net, summary: "Create an internal Ethernet port",
			needs: "Create Internal Ethernet Port", body: engine.InternalPortSpec{}, resp: engine.InternalPort{}, status: http.StatusCreated,
			h: func(w http.ResponseWriter, r *http.Request) error {
				var spec engine.InternalPortSpec
				if err := decodeBody(r, &spec); err != nil {
					return err
				}
				c, _ := clientFrom(r.Context())
				out, err := e.CreateInternalPort(r.Context(), c, spec)
				return reply(w, http.StatusCreated, out, err)
			}},
		{name: "modifyInternalPort", method: http.MethodPatch, path: "/v1/internal-ports/{name}", tag: net, summary: "Modify an internal Ethernet port",
			needs: "Modify Internal Ethernet Port", body: engine.InternalPortUpdate{}, resp: engine.InternalPort{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				var u engine.InternalPortUpdate
				if err := decodeBody(r, &u); err != nil {
					return err
				}
				c, _ := clientFrom(r.Context())
				out, err := e.ModifyInternalPort(r.Context(), c, pathVar(r, "name"), u)
				return reply(w, http.StatusOK, out, err)
			}},
		{name: "deleteInternalPort", method: http.MethodDelete, path: "/v1/internal-ports/{name}", tag: net, summary: "Delete an internal Ethernet port",
			needs: "Delete Internal Ethernet Port", status: http.StatusNoContent, h: s.nameDelete(e.DeleteInternalPort)},
		{name: "listExternalPorts", method: http.MethodGet, path: "/v1/external-ports", tag: net, summary: "List the host's external Ethernet ports",
			needs: "View External Ethernet Ports", resp: api.Listing[engine.ExternalPort]{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				c, _ := clientFrom(r.Context())
				out, err := e.ListExternalPorts(r.Context(), c)
				return reply(w, http.StatusOK, list(out), err)
			}},
		{name: "listLANEndpoints", method: http.MethodGet, path: "/v1/lan-endpoints", tag: net, summary: "List the LAN endpoints the caller may view",
			needs: "View LAN Endpoints, in each port's and switch's scope; the other end shown only where viewable", resp: api.Listing[engine.LANEndpoint]{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				c, _ := clientFrom(r.Context())
				out, err := e.ListLANEndpoints(r.Context(), c)
				return reply(w, http.StatusOK, list(out), err)
			}},

		// Service.
		{name: "getServiceConfig", method: http.MethodGet, path: "/v1/service", tag: svc, summary: "Read the service configuration",
			needs: "Read Service Configuration", resp: engine.ServiceConfig{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				c, _ := clientFrom(r.Context())
				out, err := e.GetServiceConfig(r.Context(), c)
				return reply(w, http.StatusOK, out, err)
			}},
		{name: "setServiceConfig", method: http.MethodPatch, path: "/v1/service", tag: svc, summary: "Reconfigure the service",
			needs: "Reconfigure Service", body: engine.ServiceUpdate{}, resp: engine.ServiceConfig{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				var u engine.ServiceUpdate
				if err := decodeBody(r, &u); err != nil {
					return err
				}
				c, _ := clientFrom(r.Context())
				out, err := e.SetServiceConfig(r.Context(), c, u)
				return reply(w, http.StatusOK, out, err)
			}},
		{name: "getSwitchService", method: http.MethodGet, path: "/v1/service/switch-service", tag: svc,
			summary: "View the virtual switch management service", needs: "View Virtual Switch Management Service", resp: engine.SwitchService{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				c, _ := clientFrom(r.Context())
				out, err := e.GetSwitchService(r.Context(), c)
				return reply(w, http.StatusOK, out, err)
			}},
	}
}

// reply writes v with status, or returns err.
func reply(w http.ResponseWriter, status int, v any, err error) error {
	if err != nil {
		return err
	}
	if status == http.StatusNoContent || v == nil {
		w.WriteHeader(status)
		return nil
	}
	writeJSON(w, status, v)
	return nil
}

type nameCall[T any] func(ctx context.Context, c directory.ClientContext, name string) (T, error)

// vmCall adapts an engine method taking a VM name and returning a VM.
func (s *Server) vmCall(f nameCall[engine.VM]) handlerFunc { return callByName(f) }

// portCall adapts an engine method taking a port name and returning a port.
func (s *Server) portCall(f nameCall[engine.Port]) handlerFunc { return callByName(f) }

func callByName[T any](f nameCall[T]) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, _ := clientFrom(r.Context())
		out, err := f(r.Context(), c, pathVar(r, "name"))
		return reply(w, http.StatusOK, out, err)
	}
}

// nameDelete adapts an engine delete method taking a name.
func (s *Server) nameDelete(f func(ctx context.Context, c directory.ClientContext, name string) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, _ := clientFrom(r.Context())
		return reply(w, http.StatusNoContent, nil, f(r.Context(), c, pathVar(r, "name")))
	}
}
