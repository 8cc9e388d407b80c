package xmlstore

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
)

// A save keeps what it does not change. Marshal writes a policy in
// azgate's own form; a store written by AzMan (or by hand, and kept in
// version control) has its own element order, indentation, attributes
// azgate does not model, no Guid on its root, no empty Description on some
// objects. Writing the whole file afresh on every save would make every
// first edit a diff of the whole file. So a save merges the new policy into
// the file as read:
//
//   - an element whose object did not change is copied byte for byte;
//   - a changed element keeps its place, its attributes' order and the
//     attributes azgate does not model; only changed values are written
//     anew, and an attribute the file did not have is added only when it
//     has a value;
//   - children keep their order and the white space between them; a
//     deleted one is left out with the space before it; new ones go after
//     the last, indented like it.
//
// The result is read back and must mean exactly the new policy; if it does
// not (a case this merge does not handle), the save writes Marshal's form.

// source is a store file as read, for a save that keeps its form.
type source struct {
	data    []byte // UTF-8, without a byte-order mark
	bom     bool   // the file began with a UTF-8 byte-order mark
	root    *node
	oldRoot *xel            // the file's policy as Marshal renders it
	old     map[string]*xel // oldRoot's objects by lower-case Guid
}

// errNoSource: the file cannot be merged into (UTF-16, unreadable); the
// save writes Marshal's form.
var errNoSource = errors.New("file not kept in its form")

// readSource reads raw, the current file, for a merge.
func readSource(raw []byte, file string) (*source, error) {
	if bytes.HasPrefix(raw, []byte{0xFF, 0xFE}) || bytes.HasPrefix(raw, []byte{0xFE, 0xFF}) {
		return nil, errNoSource // written back as UTF-8: every line changes anyway
	}
	data, _, err := toUTF8(raw, file)
	if err != nil {
		return nil, err
	}
	root, err := buildTree(raw, file, DefaultMaxDepth)
	if err != nil {
		return nil, err
	}
	doc, err := decodeBytes(raw, file, newConfig(nil), false)
	if err != nil {
		return nil, err
	}
	oldRoot, err := doc.tree("")
	if err != nil {
		return nil, err
	}
	s := &source{data: data, bom: len(data) < len(raw), root: root, oldRoot: oldRoot, old: map[string]*xel{}}
	var index func(e *xel)
	index = func(e *xel) {
		if g := e.attr(atGUID); g != "" {
			s.old[guidKey(g)] = e
		}
		for _, k := range e.kids {
			index(k)
		}
	}
	for _, k := range oldRoot.kids {
		index(k)
	}
	return s, nil
}

// merge writes the document new into the form of s. The root's start tag
// is always written anew (it carries the revision).
func (s *source) merge(root *xel) []byte {
	m := &merger{src: s}
	if s.bom {
		m.out.Write([]byte{0xEF, 0xBB, 0xBF})
	}
	m.out.Write(s.data[:s.root.start])
	m.element(s.root, root, s.oldRoot, "", true)
	m.out.Write(s.data[s.root.end:])
	return m.out.Bytes()
}

type merger struct {
	src *source
	out bytes.Buffer
}

// singleLeaves are the text children an object has at most one of.
var singleLeaves = map[string]bool{
	elOperationID: true, elBizRule: true, elBizRuleLanguage: true, elBizRulePath: true, elLdapQuery: true, elAppData: true,
}

// element writes x in the place of n, the element it was read from; old
// is what n meant as read (nil when unknown); indent is n's indentation.
func (m *merger) element(n *node, x, old *xel, indent string, fresh bool) {
	m.elementIn(n, x, old, indent, "  ", fresh)
}

// elementIn is element; unit is one level of the file's indentation, as
// far as seen.
func (m *merger) elementIn(n *node, x, old *xel, indent, unit string, fresh bool) {
	data := m.src.data
	if !fresh && old != nil && x.equal(old) {
		m.out.Write(data[n.start:n.end])
		return
	}
	selfClosing := n.tagEnd == n.end
	empty := x.text == nil && len(x.kids) == 0
	switch {
	case !fresh && old != nil && sameAttrs(x, old) && !(selfClosing && !empty):
		m.out.Write(data[n.start:n.tagEnd])
	default:
		m.startTag(n, x, selfClosing && empty)
	}
	if selfClosing && empty {
		return
	}
	if x.text != nil {
		if old != nil && old.text != nil && *old.text == *x.text && !selfClosing {
			m.out.Write(data[n.tagEnd:n.end])
			return
		}
		escape(&m.out, *x.text, false)
		m.out.WriteString("</" + x.name + ">")
		return
	}
	used := make([]bool, len(x.kids))
	prev := n.tagEnd
	sep := "\n" + indent + unit
	for _, k := range n.kids {
		j := match(k, x.kids, used)
		if j < 0 {
			if singleLeaves[k.name] && len(bytes.TrimSpace(k.text)) == 0 {
				// <BizRuleLanguage></BizRuleLanguage> means what its
				// absence does: keep it as written.
				m.out.Write(data[prev:k.end])
			}
			prev = k.end // deleted: leave it out with the space before it
			continue
		}
		used[j] = true
		gap := data[prev:k.start]
		m.out.Write(gap)
		if len(bytes.TrimSpace(gap)) == 0 && len(gap) > 0 {
			sep = string(gap)
			if in := lastLine(sep); len(in) > len(indent) && strings.HasPrefix(in, indent) {
				unit = in[len(indent):]
			}
		}
		m.elementIn(k, x.kids[j], m.oldOf(k, x.kids[j], old), lastLine(sep), unit, false)
		prev = k.end
	}
	for j, k := range x.kids {
		if used[j] {
			continue
		}
		m.out.WriteString(sep)
		w := &xwriter{prefix: lastLine(sep), unit: unit}
		w.write(k, 0)
		m.out.Write(bytes.TrimSuffix(bytes.TrimPrefix(w.buf.Bytes(), []byte(w.prefix)), []byte("\n")))
	}
	if selfClosing {
		m.out.WriteString("\n" + indent + "</" + x.name + ">")
		return
	}
	m.out.Write(data[prev:n.end])
}

// oldOf returns what child k of an element meant as read: an object by its
// Guid, a text child by its name (and text) among the old element's.
func (m *merger) oldOf(k *node, x, oldParent *xel) *xel {
	if g := x.attr(atGUID); g != "" {
		return m.src.old[guidKey(g)]
	}
	if oldParent == nil {
		return nil
	}
	used := make([]bool, len(oldParent.kids))
	if j := match(k, oldParent.kids, used); j >= 0 {
		return oldParent.kids[j]
	}
	return nil
}

// match returns the index of the first unused element of xs that n was
// read as: the object with n's Guid; the single text child of n's name;
// the text child of n's name and text. -1: none (n was deleted).
func match(n *node, xs []*xel, used []bool) int {
	guid := ""
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == atGUID {
			guid = strings.TrimSpace(a.Value)
		}
	}
	text := strings.TrimSpace(string(n.text))
	for j, x := range xs {
		if used[j] || x.name != n.name || n.space != "" {
			continue
		}
		switch {
		case guid != "":
			if guidKey(x.attr(atGUID)) == guidKey(guid) {
				return j
			}
		case singleLeaves[n.name]:
			return j
		case x.text != nil && strings.TrimSpace(*x.text) == text:
			return j
		}
	}
	return -1
}

// startTag writes x's start tag in n's attribute order, keeping the
// attributes azgate does not model and adding one n lacks only when it has
// a value.
func (m *merger) startTag(n *node, x *xel, selfClose bool) {
	m.out.WriteString("<" + x.name)
	seen := map[string]bool{}
	for _, a := range n.attrs {
		key := attrKey(a)
		if xa, ok := x.attrNamed(key); ok {
			seen[key] = true
			if xa.omitEmpty && xa.value == "" {
				continue
			}
			writeAttr(&m.out, key, xa.value)
			continue
		}
		if !modeledAttr(key) {
			writeAttr(&m.out, key, a.Value)
		}
	}
	for _, xa := range x.attrs {
		if !seen[xa.name] && xa.value != "" {
			writeAttr(&m.out, xa.name, xa.value)
		}
	}
	if selfClose {
		m.out.WriteString(" />")
	} else {
		m.out.WriteString(">")
	}
}

// modeledAttr reports whether azgate writes the attribute itself when it
// has a value (so that one it no longer has is left out).
func modeledAttr(key string) bool {
	switch key {
	case atMajor, atMinor, atGUID, atName, atDescription, atAppVersion, atGroupType, atRoleDef, elAppData, elBizRulePath,
		"xmlns:azgate", "azgate:" + atRevision, "azgate:" + atDigest, "azgate:" + atStart, "azgate:" + atExpires:
		return true
	}
	return false
}

// attrKey is the attribute's name as written: prefixes for the xmlns and
// azgate name spaces, the name space URL of any other.
func attrKey(a xml.Attr) string {
	switch {
	case a.Name.Space == "xmlns":
		return "xmlns:" + a.Name.Local
	case a.Name.Space == RevisionNamespace:
		return "azgate:" + a.Name.Local
	case a.Name.Space != "":
		return a.Name.Space + ":" + a.Name.Local
	}
	return a.Name.Local
}

func writeAttr(b *bytes.Buffer, name, value string) {
	b.WriteString(" " + name + `="`)
	escape(b, value, true)
	b.WriteByte('"')
}

// lastLine is what follows the last newline of sep: an indentation.
func lastLine(sep string) string {
	if i := strings.LastIndexByte(sep, '\n'); i >= 0 {
		return sep[i+1:]
	}
	return sep
}

// attr returns the value of e's attribute name ("" when absent).
func (e *xel) attr(name string) string {
	a, _ := e.attrNamed(name)
	return a.value
}

func (e *xel) attrNamed(name string) (xattr, bool) {
	for _, a := range e.attrs {
		if a.name == name {
			return a, true
		}
	}
	return xattr{}, false
}

// equal reports whether e and f write the same element.
func (e *xel) equal(f *xel) bool {
	if e.name != f.name || !sameAttrs(e, f) || (e.text == nil) != (f.text == nil) || len(e.kids) != len(f.kids) {
		return false
	}
	if e.text != nil && *e.text != *f.text {
		return false
	}
	for i := range e.kids {
		if !e.kids[i].equal(f.kids[i]) {
			return false
		}
	}
	return true
}

// sameAttrs reports whether e and f have the same attributes with values,
// in any order.
func sameAttrs(e, f *xel) bool {
	set := func(x *xel) map[string]string {
		out := map[string]string{}
		for _, a := range x.attrs {
			if !(a.omitEmpty && a.value == "") {
				out[a.name] = a.value
			}
		}
		return out
	}
	a, b := set(e), set(f)
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// guidKey is the map key of a GUID: GUIDs compare without regard to case.
func guidKey(g string) string { return strings.ToLower(strings.TrimSpace(g)) }

// marshalKeeping marshals doc into the form of cur, the file it replaces
// (see the top of this file). It returns Marshal's form when cur cannot be
// merged into or the merge does not read back as doc.
func marshalKeeping(doc *Document, cur []byte, file string) ([]byte, error) {
	canonical, err := doc.Marshal()
	if err != nil || cur == nil {
		return canonical, err
	}
	src, err := readSource(cur, file)
	if err != nil {
		return canonical, nil
	}
	d, err := doc.digest()
	if err != nil {
		return nil, err
	}
	root, err := doc.tree(d)
	if err != nil {
		return nil, err
	}
	out := src.merge(root)
	back, err := decodeBytes(out, file, newConfig(nil), true)
	if err != nil {
		return canonical, nil
	}
	got, err := back.Marshal()
	if err != nil || !bytes.Equal(got, canonical) {
		return canonical, nil
	}
	return out, nil
}
