package authz

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/azgate/azgate/internal/policygen"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

func TestExplain(t *testing.T) {
	c := mustCompile(t, bookPolicy(t), Options{})
	ctx := context.Background()
	dave := user(`CONTOSO\dave`, `contoso\lab-team`)
	carol := user(`CONTOSO\carol`, `CONTOSO\lab-team`)

	t.Run("grant path", func(t *testing.T) {
		ex := c.Explain(ctx, dave, "Lab", operations.ViewVMConfiguration, nil)
		if !ex.Allowed {
			t.Fatalf("denied: %s", ex)
		}
		want := []Step{
			{Kind: "principal", Name: `contoso\lab-team`},
			{Kind: "application group", Name: "Lab Operators", Level: "application"},
			{Kind: "role assignment", Name: "Lab VM Managers", Level: "scope Lab"},
			{Kind: "role definition", Name: "Virtual Machine Manager", Level: "scope Lab"},
			{Kind: "task", Name: "Console", Level: "scope Lab"},
			{Kind: "task", Name: "View", Level: "scope Lab"},
			{Kind: "operation", Name: "View Virtual Machine Configuration"},
		}
		if len(ex.Path) != len(want) {
			t.Fatalf("path %v, want %v", ex.Path, want)
		}
		for i := range want {
			if ex.Path[i] != want[i] {
				t.Errorf("step %d = %+v, want %+v", i, ex.Path[i], want[i])
			}
		}
		s := ex.String()
		if !strings.HasPrefix(s, "ALLOWED") || !strings.Contains(s, `application group "Lab Operators" (application) → role assignment "Lab VM Managers" (scope Lab)`) {
			t.Errorf("String() = %s", s)
		}
	})
	t.Run("direct member", func(t *testing.T) {
		ex := c.Explain(ctx, user(`contoso\ALICE`), "", operations.CreateVirtualSwitch, nil)
		if !ex.Allowed || ex.Path[0] != (Step{Kind: "principal", Name: `CONTOSO\alice`}) || ex.Path[1].Name != "Network Admins" {
			t.Errorf("%s", ex)
		}
	})
	t.Run("non-member", func(t *testing.T) {
		ex := c.Explain(ctx, carol, "Lab", operations.StartVM, nil)
		if ex.Allowed || !strings.Contains(ex.Reason, `role assignment "Lab VM Managers" in scope "Lab" (Virtual Machine Manager) grants it, but you are a non-member of application group "Lab Operators"`) {
			t.Errorf("reason %q", ex.Reason)
		}
	})
	t.Run("other scope", func(t *testing.T) {
		ex := c.Explain(ctx, dave, "Prod", operations.StartVM, nil)
		if ex.Allowed || !strings.Contains(ex.Reason, `"Lab VM Managers" in scope "Lab"`) || !strings.Contains(ex.Reason, `this check is in scope "Prod"`) {
			t.Errorf("reason %q", ex.Reason)
		}
	})
	t.Run("not a member", func(t *testing.T) {
		ex := c.Explain(ctx, user(`CONTOSO\zed`), "Lab", operations.StartVM, nil)
		if ex.Allowed || !strings.Contains(ex.Reason, "you are not a member of it") {
			t.Errorf("reason %q", ex.Reason)
		}
	})
	t.Run("no assignment holds it", func(t *testing.T) {
		p := bookPolicy(t)
		p = edit(t, p, func(p *policy.Policy) error { return p.Delete(appLoc, policy.KindRole, "Administrator") })
		c := mustCompile(t, p, Options{})
		ex := c.Explain(ctx, dave, "Lab", operations.CreateVM, nil)
		if ex.Allowed || ex.Reason != `no role assignment in reach grants it; role definitions that hold it: "Administrator"` {
			t.Errorf("reason %q", ex.Reason)
		}
	})
	t.Run("business rule", func(t *testing.T) {
		c := bizPolicy(t, policy.BizRule{Script: "hour >= 9 && hour < 17"}, policy.BizRule{}, Options{})
		ex := c.Explain(ctx, user(`CORP\ops`), "", operations.StartVM, Params{"hour": 22})
		if ex.Allowed || !strings.Contains(ex.Reason, `the business rule of role definition "Day" (hour >= 9 && hour < 17) is false`) {
			t.Errorf("reason %q", ex.Reason)
		}
		ex = c.Explain(ctx, user(`CORP\ops`), "", operations.StopVM, nil)
		if ex.Allowed || !strings.Contains(ex.Error, "VBScript") {
			t.Errorf("VBScript: %s", ex)
		}
	})
	t.Run("unknown scope", func(t *testing.T) {
		ex := c.Explain(ctx, dave, "Mars", operations.StartVM, nil)
		if ex.Allowed || !strings.Contains(ex.Error, "unknown scope") {
			t.Errorf("%s", ex)
		}
	})
	t.Run("JSON", func(t *testing.T) {
		b, err := json.Marshal(c.Explain(ctx, dave, "Lab", operations.StartVM, nil))
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]any
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back["allowed"] != true || back["scope"] != "Lab" || back["operation"] != "Start Virtual Machine" || back["path"] == nil {
			t.Errorf("JSON %s", b)
		}
	})
}

// Explain agrees with AccessCheck on every request of the random stores.
func TestExplainAgrees(t *testing.T) {
	ctx := context.Background()
	var n int
	for seed := range uint64(150) {
		rng := policygen.NewRand(seed)
		p, clients := policygen.RandomStore(rng, operations.All())
		c := mustCompile(t, p, Options{})
		for _, cl := range clients {
			for _, s := range append([]string{""}, c.Scopes()...) {
				for _, o := range operations.All()[:12] {
					rs, _ := c.AccessCheck(ctx, cl, s, []operations.ID{o.ID}, nil)
					ex := c.Explain(ctx, cl, s, o.ID, nil)
					n++
					if ex.Allowed != rs[0].Allowed || ex.Reason == "" {
						t.Fatalf("seed %d: Explain %s disagrees with AccessCheck %+v", seed, ex, rs[0])
					}
					if ex.Allowed && (len(ex.Path) < 3 || ex.Path[0].Kind != "principal" || ex.Path[len(ex.Path)-1] != (Step{Kind: "operation", Name: rs[0].Operation.Name})) {
						t.Fatalf("seed %d: path %v", seed, ex.Path)
					}
				}
			}
		}
	}
	t.Logf("%d explanations", n)
}

func TestWhoCan(t *testing.T) {
	c := mustCompile(t, bookPolicy(t), Options{})
	got, err := c.WhoCan("Lab", operations.StartVM)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ name, kind, assignment, via string }
	seen := map[key]Principal{}
	for _, p := range got {
		seen[key{p.Name, p.Kind, p.Assignment, strings.Join(p.Via, "/")}] = p
	}
	for _, k := range []key{
		{policy.AdministratorsSID, "member", "Administrator", ""},
		{"Lab Operators", "application group", "Lab VM Managers", ""},
		{`CONTOSO\lab-team`, "member", "Lab VM Managers", "Lab Operators"},
		{"Interns", "application group", "Lab VM Managers", "Lab Operators"},
		{`CONTOSO\erin`, "member", "Lab VM Managers", "Lab Operators/Interns"},
		{"Contractors", "application group", "Lab VM Managers", ""},
	} {
		p, ok := seen[k]
		if !ok {
			t.Errorf("missing %+v in %+v", k, got)
			continue
		}
		if k.assignment == "Lab VM Managers" && (p.AssignmentScope != "Lab" || p.RoleDefinition != "Virtual Machine Manager") {
			t.Errorf("%+v", p)
		}
	}
	if p := seen[key{`CONTOSO\lab-team`, "member", "Lab VM Managers", "Lab Operators"}]; len(p.Caveats) != 1 || !strings.Contains(p.Caveats[0], `CONTOSO\carol`) {
		t.Errorf("non-member caveat missing: %+v", p)
	}
	if len(got) != len(seen) {
		t.Errorf("duplicates in %+v", got)
	}
	// Not in the default scope; unknown scope and operation are errors.
	got, _ = c.WhoCan("", operations.StartVM)
	for _, p := range got {
		if p.Assignment != "Administrator" {
			t.Errorf("default scope: %+v", p)
		}
	}
	if _, err := c.WhoCan("Mars", operations.StartVM); err == nil {
		t.Error("unknown scope accepted")
	}
	if _, err := c.WhoCan("", 4242); err == nil {
		t.Error("unknown operation accepted")
	}
	// Business rules show as caveats.
	bc := bizPolicy(t, policy.BizRule{Script: "hour < 17"}, policy.BizRule{}, Options{})
	got, _ = bc.WhoCan("", operations.StartVM)
	var found bool
	for _, p := range got {
		if p.Assignment == "Day Ops" {
			found = true
			if len(p.Caveats) != 1 || !strings.Contains(p.Caveats[0], "hour < 17") {
				t.Errorf("rule caveat: %+v", p)
			}
		}
	}
	if !found {
		t.Errorf("Day Ops missing: %+v", got)
	}
}
