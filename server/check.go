package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/audit"
	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/scopes"
)

// maxBatch bounds the items of one batch check, maxOps the operations of
// one item, and maxCheckOperations the operations of one body in all
// (items × operations): the answer to a body is about 70 bytes per
// operation, so a body cannot ask for more than about 1 MB of answer.
// maxResultError bounds the error text of one result (it may quote a
// scope name the caller sent).
const (
	maxBatch           = 1000
	maxOps             = 1000
	maxCheckOperations = 10000
	maxResultError     = 256
	// maxExplainedDenials bounds the denials of one body that carry
	// missing and hints.
	maxExplainedDenials = 100
)

// errTooManyCheckOperations is a body with more than maxCheckOperations.
var errTooManyCheckOperations = errorf(http.StatusRequestEntityTooLarge, api.CodeTooLarge,
	"a check body has at most %d operations in all (items × operations); split it", maxCheckOperations)

// catalog holds what the check endpoint's parser and encoder keep of the
// Hyper-V catalog: its names, so that a name spelled as the catalog spells
// it is not allocated again, and each operation's encoded result prefix.
// Neither resolves an operation: that is the index of the application
// checked (resolveOperation).
var catalog = func() (c struct {
	byExactName map[string]operations.Operation // by the catalog's spelling
	// quoted holds each operation's encoded result prefix,
	// {"operation":"NAME","id":ID
	quoted map[operations.ID]quotedOp
}) {
	c.byExactName = map[string]operations.Operation{}
	c.quoted = map[operations.ID]quotedOp{}
	for _, o := range operations.All() {
		c.byExactName[o.Name] = o
		p := appendJSONString([]byte(`{"operation":`), o.Name)
		p = strconv.AppendInt(append(p, `,"id":`...), int64(o.ID), 10)
		c.quoted[o.ID] = quotedOp{name: o.Name, prefix: p}
	}
	return c
}()

type quotedOp struct {
	name   string
	prefix []byte
}

// resolveOperation finds the operation ref names among the operations of
// application x, and only there: by name (names.Equal; a string of digits
// is an OperationID), as the CLI's --op is (operations.Index.Parse), or by
// OperationID. An unknown one is a 400 naming the application and its
// closest names.
func resolveOperation(x *operations.Index, ref api.OperationRef) (operations.Operation, error) {
	var (
		op  operations.Operation
		ok  bool
		err error
	)
	if ref.Name == "" {
		op, err = x.ID(operations.ID(ref.ID))
	} else if op, ok = x.ByName(ref.Name); !ok { // spelled exactly: no folding, no allocation
		op, err = x.Parse(ref.Name)
	}
	if err != nil {
		return op, invalidf("operations: %v", err)
	}
	return op, nil
}

// smallInt parses a short unsigned decimal.
func smallInt(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 || (len(b) > 1 && b[0] == '0') {
		return 0, false // leading zeros are not JSON
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func (s *Server) checkRoutes() []route {
	const tag = "decisions"
	return []route{
		{name: "check", method: http.MethodPost, path: "/v1/check", tag: tag,
			summary: "Decide operations for a user in a scope of an application; one check or a batch ({\"checks\": [...]}). " +
				"Operations are named (case-insensitive) or given by OperationID in the item's \"application\" only " +
				"(default: the batch's \"application\", else the only application besides azgate, else the one the server gates); " +
				"an unknown one is a 400 naming the application and its closest names. " +
				"The user's \"groups\" are taken as given (absent: none); with \"resolve\": true and no \"groups\" " +
				"the server's directory (local or LDAP) resolves the user's identifiers, DN and transitive groups " +
				"(404 for an unknown user, 503 when the directory cannot answer)",
			needs: opCheckAccess + " (delegation application)", body: api.CheckRequest{}, resp: oneOf{api.CheckResponse{}, api.BatchCheckResponse{}}, h: s.check},
		{name: "explain", method: http.MethodGet, path: "/v1/explain", tag: tag,
			summary: "Explain a decision: every path that grants or fails",
			needs:   opReadPolicy + " (delegation application)",
			query: []param{{name: "user", in: "query", required: true}, {name: "group", in: "query", doc: "repeatable; the user's groups, taken as given"},
				{name: "resolve", in: "query", doc: "true: the directory (local or LDAP) resolves the user's groups instead of group=; default false"},
				applicationParam,
				{name: "scope", in: "query"}, {name: "operation", in: "query", required: true, doc: "name or OperationID of the application's operations"},
				{name: "param", in: "query", doc: "repeatable NAME=VALUE business rule parameter"}},
			resp: api.ExplainResponse{}, h: s.explain},
		{name: "whoCan", method: http.MethodGet, path: "/v1/who-can", tag: tag,
			summary: "List the principals and groups that can perform an operation in a scope",
			needs:   opReadPolicy + " (delegation application)",
			query: []param{applicationParam,
				{name: "scope", in: "query"}, {name: "operation", in: "query", required: true, doc: "name or OperationID of the application's operations"},
				{name: "param", in: "query", doc: "repeatable NAME=VALUE business rule parameter"},
				{name: "limit", in: "query", doc: "page size (at most 1000); with limit or token the answer is a page whose next continues it"},
				{name: "token", in: "query", doc: "the next of the previous page; bound to the policy revision (410 once it changed)"}},
			resp: api.WhoCanResponse{}, h: s.whoCan},
	}
}

func (s *Server) check(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireDelegated(r, opCheckAccess); err != nil {
		return err
	}
	cs := checkStates.Get().(*checkState)
	defer cs.release()
	if c, ok := clientFrom(r.Context()); ok {
		cs.caller = principalName(c)
	}
	defer s.flushCheckAudit(r, cs)
	// Count the decisions made even when a later item of a batch fails, as
	// they are made.
	defer s.metrics.addTally(&cs.tally)
	body, err := readBody(r, cs.body[:0])
	cs.body = body
	if err != nil {
		return err
	}
	req := &cs.req
	if err := parseCheckRequest(body, req); err != nil {
		return err
	}
	batch := req.Checks != nil
	if batch {
		// Batches are decided a few at a time (at most GOMAXPROCS), so
		// parallel batches queue instead of each holding its answer.
		release, err := acquire(r.Context(), s.batches)
		if err != nil {
			return err
		}
		defer release()
	}
	items := req.Checks
	if batch {
		// Only the application may be given for the whole batch: the
		// default of its items.
		if req.User != "" || req.Operations != nil || req.Scope != "" || req.Groups != nil || req.Parameters != nil ||
			req.IDs != nil || req.DN != "" || req.Resolve {
			return invalidf("a body is one check or a batch (\"checks\"), not both")
		}
		if len(items) == 0 || len(items) > maxBatch {
			return invalidf("a batch has 1 to %d checks, this one %d", maxBatch, len(items))
		}
	} else {
		cs.one[0] = req.CheckItem
		items = cs.one[:]
	}
	itemErr := func(i int, err error) error {
		if batch {
			return atItem(i, err)
		}
		return err
	}
	// Every item's application and operations are resolved before anything
	// is decided: an unknown one fails the whole request. An operation is
	// looked up in its item's application only, by name or by that
	// application's OperationID.
	snap := s.live.Current()
	chks, ops := cs.chks[:0], cs.ops[:0]
	var (
		reqChk  *authz.Checker // the request's application, once an item needs it
		lastApp string         // the application of the item before, and its checker
		lastChk *authz.Checker
	)
	for i := range items {
		var chk *authz.Checker
		switch app := items[i].Application; {
		case app == "":
			if reqChk == nil {
				if reqChk, err = snap.App(req.Application); err != nil {
					return err
				}
			}
			chk = reqChk
		case lastChk != nil && app == lastApp:
			chk = lastChk
		default:
			if chk, err = snap.App(app); err != nil {
				return itemErr(i, err)
			}
			lastApp, lastChk = app, chk
		}
		chks = append(chks, chk)
		x := chk.Operations()
		for _, ref := range items[i].Operations {
			op, err := resolveOperation(x, ref)
			if err != nil {
				return itemErr(i, err)
			}
			ops = append(ops, op)
		}
	}
	cs.chks, cs.ops = chks, ops
	start := time.Now()
	for i := range items {
		n := len(items[i].Operations)
		itemOps := ops[:n]
		ops = ops[n:]
		if err := s.checkOne(r, snap, chks[i], &items[i], itemOps, cs); err != nil {
			return itemErr(i, err)
		}
	}
	kind := 0
	if batch {
		kind = 1
	}
	s.metrics.checkLatency[kind].Observe(time.Since(start).Seconds())
	s.metrics.checkOps.Add(float64(len(cs.results)))
	out := cs.spans[:0]
	from := 0
	for _, end := range cs.ends {
		out = append(out, cs.results[from:end])
		from = end
	}
	cs.spans = out
	cs.body = appendCheckResponse(cs.body[:0], out, batch, uint64(snap.Revision))
	h := w.Header()
	h["Content-Type"], h["X-Content-Type-Options"] = jsonContentType, nosniff
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(cs.body) // the client went away; nothing to do
	return nil
}

// atItem says that err is about item i of a batch. The message of an
// error the server raised itself (an apiError, whose message is what the
// client sees) says it too.
func atItem(i int, err error) error {
	var ae *apiError
	if errors.As(err, &ae) {
		c := *ae
		c.message = fmt.Sprintf("checks[%d]: %s", i, ae.message)
		return &c
	}
	return fmt.Errorf("checks[%d]: %w", i, err)
}

// Header values of the check answer, shared by every answer: net/http only
// reads them, and Header.Set and Add replace or copy rather than write into
// them.
var (
	jsonContentType = []string{"application/json"}
	nosniff         = []string{"nosniff"}
)

// checkState is the memory of one check request, reused through
// checkStates: the body read and the answer written, the parsed request,
// and what deciding its items needs.
type checkState struct {
	body []byte
	req  api.CheckRequest
	one  [1]api.CheckItem // the items of a single check
	// authz receives each item's results, copied out into results before
	// the next item.
	authz   authz.Buffer
	chks    []*authz.Checker       // the application of each item
	ops     []operations.Operation // the operations of every item, resolved
	ids     []operations.ID
	userIDs []string // the client IDs of an item whose groups are given
	results []api.CheckResult
	ends    []int // where each item's results end in results
	spans   [][]api.CheckResult
	tally   decisionTally
	// audit holds the decisions to record (Config.AuditChecks) until
	// flushCheckAudit writes them; caller is who asked.
	audit  []audit.DecisionRecord
	caller string
	// mayRead is whether the caller may read the policy (and so is given
	// hints): 0 not asked yet, 1 yes, -1 no. hints caches the hints of
	// this request by scope and operation.
	mayRead int8
	hints   map[hintKey][]string
	// explained counts the denials given missing and hints.
	explained int
}

type hintKey struct {
	app   *authz.Checker
	scope string
	op    operations.ID
}

// checkStates are the checkStates of finished requests.
var checkStates = sync.Pool{New: func() any { return &checkState{body: make([]byte, 0, 4096)} }}

// maxPooled bounds the elements of a slice a checkState keeps for the next
// request: a rare huge batch should not pin its memory.
const maxPooled = 4096

// release empties cs, keeping its memory unless a huge request grew it,
// and returns it to checkStates.
func (cs *checkState) release() {
	cs.req, cs.one = api.CheckRequest{}, [1]api.CheckItem{}
	clear(cs.userIDs)
	clear(cs.results) // drop the error strings
	clear(cs.spans)
	clear(cs.audit) // drop the errors and grants
	cs.audit, cs.caller, cs.mayRead, cs.hints, cs.explained = trim(cs.audit), "", 0, nil, 0
	clear(cs.chks) // drop the snapshot's checkers
	cs.chks, cs.ops, cs.ids, cs.userIDs, cs.results, cs.ends, cs.spans =
		trim(cs.chks), trim(cs.ops), trim(cs.ids), trim(cs.userIDs), trim(cs.results), trim(cs.ends), trim(cs.spans)
	if cap(cs.body) > 64*maxPooled {
		cs.body = make([]byte, 0, 4096)
	}
	checkStates.Put(cs)
}

// trim empties s, and drops it when it grew beyond maxPooled.
func trim[T any](s []T) []T {
	if cap(s) > maxPooled {
		return nil
	}
	return s[:0]
}

// readBody appends the request body to buf (bounded by the body limit).
func readBody(r *http.Request, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// appendCheckResponse encodes a api.CheckResponse (batch: a
// api.BatchCheckResponse) as encoding/json would, without reflection: the
// check endpoint answers many small requests, and this is its hot path.
func appendCheckResponse(b []byte, out [][]api.CheckResult, batch bool, rev uint64) []byte {
	b = append(b, `{"results":`...)
	if batch {
		b = append(b, '[')
	}
	for i, rs := range out {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, r := range rs {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendCheckResult(b, r)
		}
		b = append(b, ']')
	}
	if batch {
		b = append(b, ']')
	}
	b = append(b, `,"revision":`...)
	b = strconv.AppendUint(b, rev, 10)
	return append(b, '}', '\n')
}

func appendCheckResult(b []byte, r api.CheckResult) []byte {
	if q, ok := catalog.quoted[operations.ID(r.ID)]; ok && q.name == r.Operation {
		b = append(b, q.prefix...)
	} else {
		b = append(b, `{"operation":`...)
		b = appendJSONString(b, r.Operation)
		b = append(b, `,"id":`...)
		b = strconv.AppendInt(b, int64(r.ID), 10)
	}
	b = append(b, `,"allowed":`...)
	b = strconv.AppendBool(b, r.Allowed)
	if r.Error != "" {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, r.Error)
	}
	if r.Missing != "" {
		b = append(b, `,"missing":`...)
		b = appendJSONString(b, r.Missing)
	}
	if len(r.Hints) > 0 {
		b = append(b, `,"hints":[`...)
		for i, h := range r.Hints {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, h)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string, as encoding/json writes it.
func appendJSONString(b []byte, s string) []byte {
	q, err := json.Marshal(s)
	if err != nil { // a string always marshals; keep the output valid anyway
		return append(b, `""`...)
	}
	return append(b, q...)
}

// checkOne decides one item with chk, the checker of its application in
// snapshot snap, appending its results to cs.results and their end to
// cs.ends.
func (s *Server) checkOne(r *http.Request, snap *authz.Snapshot, chk *authz.Checker, it *api.CheckItem, ops []operations.Operation, cs *checkState) error {
	if it.User == "" {
		return invalidf("check: \"user\" is required")
	}
	if len(it.Operations) == 0 || len(it.Operations) > maxOps {
		return invalidf("check: 1 to %d operations, got %d", maxOps, len(it.Operations))
	}
	c, err := s.clientOf(r, it.User, it.IDs, it.Groups, it.DN, it.Resolve, &cs.userIDs)
	if err != nil {
		return err
	}
	ids := cs.ids[:0]
	for _, o := range ops {
		ids = append(ids, o.ID)
	}
	cs.ids = ids
	res, err := chk.AccessCheckInto(r.Context(), &cs.authz, c, it.Scope, ids, authz.Params(it.Parameters))
	// A scope the policy does not have is an error of the request, as an
	// unknown operation is (404, like the CLI's exit 2). Any other error
	// (ctx done) comes with all-denied results that carry it: report them.
	if errors.Is(err, authz.ErrUnknownScope) || (err != nil && len(res) != len(ids)) {
		return fmt.Errorf("access check: %w", err)
	}
	// Decisions are counted by operation name for the engine's application
	// and the delegation application, whose names are the metric's labels;
	// another application's, whatever their names, as other operations.
	label := chk == snap.Checker || names.Equal(chk.Application(), DelegationApp)
	for i, rr := range res {
		op := ops[i]
		cr := api.CheckResult{Operation: op.Name, ID: int(op.ID), Allowed: rr.Allowed && rr.Err == nil}
		if rr.Err != nil {
			cr.Error = truncate(rr.Err.Error(), maxResultError)
		} else if err != nil && !cr.Allowed {
			cr.Error = truncate(err.Error(), maxResultError)
		}
		if !cr.Allowed && cs.explained < maxExplainedDenials {
			cs.explained++
			cr.Missing = quoteName(op.Name) + " in " + scopes.Label(it.Scope)
			cr.Hints = s.checkHints(r, chk, cs, it.Scope, op.ID)
		}
		s.metrics.tallyCheck(&cs.tally, label, op.Name, cr.Allowed)
		s.usage.count(audit.SourceCheck, chk.Application(), op.Name, int(op.ID), cr.Allowed, rr.Grant)
		if s.auditsCheck(cr.Allowed) {
			s.recordCheck(r, cs, chk.Application(), it, op, rr, err)
		}
		cs.results = append(cs.results, cr)
	}
	cs.ends = append(cs.ends, len(cs.results))
	return nil
}

// quoteName quotes a name as %q does.
func quoteName(s string) string { return strconv.Quote(s) }

// checkHints returns the hints of a denial of op in scope of chk's
// application, for a caller who may read the policy (asked once a request,
// without an audit record: a question, not a refusal); nil for anyone
// else.
func (s *Server) checkHints(r *http.Request, chk *authz.Checker, cs *checkState, scope string, op operations.ID) []string {
	if cs.mayRead == 0 {
		cs.mayRead = -1
		if c, ok := clientFrom(r.Context()); ok {
			if ok, _ := s.deleg.allowed(r.Context(), c, opReadPolicy); ok {
				cs.mayRead = 1
			}
		}
	}
	if cs.mayRead < 0 {
		return nil
	}
	k := hintKey{chk, names.Key(scope), op}
	if hs, ok := cs.hints[k]; ok {
		return hs
	}
	hs := hintStrings(chk, scope, op)
	if cs.hints == nil {
		cs.hints = map[hintKey][]string{}
	}
	cs.hints[k] = hs
	return hs
}

// hintStrings words c's hints for op in scope (none when it has none, or
// the scope or operation is unknown).
func hintStrings(c *authz.Checker, scope string, op operations.ID) []string {
	hs, err := c.Hints(scope, op)
	if err != nil || len(hs) == 0 {
		return nil
	}
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.String()
	}
	return out
}

// auditFlushAt bounds the check decisions held for the audit log: a batch
// that makes more is written in parts.
const auditFlushAt = 256

// auditsCheck reports whether a check decision goes to the audit log
// (Config.AuditChecks).
func (s *Server) auditsCheck(allowed bool) bool {
	switch s.cfg.AuditChecks {
	case AuditChecksAll:
		return true
	case AuditChecksOff:
		return false
	}
	return !allowed
}

// recordCheck holds one check decision for the audit log: the application
// and user checked,
// who asked, and the assignment that granted it or why it was denied
// (res.Err, else itemErr).
func (s *Server) recordCheck(r *http.Request, cs *checkState, app string, it *api.CheckItem, op operations.Operation, res authz.Result, itemErr error) {
	rec := audit.DecisionRecord{Source: audit.SourceCheck, Principal: it.User, Caller: cs.caller, Application: app,
		Operation: op.Name, OperationID: int(op.ID), Scope: it.Scope, Allowed: res.Allowed && res.Err == nil, Err: res.Err}
	if rec.Allowed && res.Grant != nil {
		g := res.Grant
		rec.Grant = &audit.Grant{Scope: g.Scope, Assignment: g.Assignment, RoleDefinition: g.RoleDefinition, Principal: g.Principal}
	}
	if !rec.Allowed && rec.Err == nil {
		rec.Err = itemErr
	}
	cs.audit = append(cs.audit, rec)
	if len(cs.audit) >= auditFlushAt {
		s.flushCheckAudit(r, cs)
	}
}

// flushCheckAudit writes the check decisions held in cs.
func (s *Server) flushCheckAudit(r *http.Request, cs *checkState) {
	if len(cs.audit) == 0 {
		return
	}
	if err := s.audit.Decisions(context.WithoutCancel(r.Context()), cs.audit); err != nil {
		s.log.ErrorContext(r.Context(), "audit: check decisions not recorded", logKeyErr, err)
	}
	clear(cs.audit)
	cs.audit = cs.audit[:0]
}

// clientOf builds the client context a trusted checker describes: the
// user and its groups as given, or — with resolve — as the directory
// knows them (identifiers, DN, transitive groups; ids are added, dn
// replaces the directory's). Given groups, the identifiers are written
// into *idBuf when it is not nil (the context is then valid until the
// next use of *idBuf).
func (s *Server) clientOf(r *http.Request, user string, ids, groups []string, dn string, resolve bool, idBuf *[]string) (directory.ClientContext, error) {
	if !resolve {
		var all []string
		if idBuf != nil {
			all = append(append((*idBuf)[:0], user), ids...)
			*idBuf = all
		} else {
			all = append([]string{user}, ids...)
		}
		return directory.ClientContext{Name: user, IDs: all, Groups: groups, DN: dn}, nil
	}
	if groups != nil {
		return directory.ClientContext{}, invalidf("user %q: give its groups or ask the directory to resolve them, not both", user)
	}
	res, ok := s.dir.(directory.Resolver)
	if !ok {
		return directory.ClientContext{}, invalidf("user %q: give its groups; this directory cannot resolve users", user)
	}
	c, err := res.Resolve(r.Context(), user)
	switch {
	case isUnknownUser(err):
		return directory.ClientContext{}, &apiError{status: http.StatusNotFound, code: api.CodeNotFound,
			message: fmt.Sprintf("user %q is not in the directory; give its groups to check it anyway", user), err: err}
	case directoryError(err) != nil:
		return directory.ClientContext{}, directoryError(fmt.Errorf("resolve user %q: %w", user, err))
	case err != nil:
		return directory.ClientContext{}, fmt.Errorf("resolve user %q: %w", user, err)
	}
	c.IDs = append(c.IDs, ids...)
	if dn != "" {
		c.DN = dn
	}
	return c, nil
}

// operationParam parses the ?operation query parameter: an operation of
// chk's application, by name or by its OperationID.
func operationParam(r *http.Request, chk *authz.Checker) (operations.Operation, error) {
	v := r.URL.Query().Get("operation")
	if v == "" {
		return operations.Operation{}, invalidf("query parameter \"operation\" is required (a name or OperationID)")
	}
	op, err := chk.Operations().Parse(v)
	if err != nil {
		return operations.Operation{}, invalidf("query parameter \"operation\": %v", err)
	}
	return op, nil
}

// explain answers why a user may or may not do an operation: the granting
// path, or what each candidate path misses.
func (s *Server) explain(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireDelegated(r, opReadPolicy); err != nil {
		return err
	}
	q := r.URL.Query()
	user := q.Get("user")
	if user == "" {
		return invalidf("query parameter \"user\" is required")
	}
	snap, chk, err := s.checkerFor(q.Get("application"))
	if err != nil {
		return err
	}
	op, err := operationParam(r, chk)
	if err != nil {
		return err
	}
	resolve, err := boolParam(q.Get("resolve"), "resolve")
	if err != nil {
		return err
	}
	var groups []string
	if _, ok := q["group"]; ok {
		groups = []string{}
		for _, g := range q["group"] {
			if g != "" {
				groups = append(groups, g)
			}
		}
	}
	params := authz.Params{}
	for _, kv := range q["param"] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return invalidf("query parameter \"param\" %q: want NAME=VALUE", kv)
		}
		params[k] = v
	}
	c, err := s.clientOf(r, user, nil, groups, "", resolve, nil)
	if err != nil {
		return err
	}
	e := chk.Explain(r.Context(), c, q.Get("scope"), op.ID, params)
	writeJSON(w, http.StatusOK, api.ExplainResponse{Explanation: e, Application: chk.Application(), Revision: uint64(snap.Revision)})
	return nil
}

// whoCan lists who may do an operation in a scope.
func (s *Server) whoCan(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireDelegated(r, opReadPolicy); err != nil {
		return err
	}
	q := r.URL.Query()
	snap, chk, err := s.checkerFor(q.Get("application"))
	if err != nil {
		return err
	}
	op, err := operationParam(r, chk)
	if err != nil {
		return err
	}
	scope := q.Get("scope")
	if q.Has("limit") || q.Has("token") {
		limit, err := intParam(r, "limit")
		if err != nil {
			return err
		}
		pg, err := chk.WhoCanPaged(scope, op.ID, authz.WhoCanOptions{Revision: snap.Revision, Limit: limit, Token: q.Get("token")})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, api.WhoCanResponse{Application: chk.Application(), Operation: op.Name, Scope: scope, Principals: pg.Principals,
			Revision: uint64(pg.Revision), Total: pg.Total, Next: pg.Next})
		return nil
	}
	ps, err := chk.WhoCan(scope, op.ID)
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []authz.Principal{}
	}
	writeJSON(w, http.StatusOK, api.WhoCanResponse{Application: chk.Application(), Operation: op.Name, Scope: scope, Principals: ps, Revision: uint64(snap.Revision)})
	return nil
}

// boolParam parses an optional boolean query parameter.
func boolParam(v, name string) (bool, error) {
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, invalidf("query parameter %q: %q is not true or false", name, v)
	}
	return b, nil
}
