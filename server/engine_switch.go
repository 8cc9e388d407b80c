package server

import (
	"context"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/engine"
)

// switchRoutes are the virtual switch routes, with the switch's binding to
// a host interface (external Ethernet port).
func (s *Server) switchRoutes() []route {
	e := s.eng
	loc := under("/v1/switches/")
	return []route{
		engineRoute("ListSwitches", "listSwitches", tagNet, "List the virtual switches the caller may view", listCall(e.ListSwitches)),
		engineRoute("CreateSwitch", "createSwitch", tagNet, "Create a virtual switch",
			createCall(e.CreateSwitch, func(sw engine.Switch) string { return loc(sw.Name) })),
		engineRoute("GetSwitch", "getSwitch", tagNet, "View a virtual switch", nameCall(e.GetSwitch)),
		engineRoute("ModifySwitch", "modifySwitch", tagNet, "Modify a virtual switch", nameBodyCall(e.ModifySwitch)),
		engineRoute("DeleteSwitch", "deleteSwitch", tagNet,
			"Delete a virtual switch (refused while it has ports)", deleteCall(e.DeleteSwitch)),
		engineRoute("BindExternalPort", "bindExternalPort", tagNet,
			"Bind a host interface (external Ethernet port) to the switch",
			nameBodyCall(func(ctx context.Context, c directory.ClientContext, name string, in api.ExternalBinding) (engine.Switch, error) {
				return e.BindExternalPort(ctx, c, name, in.Interface)
			})),
		engineRoute("UnbindExternalPort", "unbindExternalPort", tagNet,
			"Unbind the switch's external Ethernet port", nameCall(e.UnbindExternalPort)),
	}
}
