package httpauthz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
)

// Decider answers access checks. *authz.Checker and the live, reloading checker
// satisfy it; the middleware needs nothing else.
//
// AccessCheck returns one authz.Result per operation, in order. A non-nil error
// means the check could not be made; the middleware then denies.
type Decider interface {
	AccessCheck(ctx context.Context, client directory.ClientContext, scope string, ops []operations.ID, params authz.Params) ([]authz.Result, error)
}

var (
	_ Decider = (*authz.Checker)(nil)
	_ Decider = (*authz.Live)(nil)
)

// ErrNoClient is the error a Options.Client function returns when
// the request carries no identity. Any error from Client yields 401.
var ErrNoClient = errors.New("no client identity")

// Options configure Middleware.
type Options struct {
	// Client identifies the caller of a request (the embedding server's
	// authentication). An error answers 401 Unauthorized. Required: when
	// nil, every request is refused with 401.
	Client func(*http.Request) (directory.ClientContext, error)
	// Operation maps a request to the operation it performs, an ID of the
	// Decider's catalog (Options.Operations of its authz.Checker); see
	// RouteOperations and RouteOperationsFor. false means the route is
	// unmapped: 403 unless AllowUnmapped. An ID the catalog lacks is 403.
	// Required: when nil, every route is unmapped.
	Operation func(*http.Request) (operations.ID, bool)
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
	// Logger receives denials (info) and decision errors (warn). Nil:
	// nothing is logged.
	Logger *slog.Logger
}

// Decision is what the middleware decided for one request.
type Decision struct {
	Client    directory.ClientContext
	Operation operations.Operation // zero when the route is unmapped
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
	// no client, unmapped route, scope or parameter extraction failed, the
	// check failed. For a plain denial it is authz.Result.Err (often nil).
	Err error
}

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

// Middleware gates an http.Handler with access checks: for each request it
// identifies the client, maps the route to an operation, extracts the scope
// and parameters, and asks d. A grant calls the next handler with the Result
// in the request context (ResultFromContext). Everything else is refused
// with a JSON body {"error": {"code": ..., "message": ...}}:
//
//   - no client (Client fails): 401 "unauthenticated";
//   - unmapped route: 403 "access_denied" (unless AllowUnmapped);
//   - denial, or any failure to decide (scope, params, the check itself):
//     403 "access_denied", naming the operation and scope. Failures fail
//     closed; their cause goes to the Logger, not to the client.
//
// With gorilla/mux, install it with router.Use so that mux.CurrentRoute is
// set when the Operation and Scope functions run.
func Middleware(d Decider, opts Options) func(http.Handler) http.Handler {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			dec, ctx := decide(r, d, &opts)
			if opts.OnDecision != nil {
				opts.OnDecision(r, dec)
			}
			if dec.Status == 0 {
				if ctx != nil {
					r = r.WithContext(ctx)
				}
				next.ServeHTTP(w, r)
				return
			}
			logRefusal(r, log, &dec)
			writeRefusal(w, &dec)
		})
	}
}

// decide runs the gate for one request. A Decision with Status 0 lets the
// request through, with ctx (nil for AllowUnmapped routes) as its context.
func decide(r *http.Request, d Decider, opts *Options) (Decision, context.Context) {
	var dec Decision
	if opts.Client == nil {
		dec.Status, dec.Err = http.StatusUnauthorized, fmt.Errorf("middleware: no Client function configured: %w", ErrNoClient)
		return dec, nil
	}
	client, err := opts.Client(r)
	if err != nil {
		dec.Status, dec.Err = http.StatusUnauthorized, fmt.Errorf("identify client: %w", err)
		return dec, nil
	}
	dec.Client = client
	var id operations.ID
	mapped := false
	if opts.Operation != nil {
		id, mapped = opts.Operation(r)
	}
	if !mapped {
		if opts.AllowUnmapped {
			dec.Allowed = true
			return dec, nil
		}
		dec.Status, dec.Err = http.StatusForbidden, errUnmapped
		return dec, nil
	}
	op, known, sure := deciderOperation(d, id)
	dec.Operation = op
	if sure && !known {
		dec.Status, dec.Err = http.StatusForbidden, fmt.Errorf("route operation: operation ID %d: %w", id, authz.ErrUnknownOperation)
		return dec, nil
	}
	if opts.Scope != nil {
		s, err := opts.Scope(r)
		if err != nil {
			dec.Status, dec.Err = http.StatusForbidden, fmt.Errorf("extract scope: %w", err)
			return dec, nil
		}
		dec.Scope = s
	}
	var params authz.Params
	if opts.Params != nil {
		p, err := opts.Params(r)
		if err != nil {
			dec.Status, dec.Err = http.StatusForbidden, fmt.Errorf("extract parameters: %w", err)
			return dec, nil
		}
		params = p
	}
	if d == nil {
		dec.Status, dec.Err = http.StatusForbidden, errors.New("middleware: no Decider configured")
		return dec, nil
	}
	results, err := d.AccessCheck(r.Context(), client, dec.Scope, []operations.ID{id}, params)
	switch {
	case err != nil:
		dec.Status, dec.Err = http.StatusForbidden, fmt.Errorf("access check: %w", err)
		return dec, nil
	case len(results) != 1:
		dec.Status, dec.Err = http.StatusForbidden, fmt.Errorf("access check: %d results for 1 operation", len(results))
		return dec, nil
	}
	dec.Result = results[0]
	if r := dec.Result.Operation; r.ID == id && r.Name != "" {
		dec.Operation = r // a Decider whose catalog the middleware could not see up front
	}
	if !dec.Result.Allowed || dec.Result.Err != nil {
		dec.Status, dec.Err = http.StatusForbidden, dec.Result.Err
		return dec, nil
	}
	dec.Allowed = true
	ctx := context.WithValue(r.Context(), middlewareKey{}, &requestDecision{client: client, scope: dec.Scope, result: dec.Result})
	return dec, ctx
}

var errUnmapped = errors.New("no operation is mapped to this route")

// operationLookup is a Decider that knows its operation catalog (*authz.Checker
// does). The middleware uses it to name the operation of a refusal made
// before the check and to refuse IDs outside the catalog up front.
type operationLookup interface {
	Operation(id operations.ID) (operations.Operation, bool)
}

// deciderOperation returns operation id of d's catalog; sure is false when
// d does not tell its catalog (the check itself then denies unknown IDs).
func deciderOperation(d Decider, id operations.ID) (op operations.Operation, known, sure bool) {
	switch d := d.(type) {
	case *authz.Live:
		if d != nil {
			if s := d.Current(); s != nil && s.Checker != nil {
				op, known = s.Checker.Operation(id)
				return op, known, true
			}
		}
	case *authz.Checker:
		if d != nil {
			op, known = d.Operation(id)
			return op, known, true
		}
	case operationLookup:
		op, known = d.Operation(id)
		return op, known, true
	}
	return operations.Operation{ID: id}, false, false
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

func logRefusal(r *http.Request, log *slog.Logger, dec *Decision) {
	level := slog.LevelInfo
	if dec.Status == http.StatusForbidden && dec.Err != nil && dec.Result.Operation.ID == 0 && !errors.Is(dec.Err, errUnmapped) {
		level = slog.LevelWarn // no decision could be made: scope, params or the check failed
	}
	log.Log(r.Context(), level, "authz middleware refused request", "method", r.Method, "path", r.URL.Path,
		"status", dec.Status, "principal", dec.Client.Name, "operation", dec.Operation.Name, "scope", dec.Scope, "err", dec.Err)
}

// Routes is a validated route table: the operation each route performs.
// Keys are http.ServeMux patterns with a method ("POST /vms/{name}/start",
// exactly as registered) or, for gorilla/mux (package gorillamux), route
// names ("start-vm").
type Routes struct {
	byName    map[string]operations.ID
	byPattern map[string]operations.ID
}

// NewRoutes validates table against the operation catalog ops (the one
// given to authz.Compile as Options.Operations; nil or empty: the Hyper-V
// catalog). Every operation must be in the catalog and every key
// well-formed; otherwise the error names the key.
func NewRoutes(ops []operations.Operation, table map[string]operations.ID) (*Routes, error) {
	if len(ops) == 0 {
		ops = operations.All()
	} else if _, err := operations.NewIndex("", ops); err != nil {
		return nil, fmt.Errorf("route operations: %w: %w", authz.ErrBadCatalog, err)
	}
	ids := make(map[operations.ID]bool, len(ops))
	for _, o := range ops {
		ids[o.ID] = true
	}
	rt := &Routes{byName: map[string]operations.ID{}, byPattern: make(map[string]operations.ID, len(table))}
	for k, id := range table {
		if !ids[id] {
			return nil, fmt.Errorf("route %q: operation ID %d: %w", k, id, authz.ErrUnknownOperation)
		}
		key := strings.TrimSpace(k)
		if key == "" {
			return nil, fmt.Errorf("route %q: empty route name", k)
		}
		method, path, ok := strings.Cut(key, " ")
		if !ok {
			rt.byName[key] = id
			continue
		}
		if !isMethod(method) {
			return nil, fmt.Errorf("route %q: %q is not an HTTP method (want \"METHOD /path/{var}\" or a route name)", k, method)
		}
		path = strings.TrimSpace(path)
		if !strings.HasPrefix(path, "/") {
			return nil, fmt.Errorf("route %q: path template %q must start with /", k, path)
		}
		rt.byPattern[method+" "+path] = id
	}
	return rt, nil
}

// Pattern returns the operation of the route "METHOD /path/{var}".
func (rt *Routes) Pattern(method, path string) (operations.ID, bool) {
	id, ok := rt.byPattern[method+" "+path]
	return id, ok
}

// Name returns the operation of the route named name (gorilla/mux).
func (rt *Routes) Name(name string) (operations.ID, bool) {
	id, ok := rt.byName[name]
	return id, ok
}

// HasNames reports whether the table has route-name keys, which only
// gorilla/mux can match.
func (rt *Routes) HasNames() bool { return len(rt.byName) > 0 }

// RouteOperations builds an Options.Operation function for http.ServeMux
// from a table whose keys are the patterns the handlers are registered
// with ("GET /vms/{name}", "POST /vms/{name}/start"). The operation is
// looked up by the pattern the mux matched (Request.Pattern), so install
// the middleware around each handler:
//
//	gate := httpauthz.Middleware(checker, opts)
//	mux.Handle("POST /vms/{name}/start", gate(http.HandlerFunc(start)))
//
// A request reaching the middleware without a pattern (the middleware
// wrapped around the whole mux) is unmapped, and refused. Every operation
// must be in the Hyper-V catalog; servers with their own catalog use
// RouteOperationsFor. Route names are a gorilla/mux feature: a table with
// them is an error here (use package gorillamux).
func RouteOperations(table map[string]operations.ID) (func(*http.Request) (operations.ID, bool), error) {
	return RouteOperationsFor(nil, table)
}

// RouteOperationsFor is RouteOperations for the operation catalog ops.
func RouteOperationsFor(ops []operations.Operation, table map[string]operations.ID) (func(*http.Request) (operations.ID, bool), error) {
	rt, err := NewRoutes(ops, table)
	if err != nil {
		return nil, err
	}
	if rt.HasNames() {
		for name := range rt.byName {
			return nil, fmt.Errorf("route %q: route names need gorilla/mux (package gorillamux); http.ServeMux routes are \"METHOD /path\" patterns", name)
		}
	}
	return func(r *http.Request) (operations.ID, bool) {
		method, path, ok := strings.Cut(r.Pattern, " ")
		if !ok || method != r.Method && !(method == http.MethodGet && r.Method == http.MethodHead) {
			return 0, false
		}
		return rt.Pattern(method, path)
	}, nil
}

func isMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return true
	}
	return false
}

// ScopeFromPathValue returns a Scope function reading the path wildcard
// name of the ServeMux pattern the request matched ("" when absent: the
// default scope).
func ScopeFromPathValue(name string) func(*http.Request) (string, error) {
	return func(r *http.Request) (string, error) { return r.PathValue(name), nil }
}
