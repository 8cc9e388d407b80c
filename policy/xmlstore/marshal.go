package xmlstore

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/azgate/azgate/policy"
)

// Marshal writes p as an MS-AZMP file: indented, UTF-8, with the XML
// declaration, carrying revision rev (none when rev is 0). It does not
// validate p; it fails only on text XML cannot hold (invalid UTF-8, control
// characters), naming the object.
func Marshal(p *policy.Policy, rev policy.Revision) ([]byte, error) {
	return (&Document{Policy: p, Revision: rev}).Marshal()
}

// Marshal writes the document, with its GUID and revision. A document with
// a revision also carries azgate's digest of itself (azgate:Digest), by
// which a later Load tells a file azgate wrote from one edited by another
// tool.
func (doc *Document) Marshal() ([]byte, error) {
	if doc.Revision == 0 {
		return doc.marshal("")
	}
	d, err := doc.digest()
	if err != nil {
		return nil, err
	}
	return doc.marshal(d)
}

// digest is the hex SHA-256 of the document as Marshal writes it without a
// digest: the policy, its revision and GUID, in azgate's canonical form
// (so that re-indenting a file changes nothing).
func (doc *Document) digest() (string, error) {
	data, err := doc.marshal("")
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

func (doc *Document) marshal(digest string) ([]byte, error) {
	root, err := doc.tree(digest)
	if err != nil {
		return nil, err
	}
	w := &xwriter{}
	w.buf.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
	w.write(root, 0)
	if w.err != nil {
		return nil, w.err
	}
	return w.buf.Bytes(), nil
}

// tree is the document's root element as Marshal writes it.
func (doc *Document) tree(digest string) (*xel, error) {
	if doc.Policy == nil {
		return nil, fmt.Errorf("marshal: no policy: %w", policy.ErrInvalid)
	}
	p := doc.Policy
	root := &xel{name: elAdminManager, attrs: []xattr{
		{atMajor, strconv.Itoa(p.MajorVersion), false},
		{atMinor, strconv.Itoa(p.MinorVersion), false},
		{atGUID, cmp.Or(doc.GUID, p.GUID), true},
		{atDescription, p.Description, false},
	}}
	if doc.Revision > 0 || p.HasTerms() {
		root.attrs = append(root.attrs, xattr{"xmlns:azgate", RevisionNamespace, false})
	}
	if doc.Revision > 0 {
		root.attrs = append(root.attrs,
			xattr{"azgate:" + atRevision, strconv.FormatUint(uint64(doc.Revision), 10), false})
		if digest != "" {
			root.attrs = append(root.attrs, xattr{"azgate:" + atDigest, digest, false})
		}
	}
	for _, a := range p.Applications {
		root.add(application(a))
	}
	for _, g := range p.Groups {
		root.add(group(g))
	}
	return root, nil
}

func application(a *policy.Application) *xel {
	e := &xel{name: elApplication, attrs: []xattr{
		{atGUID, a.GUID, false}, {atName, a.Name, false}, {atDescription, a.Description, false},
		{atAppVersion, a.Version, false}, {elAppData, a.ApplicationData, true},
	}}
	for _, g := range a.Groups {
		e.add(group(g))
	}
	for _, t := range a.Tasks {
		e.add(task(t))
	}
	for _, o := range a.Operations {
		op := &xel{name: elOperation, attrs: []xattr{
			{atGUID, o.GUID, false}, {atName, o.Name, false}, {atDescription, o.Description, false},
			{elAppData, o.ApplicationData, true},
		}}
		op.leaf(elOperationID, strconv.Itoa(o.OperationID))
		e.add(op)
	}
	for _, r := range a.Roles {
		e.add(role(r))
	}
	for _, s := range a.Scopes {
		sc := &xel{name: elScope, attrs: []xattr{{atGUID, s.GUID, false}, {atName, s.Name, false}, {atDescription, s.Description, false}}}
		for _, g := range s.Groups {
			sc.add(group(g))
		}
		for _, t := range s.Tasks {
			sc.add(task(t))
		}
		for _, r := range s.Roles {
			sc.add(role(r))
		}
		e.add(sc)
	}
	return e
}

func task(t *policy.Task) *xel {
	rd := ""
	if t.RoleDefinition {
		rd = "True"
	}
	e := &xel{name: elTask, attrs: []xattr{
		{atGUID, t.GUID, false}, {atName, t.Name, false}, {atDescription, t.Description, false},
		{elBizRulePath, t.BizRule.ImportedPath, true}, {atRoleDef, rd, true}, {elAppData, t.ApplicationData, true},
	}}
	e.optLeaf(elBizRuleLanguage, t.BizRule.Language)
	e.optLeaf(elBizRule, t.BizRule.Script)
	e.leaves(elTaskLink, t.TaskLinks)
	e.leaves(elOperationLink, t.OperationLinks)
	return e
}

func role(r *policy.Role) *xel {
	e := &xel{name: elRole, attrs: []xattr{{atGUID, r.GUID, false}, {atName, r.Name, false}, {atDescription, r.Description, false}}}
	e.leaves(elTaskLink, r.TaskLinks)
	e.leaves(elOperationLink, r.OperationLinks)
	e.termLeaves(elMember, r.Members, r.Terms)
	e.termLeaves(elAppMemberLink, r.AppMemberLinks, r.Terms)
	return e
}

// termLeaves adds a leaf for each member, with its term as azgate:Start
// and azgate:Expires (an azgate extension AzMan ignores).
func (e *xel) termLeaves(name string, members []string, terms []policy.Term) {
	for _, m := range members {
		t, _ := termOf(terms, m)
		k := &xel{name: name, text: &m}
		if !t.Start.IsZero() {
			k.attrs = append(k.attrs, xattr{"azgate:" + atStart, policy.FormatTime(t.Start), false})
		}
		if !t.Expires.IsZero() {
			k.attrs = append(k.attrs, xattr{"azgate:" + atExpires, policy.FormatTime(t.Expires), false})
		}
		e.add(k)
	}
}

func group(g *policy.Group) *xel {
	e := &xel{name: elGroup, attrs: []xattr{
		{atGUID, g.GUID, false}, {atName, g.Name, false}, {atDescription, g.Description, false},
		{atGroupType, string(g.Type), false},
	}}
	e.optLeaf(elBizRuleLanguage, g.BizRule.Language)
	e.optLeaf(elLdapQuery, g.LDAPQuery)
	e.optLeaf(elBizRule, g.BizRule.Script)
	e.optLeaf(elBizRulePath, g.BizRule.ImportedPath)
	e.termLeaves(elAppMemberLink, g.AppMemberLinks, g.Terms)
	e.leaves(elAppNonMember, g.AppNonMemberLinks)
	e.termLeaves(elMember, g.Members, g.Terms)
	e.leaves(elNonMember, g.NonMembers)
	return e
}

// xel is an element to write.
type xel struct {
	name  string
	attrs []xattr
	text  *string // a leaf's text
	kids  []*xel
}

type xattr struct {
	name, value string
	omitEmpty   bool
}

func (e *xel) add(k *xel) { e.kids = append(e.kids, k) }

func (e *xel) leaf(name, text string) { e.add(&xel{name: name, text: &text}) }

func (e *xel) optLeaf(name, text string) {
	if text != "" {
		e.leaf(name, text)
	}
}

func (e *xel) leaves(name string, texts []string) {
	for _, t := range texts {
		e.leaf(name, t)
	}
}

// what names the element for an error: its kind and Name.
func (e *xel) what() string {
	for _, a := range e.attrs {
		if a.name == atName {
			return fmt.Sprintf("<%s Name=%q>", e.name, a.value)
		}
	}
	return "<" + e.name + ">"
}

type xwriter struct {
	buf    bytes.Buffer
	err    error
	prefix string // written before every line's indentation
	unit   string // one level of indentation; "" is two spaces
}

func (w *xwriter) write(e *xel, depth int) {
	w.indent(depth)
	w.buf.WriteByte('<')
	w.buf.WriteString(e.name)
	for _, a := range e.attrs {
		if a.omitEmpty && a.value == "" {
			continue
		}
		w.check(a.value, func() string { return fmt.Sprintf("%s: attribute %s", e.what(), a.name) })
		w.buf.WriteByte(' ')
		w.buf.WriteString(a.name)
		w.buf.WriteString(`="`)
		escape(&w.buf, a.value, true)
		w.buf.WriteByte('"')
	}
	switch {
	case e.text != nil:
		w.check(*e.text, func() string { return fmt.Sprintf("<%s> %q", e.name, clip(*e.text, 40)) })
		w.buf.WriteByte('>')
		escape(&w.buf, *e.text, false)
		w.buf.WriteString("</" + e.name + ">\n")
	case len(e.kids) == 0:
		w.buf.WriteString(" />\n")
	default:
		w.buf.WriteString(">\n")
		for _, k := range e.kids {
			w.write(k, depth+1)
		}
		w.indent(depth)
		w.buf.WriteString("</" + e.name + ">\n")
	}
}

func (w *xwriter) indent(depth int) {
	w.buf.WriteString(w.prefix)
	unit := w.unit
	if unit == "" {
		unit = "  "
	}
	for range depth {
		w.buf.WriteString(unit)
	}
}

// check records an error if s holds what XML 1.0 cannot carry.
func (w *xwriter) check(s string, where func() string) {
	if w.err != nil {
		return
	}
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				w.err = fmt.Errorf("marshal %s: invalid UTF-8 at byte %d: %w", where(), i, policy.ErrInvalid)
				return
			}
		}
		if !xmlChar(r) {
			w.err = fmt.Errorf("marshal %s: character %U cannot be written in XML: %w", where(), r, policy.ErrInvalid)
			return
		}
	}
}

// xmlChar reports whether r is a Char of XML 1.0.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// escape writes s as XML character data. In attributes, tab, newline and
// carriage return become character references so that attribute-value
// normalization keeps them; in text, only carriage return needs that.
func escape(b *bytes.Buffer, s string, attr bool) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			if attr {
				b.WriteString("&quot;")
			} else {
				b.WriteByte('"')
			}
		case '\r':
			b.WriteString("&#xD;")
		case '\n':
			if attr {
				b.WriteString("&#xA;")
			} else {
				b.WriteByte('\n')
			}
		case '\t':
			if attr {
				b.WriteString("&#x9;")
			} else {
				b.WriteByte('\t')
			}
		default:
			b.WriteRune(r)
		}
	}
}
