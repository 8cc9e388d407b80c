package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/azgate/azgate/audit"
	"github.com/azgate/azgate/authzen"
	"github.com/azgate/azgate/directory"
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
