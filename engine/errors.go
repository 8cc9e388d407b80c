package engine

import (
	"errors"
	"fmt"

	"github.com/azgate/azgate/operations"
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
type DeniedError struct {
	Operation operations.Operation
	Scope     string // "" is the default scope
	Object    string // the object's name; "" for lists and service-wide calls
	Err       error
}

func (e *DeniedError) Error() string {
	scope := "the default scope"
	if e.Scope != "" {
		scope = fmt.Sprintf("scope %q", e.Scope)
	}
	msg := fmt.Sprintf("access denied: %q in %s", e.Operation.Name, scope)
	if e.Object != "" {
		msg += fmt.Sprintf(" on %q", e.Object)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is reports whether target is ErrAccessDenied.
func (e *DeniedError) Is(target error) bool { return target == ErrAccessDenied }

// Unwrap returns the cause of a failed decision, or nil.
func (e *DeniedError) Unwrap() error { return e.Err }

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
