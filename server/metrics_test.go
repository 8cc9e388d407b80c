package server

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/azgate/azgate/operations"
)

// hostileRequests sends n unauthenticated requests with distinct made-up
// methods (long HTTP tokens) and paths, and a mix of requests that make
// decisions about names the client invents.
func hostileRequests(t *testing.T, ts *testServer, nobody cred, n int) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(1, 2))
	const tokenChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~"
	const pathChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/"
	random := func(chars string, size int) string {
		var b strings.Builder
		for range size {
			b.WriteByte(chars[rnd.IntN(len(chars))])
		}
		return b.String()
	}
	word := func(size int) string { return random(pathChars, size) }
	client := &http.Client{}
	paths := []string{"/healthz", "/readyz", "/v1/vms/", "/v1/check", "/", "/v1/policy/tasks/"}
	for i := range n {
		method := fmt.Sprintf("X%d%s", i, random(tokenChars, 200+rnd.IntN(800)))
		path := paths[i%len(paths)] + word(1+rnd.IntN(1000))
		req, err := http.NewRequest(method, ts.base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		res.Body.Close()
	}
	// Decisions about invented names and scopes, by an administrator and
	// by a caller without rights.
	for i := range 50 {
		for _, c := range []cred{admin, nobody} {
			ts.do(c, http.MethodGet, "/v1/vms/"+word(20), nil)
			ts.do(c, http.MethodPost, "/v1/check", map[string]any{"user": word(30), "scope": word(30),
				"operations": []any{"Start Virtual Machine", 307 + i%3}})
			ts.do(c, http.MethodGet, "/v1/who-can?operation=307&scope="+word(20), nil)
		}
	}
}

// gatherSeries returns every series of the server's registry as its
// metric family name and labels.
func gatherSeries(t *testing.T, ts *testServer) (families []*dto.MetricFamily, series int) {
	t.Helper()
	fams, err := ts.s.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		series += len(f.GetMetric())
	}
	return fams, series
}

// TestMetrics_UnauthenticatedFloodIsBounded is the finding: made-up methods
// and paths used to add series (held forever) per request.
func TestMetrics_UnauthenticatedFloodIsBounded(t *testing.T) {
	ts := startServer(t, nil)
	nobody := ts.addUser("nobody")
	hostileRequests(t, ts, nobody, 200)
	_, before := gatherSeries(t, ts)
	hostileRequests(t, ts, nobody, 5000)
	_, after := gatherSeries(t, ts)
	// Another 5,000 distinct methods and paths add no series: the handful a
	// route sees for the first time in a new status code at most.
	if after > before+50 {
		t.Errorf("series grew from %d to %d after 5,000 requests with made-up methods and paths", before, after)
	}
	m := ts.do(admin, http.MethodGet, "/metrics", nil)
	want(t, m, http.StatusOK, "metrics")
	if len(m.body) > 256<<10 {
		t.Errorf("/metrics is %d bytes after the flood, want at most 256 KiB", len(m.body))
	}
	if !strings.Contains(string(m.body), `method="other"`) {
		t.Errorf("/metrics lacks the method=\"other\" series")
	}
}

// TestMetrics_EveryLabelFromFixedSet catches the whole class: after a
// hostile request mix, every label of every metric the registry holds must
// come from its fixed set. A new metric or label must be added here.
func TestMetrics_EveryLabelFromFixedSet(t *testing.T) {
	ts := startServer(t, nil)
	hostileRequests(t, ts, ts.addUser("nobody"), 300)
	ts.do(admin, http.MethodGet, "/metrics", nil)

	set := func(vs ...string) map[string]bool {
		m := map[string]bool{}
		for _, v := range vs {
			m[v] = true
		}
		return m
	}
	routes := set("not_found", "method_not_allowed")
	for _, rt := range ts.s.routes {
		routes[rt.name] = true
	}
	ops := set(otherLabel)
	for _, o := range append(operations.All(), delegationCatalog()...) {
		ops[o.Name] = true
	}
	code := func(v string) bool {
		n, err := strconv.Atoi(v)
		return err == nil && n >= 100 && n <= 599 && len(v) == 3
	}
	allowed := map[string]func(string) bool{
		"route":     func(v string) bool { return routes[v] },
		"method":    func(v string) bool { return set(append(knownMethods, otherLabel)...)[v] },
		"code":      code,
		"source":    func(v string) bool { return set(sourceEngine, sourceCheck, sourceDelegation)[v] },
		"operation": func(v string) bool { return ops[v] },
		"result":    func(v string) bool { return set("allowed", "denied")[v] },
		"kind":      func(v string) bool { return set("single", "batch")[v] },
		"version":   func(v string) bool { return v == runtime.Version() },          // go_info
		"cause":     func(v string) bool { return set("encoding", "gathering")[v] }, // promhttp's own errors
	}
	fams, _ := gatherSeries(t, ts)
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				ok, known := allowed[l.GetName()]
				if !known {
					t.Errorf("%s: label %q has no fixed set in this test", f.GetName(), l.GetName())
					continue
				}
				if !ok(l.GetValue()) {
					t.Errorf("%s: label %s=%.60q is not from its fixed set", f.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}
}

func TestMetrics_LabelFunctions(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"GET", "GET"}, {"DELETE", "DELETE"}, {"OPTIONS", "OPTIONS"},
		{"get", otherLabel}, {"PROPFIND", otherLabel}, {strings.Repeat("X", 60000), otherLabel},
	} {
		if got := methodLabel(c.in); got != c.want {
			t.Errorf("methodLabel(%.20q) = %q, want %q", c.in, got, c.want)
		}
	}
	m := newMetrics(nil)
	m.decision(sourceCheck, "made-up operation", true)
	m.decision(sourceCheck, "Start Virtual Machine", true)
	if _, ok := m.counters.Load(decisionKey{sourceCheck, otherLabel, true}); !ok {
		t.Errorf("an unknown operation is not counted as %q", otherLabel)
	}
	if _, ok := m.counters.Load(decisionKey{sourceCheck, "made-up operation", true}); ok {
		t.Errorf("an unknown operation got a label of its own")
	}
}
