package vbscript

import (
	"fmt"
	"strings"
	"unicode"
)

// Translate returns a JScript rule equivalent to the VBScript rule src, or
// an error naming the first line it cannot translate.
func Translate(src string) (string, error) {
	t := &translator{vars: map[string]string{}}
	lines := logicalLines(src)
	var out []string
	depth := 0
	emit := func(s string) { out = append(out, strings.Repeat("  ", depth)+s) }
	for _, l := range lines {
		for _, st := range l.stmts {
			js, delta, err := t.statement(st)
			if err != nil {
				return "", fmt.Errorf("line %d: %w", l.n, err)
			}
			if delta < 0 || strings.HasPrefix(js, "} else") {
				depth--
			}
			if depth < 0 {
				return "", fmt.Errorf("line %d: %q closes a block that was not opened", l.n, st)
			}
			if js != "" {
				emit(js)
			}
			if delta > 0 || strings.HasPrefix(js, "} else") {
				depth++
			}
		}
		switch {
		case l.comment != "" && len(l.stmts) > 0 && len(out) > 0:
			out[len(out)-1] += " //" + l.comment
		case l.comment != "":
			emit("//" + l.comment)
		}
	}
	if depth != 0 {
		return "", fmt.Errorf("an If is not closed by End If")
	}
	return strings.Join(out, "\n"), nil
}

// line is one logical line: its number, statements, and trailing comment.
type line struct {
	n       int
	stmts   []string
	comment string
}

// logicalLines joins continued lines (" _"), splits statements at ':'
// and strips comments, outside string literals.
func logicalLines(src string) []line {
	var out []line
	var cur strings.Builder
	start := 0
	raw := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for i, r := range raw {
		code, comment := splitComment(r)
		if cur.Len() == 0 {
			start = i + 1
		}
		trimmed := strings.TrimRight(code, " \t")
		if strings.HasSuffix(trimmed, " _") || trimmed == "_" {
			cur.WriteString(strings.TrimSuffix(trimmed, "_") + " ")
			continue
		}
		cur.WriteString(code)
		l := line{n: start, comment: comment}
		for _, st := range splitStatements(cur.String()) {
			if st = strings.TrimSpace(st); st != "" {
				l.stmts = append(l.stmts, st)
			}
		}
		if len(l.stmts) > 0 || l.comment != "" {
			out = append(out, l)
		}
		cur.Reset()
	}
	return out
}

// splitComment cuts a line at its comment (' or Rem), outside strings.
func splitComment(s string) (code, comment string) {
	in := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			in = !in
		case !in && s[i] == '\'':
			return s[:i], s[i+1:]
		case !in && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t' || s[i-1] == ':') && len(s) >= i+3 && fold(s[i:i+3]) == "rem" &&
			(len(s) == i+3 || s[i+3] == ' ' || s[i+3] == '\t'):
			return s[:i], strings.TrimPrefix(s[i+3:], " ")
		}
	}
	return s, ""
}

func splitStatements(s string) []string {
	var out []string
	in, last := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			in = !in
		case !in && s[i] == ':':
			out = append(out, s[last:i])
			last = i + 1
		}
	}
	return append(out, s[last:])
}

// fold is how VBScript compares keywords and identifiers: without regard
// to (ASCII) case.
func fold(s string) string { return strings.ToLower(s) }

type translator struct {
	vars map[string]string // folded variable name → its first spelling
}

// statement translates one statement; delta is +1 when it opens a block
// and -1 when it closes one.
func (t *translator) statement(st string) (js string, delta int, err error) {
	toks, err := tokenize(st)
	if err != nil {
		return "", 0, err
	}
	kw := func(i int, w string) bool {
		return i < len(toks) && toks[i].kind == tIdent && fold(toks[i].text) == w
	}
	switch {
	case kw(0, "if"):
		then := -1
		for i := range toks {
			if kw(i, "then") {
				then = i
				break
			}
		}
		if then < 0 {
			return "", 0, fmt.Errorf("an If without Then: %q", st)
		}
		cond, err := t.expr(toks[1:then])
		if err != nil {
			return "", 0, err
		}
		rest := toks[then+1:]
		if len(rest) == 0 {
			return "if (" + cond + ") {", 1, nil
		}
		// One-line If: If c Then s [Else s]
		els := -1
		for i := range rest {
			if rest[i].kind == tIdent && fold(rest[i].text) == "else" {
				els = i
				break
			}
		}
		thenPart, elsePart := rest, []token(nil)
		if els >= 0 {
			thenPart, elsePart = rest[:els], rest[els+1:]
		}
		a, err := t.simple(thenPart)
		if err != nil {
			return "", 0, err
		}
		js = "if (" + cond + ") { " + a + " }"
		if elsePart != nil {
			b, err := t.simple(elsePart)
			if err != nil {
				return "", 0, err
			}
			js += " else { " + b + " }"
		}
		return js, 0, nil
	case kw(0, "elseif"):
		if len(toks) < 3 || !kw(len(toks)-1, "then") {
			return "", 0, fmt.Errorf("ElseIf without Then: %q", st)
		}
		cond, err := t.expr(toks[1 : len(toks)-1])
		if err != nil {
			return "", 0, err
		}
		return "} else if (" + cond + ") {", 0, nil
	case kw(0, "else") && len(toks) == 1:
		return "} else {", 0, nil
	case kw(0, "end") && kw(1, "if") && len(toks) == 2, kw(0, "endif") && len(toks) == 1:
		return "}", -1, nil
	}
	s, err := t.simple(toks)
	return s, 0, err
}

// simple translates Dim or an assignment.
func (t *translator) simple(toks []token) (string, error) {
	if len(toks) == 0 {
		return "", fmt.Errorf("empty statement")
	}
	if toks[0].kind == tIdent && fold(toks[0].text) == "dim" {
		var names []string
		for i, tk := range toks[1:] {
			if i%2 == 1 {
				if tk.text != "," {
					return "", fmt.Errorf("a Dim wants a list of names, got %q", tk.text)
				}
				continue
			}
			if tk.kind != tIdent || reserved(tk.text) {
				return "", fmt.Errorf("in a Dim, %q is not a variable name", tk.text)
			}
			names = append(names, t.variable(tk.text))
		}
		if len(names) == 0 {
			return "", fmt.Errorf("a Dim without a name")
		}
		return "var " + strings.Join(names, ", ") + ";", nil
	}
	if toks[0].kind == tIdent && fold(toks[0].text) == "set" {
		return "", fmt.Errorf("a Set (an object) has no translation")
	}
	eq := -1
	for i, tk := range toks {
		if tk.kind == tOp && tk.text == "=" {
			eq = i
			break
		}
	}
	if eq != 1 || toks[0].kind != tIdent {
		return "", fmt.Errorf("cannot translate %q: only assignments, Dim and If are translated", joinTokens(toks))
	}
	lhs, err := t.target(toks[0].text)
	if err != nil {
		return "", err
	}
	rhs, err := t.expr(toks[2:])
	if err != nil {
		return "", err
	}
	return lhs + " = " + rhs + ";", nil
}

// The scripting object's names, as azgate spells them.
var objectNames = map[string]string{
	"accesscheck":                         "AccessCheck",
	"azbizrulecontext":                    "AzBizRuleContext",
	"accesscheck.businessruleresult":      "AccessCheck.BusinessRuleResult",
	"accesscheck.businessrulestring":      "AccessCheck.BusinessRuleString",
	"accesscheck.getparameter":            "AccessCheck.GetParameter",
	"azbizrulecontext.businessruleresult": "AzBizRuleContext.BusinessRuleResult",
	"azbizrulecontext.businessrulestring": "AzBizRuleContext.BusinessRuleString",
	"azbizrulecontext.getparameter":       "AzBizRuleContext.GetParameter",
}

// target is the left side of an assignment.
func (t *translator) target(name string) (string, error) {
	k := fold(name)
	if strings.Contains(k, ".") {
		if n, ok := objectNames[k]; ok && !strings.HasSuffix(k, ".getparameter") {
			return n, nil
		}
		return "", fmt.Errorf("cannot assign to %s", name)
	}
	if reserved(name) {
		return "", fmt.Errorf("cannot assign to %s", name)
	}
	return t.variable(name), nil
}

// variable returns a variable's name as first spelt (VBScript names are
// case-insensitive, JScript's are not).
func (t *translator) variable(name string) string {
	k := fold(name)
	if v, ok := t.vars[k]; ok {
		return v
	}
	t.vars[k] = name
	return name
}

// functions VBScript rules use that have a JScript equivalent.
var functions = map[string]string{
	"cint": "Number", "clng": "Number", "cdbl": "Number", "csng": "Number", "cstr": "String",
	"abs": "Math.abs", "int": "Math.floor", "fix": "Math.trunc",
}

// reserved words and builtins that are not translated as variables.
func reserved(name string) bool {
	switch fold(name) {
	case "if", "then", "else", "elseif", "end", "dim", "set", "and", "or", "not", "xor", "mod", "true", "false",
		"date", "now", "time", "timer", "empty", "null", "nothing", "for", "next", "while", "wend", "do", "loop",
		"select", "case", "function", "sub", "call", "exit", "on", "error", "resume", "with", "each", "to", "step":
		return true
	}
	return false
}

// expr translates an expression. Not binds looser than comparisons in
// VBScript, so its operand runs to the next And/Or/Xor at its depth.
func (t *translator) expr(toks []token) (string, error) {
	if len(toks) == 0 {
		return "", fmt.Errorf("missing expression")
	}
	var b strings.Builder
	depth := 0
	var nots []int // depths of Not operands still open
	closeNots := func(d int) {
		for len(nots) > 0 && nots[len(nots)-1] == d {
			b.WriteString(")")
			nots = nots[:len(nots)-1]
		}
	}
	prevValue := false // the previous token ends an operand
	for i, tk := range toks {
		switch tk.kind {
		case tNumber:
			b.WriteString(tk.text)
			prevValue = true
		case tString:
			b.WriteString(tk.text)
			prevValue = true
		case tPunct:
			switch tk.text {
			case "(":
				depth++
				b.WriteString("(")
				prevValue = false
			case ")":
				closeNots(depth)
				depth--
				if depth < 0 {
					return "", fmt.Errorf("unbalanced parentheses")
				}
				b.WriteString(")")
				prevValue = true
			case ",":
				closeNots(depth)
				b.WriteString(", ")
				prevValue = false
			}
		case tOp:
			op := map[string]string{"=": " == ", "<>": " != ", "<": " < ", ">": " > ", "<=": " <= ", ">=": " >= ",
				"+": " + ", "-": " - ", "*": " * ", "/": " / ", "&": " + ", "\\": " / "}[tk.text]
			if tk.text == "-" && !prevValue {
				op = "-"
			}
			if tk.text == "\\" {
				return "", fmt.Errorf("integer division \\ has no direct translation; write Int(a / b)")
			}
			if tk.text == "&" {
				// String concatenation: make sure JScript does not add numbers.
				op = " + \"\" + "
			}
			b.WriteString(op)
			prevValue = false
		case tIdent:
			k := fold(tk.text)
			next := i+1 < len(toks) && toks[i+1].kind == tPunct && toks[i+1].text == "("
			switch k {
			case "and", "or", "xor":
				closeNots(depth)
				b.WriteString(map[string]string{"and": " && ", "or": " || ", "xor": " != "}[k])
				prevValue = false
				continue
			case "not":
				b.WriteString("!(")
				nots = append(nots, depth)
				prevValue = false
				continue
			case "mod":
				b.WriteString(" % ")
				prevValue = false
				continue
			case "true", "false":
				b.WriteString(k)
				prevValue = true
				continue
			}
			if n, ok := objectNames[k]; ok {
				if strings.HasSuffix(k, ".getparameter") && !next {
					return "", fmt.Errorf("GetParameter needs a parameter name in parentheses")
				}
				b.WriteString(n)
				prevValue = !next
				continue
			}
			if f, ok := functions[k]; ok && next {
				b.WriteString(f)
				prevValue = false
				continue
			}
			if strings.Contains(k, ".") || next || reserved(k) {
				return "", fmt.Errorf("uses %s, which has no translation", tk.text)
			}
			b.WriteString(t.variable(tk.text))
			prevValue = true
		}
	}
	closeNots(0)
	if depth != 0 || len(nots) != 0 {
		return "", fmt.Errorf("unbalanced parentheses")
	}
	return b.String(), nil
}

type tokenKind int

const (
	tIdent tokenKind = iota
	tNumber
	tString
	tOp
	tPunct
)

type token struct {
	kind tokenKind
	text string // a string's text is already a JScript literal
}

func tokenize(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '"':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(s) {
					return nil, fmt.Errorf("unterminated string in %q", s)
				}
				if s[j] == '"' {
					if j+1 < len(s) && s[j+1] == '"' {
						b.WriteByte('"')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			out = append(out, token{tString, jsString(b.String())})
			i = j + 1
		case unicode.IsDigit(c) || c == '.' && i+1 < len(s) && unicode.IsDigit(rune(s[i+1])):
			j := i
			for j < len(s) && (unicode.IsDigit(rune(s[j])) || s[j] == '.') {
				j++
			}
			out = append(out, token{tNumber, s[i:j]})
			i = j
		case unicode.IsLetter(c) || c == '_':
			j := i
			for j < len(s) && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])) || s[j] == '_' || s[j] == '.') {
				j++
			}
			out = append(out, token{tIdent, strings.TrimSuffix(s[i:j], ".")})
			i = j
		case strings.HasPrefix(s[i:], "<>") || strings.HasPrefix(s[i:], "<=") || strings.HasPrefix(s[i:], ">="):
			out = append(out, token{tOp, s[i : i+2]})
			i += 2
		case strings.ContainsRune("=<>+-*/&\\", c):
			out = append(out, token{tOp, string(c)})
			i++
		case strings.ContainsRune("(),", c):
			out = append(out, token{tPunct, string(c)})
			i++
		default:
			return nil, fmt.Errorf("unexpected %q in %q", c, s)
		}
	}
	return out, nil
}

// jsString quotes s as a JScript string literal.
func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func joinTokens(toks []token) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.text
	}
	return strings.Join(parts, " ")
}
