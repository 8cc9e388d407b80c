package server

// serviceRoutes are the routes of the management service itself.
func (s *Server) serviceRoutes() []route {
	e := s.eng
	return []route{
		engineRoute("GetServiceConfig", "getServiceConfig", tagSvc,
			"Read the service configuration and the hypervisor's facts", serviceCall(e.GetServiceConfig)),
		engineRoute("SetServiceConfig", "setServiceConfig", tagSvc, "Reconfigure the service", serviceBodyCall(e.SetServiceConfig)),
		engineRoute("GetSwitchService", "getSwitchService", tagSvc,
			"View the virtual switch management service", serviceCall(e.GetSwitchService)),
	}
}
