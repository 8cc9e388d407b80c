package server

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/azgate/azgate/api"
)

// openAPIVersion is the version of the OpenAPI specification /openapi.json
// follows.
const openAPIVersion = "3.1.0"

var pathVarRE = regexp.MustCompile(`\{([^}:]+)(:[^}]*)?\}`)

// openAPI generates the API description by walking the router: every
// registered route appears, described by its entry of the route table. A
// route the table does not describe is an error, so the two cannot drift.
func openAPI(router *mux.Router, table []route) (map[string]any, error) {
	byName := map[string]route{}
	for _, rt := range table {
		byName[rt.name] = rt
	}
	g := &schemaGen{schemas: map[string]any{}}
	paths := map[string]map[string]any{}
	err := router.Walk(func(mr *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := mr.GetPathTemplate()
		if err != nil {
			return nil // a route without a path (none today)
		}
		methods, err := mr.GetMethods()
		if err != nil {
			return fmt.Errorf("route %s: no methods: %w", tpl, err)
		}
		rt, ok := byName[mr.GetName()]
		if !ok {
			return fmt.Errorf("route %s %v (name %q) is not in the route table", tpl, methods, mr.GetName())
		}
		p := pathVarRE.ReplaceAllString(tpl, "{$1}")
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		for _, m := range methods {
			paths[p][strings.ToLower(m)] = operationObject(rt, p, g)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	g.schemas["Error"] = map[string]any{
		"type": "object", "required": []string{"error"},
		"properties": map[string]any{"error": g.of(reflect.TypeFor[api.ErrorDetail]())},
	}
	if err := errors.Join(g.errs...); err != nil {
		return nil, err
	}
	return map[string]any{
		"openapi": openAPIVersion,
		"info": map[string]any{
			"title":       "azgate",
			"version":     "1",
			"description": "Role-based authorization (AzMan model) and the Hyper-V-style management engine it gates.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.schemas,
			"securitySchemes": map[string]any{
				"basic":  map[string]any{"type": "http", "scheme": "basic"},
				"bearer": map[string]any{"type": "http", "scheme": "bearer"},
			},
		},
		"security": []any{map[string]any{"basic": []string{}}, map[string]any{"bearer": []string{}}},
	}, nil
}

func operationObject(rt route, path string, g *schemaGen) map[string]any {
	op := map[string]any{
		"operationId": rt.name,
		"summary":     rt.summary,
		"tags":        []string{rt.tag},
	}
	if rt.needs != "" {
		op["description"] = "Decided by: " + rt.needs + "."
	}
	if rt.access == public {
		op["security"] = []any{}
	}
	var params []any
	for _, m := range pathVarRE.FindAllStringSubmatch(path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, q := range rt.query {
		params = append(params, map[string]any{"name": q.name, "in": "query", "required": q.required,
			"description": q.doc, "schema": map[string]any{"type": "string"}})
	}
	if rt.tag == "policy" && rt.method != http.MethodGet {
		params = append(params, map[string]any{"name": "If-Match", "in": "header", "required": true,
			"description": "The store revision (ETag) the change is made against.", "schema": map[string]any{"type": "string"}})
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.body != nil {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": g.value(rt.body)}}}
	}
	status := rt.status
	if status == 0 {
		status = http.StatusOK
	}
	ok := map[string]any{"description": http.StatusText(status)}
	if rt.resp != nil {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.value(rt.resp)}}
	}
	errResp := func(desc string) map[string]any {
		if rt.authzen {
			// The AuthZEN specification: the message as the body.
			return map[string]any{"description": desc, "content": map[string]any{
				"text/plain": map[string]any{"schema": map[string]any{"type": "string"}}}}
		}
		return map[string]any{"description": desc, "content": map[string]any{
			"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	}
	responses := map[string]any{strconv.Itoa(status): ok, "default": errResp("Error")}
	if rt.access != public {
		responses["401"] = errResp("Missing or wrong credentials")
		responses["403"] = errResp("Access denied; the error names the operation and scope")
	}
	op["responses"] = responses
	return op
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	jsonMarshaler     = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshaler   = reflect.TypeFor[json.Unmarshaler]()
	textMarshaler     = reflect.TypeFor[encoding.TextMarshaler]()
	schemaProviderTyp = reflect.TypeFor[schemaProvider]()
)

// schemaProvider is implemented by types that encode themselves
// (json.Marshaler, json.Unmarshaler): reflection cannot see their JSON
// shape, so they state it.
type schemaProvider interface {
	JSONSchema() map[string]any
}

// oneOf is a route's response that takes one of several shapes, each a
// zero value of its type.
type oneOf []any

// schemaGen generates JSON Schemas; named struct types go to schemas and
// are referenced. A type whose JSON shape it cannot know is an error.
type schemaGen struct {
	schemas map[string]any
	errs    []error
}

// of returns a JSON Schema for t.
func (g *schemaGen) of(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Implements(schemaProviderTyp):
		return reflect.Zero(t).Interface().(schemaProvider).JSONSchema()
	case reflect.PointerTo(t).Implements(schemaProviderTyp):
		return reflect.New(t).Interface().(schemaProvider).JSONSchema()
	case t.Implements(jsonMarshaler), reflect.PointerTo(t).Implements(jsonUnmarshaler):
		g.errs = append(g.errs, fmt.Errorf("type %s encodes itself and states no OpenAPI schema (JSONSchema method)", t))
		return map[string]any{}
	case t.Implements(textMarshaler):
		return map[string]any{"type": "string"}
	}
	switch t.Kind() {
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.of(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := schemaName(t)
		ref := map[string]any{"$ref": "#/components/schemas/" + name}
		if _, ok := g.schemas[name]; ok {
			return ref
		}
		g.schemas[name] = map[string]any{} // placeholder against recursion
		props := map[string]any{}
		g.addFields(t, props)
		g.schemas[name] = map[string]any{"type": "object", "properties": props}
		return ref
	}
	g.errs = append(g.errs, fmt.Errorf("type %s has no JSON Schema", t))
	return map[string]any{}
}

// value returns the schema of v's type; a oneOf gives each alternative.
func (g *schemaGen) value(v any) map[string]any {
	alts, ok := v.(oneOf)
	if !ok {
		return g.of(reflect.TypeOf(v))
	}
	var schemas []any
	for _, a := range alts {
		schemas = append(schemas, g.of(reflect.TypeOf(a)))
	}
	return map[string]any{"oneOf": schemas}
}

func (g *schemaGen) addFields(t reflect.Type, props map[string]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.addFields(ft, props)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.of(f.Type)
	}
}

// schemaName names a struct schema: its type name, qualified by package
// when it is not this package's. A generic type's arguments are named the
// same way and joined with "_" (api.Listing[authz.Status] is Listing_authz.Status),
// so every name is a valid component name.
func schemaName(t reflect.Type) string {
	base, args, generic := strings.Cut(t.Name(), "[")
	if base == "" {
		base = "Anonymous"
	}
	name := qualify(t.PkgPath(), base)
	if generic {
		for _, a := range strings.Split(strings.TrimSuffix(args, "]"), ",") {
			pkg, n := "", a
			if i := strings.LastIndex(a, "."); i >= 0 {
				pkg, n = a[:i], a[i+1:]
			}
			name += "_" + qualify(pkg, n)
		}
	}
	return name
}

// qualify prefixes name with the last element of pkg, unless pkg is this
// package, api (whose documents are the API's own) or none.
func qualify(pkg, name string) string {
	if i := strings.LastIndex(pkg, "/"); i >= 0 {
		pkg = pkg[i+1:]
	}
	if pkg == "" || pkg == "server" || pkg == "api" {
		return name
	}
	return pkg + "." + name
}
