package authzen

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
)

// The default paths of the HTTPS binding.
const (
	PathEvaluation     = "/access/v1/evaluation"
	PathEvaluations    = "/access/v1/evaluations"
	PathSearchSubject  = "/access/v1/search/subject"
	PathSearchResource = "/access/v1/search/resource"
	PathSearchAction   = "/access/v1/search/action"
	PathMetadata       = "/.well-known/authzen-configuration"
)

// The delegation operations (azgate's own application) the endpoints need.
const (
	// OpCheckAccess lets a caller ask for decisions about any subject: the
	// evaluations and the resource and action searches, whose answers are
	// decisions too.
	OpCheckAccess = "Check Access"
	// OpReadPolicy lets a caller list who holds an operation: the subject
	// search, as GET /v1/who-can.
	OpReadPolicy = "Read Policy"
)

// ErrUnknownSubject is wrapped by Config.Resolve's error for a subject the
// directory does not know.
var ErrUnknownSubject = errors.New("unknown subject")

// MaxEvaluations bounds the evaluations of one request, DefaultPageSize is
// the page of a search without page.limit, and MaxPageSize the largest.
const (
	MaxEvaluations  = 1000
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// Config is what a Service decides with. Policy, Resolve and Authorize are
// required.
type Config struct {
	// Policy returns the policy in force (authz.Live.Current).
	Policy func() *authz.Snapshot
	// Application is the application of a request without
	// resource.properties.application; "" is the snapshot's own (the
	// engine's).
	Application string
	// Resolve returns the client context of the user a subject id names
	// (by name, SID or alias), or an error wrapping ErrUnknownSubject. Any
	// other error (the directory cannot answer) fails the request: an
	// *Error is answered as it is, anything else is a 500.
	Resolve func(ctx context.Context, id string) (directory.ClientContext, error)
	// Users lists the directory's users, the candidates of the subject
	// search. Nil: the directory cannot list them, and the subject search
	// is not offered.
	Users func(ctx context.Context) ([]string, error)
	// Objects finds the management engine's objects, for the request's
	// caller. Nil: the engine's types are not recognised (and decided in
	// the default scope, which grants no more than the object's own scope
	// would).
	Objects Objects
	// Authorize returns nil when the request's caller holds op (OpCheckAccess,
	// OpReadPolicy) in azgate's delegation application; else the error to
	// answer (an *Error as it is).
	Authorize func(r *http.Request, op string) error
	// OnDecision, when set, is told every decision made (audit, metrics).
	OnDecision func(ctx context.Context, d Made)
	// PDPURL is the PDP identifier the metadata names (https://host[:port],
	// no path); "" derives it from each request's host.
	PDPURL string
	// Logger receives what the client is not told; nil discards it.
	Logger *slog.Logger
}

// Objects is the management engine, as the API needs it: what the
// request's caller (the PEP) may learn of its objects.
type Objects interface {
	// Types lists the engine's resource types ("vm", "switch", "port").
	Types() []string
	// Scopes returns the scopes a decision about the object of type typ
	// named id is made in: its scope of residence, and those of the
	// objects a call on it touches too (a port's switch). found is false
	// when there is no such object or the caller may not learn of it (the
	// two are not told apart).
	Scopes(ctx context.Context, typ, id string) (scopes []string, found bool, err error)
	// List returns every object of type typ the caller may learn of.
	List(ctx context.Context, typ string) ([]Object, error)
}

// Object is one engine object: its name.
type Object struct {
	ID string
}

// Made is one decision, as Config.OnDecision is told it.
type Made struct {
	Subject     string // the subject id as given
	Application string
	Operation   string
	OperationID int
	Scope       string
	Object      string // "type id" of the resource
	Allowed     bool
	Grant       *authz.Grant
	Err         error
}

// Service answers the AuthZEN Authorization API. Make one with New.
type Service struct {
	cfg Config
	log *slog.Logger
}

// New returns a Service deciding with cfg.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Policy == nil:
		return nil, errors.New("authzen: Config.Policy is required")
	case cfg.Resolve == nil:
		return nil, errors.New("authzen: Config.Resolve is required")
	case cfg.Authorize == nil:
		return nil, errors.New("authzen: Config.Authorize is required")
	}
	if cfg.PDPURL != "" && (!strings.HasPrefix(cfg.PDPURL, "https://") && !strings.HasPrefix(cfg.PDPURL, "http://") ||
		strings.ContainsAny(cfg.PDPURL, "?#")) {
		return nil, errors.New("authzen: the PDP URL must be an http(s) URL without query or fragment, got " + cfg.PDPURL)
	}
	cfg.PDPURL = strings.TrimRight(cfg.PDPURL, "/")
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, log: log}, nil
}

// Endpoint is one endpoint of the API, for the server's route table.
type Endpoint struct {
	Name    string // unique; the OpenAPI operationId and metrics label
	Method  string
	Path    string
	Summary string
	// Public endpoints need no credentials (the metadata).
	Public bool
	// Needs is the delegation operation that decides the call.
	Needs string
	Body  any // a zero value of the request body, or nil
	Resp  any // a zero value of the response body
	// Handle serves the endpoint; an error is answered by the server as
	// the specification says: its status, and the message as the body (an
	// *Error's own).
	Handle func(w http.ResponseWriter, r *http.Request) error
}

// Endpoints lists the API's endpoints.
func (s *Service) Endpoints() []Endpoint {
	return []Endpoint{
		{Name: "authzenEvaluation", Method: http.MethodPost, Path: PathEvaluation, Needs: OpCheckAccess,
			Summary: "AuthZEN Access Evaluation: whether the subject may do the action on the resource",
			Body:    EvaluationRequest{}, Resp: Decision{}, Handle: s.evaluation},
		{Name: "authzenEvaluations", Method: http.MethodPost, Path: PathEvaluations, Needs: OpCheckAccess,
			Summary: "AuthZEN Access Evaluations: several evaluations, with defaults and an evaluations semantic",
			Body:    EvaluationsRequest{}, Resp: EvaluationsResponse{}, Handle: s.evaluations},
		{Name: "authzenSearchSubject", Method: http.MethodPost, Path: PathSearchSubject, Needs: OpReadPolicy,
			Summary: "AuthZEN Subject Search: every user who may do the action on the resource",
			Body:    SearchRequest{}, Resp: SubjectSearchResponse{}, Handle: s.searchSubject},
		{Name: "authzenSearchResource", Method: http.MethodPost, Path: PathSearchResource, Needs: OpCheckAccess,
			Summary: "AuthZEN Resource Search: every scope or engine object of the type on which the subject may do the action",
			Body:    SearchRequest{}, Resp: ResourceSearchResponse{}, Handle: s.searchResource},
		{Name: "authzenSearchAction", Method: http.MethodPost, Path: PathSearchAction, Needs: OpCheckAccess,
			Summary: "AuthZEN Action Search: every operation the subject may do on the resource",
			Body:    SearchRequest{}, Resp: ActionSearchResponse{}, Handle: s.searchAction},
		{Name: "authzenMetadata", Method: http.MethodGet, Path: PathMetadata, Public: true,
			Summary: "AuthZEN PDP metadata: the endpoints this PDP serves",
			Resp:    Metadata{}, Handle: s.metadata},
	}
}

// WriteError answers err as the specification says: its status (an
// *Error's, else the one given) and its message as the body, in text.
func WriteError(w http.ResponseWriter, status int, message string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(message + "\n"))
}

// RequestID echoes a request's X-Request-ID in its response, errors
// included, as the specification requires.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get("X-Request-ID"); id != "" {
			w.Header().Set("X-Request-ID", id)
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(b, '\n'))
	return nil
}

// metadata serves the PDP metadata document.
func (s *Service) metadata(w http.ResponseWriter, r *http.Request) error {
	base := s.cfg.PDPURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	m := Metadata{PolicyDecisionPoint: base,
		AccessEvaluationEndpoint:  base + PathEvaluation,
		AccessEvaluationsEndpoint: base + PathEvaluations,
		SearchResourceEndpoint:    base + PathSearchResource,
		SearchActionEndpoint:      base + PathSearchAction,
	}
	if s.cfg.Users != nil {
		m.SearchSubjectEndpoint = base + PathSearchSubject
	}
	w.Header().Set("Cache-Control", "max-age=300")
	return writeJSON(w, m)
}
