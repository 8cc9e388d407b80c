package authz

import (
	"errors"
	"fmt"
	"math"
	"sort"
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

// jsRule is a compiled JScript business rule. The program is immutable and
// shared; every evaluation runs it on a runtime of its own (goja runtimes
// are not safe for concurrent use, and a fresh one leaves nothing behind for
// the next evaluation).
type jsRule struct {
	prog  *goja.Program
	limit time.Duration
}

// compileJScript compiles src once per policy compile. limit bounds each
// evaluation (zero: DefaultRuleTimeLimit).
func compileJScript(src string, limit time.Duration) (*jsRule, error) {
	if limit <= 0 {
		limit = DefaultRuleTimeLimit
	}
	prog, err := goja.Compile("bizrule", src, false)
	if err != nil {
		return nil, err
	}
	return &jsRule{prog: prog, limit: limit}, nil
}

// eval runs the rule in a sandbox whose global object holds the ECMAScript
// builtins (less eval) and AzMan's scripting object, nothing else: no
// require, no console, no host functions. It returns BusinessRuleResult
// and BusinessRuleString. A missing parameter (even one the script
// catches), an exception, a timeout, a panic or a result that is not a
// boolean is false with the reason.
func (j *jsRule) eval(params Params) (ok bool, note string, err error) {
	vm := goja.New()
	vm.SetMaxCallStackSize(maxRuleCallStack)
	defer func() {
		if p := recover(); p != nil {
			ok, err = false, fmt.Errorf("panicked: %v", p)
		}
	}()
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
		func() error { return g.Set(jsContextName, ac) },
		func() error { return g.Set(jsContextAlias, ac) },
		func() error { return g.Delete("eval") },
	} {
		if err := set(); err != nil {
			return false, "", fmt.Errorf("sandbox: %w", err)
		}
	}
	timer := time.AfterFunc(j.limit, func() { vm.Interrupt(errTimeLimit) })
	_, runErr := vm.RunProgram(j.prog)
	timer.Stop()
	note = jsString(ac.Get(jsStringProperty))
	var interrupted *goja.InterruptedError
	switch {
	case missing != "":
		return false, note, fmt.Errorf("missing parameter %q", missing)
	case errors.As(runErr, &interrupted):
		return false, note, fmt.Errorf("ran longer than its time limit of %v", j.limit)
	case runErr != nil:
		return false, note, fmt.Errorf("threw: %v", runErr)
	}
	res := ac.Get(jsResultProperty)
	if res == nil || goja.IsUndefined(res) || goja.IsNull(res) {
		return false, note, fmt.Errorf("did not set %s.%s", jsContextName, jsResultProperty)
	}
	b, isBool := res.Export().(bool)
	if !isBool {
		return false, note, fmt.Errorf("set %s.%s to %s, not a boolean", jsContextName, jsResultProperty, res.String())
	}
	return b, note, nil
}

// jsString is a BusinessRuleString value as text ("" when unset).
func jsString(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return ""
	}
	return v.String()
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
