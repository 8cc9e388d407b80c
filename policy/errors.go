package policy

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package and by stores wrap one of
// them; test with errors.Is.
var (
	// ErrNotFound: a named object, or the store itself, does not exist.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate: a name or GUID is already taken in its container.
	ErrDuplicate = errors.New("duplicate")
	// ErrDanglingLink: a link names no object of the right kind in reach.
	ErrDanglingLink = errors.New("dangling link")
	// ErrCycle: task or application-group nesting loops back on itself.
	ErrCycle = errors.New("cycle")
	// ErrInvalid: a field holds a value the model does not accept.
	ErrInvalid = errors.New("invalid")
	// ErrConflict: a save was made against a revision that is no longer
	// current; reload, reapply and save again.
	ErrConflict = errors.New("revision conflict")
	// ErrInUse: the object is still linked (an operation held by a task)
	// and is not deleted; the error names what holds it.
	ErrInUse = errors.New("in use")
)

// ValidationError says which object is wrong and how.
type ValidationError struct {
	Object string // e.g. `application "Hyper-V services" / task "Monitor"`
	Field  string // e.g. "TaskLink", "Name"; may be empty
	Detail string
	Err    error // one of the sentinels
}

func (e *ValidationError) Error() string {
	s := e.Object
	if e.Field != "" {
		s += ": " + e.Field
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s + " (" + e.Err.Error() + ")"
}

func (e *ValidationError) Unwrap() error { return e.Err }

func notFound(kind, name string) error {
	return fmt.Errorf("%s %q: %w", kind, name, ErrNotFound)
}
