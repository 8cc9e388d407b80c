package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/azgate/azgate/audit"
	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// The delegation application: who may use the check endpoint and the policy
// admin API. See doc.go, "Delegation".
const (
	// DelegationApp is the store-level application holding azgate's own
	// delegation roles.
	DelegationApp = policy.DelegationApplication

	opCheckAccess = "Check Access"
	opReadPolicy  = "Read Policy"
	opWritePolicy = "Write Policy"

	roleChecker     = "Checker"
	rolePolicyRead  = "Policy Reader"
	rolePolicyAdmin = "Policy Administrator"
)

// delegationCatalog is the delegation application's operations as a new
// store gets them. A check finds them in the store by name.
func delegationCatalog() []operations.Operation {
	return []operations.Operation{
		{ID: 1, Name: opCheckAccess, Description: "Ask POST /v1/check for decisions about any user."},
		{ID: 2, Name: opReadPolicy, Description: "Read the policy store; explain decisions; list who can."},
		{ID: 3, Name: opWritePolicy, Description: "Change the policy store."},
	}
}

// NewDelegationApplication returns the delegation application as a fresh
// store gets it: the three operations, one role definition per role, and
// one role assignment per role whose member is BUILTIN\Administrators.
func NewDelegationApplication() *policy.Application {
	a := &policy.Application{GUID: policy.NewGUID(), Name: DelegationApp, Version: "1.0",
		Description: "Who may use azgate itself: the check endpoint and the policy admin API."}
	ops := map[string]string{}
	for _, d := range delegationCatalog() {
		o := &policy.Operation{GUID: policy.NewGUID(), Name: d.Name, Description: d.Description, OperationID: int(d.ID)}
		a.Operations = append(a.Operations, o)
		ops[d.Name] = o.GUID
	}
	checker := &policy.Task{GUID: policy.NewGUID(), Name: roleChecker, RoleDefinition: true,
		Description: "Management servers that ask azgate for decisions.", OperationLinks: []string{ops[opCheckAccess]}}
	reader := &policy.Task{GUID: policy.NewGUID(), Name: rolePolicyRead, RoleDefinition: true,
		Description: "Read the policy.", OperationLinks: []string{ops[opReadPolicy]}}
	admin := &policy.Task{GUID: policy.NewGUID(), Name: rolePolicyAdmin, RoleDefinition: true,
		Description: "Read and change the policy.", OperationLinks: []string{ops[opWritePolicy]}, TaskLinks: []string{reader.GUID}}
	a.Tasks = []*policy.Task{checker, reader, admin}
	for _, t := range a.Tasks {
		a.Roles = append(a.Roles, &policy.Role{GUID: policy.NewGUID(), Name: t.Name,
			Description: "Members of BUILTIN\\Administrators hold it.",
			TaskLinks:   []string{t.GUID}, Members: []string{policy.AdministratorsSID}})
	}
	return a
}

// delegationOp returns the ID of a delegation operation in the catalog
// stores are created with (for audit records; a check takes the store's).
func delegationOp(name string) (operations.ID, bool) {
	for _, o := range delegationCatalog() {
		if names.Equal(strings.TrimSpace(name), o.Name) {
			return o.ID, true
		}
	}
	return 0, false
}

// delegation decides the delegation operations with the policy in force:
// the delegation application's Checker of the live snapshot. Role
// definitions, nested tasks, application groups, business rules and
// scopes are evaluated by authz exactly as for any application; the
// operations are found by name, with the store's IDs.
type delegation struct {
	live *authz.Live
}

// allowed decides one delegation operation for client in the delegation
// application's default scope. Any failure denies, with the cause.
func (d *delegation) allowed(ctx context.Context, client directory.ClientContext, op string) (bool, error) {
	snap := d.live.Current()
	if snap == nil {
		return false, fmt.Errorf("no policy loaded")
	}
	chk, err := snap.App(DelegationApp)
	if err != nil {
		return false, fmt.Errorf("the store has no delegation application %q: %w", DelegationApp, err)
	}
	o, err := chk.Operations().Name(op)
	if err != nil {
		return false, fmt.Errorf("delegation: %w", err)
	}
	res, err := chk.AccessCheck(ctx, client, "", []operations.ID{o.ID}, nil)
	if err != nil {
		return false, err
	}
	if len(res) != 1 {
		return false, fmt.Errorf("delegation check returned %d results for 1 operation", len(res))
	}
	return res[0].Allowed && res[0].Err == nil, res[0].Err
}

// requireDelegated returns nil when the request's caller holds op in the
// delegation application, else a *DelegationDeniedError (403).
func (s *Server) requireDelegated(r *http.Request, op string) error {
	c, ok := clientFrom(r.Context())
	if !ok {
		return errUnauthenticated
	}
	allowed, err := s.deleg.allowed(r.Context(), c, op)
	s.metrics.decision(sourceDelegation, op, allowed)
	if err != nil {
		s.log.WarnContext(r.Context(), "delegation decision failed; denied", logKeyPrincipal, principalName(c), "operation", op, logKeyErr, err)
	}
	if !allowed {
		s.auditDenied(r, c, op, err)
		return &DelegationDeniedError{Operation: op, Application: DelegationApp}
	}
	return nil
}

// auditDenied records a request the delegation roles refused: a policy
// read or write, a check, explain or who-can.
func (s *Server) auditDenied(r *http.Request, c directory.ClientContext, op string, cause error) {
	id, _ := delegationOp(op)
	rec := audit.DecisionRecord{Source: audit.SourceDelegation, Principal: principalName(c), Application: DelegationApp,
		Operation: op, OperationID: int(id), Object: r.Method + " " + r.URL.Path, Err: cause}
	if err := s.audit.Decision(context.WithoutCancel(r.Context()), rec); err != nil {
		s.log.ErrorContext(r.Context(), "audit: refused request not recorded", logKeyErr, err)
	}
}

func principalName(c directory.ClientContext) string {
	if c.Name != "" {
		return c.Name
	}
	if len(c.IDs) > 0 {
		return c.IDs[0]
	}
	return "(anonymous)"
}
