package httpauthz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
)

// Source is the policy the middleware decides with: the compiled
// applications of a store. *authz.Live is one; it follows its store, and
// the middleware re-resolves its routes against every policy it loads.
// Static makes a Source of one compiled application.
type Source interface {
	// Current returns the policy in force. A new pointer means a new
	// policy; the middleware resolves its routes once per pointer.
	Current() *authz.Snapshot
}

var _ Source = (*authz.Live)(nil)

// Static is the Source of application c, compiled once and never
// reloaded (for a policy that does not change, or tests).
func Static(c *authz.Checker) Source { return staticSource{&authz.Snapshot{Checker: c}} }

type staticSource struct{ s *authz.Snapshot }

func (s staticSource) Current() *authz.Snapshot { return s.s }

// ErrNoClient is the error a Config.Client function returns when the
// request carries no identity. Any error from Client yields 401.
var ErrNoClient = errors.New("no client identity")

// Config configures a Gate.
type Config struct {
	// Application is the AzMan application the routes' operations belong
	// to (compared by names.Equal). Empty: the default application, by the
	// rule every azgate face uses (authz.Snapshot.App): the only
	// application besides azgate's delegation application, else the one
	// the Source's authz.Live was made for (for the azgate server, the
	// engine's, "Hyper-V services"; for Static, its Checker's). New picks
	// it once.
	Application string
	// Routes maps each gated route to the operation it performs. A key is
	// an http.ServeMux pattern with a method, exactly as registered
	// ("POST /vms/{name}/start"), or, with gorilla/mux (package
	// gorillamux), a route name ("start-vm"). A value is an operation of
	// Application: its name (names.Equal) or its OperationID in decimal
	// ("Start Virtual Machine", "61"); a string of digits is an ID. A route
	// not in the table is unmapped: refused unless AllowUnmapped.
	Routes map[string]string
	// Match tells which route a request matched. Nil: http.ServeMux, by
	// Request.Pattern (install the middleware around each handler, not
	// around the mux). gorillamux.Match for gorilla/mux.
	Match func(*http.Request) (Route, bool)
	// Client identifies the caller of a request (the embedding server's
	// authentication). An error answers 401 Unauthorized. Required: when
	// nil, every request is refused with 401.
	Client func(*http.Request) (directory.ClientContext, error)
	// Scope extracts the scope the request acts in ("" is the default,
	// application-level scope). An error denies with 403. Nil: always the
	// default scope.
	Scope func(*http.Request) (string, error)
	// Params returns the business-rule parameters of a request. An error
	// denies with 403. Nil: no parameters.
	Params func(*http.Request) (authz.Params, error)
	// OnDecision, when set, is called once per request with what was
	// decided, before the response is written (audit, metrics).
	OnDecision func(*http.Request, Decision)
	// AllowUnmapped lets requests whose route has no operation through
	// unchecked (e.g. /healthz). The default is to refuse them: a route
	// nobody mapped is a route nobody thought about.
	AllowUnmapped bool
	// Logger receives denials (info), decision errors (warn), and routes
	// a reloaded policy no longer resolves (error). Nil: nothing is
	// logged.
	Logger *slog.Logger
}

// Decision is what the middleware decided for one request.
type Decision struct {
	Client directory.ClientContext
	// Application is the application the request was checked in.
	Application string
	// Operation is the route's operation in Application (zero when the
	// route is unmapped; only its name or ID as the route table gives it
	// when the policy in force does not define it).
	Operation operations.Operation
	Scope     string
	// Allowed: the request was passed on to the handler — granted, or an
	// unmapped route let through unchecked by AllowUnmapped (Operation is
	// then zero).
	Allowed bool
	// Status is the HTTP status the middleware answered, 0 when it passed
	// the request on to the handler.
	Status int
	// Result is the checker's result for the operation (zero when no check
	// was made).
	Result authz.Result
	// Err is why the request was refused when it was not a plain denial:
	// no client, unmapped route, a route whose operation the policy in
	// force lacks, scope or parameter extraction failed, the check failed.
	// For a plain denial it is authz.Result.Err (often nil).
	Err error
}

// Gate is the middleware of one application: a validated route table, kept
// resolved against the policy in force. It is safe for concurrent use.
type Gate struct {
	src    Source
	app    string // the application, as the store spelled it when New ran
	routes *routeTable
	cfg    Config
	log    *slog.Logger

	mu  sync.Mutex // serializes re-resolution
	cur atomic.Pointer[binding]
}

// New validates cfg against the policy src holds now and returns the
// Gate. The application must be in the policy and every route's operation
// in the application; otherwise the error names each bad route, the
// application and the closest operation names. Later policies (a reload
// of *authz.Live) are resolved again: a route whose operation is gone is
// refused with 403 and logged, never mapped to another operation.
func New(src Source, cfg Config) (*Gate, error) {
	if src == nil {
		return nil, errors.New("httpauthz: no policy Source")
	}
	s := src.Current()
	if s == nil || (s.Checker == nil && s.Policy == nil) {
		return nil, errors.New("httpauthz: the Source holds no policy")
	}
	rt, err := parseRoutes(cfg.Routes, cfg.Match == nil)
	if err != nil {
		return nil, err
	}
	app := cfg.Application
	if strings.TrimSpace(app) == "" {
		c, err := s.App("")
		if err != nil {
			return nil, fmt.Errorf("httpauthz: default application: %w", err)
		}
		app = c.Application()
	}
	g := &Gate{src: src, app: app, routes: rt, cfg: cfg, log: cfg.Logger}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	b := bind(s, app, rt)
	if b.err != nil {
		return nil, fmt.Errorf("httpauthz: %w", b.err)
	}
	var errs []error
	for i := range rt.routes {
		if err := b.ops[i].err; err != nil {
			errs = append(errs, fmt.Errorf("route %q: %w", rt.routes[i].key, err))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("httpauthz: %w", errors.Join(errs...))
	}
	g.app = b.chk.Application()
	g.cur.Store(b)
	return g, nil
}

// Application is the name of the application the Gate checks in.
func (g *Gate) Application() string { return g.app }

// Wrap gates next: for each request it identifies the client, finds the
// route's operation, extracts the scope and parameters, and checks. A
// grant calls next with the Result in the request context
// (ResultFromContext). Everything else is refused with a JSON body
// {"error": {"code": ..., "message": ...}}:
//
//   - no client (Client fails): 401 "unauthenticated";
//   - unmapped route: 403 "access_denied" (unless AllowUnmapped);
//   - denial, or any failure to decide (an operation or application the
//     policy in force lacks, scope, params, the check itself): 403
//     "access_denied", naming the operation and scope. Failures fail
//     closed; their cause goes to the Logger, not to the client.
//
// With gorilla/mux, install it with router.Use(gate.Wrap) so that
// mux.CurrentRoute is set when it runs.
func (g *Gate) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dec, ctx := g.decide(r)
		if g.cfg.OnDecision != nil {
			g.cfg.OnDecision(r, dec)
		}
		if dec.Status == 0 {
			if ctx != nil {
				r = r.WithContext(ctx)
			}
			next.ServeHTTP(w, r)
			return
		}
		g.logRefusal(r, &dec)
		writeRefusal(w, &dec)
	})
}

// Refresh resolves the routes against the policy in force now, logging
// the routes it can no longer resolve. The Gate does so by itself on the
// first request after a reload; call Refresh from authz.Live.OnReload to
// have a broken route logged when the policy loads instead.
func (g *Gate) Refresh() { g.bound() }

// bound returns the routes resolved against the policy in force,
// resolving them again when it changed.
func (g *Gate) bound() *binding {
	s := g.src.Current()
	if b := g.cur.Load(); b.snap == s {
		return b
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	old := g.cur.Load()
	if old.snap == s {
		return old
	}
	b := bind(s, g.app, g.routes)
	g.logRebind(old, b)
	g.cur.Store(b)
	return b
}

// decide runs the gate for one request. A Decision with Status 0 lets the
// request through, with ctx (nil for AllowUnmapped routes) as its context.
func (g *Gate) decide(r *http.Request) (Decision, context.Context) {
	dec := Decision{Application: g.app}
	if g.cfg.Client == nil {
		dec.Status, dec.Err = http.StatusUnauthorized, fmt.Errorf("middleware: no Client function configured: %w", ErrNoClient)
		return dec, nil
	}
	client, err := g.cfg.Client(r)
	if err != nil {
		dec.Status, dec.Err = http.StatusUnauthorized, fmt.Errorf("identify client: %w", err)
		return dec, nil
	}
	dec.Client = client
	i, mapped := g.route(r)
	if !mapped {
		if g.cfg.AllowUnmapped {
			dec.Allowed = true
			return dec, nil
		}
		dec.Status, dec.Err = http.StatusForbidden, errUnmapped
		return dec, nil
	}
	b := g.bound()
	op := b.ops[i]
	dec.Operation = op.op
	if b.err != nil || op.err != nil {
		dec.Status, dec.Err = http.StatusForbidden, errors.Join(b.err, op.err)
		return dec, nil
	}
	if g.cfg.Scope != nil {
		s, err := g.cfg.Scope(r)
		if err != nil {
			dec.Status, dec.Err = http.StatusForbidden, fmt.Errorf("extract scope: %w", err)
			return dec, nil
		}
		dec.Scope = s
	}
	var params authz.Params
	if g.cfg.Params != nil {
		p, err := g.cfg.Params(r)
		if err != nil {
			dec.Status, dec.Err = http.StatusForbidden, fmt.Errorf("extract parameters: %w", err)
			return dec, nil
		}
		params = p
	}
	results, err := b.chk.AccessCheck(r.Context(), client, dec.Scope, []operations.ID{op.op.ID}, params)
	switch {
	case err != nil:
		dec.Status, dec.Err = http.StatusForbidden, fmt.Errorf("access check: %w", err)
		return dec, nil
	case len(results) != 1:
		dec.Status, dec.Err = http.StatusForbidden, fmt.Errorf("access check: %d results for 1 operation", len(results))
		return dec, nil
	}
	dec.Result = results[0]
	if !dec.Result.Allowed || dec.Result.Err != nil {
		dec.Status, dec.Err = http.StatusForbidden, dec.Result.Err
		return dec, nil
	}
	dec.Allowed = true
	ctx := context.WithValue(r.Context(), middlewareKey{}, &requestDecision{client: client, scope: dec.Scope, result: dec.Result})
	return dec, ctx
}

var errUnmapped = errors.New("no operation is mapped to this route")

type middlewareKey struct{}

// requestDecision is what the middleware stores in the request context.
type requestDecision struct {
	client directory.ClientContext
	scope  string
	result authz.Result
}

// ResultFromContext returns the granted authz.Result the middleware put in the
// context of a request it let through. ok is false outside the middleware
// and for unmapped routes let through by AllowUnmapped.
func ResultFromContext(ctx context.Context) (authz.Result, bool) {
	d, ok := ctx.Value(middlewareKey{}).(*requestDecision)
	if !ok {
		return authz.Result{}, false
	}
	return d.result, true
}

// ClientFromContext returns the client the middleware identified for a
// request it let through, and the scope it was checked in.
func ClientFromContext(ctx context.Context) (client directory.ClientContext, scope string, ok bool) {
	d, ok := ctx.Value(middlewareKey{}).(*requestDecision)
	if !ok {
		return directory.ClientContext{}, "", false
	}
	return d.client, d.scope, true
}

// middlewareError is the JSON error body, the same shape the azgate server
// uses.
type middlewareError struct {
	Error struct {
		Code        string  `json:"code"`
		Message     string  `json:"message"`
		Operation   string  `json:"operation,omitempty"`
		OperationID int     `json:"operationId,omitempty"`
		Scope       *string `json:"scope,omitempty"`
	} `json:"error"`
}

func writeRefusal(w http.ResponseWriter, dec *Decision) {
	var body middlewareError
	switch {
	case dec.Status == http.StatusUnauthorized:
		body.Error.Code, body.Error.Message = "unauthenticated", "authentication required"
		w.Header().Set("WWW-Authenticate", `Bearer realm="azgate"`)
	case errors.Is(dec.Err, errUnmapped):
		body.Error.Code, body.Error.Message = "access_denied", "access denied: "+errUnmapped.Error()
	default:
		scope := dec.Scope
		body.Error.Code = "access_denied"
		body.Error.Message = fmt.Sprintf("access denied: %q in %s", dec.Operation.Name, scopeWords(scope))
		if dec.Operation.Name == "" {
			body.Error.Message = fmt.Sprintf("access denied: operation ID %d in %s", dec.Operation.ID, scopeWords(scope))
		}
		body.Error.Operation, body.Error.OperationID, body.Error.Scope = dec.Operation.Name, int(dec.Operation.ID), &scope
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(dec.Status)
	_ = json.NewEncoder(w).Encode(&body) // the client went away; nothing to do
}

func scopeWords(scope string) string {
	if scope == "" {
		return "the default scope"
	}
	return fmt.Sprintf("scope %q", scope)
}

func (g *Gate) logRefusal(r *http.Request, dec *Decision) {
	level := slog.LevelInfo
	if dec.Status == http.StatusForbidden && dec.Err != nil && dec.Result.Operation.ID == 0 && !errors.Is(dec.Err, errUnmapped) {
		level = slog.LevelWarn // no decision could be made: the route's operation, scope, params or the check failed
	}
	g.log.Log(r.Context(), level, "authz middleware refused request", "method", r.Method, "path", r.URL.Path,
		"status", dec.Status, "principal", dec.Client.Name, "application", dec.Application, "operation", dec.Operation.Name,
		"scope", dec.Scope, "err", dec.Err)
}

// ScopeFromPathValue returns a Scope function reading the path wildcard
// name of the ServeMux pattern the request matched ("" when absent: the
// default scope).
func ScopeFromPathValue(name string) func(*http.Request) (string, error) {
	return func(r *http.Request) (string, error) { return r.PathValue(name), nil }
}
