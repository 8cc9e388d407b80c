package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// realAuthz decides with the real authz checker. Each grant adds a role
// definition holding the operations and a role assignment of it to the
// principal, in the given scope, then recompiles.
type realAuthz struct {
	t   *testing.T
	mu  sync.Mutex
	p   *policy.Policy
	chk *authz.Checker
	n   int
}

func newRealAuthz(t *testing.T, scopes ...string) *realAuthz {
	a := &realAuthz{t: t, p: policy.NewDefault()}
	a.edit(func(p *policy.Policy) error {
		for _, s := range scopes {
			if err := p.CreateScope(policy.DefaultApplication, &policy.Scope{Name: s}); err != nil {
				return err
			}
		}
		return nil
	})
	return a
}

func (a *realAuthz) edit(fn func(*policy.Policy) error) {
	a.t.Helper()
	p, err := a.p.Edit(fn)
	if err != nil {
		a.t.Fatal(err)
	}
	chk, err := authz.Compile(p, policy.DefaultApplication, authz.Options{})
	if err != nil {
		a.t.Fatal(err)
	}
	a.p, a.chk = p, chk
}

func (a *realAuthz) grant(principal, scope string, ops ...operations.ID) directory.ClientContext {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	name := fmt.Sprintf("grant-%d", a.n)
	loc := policy.Location{App: policy.DefaultApplication, Scope: scope}
	a.edit(func(p *policy.Policy) error {
		if err := p.CreateTask(loc, &policy.Task{Name: name, RoleDefinition: true}); err != nil {
			return err
		}
		for _, id := range ops {
			if err := p.Link(loc, policy.KindRoleDefinition, name, policy.RelOperation, operations.MustID(id).Name); err != nil {
				return err
			}
		}
		return p.CreateRole(loc, &policy.Role{Name: name, TaskLinks: []string{mustTask(p, loc, name)}, Members: []string{principal}})
	})
	return client(principal)
}

func mustTask(p *policy.Policy, loc policy.Location, name string) string {
	a, _ := p.Application(loc.App)
	o, _ := a.Container(loc.Scope)
	t, _ := o.Task(name)
	return t.GUID
}

func (a *realAuthz) AccessCheck(ctx context.Context, c directory.ClientContext, scope string, ops []operations.ID, params authz.Params) ([]authz.Result, error) {
	a.mu.Lock()
	chk := a.chk
	a.mu.Unlock()
	return chk.AccessCheck(ctx, c, scope, ops, params)
}

// TestEngine_ScopeOfResidenceNormalized checks that a scope name is stored
// trimmed and decided case-insensitively, as AzMan compares names.
func TestEngine_ScopeOfResidenceNormalized(t *testing.T) {
	ctx := context.Background()
	az := newRealAuthz(t, "Lab")
	e, _, _ := openTest(t, az)
	op := az.grant("op", "Lab", operations.CreateVM, operations.ViewVMConfiguration, operations.ChangeVMAuthzScope)
	vm, err := e.CreateVM(ctx, op, VMSpec{Name: "v1", MemoryMB: 512, Processors: 1, Scope: "  Lab "})
	if err != nil {
		t.Fatal(err)
	}
	if vm.Scope != "Lab" {
		t.Fatalf("stored scope %q, want %q", vm.Scope, "Lab")
	}
	if _, err := e.GetVM(ctx, op, "v1"); err != nil {
		t.Fatalf("view in its own scope: %v", err)
	}
	// Moving to the same scope spelled differently needs only Lab.
	if vm, err = e.SetVMScope(ctx, op, "v1", "LAB"); err != nil || !strings.EqualFold(vm.Scope, "lab") {
		t.Fatalf("SetVMScope(LAB) = %+v, %v", vm, err)
	}
	if _, err := e.CreateVM(ctx, op, VMSpec{Name: "v2", MemoryMB: 512, Processors: 1, Scope: "Lab\x00"}); !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("control character in scope: %v", err)
	}
}
