package server

import (
	"slices"
	"strings"
	"testing"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/engine"
)

// TestEngineRoutes_FromGateTable checks that the engine's routes are the
// gate table's methods, each exactly once, and that what each needs is the
// table's own words.
func TestEngineRoutes_FromGateTable(t *testing.T) {
	ts := startServer(t, nil)
	seen := map[string]string{}
	for _, r := range ts.s.routes {
		if !strings.HasPrefix(r.tag, "engine:") {
			if r.engineMethod != "" {
				t.Errorf("route %s calls engine method %s but is not tagged as the engine's", r.name, r.engineMethod)
			}
			continue
		}
		want, ok := engine.Requirements(r.engineMethod)
		switch {
		case !ok:
			t.Errorf("route %s calls %q, which is not a gated engine method", r.name, r.engineMethod)
		case r.needs != want || want == "":
			t.Errorf("route %s needs %q, the gate table says %q", r.name, r.needs, want)
		}
		if other, dup := seen[r.engineMethod]; dup {
			t.Errorf("routes %s and %s both call %s", other, r.name, r.engineMethod)
		}
		seen[r.engineMethod] = r.name
		if er, ok := api.EngineRouteOf(r.engineMethod); !ok || r.method != er.Verb || r.path != er.Path || er.Path == "" {
			t.Errorf("route %s is %s %s, api.EngineRouteOf(%s) = %+v, %v", r.name, r.method, r.path, r.engineMethod, er, ok)
		}
	}
	if n := len(api.EngineRoutes()); n != len(engine.Methods()) {
		t.Errorf("api.EngineRoutes has %d routes for %d gated methods", n, len(engine.Methods()))
	}
	for _, m := range engine.Methods() {
		if _, ok := seen[m]; !ok {
			t.Errorf("gated engine method %s has no route", m)
		}
	}
	if n := len(engine.Methods()); n != len(seen) || !slices.Contains(engine.Methods(), "StartVM") {
		t.Errorf("%d routes for %d gated methods", len(seen), n)
	}
	if got, _ := engine.Requirements("ConnectPort"); got != "Connect Virtual Switch Port, in the port's scope and the switch's scope; "+
		"Reconfigure Virtual Machine, in the connected VM's scope, when a VM is at the other end; "+
		"Modify Internal Ethernet Port, in the default scope, when an internal Ethernet port is at the other end" {
		t.Errorf("ConnectPort needs %q", got)
	}
}
