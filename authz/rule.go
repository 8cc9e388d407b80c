package authz

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/azgate/azgate/policy"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// DefaultRuleTimeLimit is how long one evaluation of a JScript business
// rule may run when Options.RuleTimeLimit is zero.
const DefaultRuleTimeLimit = 100 * time.Millisecond

// rule is a compiled business rule. A rule that cannot be evaluated (a
// language azgate cannot run, a compile error) has err set: every
// evaluation fails with it.
type rule struct {
	owner  string // e.g. `task "Weekday Operators"`, for messages
	script string
	prog   *vm.Program
	vars   []string // parameters the expression reads
	js     *jsRule
	err    error
}

// compileRule compiles b; owner names the object carrying it; sb bounds
// the evaluations of a script. A nil rule means "no rule". Problems become
// the rule's err and a warning.
func compileRule(owner string, b policy.BizRule, sb *jsSandbox) (*rule, string) {
	if !b.Defined() {
		return nil, ""
	}
	r := &rule{owner: owner, script: b.Script}
	switch {
	case strings.EqualFold(b.Language, policy.LangJScript):
		js, err := compileJScript(b.Script, sb)
		if err != nil {
			r.err = fmt.Errorf("%s: JScript business rule does not compile: %v: %w", owner, err, ErrBizRule)
			break
		}
		r.js = js
	case b.Language == "" || strings.EqualFold(b.Language, policy.LangExpr):
		prog, err := expr.Compile(b.Script, expr.AsBool())
		if err != nil {
			r.err = fmt.Errorf("%s: business rule does not compile: %v: %w", owner, err, ErrBizRule)
			break
		}
		r.prog = prog
		r.vars = ruleVars(prog)
	case strings.EqualFold(b.Language, policy.LangVBScript):
		r.err = fmt.Errorf("%s: business rule is VBScript, which azgate cannot run ('azgate store convert-rules' offers a JScript translation): %w", owner, ErrBizRule)
	default:
		r.err = fmt.Errorf("%s: business rule is %s, which azgate cannot evaluate: %w", owner, b.Language, ErrBizRule)
	}
	if r.err != nil {
		return r, r.err.Error() + "; paths through it deny"
	}
	return r, ""
}

// ruleVars lists the identifiers an expression reads from its environment,
// less the names it binds itself with let.
func ruleVars(p *vm.Program) []string {
	c := &identCollector{bound: map[string]bool{}, seen: map[string]bool{}}
	n := p.Node()
	ast.Walk(&n, c)
	var out []string
	for _, id := range c.ids {
		if !c.bound[id] {
			out = append(out, id)
		}
	}
	return out
}

type identCollector struct {
	ids   []string
	seen  map[string]bool
	bound map[string]bool
}

func (c *identCollector) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.IdentifierNode:
		if !c.seen[x.Value] {
			c.seen[x.Value] = true
			c.ids = append(c.ids, x.Value)
		}
	case *ast.VariableDeclaratorNode:
		c.bound[x.Name] = true
	}
}

// eval runs the rule over params. A missing parameter, a runtime error or a
// non-bool result is false with an error (fail closed).
func (r *rule) eval(ctx context.Context, params Params) (bool, error) {
	ok, _, err := r.evalNote(ctx, params)
	return ok, err
}

// evalNote is eval that also returns the BusinessRuleString a JScript rule
// set ("" when none). ctx bounds a JScript rule's evaluation.
func (r *rule) evalNote(ctx context.Context, params Params) (ok bool, note string, err error) {
	if r.err != nil {
		return false, "", r.err
	}
	if r.js != nil {
		ok, note, err := r.js.eval(ctx, params)
		if err != nil {
			return false, note, fmt.Errorf("%s: JScript business rule: %w: %w", r.owner, err, ErrBizRule)
		}
		return ok, note, nil
	}
	for _, v := range r.vars {
		if _, present := params[v]; !present {
			return false, "", fmt.Errorf("%s: business rule %q: missing parameter %q: %w", r.owner, r.script, v, ErrBizRule)
		}
	}
	defer func() {
		if p := recover(); p != nil {
			ok, note, err = false, "", fmt.Errorf("%s: business rule %q panicked: %v: %w", r.owner, r.script, p, ErrBizRule)
		}
	}()
	out, err := expr.Run(r.prog, map[string]any(params))
	if err != nil {
		return false, "", fmt.Errorf("%s: business rule %q: %v: %w", r.owner, r.script, err, ErrBizRule)
	}
	b, isBool := out.(bool)
	if !isBool {
		return false, "", fmt.Errorf("%s: business rule %q returned %T, not bool: %w", r.owner, r.script, out, ErrBizRule)
	}
	return b, "", nil
}
