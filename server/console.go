package server

import (
	"context"
	"fmt"
	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/policy/policydoc"
	"net/http"
	"strings"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/policy"
)

// The web console (package console) is served under ConsolePrefix by the
// same server, behind the same cross-origin protection, limits and
// metrics, and decides with the same directory, delegation roles, policy
// writer and audit log as the API. These are the server's parts it uses;
// it keeps only its own sessions.

// ConsolePrefix is where the web console is served.
const ConsolePrefix = "/ui/"

// Delegation operations, for the console's checks.
const (
	OpReadPolicy  = opReadPolicy
	OpWritePolicy = opWritePolicy
)

// mountConsole makes the console's handler (Config.Console) and serves it
// under ConsolePrefix in front of the API's router.
func (s *Server) mountConsole(api http.Handler) (http.Handler, error) {
	if s.cfg.Console == nil {
		return api, nil
	}
	ui, err := s.cfg.Console(s)
	if err != nil {
		return nil, fmt.Errorf("web console: %w", err)
	}
	ui = s.metrics.instrument("console", s.limits(ui))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, ConsolePrefix):
			ui.ServeHTTP(w, r)
		case r.URL.Path == "/ui" || r.URL.Path == "/":
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				api.ServeHTTP(w, r)
				return
			}
			http.Redirect(w, r, ConsolePrefix, http.StatusSeeOther)
		default:
			api.ServeHTTP(w, r)
		}
	}), nil
}

// SignIn checks a user name and password as HTTP Basic does: against the
// directory, within the same failed-login budgets, and refused over plain
// HTTP from a remote client. The error's public message is
// PublicError's.
func (s *Server) SignIn(r *http.Request, user, password string) (directory.ClientContext, error) {
	if r.TLS == nil && !isLoopback(r.RemoteAddr) {
		return directory.ClientContext{}, errorf(http.StatusUnauthorized, api.CodeUnauthenticated,
			"passwords are refused over plain HTTP from a remote client; use HTTPS")
	}
	if strings.TrimSpace(user) == "" {
		return directory.ClientContext{}, errorf(http.StatusUnauthorized, api.CodeUnauthenticated, "a user name is required")
	}
	return s.passwordLogin(r, user, password)
}

// WithClient returns ctx carrying the authenticated caller, as the API's
// authentication does, for Delegated and WritePolicy.
func WithClient(ctx context.Context, c directory.ClientContext) context.Context {
	return context.WithValue(ctx, clientKey, c)
}

// Delegated returns nil when the caller of r (WithClient) holds op
// (OpReadPolicy, OpWritePolicy) in the delegation application, else a
// *DelegationDeniedError; a refusal is audited and counted as the API's.
func (s *Server) Delegated(r *http.Request, op string) error { return s.requireDelegated(r, op) }

// DelegationAllows reports whether c holds op in the delegation
// application, without auditing: for showing or hiding controls, never for
// allowing a write (WritePolicy decides that).
func (s *Server) DelegationAllows(ctx context.Context, c directory.ClientContext, op string) bool {
	ok, _ := s.deleg.allowed(ctx, c, op)
	return ok
}

// WritePolicy is every write of the admin API: it checks Write Policy for
// the caller of r (WithClient), applies edit to the store's policy at
// revision base, saves it against base (an error wrapping
// policy.ErrConflict when another writer got there first), audits the
// change as what, and puts it in force.
func (s *Server) WritePolicy(r *http.Request, base policy.Revision, what string, edit func(*policy.Policy) error) (policy.Revision, error) {
	if err := s.requireDelegated(r, opWritePolicy); err != nil {
		return 0, err
	}
	_, nrev, err := s.savePolicy(r.Context(), base, what, edit)
	return nrev, err
}

// PublicError is the status and public message the API answers for err.
func PublicError(err error) (status int, message string) {
	status, d := mapError(err)
	return status, d.Message
}

// Live is the policy in force.
func (s *Server) Live() *authz.Live { return s.live }

// Engine is the gated management engine.
func (s *Server) Engine() *engine.Engine { return s.eng }

// Application is the name of the application that gates the engine.
func (s *Server) Application() string { return s.app }

// AuditPath is the audit log's file (audit.Tail reads it).
func (s *Server) AuditPath() string { return s.cfg.auditPath() }

// Resolve returns the client context of a user (or group) by name or SID as
// the directory knows it: identifiers and transitive groups.
func (s *Server) Resolve(ctx context.Context, name string) (directory.ClientContext, error) {
	res, ok := s.dir.(directory.Resolver)
	if !ok {
		return directory.ClientContext{}, fmt.Errorf("this directory cannot resolve users")
	}
	c, err := res.Resolve(ctx, name)
	if err != nil {
		return directory.ClientContext{}, fmt.Errorf("resolve %q: %w", name, err)
	}
	return c, nil
}

// DirectoryUsers lists the local directory's user names, sorted (an LDAP
// directory's users are named, not listed).
func (s *Server) DirectoryUsers(ctx context.Context) ([]string, error) {
	us, err := s.local.Users(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Name
	}
	return out, nil
}

// EditObject returns the edit the admin API makes to create (old == "")
// or replace (old: the current name) a policy object at l from its
// document: a *api.Task (kind KindTask or KindRoleDefinition), a
// *api.RoleAssignment or a *api.Group. The same validation applies.
func EditObject(l policy.Location, kind policy.Kind, old string, doc any) (func(*policy.Policy) error, error) {
	k, ok := kindOf(kind)
	if !ok {
		return nil, fmt.Errorf("no admin API for %s objects", kind)
	}
	if fmt.Sprintf("%T", doc) != fmt.Sprintf("%T", newDoc(k)) {
		return nil, fmt.Errorf("a %s is edited with a %T, not a %T", kind, newDoc(k), doc)
	}
	if old == "" {
		return func(p *policy.Policy) error { return place(p, l, k, doc) }, nil
	}
	return func(p *policy.Policy) error { return replace(p, l, k, old, doc) }, nil
}

// DeleteObject returns the edit the admin API makes to delete a policy
// object (a task is not deleted as a role definition, nor the reverse).
func DeleteObject(l policy.Location, kind policy.Kind, name string) (func(*policy.Policy) error, error) {
	if kind == policy.KindScope {
		return func(p *policy.Policy) error { return p.Delete(policy.Location{App: l.App}, policy.KindScope, name) }, nil
	}
	k, ok := kindOf(kind)
	if !ok {
		return nil, fmt.Errorf("no admin API for %s objects", kind)
	}
	return func(p *policy.Policy) error {
		if k.kind == policy.KindTask || k.kind == policy.KindRoleDefinition {
			if _, err := objectDoc(p, l, k, name); err != nil {
				return err
			}
		}
		return p.Delete(l, k.kind, name)
	}, nil
}

// ObjectDocs returns the documents of the objects at l as the admin API
// lists them.
func ObjectDocs(p *policy.Policy, l policy.Location) (api.Objects, error) {
	if l.App == "" {
		d := api.Objects{Groups: []api.Group{}}
		n := policydoc.NewNamer(p)
		for _, g := range p.Groups {
			d.Groups = append(d.Groups, n.Group(g))
		}
		return d, nil
	}
	o, err := container(p, l)
	if err != nil {
		return api.Objects{}, err
	}
	return policydoc.NewNamer(p).Objects(o), nil
}

func kindOf(kind policy.Kind) (objectKind, bool) {
	for _, k := range policyKinds {
		if k.kind == kind {
			return k, true
		}
	}
	return objectKind{}, false
}
