package api

import "testing"

func TestEngineRoute_Fill(t *testing.T) {
	for _, tc := range []struct {
		method string
		vars   []string
		want   string
		err    bool
	}{
		{method: "ListVMs", want: "/v1/vms"},
		{method: "GetVM", vars: []string{"web 1/x"}, want: "/v1/vms/web%201%2Fx"},
		{method: "ApplySnapshot", vars: []string{"web1", "s1"}, want: "/v1/vms/web1/snapshots/s1/apply"},
		{method: "GetVM", err: true},
		{method: "ListVMs", vars: []string{"x"}, err: true},
		{method: "DeleteSnapshot", vars: []string{"web1"}, err: true},
	} {
		r, ok := EngineRouteOf(tc.method)
		if !ok {
			t.Fatalf("EngineRouteOf(%s): none", tc.method)
		}
		got, err := r.Fill(tc.vars...)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("%s.Fill(%q) = %q, %v; want %q (error %v)", tc.method, tc.vars, got, err, tc.want, tc.err)
		}
	}
	if _, ok := EngineRouteOf("NoSuchMethod"); ok {
		t.Error("EngineRouteOf(NoSuchMethod) found a route")
	}
	seen := map[string]bool{}
	for _, r := range EngineRoutes() {
		if seen[r.Method] {
			t.Errorf("method %s has two routes", r.Method)
		}
		seen[r.Method] = true
	}
}
