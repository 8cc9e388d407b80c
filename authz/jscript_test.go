package authz

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

func jscript(src string) policy.BizRule {
	return policy.BizRule{Language: policy.LangJScript, Script: src}
}

// roomyRuleLimit is the rule time limit of tests whose rules must finish:
// one no loaded machine (or the race detector) reaches, so that they never
// fail by timing. Only the runaway rules are given a short one.
const roomyRuleLimit = 10 * time.Second

// AzMan's own sample shape: an amount limit read with GetParameter.
const amountRule = `AccessCheck.BusinessRuleResult = AccessCheck.GetParameter("Amount") < 500;`

// A language without a script is no rule (AzMan): the task applies.
func TestBizRuleLanguageWithoutScript(t *testing.T) {
	ops := user(`CORP\ops`)
	for _, b := range []policy.BizRule{
		{Language: policy.LangVBScript},
		{Language: policy.LangJScript, ImportedPath: `C:\rules\limit.js`},
		{Language: policy.LangExpr, Script: " \n\t"},
	} {
		t.Run(b.Language, func(t *testing.T) {
			c := bizPolicy(t, b, policy.BizRule{}, Options{RuleTimeLimit: roomyRuleLimit})
			r, err := check1(t, c, ops, "", operations.StartVM, nil)
			if err != nil || !r.Allowed || r.Err != nil {
				t.Fatalf("Allowed=%v Err=%v err=%v; want allowed", r.Allowed, r.Err, err)
			}
			if w := strings.Join(c.Warnings(), "\n"); strings.Contains(w, `"Day"`) {
				t.Errorf("warning about a rule-less role definition: %s", w)
			}
		})
	}
}

func TestJScriptRules(t *testing.T) {
	ops := user(`CORP\ops`)
	tests := []struct {
		name   string
		rule   string
		params Params
		allow  bool
		errSub string // "" means no error
	}{
		{"amount under the limit grants", amountRule, Params{"Amount": 100}, true, ""},
		{"amount over the limit denies", amountRule, Params{"Amount": 900}, false, ""},
		{"JSON number", amountRule, Params{"Amount": 499.5}, true, ""},
		{"specification's object name", `AzBizRuleContext.BusinessRuleResult = AzBizRuleContext.GetParameter("Who") == "ops";`, Params{"Who": "ops"}, true, ""},
		{"if/else with a string", `if (AccessCheck.GetParameter("Day") == "Sun") { AccessCheck.BusinessRuleResult = false; AccessCheck.BusinessRuleString = "not on Sunday"; } else { AccessCheck.BusinessRuleResult = true; }`, Params{"Day": "Sun"}, false, ""},
		{"array parameter", `var a = AccessCheck.GetParameter("Hosts"); AccessCheck.BusinessRuleResult = a.length == 2 && a[1] == "h2";`, Params{"Hosts": []any{"h1", "h2"}}, true, ""},
		{"missing parameter", amountRule, Params{"Other": 1}, false, `missing parameter "Amount"`},
		{"nil parameters", amountRule, nil, false, `missing parameter "Amount"`},
		{"a caught missing parameter still denies", `try { AccessCheck.GetParameter("Amount"); } catch (e) {} AccessCheck.BusinessRuleResult = true;`, nil, false, `missing parameter "Amount"`},
		{"syntax error", `AccessCheck.BusinessRuleResult = (;`, Params{}, false, "does not compile"},
		{"throws", `throw new Error("over budget");`, Params{}, false, "over budget"},
		{"result unset", `var x = 1;`, Params{}, false, "did not set AccessCheck.BusinessRuleResult"},
		{"result not a boolean", `AccessCheck.BusinessRuleResult = "yes";`, Params{}, false, "not a boolean"},
		{"infinite loop", `while (true) {}`, Params{}, false, "time limit"},
		{"a loop catching its interruption", `for (;;) { try { while (true) {} } catch (e) {} } AccessCheck.BusinessRuleResult = true;`, Params{}, false, "time limit"},
		{"runaway recursion", `function f() { return f() + 1; } AccessCheck.BusinessRuleResult = f() > 0;`, Params{}, false, "threw"},
		{"require", `var fs = require("fs"); AccessCheck.BusinessRuleResult = true;`, Params{}, false, "require is not defined"},
		{"ActiveXObject", `var sh = new ActiveXObject("WScript.Shell"); AccessCheck.BusinessRuleResult = true;`, Params{}, false, "ActiveXObject is not defined"},
		{"eval", `AccessCheck.BusinessRuleResult = eval("true");`, Params{}, false, "eval is not defined"},
		{"console", `console.log("x"); AccessCheck.BusinessRuleResult = true;`, Params{}, false, "console is not defined"},
		{"the global reached through Function holds nothing of the host",
			`var g = Function("return this")(); AccessCheck.BusinessRuleResult = typeof g.require == "undefined" && typeof g.process == "undefined" && typeof g.console == "undefined" && typeof g.eval == "undefined" && g.AccessCheck === AccessCheck;`,
			Params{}, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Only the runaway rules meet the limit: the others get one no
			// loaded machine reaches, so that they never fail by timing.
			limit := roomyRuleLimit
			if tc.errSub == "time limit" {
				limit = 20 * time.Millisecond
			}
			c := bizPolicy(t, jscript(tc.rule), policy.BizRule{}, Options{RuleTimeLimit: limit})
			r, err := check1(t, c, ops, "", operations.StartVM, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			if r.Allowed != tc.allow {
				t.Fatalf("Allowed = %v, want %v (err %v)", r.Allowed, tc.allow, r.Err)
			}
			switch {
			case tc.errSub == "" && r.Err != nil:
				t.Errorf("unexpected Err %v", r.Err)
			case tc.errSub != "" && (!errors.Is(r.Err, ErrBizRule) || !strings.Contains(r.Err.Error(), tc.errSub) || !strings.Contains(r.Err.Error(), `role definition "Day"`)):
				t.Errorf("Err = %v, want ErrBizRule naming role definition \"Day\" and containing %q", r.Err, tc.errSub)
			}
			if w := strings.Join(c.Warnings(), "\n"); (tc.errSub == "does not compile") != strings.Contains(w, "does not compile") {
				t.Errorf("warnings: %s", w)
			}
		})
	}
}

// The sandbox's global object holds AzMan's scripting object and the
// ECMAScript builtins (with goja's GoError, an Error subclass), nothing else.
func TestJScriptGlobals(t *testing.T) {
	js, err := compileJScript(`AccessCheck.BusinessRuleString = Object.getOwnPropertyNames(Function("return this")()).sort().join(" "); AccessCheck.BusinessRuleResult = true;`, newJSSandbox(0))
	if err != nil {
		t.Fatal(err)
	}
	_, note, err := js.eval(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	builtins := map[string]bool{}
	for _, n := range strings.Fields(`AccessCheck AzBizRuleContext GoError AggregateError Array ArrayBuffer BigInt BigInt64Array BigUint64Array Boolean DataView Date Error EvalError Float32Array Float64Array Function Infinity Int16Array Int32Array Int8Array JSON Map Math NaN Number Object Promise Proxy RangeError ReferenceError Reflect RegExp Set String Symbol SyntaxError TypeError URIError Uint16Array Uint32Array Uint8Array Uint8ClampedArray WeakMap WeakSet WeakRef FinalizationRegistry decodeURI decodeURIComponent encodeURI encodeURIComponent escape globalThis isFinite isNaN parseFloat parseInt undefined unescape`) {
		builtins[n] = true
	}
	for _, n := range strings.Fields(note) {
		if !builtins[n] {
			t.Errorf("global %q is neither AzMan's object nor an ECMAScript builtin", n)
		}
	}
	if !strings.Contains(note, "AccessCheck") {
		t.Errorf("globals %q lack AccessCheck", note)
	}
}

// One evaluation leaves nothing for the next: not a global, not a change
// to a builtin prototype, not a change to a parameter.
func TestJScriptStateIsolation(t *testing.T) {
	const rule = `
		var fresh = typeof seen == "undefined" && !Object.prototype.polluted && AccessCheck.GetParameter("List").length == 1;
		seen = 1; Object.prototype.polluted = true; AccessCheck.GetParameter("List").push("x");
		AccessCheck.GetParameter("Map").k = "changed";
		AccessCheck.BusinessRuleResult = fresh;`
	c := bizPolicy(t, jscript(rule), policy.BizRule{}, Options{RuleTimeLimit: roomyRuleLimit})
	params := Params{"List": []any{"a"}, "Map": map[string]any{"k": "v"}}
	for i := range 3 {
		r, _ := check1(t, c, user(`CORP\ops`), "", operations.StartVM, params)
		if !r.Allowed {
			t.Fatalf("evaluation %d saw state of an earlier one: %v", i+1, r.Err)
		}
	}
	if len(params["List"].([]any)) != 1 || params["Map"].(map[string]any)["k"] != "v" {
		t.Errorf("a rule wrote into the caller's parameters: %v", params)
	}
}

// Runtimes are not shared between goroutines (go test -race -run JScript).
func TestJScriptConcurrent(t *testing.T) {
	c := bizPolicy(t, jscript(amountRule), policy.BizRule{}, Options{RuleTimeLimit: roomyRuleLimit})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 40 {
				amount := (g*40 + i) * 3
				r, err := c.AccessCheck(context.Background(), user(`CORP\ops`), "", []operations.ID{operations.StartVM}, Params{"Amount": amount})
				if err != nil || r[0].Allowed != (amount < 500) {
					errs <- fmt.Errorf("Amount %d: Allowed=%v err=%v %v", amount, r[0].Allowed, err, r[0].Err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// JScript membership rules of business-rule application groups.
func TestJScriptGroup(t *testing.T) {
	p := edit(t, policy.NewDefault(), func(p *policy.Policy) error {
		return run(
			func() error {
				return p.CreateGroup(appLoc, &policy.Group{Name: "Approvers", Type: policy.GroupBizRule, BizRule: jscript(
					`AccessCheck.BusinessRuleResult = AccessCheck.GetParameter("Dept") == "Finance"; if (!AccessCheck.BusinessRuleResult) AccessCheck.BusinessRuleString = "only Finance approves";`)})
			},
			func() error { return p.CreateTask(appLoc, &policy.Task{Name: "Approve", RoleDefinition: true}) },
			func() error {
				return p.Link(appLoc, policy.KindRoleDefinition, "Approve", policy.RelOperation, operations.MustID(operations.StartVM).Name)
			},
			func() error { return p.CreateRole(appLoc, &policy.Role{Name: "Approvers"}) },
			func() error { return p.Link(appLoc, policy.KindRole, "Approvers", policy.RelTask, "Approve") },
			func() error { return p.Link(appLoc, policy.KindRole, "Approvers", policy.RelGroup, "Approvers") },
		)
	})
	c := mustCompile(t, p, Options{RuleTimeLimit: roomyRuleLimit})
	tests := []struct {
		name   string
		params Params
		allow  bool
		errIs  error
		reason string
	}{
		{"rule true", Params{"Dept": "Finance"}, true, nil, ""},
		{"rule false", Params{"Dept": "Sales"}, false, nil, "only Finance approves"},
		{"missing parameter", nil, false, ErrBizRule, `missing parameter "Dept"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := check1(t, c, user(`CORP\anyone`), "", operations.StartVM, tc.params)
			if r.Allowed != tc.allow || !errors.Is(r.Err, tc.errIs) || (tc.errIs == nil && r.Err != nil) {
				t.Fatalf("Allowed=%v Err=%v; want %v, %v", r.Allowed, r.Err, tc.allow, tc.errIs)
			}
			ex := c.Explain(context.Background(), user(`CORP\anyone`), "", operations.StartVM, tc.params)
			if s := ex.String(); !strings.Contains(s, tc.reason) {
				t.Errorf("explanation lacks %q:\n%s", tc.reason, s)
			}
		})
	}
}

// Explain shows the BusinessRuleString of a rule on the granting path and
// of a rule that denied.
func TestJScriptExplain(t *testing.T) {
	rule := jscript(`var a = AccessCheck.GetParameter("Amount"); AccessCheck.BusinessRuleResult = a < 500; AccessCheck.BusinessRuleString = a < 500 ? "within the limit" : "over the limit of 500";`)
	c := bizPolicy(t, rule, policy.BizRule{}, Options{RuleTimeLimit: roomyRuleLimit})
	for _, tc := range []struct {
		amount int
		allow  bool
		want   string
	}{{100, true, "within the limit"}, {900, false, "over the limit of 500"}} {
		ex := c.Explain(context.Background(), user(`CORP\ops`), "", operations.StartVM, Params{"Amount": tc.amount})
		if s := ex.String(); ex.Allowed != tc.allow || !strings.Contains(s, tc.want) {
			t.Errorf("Amount %d: allowed=%v, want %v with %q:\n%s", tc.amount, ex.Allowed, tc.allow, tc.want, s)
		}
	}
}

// within runs f and fails the test if it has not returned within 5 s
// (fifty times the default time limit, so no load makes it flaky).
func within(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("still running after 5 s")
	}
}

// A rule cannot run script code after the time limit: the result
// properties cannot be made getters, and a BusinessRuleString that is an
// object is refused without calling its toString.
func TestJScriptResultsRunNoScript(t *testing.T) {
	tests := []struct {
		name, rule, errSub string
	}{
		{"getter on the result", `Object.defineProperty(AccessCheck, "BusinessRuleResult", {get() { for (;;) {} }});`, "Cannot redefine property"},
		{"getter on the string", `AccessCheck.BusinessRuleResult = true; Object.defineProperty(AccessCheck, "BusinessRuleString", {get() { for (;;) {} }});`, "Cannot redefine property"},
		{"getter through the alias, caught", `try { Object.defineProperty(AzBizRuleContext, "BusinessRuleResult", {get() { for (;;) {} }}); } catch (e) {}`, "did not set AccessCheck.BusinessRuleResult"},
		{"toString on the string", `AccessCheck.BusinessRuleResult = true; AccessCheck.BusinessRuleString = {toString() { for (;;) {} }};`, "BusinessRuleString to an object, not a string"},
		{"valueOf on the result", `AccessCheck.BusinessRuleResult = {valueOf() { for (;;) {} }, toString() { for (;;) {} }};`, "BusinessRuleResult to an object, not a boolean"},
		{"a Boolean object", `AccessCheck.BusinessRuleResult = new Boolean(true);`, "not a boolean"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := bizPolicy(t, jscript(tc.rule), policy.BizRule{}, Options{RuleTimeLimit: roomyRuleLimit})
			var r Result
			within(t, func() { r, _ = check1(t, c, user(`CORP\ops`), "", operations.StartVM, nil) })
			if r.Allowed || !errors.Is(r.Err, ErrBizRule) || !strings.Contains(r.Err.Error(), tc.errSub) {
				t.Fatalf("Allowed=%v Err=%v; want denied with %q", r.Allowed, r.Err, tc.errSub)
			}
		})
	}
}

// goja cannot interrupt a native builtin; the evaluation still denies at
// its time limit, and the goroutine left in the builtin counts as stuck
// and holds a slot until the builtin returns (the backtracking pattern
// takes about 10 s on these 27 characters).
func TestJScriptRunawayBuiltin(t *testing.T) {
	sb := newJSSandbox(0)
	evil, err := compileJScript(`AccessCheck.BusinessRuleResult = /^(?=a)(a+)+$/.test(AccessCheck.GetParameter("s"));`, sb)
	if err != nil {
		t.Fatal(err)
	}
	var ok bool
	within(t, func() { ok, _, err = evil.eval(context.Background(), Params{"s": strings.Repeat("a", 26) + "b"}) })
	if ok || err == nil || !strings.Contains(err.Error(), "time limit") {
		t.Fatalf("ok=%v err=%v; want denied at the time limit", ok, err)
	}
	if n := sb.stuck.Load(); n != 1 {
		t.Errorf("%d evaluations counted as stuck, want the one still in the regexp", n)
	}
}

// A done ctx denies at once, before or during an evaluation.
func TestJScriptContextDone(t *testing.T) {
	sb := newJSSandbox(time.Hour)
	loop, err := compileJScript(`for (;;) {}`, sb)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		cancel func(context.CancelFunc)
	}{
		{"cancelled before", func(cancel context.CancelFunc) { cancel() }},
		{"cancelled while running", func(cancel context.CancelFunc) { time.AfterFunc(10*time.Millisecond, cancel) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tc.cancel(cancel)
			var ok bool
			var err error
			within(t, func() { ok, _, err = loop.eval(ctx, nil) })
			if ok || !errors.Is(err, context.Canceled) {
				t.Fatalf("ok=%v err=%v; want denied with context.Canceled", ok, err)
			}
		})
	}
}

// When every slot is held by an evaluation past its time limit (stuck in
// a builtin), the next one denies at once instead of piling up; when the
// slots are held by evaluations still within their limit, it waits.
func TestJScriptTooManyRunning(t *testing.T) {
	sb := newJSSandbox(time.Hour)
	js, err := compileJScript(amountRule, sb)
	if err != nil {
		t.Fatal(err)
	}
	for range cap(sb.running) {
		sb.running <- struct{}{}
	}
	sb.stuck.Store(int64(cap(sb.running)))
	var ok bool
	within(t, func() { ok, _, err = js.eval(context.Background(), Params{"Amount": 1}) })
	if ok || err == nil || !strings.Contains(err.Error(), "too many business rules still running") {
		t.Fatalf("ok=%v err=%v; want denied: too many business rules still running", ok, err)
	}
	sb.stuck.Add(-1)
	go func() { <-sb.running }()
	if ok, _, err := js.eval(context.Background(), Params{"Amount": 1}); !ok || err != nil {
		t.Fatalf("once a slot is freed: ok=%v err=%v; want allowed", ok, err)
	}
}

// BenchmarkJScriptRule is a check whose path runs a compiled JScript rule
// (a fresh sandbox per evaluation).
func BenchmarkJScriptRule(b *testing.B) {
	p, err := policy.NewDefault().Edit(func(p *policy.Policy) error {
		return run(
			func() error {
				return p.CreateTask(appLoc, &policy.Task{Name: "Limit", RoleDefinition: true, BizRule: jscript(amountRule)})
			},
			func() error {
				return p.Link(appLoc, policy.KindRoleDefinition, "Limit", policy.RelOperation, operations.MustID(operations.StartVM).Name)
			},
			func() error {
				return p.CreateRole(appLoc, &policy.Role{Name: "Spenders", Members: []string{`CORP\ops`}})
			},
			func() error { return p.Link(appLoc, policy.KindRole, "Spenders", policy.RelTask, "Limit") },
		)
	})
	if err != nil {
		b.Fatal(err)
	}
	c, err := Compile(p, app, Options{RuleTimeLimit: roomyRuleLimit})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cl, ops, params := context.Background(), user(`CORP\ops`), []operations.ID{operations.StartVM}, Params{"Amount": 100}
	b.ReportAllocs()
	for b.Loop() {
		if r, err := c.AccessCheck(ctx, cl, "", ops, params); err != nil || !r[0].Allowed {
			b.Fatalf("%v %v", err, r[0].Err)
		}
	}
}
