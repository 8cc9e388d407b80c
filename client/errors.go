package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/azgate/azgate/api"
)

// Error is a non-2xx answer of the server: its status and its JSON error
// (Code is one of the api.Code constants). An answer without a JSON error
// (a proxy's page) has Code "" and a Message quoting the start of the body.
type Error struct {
	StatusCode int
	Method     string
	URL        string
	api.ErrorDetail
	// RetryAfter is the server's Retry-After (429, 503), 0 when none.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("%s (HTTP %d)", e.Message, e.StatusCode)
	}
	return fmt.Sprintf("%s (HTTP %d, %s)", e.Message, e.StatusCode, e.Code)
}

// Is makes errors.Is(err, ErrX) true for the answers ErrX describes.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnauthenticated:
		return e.StatusCode == http.StatusUnauthorized
	case ErrAccessDenied:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrExists:
		return e.Code == api.CodeExists
	case ErrConflict:
		return e.StatusCode == http.StatusPreconditionFailed
	}
	return false
}

// Sentinels an *Error matches with errors.Is.
var (
	ErrUnauthenticated = errors.New("azgate: no or wrong credentials")      // 401
	ErrAccessDenied    = errors.New("azgate: access denied")                // 403
	ErrNotFound        = errors.New("azgate: not found")                    // 404
	ErrExists          = errors.New("azgate: already exists")               // 409 already_exists
	ErrConflict        = errors.New("azgate: the policy store has changed") // 412; see ConflictError
)

// ConflictError is a policy write refused because the store changed since
// the revision it was made against (HTTP 412): read again, reapply the
// change, write with the new revision.
type ConflictError struct {
	// Revision is the If-Match revision the write was made against.
	Revision Revision
	Err      *Error
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("policy write against revision %d: %v", e.Revision, e.Err)
}

func (e *ConflictError) Unwrap() error { return e.Err }

// newError reads an error answer.
func newError(method, target string, resp *http.Response, raw []byte, ifMatch *Revision) error {
	e := &Error{StatusCode: resp.StatusCode, Method: method, URL: target}
	var body api.ErrorBody
	if json.Unmarshal(raw, &body) == nil && body.Error.Message != "" {
		e.ErrorDetail = body.Error
	} else {
		e.Message = fmt.Sprintf("%s %s: %s", method, target, http.StatusText(resp.StatusCode))
		if s := strings.TrimSpace(string(raw)); s != "" {
			e.Message += ": " + truncate(s, 200)
		}
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	if resp.StatusCode == http.StatusPreconditionFailed && ifMatch != nil {
		return &ConflictError{Revision: *ifMatch, Err: e}
	}
	return e
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
