package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
)

// A policy decision point (the server's AuthZEN API) asks about ANOTHER
// subject: "may alice start VM web1?". The decision is the policy's; what
// the engine tells is only which scopes it is made in — the object's own,
// and for a switch port its switch's too, as the gate decides a port's
// operations in both. These methods are that one narrow, read-only
// question. Each is an entry of the gate table (gated for the caller, who
// must see the object: its view operation in the object's scope, as GetVM,
// GetSwitch and GetPort need) and the interceptor also requires the caller
// to be a decision point (Config.DecisionPoint: the server's Check Access
// delegation, as /v1/check needs). An object the caller may not see and a
// missing one are answered alike, whatever the caller may do in the
// default scope: a *DeniedError naming the view operation and the name
// given, nothing else (no scope, no cause), so the answer tells a caller
// nothing it could not learn through the engine's own calls.

// errNotDecisionPoint denies a decision-scope call by a caller that is not
// a decision point.
var errNotDecisionPoint = errors.New("the caller may not ask for decisions about other subjects")

// VMDecisionScopes returns the scopes a decision about an operation on
// virtual machine name is made in: its scope of residence ("" is the
// default scope). Needs View Virtual Machine Configuration in the VM's
// scope, and a decision point (Config.DecisionPoint).
func (e *Engine) VMDecisionScopes(ctx context.Context, c directory.ClientContext, name string) ([]string, error) {
	var out []string
	err := e.gated(ctx, c, "VMDecisionScopes", func(v *view, ids map[role]string) error {
		vm, err := getAs[VM](v, kindVM, ids[roleVM])
		out = []string{vm.Scope}
		return err
	}, named(roleVM, name))
	return out, noObject(operations.ViewVMConfiguration, name, err)
}

// SwitchDecisionScopes returns the scopes a decision about an operation on
// virtual switch name is made in: its scope of residence. Needs View
// Switches in the switch's scope, and a decision point.
func (e *Engine) SwitchDecisionScopes(ctx context.Context, c directory.ClientContext, name string) ([]string, error) {
	var out []string
	err := e.gated(ctx, c, "SwitchDecisionScopes", func(v *view, ids map[role]string) error {
		sw, err := getAs[Switch](v, kindSwitch, ids[roleSwitch])
		out = []string{sw.Scope}
		return err
	}, named(roleSwitch, name))
	return out, noObject(operations.ViewSwitches, name, err)
}

// PortDecisionScopes returns the scopes a decision about an operation on
// switch port name is made in: the port's scope, then its switch's (the
// gate decides every port operation in both). Needs View Switch Ports in
// both, and a decision point.
func (e *Engine) PortDecisionScopes(ctx context.Context, c directory.ClientContext, name string) ([]string, error) {
	var out []string
	err := e.gated(ctx, c, "PortDecisionScopes", func(v *view, ids map[role]string) error {
		p, err := getAs[PortRecord](v, kindPort, ids[rolePort])
		if err != nil {
			return err
		}
		sw, err := getAs[Switch](v, kindSwitch, ids[roleSwitch])
		out = []string{p.Scope, sw.Scope}
		return err
	}, named(rolePort, name))
	return out, noObject(operations.ViewSwitchPorts, name, err)
}

// noObject answers a denial on the object, and a missing object, alike: a
// denial of op (the object's view operation) on the name given, without
// scope or cause (reported and logged when decided). Any other error (the
// caller is not a decision point, the backend is unavailable) is returned
// as it is.
func noObject(op operations.ID, name string, err error) error {
	var de *DeniedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de) && errors.Is(de.Err, errNotDecisionPoint):
		return err
	case errors.Is(err, ErrNotFound), errors.As(err, &de):
		return &DeniedError{Operation: operations.MustID(op), Object: name}
	}
	return err
}

// decisionPoint returns nil when c may ask a decision point's questions
// (Config.DecisionPoint), else why not (wrapping errNotDecisionPoint).
func (e *Engine) decisionPoint(ctx context.Context, c directory.ClientContext) error {
	if e.point == nil {
		return errNotDecisionPoint
	}
	if err := e.point(ctx, c); err != nil {
		return fmt.Errorf("%w: %w", errNotDecisionPoint, err)
	}
	return nil
}
