package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
	"unicode/utf8"
)

// Record types, the value of every line's "type" field.
const (
	TypeDecision     = "decision"
	TypePolicyChange = "policy_change"
	// TypeEngineEvent is a change the engine's backend reports was made
	// outside azgate (a VM crashed, was stopped with virsh).
	TypeEngineEvent = "engine_event"
)

// Result values of a decision record.
const (
	ResultAllowed = "allowed"
	ResultDenied  = "denied"
)

// Sources, the value of a record's "source" field: who wrote it.
const (
	// SourceEngine: a gated engine call.
	SourceEngine = "engine"
	// SourceCheck: a decision a trusted checker asked for (POST /v1/check).
	SourceCheck = "check"
	// SourceAuthZEN: a decision an AuthZEN client asked for
	// (POST /access/v1/evaluation, /evaluations).
	SourceAuthZEN = "authzen"
	// SourceDelegation: a request azgate's own delegation roles refused
	// (policy admin API, check, explain, who-can).
	SourceDelegation = "delegation"
	// SourceServer: a policy change made through the server.
	SourceServer = "server"
	// SourceCLI: a policy change made by an azgate command.
	SourceCLI = "cli"
)

// Bounds of record fields: a longer value is cut (at a character boundary)
// and ends with "…", so that no caller — least of all an unauthenticated
// one naming a 60 KB path — can grow a record without bound.
const (
	MaxNameBytes = 256  // names: principals, operations, scopes, objects, revisions
	MaxTextBytes = 2048 // prose: what changed, errors
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

// DecisionRecord is one decision: who asked for which operation on what,
// and the answer.
type DecisionRecord struct {
	// Time of the decision; the zero time is replaced by the time of writing.
	Time time.Time
	// Source says where the decision was made (SourceEngine, SourceCheck,
	// SourceDelegation).
	Source string
	// Principal is the client's display identity (directory.ClientContext.Name):
	// for SourceCheck the user checked.
	Principal string
	// Caller is who asked, when not Principal (the checker of SourceCheck).
	Caller string
	// Application is the AzMan application decided in. The server names it
	// on every decision; records written before it did leave out the
	// engine's.
	Application string
	// Operation is the catalog name, OperationID its numeric ID.
	Operation   string
	OperationID int
	// Scope is the scope the check ran in; "" is the default scope.
	Scope string
	// Object is the object acted on (VM, switch, port; the request of a
	// refused policy read), if any.
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
	// Source is SourceServer or SourceCLI.
	Source string
	// Who made the change: the client's display identity, or the operating
	// system user of a command.
	Who string
	// What changed, in words ("add role assignment \"Ops\" in scope \"VM1\"").
	What string
	// Store identifies the policy store (its URL), if known.
	Store string
	// OldRevision and NewRevision are the store revisions before and after.
	// They are strings because stores count differently (a counter in the
	// XML store, a CSN or USN in a directory). OldRevision is "" for a
	// store the change created.
	OldRevision string
	NewRevision string
	// RequestID correlates the record with a request log, if known.
	RequestID string
}

// EngineEventRecord is a change made outside azgate that the engine's
// backend reported: no caller made it, so no decision allowed it.
type EngineEventRecord struct {
	Time   time.Time
	Source string // SourceEngine
	Kind   string // the object's kind ("vms", "switches", ...)
	Object string // the object's name
	Scope  string // its ScopeOfResidence; "" is the default scope
	State  string // a VM's state after the event; "" otherwise
	What   string // what happened ("crashed", "stopped outside azgate")
}

type decisionLine struct {
	Type        string    `json:"type"`
	Time        time.Time `json:"time"`
	Source      string    `json:"source,omitempty"`
	Principal   string    `json:"principal"`
	Caller      string    `json:"caller,omitempty"`
	Application string    `json:"application,omitempty"`
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
	Source      string    `json:"source,omitempty"`
	Who         string    `json:"who"`
	What        string    `json:"what"`
	Store       string    `json:"store,omitempty"`
	OldRevision string    `json:"old_revision"`
	NewRevision string    `json:"new_revision"`
	RequestID   string    `json:"request_id,omitempty"`
}

// clip bounds s to n bytes, cutting at a character boundary and marking
// the cut with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

func clipName(s string) string { return clip(s, MaxNameBytes) }

func (r DecisionRecord) line() *decisionLine {
	l := &decisionLine{
		Type:        TypeDecision,
		Time:        r.Time,
		Source:      clipName(r.Source),
		Principal:   clipName(r.Principal),
		Caller:      clipName(r.Caller),
		Application: clipName(r.Application),
		Operation:   clipName(r.Operation),
		OperationID: r.OperationID,
		Scope:       clipName(r.Scope),
		Object:      clipName(r.Object),
		Result:      ResultDenied,
		RequestID:   clipName(r.RequestID),
	}
	if r.Allowed {
		l.Result = ResultAllowed
	}
	if r.Grant != nil {
		l.Grant = &Grant{Scope: clipName(r.Grant.Scope), Assignment: clipName(r.Grant.Assignment),
			RoleDefinition: clipName(r.Grant.RoleDefinition), Principal: clipName(r.Grant.Principal)}
	}
	if r.Err != nil {
		l.Error = clip(r.Err.Error(), MaxTextBytes)
	}
	return l
}

type engineEventLine struct {
	Type   string    `json:"type"`
	Time   time.Time `json:"time"`
	Source string    `json:"source,omitempty"`
	Kind   string    `json:"kind"`
	Object string    `json:"object"`
	Scope  string    `json:"scope"`
	State  string    `json:"state,omitempty"`
	What   string    `json:"what"`
}

func (r EngineEventRecord) line() *engineEventLine {
	return &engineEventLine{
		Type: TypeEngineEvent, Time: r.Time, Source: clipName(r.Source), Kind: clipName(r.Kind),
		Object: clipName(r.Object), Scope: clipName(r.Scope), State: clipName(r.State), What: clip(r.What, MaxTextBytes),
	}
}

func (r PolicyChangeRecord) line() *policyChangeLine {
	return &policyChangeLine{
		Type:        TypePolicyChange,
		Time:        r.Time,
		Source:      clipName(r.Source),
		Who:         clipName(r.Who),
		What:        clip(r.What, MaxTextBytes),
		Store:       clipName(r.Store),
		OldRevision: clipName(r.OldRevision),
		NewRevision: clipName(r.NewRevision),
		RequestID:   clipName(r.RequestID),
	}
}

// Log writes audit records as JSON lines, each sealed into the hash chain
// (see the package comment). It is safe for concurrent use; a Log made by
// Open is also safe alongside other processes appending to the same file.
type Log struct {
	mu     sync.Mutex
	w      io.Writer // New's writer; nil for a file
	file   *file     // Open's file; nil for a writer
	last   link      // the chain's end, for New's writer
	name   string    // for error messages
	closed bool
	now    func() time.Time
}

// New returns a Log writing to w, starting a new chain. Close does not
// close w.
func New(w io.Writer) *Log {
	return &Log{w: w, name: "writer", now: time.Now}
}

// Decision appends one decision record.
func (l *Log) Decision(ctx context.Context, r DecisionRecord) error {
	return l.Decisions(ctx, []DecisionRecord{r})
}

// Decisions appends several decision records at once, in order: one lock
// and one write for all of them.
func (l *Log) Decisions(ctx context.Context, rs []DecisionRecord) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: decision: %w", err)
	}
	lines := make([]stamped, len(rs))
	for i, r := range rs {
		ln := r.line()
		lines[i] = stamped{v: ln, t: &ln.Time}
	}
	return l.write(TypeDecision, lines)
}

// PolicyChange appends one policy change record.
func (l *Log) PolicyChange(ctx context.Context, r PolicyChangeRecord) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: policy change: %w", err)
	}
	ln := r.line()
	return l.write(TypePolicyChange, []stamped{{v: ln, t: &ln.Time}})
}

// EngineEvent appends one engine event record.
func (l *Log) EngineEvent(ctx context.Context, r EngineEventRecord) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: engine event: %w", err)
	}
	ln := r.line()
	return l.write(TypeEngineEvent, []stamped{{v: ln, t: &ln.Time}})
}

// stamped is a record line and its time field.
type stamped struct {
	v any
	t *time.Time
}

// write stamps the times left unset, marshals the records, seals them into
// the chain and writes them with one Write call, under the mutex (and, for
// a file, its lock).
func (l *Log) write(kind string, recs []stamped) error {
	if len(recs) == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	bodies := make([][]byte, len(recs))
	for i, r := range recs {
		if r.t.IsZero() {
			*r.t = l.now()
		}
		*r.t = r.t.UTC()
		b, err := json.Marshal(r.v)
		if err != nil {
			return fmt.Errorf("audit: marshal %s record: %w", kind, err)
		}
		bodies[i] = b
	}
	var err error
	if l.file != nil {
		err = l.file.append(bodies)
	} else {
		err = l.appendWriter(bodies)
	}
	if err != nil {
		return fmt.Errorf("audit: write %s record to %s: %w", kind, l.name, err)
	}
	return nil
}

func (l *Log) appendWriter(bodies [][]byte) error {
	buf, next := sealAll(nil, bodies, l.last)
	n, err := l.w.Write(buf)
	if err == nil && n != len(buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return err
	}
	l.last = next
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
	if l.file == nil {
		return nil
	}
	if err := l.file.sync(); err != nil {
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
	if l.file == nil {
		return nil
	}
	if err := l.file.close(); err != nil {
		return fmt.Errorf("audit: close %s: %w", l.name, err)
	}
	return nil
}
