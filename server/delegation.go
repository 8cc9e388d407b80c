package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// The delegation application: who may use the check endpoint and the policy
// admin API. See doc.go, "Delegation".
const (
	// DelegationApp is the store-level application holding azgate's own
	// delegation roles.
	DelegationApp = "azgate"

	opCheckAccess = "Check Access"
	opReadPolicy  = "Read Policy"
	opWritePolicy = "Write Policy"

	roleChecker     = "Checker"
	rolePolicyRead  = "Policy Reader"
	rolePolicyAdmin = "Policy Administrator"
)

// delegationOps are the delegation application's operations, their
// OperationIDs in that application, and the catalog operation each stands
// in for when the application is compiled (see delegation.compile).
var delegationOps = []struct {
	name    string
	id      int
	standIn operations.ID
}{
	{opCheckAccess, 1, operations.ReadServiceConfiguration},
	{opReadPolicy, 2, operations.ReconfigureService},
	{opWritePolicy, 3, operations.ViewVirtualSwitchMgmt},
}

// NewDelegationApplication returns the delegation application as a fresh
// store gets it: the three operations, one role definition per role, and
// one role assignment per role whose member is BUILTIN\Administrators.
func NewDelegationApplication() *policy.Application {
	a := &policy.Application{GUID: policy.NewGUID(), Name: DelegationApp, Version: "1.0",
		Description: "Who may use azgate itself: the check endpoint and the policy admin API."}
	ops := map[string]string{}
	for _, d := range delegationOps {
		o := &policy.Operation{GUID: policy.NewGUID(), Name: d.name, OperationID: d.id}
		a.Operations = append(a.Operations, o)
		ops[d.name] = o.GUID
	}
	a.Operations[0].Description = "Ask POST /v1/check for decisions about any user."
	a.Operations[1].Description = "Read the policy store; explain decisions; list who can."
	a.Operations[2].Description = "Change the policy store."
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

// standIn returns the catalog operation standing in for a delegation
// operation.
func standIn(name string) (operations.ID, bool) {
	for _, d := range delegationOps {
		if strings.EqualFold(strings.TrimSpace(name), d.name) {
			return d.standIn, true
		}
	}
	return 0, false
}

// delegation decides the delegation operations with the policy in force.
type delegation struct {
	live *authz.Live
	opts authz.Options

	mu  sync.Mutex
	cur atomic.Pointer[delegationSnap]
}

type delegationSnap struct {
	from    *authz.Snapshot // the snapshot it was compiled from
	checker *authz.Checker
	err     error
}

// compile builds the Checker of the delegation application. authz decides
// the catalog's operations only, so the compiled copy gives each delegation
// operation the name and ID of a stand-in catalog operation; the copy never
// leaves this function and the store is not changed. Everything else —
// role definitions, nested tasks, application groups, business rules, scopes
// — is evaluated by authz exactly as for the engine's application.
func (d *delegation) compile(s *authz.Snapshot) *delegationSnap {
	out := &delegationSnap{from: s}
	if s == nil || s.Policy == nil {
		out.err = fmt.Errorf("no policy loaded")
		return out
	}
	p := s.Policy.Clone()
	a, err := p.Application(DelegationApp)
	if err != nil {
		out.err = fmt.Errorf("the store has no delegation application %q: %w", DelegationApp, err)
		return out
	}
	for _, o := range a.Operations {
		if id, ok := standIn(o.Name); ok {
			op := operations.MustID(id)
			o.Name, o.OperationID = op.Name, int(op.ID)
		} else {
			o.Name, o.OperationID = "azgate: "+o.Name, -1 // not a catalog name: never granted
		}
	}
	out.checker, out.err = authz.Compile(p, DelegationApp, d.opts)
	return out
}

func (d *delegation) snapshot() *delegationSnap {
	s := d.live.Current()
	if c := d.cur.Load(); c != nil && c.from == s {
		return c
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if c := d.cur.Load(); c != nil && c.from == s {
		return c
	}
	c := d.compile(s)
	d.cur.Store(c)
	return c
}

// allowed decides one delegation operation for client in the delegation
// application's default scope. Any failure denies, with the cause.
func (d *delegation) allowed(ctx context.Context, client authz.ClientContext, op string) (bool, error) {
	id, ok := standIn(op)
	if !ok {
		return false, fmt.Errorf("unknown delegation operation %q", op)
	}
	snap := d.snapshot()
	if snap.err != nil {
		return false, snap.err
	}
	res, err := snap.checker.AccessCheck(ctx, client, "", []operations.ID{id}, nil)
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
		return &DelegationDeniedError{Operation: op, Application: DelegationApp}
	}
	return nil
}

func principalName(c authz.ClientContext) string {
	if c.Name != "" {
		return c.Name
	}
	if len(c.IDs) > 0 {
		return c.IDs[0]
	}
	return "(anonymous)"
}
