package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/authzen"
	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/scopes"
)

// apiError is an error the server itself raises with a status and a public
// message.
type apiError struct {
	status  int
	code    string
	message string
	err     error // the cause, logged, never shown
	// retryAfter, when positive, is sent as Retry-After (whole seconds,
	// rounded up).
	retryAfter time.Duration
}

func (e *apiError) Error() string {
	if e.err != nil {
		return e.message + ": " + e.err.Error()
	}
	return e.message
}

func (e *apiError) Unwrap() error { return e.err }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// invalidf is a 400 with a message naming what is wrong.
func invalidf(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, api.CodeInvalid, format, args...)
}

// storeError is a policy store that cannot be loaded: a fault of the
// server's store (a broken or unreachable store), not of the request.
type storeError struct{ err error }

func (e *storeError) Error() string { return "load policy store: " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// errUnauthenticated is returned when a request carries no or bad credentials.
var errUnauthenticated = errors.New("authentication required")

// DelegationDeniedError is a refusal by the store-level delegation
// application: the caller does not hold the operation (Check Access, Read
// Policy, Write Policy) that the route needs.
type DelegationDeniedError struct {
	Operation   string
	Application string
	Err         error // why the decision failed, when it did
}

func (e *DelegationDeniedError) Error() string {
	msg := fmt.Sprintf("access denied: %q in application %q", e.Operation, e.Application)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *DelegationDeniedError) Unwrap() error { return e.Err }

// mapError is the one place that turns an error into a status and a public
// body. Causes that are not meant for clients (I/O errors, internal
// failures) are logged and replaced by a generic message.
func mapError(err error) (int, api.ErrorDetail) {
	var (
		ae     *apiError
		denied *engine.DeniedError
		deleg  *DelegationDeniedError
		maxErr *http.MaxBytesError
		syn    *json.SyntaxError
		typ    *json.UnmarshalTypeError
		verr   *policy.ValidationError
	)
	var storeErr *storeError
	var azErr *authzen.Error
	switch {
	case errors.As(err, &azErr):
		return azErr.Status, api.ErrorDetail{Code: codeOfStatus(azErr.Status), Message: azErr.Message}
	case errors.As(err, &storeErr):
		// Only callers allowed to read the policy get here: the cause
		// (file, line, entry) is theirs to fix.
		return http.StatusServiceUnavailable, api.ErrorDetail{Code: api.CodeUnavailable,
			Message: "the policy store cannot be loaded (the server keeps deciding with the last good policy): " + storeErr.err.Error()}
	case errors.As(err, &ae):
		return ae.status, api.ErrorDetail{Code: ae.code, Message: ae.message}
	case errors.Is(err, errUnauthenticated):
		return http.StatusUnauthorized, api.ErrorDetail{Code: api.CodeUnauthenticated, Message: err.Error()}
	case errors.As(err, &denied):
		// An object's denial never names its scope: a hidden object and a
		// missing one answer alike.
		d := api.ErrorDetail{Code: api.CodeAccessDenied, Message: denied.Public(),
			Operation: denied.Operation.Name, OperationID: int(denied.Operation.ID)}
		if denied.Object == "" || (denied.Visible && !denied.Conn) {
			scope := denied.Scope
			d.Scope = &scope
		}
		if denied.Object != "" && denied.Visible && !denied.Conn {
			// The caller may view the object: say where it lacks the
			// operation.
			d.Message += " (not granted in " + scopes.Label(denied.Scope) + ")"
		}
		return http.StatusForbidden, d
	case errors.As(err, &deleg):
		return http.StatusForbidden, api.ErrorDetail{Code: api.CodeAccessDenied,
			Message:   fmt.Sprintf("access denied: %q in application %q", deleg.Operation, deleg.Application),
			Operation: deleg.Operation, Application: deleg.Application}
	case errors.As(err, &maxErr):
		return http.StatusRequestEntityTooLarge, api.ErrorDetail{Code: api.CodeTooLarge,
			Message: fmt.Sprintf("request body larger than %d bytes", maxErr.Limit)}
	case errors.As(err, &syn), errors.As(err, &typ):
		return http.StatusBadRequest, api.ErrorDetail{Code: api.CodeInvalid, Message: jsonMessage(err)}
	case errors.Is(err, policy.ErrConflict):
		return http.StatusPreconditionFailed, api.ErrorDetail{Code: api.CodePreconditionFailed,
			Message: "the policy store changed since the revision in If-Match; reload and retry"}
	case errors.Is(err, engine.ErrUnavailable):
		// The hypervisor is down or restarting; checks and the policy API
		// keep answering, and the backend reconnects by itself.
		return http.StatusServiceUnavailable, api.ErrorDetail{Code: api.CodeUnavailable, Message: err.Error()}
	case errors.Is(err, engine.ErrUnsupported):
		return http.StatusNotImplemented, api.ErrorDetail{Code: api.CodeUnsupported, Message: err.Error()}
	case errors.Is(err, authz.ErrStaleToken):
		return http.StatusGone, api.ErrorDetail{Code: api.CodeStaleToken, Message: err.Error()}
	case errors.Is(err, authz.ErrBadToken):
		return http.StatusBadRequest, api.ErrorDetail{Code: api.CodeInvalid, Message: err.Error()}
	case errors.Is(err, engine.ErrNotFound), errors.Is(err, policy.ErrNotFound), errors.Is(err, authz.ErrUnknownScope), errors.Is(err, authz.ErrUnknownApplication),
		errors.Is(err, authz.ErrUnknownGroup):
		return http.StatusNotFound, api.ErrorDetail{Code: api.CodeNotFound, Message: err.Error()}
	case errors.Is(err, engine.ErrExists), errors.Is(err, policy.ErrDuplicate):
		return http.StatusConflict, api.ErrorDetail{Code: api.CodeExists, Message: err.Error()}
	case errors.Is(err, engine.ErrInvalidState), errors.Is(err, policy.ErrInUse):
		return http.StatusConflict, api.ErrorDetail{Code: api.CodeInvalidState, Message: err.Error()}
	case errors.As(err, &verr), errors.Is(err, engine.ErrInvalid), errors.Is(err, policy.ErrInvalid), errors.Is(err, authz.ErrUnknownOperation),
		errors.Is(err, policy.ErrDanglingLink), errors.Is(err, policy.ErrCycle):
		return http.StatusBadRequest, api.ErrorDetail{Code: api.CodeInvalid, Message: err.Error()}
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, api.ErrorDetail{Code: api.CodeUnavailable, Message: "request timed out"}
	}
	return http.StatusInternalServerError, api.ErrorDetail{Code: api.CodeInternal, Message: "internal error; see the server log"}
}

// codeOfStatus is the error code of a status an AuthZEN error carries.
func codeOfStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return api.CodeInvalid
	case http.StatusUnauthorized:
		return api.CodeUnauthenticated
	case http.StatusForbidden:
		return api.CodeAccessDenied
	case http.StatusNotFound:
		return api.CodeNotFound
	case http.StatusRequestEntityTooLarge:
		return api.CodeTooLarge
	case http.StatusServiceUnavailable:
		return api.CodeUnavailable
	}
	return api.CodeInternal
}

// writeError writes err as a JSON error response and logs it.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, detail := s.logError(w, r, err)
	var denied *engine.DeniedError
	if errors.As(err, &denied) && detail.Scope != nil && s.mayReadPolicyAs(r) {
		detail.Hints = hintStrings(s.live.Current().Checker, denied.Scope, denied.Operation.ID)
	}
	writeJSON(w, status, api.ErrorBody{Error: detail})
}

// mayReadPolicyAs reports whether the request's authenticated caller may
// read the policy: a question, not a refusal, so nothing is audited.
func (s *Server) mayReadPolicyAs(r *http.Request) bool {
	c, ok := clientFrom(r.Context())
	if !ok || s.deleg == nil {
		return false
	}
	ok, _ = s.deleg.allowed(r.Context(), c, opReadPolicy)
	return ok
}

// writeAuthZENError writes err as the AuthZEN specification says: the
// status, and the message as the body, in text.
func (s *Server) writeAuthZENError(w http.ResponseWriter, r *http.Request, err error) {
	status, detail := s.logError(w, r, err)
	authzen.WriteError(w, status, detail.Message)
}

// logError maps err, logs it and sets the headers every error response
// carries (Retry-After, WWW-Authenticate).
func (s *Server) logError(w http.ResponseWriter, r *http.Request, err error) (int, api.ErrorDetail) {
	status, detail := mapError(err)
	var ae *apiError
	if errors.As(err, &ae) && ae.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((ae.retryAfter+time.Second-1)/time.Second)))
	}
	level := slog.LevelDebug
	switch {
	case status >= 500:
		level = slog.LevelError
	case status == http.StatusForbidden || status == http.StatusUnauthorized:
		level = slog.LevelInfo
	}
	s.log.Log(r.Context(), level, "request failed", logKeyMethod, r.Method, logKeyPath, r.URL.Path,
		logKeyStatus, status, logKeyAddr, r.RemoteAddr, logKeyErr, err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="azgate", Bearer realm="azgate"`)
	}
	return status, detail
}

// writeJSON writes v with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v) // the client went away; nothing to do
}

// jsonMessage describes an error decoding a JSON request body in the
// body's own terms: a value of the wrong type by its JSON field and the JSON
// type wanted, never by Go names ("Go struct field VMSpec.memoryMB of type
// int").
func jsonMessage(err error) string {
	var typ *json.UnmarshalTypeError
	if !errors.As(err, &typ) {
		return "malformed JSON body: " + err.Error()
	}
	where := "the body"
	if typ.Field != "" {
		where = fmt.Sprintf("field %q", typ.Field)
	}
	return fmt.Sprintf("malformed JSON body: %s must be %s, got %s", where, jsonKind(typ.Type), typ.Value)
}

// jsonKind names the JSON values that decode into t.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another value"
}
