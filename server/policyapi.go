package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/audit"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policydoc"
)

// The policy admin API speaks names, never GUIDs: links are written and
// read as the names of the linked operations, tasks and groups.

// objectKind describes one kind of policy object of the admin API.
type objectKind struct {
	segment string      // URL segment: tasks, role-definitions, ...
	kind    policy.Kind // the policy kind
	label   string      // for summaries
	doc     any         // the Doc type
	// storeLevel: the kind can live at store level (?level=store).
	storeLevel bool
}

var policyKinds = []objectKind{
	{segment: "tasks", kind: policy.KindTask, label: "task", doc: api.Task{}},
	{segment: "role-definitions", kind: policy.KindRoleDefinition, label: "role definition", doc: api.Task{}},
	{segment: "role-assignments", kind: policy.KindRole, label: "role assignment", doc: api.RoleAssignment{}},
	{segment: "groups", kind: policy.KindGroup, label: "application group", doc: api.Group{}, storeLevel: true},
}

var locationParams = []param{
	{name: "app", in: "query", doc: "Application; default: the application the server gates."},
	{name: "scope", in: "query", doc: "Scope; empty: the application level (default scope)."},
}

var groupLocationParams = append(slices.Clone(locationParams),
	param{name: "level", in: "query", doc: `"store" for store-level application groups.`})

// policyRoutes are the policy admin API.
func (s *Server) policyRoutes() []route {
	const tag = "policy"
	read := opReadPolicy + " (delegation application)"
	write := opWritePolicy + " (delegation application); If-Match: the store revision"
	sd := s.scopeDocs()
	rs := []route{
		{name: "getPolicy", method: http.MethodGet, path: "/v1/policy", tag: tag, summary: "Read the whole policy store (ETag: its revision)",
			needs: read, resp: api.Policy{}, h: s.getPolicy},
		{name: "listScopes", method: http.MethodGet, path: "/v1/policy/scopes", tag: tag, summary: "List the scopes of an application",
			needs: read, query: locationParams[:1], resp: api.Listing[api.Scope]{}, h: sd.listHandler(s)},
		{name: "createScope", method: http.MethodPost, path: "/v1/policy/scopes", tag: tag, summary: "Create a scope",
			needs: write, query: locationParams[:1], body: api.Scope{}, resp: api.Scope{}, status: http.StatusCreated, h: sd.createHandler(s)},
		{name: "getScope", method: http.MethodGet, path: "/v1/policy/scopes/{name}", tag: tag, summary: "Read a scope",
			needs: read, query: locationParams[:1], resp: api.Scope{}, h: sd.getHandler(s)},
		{name: "updateScope", method: http.MethodPut, path: "/v1/policy/scopes/{name}", tag: tag, summary: "Rename or describe a scope",
			needs: write, query: locationParams[:1], body: api.Scope{}, resp: api.Scope{}, h: sd.updateHandler(s)},
		{name: "deleteScope", method: http.MethodDelete, path: "/v1/policy/scopes/{name}", tag: tag, summary: "Delete a scope and everything in it",
			needs: write, query: locationParams[:1], status: http.StatusNoContent, h: sd.deleteHandler(s)},
	}
	for _, k := range policyKinds {
		base := "/v1/policy/" + k.segment
		q := locationParams
		if k.storeLevel {
			q = groupLocationParams
		}
		id := camel(k.segment)
		rs = append(rs,
			route{name: "list" + id, method: http.MethodGet, path: base, tag: tag, summary: "List " + k.label + "s at a location",
				needs: read, query: q, resp: listingOf(k.doc), h: s.listObjects(k)},
			route{name: "create" + singular(id), method: http.MethodPost, path: base, tag: tag, summary: "Create a " + k.label,
				needs: write, query: q, body: k.doc, resp: k.doc, status: http.StatusCreated, h: s.createObject(k)},
			route{name: "get" + singular(id), method: http.MethodGet, path: base + "/{name}", tag: tag, summary: "Read a " + k.label,
				needs: read, query: q, resp: k.doc, h: s.getObject(k)},
			route{name: "update" + singular(id), method: http.MethodPut, path: base + "/{name}", tag: tag,
				summary: "Replace a " + k.label + " (name, description, rule and every link)",
				needs:   write, query: q, body: k.doc, resp: k.doc, h: s.updateObject(k)},
			route{name: "delete" + singular(id), method: http.MethodDelete, path: base + "/{name}", tag: tag,
				summary: "Delete a " + k.label + " and every link to it", needs: write, query: q, status: http.StatusNoContent, h: s.deleteObject(k)},
			route{name: "link" + singular(id), method: http.MethodPost, path: base + "/{name}/links", tag: tag,
				summary: "Add a link or member to a " + k.label, needs: write, query: q, body: api.Link{}, resp: k.doc, h: s.linkObject(k, true)},
			route{name: "unlink" + singular(id), method: http.MethodDelete, path: base + "/{name}/links", tag: tag,
				summary: "Remove a link or member from a " + k.label, needs: write,
				query: append(slices.Clone(q), param{name: "relation", in: "query", required: true}, param{name: "target", in: "query", required: true}),
				resp:  k.doc, h: s.linkObject(k, false)},
		)
	}
	return rs
}

func listingOf(doc any) any {
	switch doc.(type) {
	case api.Task:
		return api.Listing[api.Task]{}
	case api.RoleAssignment:
		return api.Listing[api.RoleAssignment]{}
	case api.Group:
		return api.Listing[api.Group]{}
	}
	return nil
}

// camel turns "role-assignments" into "RoleAssignments".
func camel(seg string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(seg, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func singular(s string) string { return strings.TrimSuffix(s, "s") }

// location reads ?app, ?scope and ?level from the request.
func (s *Server) location(r *http.Request, k objectKind) (policy.Location, error) {
	q := r.URL.Query()
	app := q.Get("app")
	if app == "" {
		app = s.app
	}
	l := policy.Location{App: app, Scope: q.Get("scope")}
	switch q.Get("level") {
	case "":
	case "store":
		if !k.storeLevel {
			return l, invalidf("level=store: only application groups live at store level")
		}
		if l.Scope != "" {
			return l, invalidf("level=store and scope=%q: pick one", l.Scope)
		}
		l.App = ""
	default:
		return l, invalidf("level=%q: want store or nothing", q.Get("level"))
	}
	return l, nil
}

// atLocation is the shape of every object route: the request's location
// (?app, ?scope, ?level) first, then h.
func (s *Server) atLocation(k objectKind, h func(w http.ResponseWriter, r *http.Request, l policy.Location) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		l, err := s.location(r, k)
		if err != nil {
			return err
		}
		return h(w, r, l)
	}
}

// taskOfKind refuses a task through the role-definitions routes, and the
// reverse, before a change to the object called name.
func taskOfKind(p *policy.Policy, l policy.Location, k objectKind, name string) error {
	if k.kind == policy.KindTask || k.kind == policy.KindRoleDefinition {
		_, err := objectDoc(p, l, k, name)
		return err
	}
	return nil
}

// ---- reading ----

func etag(rev policy.Revision) string { return `"` + strconv.FormatUint(uint64(rev), 10) + `"` }

// loadForRead checks Read Policy and loads the store.
func (s *Server) loadForRead(w http.ResponseWriter, r *http.Request) (*policy.Policy, policy.Revision, error) {
	if err := s.requireDelegated(r, opReadPolicy); err != nil {
		return nil, 0, err
	}
	p, rev, err := s.store.Load(r.Context())
	if err != nil {
		return nil, 0, &storeError{err: err}
	}
	w.Header().Set("ETag", etag(rev))
	return p, rev, nil
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) error {
	p, rev, err := s.loadForRead(w, r)
	if err != nil {
		return err
	}
	doc := policydoc.Of(p, rev)
	writeJSON(w, http.StatusOK, doc)
	return nil
}

// scopeDocs are the scopes of the application ?app.
func (s *Server) scopeDocs() namedDoc[api.Scope] {
	return namedDoc[api.Scope]{
		nameVar: "name",
		name:    func(d *api.Scope) *string { return &d.Name },
		list: func(p *policy.Policy, r *http.Request) ([]api.Scope, error) {
			a, err := p.Application(s.appOf(r))
			if err != nil {
				return nil, err
			}
			out := []api.Scope{}
			for _, sc := range a.Scopes {
				out = append(out, policydoc.Scope(sc))
			}
			return out, nil
		},
		read: func(p *policy.Policy, r *http.Request, name string) (api.Scope, error) {
			return scopeDoc(p, s.appOf(r), name)
		},
		create: func(r *http.Request, in api.Scope) (string, func(*policy.Policy) error) {
			app := s.appOf(r)
			return fmt.Sprintf("create scope %q in application %q", in.Name, app), EditScope(app, "", in)
		},
		update: func(r *http.Request, name string, in api.Scope) (string, func(*policy.Policy) error) {
			app := s.appOf(r)
			return fmt.Sprintf("update scope %q in application %q", name, app), EditScope(app, name, in)
		},
		remove: func(r *http.Request, name string) (string, func(*policy.Policy) error) {
			app := s.appOf(r)
			return fmt.Sprintf("delete scope %q of application %q", name, app), func(p *policy.Policy) error {
				return p.Delete(policy.Location{App: app}, policy.KindScope, name)
			}
		},
		location: func(_ *policy.Policy, r *http.Request, in, _ api.Scope) string {
			return "/v1/policy/scopes/" + url.PathEscape(in.Name) + "?app=" + url.QueryEscape(s.appOf(r))
		},
	}
}

func scopeDoc(p *policy.Policy, app, name string) (api.Scope, error) {
	a, err := p.Application(app)
	if err != nil {
		return api.Scope{}, err
	}
	sc, err := a.Scope(name)
	if err != nil {
		return api.Scope{}, err
	}
	if sc == nil {
		return api.Scope{}, invalidf("empty scope name")
	}
	return policydoc.Scope(sc), nil
}

func (s *Server) appOf(r *http.Request) string {
	if app := r.URL.Query().Get("app"); app != "" {
		return app
	}
	return s.app
}

func (s *Server) listObjects(k objectKind) handlerFunc {
	return s.atLocation(k, func(w http.ResponseWriter, r *http.Request, l policy.Location) error {
		p, _, err := s.loadForRead(w, r)
		if err != nil {
			return err
		}
		out, err := listDocs(p, l, k)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})
}

func listDocs(p *policy.Policy, l policy.Location, k objectKind) (any, error) {
	n := policydoc.NewNamer(p)
	if k.kind == policy.KindGroup && l.App == "" {
		out := []api.Group{}
		for _, g := range p.Groups {
			out = append(out, n.Group(g))
		}
		return list(out), nil
	}
	o, err := container(p, l)
	if err != nil {
		return nil, err
	}
	d := n.Objects(o)
	switch k.kind {
	case policy.KindTask:
		return list(d.Tasks), nil
	case policy.KindRoleDefinition:
		return list(d.RoleDefinitions), nil
	case policy.KindRole:
		return list(d.RoleAssignments), nil
	}
	return list(d.Groups), nil
}

func container(p *policy.Policy, l policy.Location) (*policy.Objects, error) {
	a, err := p.Application(l.App)
	if err != nil {
		return nil, err
	}
	o, err := a.Container(l.Scope)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l, err)
	}
	return o, nil
}

func (s *Server) getObject(k objectKind) handlerFunc {
	return s.atLocation(k, func(w http.ResponseWriter, r *http.Request, l policy.Location) error {
		p, _, err := s.loadForRead(w, r)
		if err != nil {
			return err
		}
		doc, err := objectDoc(p, l, k, pathVar(r, "name"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, doc)
		return nil
	})
}

// objectDoc returns the document of the named object of kind k at l.
func objectDoc(p *policy.Policy, l policy.Location, k objectKind, name string) (any, error) {
	n := policydoc.NewNamer(p)
	if k.kind == policy.KindGroup && l.App == "" {
		g, err := p.Group(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", l, err)
		}
		return n.Group(g), nil
	}
	o, err := container(p, l)
	if err != nil {
		return nil, err
	}
	switch k.kind {
	case policy.KindTask, policy.KindRoleDefinition:
		t, err := o.Task(name)
		if err != nil || t.RoleDefinition != (k.kind == policy.KindRoleDefinition) {
			return nil, fmt.Errorf("%s: %s %q: %w", l, k.label, name, policy.ErrNotFound)
		}
		return n.Task(t), nil
	case policy.KindRole:
		role, err := o.Role(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", l, err)
		}
		return n.RoleAssignment(role), nil
	}
	g, err := o.Group(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l, err)
	}
	return n.Group(g), nil
}

// ---- writing ----

// ifMatch returns the revision of the request's If-Match header: 428
// without one, 400 when it is not a revision.
func ifMatch(r *http.Request) (policy.Revision, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, errorf(http.StatusPreconditionRequired, api.CodePreconditionRequired,
			"If-Match is required on policy writes: send the ETag (store revision) of your last read")
	}
	v := strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, invalidf("If-Match %s: want the ETag of a read, a quoted store revision such as \"12\"", h)
	}
	return policy.Revision(n), nil
}

// policyWrite is every write of the admin API: check Write Policy, take the
// revision from If-Match, apply edit to the store's policy at that revision,
// save it against the same revision (412 when another writer got there
// first), audit the change, and bring the live checker up to date.
func (s *Server) policyWrite(w http.ResponseWriter, r *http.Request, what string, edit func(*policy.Policy) error) (*policy.Policy, error) {
	if err := s.requireDelegated(r, opWritePolicy); err != nil {
		return nil, err
	}
	expected, err := ifMatch(r)
	if err != nil {
		return nil, err
	}
	q, nrev, err := s.savePolicy(r.Context(), expected, what, edit)
	if err != nil {
		return nil, err
	}
	w.Header().Set("ETag", etag(nrev))
	return q, nil
}

// savePolicy applies edit to the store's policy at revision expected and
// saves it against the same revision (ErrConflict when another writer got
// there first), audits the change as the caller of ctx, and brings the
// live checker up to date. The caller has checked Write Policy.
func (s *Server) savePolicy(ctx context.Context, expected policy.Revision, what string, edit func(*policy.Policy) error) (*policy.Policy, policy.Revision, error) {
	c, ok := clientFrom(ctx)
	if !ok {
		return nil, 0, errUnauthenticated // fail closed: a write has an author
	}
	p, rev, err := s.store.Load(ctx)
	if err != nil {
		return nil, 0, &storeError{err: err}
	}
	if rev != expected {
		return nil, 0, fmt.Errorf("If-Match %d, store at %d: %w", expected, rev, policy.ErrConflict)
	}
	q, err := p.Edit(edit)
	if err != nil {
		return nil, 0, err
	}
	nrev, err := s.store.Save(ctx, q, expected)
	if err != nil {
		return nil, 0, err
	}
	s.auditPolicyChange(ctx, principalName(c), what, rev, nrev)
	// Put the change in force here at once; the store's watch tells the
	// other replicas. A failed reload is recorded in the live status.
	_ = s.live.Reload(context.WithoutCancel(ctx))
	return q, nrev, nil
}

func (s *Server) auditPolicyChange(ctx context.Context, who, what string, old, new policy.Revision) {
	err := s.audit.PolicyChange(context.WithoutCancel(ctx), audit.PolicyChangeRecord{
		Source: audit.SourceServer, Who: who, What: what, Store: s.cfg.StoreURL,
		OldRevision: strconv.FormatUint(uint64(old), 10), NewRevision: strconv.FormatUint(uint64(new), 10),
	})
	if err != nil {
		s.log.ErrorContext(ctx, "audit: policy change not recorded", logKeyErr, err, "what", what)
	}
}

// EditScope returns the edit the admin API makes to create a scope of app
// (old == "") or to rename and describe the scope named old.
func EditScope(app, old string, in api.Scope) func(*policy.Policy) error {
	if old == "" {
		return func(p *policy.Policy) error {
			return p.CreateScope(app, &policy.Scope{Name: in.Name, Description: in.Description})
		}
	}
	return func(p *policy.Policy) error {
		a, err := p.Application(app)
		if err != nil {
			return err
		}
		sc, err := a.Scope(old)
		if err != nil {
			return err
		}
		if sc == nil {
			return invalidf("empty scope name")
		}
		if !names.Equal(in.Name, sc.Name) {
			if other, _ := a.Scope(in.Name); other != nil {
				return fmt.Errorf("application %q: scope %q exists: %w", app, in.Name, policy.ErrDuplicate)
			}
		}
		sc.Name, sc.Description = in.Name, in.Description
		return nil
	}
}

// links lists the (relation, targets) pairs of a document, in the order
// they are applied.
type relLinks struct {
	rel     policy.Relation
	targets []string
}

func docLinks(k objectKind, doc any) []relLinks {
	switch d := doc.(type) {
	case *api.Task:
		return []relLinks{{policy.RelOperation, d.Operations}, {policy.RelTask, d.Tasks}}
	case *api.RoleAssignment:
		return []relLinks{{policy.RelTask, d.RoleDefinitions}, {policy.RelOperation, d.Operations},
			{policy.RelMember, d.Members}, {policy.RelGroup, d.Groups}}
	case *api.Group:
		return []relLinks{{policy.RelMember, d.Members}, {policy.RelNonMember, d.NonMembers},
			{policy.RelGroup, d.Groups}, {policy.RelNonGroup, d.NonGroups}}
	}
	return nil
}

func newDoc(k objectKind) any {
	switch k.kind {
	case policy.KindTask, policy.KindRoleDefinition:
		return &api.Task{}
	case policy.KindRole:
		return &api.RoleAssignment{}
	}
	return &api.Group{}
}

func docName(doc any) string {
	switch d := doc.(type) {
	case *api.Task:
		return d.Name
	case *api.RoleAssignment:
		return d.Name
	case *api.Group:
		return d.Name
	}
	return ""
}

// place creates or replaces the object of doc at l: a bare object with the
// document's fields, then every link of the document.
func place(p *policy.Policy, l policy.Location, k objectKind, doc any) error {
	switch d := doc.(type) {
	case *api.Task:
		if err := p.CreateTask(l, &policy.Task{Name: d.Name, Description: d.Description,
			RoleDefinition: k.kind == policy.KindRoleDefinition, BizRule: policydoc.PolicyBizRule(d.BizRule)}); err != nil {
			return err
		}
	case *api.RoleAssignment:
		if err := p.CreateRole(l, &policy.Role{Name: d.Name, Description: d.Description}); err != nil {
			return err
		}
	case *api.Group:
		if err := p.CreateGroup(l, &policy.Group{Name: d.Name, Description: d.Description, Type: policy.GroupType(d.Type),
			LDAPQuery: d.LDAPQuery, BizRule: policydoc.PolicyBizRule(d.BizRule)}); err != nil {
			return err
		}
	}
	return linkAll(p, l, k, docName(doc), doc)
}

func (s *Server) createObject(k objectKind) handlerFunc { return s.writeObject(k, false) }

// updateObject replaces an object: it keeps the object's GUID (so links to
// it survive) and replaces its fields and every link it holds.
func (s *Server) updateObject(k objectKind) handlerFunc { return s.writeObject(k, true) }

func (s *Server) writeObject(k objectKind, update bool) handlerFunc {
	return s.atLocation(k, func(w http.ResponseWriter, r *http.Request, l policy.Location) error {
		doc := newDoc(k)
		if err := decodeBody(r, doc); err != nil {
			return err
		}
		name := docName(doc)
		what, edit := fmt.Sprintf("create %s %q at %s", k.label, name, l), func(p *policy.Policy) error { return place(p, l, k, doc) }
		if update {
			name = pathVar(r, "name")
			setName(doc, name)
			what, edit = fmt.Sprintf("update %s %q at %s", k.label, name, l), func(p *policy.Policy) error { return replace(p, l, k, name, doc) }
		}
		p, err := s.policyWrite(w, r, what, edit)
		if err != nil {
			return err
		}
		out, err := objectDoc(p, l, k, docName(doc))
		if err != nil {
			return err
		}
		if update {
			writeJSON(w, http.StatusOK, out)
			return nil
		}
		w.Header().Set("Location", "/v1/policy/"+k.segment+"/"+url.PathEscape(name)+"?"+r.URL.RawQuery)
		writeJSON(w, http.StatusCreated, out)
		return nil
	})
}

func setName(doc any, def string) {
	switch d := doc.(type) {
	case *api.Task:
		if d.Name == "" {
			d.Name = def
		}
	case *api.RoleAssignment:
		if d.Name == "" {
			d.Name = def
		}
	case *api.Group:
		if d.Name == "" {
			d.Name = def
		}
	}
}

// replace updates the named object in place from doc.
func replace(p *policy.Policy, l policy.Location, k objectKind, name string, doc any) error {
	newName := docName(doc)
	var objs *policy.Objects
	if !(k.kind == policy.KindGroup && l.App == "") {
		o, err := container(p, l)
		if err != nil {
			return err
		}
		objs = o
	}
	// A document without terms (nil, as "terms" absent decodes) keeps the
	// terms of the members it keeps; "terms": [] removes them all.
	var keep func()
	switch d := doc.(type) {
	case *api.Task:
		t, err := objs.Task(name)
		if err != nil || t.RoleDefinition != (k.kind == policy.KindRoleDefinition) {
			return fmt.Errorf("%s: %s %q: %w", l, k.label, name, policy.ErrNotFound)
		}
		if other, err := objs.Task(newName); err == nil && other != t {
			return fmt.Errorf("%s: %s %q exists: %w", l, k.label, newName, policy.ErrDuplicate)
		}
		t.Name, t.Description, t.BizRule = newName, d.Description, policydoc.PolicyBizRule(d.BizRule)
		t.OperationLinks, t.TaskLinks = nil, nil
	case *api.RoleAssignment:
		role, err := objs.Role(name)
		if err != nil {
			return fmt.Errorf("%s: %w", l, err)
		}
		if other, err := objs.Role(newName); err == nil && other != role {
			return fmt.Errorf("%s: role assignment %q exists: %w", l, newName, policy.ErrDuplicate)
		}
		role.Name, role.Description = newName, d.Description
		if d.Terms == nil { // no "terms": a term-unaware writer never lifts a limit
			old := role.Terms
			keep = func() { role.Terms = old; role.PruneTerms() }
		}
		role.TaskLinks, role.OperationLinks, role.Members, role.AppMemberLinks, role.Terms = nil, nil, nil, nil, nil
	case *api.Group:
		find := p.Group
		if objs != nil {
			find = objs.Group
		}
		g, err := find(name)
		if err != nil {
			return fmt.Errorf("%s: %w", l, err)
		}
		if other, err := find(newName); err == nil && other != g {
			return fmt.Errorf("%s: application group %q exists: %w", l, newName, policy.ErrDuplicate)
		}
		typ := policy.GroupType(d.Type)
		if typ == "" {
			typ = policy.GroupBasic
		}
		g.Name, g.Description, g.Type, g.LDAPQuery, g.BizRule = newName, d.Description, typ, d.LDAPQuery, policydoc.PolicyBizRule(d.BizRule)
		if d.Terms == nil {
			old := g.Terms
			keep = func() { g.Terms = old; g.PruneTerms() }
		}
		g.Members, g.NonMembers, g.AppMemberLinks, g.AppNonMemberLinks, g.Terms = nil, nil, nil, nil, nil
	}
	if err := linkAll(p, l, k, newName, doc); err != nil {
		return err
	}
	if keep != nil {
		keep()
	}
	return nil
}

// linkAll makes every link of doc from the object called name, and sets
// the document's terms.
func linkAll(p *policy.Policy, l policy.Location, k objectKind, name string, doc any) error {
	for _, rl := range docLinks(k, doc) {
		for _, t := range rl.targets {
			if err := p.Link(l, k.kind, name, rl.rel, t); err != nil {
				return err
			}
		}
	}
	switch d := doc.(type) { // the document's terms replace the object's
	case *api.RoleAssignment:
		return policydoc.ApplyTerms(p, l, k.kind, name, d.Terms)
	case *api.Group:
		return policydoc.ApplyTerms(p, l, k.kind, name, d.Terms)
	}
	return nil
}

func (s *Server) deleteObject(k objectKind) handlerFunc {
	return s.atLocation(k, func(w http.ResponseWriter, r *http.Request, l policy.Location) error {
		name := pathVar(r, "name")
		_, err := s.policyWrite(w, r, fmt.Sprintf("delete %s %q at %s", k.label, name, l), func(p *policy.Policy) error {
			if err := taskOfKind(p, l, k, name); err != nil {
				return err
			}
			return p.Delete(l, k.kind, name)
		})
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (s *Server) linkObject(k objectKind, add bool) handlerFunc {
	return s.atLocation(k, func(w http.ResponseWriter, r *http.Request, l policy.Location) error {
		var in api.Link
		if add {
			if err := decodeBody(r, &in); err != nil {
				return err
			}
		} else {
			in = api.Link{Relation: r.URL.Query().Get("relation"), Target: r.URL.Query().Get("target")}
		}
		if in.Relation == "" || in.Target == "" {
			return invalidf("a link needs a relation and a target")
		}
		name := pathVar(r, "name")
		verb, edit := "link", (*policy.Policy).Link
		if !add {
			verb, edit = "unlink", (*policy.Policy).Unlink
		}
		what := fmt.Sprintf("%s %s %q to %s %q at %s", verb, in.Relation, in.Target, k.label, name, l)
		p, err := s.policyWrite(w, r, what, func(p *policy.Policy) error {
			if err := taskOfKind(p, l, k, name); err != nil {
				return err
			}
			rel := policy.Relation(in.Relation)
			term := policy.Term{Start: in.Starts, Expires: in.Expires}
			if term.IsZero() {
				return edit(p, l, k.kind, name, rel, in.Target)
			}
			if !add {
				return invalidf("removing a member takes no starts or expires")
			}
			if err := edit(p, l, k.kind, name, rel, in.Target); err != nil && !errors.Is(err, policy.ErrDuplicate) {
				return err // a member there already: its term is set
			}
			return p.UpdateTerm(l, k.kind, name, rel, in.Target, term)
		})
		if err != nil {
			return err
		}
		out, err := objectDoc(p, l, k, name)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})
}
