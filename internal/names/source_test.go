package names

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// foldCalls are the calls that compare or key strings case-insensitively
// by a rule of their own: names must go through Equal and Key instead.
var foldCalls = map[string][]string{
	"strings": {"EqualFold", "ToLower", "ToUpper", "ToTitle"},
	"bytes":   {"EqualFold", "ToLower", "ToUpper", "ToTitle"},
	"unicode": {"ToLower", "ToUpper", "ToTitle", "SimpleFold"},
}

// notNames are the functions (file:func, or file:Type.method) that may
// make a foldCalls call, because what they fold is not a name, with why.
// Everything else that folds case is a name comparison and must use this
// package. Keep it exact: an entry that no longer folds is an error too.
var notNames = map[string]string{
	"internal/names/names.go:Equal":   "the rule itself",
	"internal/names/names.go:KeyRune": "the rule itself",

	"authz/rule.go:compileRule":                      "business-rule language keyword",
	"cmd/azgate/appgroup.go:appGroupCreateCmd":       "application group type keyword",
	"cmd/azgate/check.go:paramValue":                 "true/false literal of a rule parameter",
	"cmd/azgate/store.go:storeInitCmd":               "--example keyword",
	"cmd/azgate/store.go:storeRepairCmd":             "store URLs",
	"internal/slapdtest/slapdtest.go:baseEntry":      "LDAP attribute type",
	"directory/ldapdir/sid.go:ParseSID":              "the S of a SID string",
	"directory/ldapdir/schema.go:attrKey":            "LDAP attribute types",
	"directory/localdir/file.go:newState":            "token hashes are lower-case hex",
	"policies/ldapschema/schema.go:ParseSchema":      "LDAP schema keyword",
	"policy/names.go:guidKey":                        "GUIDs are hex",
	"policy/stores/stores.go:split":                  "URL scheme",
	"policy/xmlstore/decode.go:decodeBytes":          "GUIDs are hex",
	"policy/xmlstore/decode.go:decoder.object":       "GUIDs are hex",
	"policy/xmlstore/decode.go:decoder.adminManager": "GUIDs are hex",
	"policy/xmlstore/decode.go:decoder.task":         "true/false attribute value",
	"policy/xmlstore/decode.go:decoder.group":        "GroupType keyword",
	"policy/xmlstore/tree.go:buildTreeUntil":         "XML encoding label",
	"policy/xmlstore/preserve.go:guidKey":            "GUIDs are hex",
	"internal/vbscript/vbscript.go:fold":             "VBScript keywords and identifiers (the language ignores case)",
	"policy/ldapstore/build.go:builder.objLinks":     "GUIDs are hex",
	"policy/ldapstore/build.go:builder.objectCN":     "GUIDs are hex",
	"policy/ldapstore/build.go:hasAttr":              "LDAP attribute type",
	"policy/ldapstore/build.go:siblingNames.pick": "an entry's CN is a GUID when its name is not a usable RDN " +
		"value (LDAP compares RDNs by caseIgnoreMatch)",
	"policy/ldapstore/config.go:ParseURL":    "URL scheme",
	"policy/ldapstore/entry.go:foldValue":    "LDAP caseIgnoreMatch of directory values",
	"policy/ldapstore/entry.go:normParsed":   "LDAP attribute types of a DN",
	"policy/ldapstore/read.go:attrSet":       "LDAP attribute types",
	"policy/ldapstore/read.go:canonicalAttr": "LDAP attribute types",
	"policy/ldapstore/read.go:classify":      "LDAP RDN of the store's container",
	"policy/ldapstore/read.go:decoder.task":  "LDAP Boolean syntax (TRUE/FALSE)",
	"policy/ldapstore/read.go:hasClass":      "LDAP object class names",
	"policy/ldapstore/read.go:isLinkAttr":    "LDAP attribute types",
	"policy/ldapstore/read.go:linkAttrSet":   "LDAP attribute types",
	"policy/ldapstore/read.go:tree.tokenFor": "LDAP attribute types and the store's container RDN",
	"policy/ldapstore/save.go:containsFold":  "an LDAP server's error text",
	"server/auth.go:Server.credentials":      "HTTP authentication scheme",
	"server/checkjson.go:field":              "JSON object keys, matched as encoding/json does",
	"server/logging.go:isCredentialKey":      "HTTP header names and log attribute keys, never logged when credentials",
	"server/openapi.go:openAPI":              "HTTP method",
	"server/policyapi.go:camel":              "builds a type name; compares nothing",
}

// skipDirs are not checked here, with why.
var skipDirs = map[string]string{
	".git":     "",
	"testdata": "",
}

// TestSource_NamesCompareByOneRule parses every non-test Go file of the
// module and fails where a name is compared or keyed by a case rule other
// than this package's: strings.ToLower keys split "sam" from "ſam" while
// strings.EqualFold joins them, which let a look-alike account act as
// another.
func TestSource_NamesCompareByOneRule(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	used := map[string]bool{}
	var bad []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if _, skip := skipDirs[d.Name()]; skip && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, call := range foldCallsIn(f) {
			where := rel + ":" + call.decl
			if _, ok := notNames[where]; ok {
				used[where] = true
				continue
			}
			bad = append(bad, fset.Position(call.pos).String()+": "+call.name+" in "+where)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("%s: compare names with names.Equal and key them with names.Key (or, if this is not a name, list %q in notNames with why)", b, b[strings.LastIndex(b, " in ")+4:])
	}
	var stale []string
	for k := range notNames {
		if !used[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	for _, k := range stale {
		t.Errorf("notNames lists %s, which folds nothing any more: remove it", k)
	}
}

type foldCall struct {
	pos  token.Pos
	name string // "strings.ToLower"
	decl string // "Func" or "Type.Method" or the first name of a var
}

// foldCallsIn returns the foldCalls uses in f, however its imports are named.
func foldCallsIn(f *ast.File) []foldCall {
	local := map[string]string{} // local import name → package path
	for _, im := range f.Imports {
		path, _ := strconv.Unquote(im.Path.Value)
		if _, ok := foldCalls[path]; !ok {
			continue
		}
		name := path
		if im.Name != nil {
			name = im.Name.Name
		}
		local[name] = path
	}
	var out []foldCall
	for _, decl := range f.Decls {
		dname := declName(decl)
		ast.Inspect(decl, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			x, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			path, ok := local[x.Name]
			if !ok {
				return true
			}
			for _, fn := range foldCalls[path] {
				if sel.Sel.Name == fn {
					out = append(out, foldCall{pos: sel.Pos(), name: path + "." + fn, decl: dname})
				}
			}
			return true
		})
	}
	return out
}

func declName(decl ast.Decl) string {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil || len(d.Recv.List) == 0 {
			return d.Name.Name
		}
		t := d.Recv.List[0].Type
		if s, ok := t.(*ast.StarExpr); ok {
			t = s.X
		}
		switch x := t.(type) {
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		}
		if id, ok := t.(*ast.Ident); ok {
			return id.Name + "." + d.Name.Name
		}
		return d.Name.Name
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.ValueSpec:
				return s.Names[0].Name
			case *ast.TypeSpec:
				return s.Name.Name
			}
		}
	}
	return ""
}
