package server

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/operations"
)

// Decision sources, the "source" label of azgate_decisions_total.
const (
	sourceEngine     = "engine"     // the engine's interceptor
	sourceCheck      = "check"      // POST /v1/check
	sourceAuthZEN    = "authzen"    // the AuthZEN evaluations
	sourceDelegation = "delegation" // the store-level delegation application
)

// Label values outside a metric's fixed set are counted under these.
const (
	otherLabel = "other" // an HTTP method or operation name outside the known set
)

// knownMethods are the HTTP methods that get their own "method" label;
// every other method a client sends is counted as otherLabel, so a client
// cannot add label values (and series, held forever) by inventing methods.
var knownMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions}

// methodLabel is the "method" label of a request method.
func methodLabel(m string) string {
	for _, k := range knownMethods {
		if m == k {
			return k
		}
	}
	return otherLabel
}

// codeLabel is the "code" label of a status code; the server writes only
// three-digit codes, anything else is otherLabel.
func codeLabel(code int) string {
	if code < 100 || code > 999 {
		return otherLabel
	}
	return strconv.Itoa(code)
}

// metrics are the server's Prometheus metrics, on a registry of its own.
// Every label value comes from a fixed set: route names from the route
// table, methodLabel, codeLabel, the decision sources, the operation names
// of opLabels (else otherLabel), allowed/denied — never from what a client
// sends, so the number of series is bounded whatever the traffic.
type metrics struct {
	reg          *prometheus.Registry
	decisions    *prometheus.CounterVec   // source, operation, result
	requests     *prometheus.HistogramVec // route, method, code
	checkLatency [2]prometheus.Observer   // by kind: single, batch
	checkOps     prometheus.Counter
	counters     sync.Map // decisionKey → prometheus.Counter
	// checkCounters are the check endpoint's decision counters of every
	// catalog operation (denied, allowed), at the operation's index in
	// checkIndex. Both are read-only after newMetrics.
	checkCounters [][2]prometheus.Counter
	checkIndex    map[string]int32 // by the catalog name
	observers     sync.Map         // requestKey → prometheus.Observer
	// opLabels are the operation names that get their own "operation"
	// label: the catalog's and the delegation application's. Read-only
	// after newMetrics.
	opLabels map[string]bool
}

func newMetrics(status func() authz.Status) *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "azgate_decisions_total",
			Help: "Access decisions by source (engine, check, delegation), operation and result (allowed, denied).",
		}, []string{"source", "operation", "result"}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "azgate_http_request_duration_seconds",
			Help:    "HTTP request latency by route name, method and status code.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method", "code"}),
		checkOps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "azgate_check_operations_total",
			Help: "Operation decisions answered by POST /v1/check.",
		}),
	}
	checkLatency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "azgate_check_duration_seconds",
		Help:    "Time to decide one POST /v1/check body (all its operations), by kind (single, batch).",
		Buckets: []float64{.00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .1},
	}, []string{"kind"})
	m.checkLatency = [2]prometheus.Observer{checkLatency.WithLabelValues("single"), checkLatency.WithLabelValues("batch")}
	reg.MustRegister(m.decisions, m.requests, checkLatency, m.checkOps,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "azgate_policy_revision",
			Help: "Revision of the policy store in force.",
		}, func() float64 { return float64(status().Revision) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "azgate_policy_reload_errors_total",
			Help: "Policy reloads that failed (the last good policy stayed in force).",
		}, func() float64 { return float64(status().Failures) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "azgate_policy_reloads_total",
			Help: "Successful policy reloads after start.",
		}, func() float64 { return float64(status().Reloads) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "azgate_policy_outside_changes_total",
			Help: "Changes of the policy store loaded that no azgate writer made (text editor, ldapmodify); each is audited.",
		}, func() float64 { return float64(status().OutsideChanges) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "azgate_policy_degraded",
			Help: "1 when the last policy reload failed, else 0.",
		}, func() float64 {
			if status().Degraded {
				return 1
			}
			return 0
		}),
	)
	m.opLabels = map[string]bool{}
	for _, o := range append(operations.All(), delegationCatalog()...) {
		m.opLabels[o.Name] = true
	}
	m.checkIndex = map[string]int32{}
	for _, o := range operations.All() {
		m.checkIndex[o.Name] = int32(len(m.checkCounters))
		m.checkCounters = append(m.checkCounters, [2]prometheus.Counter{
			m.decisions.WithLabelValues(sourceCheck, o.Name, "denied"),
			m.decisions.WithLabelValues(sourceCheck, o.Name, "allowed"),
		})
	}
	return m
}

// decisionTally counts the check endpoint's decisions of one request, so
// that each counter is added to once per request, not once per
// operation. The zero value is ready; addTally empties it.
type decisionTally struct {
	counts  [][2]uint64 // by checkIndex: denied, allowed
	touched []int32     // indexes with a count
	others  []otherDecision
}

// otherDecision is a decision about an operation outside the catalog.
type otherDecision struct {
	name    string
	allowed bool
}

// tallyCheck counts one decision of the check endpoint into t: about the
// operation name when labelled (an operation of the engine's or the
// delegation application), else about another application's operation,
// counted as otherLabel whatever its name.
func (m *metrics) tallyCheck(t *decisionTally, labelled bool, name string, allowed bool) {
	if !labelled {
		name = otherLabel
	}
	i, ok := m.checkIndex[name]
	if !ok {
		t.others = append(t.others, otherDecision{name, allowed})
		return
	}
	if len(t.counts) != len(m.checkCounters) {
		t.counts = make([][2]uint64, len(m.checkCounters))
	}
	c := &t.counts[i]
	if c[0] == 0 && c[1] == 0 {
		t.touched = append(t.touched, i)
	}
	if allowed {
		c[1]++
	} else {
		c[0]++
	}
}

// addTally adds t to the decision counters and empties it.
func (m *metrics) addTally(t *decisionTally) {
	for _, i := range t.touched {
		c := &t.counts[i]
		for r, n := range c {
			if n > 0 {
				m.checkCounters[i][r].Add(float64(n))
			}
		}
		*c = [2]uint64{}
	}
	t.touched = t.touched[:0]
	for _, o := range t.others {
		m.decision(sourceCheck, o.name, o.allowed)
	}
	clear(t.others) // drop the names
	t.others = t.others[:0]
}

// decision counts one decision; an operation outside opLabels is counted
// as otherLabel.
func (m *metrics) decision(source, op string, allowed bool) {
	if !m.opLabels[op] {
		op = otherLabel
	}
	k := decisionKey{source, op, allowed}
	if c, ok := m.counters.Load(k); ok {
		c.(prometheus.Counter).Inc()
		return
	}
	result := "denied"
	if allowed {
		result = "allowed"
	}
	c := m.decisions.WithLabelValues(source, op, result)
	m.counters.Store(k, c)
	c.Inc()
}

// decisionKey caches the counter of one label set: WithLabelValues hashes
// and locks on every call, and a batch check counts every operation.
type decisionKey struct {
	source, op string
	allowed    bool
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// instrument observes the latency of a route's requests; name is the
// route's name from the route table (or not_found, method_not_allowed),
// never anything taken from the request.
func (m *metrics) instrument(name string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		m.observer(name, r.Method, sw.status).Observe(time.Since(start).Seconds())
	})
}

type requestKey struct {
	route, method, code string
}

// observer returns the latency histogram of one label set, cached as the
// decision counters are. The method and code are reduced to their fixed
// label sets first, so the cache is as bounded as the series.
func (m *metrics) observer(route, method string, code int) prometheus.Observer {
	k := requestKey{route, methodLabel(method), codeLabel(code)}
	if o, ok := m.observers.Load(k); ok {
		return o.(prometheus.Observer)
	}
	o := m.requests.WithLabelValues(k.route, k.method, k.code)
	m.observers.Store(k, o)
	return o
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
