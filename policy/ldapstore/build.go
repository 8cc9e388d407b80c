package ldapstore

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/policy"
)

// tree is a store as directory entries, in order: parents before children,
// siblings in policy order.
type tree struct {
	root    *entry
	entries []*entry
	byNDN   map[string]*entry
	byKey   map[string]*entry
}

func newTree() *tree {
	return &tree{byNDN: map[string]*entry{}, byKey: map[string]*entry{}}
}

// builder lays a policy out as entries under a store DN, in two passes:
// place gives every object its entry (so every DN is known), then the
// write methods fill in attributes and links between them.
type builder struct {
	t        *tree
	storeDN  string
	storeCN  string
	fsps     *entry
	guidDN   map[string]*entry // lower-case GUID → entry
	seen     map[*entry]map[string]string
	memberOf map[string]*entry // folded member → principal entry

	// Placed in pass 1, written in pass 2.
	tasks  []placed[*policy.Task]
	groups []placed[*policy.Group]
	roles  []placed[*policy.Role]
}

// placed is an object with the entry pass 1 made for it.
type placed[T any] struct {
	e   *entry
	obj T
}

// level is an application or a scope: the entry its tasks, roles and
// groups go under, and those objects.
type level struct {
	parent *entry
	objs   *policy.Objects
}

// buildTree lays p out as AD lays out an AzMan store under storeDN.
// Errors are names the directory cannot tell apart.
func buildTree(p *policy.Policy, storeDN string) (*tree, error) {
	d, err := parseDN(storeDN)
	if err != nil {
		return nil, err
	}
	b := &builder{t: newTree(), storeDN: storeDN, storeCN: d.RDNs[0].Attributes[0].Value,
		guidDN: map[string]*entry{}, seen: map[*entry]map[string]string{}, memberOf: map[string]*entry{}}

	root := &entry{dn: storeDN, ndn: normParsed(d.RDNs), rdn: rdnOf(storeDN), depth: len(d.RDNs), kind: kindStore, key: "store",
		classes: []string{"top", classStore}, attrs: map[string][]string{}}
	set(root, attrDescription, p.Description)
	set(root, attrMajorVersion, strconv.Itoa(p.MajorVersion))
	set(root, attrMinorVersion, strconv.Itoa(p.MinorVersion))
	b.add(root)

	// Pass 1: every object's DN, so that links can be written in pass 2.
	if err := b.place(p, root); err != nil {
		return nil, err
	}
	// Pass 2: attributes and links.
	for _, write := range []func() error{b.writeTasks, b.writeGroups, b.writeRoles} {
		if err := write(); err != nil {
			return nil, err
		}
	}
	b.t.sort()
	return b.t, nil
}

// place makes the entries of the store's groups, its applications with
// their operations and scopes, and every level's tasks, groups and roles.
func (b *builder) place(p *policy.Policy, root *entry) error {
	storeGroups := b.container(root, prefixGroups+b.storeCN, "groups")
	b.fsps = b.child(root, fspName, kindFSPs, "store/fsps", []string{"top", classContainer})
	if err := b.placeGroups(storeGroups, p.Groups); err != nil {
		return err
	}
	taken := siblingNames{}
	for _, n := range []string{prefixGroups + b.storeCN, fspName} {
		taken.take(n)
	}
	var levels []level
	for _, a := range p.Applications {
		ls, err := b.placeApplication(root, a, taken.pick(a.Name, a.GUID))
		if err != nil {
			return err
		}
		levels = append(levels, ls...)
	}
	for _, l := range levels {
		if err := b.placeLevel(l); err != nil {
			return err
		}
	}
	return nil
}

// placeApplication makes the entries of application a (named cn under
// root), its operations and its scopes, and returns its levels: the
// application and each scope.
func (b *builder) placeApplication(root *entry, a *policy.Application, cn string) ([]level, error) {
	app, err := b.objectCN(root, kindApp, a.GUID, cn)
	if err != nil {
		return nil, err
	}
	set(app, attrAppName, a.Name)
	set(app, attrDescription, a.Description)
	set(app, attrAppVersion, a.Version)
	set(app, attrAppData, a.ApplicationData)
	ops := b.container(app, prefixOps+cn, "ops")
	inner := siblingNames{}
	for _, pre := range []string{prefixOps, prefixTasks, prefixRoles, prefixGroups} {
		inner.take(pre + cn)
	}
	for _, o := range a.Operations {
		e, err := b.object(ops, kindOperation, o.GUID, o.Name)
		if err != nil {
			return nil, err
		}
		set(e, attrDescription, o.Description)
		set(e, attrOperationID, strconv.Itoa(o.OperationID))
		set(e, attrAppData, o.ApplicationData)
	}
	levels := []level{{app, &a.Objects}}
	for _, s := range a.Scopes {
		scn := inner.pick(s.Name, s.GUID)
		sc, err := b.objectCN(app, kindScope, s.GUID, scn)
		if err != nil {
			return nil, err
		}
		set(sc, attrScopeName, s.Name)
		set(sc, attrDescription, s.Description)
		levels = append(levels, level{sc, &s.Objects})
	}
	return levels, nil
}

// placeLevel makes the task, role and group containers of l and an entry
// for each of its objects.
func (b *builder) placeLevel(l level) error {
	cn := l.parent.attrs[attrCN][0]
	tc := b.container(l.parent, prefixTasks+cn, "tasks")
	rc := b.container(l.parent, prefixRoles+cn, "roles")
	gc := b.container(l.parent, prefixGroups+cn, "groups")
	for _, t := range l.objs.Tasks {
		e, err := b.object(tc, kindTask, t.GUID, t.Name)
		if err != nil {
			return err
		}
		b.tasks = append(b.tasks, placed[*policy.Task]{e, t})
	}
	if err := b.placeGroups(gc, l.objs.Groups); err != nil {
		return err
	}
	for _, r := range l.objs.Roles {
		e, err := b.object(rc, kindRole, r.GUID, r.Name)
		if err != nil {
			return err
		}
		b.roles = append(b.roles, placed[*policy.Role]{e, r})
	}
	return nil
}

// placeGroups makes an entry under parent for each group of gs.
func (b *builder) placeGroups(parent *entry, gs []*policy.Group) error {
	for _, g := range gs {
		e, err := b.object(parent, kindGroup, g.GUID, g.Name)
		if err != nil {
			return err
		}
		b.groups = append(b.groups, placed[*policy.Group]{e, g})
	}
	return nil
}

// writeTasks fills in the placed tasks' attributes and links.
func (b *builder) writeTasks() error {
	for _, x := range b.tasks {
		e, t := x.e, x.obj
		set(e, attrDescription, t.Description)
		if t.RoleDefinition {
			set(e, attrIsRoleDefinition, "TRUE")
		}
		setBizRule(e, t.BizRule)
		set(e, attrAppData, t.ApplicationData)
		if err := b.objLinks(e, attrOpsForTask, t.OperationLinks); err != nil {
			return err
		}
		if err := b.objLinks(e, attrTasksForTask, t.TaskLinks); err != nil {
			return err
		}
	}
	return nil
}

// writeGroups fills in the placed application groups' attributes, members
// and non-members.
func (b *builder) writeGroups() error {
	for _, x := range b.groups {
		e, g := x.e, x.obj
		set(e, attrDescription, g.Description)
		switch g.Type {
		case policy.GroupBasic:
			set(e, attrGroupType, groupTypeBasic)
		case policy.GroupLDAPQuery:
			set(e, attrGroupType, groupTypeQuery)
		case policy.GroupBizRule:
			set(e, attrGroupType, groupTypeBizRule)
		default:
			return fmt.Errorf("application group %q: type %q: %w", g.Name, g.Type, policy.ErrInvalid)
		}
		set(e, attrLDAPQuery, g.LDAPQuery)
		setBizRule(e, g.BizRule)
		if err := b.memberLinks(e, attrMember, g.Members, g.AppMemberLinks); err != nil {
			return err
		}
		if err := b.memberLinks(e, attrNonMembers, g.NonMembers, g.AppNonMemberLinks); err != nil {
			return err
		}
		v, err := encodeTerms(fmt.Sprintf("application group %q", g.Name), g.Terms)
		if err != nil {
			return err
		}
		set(e, attrGenericData, v)
	}
	return nil
}

// writeRoles fills in the placed role assignments' links and members.
func (b *builder) writeRoles() error {
	for _, x := range b.roles {
		e, r := x.e, x.obj
		set(e, attrDescription, r.Description)
		if err := b.objLinks(e, attrTasksForRole, r.TaskLinks); err != nil {
			return err
		}
		if err := b.objLinks(e, attrOpsForRole, r.OperationLinks); err != nil {
			return err
		}
		if err := b.memberLinks(e, attrMembersForRole, r.Members, r.AppMemberLinks); err != nil {
			return err
		}
		v, err := encodeTerms(fmt.Sprintf("role assignment %q", r.Name), r.Terms)
		if err != nil {
			return err
		}
		set(e, attrGenericData, v)
	}
	return nil
}

// sort puts the entries in add order: by depth, stably, so that siblings
// keep policy order and every parent precedes its children.
func (t *tree) sort() {
	byDepth := map[int][]*entry{}
	lo, hi := 1<<30, 0
	for _, e := range t.entries {
		byDepth[e.depth] = append(byDepth[e.depth], e)
		lo, hi = min(lo, e.depth), max(hi, e.depth)
	}
	t.entries = t.entries[:0]
	for d := lo; d <= hi; d++ {
		t.entries = append(t.entries, byDepth[d]...)
	}
}

func set(e *entry, attr, v string) {
	if v != "" {
		e.attrs[attr] = []string{v}
	}
}

func setBizRule(e *entry, r policy.BizRule) {
	set(e, attrBizRule, r.Script)
	set(e, attrBizRuleLanguage, r.Language)
	set(e, attrBizRulePath, r.ImportedPath)
}

func rdnOf(dn string) string {
	if i := firstComma(dn); i >= 0 {
		return dn[:i]
	}
	return dn
}

// firstComma finds the first unescaped comma of a DN string.
func firstComma(dn string) int {
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++
		case ',':
			return i
		}
	}
	return -1
}

func (b *builder) add(e *entry) {
	b.t.entries = append(b.t.entries, e)
	b.t.byNDN[e.ndn] = e
	b.t.byKey[e.key] = e
	if e.kind == kindStore {
		b.t.root = e
	}
}

// child adds an entry named CN=cn under parent.
func (b *builder) child(parent *entry, cn string, k kind, key string, classes []string) *entry {
	rdn := "CN=" + escapeRDNValue(cn)
	e := &entry{dn: rdn + "," + parent.dn, ndn: "cn=" + foldValue(cn) + "," + parent.ndn, rdn: rdn,
		parent: parent, depth: parent.depth + 1, kind: k, key: key, classes: classes,
		attrs: map[string][]string{attrCN: {cn}}, links: map[string][]token{}}
	b.add(e)
	return e
}

func (b *builder) container(parent *entry, cn, what string) *entry {
	return b.child(parent, cn, kindContainer, parent.key+"/"+what, []string{"top", classContainer})
}

var objectClasses = map[kind]string{
	kindApp: classApp, kindScope: classScope, kindOperation: classOperation,
	kindTask: classTask, kindRole: classRole, kindGroup: classGroup,
}

// object adds an AzMan object named by its name.
func (b *builder) object(parent *entry, k kind, guid, name string) (*entry, error) {
	if prev, ok := b.t.byNDN["cn="+foldValue(name)+","+parent.ndn]; ok {
		return nil, fmt.Errorf("ldapstore: %s %q and %s %q would have the same DN under %s (names that differ only in case or spacing): %w",
			prev.kind, prev.attrs[attrCN][0], k, name, parent.dn, policy.ErrDuplicate)
	}
	return b.objectCN(parent, k, guid, name)
}

// objectCN adds an AzMan object whose CN is cn.
func (b *builder) objectCN(parent *entry, k kind, guid, cn string) (*entry, error) {
	raw, err := guidBytes(guid)
	if err != nil {
		return nil, fmt.Errorf("ldapstore: %s %q: %w", k, cn, err)
	}
	g := strings.ToLower(guid)
	e := b.child(parent, cn, k, k.String()+":"+g, []string{"top", objectClasses[k]})
	e.attrs[attrGUID] = []string{string(raw)}
	b.guidDN[g] = e
	return e, nil
}

// siblingNames hands out CNs of applications or scopes: the name when it
// fits and is free, else the GUID (AzMan's own fallback).
type siblingNames map[string]bool

func (s siblingNames) take(cn string) { s[foldValue(cn)] = true }

func (s siblingNames) pick(name, guid string) string {
	cn := name
	if len(cn) > maxCN || s[foldValue(cn)] || strings.TrimSpace(cn) != cn {
		cn = strings.ToLower(guid)
	}
	s.take(cn)
	return cn
}

func (b *builder) objLinks(e *entry, attr string, guids []string) error {
	for _, g := range guids {
		dn, ok := b.guidDN[strings.ToLower(g)]
		if !ok {
			return fmt.Errorf("ldapstore: %s %q: %s: %s names no object of the store: %w",
				e.kind, e.attrs[attrCN][0], attr, g, policy.ErrDanglingLink)
		}
		if err := b.addLink(e, attr, token{id: "o:" + strings.ToLower(g), raw: dn.dn}, dn.ndn); err != nil {
			return err
		}
	}
	return nil
}

// addLink appends a value to a link attribute, refusing one the directory
// would take for a value already there (DN values compare without regard
// to case or spacing). norm is the value's comparison form.
func (b *builder) addLink(e *entry, attr string, tk token, norm string) error {
	key := attr + "\x00" + norm
	if prev, dup := b.seen[e][key]; dup {
		return fmt.Errorf("ldapstore: %s %q: %s: %q and %q are the same value to a directory (names that differ only in case or spacing): %w",
			e.kind, e.attrs[attrCN][0], attr, strings.TrimPrefix(prev, "p:"), strings.TrimPrefix(tk.id, "p:"), policy.ErrDuplicate)
	}
	if b.seen[e] == nil {
		b.seen[e] = map[string]string{}
	}
	b.seen[e][key] = tk.id
	tk.norm = norm
	e.links[attr] = append(e.links[attr], tk)
	return nil
}

// memberLinks writes principals (as DNs of principal entries) and then
// application-group links into one attribute.
func (b *builder) memberLinks(e *entry, attr string, members, groups []string) error {
	for _, m := range members {
		p, err := b.principal(m)
		if err != nil {
			return fmt.Errorf("ldapstore: %s %q: %s %q: %w", e.kind, e.attrs[attrCN][0], attr, m, err)
		}
		if err := b.addLink(e, attr, token{id: "p:" + m, raw: "CN=" + escapeRDNValue(m) + "," + p.parent.dn}, p.ndn); err != nil {
			return err
		}
	}
	return b.objLinks(e, attr, groups)
}

// principal returns the entry standing for member m, adding it on first
// use: a foreignSecurityPrincipal (CN = the SID, objectSid = its binary
// form) for a SID, a container (CN = the name) for an account name.
func (b *builder) principal(m string) (*entry, error) {
	k := foldValue(m)
	if k == "" {
		return nil, fmt.Errorf("empty member: %w", policy.ErrInvalid)
	}
	if e, ok := b.memberOf[k]; ok {
		return e, nil
	}
	var e *entry
	if sid, ok := parseSID(m); ok {
		e = b.child(b.fsps, m, kindPrincipal, "principal:"+k, []string{"top", classFSP})
		e.attrs[attrObjectSid] = []string{string(sid)}
	} else {
		e = b.child(b.fsps, m, kindPrincipal, "principal:"+k, []string{"top", classContainer})
	}
	b.memberOf[k] = e
	return e, nil
}

// parseSID returns the binary form of a string SID ("S-1-5-32-544").
func parseSID(s string) ([]byte, bool) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || len(parts) > 18 || (parts[0] != "S" && parts[0] != "s") || parts[1] != "1" {
		return nil, false
	}
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return nil, false
	}
	subs := parts[3:]
	b := make([]byte, 8+4*len(subs))
	b[0], b[1] = 1, byte(len(subs))
	for i := range 6 {
		b[7-i] = byte(auth >> (8 * i))
	}
	for i, sub := range subs {
		v, err := strconv.ParseUint(sub, 10, 32)
		if err != nil {
			return nil, false
		}
		b[8+4*i] = byte(v)
		b[9+4*i] = byte(v >> 8)
		b[10+4*i] = byte(v >> 16)
		b[11+4*i] = byte(v >> 24)
	}
	return b, true
}

// addRequest is the LDAP add of a wanted entry.
func (e *entry) addRequest() *ldap.AddRequest {
	req := ldap.NewAddRequest(e.dn, nil)
	req.Attribute(attrObjectClass, e.classes)
	for _, a := range append([]string{attrCN}, managedAttrs[e.kind]...) {
		if v, ok := e.attrs[a]; ok && (a != attrCN || !hasAttr(req, attrCN)) {
			req.Attribute(a, v)
		}
	}
	if v, ok := e.attrs[attrObjectSid]; ok {
		req.Attribute(attrObjectSid, v)
	}
	for _, a := range linkAttrs[e.kind] {
		if ts := e.links[a]; len(ts) > 0 {
			vals := make([]string, len(ts))
			for i, t := range ts {
				vals[i] = t.raw
			}
			req.Attribute(a, vals)
		}
	}
	return req
}

func hasAttr(req *ldap.AddRequest, name string) bool {
	for _, a := range req.Attributes {
		if strings.EqualFold(a.Type, name) {
			return true
		}
	}
	return false
}
