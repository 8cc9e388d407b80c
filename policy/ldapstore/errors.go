package ldapstore

import (
	"errors"
	"fmt"

	"github.com/azgate/azgate/policy"
)

// Sentinel errors of this package, besides the policy sentinels
// (policy.ErrNotFound, policy.ErrConflict, policy.ErrInvalid, …) that its
// errors also wrap where they apply.
var (
	// ErrUnavailable: the directory cannot be reached, refused the bind,
	// or did not answer in time.
	ErrUnavailable = errors.New("directory unavailable")
	// ErrBusy: another writer is saving the store right now (its revision
	// marker says "pending" and its lease has not run out). Loads wait
	// for it up to Config.Timeout, then return this error.
	ErrBusy = errors.New("a save is in progress")
	// ErrInterrupted: a save started and never finished (its writer died
	// or lost the directory), so the entries may hold a mix of two
	// policies. Loads refuse such a store; a Save at the interrupted
	// revision (or the one before it) repairs it by writing a whole
	// policy. See the package documentation.
	ErrInterrupted = errors.New("interrupted save")
	// ErrNoSchema: the directory lacks the AzMan schema
	// (policies/ldapschema/azman.ldif).
	ErrNoSchema = errors.New("the directory lacks the AzMan schema (load policies/ldapschema/azman.ldif)")
	// ErrNoServer: neither the store URL (msldap://HOST[:PORT]/DN) nor the
	// configuration names a directory server.
	ErrNoServer = errors.New("no directory server")
)

// EntryError says which directory entry, and which attribute of it, is
// wrong. It wraps policy.ErrInvalid unless Err says otherwise.
type EntryError struct {
	DN     string
	Attr   string // may be empty
	Detail string
	Err    error // a sentinel or cause; policy.ErrInvalid when nil
}

func (e *EntryError) Error() string {
	s := "ldapstore: " + e.DN
	if e.Attr != "" {
		s += ": " + e.Attr
	}
	return s + ": " + e.Detail
}

// Unwrap returns the sentinel or cause.
func (e *EntryError) Unwrap() error {
	if e.Err == nil {
		return policy.ErrInvalid
	}
	return e.Err
}

func entryErr(dn, attr string, err error, format string, args ...any) error {
	return &EntryError{DN: dn, Attr: attr, Detail: fmt.Sprintf(format, args...), Err: err}
}

// InterruptedError describes a save that never finished.
type InterruptedError struct {
	StoreDN  string
	Revision uint64 // the revision the interrupted save was writing
	Writer   string // who wrote the pending marker
	Since    string // when (RFC 3339), as the writer said
	// Future: Since lies in the future — a forged marker or a writer's
	// clock far ahead; the lease was counted from when this reader first
	// saw the marker.
	Future bool
}

func (e *InterruptedError) Error() string {
	future := ""
	if e.Future {
		future = " (a start in the future: a forged marker or a clock far ahead; its lease ran out by this reader's clock)"
	}
	return fmt.Sprintf("ldapstore: %s: the save of revision %d by %s, started %s%s, never finished; the entries may mix two policies, "+
		"so the store is refused until a whole policy is saved over it ('azgate store repair')",
		e.StoreDN, e.Revision, e.Writer, e.Since, future)
}

// Unwrap returns ErrInterrupted.
func (e *InterruptedError) Unwrap() error { return ErrInterrupted }
