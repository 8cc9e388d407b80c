package server

import "net/http"

// serviceRoutes are the routes of the management service itself.
func (s *Server) serviceRoutes() []route {
	e := s.eng
	return []route{
		engineRoute("GetServiceConfig", "getServiceConfig", http.MethodGet, "/v1/service", tagSvc,
			"Read the service configuration and the hypervisor's facts", serviceCall(e.GetServiceConfig)),
		engineRoute("SetServiceConfig", "setServiceConfig", http.MethodPatch, "/v1/service", tagSvc, "Reconfigure the service", serviceBodyCall(e.SetServiceConfig)),
		engineRoute("GetSwitchService", "getSwitchService", http.MethodGet, "/v1/service/switch-service", tagSvc,
			"View the virtual switch management service", serviceCall(e.GetSwitchService)),
	}
}
