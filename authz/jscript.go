package authz

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
)

// maxRuleCallStack bounds the call depth of one JScript evaluation: runaway
// recursion fails fast instead of growing the stack until the time limit.
const maxRuleCallStack = 256

// maxParamDepth bounds how deep a parameter value (arrays, objects) is
// copied into a script.
const maxParamDepth = 8

// The AzMan scripting object's names. The MS-AZMP specification's example
// calls the object AzBizRuleContext; AzMan's samples call it AccessCheck.
const (
	jsContextName    = "AccessCheck"
	jsContextAlias   = "AzBizRuleContext"
	jsGetParameter   = "GetParameter"
	jsResultProperty = "BusinessRuleResult"
	jsStringProperty = "BusinessRuleString"
)

// errTimeLimit is what a script that runs too long is interrupted with.
var errTimeLimit = errors.New("time limit")

// jsSandbox is what every JScript rule of one compiled policy shares: the
// time limit of one evaluation and its slots, one per evaluation running.
// goja checks an interrupt only between instructions, so a script stuck in
// a native builtin (a backtracking regexp, a huge repeat or sort) keeps its
// goroutine, and its slot, until the builtin returns, after eval has denied
// it; the slots bound how many such goroutines there can be. An evaluation
// waits for a free slot (within its time limit) while some are held by
// evaluations still being waited for, and is denied at once when all are
// held by abandoned ones.
type jsSandbox struct {
	limit   time.Duration
	running chan struct{} // one element per evaluation running
	stuck   atomic.Int64  // evaluations eval gave up on that have not ended
}

// newJSSandbox returns a sandbox whose evaluations run at most limit (zero:
// DefaultRuleTimeLimit), 2×GOMAXPROCS of them at once.
func newJSSandbox(limit time.Duration) *jsSandbox {
	if limit <= 0 {
		limit = DefaultRuleTimeLimit
	}
	return &jsSandbox{limit: limit, running: make(chan struct{}, 2*runtime.GOMAXPROCS(0))}
}

// acquire takes a slot, waiting for one until deadline or ctx is done
// unless every slot is held by an abandoned evaluation.
func (sb *jsSandbox) acquire(ctx context.Context, deadline <-chan time.Time) error {
	select {
	case sb.running <- struct{}{}:
		return nil
	default:
	}
	if sb.stuck.Load() >= int64(cap(sb.running)) {
		return fmt.Errorf("not evaluated: too many business rules still running (%d past their time limit)", cap(sb.running))
	}
	select {
	case sb.running <- struct{}{}:
		return nil
	case <-deadline:
		return fmt.Errorf("not evaluated: waited its time limit of %v for one of %d business rules running to end", sb.limit, cap(sb.running))
	case <-ctx.Done():
		return fmt.Errorf("not evaluated: %w", ctx.Err())
	}
}

// Evaluation states: eval and the evaluation's goroutine each move it out
// of jsRunning once; whoever finds it already moved knows the other did.
const (
	jsRunning int32 = iota
	jsEnded
	jsAbandoned
)

// jsRule is a compiled JScript business rule. The program is immutable and
// shared; every evaluation runs it on a runtime of its own (goja runtimes
// are not safe for concurrent use, and a fresh one leaves nothing behind for
// the next evaluation).
type jsRule struct {
	prog *goja.Program
	sb   *jsSandbox
}

// compileJScript compiles src once per policy compile; sb bounds its
// evaluations.
func compileJScript(src string, sb *jsSandbox) (*jsRule, error) {
	prog, err := goja.Compile("bizrule", src, false)
	if err != nil {
		return nil, err
	}
	return &jsRule{prog: prog, sb: sb}, nil
}

// jsOutcome is what one evaluation's goroutine hands back.
type jsOutcome struct {
	ok   bool
	note string
	err  error
}

// eval runs the rule in a sandbox whose global object holds the ECMAScript
// builtins (less eval) and AzMan's scripting object, nothing else: no
// require, no console, no host functions. It returns BusinessRuleResult
// and BusinessRuleString. A missing parameter (even one the script
// catches), an exception, a timeout, a done ctx, a panic or a result that
// is not a boolean is false with the reason. The script runs on a goroutine
// of its own, so that eval returns at the time limit (or when ctx is done)
// even while the script is inside a native builtin, which goja cannot
// interrupt; that goroutine runs on until the builtin returns.
func (j *jsRule) eval(ctx context.Context, params Params) (bool, string, error) {
	if err := ctx.Err(); err != nil {
		return false, "", fmt.Errorf("not evaluated: %w", err)
	}
	deadline := time.NewTimer(j.sb.limit)
	defer deadline.Stop()
	if err := j.sb.acquire(ctx, deadline.C); err != nil {
		return false, "", err
	}
	vm := goja.New()
	var state atomic.Int32
	done := make(chan jsOutcome, 1)
	go func() {
		defer func() {
			if !state.CompareAndSwap(jsRunning, jsEnded) {
				j.sb.stuck.Add(-1)
			}
			<-j.sb.running
		}()
		done <- j.run(vm, params)
	}()
	abandon := func(reason any) {
		vm.Interrupt(reason)
		if state.CompareAndSwap(jsRunning, jsAbandoned) {
			j.sb.stuck.Add(1)
		}
	}
	select {
	case o := <-done:
		return o.ok, o.note, o.err
	case <-deadline.C:
		abandon(errTimeLimit)
		return false, "", fmt.Errorf("ran longer than its time limit of %v", j.sb.limit)
	case <-ctx.Done():
		abandon(ctx.Err())
		return false, "", fmt.Errorf("abandoned: %w", ctx.Err())
	}
}

// run evaluates the rule on vm and reads its results, all before eval's
// deadline: the result properties are non-configurable data properties,
// so reading them runs no script.
func (j *jsRule) run(vm *goja.Runtime, params Params) (o jsOutcome) {
	defer func() {
		if p := recover(); p != nil {
			o = jsOutcome{err: fmt.Errorf("panicked: %v", p)}
		}
	}()
	vm.SetMaxCallStackSize(maxRuleCallStack)
	ac := vm.NewObject()
	missing := ""
	getParameter := func(call goja.FunctionCall) goja.Value {
		name := call.Argument(0).String()
		v, present := params[name]
		if !present {
			if missing == "" {
				missing = name
			}
			panic(vm.NewGoError(fmt.Errorf("missing parameter %q", name)))
		}
		return jsValue(vm, v, 0)
	}
	g := vm.GlobalObject()
	for _, set := range []func() error{
		func() error { return ac.Set(jsGetParameter, getParameter) },
		func() error { return jsResultSlot(ac, jsResultProperty) },
		func() error { return jsResultSlot(ac, jsStringProperty) },
		func() error { return g.Set(jsContextName, ac) },
		func() error { return g.Set(jsContextAlias, ac) },
		func() error { return g.Delete("eval") },
	} {
		if err := set(); err != nil {
			return jsOutcome{err: fmt.Errorf("sandbox: %w", err)}
		}
	}
	_, runErr := vm.RunProgram(j.prog)
	note, noteErr := jsNote(ac.Get(jsStringProperty))
	var interrupted *goja.InterruptedError
	switch {
	case missing != "":
		return jsOutcome{note: note, err: fmt.Errorf("missing parameter %q", missing)}
	case errors.As(runErr, &interrupted):
		return jsOutcome{note: note, err: fmt.Errorf("interrupted: %v", interrupted.Value())}
	case runErr != nil:
		return jsOutcome{note: note, err: fmt.Errorf("threw: %v", runErr)}
	case noteErr != nil:
		return jsOutcome{err: noteErr}
	}
	res := ac.Get(jsResultProperty)
	switch x := res.(type) {
	case nil:
		return jsOutcome{note: note, err: fmt.Errorf("did not set %s.%s", jsContextName, jsResultProperty)}
	case *goja.Object:
		return jsOutcome{note: note, err: fmt.Errorf("set %s.%s to an object, not a boolean", jsContextName, jsResultProperty)}
	default:
		if goja.IsUndefined(x) || goja.IsNull(x) {
			return jsOutcome{note: note, err: fmt.Errorf("did not set %s.%s", jsContextName, jsResultProperty)}
		}
		b, isBool := x.Export().(bool)
		if !isBool {
			return jsOutcome{note: note, err: fmt.Errorf("set %s.%s to %s, not a boolean", jsContextName, jsResultProperty, x.String())}
		}
		return jsOutcome{ok: b, note: note}
	}
}

// jsResultSlot defines a result property of the scripting object as a
// writable data property a script cannot redefine (no getter, no setter),
// so that reading it never runs script code.
func jsResultSlot(ac *goja.Object, name string) error {
	return ac.DefineDataProperty(name, goja.Undefined(), goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
}

// jsNote is a BusinessRuleString value as text ("" when unset). Only a
// primitive is accepted: an object's toString would run script code.
func jsNote(v goja.Value) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case *goja.Object:
		return "", fmt.Errorf("set %s.%s to an object, not a string", jsContextName, jsStringProperty)
	default:
		if goja.IsUndefined(x) || goja.IsNull(x) {
			return "", nil
		}
		return x.String(), nil
	}
}

// jsValue copies a check parameter into the runtime. Scalars become
// JavaScript primitives; arrays and objects are copied (never wrapped, so a
// script cannot write into the caller's values); anything else is its text.
func jsValue(vm *goja.Runtime, v any, depth int) goja.Value {
	if depth > maxParamDepth {
		panic(vm.NewGoError(errors.New("parameter nested too deeply")))
	}
	switch x := v.(type) {
	case nil:
		return goja.Null()
	case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32:
		return vm.ToValue(x)
	case float64:
		if math.IsNaN(x) {
			return goja.NaN()
		}
		return vm.ToValue(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsValue(vm, e, depth+1)
		}
		return vm.NewArray(out...)
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return vm.NewArray(out...)
	case map[string]any:
		o := vm.NewObject()
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := o.Set(k, jsValue(vm, x[k], depth+1)); err != nil {
				panic(vm.NewGoError(err))
			}
		}
		return o
	case fmt.Stringer:
		return vm.ToValue(x.String())
	default:
		return vm.ToValue(fmt.Sprint(x))
	}
}
