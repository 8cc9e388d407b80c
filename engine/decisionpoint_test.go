package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/operations"
)

// TestDecisionScopes: a decision point learns the scopes of an object it
// may view (a port's and its switch's); any other caller is denied; an
// object the decision point may not view and a missing one answer in the
// very same words, and so does a missing one to a decision point that may
// view objects in the default scope (where a missing object is decided).
func TestDecisionScopes(t *testing.T) {
	ctx := context.Background()
	az := newTestAuthz("Lab", "Secret")
	d := &decisions{}
	e, err := Open(ctx, Config{Dir: t.TempDir(), Authorizer: az, OnDecision: d.add,
		DecisionPoint: func(_ context.Context, c directory.ClientContext) error {
			if names.Equal(c.Name, "pdp") || names.Equal(c.Name, "pdp-all") {
				return nil
			}
			return errors.New("not a checker")
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	admin := az.grant("admin", "", allOps()...)
	must[VM](t)(e.CreateVM(ctx, admin, VMSpec{Name: "web", MemoryMB: 64, Processors: 1, Scope: "Lab"}))
	must[VM](t)(e.CreateVM(ctx, admin, VMSpec{Name: "vault", MemoryMB: 64, Processors: 1, Scope: "Secret"}))
	must[Switch](t)(e.CreateSwitch(ctx, admin, SwitchSpec{Name: "core", Scope: "Lab"}))
	must[Switch](t)(e.CreateSwitch(ctx, admin, SwitchSpec{Name: "host-sw", Scope: ""}))
	must[Switch](t)(e.CreateSwitch(ctx, admin, SwitchSpec{Name: "hidden-sw", Scope: "Secret"}))
	must[Port](t)(e.CreatePort(ctx, admin, PortSpec{Name: "lab-port", Switch: "core", Scope: "Lab"}))
	must[Port](t)(e.CreatePort(ctx, admin, PortSpec{Name: "odd-port", Switch: "hidden-sw", Scope: "Lab"}))

	views := []operations.ID{operations.ViewVMConfiguration, operations.ViewSwitches, operations.ViewSwitchPorts}
	// The decision point views everything in Lab, nothing in the default
	// scope or in Secret; another one views everything.
	pdp := az.grant("pdp", "Lab", views...)
	pdpAll := az.grant("pdp-all", "", views...)
	other := az.grant("viewer", "", allOps()...)

	type call func(c directory.ClientContext, name string) ([]string, error)
	vm := func(c directory.ClientContext, n string) ([]string, error) { return e.VMDecisionScopes(ctx, c, n) }
	sw := func(c directory.ClientContext, n string) ([]string, error) { return e.SwitchDecisionScopes(ctx, c, n) }
	port := func(c directory.ClientContext, n string) ([]string, error) { return e.PortDecisionScopes(ctx, c, n) }
	tests := []struct {
		name   string
		call   call
		caller directory.ClientContext
		object string
		scopes []string // nil: denied
		words  string   // the denial's words
	}{
		{"a VM", vm, pdp, "web", []string{"Lab"}, ""},
		{"a switch", sw, pdp, "core", []string{"Lab"}, ""},
		{"a switch in the default scope", sw, pdpAll, "host-sw", []string{""}, ""},
		{"a port and its switch", port, pdp, "lab-port", []string{"Lab", "Lab"}, ""},
		{"a port on a switch elsewhere", port, pdpAll, "odd-port", []string{"Lab", "Secret"}, ""},
		{"a hidden VM", vm, pdp, "vault", nil, `access denied: "View Virtual Machine Configuration" on "vault"`},
		{"a missing VM", vm, pdp, "vault2", nil, `access denied: "View Virtual Machine Configuration" on "vault2"`},
		{"a hidden switch", sw, pdp, "hidden-sw", nil, `access denied: "View Switches" on "hidden-sw"`},
		{"a missing switch", sw, pdp, "no-sw", nil, `access denied: "View Switches" on "no-sw"`},
		{"a port on a hidden switch", port, pdp, "odd-port", nil, `access denied: "View Switch Ports" on "odd-port"`},
		{"a missing port", port, pdp, "no-port", nil, `access denied: "View Switch Ports" on "no-port"`},
		{"a hidden switch in the default scope", sw, pdp, "host-sw", nil, `access denied: "View Switches" on "host-sw"`},
		{"a missing VM, to one who views everything", vm, pdpAll, "vault2", nil, `access denied: "View Virtual Machine Configuration" on "vault2"`},
		{"a caller that is no decision point", vm, other, "web", nil, "may not ask for decisions about other subjects"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.call(tc.caller, tc.object)
			if tc.scopes != nil {
				if err != nil || !slices.Equal(got, tc.scopes) {
					t.Fatalf("scopes %q, err %v; want %q", got, err, tc.scopes)
				}
				return
			}
			if got != nil || !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), tc.words) {
				t.Fatalf("scopes %q, err %v; want a denial %q", got, err, tc.words)
			}
			if strings.HasPrefix(tc.caller.Name, "pdp") && (err.Error() != tc.words || strings.Contains(err.Error(), "Secret")) {
				t.Fatalf("denial %q, want exactly %q", err, tc.words)
			}
		})
	}
}
