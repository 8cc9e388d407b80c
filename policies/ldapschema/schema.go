package ldapschema

import (
	_ "embed"
	"fmt"
	"strings"
)

// Schema is azman.schema, the slapd.conf form of the schema.
//
//go:embed azman.schema
var Schema string

// LDIF is azman.ldif, the cn=config form of the schema: one
// olcSchemaConfig entry, dn: cn=azman,cn=schema,cn=config.
//
//go:embed azman.ldif
var LDIF string

// Definition is one attributetype or objectclass definition of a schema
// file, with its whitespace collapsed.
type Definition struct {
	Kind string // "attributetype" or "objectclass"
	Text string // "( 1.2.840... NAME '...' ... )"
}

// ParseSchema splits a slapd.conf schema file into its definitions. It
// supports what azman.schema uses: '#' comment lines and attributetype /
// objectclass definitions spanning lines; objectidentifier macros are
// rejected so that every OID is spelled out.
func ParseSchema(text string) ([]Definition, error) {
	var defs []Definition
	var cur *Definition
	var depth int
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur == nil {
			if trimmed == "" || strings.HasPrefix(trimmed, "#") {
				continue
			}
			kind, rest, _ := strings.Cut(trimmed, " ")
			kind = strings.ToLower(kind)
			if kind != "attributetype" && kind != "objectclass" {
				return nil, fmt.Errorf("schema line %d: unsupported directive %q", i+1, kind)
			}
			cur = &Definition{Kind: kind}
			trimmed = strings.TrimSpace(rest)
		} else if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if cur.Text != "" {
			cur.Text += " "
		}
		cur.Text += strings.Join(strings.Fields(trimmed), " ")
		depth += strings.Count(trimmed, "(") - strings.Count(trimmed, ")")
		if depth < 0 {
			return nil, fmt.Errorf("schema line %d: unbalanced ')'", i+1)
		}
		if depth == 0 && cur.Text != "" {
			defs = append(defs, *cur)
			cur = nil
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("schema: definition %q not closed", cur.Text)
	}
	return defs, nil
}

// GenerateLDIF renders schema definitions as one cn=config olcSchemaConfig
// entry named cn=<name>,cn=schema,cn=config, lines folded at 76 columns.
func GenerateLDIF(name string, defs []Definition) string {
	var b strings.Builder
	b.WriteString("# Generated from azman.schema by `go test -run TestLDIFMatchesSchema -update`.\n")
	b.WriteString("# Do not edit by hand: edit azman.schema and regenerate.\n")
	fmt.Fprintf(&b, "dn: cn=%s,cn=schema,cn=config\n", name)
	b.WriteString("objectClass: olcSchemaConfig\n")
	fmt.Fprintf(&b, "cn: %s\n", name)
	for _, kind := range []string{"attributetype", "objectclass"} {
		attr := "olcAttributeTypes"
		if kind == "objectclass" {
			attr = "olcObjectClasses"
		}
		for _, d := range defs {
			if d.Kind == kind {
				b.WriteString(fold(attr + ": " + d.Text))
			}
		}
	}
	return b.String()
}

// fold folds one LDIF line at 76 columns (RFC 2849 continuation lines).
func fold(line string) string {
	const width = 76
	var b strings.Builder
	for len(line) > width {
		b.WriteString(line[:width])
		b.WriteString("\n ")
		line = line[width:]
	}
	b.WriteString(line)
	b.WriteString("\n")
	return b.String()
}
