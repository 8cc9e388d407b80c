package engine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"testing"
)

// gateCalls are the engine's calls that take the gated method's name.
var gateCalls = map[string]bool{"authorize": true, "visible": true, "gated": true, "changeState": true}

// TestGate_MethodsPassTheirOwnName parses the package and checks that every
// exported *Engine method (but Close) reaches the interceptor, and only ever
// under its own name: a method cannot borrow another's operation.
func TestGate_MethodsPassTheirOwnName(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	seen := map[string]bool{}
	for _, f := range files {
		if filepath.Ext(f) != ".go" || len(f) > 8 && f[len(f)-8:] == "_test.go" {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || !fn.Name.IsExported() || fn.Body == nil {
				continue
			}
			if star, ok := fn.Recv.List[0].Type.(*ast.StarExpr); !ok || star.X.(*ast.Ident).Name != "Engine" {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || !gateCalls[sel.Sel.Name] || len(call.Args) < 3 {
					return true
				}
				lit, ok := call.Args[2].(*ast.BasicLit)
				name, err := strconv.Unquote(litValue(lit, ok))
				if !ok || err != nil || name != fn.Name.Name {
					t.Errorf("%s: %s calls %s under name %s, want %q",
						fset.Position(call.Pos()), fn.Name.Name, sel.Sel.Name, litValue(lit, ok), fn.Name.Name)
				}
				seen[fn.Name.Name] = true
				return true
			})
		}
	}
	for name := range gateTable() {
		if !seen[name] {
			t.Errorf("method %s never reaches the interceptor under its own name", name)
		}
	}
}

func litValue(l *ast.BasicLit, ok bool) string {
	if !ok {
		return "(not a string literal)"
	}
	return l.Value
}
