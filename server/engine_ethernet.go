package server

// ethernetRoutes are the routes of internal and external Ethernet ports
// and LAN endpoints.
func (s *Server) ethernetRoutes() []route {
	e := s.eng
	return []route{
		engineRoute("ListInternalPorts", "listInternalPorts", tagNet, "List internal Ethernet ports", listCall(e.ListInternalPorts)),
		engineRoute("CreateInternalPort", "createInternalPort", tagNet, "Create an internal Ethernet port",
			createCall(e.CreateInternalPort, nil)),
		engineRoute("ModifyInternalPort", "modifyInternalPort", tagNet, "Modify an internal Ethernet port",
			nameBodyCall(e.ModifyInternalPort)),
		engineRoute("DeleteInternalPort", "deleteInternalPort", tagNet,
			"Delete an internal Ethernet port (refused while connected)", deleteCall(e.DeleteInternalPort)),
		engineRoute("ListExternalPorts", "listExternalPorts", tagNet, "List the host's external Ethernet ports",
			listCall(e.ListExternalPorts)),
		engineRoute("ListLANEndpoints", "listLANEndpoints", tagNet, "List the LAN endpoints the caller may view",
			listCall(e.ListLANEndpoints)),
	}
}
