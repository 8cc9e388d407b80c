package ldapdir

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/policy"
)

// An LDAP-query application group whose filter names an attribute the
// directory's schema does not define matches nobody, silently: the server
// evaluates the item as Undefined (RFC 4511 §4.5.1.7). CheckQueries finds
// such groups by reading the attribute types of the directory's subschema
// subentry (OpenLDAP's cn=Subschema, AD's CN=Aggregate,CN=Schema,...).

// CheckQueries checks the filter of every LDAP-query application group of
// p against the directory's schema and returns one warning per attribute
// the schema does not define and per filter that does not parse, naming
// where the group is. Errors: ErrUnavailable when the schema cannot be read.
func (d *Directory) CheckQueries(ctx context.Context, p *policy.Policy) ([]string, error) {
	defined, err := d.schemaAttributes(ctx)
	if err != nil {
		return nil, err
	}
	var warnings []string
	check := func(place string, gs []*policy.Group) {
		for _, g := range gs {
			if g.Type != policy.GroupLDAPQuery {
				continue
			}
			at := fmt.Sprintf("%s / application group %q: LDAP query %s", place, g.Name, g.LDAPQuery)
			attrs, err := filterAttributes(g.LDAPQuery)
			if err != nil {
				warnings = append(warnings, fmt.Sprintf("%s: %v; it matches nobody", at, err))
				continue
			}
			for _, a := range attrs {
				if !defined[attrKey(a)] {
					warnings = append(warnings, fmt.Sprintf("%s names attribute %q, which the directory's schema does not define; it matches nobody", at, a))
				}
			}
		}
	}
	check("store", p.Groups)
	for _, a := range p.Applications {
		app := "application " + strconv.Quote(a.Name)
		check(app, a.Groups)
		for _, s := range a.Scopes {
			check(fmt.Sprintf("%s / scope %q", app, s.Name), s.Groups)
		}
	}
	return warnings, nil
}

// schemaAttributes reads the names, aliases and OIDs of the attribute types
// of the directory's subschema subentry, keyed by attrKey.
func (d *Directory) schemaAttributes(ctx context.Context) (map[string]bool, error) {
	var defs []string
	err := d.pool.do(ctx, func(conn *ldap.Conn) error {
		root, err := conn.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases,
			1, 0, false, "(objectClass=*)", []string{"subschemaSubentry"}, nil))
		if err != nil {
			return fmt.Errorf("read the root DSE: %w", err)
		}
		if len(root.Entries) != 1 || root.Entries[0].GetAttributeValue("subschemaSubentry") == "" {
			return fmt.Errorf("the root DSE names no subschemaSubentry")
		}
		dn := root.Entries[0].GetAttributeValue("subschemaSubentry")
		res, err := conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases,
			1, 0, false, "(objectClass=*)", []string{"attributeTypes"}, nil))
		if err != nil {
			return fmt.Errorf("read %s: %w", dn, err)
		}
		if len(res.Entries) != 1 {
			return fmt.Errorf("read %s: no entry", dn)
		}
		defs = res.Entries[0].GetEqualFoldAttributeValues("attributeTypes")
		if len(defs) == 0 {
			return fmt.Errorf("read %s: no attributeTypes", dn)
		}
		return nil
	})
	if err != nil {
		return nil, unavailable("read the schema", err)
	}
	defined := make(map[string]bool, 2*len(defs))
	for _, def := range defs {
		for _, n := range attributeTypeNames(def) {
			defined[attrKey(n)] = true
		}
	}
	return defined, nil
}

// attributeTypeNames returns the OID and the NAMEs of an attributeTypes
// value (RFC 4512 §4.1.2): "( 2.5.4.4 NAME ( 'sn' 'surname' ) ... )" gives
// 2.5.4.4, sn and surname.
func attributeTypeNames(def string) []string {
	toks := schemaTokens(def)
	if len(toks) < 2 || toks[0] != "(" {
		return nil
	}
	out := []string{toks[1]}
	for i, t := range toks {
		if t != "NAME" || i+1 >= len(toks) {
			continue
		}
		if n, ok := strings.CutPrefix(toks[i+1], "'"); ok {
			return append(out, n)
		}
		for _, n := range toks[i+2:] {
			q, ok := strings.CutPrefix(n, "'")
			if !ok {
				break
			}
			out = append(out, q)
		}
		break
	}
	return out
}

// schemaTokens splits a schema definition into "(", ")", bare words, and
// quoted strings, which keep their opening quote ("'sn").
func schemaTokens(def string) []string {
	var toks []string
	for i := 0; i < len(def); {
		switch c := def[i]; {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '(' || c == ')':
			toks = append(toks, def[i:i+1])
			i++
		case c == '\'':
			end := strings.IndexByte(def[i+1:], '\'')
			if end < 0 {
				return append(toks, def[i:])
			}
			toks = append(toks, def[i:i+1+end])
			i += end + 2
		default:
			end := strings.IndexAny(def[i:], " \t\n()'")
			if end < 0 {
				end = len(def) - i
			}
			toks = append(toks, def[i:i+end])
			i += end
		}
	}
	return toks
}

// filterAttributes returns the attribute types an LDAP-query group filter
// names, without options (";binary"), each once. Errors: ErrBadFilter.
func filterAttributes(filter string) ([]string, error) {
	f, err := normalizeFilter(filter)
	if err != nil {
		return nil, err
	}
	packet, err := ldap.CompileFilter(f)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrBadFilter, filter, err)
	}
	var out []string
	seen := map[string]bool{}
	var walk func(p *ber.Packet)
	walk = func(p *ber.Packet) {
		var desc string
		switch p.Tag {
		case ldap.FilterAnd, ldap.FilterOr, ldap.FilterNot:
			for _, c := range p.Children {
				walk(c)
			}
		case ldap.FilterPresent:
			desc = ber.DecodeString(p.Data.Bytes())
		case ldap.FilterEqualityMatch, ldap.FilterSubstrings, ldap.FilterGreaterOrEqual,
			ldap.FilterLessOrEqual, ldap.FilterApproxMatch:
			if len(p.Children) > 0 {
				desc = ber.DecodeString(p.Children[0].Data.Bytes())
			}
		case ldap.FilterExtensibleMatch:
			for _, c := range p.Children {
				if c.Tag == ldap.MatchingRuleAssertionType {
					desc = ber.DecodeString(c.Data.Bytes())
				}
			}
		}
		attr, _, _ := strings.Cut(desc, ";")
		if attr != "" && !seen[attrKey(attr)] {
			seen[attrKey(attr)] = true
			out = append(out, attr)
		}
	}
	walk(packet)
	return out, nil
}

// attrKey is the comparison key of an attribute type name or OID. LDAP
// compares them case-insensitively in ASCII (RFC 4512 §1.4, §2.5); a name
// with any other character names no attribute type and is kept as it is,
// so it matches no schema name.
func attrKey(name string) string {
	for i := range len(name) {
		if name[i] >= 0x80 {
			return name
		}
	}
	return strings.ToLower(name)
}
