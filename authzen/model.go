package authzen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Subject is the user about whom a request is made.
type Subject struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Properties map[string]any `json:"properties,omitempty"`
}

// Resource is the target of a request.
type Resource struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Properties map[string]any `json:"properties,omitempty"`
}

// Action is what the subject would do.
type Action struct {
	Name       string         `json:"name"`
	Properties map[string]any `json:"properties,omitempty"`
}

// EvaluationRequest is the body of POST /access/v1/evaluation.
type EvaluationRequest struct {
	Subject  *Subject       `json:"subject,omitempty"`
	Action   *Action        `json:"action,omitempty"`
	Resource *Resource      `json:"resource,omitempty"`
	Context  map[string]any `json:"context,omitempty"`
}

// Decision is the answer to one evaluation.
type Decision struct {
	Decision bool `json:"decision"`
	// Context says why a denial was made: "reason", and "error" (status and
	// message) when the decision could not be made.
	Context map[string]any `json:"context,omitempty"`
}

// The evaluation semantics of POST /access/v1/evaluations
// (options.evaluations_semantic).
const (
	ExecuteAll          = "execute_all"
	DenyOnFirstDeny     = "deny_on_first_deny"
	PermitOnFirstPermit = "permit_on_first_permit"
)

// EvaluationsOptions are the options of an evaluations request.
type EvaluationsOptions struct {
	// EvaluationsSemantic is ExecuteAll (the default), DenyOnFirstDeny or
	// PermitOnFirstPermit.
	EvaluationsSemantic string `json:"evaluations_semantic,omitempty"`
}

// EvaluationsRequest is the body of POST /access/v1/evaluations: the
// top-level subject, action, resource and context are defaults for each
// evaluation.
type EvaluationsRequest struct {
	EvaluationRequest
	Evaluations []EvaluationRequest `json:"evaluations,omitempty"`
	Options     *EvaluationsOptions `json:"options,omitempty"`
}

// EvaluationsResponse answers an evaluations request, in its order.
type EvaluationsResponse struct {
	Evaluations []Decision `json:"evaluations"`
}

// PageRequest asks for one page of a search.
type PageRequest struct {
	// Token is the next_token of the previous page; "" for the first.
	Token string `json:"token,omitempty"`
	// Limit is the most results a page holds.
	Limit *int `json:"limit,omitempty"`
}

// PageResponse describes a page of a search.
type PageResponse struct {
	// NextToken fetches the next page; "" on the last.
	NextToken string `json:"next_token"`
	Count     int    `json:"count"`
	Total     int    `json:"total"`
}

// SearchRequest is the body of the search endpoints: the entity searched
// for carries only its type (an id is ignored); the action search has no
// action.
type SearchRequest struct {
	EvaluationRequest
	Page *PageRequest `json:"page,omitempty"`
}

// SubjectSearchResponse, ResourceSearchResponse and ActionSearchResponse
// answer the searches.
type (
	SubjectSearchResponse struct {
		Page    *PageResponse `json:"page,omitempty"`
		Results []Subject     `json:"results"`
	}
	ResourceSearchResponse struct {
		Page    *PageResponse `json:"page,omitempty"`
		Results []Resource    `json:"results"`
	}
	ActionSearchResponse struct {
		Page    *PageResponse `json:"page,omitempty"`
		Results []Action      `json:"results"`
	}
)

// Metadata is the PDP metadata document (/.well-known/authzen-configuration).
type Metadata struct {
	PolicyDecisionPoint       string `json:"policy_decision_point"`
	AccessEvaluationEndpoint  string `json:"access_evaluation_endpoint"`
	AccessEvaluationsEndpoint string `json:"access_evaluations_endpoint,omitempty"`
	SearchSubjectEndpoint     string `json:"search_subject_endpoint,omitempty"`
	SearchResourceEndpoint    string `json:"search_resource_endpoint,omitempty"`
	SearchActionEndpoint      string `json:"search_action_endpoint,omitempty"`
}

// Error is an error of a whole request: the HTTP status and the message
// the response body carries.
type Error struct {
	Status  int
	Message string
	Err     error // the cause, for the log
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

func badRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// decode reads a JSON object into v. Unknown members are ignored, as the
// specification requires of receivers; anything else that is not the
// request's shape is a 400 naming what is wrong.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var maxErr *http.MaxBytesError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &maxErr):
			return &Error{Status: http.StatusRequestEntityTooLarge,
				Message: fmt.Sprintf("request body larger than %d bytes", maxErr.Limit), Err: err}
		case errors.Is(err, io.EOF):
			return badRequest("empty request body: a JSON object is required")
		case errors.As(err, &typ):
			where := "the body"
			if typ.Field != "" {
				where = typ.Field
			}
			return badRequest("malformed request: %s must not be a JSON %s", where, typ.Value)
		}
		return badRequest("malformed JSON body: %v", err)
	}
	var rest [64]byte
	for {
		n, err := io.MultiReader(dec.Buffered(), r.Body).Read(rest[:])
		if len(bytes.TrimSpace(rest[:n])) > 0 {
			return badRequest("malformed JSON body: trailing data after the object")
		}
		if err != nil {
			return nil
		}
	}
}

// The request bodies as decoded: pointers tell an absent member from an
// empty one, as the specification's required members need.
type (
	wireEntity struct {
		Type       *string        `json:"type"`
		ID         *string        `json:"id"`
		Properties map[string]any `json:"properties"`
	}
	wireAction struct {
		Name       *string        `json:"name"`
		Properties map[string]any `json:"properties"`
	}
	wireEvaluation struct {
		Subject  *wireEntity    `json:"subject"`
		Action   *wireAction    `json:"action"`
		Resource *wireEntity    `json:"resource"`
		Context  map[string]any `json:"context"`
	}
	wireEvaluations struct {
		wireEvaluation
		Evaluations []wireEvaluation    `json:"evaluations"`
		Options     *EvaluationsOptions `json:"options"`
	}
	wireSearch struct {
		wireEvaluation
		Page *wirePage `json:"page"`
	}
	wirePage struct {
		Token *string         `json:"token"`
		Limit *int            `json:"limit"`
		Props json.RawMessage `json:"properties"`
	}
)

// entity checks a subject or resource: type always, id unless it is the
// entity searched for (whose id is ignored).
func (w *wireEntity) entity(what string, needID bool) (Resource, error) {
	switch {
	case w == nil:
		return Resource{}, badRequest("%s is required", what)
	case w.Type == nil:
		return Resource{}, badRequest("%s.type is required", what)
	case needID && w.ID == nil:
		return Resource{}, badRequest("%s.id is required", what)
	}
	out := Resource{Type: *w.Type, Properties: w.Properties}
	if needID {
		out.ID = *w.ID
	}
	return out, nil
}

func (w *wireAction) action() (Action, error) {
	switch {
	case w == nil:
		return Action{}, badRequest("action is required")
	case w.Name == nil:
		return Action{}, badRequest("action.name is required")
	}
	return Action{Name: *w.Name, Properties: w.Properties}, nil
}

// evaluation is one evaluation with every required member.
type evaluation struct {
	subject  Subject
	action   Action
	resource Resource
	context  map[string]any
}

// evaluation checks an evaluation's members; where prefixes the messages
// ("evaluations[2]: ").
func (w *wireEvaluation) evaluation(where string) (evaluation, error) {
	var e evaluation
	s, err := w.Subject.entity("subject", true)
	if err != nil {
		return e, prefix(where, err)
	}
	e.subject = Subject(s)
	if e.action, err = w.Action.action(); err != nil {
		return e, prefix(where, err)
	}
	if e.resource, err = w.Resource.entity("resource", true); err != nil {
		return e, prefix(where, err)
	}
	e.context = w.Context
	return e, nil
}

// withDefaults is an evaluation of an evaluations request: its own members,
// else the request's.
func (w wireEvaluation) withDefaults(d *wireEvaluation) wireEvaluation {
	if w.Subject == nil {
		w.Subject = d.Subject
	}
	if w.Action == nil {
		w.Action = d.Action
	}
	if w.Resource == nil {
		w.Resource = d.Resource
	}
	if w.Context == nil {
		w.Context = d.Context
	}
	return w
}

func prefix(where string, err error) error {
	var e *Error
	if where != "" && errors.As(err, &e) {
		return &Error{Status: e.Status, Message: where + e.Message, Err: e.Err}
	}
	return err
}
