package console

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policydoc"
	"github.com/azgate/azgate/server"
)

// loc is where a page is in the store: the store level, an application,
// or a scope of it.
type loc struct {
	App, Scope string
	Store      bool
}

func (c *Console) locOf(r *http.Request) loc {
	l := loc{App: r.FormValue("app"), Scope: r.FormValue("scope"), Store: r.FormValue("level") == "store"}
	if l.Store {
		return loc{Store: true}
	}
	if l.App == "" {
		l.App = c.b.Application()
	}
	return l
}

func (l loc) policy() policy.Location {
	if l.Store {
		return policy.Location{}
	}
	return policy.Location{App: l.App, Scope: l.Scope}
}

// kv is the location as link parameters.
func (l loc) kv(more ...string) []string {
	level := ""
	if l.Store {
		level = "store"
	}
	return append([]string{"app", l.App, "scope", l.Scope, "level", level}, more...)
}

func (l loc) Label() string {
	switch {
	case l.Store:
		return "Store"
	case l.Scope != "":
		return l.App + " › " + l.Scope
	}
	return l.App
}

// kinds are the object kinds the console edits, by URL name.
var kinds = map[string]struct {
	kind         policy.Kind
	label, title string
}{
	"role-definitions": {policy.KindRoleDefinition, "role definition", "Role definition"},
	"tasks":            {policy.KindTask, "task", "Task"},
	"role-assignments": {policy.KindRole, "role assignment", "Role assignment"},
	"groups":           {policy.KindGroup, "application group", "Application group"},
	"scopes":           {policy.KindScope, "scope", "Scope"},
	"operations":       {policy.KindOperation, "operation", "Operation"},
}

type crumb struct{ Label, URL string }

// appRow is an application in the store view.
type appRow struct{ Name, Description, URL string }

type objRow struct {
	Name, Description, URL string
	Detail                 string
}

type policyData struct {
	Loc         loc
	Crumbs      []crumb
	Apps        []appRow
	Groups      []objRow
	RoleDefs    []objRow
	Tasks       []objRow
	Roles       []objRow
	Operations  []objRow
	Scopes      []objRow
	ScopePager  pager
	NewLinks    []crumb
	ShowScopes  bool
	Application bool
}

func (c *Console) crumbs(l loc) []crumb {
	cs := []crumb{{"Store", link("policy", "level", "store")}}
	if l.Store {
		return cs
	}
	cs = append(cs, crumb{l.App, link("policy", "app", l.App)})
	if l.Scope != "" {
		cs = append(cs, crumb{l.Scope, link("policy", "app", l.App, "scope", l.Scope)})
	}
	return cs
}

// policyPage is the snap-in's tree as pages: the store (applications and
// store groups), an application (groups, definitions, operations, role
// assignments, scopes) or a scope (its own groups, definitions and role
// assignments).
func (c *Console) policyPage(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := c.requireRead(r); err != nil {
		return err
	}
	snap := c.b.Live().Current()
	p := snap.Policy
	l := c.locOf(r)
	if r.URL.Path == prefix && r.FormValue("app") == "" {
		l = loc{App: c.b.Application()}
	}
	d := policyData{Loc: l, Crumbs: c.crumbs(l)}
	objURL := func(kind, name string) string { return link("object", l.kv("kind", kind, "name", name)...) }
	if l.Store {
		for _, a := range p.Applications {
			d.Apps = append(d.Apps, appRow{Name: a.Name, Description: a.Description, URL: link("policy", "app", a.Name)})
		}
	} else {
		a, err := p.Application(l.App)
		if err != nil {
			return err
		}
		if l.Scope == "" {
			d.Application = true
			for _, o := range a.Operations {
				d.Operations = append(d.Operations, objRow{Name: o.Name, Description: o.Description,
					URL: link("object", "app", l.App, "kind", "operations", "name", o.Name), Detail: strconv.Itoa(o.OperationID)})
			}
			d.ShowScopes = true
			q := strings.TrimSpace(r.FormValue("q"))
			var match []*policy.Scope
			for _, sc := range a.Scopes {
				if q == "" || containsFold(sc.Name, q) {
					match = append(match, sc)
				}
			}
			lo, hi, pg := paginate(len(match), pageParam(r), func(n int) string {
				return link("policy", "app", l.App, "q", q, "page", fmt.Sprint(n))
			})
			pg.Query = q
			d.ScopePager = pg
			for _, sc := range match[lo:hi] {
				d.Scopes = append(d.Scopes, objRow{Name: sc.Name, Description: sc.Description,
					URL: link("policy", "app", l.App, "scope", sc.Name)})
			}
		} else if _, err := a.Container(l.Scope); err != nil {
			return fmt.Errorf("%s: %w", l.policy(), err)
		}
	}
	docs, err := server.ObjectDocs(p, l.policy())
	if err != nil {
		return err
	}
	for _, g := range docs.Groups {
		typ := g.Type
		if typ == "" {
			typ = string(policy.GroupBasic)
		}
		d.Groups = append(d.Groups, objRow{Name: g.Name, Description: g.Description, URL: objURL("groups", g.Name), Detail: typ})
	}
	for _, t := range docs.RoleDefinitions {
		d.RoleDefs = append(d.RoleDefs, objRow{Name: t.Name, Description: t.Description, URL: objURL("role-definitions", t.Name),
			Detail: fmt.Sprintf("%d operations, %d tasks", len(t.Operations), len(t.Tasks))})
	}
	for _, t := range docs.Tasks {
		d.Tasks = append(d.Tasks, objRow{Name: t.Name, Description: t.Description, URL: objURL("tasks", t.Name),
			Detail: fmt.Sprintf("%d operations, %d tasks", len(t.Operations), len(t.Tasks))})
	}
	for _, ra := range docs.RoleAssignments {
		d.Roles = append(d.Roles, objRow{Name: ra.Name, Description: ra.Description, URL: objURL("role-assignments", ra.Name),
			Detail: strings.Join(append(slices.Clone(ra.Members), ra.Groups...), ", ")})
	}
	d.NewLinks = []crumb{{"New application group", objURL("groups", "")}}
	if !l.Store {
		d.NewLinks = append(d.NewLinks, crumb{"New role definition", objURL("role-definitions", "")},
			crumb{"New task", objURL("tasks", "")}, crumb{"New role assignment", objURL("role-assignments", "")})
		if l.Scope == "" {
			d.NewLinks = append(d.NewLinks, crumb{"New operation", link("object", "app", l.App, "kind", "operations")},
				crumb{"New scope", link("object", "app", l.App, "kind", "scopes")})
		} else {
			d.NewLinks = append(d.NewLinks, crumb{"Edit this scope", link("object", "app", l.App, "kind", "scopes", "name", l.Scope)})
		}
	}
	return c.render(w, r, c.view(r, s, l.Label(), "policy", d), "policy")
}

func containsFold(s, sub string) bool {
	return strings.Contains(names.Key(s), names.Key(sub))
}

// objectData is the object form (or, for a reader, the object's view).
type objectData struct {
	Loc       loc
	Kind      string
	KindLabel string
	Old       string // the object's current name; "" for a new one
	Base      policy.Revision
	Task      *api.Task
	Role      *api.RoleAssignment
	Group     *api.Group
	Scope     *api.Scope
	Op        *api.Operation
	Errors    map[string]string
	Error     string
	Conflict  bool
	Reload    string
	Crumbs    []crumb

	// The choices of the link fields.
	OpChoices    []string
	TaskChoices  []string
	RoleChoices  []string
	GroupChoices []string
	GroupTypes   []string
	Back         string
}

func (d *objectData) Name() string {
	switch {
	case d.Task != nil:
		return d.Task.Name
	case d.Role != nil:
		return d.Role.Name
	case d.Group != nil:
		return d.Group.Name
	case d.Scope != nil:
		return d.Scope.Name
	case d.Op != nil:
		return d.Op.Name
	}
	return ""
}

func (c *Console) objectPage(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := c.requireRead(r); err != nil {
		return err
	}
	snap := c.b.Live().Current()
	d, err := c.objectForm(snap.Policy, c.locOf(r), r.FormValue("kind"), r.FormValue("name"))
	if err != nil {
		return err
	}
	d.Base = snap.Revision
	return c.renderObject(w, r, s, http.StatusOK, d)
}

func (c *Console) renderObject(w http.ResponseWriter, r *http.Request, s *session, status int, d *objectData) error {
	title := "New " + d.KindLabel
	if d.Old != "" {
		title = kinds[d.Kind].title + " " + d.Old
	}
	v := c.view(r, s, title, "policy", d)
	v.Live = "notice"
	return c.renderView(w, status, v, "object")
}

// objectForm fills the form of the object kind/name at l from p (a new
// object's when name is empty).
func (c *Console) objectForm(p *policy.Policy, l loc, kind, name string) (*objectData, error) {
	k, ok := kinds[kind]
	if !ok {
		return nil, &userError{fmt.Sprintf("unknown kind of object %q", kind)}
	}
	if l.Store && k.kind != policy.KindGroup {
		return nil, &userError{"only application groups live at store level"}
	}
	d := &objectData{Loc: l, Kind: kind, KindLabel: k.label, Old: name, Errors: map[string]string{},
		Crumbs: c.crumbs(l), Back: link("policy", l.kv()...)}
	if err := c.choices(p, l, d); err != nil {
		return nil, err
	}
	if k.kind == policy.KindOperation {
		if l.Scope != "" {
			return nil, &userError{"operations live at application level"}
		}
		a, err := p.Application(l.App)
		if err != nil {
			return nil, err
		}
		d.Op = &api.Operation{ID: 1} // a new one: the next free ID
		for _, o := range a.Operations {
			d.Op.ID = max(d.Op.ID, o.OperationID+1)
		}
		if name != "" {
			i := slices.IndexFunc(a.Operations, func(o *policy.Operation) bool { return names.Equal(o.Name, name) })
			if i < 0 {
				return nil, fmt.Errorf("application %q: operation %q: %w", l.App, name, policy.ErrNotFound)
			}
			o := a.Operations[i]
			d.Op = &api.Operation{Name: o.Name, ID: o.OperationID, Description: o.Description}
			d.Old = o.Name
		}
		return d, nil
	}
	if k.kind == policy.KindScope {
		d.Scope = &api.Scope{}
		if name != "" {
			a, err := p.Application(l.App)
			if err != nil {
				return nil, err
			}
			sc, err := a.Scope(name)
			if err != nil || sc == nil {
				return nil, fmt.Errorf("application %q: scope %q: %w", l.App, name, policy.ErrNotFound)
			}
			d.Scope = &api.Scope{Name: sc.Name, Description: sc.Description}
			d.Old = sc.Name
		}
		return d, nil
	}
	switch k.kind {
	case policy.KindTask, policy.KindRoleDefinition:
		d.Task = &api.Task{}
	case policy.KindRole:
		d.Role = &api.RoleAssignment{}
	default:
		d.Group = &api.Group{Type: string(policy.GroupBasic)}
	}
	if name == "" {
		return d, nil
	}
	docs, err := server.ObjectDocs(p, l.policy())
	if err != nil {
		return nil, err
	}
	found := false
	switch k.kind {
	case policy.KindTask, policy.KindRoleDefinition:
		list := docs.Tasks
		if k.kind == policy.KindRoleDefinition {
			list = docs.RoleDefinitions
		}
		for i := range list {
			if names.Equal(list[i].Name, name) {
				d.Task, found = &list[i], true
			}
		}
	case policy.KindRole:
		for i := range docs.RoleAssignments {
			if names.Equal(docs.RoleAssignments[i].Name, name) {
				d.Role, found = &docs.RoleAssignments[i], true
			}
		}
	default:
		for i := range docs.Groups {
			if names.Equal(docs.Groups[i].Name, name) {
				d.Group, found = &docs.Groups[i], true
			}
		}
		if found && d.Group.Type == "" {
			d.Group.Type = string(policy.GroupBasic)
		}
	}
	if !found {
		return nil, fmt.Errorf("%s: %s %q: %w", l.policy(), k.label, name, policy.ErrNotFound)
	}
	d.Old = d.Name()
	return d, nil
}

// choices lists what the link fields may name: the application's
// operations, the tasks and role definitions and the groups in reach.
func (c *Console) choices(p *policy.Policy, l loc, d *objectData) error {
	d.GroupTypes = []string{string(policy.GroupBasic), string(policy.GroupLDAPQuery), string(policy.GroupBizRule)}
	for _, g := range p.Groups {
		d.GroupChoices = append(d.GroupChoices, g.Name)
	}
	if l.Store {
		return nil
	}
	a, err := p.Application(l.App)
	if err != nil {
		return err
	}
	for _, o := range a.Operations {
		d.OpChoices = append(d.OpChoices, o.Name)
	}
	add := func(o *policy.Objects) {
		for _, t := range o.Tasks {
			if t.RoleDefinition {
				d.RoleChoices = append(d.RoleChoices, t.Name)
			} else {
				d.TaskChoices = append(d.TaskChoices, t.Name)
			}
		}
		for _, g := range o.Groups {
			d.GroupChoices = append(d.GroupChoices, g.Name)
		}
	}
	add(&a.Objects)
	if l.Scope != "" {
		o, err := a.Container(l.Scope)
		if err != nil {
			return fmt.Errorf("%s: %w", l.policy(), err)
		}
		add(o)
	}
	return nil
}

// userError is a mistake in a console request, shown as a 400.
type userError struct{ msg string }

func (e *userError) Error() string { return e.msg }

// formDoc reads the submitted object into d. An error is a field that
// does not read (a member's term), shown on the form.
func formDoc(r *http.Request, d *objectData) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	desc := r.PostFormValue("description")
	list := func(field string) []string {
		out := []string{}
		for _, v := range r.PostForm[field] {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	lines := func(field string) []string {
		out := []string{}
		for _, v := range strings.Split(r.PostFormValue(field), "\n") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	rule := func() *api.BizRule {
		script := r.PostFormValue("bizRule")
		if strings.TrimSpace(script) == "" {
			return nil
		}
		return &api.BizRule{Script: script, Language: r.PostFormValue("bizRuleLanguage")}
	}
	switch {
	case d.Task != nil:
		d.Task = &api.Task{Name: name, Description: desc, Operations: list("operations"), Tasks: list("tasks"), BizRule: rule()}
	case d.Role != nil:
		members, terms, err := memberTerms(lines("members"), d.Role.Terms, list("groups"))
		if err != nil {
			return err
		}
		d.Role = &api.RoleAssignment{Name: name, Description: desc, RoleDefinitions: list("roleDefinitions"),
			Operations: list("operations"), Members: members, Groups: list("groups"), Terms: terms}
	case d.Group != nil:
		members, terms, err := memberTerms(lines("members"), d.Group.Terms, list("groups"))
		if err != nil {
			return err
		}
		d.Group = &api.Group{Name: name, Description: desc, Type: r.PostFormValue("type"), Members: members,
			NonMembers: lines("nonMembers"), Groups: list("groups"), NonGroups: list("nonGroups"),
			LDAPQuery: strings.TrimSpace(r.PostFormValue("ldapQuery")), BizRule: rule()}
		d.Group.Terms = terms
	case d.Scope != nil:
		d.Scope = &api.Scope{Name: name, Description: desc}
	case d.Op != nil:
		id, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("id")))
		if err != nil {
			id = -1 // refused by the edit, next to the field
		}
		d.Op = &api.Operation{Name: name, ID: id, Description: desc}
	}
	return nil
}

// memberTerms reads the member lines of a form, "alice (until …)", into
// members and their terms, and keeps the terms of the member groups still
// linked (old: the object's terms before the edit; groups have no text to
// carry them).
func memberTerms(lines []string, old []api.MemberTerm, groups []string) ([]string, []api.MemberTerm, error) {
	members := []string{}
	terms := []api.MemberTerm{} // the form says every term: none is none
	for _, l := range lines {
		m, t, err := policydoc.ParseMemberLine(l)
		if err != nil {
			return nil, nil, err
		}
		members = append(members, m)
		if !t.IsZero() {
			terms = append(terms, api.MemberTerm{Member: m, Starts: t.Start, Expires: t.Expires})
		}
	}
	for _, t := range old {
		if t.Group != "" && slices.ContainsFunc(groups, func(g string) bool { return names.Equal(g, t.Group) }) {
			terms = append(terms, t)
		}
	}
	return members, terms, nil
}

// edit returns the submitted object's edit (as the admin API makes it)
// and how the audit log says it.
func (d *objectData) edit(b Backend, del bool) (func(*policy.Policy) error, string, error) {
	k := kinds[d.Kind]
	l := d.Loc.policy()
	if k.kind == policy.KindOperation {
		if del {
			return b.DeleteOperation(d.Loc.App, d.Old), fmt.Sprintf("delete operation %q of application %q (console)", d.Old, d.Loc.App), nil
		}
		if d.Old == "" {
			return b.EditOperation(d.Loc.App, "", *d.Op), fmt.Sprintf("create operation %q (ID %d) in application %q (console)", d.Op.Name, d.Op.ID, d.Loc.App), nil
		}
		return b.EditOperation(d.Loc.App, d.Old, *d.Op), fmt.Sprintf("update operation %q of application %q (console)", d.Old, d.Loc.App), nil
	}
	if del {
		f, err := server.DeleteObject(l, k.kind, d.Old)
		return f, fmt.Sprintf("delete %s %q at %s (console)", k.label, d.Old, l), err
	}
	verb := "create"
	if d.Old != "" {
		verb = "update"
	}
	what := fmt.Sprintf("%s %s %q at %s (console)", verb, k.label, d.Name(), l)
	if d.Scope != nil {
		return server.EditScope(d.Loc.App, d.Old, *d.Scope), what, nil
	}
	var doc any
	switch {
	case d.Task != nil:
		doc = d.Task
	case d.Role != nil:
		doc = d.Role
	default:
		doc = d.Group
	}
	f, err := server.EditObject(l, k.kind, d.Old, doc)
	return f, what, err
}

// objectPost saves, stages or deletes an object. Every write carries the
// revision the form was read at; the server refuses it (Write Policy) for a
// caller who may not write, whatever the page showed.
func (c *Console) objectPost(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := r.ParseForm(); err != nil {
		return &userError{"unreadable form: " + err.Error()}
	}
	base, err := parseRevision(r.PostFormValue("base"))
	if err != nil {
		return err
	}
	action := r.PostFormValue("action")
	snap := c.b.Live().Current()
	d, err := c.objectForm(snap.Policy, c.locOf(r), r.PostFormValue("kind"), r.PostFormValue("old"))
	if err != nil {
		if action == "save" || action == "delete" {
			// The write still goes to the server, which decides.
			if _, werr := c.b.WritePolicy(r, base, "console", func(*policy.Policy) error { return err }); werr != nil {
				return werr
			}
		}
		return err
	}
	d.Base = base
	del := action == "delete" || action == "stage-delete"
	if !del {
		if err := formDoc(r, d); err != nil {
			_, d.Error = server.PublicError(err)
			return c.renderObject(w, r, s, http.StatusBadRequest, d)
		}
	}
	edit, what, err := d.edit(c.b, del)
	if err != nil {
		return err
	}
	switch action {
	case "save", "delete":
		nrev, err := c.b.WritePolicy(r, base, what, edit)
		if err != nil {
			return c.formError(w, r, s, d, err, snap.Policy, del)
		}
		flash := fmt.Sprintf("Saved as revision %d: %s", nrev, strings.TrimSuffix(what, " (console)"))
		target := link("object", d.Loc.kv("kind", d.Kind, "name", d.Name(), "flash", flash)...)
		if del {
			target = link("policy", d.Loc.kv("flash", flash)...)
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return nil
	case "stage", "stage-delete":
		if err := c.b.Delegated(r, server.OpWritePolicy); err != nil {
			return err
		}
		if err := c.stageEdit(s, snap.Revision, snap.Policy, stagedEdit{What: strings.TrimSuffix(what, " (console)"), apply: edit}); err != nil {
			return c.formError(w, r, s, d, err, snap.Policy, del)
		}
		http.Redirect(w, r, link("whatif"), http.StatusSeeOther)
		return nil
	}
	return &userError{fmt.Sprintf("unknown action %q", action)}
}

// formError shows a refused write on the form: a conflict with a way to
// reload, a validation error next to the field it is about.
func (c *Console) formError(w http.ResponseWriter, r *http.Request, s *session, d *objectData, err error, p *policy.Policy, del bool) error {
	var deleg *server.DelegationDeniedError
	if errors.As(err, &deleg) {
		return err
	}
	status, msg := server.PublicError(err)
	var ue *userError
	if errors.As(err, &ue) {
		status, msg = http.StatusBadRequest, ue.msg
	}
	if errors.Is(err, policy.ErrConflict) {
		d.Conflict = true
		cur := c.b.Live().Current()
		d.Error = fmt.Sprintf("Another writer changed the policy since you opened this form (revision %d, now %d). "+
			"Your changes are not saved.", d.Base, cur.Revision)
		d.Reload = link("object", d.Loc.kv("kind", d.Kind, "name", d.Old)...)
		if d.Old == "" {
			d.Reload = link("object", d.Loc.kv("kind", d.Kind)...)
		}
		return c.renderObject(w, r, s, http.StatusConflict, d)
	}
	if !del {
		d.Errors = attribute(c.b, p, d)
	}
	if len(d.Errors) == 0 {
		d.Error = msg
	}
	return c.renderObject(w, r, s, status, d)
}

// attribute finds the fields a refused edit is about by trying it again
// with one field at a time: the name and description alone, then each link
// field alone.
func attribute(b Backend, p *policy.Policy, d *objectData) map[string]string {
	errs := map[string]string{}
	try := func(field string, cut func(*objectData)) {
		e := *d
		cut(&e)
		edit, _, err := e.edit(b, false)
		if err == nil {
			_, err = p.Edit(edit)
		}
		if err != nil {
			_, msg := server.PublicError(err)
			errs[field] = msg
		}
	}
	switch {
	case d.Task != nil:
		t := *d.Task
		bare := api.Task{Name: t.Name, Description: t.Description, Operations: []string{}, Tasks: []string{}}
		try("name", func(e *objectData) { b := bare; e.Task = &b })
		if len(errs) > 0 {
			return errs
		}
		try("operations", func(e *objectData) { b := bare; b.Operations = t.Operations; e.Task = &b })
		try("tasks", func(e *objectData) { b := bare; b.Tasks = t.Tasks; e.Task = &b })
		try("bizRule", func(e *objectData) { b := bare; b.BizRule = t.BizRule; e.Task = &b })
	case d.Role != nil:
		ra := *d.Role
		bare := api.RoleAssignment{Name: ra.Name, Description: ra.Description,
			RoleDefinitions: []string{}, Operations: []string{}, Members: []string{}, Groups: []string{}}
		try("name", func(e *objectData) { b := bare; e.Role = &b })
		if len(errs) > 0 {
			return errs
		}
		try("roleDefinitions", func(e *objectData) { b := bare; b.RoleDefinitions = ra.RoleDefinitions; e.Role = &b })
		try("operations", func(e *objectData) { b := bare; b.Operations = ra.Operations; e.Role = &b })
		try("members", func(e *objectData) { b := bare; b.Members = ra.Members; e.Role = &b })
		try("groups", func(e *objectData) { b := bare; b.Groups = ra.Groups; e.Role = &b })
	case d.Group != nil:
		g := *d.Group
		bare := api.Group{Name: g.Name, Description: g.Description, Type: g.Type,
			Members: []string{}, NonMembers: []string{}, Groups: []string{}, NonGroups: []string{}}
		try("name", func(e *objectData) { b := bare; e.Group = &b })
		if len(errs) > 0 {
			return errs
		}
		try("ldapQuery", func(e *objectData) { b := bare; b.LDAPQuery = g.LDAPQuery; e.Group = &b })
		try("bizRule", func(e *objectData) { b := bare; b.BizRule = g.BizRule; e.Group = &b })
		try("members", func(e *objectData) { b := bare; b.Members = g.Members; e.Group = &b })
		try("nonMembers", func(e *objectData) { b := bare; b.NonMembers = g.NonMembers; e.Group = &b })
		try("groups", func(e *objectData) { b := bare; b.Groups = g.Groups; e.Group = &b })
		try("nonGroups", func(e *objectData) { b := bare; b.NonGroups = g.NonGroups; e.Group = &b })
	case d.Scope != nil:
		try("name", func(*objectData) {})
	case d.Op != nil:
		// The name alone (an update keeping the ID; a creation with an ID
		// no operation has), then the ID.
		o := *d.Op
		free := 1
		if a, err := p.Application(d.Loc.App); err == nil {
			for _, op := range a.Operations {
				free = max(free, op.OperationID+1)
			}
		}
		try("name", func(e *objectData) {
			b := o
			b.ID = 0
			if e.Old == "" {
				b.ID = free
			}
			e.Op = &b
		})
		if len(errs) == 0 {
			try("id", func(*objectData) {})
		}
	}
	return errs
}

func parseRevision(s string) (policy.Revision, error) {
	var n uint64
	if _, err := fmt.Sscan(strings.TrimSpace(s), &n); err != nil {
		return 0, &userError{"the form carries no base revision; reload it"}
	}
	return policy.Revision(n), nil
}
