package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/operations"
)

// Authorizer makes access decisions. The authz checker satisfies it.
//
// AccessCheck returns one result per operation, in order. It returns an
// error when it cannot decide at all (unknown scope, store unreachable); the
// engine then denies. A result with a non-nil Err is a denial.
type Authorizer interface {
	AccessCheck(ctx context.Context, client authz.ClientContext, scope string, ops []operations.ID, params authz.Params) ([]authz.Result, error)
}

// Decision is one access decision of the interceptor, passed to
// Config.OnDecision.
type Decision struct {
	Time      time.Time
	Principal string
	Operation operations.Operation
	Scope     string // "" is the default scope
	Object    string // "" for lists and service-wide calls
	Allowed   bool
	Grant     *authz.Grant // the granting path; nil when denied
	Err       error        // why the decision failed, if it did (always a denial)
}

// scopeRule says where the scope(s) of a method's check come from.
type scopeRule int

const (
	// inDefault checks the default scope.
	inDefault scopeRule = iota + 1
	// inTarget checks the scope the request names (creation).
	inTarget
	// inObject checks the object's ScopeOfResidence.
	inObject
	// inObjectAndNew checks the object's current scope and, when the call
	// moves the object, the new scope too.
	inObjectAndNew
	// perObject filters a list: each object is returned only if the check
	// in its scope allows it.
	perObject
)

func (r scopeRule) String() string {
	switch r {
	case inDefault:
		return "default scope"
	case inTarget:
		return "target scope"
	case inObject:
		return "object's scope"
	case inObjectAndNew:
		return "object's current and new scope"
	case perObject:
		return "each listed object's scope"
	}
	return fmt.Sprintf("scopeRule(%d)", int(r))
}

// gateRule is one entry of the gate table.
type gateRule struct {
	op    operations.ID
	scope scopeRule
}

// gateTable maps every exported method of *Engine (except Close, which
// touches no engine state) to the
// operation it needs and where the scope of the check comes from. It is the
// one place that says what each entry point requires.
func gateTable() map[string]gateRule {
	return map[string]gateRule{
		// Service.
		"GetServiceConfig": {operations.ReadServiceConfiguration, inDefault},
		"SetServiceConfig": {operations.ReconfigureService, inDefault},
		"GetSwitchService": {operations.ViewVirtualSwitchMgmt, inDefault},

		// Virtual machines.
		"CreateVM":         {operations.CreateVM, inTarget},
		"DeleteVM":         {operations.DeleteVM, inObject},
		"GetVM":            {operations.ViewVMConfiguration, inObject},
		"ListVMs":          {operations.ViewVMConfiguration, perObject},
		"StartVM":          {operations.StartVM, inObject},
		"StopVM":           {operations.StopVM, inObject},
		"SaveVM":           {operations.StopVM, inObject},
		"PauseVM":          {operations.PauseAndRestartVM, inObject},
		"ResumeVM":         {operations.PauseAndRestartVM, inObject},
		"ReconfigureVM":    {operations.ReconfigureVM, inObject},
		"SendConsoleInput": {operations.AllowInputToVM, inObject},
		"ReadConsole":      {operations.AllowOutputFromVM, inObject},
		"SetVMScope":       {operations.ChangeVMAuthzScope, inObjectAndNew},
		"CreateSnapshot":   {operations.AllowVMSnapshot, inObject},
		"ListSnapshots":    {operations.AllowVMSnapshot, inObject},
		"ApplySnapshot":    {operations.AllowVMSnapshot, inObject},
		"DeleteSnapshot":   {operations.AllowVMSnapshot, inObject},

		// Virtual switches.
		"CreateSwitch": {operations.CreateVirtualSwitch, inTarget},
		"DeleteSwitch": {operations.DeleteVirtualSwitch, inObject},
		"ModifySwitch": {operations.ModifySwitchSettings, inObjectAndNew},
		"GetSwitch":    {operations.ViewSwitches, inObject},
		"ListSwitches": {operations.ViewSwitches, perObject},

		// Switch ports.
		"CreatePort":     {operations.CreateVirtualSwitchPort, inTarget},
		"DeletePort":     {operations.DeleteVirtualSwitchPort, inObject},
		"ModifyPort":     {operations.ModifySwitchPortSettings, inObjectAndNew},
		"GetPort":        {operations.ViewSwitchPorts, inObject},
		"ListPorts":      {operations.ViewSwitchPorts, perObject},
		"ConnectPort":    {operations.ConnectVirtualSwitchPort, inObject},
		"DisconnectPort": {operations.DisconnectVirtualSwitchPort, inObject},
		"GetPortVLAN":    {operations.ViewVLANSettings, inObject},
		"SetPortVLAN":    {operations.ChangeVLANConfigOnPort, inObject},

		// Internal Ethernet ports (default scope).
		"CreateInternalPort": {operations.CreateInternalEthernetPort, inDefault},
		"DeleteInternalPort": {operations.DeleteInternalEthernetPort, inDefault},
		"ModifyInternalPort": {operations.ModifyInternalEthernetPort, inDefault},
		"ListInternalPorts":  {operations.ViewInternalEthernetPorts, inDefault},

		// External Ethernet ports: listing is service-wide, binding acts on
		// the switch and is checked in the switch's scope.
		"ListExternalPorts":  {operations.ViewExternalEthernetPorts, inDefault},
		"BindExternalPort":   {operations.BindExternalEthernetPort, inObject},
		"UnbindExternalPort": {operations.UnbindExternalEthernetPort, inObject},

		// LAN endpoints: each endpoint in its port's (or switch's) scope.
		"ListLANEndpoints": {operations.ViewLANEndpoints, perObject},
	}
}

// permit is proof that the interceptor allowed the calling method. State is
// read and written only through Engine.read and Engine.write, which require
// one.
type permit struct {
	method string
	scopes []string // the scopes the decision allowed, in the order checked
}

// errNoRule is returned (as a denial cause) when a method names no entry of
// the gate table: a programming error, so fail closed.
var errNoRule = errors.New("engine: method is not an entry of the gate table")

// rule returns the gate table's entry for method.
func (e *Engine) rule(method string) (gateRule, error) {
	r, ok := e.gate[method]
	if !ok {
		return gateRule{}, fmt.Errorf("%w: %q", errNoRule, method)
	}
	return r, nil
}

// authorize decides method's operation on object in scopes,
// which must agree with the method's scope rule: none for inDefault, one for
// inTarget and inObject, one or two (current, new) for inObjectAndNew. Every
// scope must allow; the first denial is returned as a *DeniedError.
func (e *Engine) authorize(ctx context.Context, c authz.ClientContext, method, object string, scopes ...string) (permit, error) {
	rule, err := e.rule(method)
	if err != nil {
		return permit{}, e.failClosed(ctx, c, operations.Operation{Name: "unknown"}, "", object, err)
	}
	op, err := operations.ByID(rule.op)
	if err != nil {
		return permit{}, e.failClosed(ctx, c, operations.Operation{ID: rule.op}, "", object, err)
	}
	want := 1
	switch rule.scope {
	case inDefault:
		want = 0
	case inObjectAndNew:
		want = min(max(len(scopes), 1), 2)
	case perObject:
		want = -1
	}
	if len(scopes) != want {
		return permit{}, e.failClosed(ctx, c, op, "", object,
			fmt.Errorf("engine: %s checks the %s, was given %d scopes", method, rule.scope, len(scopes)))
	}
	if rule.scope == inDefault {
		scopes = []string{""}
	}
	for _, s := range scopes {
		if err := e.decide(ctx, c, op, s, object); err != nil {
			return permit{}, err
		}
	}
	return permit{method: method, scopes: scopes}, nil
}

// visible decides the list method's operation in each distinct scope
// and returns a permit together with the set of scopes that allowed it.
func (e *Engine) visible(ctx context.Context, c authz.ClientContext, method string, scopes []string) (permit, map[string]bool, error) {
	rule, err := e.rule(method)
	if err == nil && rule.scope != perObject {
		err = fmt.Errorf("engine: %s checks the %s, not a list filter", method, rule.scope)
	}
	if err != nil {
		return permit{}, nil, e.failClosed(ctx, c, operations.Operation{ID: rule.op}, "", "", err)
	}
	op, err := operations.ByID(rule.op)
	if err != nil {
		return permit{}, nil, e.failClosed(ctx, c, operations.Operation{ID: rule.op}, "", "", err)
	}
	allowed := map[string]bool{}
	seen := map[string]bool{}
	for _, s := range scopes {
		if seen[s] {
			continue
		}
		seen[s] = true
		// A denial only hides the scope's objects; decide reports it.
		allowed[s] = e.decide(ctx, c, op, s, "") == nil
	}
	return permit{method: method, scopes: scopes}, allowed, nil
}

// decide asks the Authorizer about one operation in one scope, reports the
// decision and returns nil only when it allowed.
func (e *Engine) decide(ctx context.Context, c authz.ClientContext, op operations.Operation, scope, object string) error {
	d := Decision{Time: e.now(), Principal: principal(c), Operation: op, Scope: scope, Object: object}
	if err := ctx.Err(); err != nil {
		d.Err = err
	} else {
		res, err := e.authz.AccessCheck(ctx, c, scope, []operations.ID{op.ID}, nil)
		switch {
		case err != nil:
			d.Err = err
		case len(res) != 1:
			d.Err = fmt.Errorf("authorizer returned %d results for 1 operation", len(res))
		case res[0].Err != nil:
			d.Err = res[0].Err
		case res[0].Operation.ID != op.ID && res[0].Operation.ID != 0:
			d.Err = fmt.Errorf("authorizer answered for operation %d, asked %d", res[0].Operation.ID, op.ID)
		default:
			d.Allowed = res[0].Allowed
			if d.Allowed {
				d.Grant = res[0].Grant
			}
		}
	}
	e.report(ctx, d)
	if d.Allowed {
		return nil
	}
	return &DeniedError{Operation: op, Scope: scope, Object: object, Err: d.Err}
}

// failClosed reports and returns a denial for a decision that could not be
// attempted.
func (e *Engine) failClosed(ctx context.Context, c authz.ClientContext, op operations.Operation, scope, object string, cause error) error {
	e.log.ErrorContext(ctx, "engine gate failed closed", "err", cause)
	e.report(ctx, Decision{Time: e.now(), Principal: principal(c), Operation: op, Scope: scope, Object: object, Err: cause})
	return &DeniedError{Operation: op, Scope: scope, Object: object, Err: cause}
}

func (e *Engine) report(ctx context.Context, d Decision) {
	if d.Err != nil {
		e.log.WarnContext(ctx, "access decision failed", logKeyPrincipal, d.Principal,
			logKeyOperation, d.Operation.Name, logKeyScope, d.Scope, logKeyObject, d.Object, "err", d.Err)
	} else {
		e.log.DebugContext(ctx, "access decision", logKeyPrincipal, d.Principal,
			logKeyOperation, d.Operation.Name, logKeyScope, d.Scope, logKeyObject, d.Object, logKeyAllowed, d.Allowed)
	}
	if e.onDecision != nil {
		e.onDecision(ctx, d)
	}
}

func principal(c authz.ClientContext) string {
	if c.Name != "" {
		return c.Name
	}
	if len(c.IDs) > 0 {
		return c.IDs[0]
	}
	return ""
}

// Log keys.
const (
	logKeyPrincipal = "principal"
	logKeyOperation = "operation"
	logKeyScope     = "scope"
	logKeyObject    = "object"
	logKeyAllowed   = "allowed"
)
