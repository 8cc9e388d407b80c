package xmlstore

import (
	"fmt"

	"github.com/azgate/azgate/policy"
)

// ParseError says where a file is malformed. It wraps policy.ErrInvalid
// unless Err says otherwise.
type ParseError struct {
	File    string // the name given to Parse, or the store's path
	Line    int    // 1-based; 0 when unknown
	Element string // the element being read, e.g. "AzTask"; may be empty
	Msg     string
	Err     error // the sentinel or cause; policy.ErrInvalid by default
}

func (e *ParseError) Error() string {
	s := e.File
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	if e.Element != "" {
		s += ": <" + e.Element + ">"
	}
	return s + ": " + e.Msg
}

// Unwrap returns the sentinel or cause.
func (e *ParseError) Unwrap() error {
	if e.Err == nil {
		return policy.ErrInvalid
	}
	return e.Err
}

// Warning is something a load accepted but a person should know about: an
// operation matched to the catalog by name whose OperationID differs, an
// operation the catalog lacks, an attribute this package drops.
type Warning struct {
	File    string
	Line    int
	Message string
}

func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Message)
	}
	return w.File + ": " + w.Message
}
