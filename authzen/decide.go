package authzen

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/scopes"
)

// The business-rule parameters that hold the entities; context members may
// not take their names.
const (
	paramSubject  = "subject"
	paramResource = "resource"
	paramAction   = "action"
)

// TypeScope is the resource type of a scope: its id is the scope's name,
// "" the default scope.
const TypeScope = "scope"

// TypeUser is the one subject type azgate decides for.
const TypeUser = "user"

// failed is a decision that could not be made: a denial whose context
// carries the status and message, as the specification's per-evaluation
// errors do.
type failed struct {
	status  int
	message string
}

func (f *failed) Error() string { return f.message }

func failf(status int, format string, args ...any) *failed {
	return &failed{status: status, message: fmt.Sprintf(format, args...)}
}

// denial builds the Decision of a denial. A plain one is {"decision":
// false}, as the interop harness compares it; one that could not be made,
// or whose business rule failed, says why (context.reason), and for a
// decision that could not be made, the error's status and message.
func denial(err error) Decision {
	var f *failed
	var rf *ruleFailed
	switch {
	case errors.As(err, &f):
		return Decision{Context: map[string]any{"reason": f.message,
			"error": map[string]any{"status": f.status, "message": f.message}}}
	case errors.As(err, &rf):
		return Decision{Context: map[string]any{"reason": rf.Error()}}
	}
	return Decision{}
}

// ruleFailed is a denial whose decision path failed (a business rule that
// did not run, an undecidable group).
type ruleFailed struct{ msg string }

func (e *ruleFailed) Error() string { return e.msg }

// checker returns the compiled checker of app in snap: the snapshot holds
// every application's Checker, compiled once per revision (the one index
// /v1/check decides with), over the operations its store defines.
func (s *Service) checker(snap *authz.Snapshot, app string) (*authz.Checker, error) {
	if strings.TrimSpace(app) == "" {
		// snap.App takes "" as the default application; a request that
		// names an empty one names none.
		return nil, failf(http.StatusNotFound, "application %q is not in the policy store", app)
	}
	c, err := snap.App(app)
	switch {
	case errors.Is(err, authz.ErrUnknownApplication):
		return nil, failf(http.StatusNotFound, "application %q is not in the policy store", app)
	case err != nil:
		s.log.Warn("authzen: application cannot be decided", "application", app, "err", err)
		return nil, failf(http.StatusInternalServerError, "application %q cannot be decided: %v", app, err)
	}
	return c, nil
}

// decider makes the decisions of one request with one snapshot.
type decider struct {
	s    *Service
	r    *http.Request
	snap *authz.Snapshot
	// subjects caches the client contexts resolved in this request.
	subjects map[string]resolved
	// quiet: the decisions are a search's, not told to OnDecision (a
	// search makes one per candidate).
	quiet bool
}

type resolved struct {
	c   directory.ClientContext
	err error
}

func (s *Service) newDecider(r *http.Request) *decider {
	return &decider{s: s, r: r, snap: s.cfg.Policy(), subjects: map[string]resolved{}}
}

// target is what an evaluation asks about in AzMan's terms.
type target struct {
	checker *authz.Checker
	app     string
	op      operations.Operation
	scope   string
	// also are the further scopes an engine object's decision is made in
	// (a port's switch's): every one must allow.
	also []string
	// object is "type id" of an engine object, whose scope a denial never
	// names; "" otherwise.
	object string
}

// application is the application an entity's properties name, else the
// configured one, else the snapshot's own.
func (d *decider) application(props map[string]any) (string, error) {
	if v, ok := props["application"]; ok {
		app, ok := v.(string)
		if !ok {
			return "", failf(http.StatusBadRequest, "resource.properties.application must be a string")
		}
		return app, nil
	}
	if d.s.cfg.Application != "" {
		return d.s.cfg.Application, nil
	}
	return d.snap.Checker.Application(), nil
}

// checker is the compiled checker of the application an entity's
// properties name (application).
func (d *decider) checker(props map[string]any) (*authz.Checker, error) {
	app, err := d.application(props)
	if err != nil {
		return nil, err
	}
	return d.s.checker(d.snap, app)
}

// operation finds an action's operation in c's catalog, by name.
func operation(c *authz.Checker, name string) (operations.Operation, error) {
	if o, ok := c.Operations().ByName(name); ok {
		return o, nil
	}
	return operations.Operation{}, failf(http.StatusNotFound, "application %q has no operation %q", c.Application(), name)
}

// isEngineType reports whether typ is a type of the engine's objects.
func (d *decider) isEngineType(typ string) bool {
	return d.s.cfg.Objects != nil && slices.Contains(d.s.cfg.Objects.Types(), typ)
}

// resource maps a resource onto an application, its checker and a scope;
// the operation is filled in by the caller.
func (d *decider) resource(ctx context.Context, res Resource) (target, error) {
	c, err := d.checker(res.Properties)
	if err != nil {
		return target{}, err
	}
	t := target{checker: c, app: c.Application()}
	scope, hasScope := res.Properties["scope"]
	if hasScope {
		s, ok := scope.(string)
		if !ok {
			return target{}, failf(http.StatusBadRequest, "resource.properties.scope must be a string")
		}
		t.scope = s
	}
	switch {
	case res.Type == TypeScope:
		if hasScope && !names.Equal(t.scope, res.ID) {
			return target{}, failf(http.StatusBadRequest, "a resource of type %q is the scope its id names; its properties.scope %q differs", TypeScope, t.scope)
		}
		t.scope = res.ID
	case d.isEngineType(res.Type) && names.Equal(t.app, d.snap.Checker.Application()):
		// The object's own scope, and those of the objects a call on it
		// touches, whatever properties.scope says. A missing object is
		// denied, in the words a hidden one is.
		t.object = res.Type + " " + res.ID
		scopes, found, err := d.s.cfg.Objects.Scopes(ctx, res.Type, res.ID)
		if err != nil {
			return target{}, fmt.Errorf("find %s %q: %w", res.Type, res.ID, err)
		}
		if !found || len(scopes) == 0 {
			t.scope = ""
			return t, errMissingObject
		}
		t.scope, t.also = scopes[0], scopes[1:]
	}
	return t, nil
}

// errMissingObject marks a target whose engine object does not exist.
var errMissingObject = errors.New("no such object")

// subject resolves a subject to a client context through the directory.
func (d *decider) subject(ctx context.Context, sub Subject) (directory.ClientContext, error) {
	if sub.Type != TypeUser {
		return directory.ClientContext{}, failf(http.StatusBadRequest, "subject type %q: azgate decides for users (type %q)", sub.Type, TypeUser)
	}
	if r, ok := d.subjects[sub.ID]; ok {
		return r.c, r.err
	}
	c, err := d.s.cfg.Resolve(ctx, sub.ID)
	var e *Error
	switch {
	case errors.Is(err, ErrUnknownSubject):
		err = failf(http.StatusNotFound, "subject %q is not in the directory", sub.ID)
	case errors.As(err, &e) && e.Status < 500:
		err = &failed{status: e.Status, message: e.Message}
	case err != nil:
		return directory.ClientContext{}, err // the whole request fails
	}
	if len(d.subjects) < MaxEvaluations {
		d.subjects[sub.ID] = resolved{c, err}
	}
	return c, err
}

// params are the business-rule parameters of an evaluation: the context's
// members by their own names, and the entities.
func params(e evaluation, c directory.ClientContext) (authz.Params, error) {
	p := make(authz.Params, len(e.context)+3)
	for k, v := range e.context {
		switch k {
		case paramSubject, paramResource, paramAction:
			return nil, badRequest("context.%s: the parameters %q, %q and %q hold the entities; rename the context member",
				k, paramSubject, paramResource, paramAction)
		}
		p[k] = v
	}
	ids := make([]any, len(c.IDs))
	for i, id := range c.IDs {
		ids[i] = id
	}
	p[paramSubject] = map[string]any{"type": e.subject.Type, "id": e.subject.ID, "ids": ids, "properties": orEmpty(e.subject.Properties)}
	p[paramResource] = map[string]any{"type": e.resource.Type, "id": e.resource.ID, "properties": orEmpty(e.resource.Properties)}
	p[paramAction] = map[string]any{"name": e.action.Name, "properties": orEmpty(e.action.Properties)}
	return p, nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// decide makes one evaluation. A decision that cannot be made is a denial
// that says why; only errors of the whole request (a directory that cannot
// answer, a done context, a malformed context) are returned as errors.
func (d *decider) decide(e evaluation) (Decision, error) {
	ok, why, err := d.evaluate(e)
	switch {
	case err != nil:
		return Decision{}, err
	case ok:
		return Decision{Decision: true}, nil
	}
	return denial(why), nil
}

// evaluate makes one evaluation: allowed, or why not (a *failed when the
// decision could not be made). err fails the whole request.
func (d *decider) evaluate(e evaluation) (ok bool, why, err error) {
	ctx := d.r.Context()
	c, err := d.subject(ctx, e.subject)
	if err != nil {
		return split(err)
	}
	t, err := d.resource(ctx, e.resource)
	if err != nil && !errors.Is(err, errMissingObject) {
		return split(err)
	}
	missing := err != nil
	if t.op, err = operation(t.checker, e.action.Name); err != nil {
		return split(err)
	}
	p, err := params(e, c)
	if err != nil {
		return false, nil, err
	}
	if missing {
		d.made(e, t, authz.Result{}, nil)
		return false, t.deniedErr(), nil
	}
	// The object's own scope first, then every further one (as the engine's
	// gate decides a call): the first that does not allow denies.
	var first authz.Result
	for i, scope := range append([]string{t.scope}, t.also...) {
		res, err := t.checker.AccessCheck(ctx, c, scope, []operations.ID{t.op.ID}, p)
		switch {
		case errors.Is(err, authz.ErrUnknownScope) && t.object != "":
			// An engine object in a scope the policy lacks: denied, as
			// the engine denies it, naming no scope.
			d.made(e, t, authz.Result{}, err)
			return false, t.deniedErr(), nil
		case errors.Is(err, authz.ErrUnknownScope):
			return false, failf(http.StatusNotFound, "application %q has no scope %q", t.app, scope), nil
		case ctx.Err() != nil:
			return false, nil, &Error{Status: http.StatusServiceUnavailable, Message: "request timed out", Err: ctx.Err()}
		case err != nil || len(res) != 1:
			return false, nil, fmt.Errorf("access check: %w (%d results)", err, len(res))
		}
		r := res[0]
		if i == 0 {
			first = r
		}
		if !r.Allowed || r.Err != nil {
			t.scope = scope // the audit's: where it was denied
			d.made(e, t, r, nil)
			if r.Err != nil {
				return false, &ruleFailed{msg: fmt.Sprintf("%v: %v", t.deniedErr(), r.Err)}, nil
			}
			return false, t.deniedErr(), nil
		}
	}
	d.made(e, t, first, nil)
	return true, nil, nil
}

// split sorts err: a failed decision is a reason to deny; anything else
// fails the request.
func split(err error) (bool, error, error) {
	var f *failed
	if errors.As(err, &f) {
		return false, f, nil
	}
	return false, nil, err
}

// deniedErr words a denial: the operation, and the scope unless it is an
// engine object's (a hidden object and a missing one are denied alike).
func (t target) deniedErr() error {
	if t.object != "" {
		return fmt.Errorf("access denied: %q on %s", t.op.Name, t.object)
	}
	return fmt.Errorf("access denied: %q in %s of application %q", t.op.Name, scopes.Label(t.scope), t.app)
}

// made tells Config.OnDecision about a decision.
func (d *decider) made(e evaluation, t target, r authz.Result, err error) {
	if d.s.cfg.OnDecision == nil || d.quiet {
		return
	}
	m := Made{Subject: e.subject.ID, Application: t.app, Operation: t.op.Name, OperationID: int(t.op.ID),
		Scope: t.scope, Object: t.object, Allowed: r.Allowed && r.Err == nil, Grant: r.Grant, Err: r.Err}
	if m.Err == nil {
		m.Err = err
	}
	d.s.cfg.OnDecision(d.r.Context(), m)
}
