package ldapstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/policy"
)

// readTree reads every entry of the store with one paged subtree search:
// what Load decodes, and each entry's change stamp and modifier.
func (s *Store) readTree(conn *ldap.Conn) ([]*ldap.Entry, error) {
	return s.search(conn, loadAttrs)
}

// loadAttrs are searchAttrs and the operational attributes provenance
// needs.
var loadAttrs = slices.Concat(searchAttrs, changeAttrs, []string{attrModifiersName})

// search reads attrs of every entry of the store with one paged subtree
// search.
func (s *Store) search(conn *ldap.Conn, attrs []string) ([]*ldap.Entry, error) {
	req := ldap.NewSearchRequest(s.cfg.StoreDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0,
		int(s.cfg.Timeout.Seconds()+0.5), false, "(objectClass=*)", attrs, nil)
	res, err := conn.SearchWithPaging(req, uint32(s.cfg.PageSize))
	if err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return nil, fmt.Errorf("ldapstore: %s: %w", s.cfg.StoreDN, policy.ErrNotFound)
		}
		return nil, fmt.Errorf("ldapstore: search %s: %w", s.cfg.StoreDN, err)
	}
	return res.Entries, nil
}

// parseTree turns search results into a tree: kinds, parents and keys.
// It fails on entries it cannot place only when strict (Load); a save
// (not strict) gives them keys that match nothing, so they are replaced.
func parseTree(entries []*ldap.Entry, storeDN string, strict bool) (*tree, error) {
	t := newTree()
	rootN := normDN(storeDN)
	type parsed struct {
		e     *entry
		src   *ldap.Entry
		rdns  []*ldap.RelativeDN
		order int
	}
	ps := make([]parsed, 0, len(entries))
	for i, le := range entries {
		d, err := ldap.ParseDN(le.DN)
		if err != nil || len(d.RDNs) == 0 {
			return nil, entryErr(le.DN, "", nil, "the directory returned a DN that cannot be parsed: %v", err)
		}
		e := &entry{dn: le.DN, ndn: normParsed(d.RDNs), rdn: rdnOf(le.DN), depth: len(d.RDNs),
			classes: le.GetEqualFoldAttributeValues(attrObjectClass), attrs: map[string][]string{}, links: map[string][]token{}}
		for _, a := range le.Attributes {
			if isLinkAttr(a.Name) {
				continue
			}
			name := canonicalAttr(a.Name)
			if strict {
				if err := checkTextAttr(name, a.Values); err != nil {
					return nil, entryErr(le.DN, name, policy.ErrInvalid, "%v", err)
				}
			}
			e.attrs[name] = a.Values
		}
		ps = append(ps, parsed{e: e, src: le, rdns: d.RDNs, order: i})
	}
	// Parents before children; siblings in directory order.
	slices.SortStableFunc(ps, func(a, b parsed) int { return a.e.depth - b.e.depth })
	for _, p := range ps {
		e := p.e
		if e.ndn == rootN {
			if !hasClass(e.classes, classStore) {
				return nil, entryErr(e.dn, attrObjectClass, nil, "not an AzMan store (objectClass %s, want %s)",
					strings.Join(e.classes, ", "), classStore)
			}
			e.kind, e.key = kindStore, "store"
			t.root = e
		} else {
			parent := t.byNDN[normParsed(p.rdns[1:])]
			if parent == nil {
				return nil, entryErr(e.dn, "", nil, "its parent entry is not readable in the store")
			}
			e.parent = parent
			if err := classify(e, strict); err != nil {
				return nil, err
			}
		}
		t.entries = append(t.entries, e)
		t.byNDN[e.ndn] = e
		if _, dup := t.byKey[e.key]; dup || e.key == "" {
			if strict && e.kind != kindUnknown {
				return nil, entryErr(e.dn, attrGUID, policy.ErrDuplicate, "another entry of the store has the same identity (%s)", e.key)
			}
			e.key = "dup:" + e.ndn
		}
		t.byKey[e.key] = e
	}
	if t.root == nil {
		return nil, fmt.Errorf("ldapstore: %s: %w", storeDN, policy.ErrNotFound)
	}
	// Links need every entry's identity. Values repeat (every task names
	// the same operations), so each is interpreted once.
	memo := map[string]token{}
	for _, p := range ps {
		for _, a := range p.src.Attributes {
			if !isLinkAttr(a.Name) {
				continue
			}
			name := canonicalAttr(a.Name)
			toks := make([]token, 0, len(a.Values))
			for _, v := range a.Values {
				tk, ok := memo[v]
				if !ok {
					tk = t.tokenFor(v)
					memo[v] = tk
				}
				toks = append(toks, tk)
			}
			p.e.links[name] = toks
		}
	}
	return t, nil
}

// textAttrs are the attributes of policy text: what the policy holds of
// them must be text every store can hold (policy.CheckText), so that a store
// read from the directory can always be copied to an msxml:// backup.
var textAttrs = map[string]bool{
	attrCN: true, attrDescription: true, attrAppName: true, attrAppVersion: true, attrAppData: true,
	attrScopeName: true, attrBizRule: true, attrBizRuleLanguage: true, attrBizRulePath: true, attrLDAPQuery: true,
}

// checkTextAttr refuses a value of a text attribute that is not such text.
func checkTextAttr(name string, values []string) error {
	if !textAttrs[name] {
		return nil
	}
	for _, v := range values {
		if err := policy.CheckText(v); err != nil {
			return err
		}
	}
	return nil
}

// classify sets e's kind and key from its classes, name and parent.
func classify(e *entry, strict bool) error {
	cn := firstValue(e, attrCN)
	par := e.parent
	switch {
	case hasClass(e.classes, classApp):
		e.kind = kindApp
	case hasClass(e.classes, classScope):
		e.kind = kindScope
	case hasClass(e.classes, classOperation):
		e.kind = kindOperation
	case hasClass(e.classes, classTask):
		e.kind = kindTask
	case hasClass(e.classes, classRole):
		e.kind = kindRole
	case hasClass(e.classes, classGroup):
		e.kind = kindGroup
	case hasClass(e.classes, classFSP):
		e.kind = kindPrincipal
	case hasClass(e.classes, classContainer):
		switch {
		case par.kind == kindFSPs:
			e.kind = kindPrincipal
		case par.kind == kindStore && strings.EqualFold(cn, fspName):
			e.kind, e.key = kindFSPs, "store/fsps"
			return nil
		default:
			for what, pre := range map[string]string{"ops": prefixOps, "tasks": prefixTasks, "roles": prefixRoles, "groups": prefixGroups} {
				if len(cn) >= len(pre) && strings.EqualFold(cn[:len(pre)], pre) {
					e.kind, e.key = kindContainer, par.key+"/"+what
				}
			}
			if e.kind == kindContainer {
				return nil
			}
		}
	}
	switch e.kind {
	case kindUnknown:
		if strict {
			return entryErr(e.dn, attrObjectClass, nil, "an entry azgate does not know (objectClass %s) inside the store; "+
				"it might change access in a way azgate cannot honour, so the store is refused", strings.Join(e.classes, ", "))
		}
		return nil
	case kindPrincipal:
		e.key = "principal:" + foldValue(cn)
		return nil
	}
	raw := e.attrs[attrGUID]
	if len(raw) != 1 {
		if strict {
			return entryErr(e.dn, attrGUID, nil, "missing")
		}
		return nil
	}
	g, err := guidString([]byte(raw[0]))
	if err != nil {
		if strict {
			return entryErr(e.dn, attrGUID, nil, "%v", err)
		}
		return nil
	}
	e.key = e.kind.String() + ":" + g
	return nil
}

// tokenFor interprets one DN value of a link attribute.
func (t *tree) tokenFor(v string) token {
	d, err := ldap.ParseDN(v)
	if err != nil || len(d.RDNs) == 0 {
		return token{id: "x:" + v, raw: v, norm: v}
	}
	n := normParsed(d.RDNs)
	if e := t.byNDN[n]; e != nil {
		switch e.kind {
		case kindOperation, kindTask, kindGroup, kindApp, kindScope, kindRole:
			if g, ok := strings.CutPrefix(e.key, e.kind.String()+":"); ok {
				return token{id: "o:" + g, raw: v, norm: n}
			}
		}
	}
	// A principal: CN=<member>,CN=ForeignSecurityPrincipals,… — the
	// store's own container or, in AD, the domain's.
	if len(d.RDNs) >= 2 && len(d.RDNs[0].Attributes) == 1 && len(d.RDNs[1].Attributes) == 1 &&
		strings.EqualFold(d.RDNs[0].Attributes[0].Type, "cn") &&
		strings.EqualFold(d.RDNs[1].Attributes[0].Type, "cn") &&
		strings.EqualFold(d.RDNs[1].Attributes[0].Value, fspName) {
		return token{id: "p:" + d.RDNs[0].Attributes[0].Value, raw: v, norm: n}
	}
	return token{id: "x:" + n, raw: v, norm: n}
}

var linkAttrSet = func() map[string]string {
	m := map[string]string{}
	for _, as := range linkAttrs {
		for _, a := range as {
			m[strings.ToLower(a)] = a
		}
	}
	return m
}()

var attrSet = func() map[string]string {
	m := map[string]string{}
	for _, a := range searchAttrs {
		m[strings.ToLower(a)] = a
	}
	return m
}()

func isLinkAttr(name string) bool { _, ok := linkAttrSet[strings.ToLower(name)]; return ok }

// canonicalAttr spells an attribute name as this package does.
func canonicalAttr(name string) string {
	if a, ok := attrSet[strings.ToLower(name)]; ok {
		return a
	}
	return name
}

func hasClass(classes []string, c string) bool {
	return slices.ContainsFunc(classes, func(x string) bool { return strings.EqualFold(x, c) })
}

func firstValue(e *entry, attr string) string {
	if v := e.attrs[attr]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// nameOf returns the name an object's cn holds: the cn value equal to the
// RDN value, else the only one.
func nameOf(e *entry) string {
	vs := e.attrs[attrCN]
	if len(vs) == 1 {
		return vs[0]
	}
	if d, err := ldap.ParseDN(e.rdn); err == nil && len(d.RDNs) == 1 {
		rv := foldValue(d.RDNs[0].Attributes[0].Value)
		for _, v := range vs {
			if foldValue(v) == rv {
				return v
			}
		}
	}
	if len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// resolver names principals the store refers to by the DN of a directory
// object (a user or group entry, as AD writes them): it reads the entry's
// objectSid.
type resolver func(ctx context.Context, dn string) (string, error)

// decodePolicy turns a strictly parsed tree into a policy. Errors name the
// entry and attribute.
func decodePolicy(ctx context.Context, t *tree, resolve resolver) (*policy.Policy, error) {
	p, err := decodeRoot(t.root)
	if err != nil {
		return nil, err
	}
	d := &decoder{t: t, resolve: resolve, ctx: ctx, p: p,
		apps: map[*entry]*policy.Application{}, scopes: map[*entry]*policy.Scope{}}
	for _, e := range t.entries {
		if err := d.entry(e); err != nil {
			return nil, err
		}
		if d.err != nil {
			return nil, d.err
		}
	}
	return p, nil
}

// decodeRoot reads the store entry: description, GUID and versions.
func decodeRoot(root *entry) (*policy.Policy, error) {
	p := &policy.Policy{Description: firstValue(root, attrDescription), MajorVersion: 2}
	var err error
	if raw := firstValue(root, attrGUID); raw != "" {
		g, err := guidString([]byte(raw))
		if err != nil {
			return nil, entryErr(root.dn, attrGUID, nil, "%v", err)
		}
		setStoreGUID(p, g)
	}
	if v := firstValue(root, attrMajorVersion); v != "" {
		if p.MajorVersion, err = atoi(root, attrMajorVersion, v); err != nil {
			return nil, err
		}
	}
	if v := firstValue(root, attrMinorVersion); v != "" {
		if p.MinorVersion, err = atoi(root, attrMinorVersion, v); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// decoder builds a policy from a tree's entries, parents before children.
type decoder struct {
	t       *tree
	ctx     context.Context
	resolve resolver
	err     error // the first error of a helper that does not return one

	p      *policy.Policy
	apps   map[*entry]*policy.Application
	scopes map[*entry]*policy.Scope
}

// entry decodes one entry into the policy, by its kind; containers and the
// store entry add nothing themselves.
func (d *decoder) entry(e *entry) error {
	switch e.kind {
	case kindApp:
		return d.application(e)
	case kindScope:
		return d.scope(e)
	case kindOperation:
		return d.operation(e)
	case kindTask:
		return d.task(e)
	case kindRole:
		d.role(e)
	case kindGroup:
		d.group(e)
	}
	return nil
}

func (d *decoder) application(e *entry) error {
	if e.parent.kind != kindStore {
		return entryErr(e.dn, "", nil, "an application must be a child of the store entry")
	}
	a := &policy.Application{GUID: d.guid(e), Name: firstValue(e, attrAppName), Description: firstValue(e, attrDescription),
		Version: firstValue(e, attrAppVersion), ApplicationData: firstValue(e, attrAppData)}
	if a.Name == "" {
		a.Name = nameOf(e)
	}
	d.apps[e] = a
	d.p.Applications = append(d.p.Applications, a)
	return nil
}

func (d *decoder) scope(e *entry) error {
	a := d.apps[e.parent]
	if a == nil {
		return entryErr(e.dn, "", nil, "a scope must be a child of an application entry")
	}
	sc := &policy.Scope{GUID: d.guid(e), Name: firstValue(e, attrScopeName), Description: firstValue(e, attrDescription)}
	if sc.Name == "" {
		return entryErr(e.dn, attrScopeName, nil, "missing")
	}
	d.scopes[e] = sc
	a.Scopes = append(a.Scopes, sc)
	return nil
}

func (d *decoder) operation(e *entry) error {
	a := d.apps[e.parent.parent]
	if e.parent.kind != kindContainer || a == nil || e.parent.parent.kind != kindApp {
		return entryErr(e.dn, "", nil, "an operation must be in the operation container of an application")
	}
	o := &policy.Operation{GUID: d.guid(e), Name: nameOf(e), Description: firstValue(e, attrDescription),
		ApplicationData: firstValue(e, attrAppData)}
	v := firstValue(e, attrOperationID)
	if v == "" {
		return entryErr(e.dn, attrOperationID, nil, "missing")
	}
	var err error
	if o.OperationID, err = atoi(e, attrOperationID, v); err != nil {
		return err
	}
	a.Operations = append(a.Operations, o)
	return nil
}

func (d *decoder) task(e *entry) error {
	objs := d.container(e)
	tk := &policy.Task{GUID: d.guid(e), Name: nameOf(e), Description: firstValue(e, attrDescription),
		BizRule: bizRule(e), ApplicationData: firstValue(e, attrAppData)}
	switch v := firstValue(e, attrIsRoleDefinition); strings.ToUpper(v) {
	case "TRUE":
		tk.RoleDefinition = true
	case "FALSE", "":
	default:
		return entryErr(e.dn, attrIsRoleDefinition, nil, "%q is not TRUE or FALSE", v)
	}
	tk.OperationLinks = d.objects(e, attrOpsForTask, kindOperation)
	tk.TaskLinks = d.objects(e, attrTasksForTask, kindTask)
	if objs != nil {
		objs.Tasks = append(objs.Tasks, tk)
	}
	return nil
}

func (d *decoder) role(e *entry) {
	objs := d.container(e)
	r := &policy.Role{GUID: d.guid(e), Name: nameOf(e), Description: firstValue(e, attrDescription)}
	r.TaskLinks = d.objects(e, attrTasksForRole, kindTask)
	r.OperationLinks = d.objects(e, attrOpsForRole, kindOperation)
	r.Members, r.AppMemberLinks = d.members(e, attrMembersForRole)
	r.Terms = d.terms(e)
	r.PruneTerms()
	if objs != nil {
		objs.Roles = append(objs.Roles, r)
	}
}

func (d *decoder) group(e *entry) {
	g := &policy.Group{GUID: d.guid(e), Name: nameOf(e), Description: firstValue(e, attrDescription),
		LDAPQuery: firstValue(e, attrLDAPQuery), BizRule: bizRule(e)}
	switch v := firstValue(e, attrGroupType); v {
	case groupTypeBasic:
		g.Type = policy.GroupBasic
	case groupTypeQuery:
		g.Type = policy.GroupLDAPQuery
	case groupTypeBizRule:
		g.Type = policy.GroupBizRule
	default:
		d.fail(entryErr(e.dn, attrGroupType, nil, "%q is not an application group type (16 basic, 32 LDAP query, 64 business rule)", v))
	}
	g.Members, g.AppMemberLinks = d.members(e, attrMember)
	g.NonMembers, g.AppNonMemberLinks = d.members(e, attrNonMembers)
	g.Terms = d.terms(e)
	g.PruneTerms()
	if e.parent.kind == kindContainer && e.parent.parent.kind == kindStore {
		d.p.Groups = append(d.p.Groups, g)
	} else if objs := d.container(e); objs != nil {
		objs.Groups = append(objs.Groups, g)
	}
}

// terms decodes the terms of a role assignment or group (see terms.go).
func (d *decoder) terms(e *entry) []policy.Term {
	ts, err := decodeTerms(e)
	if err != nil {
		d.fail(err)
	}
	return ts
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) guid(e *entry) string {
	_, g, _ := strings.Cut(e.key, ":")
	return g
}

// container returns the objects of the application or scope e's container
// belongs to.
func (d *decoder) container(e *entry) *policy.Objects {
	if e.parent.kind != kindContainer {
		d.fail(entryErr(e.dn, "", nil, "a %s must be in an Az*ObjectContainer of an application or scope", e.kind))
		return nil
	}
	var o *policy.Objects
	switch c := e.parent; c.parent.kind { // c is an Az*ObjectContainer; its parent an application or scope
	case kindApp:
		if a := d.apps[c.parent]; a != nil {
			o = &a.Objects
		}
	case kindScope:
		if sc := d.scopes[c.parent]; sc != nil {
			o = &sc.Objects
		}
	}
	if o == nil {
		d.fail(entryErr(e.dn, "", nil, "a %s must be in an Az*ObjectContainer of an application or scope", e.kind))
	}
	return o
}

// objects decodes a link attribute whose values must be objects of kind k.
func (d *decoder) objects(e *entry, attr string, k kind) []string {
	var out []string
	for _, tk := range e.links[attr] {
		g, ok := strings.CutPrefix(tk.id, "o:")
		target := d.t.byKey[k.String()+":"+g]
		if !ok || target == nil {
			d.fail(entryErr(e.dn, attr, policy.ErrDanglingLink, "%s names no %s of the store", tk.raw, k))
			continue
		}
		out = append(out, g)
	}
	return out
}

// members decodes a member attribute: principals and application groups.
func (d *decoder) members(e *entry, attr string) (members, groups []string) {
	for _, tk := range e.links[attr] {
		switch {
		case strings.HasPrefix(tk.id, "p:"):
			members = append(members, tk.id[2:])
		case strings.HasPrefix(tk.id, "o:"):
			g := tk.id[2:]
			if d.t.byKey[kindGroup.String()+":"+g] == nil {
				d.fail(entryErr(e.dn, attr, policy.ErrDanglingLink, "%s is an AzMan object but not an application group", tk.raw))
				continue
			}
			groups = append(groups, g)
		default:
			// A directory object named by DN (AD writes users and groups
			// so): the principal is its SID. Anything else fails: a
			// dropped non-member would grant more.
			var sid string
			var err error
			if d.resolve != nil {
				sid, err = d.resolve(d.ctx, tk.raw)
			} else {
				err = fmt.Errorf("not a principal entry")
			}
			if err != nil {
				d.fail(entryErr(e.dn, attr, policy.ErrDanglingLink, "%s: %v", tk.raw, err))
				continue
			}
			members = append(members, sid)
		}
	}
	return members, groups
}

func bizRule(e *entry) policy.BizRule {
	return policy.BizRule{Script: firstValue(e, attrBizRule), Language: firstValue(e, attrBizRuleLanguage),
		ImportedPath: firstValue(e, attrBizRulePath)}
}

func atoi(e *entry, attr, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, entryErr(e.dn, attr, nil, "%q is not an integer", v)
	}
	return n, nil
}
