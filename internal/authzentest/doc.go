// Package authzentest validates AuthZEN Authorization API 1.0 requests and
// responses against JSON Schemas in tests: the specification's own for an
// evaluation and its decision, and azgate's, written from the
// specification's text, for the evaluations, the searches and the PDP
// metadata (see schemas/README.md).
package authzentest
