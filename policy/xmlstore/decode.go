package xmlstore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/policy"
)

// RevisionNamespace is the XML namespace of the revision attribute azgate
// adds to AzAdminManager (see the package documentation).
const RevisionNamespace = "urn:x-azgate:xmlstore"

// Default limits on input.
const (
	DefaultMaxSize  int64 = 64 << 20 // bytes
	DefaultMaxDepth       = 32       // nested elements; a valid store needs 5
)

// Element and attribute names of MS-AZMP.
const (
	elAdminManager    = "AzAdminManager"
	elApplication     = "AzApplication"
	elGroup           = "AzApplicationGroup"
	elTask            = "AzTask"
	elOperation       = "AzOperation"
	elRole            = "AzRole"
	elScope           = "AzScope"
	elOperationID     = "OperationID"
	elTaskLink        = "TaskLink"
	elOperationLink   = "OperationLink"
	elMember          = "Member"
	elNonMember       = "NonMember"
	elAppMemberLink   = "AppMemberLink"
	elAppNonMember    = "AppNonMemberLink"
	elLdapQuery       = "LdapQuery"
	elBizRule         = "BizRule"
	elBizRuleLanguage = "BizRuleLanguage"
	elBizRulePath     = "BizRuleImportedPath"
	elAppData         = "ApplicationData"

	atMajor       = "MajorVersion"
	atMinor       = "MinorVersion"
	atGUID        = "Guid"
	atName        = "Name"
	atDescription = "Description"
	atAppVersion  = "ApplicationVersion"
	atGroupType   = "GroupType"
	atRoleDef     = "RoleDefinition"
	atRevision    = "Revision" // in RevisionNamespace
	atDigest      = "Digest"   // in RevisionNamespace: azgate's digest of the document
	atStart       = "Start"    // in RevisionNamespace: when a Member or AppMemberLink starts to count
	atExpires     = "Expires"  // in RevisionNamespace: when it stops
)

// Document is everything a file holds: the policy, the revision, and what
// the model has no field for.
type Document struct {
	Policy   *policy.Policy
	Revision policy.Revision // 1 when the file carries none
	// GUID is AzAdminManager's Guid. policy.Policy has no field for it; a
	// Store keeps it across saves.
	GUID string
	// Digest is the azgate:Digest the file carries ("" when none): what
	// azgate's save computed over the document. Marshal writes a fresh one.
	Digest   string
	Warnings []Warning
}

// Parse reads and validates a store from r; name is used in errors and
// warnings (a file name). It returns the policy, its revision (1 for a file
// without one) and warnings about accepted oddities.
func Parse(r io.Reader, name string) (*policy.Policy, policy.Revision, []Warning, error) {
	d, err := Decode(r, name)
	if err != nil {
		return nil, 0, nil, err
	}
	return d.Policy, d.Revision, d.Warnings, nil
}

// Decode is Parse returning a Document; options set the limits.
func Decode(r io.Reader, name string, opts ...Option) (*Document, error) {
	cfg := newConfig(opts)
	data, err := readLimited(r, name, cfg.maxSize)
	if err != nil {
		return nil, err
	}
	return decodeBytes(data, name, cfg, true)
}

// decodeBytes decodes data; unless checked, links that name nothing and
// an invalid policy are let through (for showing what a broken file says,
// never for deciding).
func decodeBytes(data []byte, file string, cfg config, checked bool) (*Document, error) {
	root, err := buildTree(data, file, cfg.maxDepth)
	if err != nil {
		return nil, err
	}
	d := &decoder{file: file, guids: map[string]int{}}
	doc, err := d.adminManager(root)
	if err != nil {
		return nil, err
	}
	if !checked {
		return doc, nil
	}
	for _, l := range d.links {
		if _, ok := d.guids[strings.ToLower(l.guid)]; !ok {
			e := d.errf(l.n, "%s names no object in the file", l.guid)
			e.Err = policy.ErrDanglingLink
			return nil, e
		}
	}
	if err := doc.Policy.Validate(); err != nil {
		return nil, withFile(file, err)
	}
	doc.Warnings = d.warns
	return doc, nil
}

// withFile prefixes every joined validation error with the file name,
// keeping them matchable with errors.Is and errors.As.
func withFile(file string, err error) error {
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, fmt.Errorf("%s: %w", file, e))
		}
		return errors.Join(out...)
	}
	return fmt.Errorf("%s: %w", file, err)
}

type link struct {
	n    *node
	guid string
}

type decoder struct {
	file    string
	warns   []Warning
	guids   map[string]int // lower-case GUID → line of the object
	links   []link
	opLines map[*policy.Operation]int
}

func (d *decoder) errf(n *node, format string, args ...any) *ParseError {
	return &ParseError{File: d.file, Line: n.line, Element: n.label(), Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) warnf(n *node, format string, args ...any) {
	d.warns = append(d.warns, Warning{File: d.file, Line: n.line, Message: fmt.Sprintf(format, args...)})
}

// attrs returns the element's attributes among known. An unknown attribute
// is dropped with a warning; a repeated one is an error. Namespace
// declarations are skipped. The revision attribute is known only on the
// root and is returned under "azgate:Revision".
func (d *decoder) attrs(n *node, known ...string) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range n.attrs {
		key := a.Name.Local
		switch {
		case a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns"):
			continue
		case a.Name.Space == RevisionNamespace:
			key = "azgate:" + a.Name.Local
		case a.Name.Space != "":
			key = a.Name.Space + ":" + a.Name.Local
		}
		if _, dup := out[key]; dup {
			return nil, d.errf(n, "attribute %s appears twice", key)
		}
		isKnown := false
		for _, k := range known {
			if k == key {
				isKnown = true
			}
		}
		if !isKnown {
			d.warnf(n, "attribute %s=%q is not part of the azgate model and is dropped", key, clip(a.Value, 40))
			continue
		}
		out[key] = a.Value
	}
	return out, nil
}

// noText rejects character data in an element that holds only elements.
func (d *decoder) noText(n *node) error {
	if t := bytes.TrimSpace(n.text); len(t) > 0 {
		return d.errf(n, "unexpected text %q; this element holds only elements", clip(string(t), 30))
	}
	return nil
}

// leaf returns the text of an element that holds only text.
func (d *decoder) leaf(n *node) (string, error) {
	if len(n.kids) > 0 {
		return "", d.errf(n.kids[0], "unexpected element inside <%s>, which holds only text", n.label())
	}
	if _, err := d.attrs(n); err != nil {
		return "", err
	}
	return string(n.text), nil
}

// trimmedLeaf is leaf without surrounding white space; empty is an error.
func (d *decoder) trimmedLeaf(n *node) (string, error) {
	s, err := d.leaf(n)
	if err != nil {
		return "", err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", d.errf(n, "is empty")
	}
	return s, nil
}

// termLeaf reads a Member (link false) or AppMemberLink (link true) with
// its term, azgate:Start and azgate:Expires, appended to terms when it has
// one.
func (d *decoder) termLeaf(n *node, isLink bool, terms *[]policy.Term) (string, error) {
	if len(n.kids) > 0 {
		return "", d.errf(n.kids[0], "unexpected element inside <%s>, which holds only text", n.label())
	}
	for _, at := range n.attrs {
		// A term outside azgate's namespace would be dropped, and the
		// membership with it made permanent: refuse it (fail closed).
		if at.Name.Space == "" && (at.Name.Local == atStart || at.Name.Local == atExpires) {
			return "", d.errf(n, "attribute %s is not read: a term is azgate:%s, with xmlns:azgate=%q", at.Name.Local, at.Name.Local, RevisionNamespace)
		}
	}
	a, err := d.attrs(n, "azgate:"+atStart, "azgate:"+atExpires)
	if err != nil {
		return "", err
	}
	v := strings.TrimSpace(string(n.text))
	switch {
	case v == "":
		return "", d.errf(n, "is empty")
	case isLink:
		if _, err := uuid.Parse(v); err != nil {
			return "", d.errf(n, "%q is not a GUID", clip(v, 40))
		}
		d.links = append(d.links, link{n, v})
	}
	t := policy.Term{Member: v}
	for _, f := range []struct {
		name string
		into *time.Time
	}{{atStart, &t.Start}, {atExpires, &t.Expires}} {
		s, ok := a["azgate:"+f.name]
		if !ok {
			continue
		}
		if *f.into, err = policy.ParseTime(s); err != nil {
			return "", d.errf(n, "azgate:%s: %v", f.name, err)
		}
	}
	if !t.IsZero() {
		if _, dup := termOf(*terms, v); dup {
			return "", d.errf(n, "member %q appears twice with a term", clip(v, 40))
		}
		*terms = append(*terms, t)
	}
	return v, nil
}

func termOf(terms []policy.Term, member string) (policy.Term, bool) {
	for _, t := range terms {
		if names.Equal(t.Member, member) {
			return t, true
		}
	}
	return policy.Term{}, false
}

// linkLeaf reads a GUID link.
func (d *decoder) linkLeaf(n *node) (string, error) {
	s, err := d.trimmedLeaf(n)
	if err != nil {
		return "", err
	}
	if _, err := uuid.Parse(s); err != nil {
		return "", d.errf(n, "%q is not a GUID", clip(s, 40))
	}
	d.links = append(d.links, link{n, s})
	return s, nil
}

// once records that a single-valued child was seen.
func (d *decoder) once(seen map[string]bool, n *node) error {
	if seen[n.name] {
		return d.errf(n, "appears twice; it may appear once here")
	}
	seen[n.name] = true
	return nil
}

func (d *decoder) unexpected(n *node, parent string, allowed string) error {
	if n.space == "" {
		switch {
		case parent == elScope && n.name == elOperation:
			return d.errf(n, "operations live at application level, not in a scope")
		case parent == elScope && n.name == elScope:
			return d.errf(n, "scopes do not nest")
		}
	}
	return d.errf(n, "unexpected element in <%s>; allowed: %s", parent, allowed)
}

// object reads the Guid, Name and Description every object has.
func (d *decoder) object(n *node, a map[string]string) (guid, name, desc string, err error) {
	guid, ok := a[atGUID]
	if !ok {
		return "", "", "", d.errf(n, "missing Guid attribute")
	}
	if _, err := uuid.Parse(guid); err != nil {
		return "", "", "", d.errf(n, "Guid %q is not a GUID", clip(guid, 40))
	}
	if prev, dup := d.guids[strings.ToLower(guid)]; dup {
		e := d.errf(n, "Guid %s is also used by the object at line %d", guid, prev)
		e.Err = policy.ErrDuplicate
		return "", "", "", e
	}
	d.guids[strings.ToLower(guid)] = n.line
	name, ok = a[atName]
	if !ok {
		return "", "", "", d.errf(n, "missing Name attribute")
	}
	if strings.TrimSpace(name) == "" {
		return "", "", "", d.errf(n, "empty Name attribute")
	}
	return guid, name, a[atDescription], nil
}

func (d *decoder) adminManager(n *node) (*Document, error) {
	if n.space != "" || n.name != elAdminManager {
		return nil, d.errf(n, "root element is <%s>; want <%s>", n.label(), elAdminManager)
	}
	a, err := d.attrs(n, atMajor, atMinor, atGUID, atDescription, "azgate:"+atRevision, "azgate:"+atDigest)
	if err != nil {
		return nil, err
	}
	if err := d.noText(n); err != nil {
		return nil, err
	}
	doc := &Document{Policy: &policy.Policy{GUID: a[atGUID], Description: a[atDescription]}, Revision: 1, GUID: a[atGUID]}
	p := doc.Policy
	major, ok := a[atMajor]
	if !ok {
		return nil, d.errf(n, "missing MajorVersion attribute")
	}
	if p.MajorVersion, err = strconv.Atoi(strings.TrimSpace(major)); err != nil || (p.MajorVersion != 1 && p.MajorVersion != 2) {
		return nil, d.errf(n, "MajorVersion %q: azgate reads versions 1 and 2", clip(major, 20))
	}
	if minor, ok := a[atMinor]; ok {
		if p.MinorVersion, err = strconv.Atoi(strings.TrimSpace(minor)); err != nil || p.MinorVersion < 0 {
			return nil, d.errf(n, "MinorVersion %q is not a number", clip(minor, 20))
		}
	}
	if doc.GUID != "" {
		if _, err := uuid.Parse(doc.GUID); err != nil {
			return nil, d.errf(n, "Guid %q is not a GUID", clip(doc.GUID, 40))
		}
		d.guids[strings.ToLower(doc.GUID)] = n.line
	}
	if rev, ok := a["azgate:"+atRevision]; ok {
		r, err := strconv.ParseUint(strings.TrimSpace(rev), 10, 64)
		if err != nil || r == 0 {
			return nil, d.errf(n, "azgate:Revision %q is not a positive integer", clip(rev, 30))
		}
		doc.Revision = policy.Revision(r)
	}
	doc.Digest = a["azgate:"+atDigest]
	for _, c := range n.kids {
		switch {
		case c.space == "" && c.name == elApplication:
			app, err := d.application(c)
			if err != nil {
				return nil, err
			}
			p.Applications = append(p.Applications, app)
		case c.space == "" && c.name == elGroup:
			g, err := d.group(c)
			if err != nil {
				return nil, err
			}
			p.Groups = append(p.Groups, g)
		default:
			return nil, d.unexpected(c, elAdminManager, "AzApplication, AzApplicationGroup")
		}
	}
	return doc, nil
}

// appData reads ApplicationData given as a child element (the attribute is
// read with the others).
func (d *decoder) appData(c *node, seen map[string]bool, into *string) error {
	if err := d.once(seen, c); err != nil {
		return err
	}
	if *into != "" {
		return d.errf(c, "ApplicationData is given both as attribute and as element")
	}
	s, err := d.leaf(c)
	*into = s
	return err
}

func (d *decoder) application(n *node) (*policy.Application, error) {
	a, err := d.attrs(n, atGUID, atName, atDescription, atAppVersion, elAppData)
	if err != nil {
		return nil, err
	}
	if err := d.noText(n); err != nil {
		return nil, err
	}
	app := &policy.Application{Version: a[atAppVersion], ApplicationData: a[elAppData]}
	if app.GUID, app.Name, app.Description, err = d.object(n, a); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, c := range n.kids {
		if c.space != "" {
			return nil, d.unexpected(c, elApplication, "")
		}
		switch c.name {
		case elOperation:
			o, err := d.operation(c)
			if err != nil {
				return nil, err
			}
			app.Operations = append(app.Operations, o)
		case elScope:
			s, err := d.scope(c)
			if err != nil {
				return nil, err
			}
			app.Scopes = append(app.Scopes, s)
		case elAppData:
			if err := d.appData(c, seen, &app.ApplicationData); err != nil {
				return nil, err
			}
		default:
			if ok, err := d.objectsChild(c, &app.Objects); err != nil {
				return nil, err
			} else if !ok {
				return nil, d.unexpected(c, elApplication, "AzApplicationGroup, AzTask, AzOperation, AzRole, AzScope")
			}
		}
	}
	return app, nil
}

// objectsChild reads a task, group or role into o; it returns false for
// other elements.
func (d *decoder) objectsChild(c *node, o *policy.Objects) (bool, error) {
	if c.space != "" {
		return false, nil
	}
	switch c.name {
	case elTask:
		t, err := d.task(c)
		if err != nil {
			return true, err
		}
		o.Tasks = append(o.Tasks, t)
	case elGroup:
		g, err := d.group(c)
		if err != nil {
			return true, err
		}
		o.Groups = append(o.Groups, g)
	case elRole:
		r, err := d.role(c)
		if err != nil {
			return true, err
		}
		o.Roles = append(o.Roles, r)
	default:
		return false, nil
	}
	return true, nil
}

func (d *decoder) scope(n *node) (*policy.Scope, error) {
	a, err := d.attrs(n, atGUID, atName, atDescription)
	if err != nil {
		return nil, err
	}
	if err := d.noText(n); err != nil {
		return nil, err
	}
	s := &policy.Scope{}
	if s.GUID, s.Name, s.Description, err = d.object(n, a); err != nil {
		return nil, err
	}
	for _, c := range n.kids {
		if ok, err := d.objectsChild(c, &s.Objects); err != nil {
			return nil, err
		} else if !ok {
			return nil, d.unexpected(c, elScope, "AzApplicationGroup, AzTask, AzRole")
		}
	}
	return s, nil
}

func (d *decoder) operation(n *node) (*policy.Operation, error) {
	a, err := d.attrs(n, atGUID, atName, atDescription, elAppData)
	if err != nil {
		return nil, err
	}
	if err := d.noText(n); err != nil {
		return nil, err
	}
	o := &policy.Operation{ApplicationData: a[elAppData]}
	if o.GUID, o.Name, o.Description, err = d.object(n, a); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, c := range n.kids {
		switch {
		case c.space == "" && c.name == elOperationID:
			if err := d.once(seen, c); err != nil {
				return nil, err
			}
			s, err := d.trimmedLeaf(c)
			if err != nil {
				return nil, err
			}
			id, err := strconv.Atoi(s)
			if err != nil || id <= 0 {
				return nil, d.errf(c, "OperationID %q of operation %q is not a positive integer", clip(s, 20), o.Name)
			}
			o.OperationID = id
		case c.space == "" && c.name == elAppData:
			if err := d.appData(c, seen, &o.ApplicationData); err != nil {
				return nil, err
			}
		default:
			return nil, d.unexpected(c, elOperation, "OperationID")
		}
	}
	if !seen[elOperationID] {
		return nil, d.errf(n, "operation %q has no OperationID", o.Name)
	}
	if d.opLines == nil {
		d.opLines = map[*policy.Operation]int{}
	}
	d.opLines[o] = n.line
	return o, nil
}

func (d *decoder) task(n *node) (*policy.Task, error) {
	a, err := d.attrs(n, atGUID, atName, atDescription, elBizRulePath, atRoleDef, elAppData)
	if err != nil {
		return nil, err
	}
	if err := d.noText(n); err != nil {
		return nil, err
	}
	t := &policy.Task{ApplicationData: a[elAppData]}
	t.BizRule.ImportedPath = strings.TrimSpace(a[elBizRulePath])
	if t.GUID, t.Name, t.Description, err = d.object(n, a); err != nil {
		return nil, err
	}
	if rd, ok := a[atRoleDef]; ok {
		switch strings.ToLower(strings.TrimSpace(rd)) {
		case "true":
			t.RoleDefinition = true
		case "false":
		default:
			return nil, d.errf(n, "RoleDefinition %q is not True or False", clip(rd, 20))
		}
	}
	seen := map[string]bool{}
	for _, c := range n.kids {
		if c.space != "" {
			return nil, d.unexpected(c, elTask, "")
		}
		switch c.name {
		case elTaskLink:
			l, err := d.linkLeaf(c)
			if err != nil {
				return nil, err
			}
			t.TaskLinks = append(t.TaskLinks, l)
		case elOperationLink:
			l, err := d.linkLeaf(c)
			if err != nil {
				return nil, err
			}
			t.OperationLinks = append(t.OperationLinks, l)
		case elBizRule, elBizRuleLanguage, elBizRulePath:
			if err := d.bizRuleChild(c, seen, &t.BizRule); err != nil {
				return nil, err
			}
		case elAppData:
			if err := d.appData(c, seen, &t.ApplicationData); err != nil {
				return nil, err
			}
		default:
			return nil, d.unexpected(c, elTask, "TaskLink, OperationLink, BizRule, BizRuleLanguage, BizRuleImportedPath")
		}
	}
	return t, nil
}

// bizRuleChild reads BizRule (text kept exactly), BizRuleLanguage or
// BizRuleImportedPath.
func (d *decoder) bizRuleChild(c *node, seen map[string]bool, b *policy.BizRule) error {
	if err := d.once(seen, c); err != nil {
		return err
	}
	s, err := d.leaf(c)
	if err != nil {
		return err
	}
	switch c.name {
	case elBizRule:
		b.Script = s
	case elBizRuleLanguage:
		b.Language = strings.TrimSpace(s)
	case elBizRulePath:
		if b.ImportedPath != "" {
			return d.errf(c, "BizRuleImportedPath is given both as attribute and as element")
		}
		b.ImportedPath = strings.TrimSpace(s)
	}
	return nil
}

func (d *decoder) role(n *node) (*policy.Role, error) {
	a, err := d.attrs(n, atGUID, atName, atDescription)
	if err != nil {
		return nil, err
	}
	if err := d.noText(n); err != nil {
		return nil, err
	}
	r := &policy.Role{}
	if r.GUID, r.Name, r.Description, err = d.object(n, a); err != nil {
		return nil, err
	}
	for _, c := range n.kids {
		if c.space != "" {
			return nil, d.unexpected(c, elRole, "")
		}
		var (
			into *[]string
			v    string
			err  error
		)
		switch c.name {
		case elTaskLink:
			into = &r.TaskLinks
			v, err = d.linkLeaf(c)
		case elOperationLink:
			into = &r.OperationLinks
			v, err = d.linkLeaf(c)
		case elAppMemberLink:
			into = &r.AppMemberLinks
			v, err = d.termLeaf(c, true, &r.Terms)
		case elMember:
			into = &r.Members
			v, err = d.termLeaf(c, false, &r.Terms)
		default:
			return nil, d.unexpected(c, elRole, "TaskLink, OperationLink, Member, AppMemberLink")
		}
		if err != nil {
			return nil, err
		}
		*into = append(*into, v)
	}
	r.PruneTerms() // in member order, however the elements are ordered
	return r, nil
}

func (d *decoder) group(n *node) (*policy.Group, error) {
	a, err := d.attrs(n, atGUID, atName, atDescription, atGroupType)
	if err != nil {
		return nil, err
	}
	if err := d.noText(n); err != nil {
		return nil, err
	}
	g := &policy.Group{}
	if g.GUID, g.Name, g.Description, err = d.object(n, a); err != nil {
		return nil, err
	}
	gt, ok := a[atGroupType]
	if !ok {
		return nil, d.errf(n, "application group %q has no GroupType", g.Name)
	}
	for _, known := range []policy.GroupType{policy.GroupBasic, policy.GroupLDAPQuery, policy.GroupBizRule} {
		if strings.EqualFold(strings.TrimSpace(gt), string(known)) {
			g.Type = known
		}
	}
	if g.Type == "" {
		return nil, d.errf(n, "GroupType %q of application group %q is not Basic, LdapQuery or Bizrule", clip(gt, 20), g.Name)
	}
	seen := map[string]bool{}
	for _, c := range n.kids {
		if c.space != "" {
			return nil, d.unexpected(c, elGroup, "")
		}
		var (
			into *[]string
			v    string
			err  error
		)
		switch c.name {
		case elBizRule, elBizRuleLanguage, elBizRulePath:
			if err := d.bizRuleChild(c, seen, &g.BizRule); err != nil {
				return nil, err
			}
			continue
		case elLdapQuery:
			if err := d.once(seen, c); err != nil {
				return nil, err
			}
			if g.LDAPQuery, err = d.leaf(c); err != nil {
				return nil, err
			}
			continue
		case elMember:
			into = &g.Members
			v, err = d.termLeaf(c, false, &g.Terms)
		case elNonMember:
			into = &g.NonMembers
			v, err = d.trimmedLeaf(c)
		case elAppMemberLink:
			into = &g.AppMemberLinks
			v, err = d.termLeaf(c, true, &g.Terms)
		case elAppNonMember:
			into = &g.AppNonMemberLinks
			v, err = d.linkLeaf(c)
		default:
			return nil, d.unexpected(c, elGroup, "BizRuleLanguage, LdapQuery, BizRule, BizRuleImportedPath, Member, NonMember, AppMemberLink, AppNonMemberLink")
		}
		if err != nil {
			return nil, err
		}
		*into = append(*into, v)
	}
	g.PruneTerms()
	if g.Type != policy.GroupLDAPQuery && strings.TrimSpace(g.LDAPQuery) != "" {
		d.warnf(n, "application group %q is %s but has an LdapQuery; it is kept and not used", g.Name, g.Type)
	}
	if g.Type != policy.GroupBizRule && strings.TrimSpace(g.BizRule.Script) != "" {
		d.warnf(n, "application group %q is %s but has a BizRule; it is kept and not used", g.Name, g.Type)
	}
	return g, nil
}
