package client

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"testing"

	"github.com/azgate/azgate/api"
)

// TestEngine_CallsOnlyServedRoutes reads engine.go: every engine method
// the client names (a literal such as "GetVM") has its api.EngineRoute,
// the route the server serves, so a renamed or removed route fails here
// rather than at a caller.
func TestEngine_CallsOnlyServedRoutes(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "engine.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	method := regexp.MustCompile(`^[A-Z][A-Za-z]+$`)
	n := 0
	ast.Inspect(f, func(x ast.Node) bool {
		lit, ok := x.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, _ := strconv.Unquote(lit.Value)
		if method.MatchString(s) {
			n++
			if _, ok := api.EngineRouteOf(s); !ok {
				t.Errorf("engine.go calls %s, which has no api.EngineRoute", s)
			}
		}
		return true
	})
	if n < 40 {
		t.Errorf("found %d engine method names in engine.go, want every call's", n)
	}
}
