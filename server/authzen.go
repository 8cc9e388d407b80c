package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/azgate/azgate/audit"
	"github.com/azgate/azgate/authzen"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/engine"
)

// newAuthZEN makes the AuthZEN service over the server's policy, directory
// and delegation roles (docs/authzen.md).
func (s *Server) newAuthZEN() (*authzen.Service, error) {
	cfg := authzen.Config{
		Policy:      s.live.Current,
		Application: s.cfg.AuthZENApplication,
		Resolve:     s.resolveSubject,
		Authorize: func(r *http.Request, op string) error {
			if err := s.requireDelegated(r, op); err != nil {
				status, detail := mapError(err)
				return &authzen.Error{Status: status, Message: detail.Message, Err: err}
			}
			return nil
		},
		OnDecision: s.onAuthZENDecision,
		PDPURL:     s.cfg.AuthZENURL,
		Logger:     s.log.With(logKeySystem, "authzen"),
	}
	if s.eng != nil {
		cfg.Objects = authzenObjects{eng: s.eng}
	}
	if s.cfg.Directory != DirectoryLDAP {
		// The local directory lists its users: the subject search's
		// candidates. An LDAP directory is not enumerated.
		cfg.Users = func(ctx context.Context) ([]string, error) {
			us, err := s.local.Users(ctx)
			out := make([]string, len(us))
			for i, u := range us {
				out[i] = u.Name
			}
			return out, err
		}
	}
	return authzen.New(cfg)
}

// resolveSubject resolves an AuthZEN subject id through the directory, as
// a check with "resolve": true does.
func (s *Server) resolveSubject(ctx context.Context, id string) (directory.ClientContext, error) {
	res, ok := s.dir.(directory.Resolver)
	if !ok {
		return directory.ClientContext{}, &authzen.Error{Status: http.StatusNotImplemented, Message: "this directory cannot resolve users"}
	}
	c, err := res.Resolve(ctx, id)
	switch {
	case isUnknownUser(err):
		return c, fmt.Errorf("%w: %w", authzen.ErrUnknownSubject, err)
	case directoryError(err) != nil:
		status, detail := mapError(directoryError(fmt.Errorf("resolve subject %q: %w", id, err)))
		return c, &authzen.Error{Status: status, Message: detail.Message, Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return c, &authzen.Error{Status: http.StatusServiceUnavailable, Message: "request timed out", Err: err}
	}
	return c, err
}

// onAuthZENDecision counts an AuthZEN decision and records it in the audit
// log as /v1/check decisions are (Config.AuditChecks).
func (s *Server) onAuthZENDecision(ctx context.Context, m authzen.Made) {
	s.metrics.decision(sourceAuthZEN, m.Operation, m.Allowed)
	s.usage.count(audit.SourceAuthZEN, m.Application, m.Operation, m.OperationID, m.Allowed, m.Grant)
	if !s.auditsCheck(m.Allowed) {
		return
	}
	caller := ""
	if c, ok := clientFrom(ctx); ok {
		caller = principalName(c)
	}
	rec := audit.DecisionRecord{Source: audit.SourceAuthZEN, Principal: m.Subject, Caller: caller, Application: m.Application,
		Operation: m.Operation, OperationID: m.OperationID, Scope: m.Scope, Object: m.Object, Allowed: m.Allowed, Err: m.Err}
	if m.Allowed && m.Grant != nil {
		g := m.Grant
		rec.Grant = &audit.Grant{Scope: g.Scope, Assignment: g.Assignment, RoleDefinition: g.RoleDefinition, Principal: g.Principal}
	}
	if err := s.audit.Decision(context.WithoutCancel(ctx), rec); err != nil {
		s.log.ErrorContext(ctx, "audit: AuthZEN decision not recorded", logKeyErr, err)
	}
}

// authzenRoutes are the AuthZEN endpoints, in the one route table.
func (s *Server) authzenRoutes() []route {
	var rs []route
	for _, e := range s.authzen.Endpoints() {
		acc := authenticated
		if e.Public {
			acc = public
		}
		needs := ""
		if e.Needs != "" {
			needs = e.Needs + " (delegation application)"
		}
		rs = append(rs, route{name: e.Name, method: e.Method, path: e.Path, tag: "authzen", summary: e.Summary,
			access: acc, needs: needs, body: e.Body, resp: e.Resp, h: e.Handle, authzen: true})
	}
	return rs
}

// The AuthZEN resource types of the engine's objects (docs/authzen.md):
// the singular of the engine API's kinds.
const (
	AuthZENTypeVM     = "vm"
	AuthZENTypeSwitch = "switch"
	AuthZENTypePort   = "port"
)

// authzenObjects are the engine's objects as AuthZEN resources, as the
// request's caller (the PEP) may learn of them: the scopes of one through
// the engine's decision-scope methods (the caller must view it and hold
// Check Access), the list of a type through the engine's own lists.
type authzenObjects struct{ eng *engine.Engine }

func (authzenObjects) Types() []string {
	return []string{AuthZENTypeVM, AuthZENTypeSwitch, AuthZENTypePort}
}

// Scopes answers a missing object and one the caller may not view alike:
// not found.
func (o authzenObjects) Scopes(ctx context.Context, typ, id string) ([]string, bool, error) {
	caller, ok := clientFrom(ctx)
	if !ok {
		return nil, false, errors.New("AuthZEN: no authenticated caller")
	}
	var scopes []string
	var err error
	switch typ {
	case AuthZENTypeVM:
		scopes, err = o.eng.VMDecisionScopes(ctx, caller, id)
	case AuthZENTypeSwitch:
		scopes, err = o.eng.SwitchDecisionScopes(ctx, caller, id)
	case AuthZENTypePort:
		scopes, err = o.eng.PortDecisionScopes(ctx, caller, id)
	default:
		return nil, false, nil
	}
	switch {
	case err == nil:
		return scopes, true, nil
	case errors.Is(err, engine.ErrAccessDenied):
		return nil, false, nil
	case errors.Is(err, engine.ErrUnavailable):
		return nil, false, &authzen.Error{Status: http.StatusServiceUnavailable, Message: "the management engine is unavailable", Err: err}
	}
	return nil, false, err
}

// List lists the objects of typ the caller may view.
func (o authzenObjects) List(ctx context.Context, typ string) ([]authzen.Object, error) {
	caller, ok := clientFrom(ctx)
	if !ok {
		return nil, errors.New("AuthZEN: no authenticated caller")
	}
	var ids []string
	var err error
	switch typ {
	case AuthZENTypeVM:
		var vms []engine.VM
		vms, err = o.eng.ListVMs(ctx, caller)
		for _, v := range vms {
			ids = append(ids, v.Name)
		}
	case AuthZENTypeSwitch:
		var sws []engine.Switch
		sws, err = o.eng.ListSwitches(ctx, caller)
		for _, sw := range sws {
			ids = append(ids, sw.Name)
		}
	case AuthZENTypePort:
		var ps []engine.Port
		ps, err = o.eng.ListPorts(ctx, caller)
		for _, p := range ps {
			ids = append(ids, p.Name)
		}
	}
	if errors.Is(err, engine.ErrUnavailable) {
		return nil, &authzen.Error{Status: http.StatusServiceUnavailable, Message: "the management engine is unavailable", Err: err}
	}
	if err != nil {
		return nil, err
	}
	out := make([]authzen.Object, len(ids))
	for i, id := range ids {
		out[i] = authzen.Object{ID: id}
	}
	return out, nil
}

// decisionPoint lets the engine answer a caller's questions about other
// subjects (engine.Config.DecisionPoint): the caller must hold Check
// Access in the delegation application, as /v1/check and AuthZEN's
// evaluations need.
func (s *Server) decisionPoint(ctx context.Context, c directory.ClientContext) error {
	ok, err := s.deleg.allowed(ctx, c, opCheckAccess)
	switch {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("%q is not held in the delegation application", opCheckAccess)
	}
	return nil
}
