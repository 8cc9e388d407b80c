package server

import (
	"github.com/azgate/azgate/engine"
)

// portRoutes are the switch port routes: ports, their connections and
// VLAN settings.
func (s *Server) portRoutes() []route {
	e := s.eng
	loc := under("/v1/switch-ports/")
	return []route{
		engineRoute("ListPorts", "listSwitchPorts", tagNet, "List the switch ports the caller may view", listCall(e.ListPorts)),
		engineRoute("CreatePort", "createSwitchPort", tagNet, "Create a switch port",
			createCall(e.CreatePort, func(p engine.Port) string { return loc(p.Name) })),
		engineRoute("GetPort", "getSwitchPort", tagNet, "View a switch port", nameCall(e.GetPort)),
		engineRoute("ModifyPort", "modifySwitchPort", tagNet, "Modify a switch port", nameBodyCall(e.ModifyPort)),
		engineRoute("DeletePort", "deleteSwitchPort", tagNet, "Delete a switch port", deleteCall(e.DeletePort)),
		engineRoute("ConnectPort", "connectSwitchPort", tagNet,
			"Connect the port to a VM network adapter or an internal Ethernet port", nameBodyCall(e.ConnectPort)),
		engineRoute("DisconnectPort", "disconnectSwitchPort", tagNet,
			"Disconnect the port", nameCall(e.DisconnectPort)),
		engineRoute("GetPortVLAN", "getPortVLAN", tagNet, "View the port's VLAN setting", nameCall(e.GetPortVLAN)),
		engineRoute("SetPortVLAN", "setPortVLAN", tagNet,
			"Change the port's VLAN setting (501 where the switch cannot carry VLANs)", nameBodyCall(e.SetPortVLAN)),
	}
}
