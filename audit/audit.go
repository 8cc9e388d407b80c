package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Record types, the value of every line's "type" field.
const (
	TypeDecision     = "decision"
	TypePolicyChange = "policy_change"
)

// Result values of a decision record.
const (
	ResultAllowed = "allowed"
	ResultDenied  = "denied"
)

// ErrClosed is returned by Decision, PolicyChange and Sync after Close.
var ErrClosed = errors.New("audit: log closed")

// Grant names the role assignment that granted an operation (mirrors
// authz.Grant without importing the decision package).
type Grant struct {
	Scope          string `json:"scope,omitempty"`
	Assignment     string `json:"assignment"`
	RoleDefinition string `json:"role_definition,omitempty"`
	Principal      string `json:"principal,omitempty"`
}

// DecisionRecord is one engine decision: who asked for which operation on
// what, and the answer.
type DecisionRecord struct {
	// Time of the decision; the zero time is replaced by the time of writing.
	Time time.Time
	// Principal is the client's display identity (authz.ClientContext.Name).
	Principal string
	// Operation is the catalog name, OperationID its numeric ID.
	Operation   string
	OperationID int
	// Scope is the scope the check ran in; "" is the default scope.
	Scope string
	// Object is the engine object acted on (VM, switch, port), if any.
	Object string
	// Allowed is the decision. A record with a non-nil Err should never be
	// allowed; it is logged as given.
	Allowed bool
	// Grant is the assignment that granted access; nil when denied.
	Grant *Grant
	// Err is why the decision path failed, if it did.
	Err error
	// RequestID correlates the record with a request log, if known.
	RequestID string
}

// PolicyChangeRecord is one saved edit of the policy store.
type PolicyChangeRecord struct {
	// Time of the change; the zero time is replaced by the time of writing.
	Time time.Time
	// Who made the change (client display identity).
	Who string
	// What changed, in words ("add role assignment \"Ops\" in scope \"VM1\"").
	What string
	// Store identifies the policy store (its URL), if known.
	Store string
	// OldRevision and NewRevision are the store revisions before and after.
	// They are strings because stores count differently (a counter in the
	// XML store, a CSN or USN in a directory).
	OldRevision string
	NewRevision string
	// RequestID correlates the record with a request log, if known.
	RequestID string
}

type decisionLine struct {
	Type        string    `json:"type"`
	Time        time.Time `json:"time"`
	Principal   string    `json:"principal"`
	Operation   string    `json:"operation"`
	OperationID int       `json:"operation_id"`
	Scope       string    `json:"scope"`
	Object      string    `json:"object,omitempty"`
	Result      string    `json:"result"`
	Grant       *Grant    `json:"grant,omitempty"`
	Error       string    `json:"error,omitempty"`
	RequestID   string    `json:"request_id,omitempty"`
}

type policyChangeLine struct {
	Type        string    `json:"type"`
	Time        time.Time `json:"time"`
	Who         string    `json:"who"`
	What        string    `json:"what"`
	Store       string    `json:"store,omitempty"`
	OldRevision string    `json:"old_revision"`
	NewRevision string    `json:"new_revision"`
	RequestID   string    `json:"request_id,omitempty"`
}

// Log writes audit records as JSON lines. It is safe for concurrent use.
type Log struct {
	mu     sync.Mutex
	w      io.Writer
	f      *os.File // non-nil when Open created the writer; closed by Close
	name   string   // for error messages
	closed bool
	now    func() time.Time
}

// Open opens (creating it with mode 0600 if missing) the audit file at path
// for appending.
func Open(path string) (*Log, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: open %s: %w", path, err)
	}
	l := New(f)
	l.f = f
	l.name = path
	return l, nil
}

// New returns a Log writing to w. Close does not close w.
func New(w io.Writer) *Log {
	return &Log{w: w, name: "writer", now: time.Now}
}

// Decision appends one decision record.
func (l *Log) Decision(ctx context.Context, r DecisionRecord) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: decision: %w", err)
	}
	line := decisionLine{
		Type:        TypeDecision,
		Time:        r.Time,
		Principal:   r.Principal,
		Operation:   r.Operation,
		OperationID: r.OperationID,
		Scope:       r.Scope,
		Object:      r.Object,
		Result:      ResultDenied,
		Grant:       r.Grant,
		RequestID:   r.RequestID,
	}
	if r.Allowed {
		line.Result = ResultAllowed
	}
	if r.Err != nil {
		line.Error = r.Err.Error()
	}
	return l.write(TypeDecision, &line.Time, &line)
}

// PolicyChange appends one policy change record.
func (l *Log) PolicyChange(ctx context.Context, r PolicyChangeRecord) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: policy change: %w", err)
	}
	line := policyChangeLine{
		Type:        TypePolicyChange,
		Time:        r.Time,
		Who:         r.Who,
		What:        r.What,
		Store:       r.Store,
		OldRevision: r.OldRevision,
		NewRevision: r.NewRevision,
		RequestID:   r.RequestID,
	}
	return l.write(TypePolicyChange, &line.Time, &line)
}

// write stamps the time if unset, marshals v and writes it plus a newline
// with one Write call under the mutex.
func (l *Log) write(kind string, t *time.Time, v any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if t.IsZero() {
		*t = l.now()
	}
	*t = t.UTC()
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("audit: marshal %s record: %w", kind, err)
	}
	b = append(b, '\n')
	n, err := l.w.Write(b)
	if err == nil && n != len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("audit: write %s record to %s: %w", kind, l.name, err)
	}
	return nil
}

// Sync flushes the file opened by Open to stable storage. For a Log made by
// New it is a no-op.
func (l *Log) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if l.f == nil {
		return nil
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("audit: sync %s: %w", l.name, err)
	}
	return nil
}

// Close stops the log. It closes the file opened by Open (not a writer
// passed to New). Later writes return ErrClosed; Close is idempotent.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if l.f == nil {
		return nil
	}
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("audit: close %s: %w", l.name, err)
	}
	return nil
}
