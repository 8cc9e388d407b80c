package engine

import (
	"errors"
	"fmt"

	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/scopes"
)

// Sentinel errors. Engine errors wrap one of them with context naming the
// object or field, so callers test them with errors.Is.
var (
	// ErrAccessDenied is matched by every *DeniedError: the caller may not
	// perform the operation in the scope, or the decision could not be made.
	ErrAccessDenied = errors.New("access denied")
	// ErrNotFound is returned when the named object does not exist (and the
	// caller may perform the operation in the default scope).
	ErrNotFound = errors.New("not found")
	// ErrExists is returned when creating or renaming would duplicate a name.
	ErrExists = errors.New("already exists")
	// ErrInvalidState is returned for an impossible transition or an action
	// the object's current state does not allow (starting a running VM,
	// deleting a switch that still has ports).
	ErrInvalidState = errors.New("invalid state")
	// ErrInvalid is returned for bad input (empty name, memory out of range).
	ErrInvalid = errors.New("invalid argument")
)

// DeniedError is a denial: the caller may not perform Operation in Scope on
// Object. Err is the cause when the decision itself failed (unknown scope,
// store unreachable); it is nil for a plain "no role grants this".
//
// Its message names the operation and the object the caller named, never
// the object's scope: a hidden object and a missing one are denied in the
// same words. Scope is for the logs and the audit.
type DeniedError struct {
	Operation operations.Operation
	Scope     string // "" is the default scope
	Object    string // the name the caller gave; "" for lists and service-wide calls
	// Conn: denied at the other end of the connection of the port Object
	// names; Operation is the port's (the far end's is in the audit).
	Conn bool
	// Visible: the caller may view the object (it holds the object's view
	// operation in its scope), so the denial may name the scope. A denial
	// on any other object reads exactly as one on a missing object.
	Visible bool
	Err     error
}

func (e *DeniedError) Error() string {
	msg := e.Public()
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Public is the message without the decision's internal cause: what a
// client may be told.
func (e *DeniedError) Public() string {
	if e.Conn {
		return fmt.Sprintf("access denied: %q on the connection of %q", e.Operation.Name, e.Object)
	}
	if e.Object != "" {
		return fmt.Sprintf("access denied: %q on %q", e.Operation.Name, e.Object)
	}
	return fmt.Sprintf("access denied: %q in %s", e.Operation.Name, scopes.Label(e.Scope))
}

// Is reports whether target is ErrAccessDenied.
func (e *DeniedError) Is(target error) bool { return target == ErrAccessDenied }

// Unwrap returns the cause of a failed decision, or nil.
func (e *DeniedError) Unwrap() error { return e.Err }

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
