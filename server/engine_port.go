package server

import (
	"net/http"

	"github.com/azgate/azgate/engine"
)

// portRoutes are the switch port routes: ports, their connections and
// VLAN settings.
func (s *Server) portRoutes() []route {
	e := s.eng
	loc := under("/v1/switch-ports/")
	return []route{
		engineRoute("ListPorts", "listSwitchPorts", http.MethodGet, "/v1/switch-ports", tagNet, "List the switch ports the caller may view", listCall(e.ListPorts)),
		engineRoute("CreatePort", "createSwitchPort", http.MethodPost, "/v1/switch-ports", tagNet, "Create a switch port",
			createCall(e.CreatePort, func(p engine.Port) string { return loc(p.Name) })),
		engineRoute("GetPort", "getSwitchPort", http.MethodGet, "/v1/switch-ports/{name}", tagNet, "View a switch port", nameCall(e.GetPort)),
		engineRoute("ModifyPort", "modifySwitchPort", http.MethodPatch, "/v1/switch-ports/{name}", tagNet, "Modify a switch port", nameBodyCall(e.ModifyPort)),
		engineRoute("DeletePort", "deleteSwitchPort", http.MethodDelete, "/v1/switch-ports/{name}", tagNet, "Delete a switch port", deleteCall(e.DeletePort)),
		engineRoute("ConnectPort", "connectSwitchPort", http.MethodPost, "/v1/switch-ports/{name}/connect", tagNet,
			"Connect the port to a VM network adapter or an internal Ethernet port", nameBodyCall(e.ConnectPort)),
		engineRoute("DisconnectPort", "disconnectSwitchPort", http.MethodPost, "/v1/switch-ports/{name}/disconnect", tagNet,
			"Disconnect the port", nameCall(e.DisconnectPort)),
		engineRoute("GetPortVLAN", "getPortVLAN", http.MethodGet, "/v1/switch-ports/{name}/vlan", tagNet, "View the port's VLAN setting", nameCall(e.GetPortVLAN)),
		engineRoute("SetPortVLAN", "setPortVLAN", http.MethodPut, "/v1/switch-ports/{name}/vlan", tagNet,
			"Change the port's VLAN setting (501 where the switch cannot carry VLANs)", nameBodyCall(e.SetPortVLAN)),
	}
}
