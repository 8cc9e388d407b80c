package engine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// gateCalls are the engine's calls that take the gated method's name.
var gateCalls = map[string]bool{"authorize": true, "visible": true, "gated": true, "changeState": true, "deleteNamed": true}

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

// TestGate_BackendOnlyThroughTheGate parses the package and checks that the
// backend is reachable only through the gate: the Engine's backend field
// is read only where the engine opens, watches and closes it, where the
// interceptor looks up what a call names (resolve) and where a view is
// made from a permit (view); a view's and the look-ups' backend only in
// their own methods, which check the permit; and only the interceptor
// (authorize, visible) and the simulator's Guard check (guardPermit) make
// permits.
func TestGate_BackendOnlyThroughTheGate(t *testing.T) {
	allowed := map[string]map[string]bool{
		"backend": {"Open": true, "watch": true, "Close": true, "resolve": true, "view": true},
		"permit":  {"newPermit": true, "authorize": true, "visible": true, "guardPermit": true, "view": true, "simulator.view": true},
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			recv := ""
			if fn.Recv != nil {
				switch x := fn.Recv.List[0].Type.(type) {
				case *ast.StarExpr:
					recv = x.X.(*ast.Ident).Name
				case *ast.Ident:
					recv = x.Name
				}
			}
			name := fn.Name.Name
			if recv == "Simulator" && name == "view" {
				name = "simulator.view"
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.SelectorExpr:
					switch x.Sel.Name {
					case "backend":
						if !allowed["backend"][name] {
							t.Errorf("%s: %s reads the Engine's backend outside the gate", fset.Position(x.Pos()), name)
						}
					case "b":
						if recv != "view" && recv != "lookups" {
							t.Errorf("%s: %s reads a view's backend outside the view's methods", fset.Position(x.Pos()), name)
						}
					}
				case *ast.CallExpr:
					if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "newPermit" && !allowed["permit"][name] {
						t.Errorf("%s: %s makes a permit; only the interceptor does", fset.Position(x.Pos()), name)
					}
				case *ast.CompositeLit:
					if id, ok := x.Type.(*ast.Ident); ok && (id.Name == "permit" || id.Name == "lookups" || id.Name == "view") &&
						!allowed["permit"][name] && !(id.Name == "lookups" && name == "resolve") {
						t.Errorf("%s: %s makes a %s; only the interceptor does", fset.Position(x.Pos()), name, id.Name)
					}
				}
				return true
			})
		}
	}
}
