package server

import "net/http"

// ethernetRoutes are the routes of internal and external Ethernet ports
// and LAN endpoints.
func (s *Server) ethernetRoutes() []route {
	e := s.eng
	return []route{
		engineRoute("ListInternalPorts", "listInternalPorts", http.MethodGet, "/v1/internal-ports", tagNet, "List internal Ethernet ports", listCall(e.ListInternalPorts)),
		engineRoute("CreateInternalPort", "createInternalPort", http.MethodPost, "/v1/internal-ports", tagNet, "Create an internal Ethernet port",
			createCall(e.CreateInternalPort, nil)),
		engineRoute("ModifyInternalPort", "modifyInternalPort", http.MethodPatch, "/v1/internal-ports/{name}", tagNet, "Modify an internal Ethernet port",
			nameBodyCall(e.ModifyInternalPort)),
		engineRoute("DeleteInternalPort", "deleteInternalPort", http.MethodDelete, "/v1/internal-ports/{name}", tagNet,
			"Delete an internal Ethernet port (refused while connected)", deleteCall(e.DeleteInternalPort)),
		engineRoute("ListExternalPorts", "listExternalPorts", http.MethodGet, "/v1/external-ports", tagNet, "List the host's external Ethernet ports",
			listCall(e.ListExternalPorts)),
		engineRoute("ListLANEndpoints", "listLANEndpoints", http.MethodGet, "/v1/lan-endpoints", tagNet, "List the LAN endpoints the caller may view",
			listCall(e.ListLANEndpoints)),
	}
}
