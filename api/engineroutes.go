package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// EngineRoute is the HTTP route of one gated engine method: the server
// serves exactly these (one each), the Go client calls them, so neither can
// restate a route differently.
type EngineRoute struct {
	Method string // the gated engine method (engine.Requirements names it)
	Verb   string // HTTP method
	Path   string // http.ServeMux pattern path: {name}, {snapshot}
}

// EngineRoutes are the routes of the management engine, by resource.
func EngineRoutes() []EngineRoute {
	const (
		get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
		vm, sw, port               = "/v1/vms/{name}", "/v1/switches/{name}", "/v1/switch-ports/{name}"
	)
	return []EngineRoute{
		{"ListVMs", get, "/v1/vms"},
		{"CreateVM", post, "/v1/vms"},
		{"GetVM", get, vm},
		{"ReconfigureVM", patch, vm},
		{"DeleteVM", del, vm},
		{"StartVM", post, vm + "/start"},
		{"StopVM", post, vm + "/stop"},
		{"SaveVM", post, vm + "/save"},
		{"PauseVM", post, vm + "/pause"},
		{"ResumeVM", post, vm + "/resume"},
		{"ReadConsole", get, vm + "/console"},
		{"SendConsoleInput", post, vm + "/console"},
		{"SetVMScope", put, vm + "/scope"},
		{"ListSnapshots", get, vm + "/snapshots"},
		{"CreateSnapshot", post, vm + "/snapshots"},
		{"ApplySnapshot", post, vm + "/snapshots/{snapshot}/apply"},
		{"DeleteSnapshot", del, vm + "/snapshots/{snapshot}"},

		{"ListSwitches", get, "/v1/switches"},
		{"CreateSwitch", post, "/v1/switches"},
		{"GetSwitch", get, sw},
		{"ModifySwitch", patch, sw},
		{"DeleteSwitch", del, sw},
		{"BindExternalPort", put, sw + "/external"},
		{"UnbindExternalPort", del, sw + "/external"},

		{"ListPorts", get, "/v1/switch-ports"},
		{"CreatePort", post, "/v1/switch-ports"},
		{"GetPort", get, port},
		{"ModifyPort", patch, port},
		{"DeletePort", del, port},
		{"ConnectPort", post, port + "/connect"},
		{"DisconnectPort", post, port + "/disconnect"},
		{"GetPortVLAN", get, port + "/vlan"},
		{"SetPortVLAN", put, port + "/vlan"},

		{"ListInternalPorts", get, "/v1/internal-ports"},
		{"CreateInternalPort", post, "/v1/internal-ports"},
		{"ModifyInternalPort", patch, "/v1/internal-ports/{name}"},
		{"DeleteInternalPort", del, "/v1/internal-ports/{name}"},
		{"ListExternalPorts", get, "/v1/external-ports"},
		{"ListLANEndpoints", get, "/v1/lan-endpoints"},

		{"GetServiceConfig", get, "/v1/service"},
		{"SetServiceConfig", patch, "/v1/service"},
		{"GetSwitchService", get, "/v1/service/switch-service"},
	}
}

// EngineRouteOf returns the route of the gated engine method.
func EngineRouteOf(method string) (EngineRoute, bool) {
	for _, r := range EngineRoutes() {
		if r.Method == method {
			return r, true
		}
	}
	return EngineRoute{}, false
}

// Fill returns the route's path with its variables, in order, replaced by
// vars (escaped as path segments); an error when their number differs.
func (r EngineRoute) Fill(vars ...string) (string, error) {
	var b strings.Builder
	rest := r.Path
	for _, v := range vars {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			return "", fmt.Errorf("engine route %s (%s): %d path values given, it has fewer", r.Method, r.Path, len(vars))
		}
		b.WriteString(rest[:i])
		b.WriteString(url.PathEscape(v))
		rest = rest[j+1:]
	}
	if strings.IndexByte(rest, '{') >= 0 {
		return "", fmt.Errorf("engine route %s (%s): %d path values given, it has more", r.Method, r.Path, len(vars))
	}
	b.WriteString(rest)
	return b.String(), nil
}
