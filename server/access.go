package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// Effective access, access lists and what-if: the decision core's answers
// to "what may this user do" and "what would these edits change", over
// HTTP. See docs/http.md.

// maxWhatIfEdits bounds the edits of one what-if.
const maxWhatIfEdits = 200

// EffectiveAccessResponse is the body of GET /v1/effective-access.
type EffectiveAccessResponse struct {
	authz.Grid
	Revision uint64 `json:"revision"`
}

// AccessListResponse is the body of GET /v1/access-list.
type AccessListResponse struct {
	authz.AccessPage
}

// PolicyEditDoc is one staged edit of a what-if, in the policy admin API's
// terms: the action its route would take on an object of a kind (the
// route's segment) at a location.
type PolicyEditDoc struct {
	// Action is create, update, delete, link or unlink.
	Action string `json:"action"`
	// Kind is scopes, tasks, role-definitions, role-assignments or groups.
	Kind string `json:"kind"`
	// Scope is where the object lives ("" the application level); Level
	// "store" puts an application group at store level.
	Scope string `json:"scope,omitempty"`
	Level string `json:"level,omitempty"`
	// Name is the object updated, deleted, linked or unlinked.
	Name string `json:"name,omitempty"`
	// Object is the kind's document (api.Scope, api.Task, api.RoleAssignment,
	// api.Group) of a create or update.
	Object *EditObjectDoc `json:"object,omitempty"`
	// Link is the link or member a link or unlink adds or removes.
	Link *api.Link `json:"link,omitempty"`
}

// EditObjectDoc is the document of a create or update edit, decoded
// strictly once its kind is known.
type EditObjectDoc struct{ raw json.RawMessage }

// UnmarshalJSON keeps the document for decoding by kind.
func (d *EditObjectDoc) UnmarshalJSON(b []byte) error {
	d.raw = append(json.RawMessage(nil), b...)
	return nil
}

// MarshalJSON writes the document as given.
func (d EditObjectDoc) MarshalJSON() ([]byte, error) {
	if d.raw == nil {
		return []byte("null"), nil
	}
	return d.raw, nil
}

// JSONSchema states the document's OpenAPI schema (it encodes itself).
func (EditObjectDoc) JSONSchema() map[string]any {
	return map[string]any{"type": "object",
		"description": "The document of the edit's kind, as the policy admin API takes it: api.Scope, api.Task, api.RoleAssignment or api.Group."}
}

// WhatIfRequest is the body of POST /v1/whatif and POST /v1/whatif/save.
type WhatIfRequest struct {
	// Application is the application the edits are made in and whose
	// decisions are compared; default: the application the server gates.
	Application string `json:"application,omitempty"`
	// BaseRevision is the revision the edits were staged at. Optional for
	// a what-if (a different revision is a 409); required to save.
	BaseRevision uint64 `json:"baseRevision,omitempty"`
	// Edits are applied in order to a copy of the policy, as one change.
	Edits []PolicyEditDoc `json:"edits"`
	// Parameters are the business-rule parameters decisions are made with.
	Parameters map[string]any `json:"parameters,omitempty"`
	// Limit bounds the changes listed (default 10,000); the counts are
	// always complete.
	Limit int `json:"limit,omitempty"`
	// Users are further users to compare, as checks name them: with their
	// groups as given, or (no groups) resolved by the directory. An LDAP
	// directory's users are not listed by themselves; name here those
	// whose groups combine (a member group and a non-member group of one
	// application group).
	Users []WhatIfUser `json:"users,omitempty"`
}

// WhatIfUser is a user a what-if compares.
type WhatIfUser struct {
	User   string   `json:"user"`
	Groups []string `json:"groups,omitempty"`
}

// maxWhatIfUsers bounds the users a what-if names.
const maxWhatIfUsers = 1000

// WhatIfResponse is the body of POST /v1/whatif.
type WhatIfResponse struct {
	BaseRevision uint64 `json:"baseRevision"`
	authz.WhatIfReport
}

// WhatIfSaveResponse is the body of POST /v1/whatif/save.
type WhatIfSaveResponse struct {
	BaseRevision uint64 `json:"baseRevision"`
	Revision     uint64 `json:"revision"`
}

var subjectParams = []param{
	{name: "user", in: "query", doc: "the user (name or SID); one of user, group, applicationGroup"},
	{name: "group", in: "query", doc: "a directory group: what its members get through it"},
	{name: "applicationGroup", in: "query", doc: "an application group: what membership in it confers"},
	{name: "groupScope", in: "query", doc: "the scope of a scope-level applicationGroup"},
	{name: "memberOf", in: "query", doc: "repeatable; the user's groups, taken as given (else the directory resolves them)"},
	applicationParam,
	{name: "param", in: "query", doc: "repeatable NAME=VALUE business rule parameter"},
}

func (s *Server) accessRoutes() []route {
	const tag = "decisions"
	read := opReadPolicy + " (delegation application)"
	return []route{
		{name: "effectiveAccess", method: http.MethodGet, path: "/v1/effective-access", tag: tag,
			summary: "The grid of operations × scopes a user, directory group or application group may perform " +
				"(rows: the default scope, then every scope; paged by offset and limit)",
			needs: read, query: append(subjectParams[:len(subjectParams):len(subjectParams)],
				param{name: "scope", in: "query", doc: "repeatable; the rows (default: every scope)"},
				param{name: "operation", in: "query", doc: "repeatable; the columns, names or OperationIDs (default: every operation)"},
				param{name: "offset", in: "query"}, param{name: "limit", in: "query", doc: "rows; default 100, at most 1000"}),
			resp: EffectiveAccessResponse{}, h: s.effectiveAccess},
		{name: "accessList", method: http.MethodGet, path: "/v1/access-list", tag: tag,
			summary: "Everything a subject may do: every scope, and every engine object in it the caller may view, with the operations allowed; " +
				"paged, each token bound to the policy revision (410 once the policy changed)",
			needs: read + "; objects: those the caller may view",
			query: append(subjectParams[:len(subjectParams):len(subjectParams)],
				param{name: "operation", in: "query", doc: "one operation (name or OperationID); default: all"},
				param{name: "objects", in: "query", doc: "false: scopes only; default true"},
				param{name: "limit", in: "query", doc: "entries a page; default 100, at most 1000"},
				param{name: "token", in: "query", doc: "the next of the previous page"}),
			resp: AccessListResponse{}, h: s.accessList},
		{name: "whatIf", method: http.MethodPost, path: "/v1/whatif", tag: tag,
			summary: "Which decisions (subject, scope, operation) staged edits would grant or revoke against the policy in force, " +
				"for the directory's users and groups and every principal and application group either policy names",
			needs: read, body: WhatIfRequest{}, resp: WhatIfResponse{}, h: s.whatIf},
		{name: "whatIfSave", method: http.MethodPost, path: "/v1/whatif/save", tag: tag,
			summary: "Save staged edits as one revision, against baseRevision (409 when the policy changed since)",
			needs:   opWritePolicy + " (delegation application); baseRevision or If-Match: the revision the edits were staged at", body: WhatIfRequest{}, resp: WhatIfSaveResponse{}, h: s.whatIfSave},
	}
}

// applicationParam documents the application query parameter of the
// decision routes, which checkerFor resolves.
var applicationParam = param{name: "application", in: "query",
	doc: "the application decided in (names compared case-insensitively); default: the only application besides azgate, else the one the server gates"}

// checkerFor returns the snapshot in force and the Checker of app in it:
// the one resolver of the application a decision request names (a query
// parameter or a body's field; "" is the default, as authz.Snapshot.App
// and the CLI's --app pick it). An unknown application is a 404 listing
// them.
func (s *Server) checkerFor(app string) (*authz.Snapshot, *authz.Checker, error) {
	snap := s.live.Current()
	c, err := snap.App(app)
	if err != nil {
		return nil, nil, err
	}
	return snap, c, nil
}

// operationOf finds an operation of c's application by name or by its
// OperationID.
func operationOf(c *authz.Checker, s string) (operations.Operation, error) {
	op, err := c.Operations().Parse(s)
	if err != nil {
		return operations.Operation{}, invalidf("%v", err)
	}
	return op, nil
}

// subjectOf reads the subject of a request: user (with memberOf given, or
// resolved through the directory), group or applicationGroup.
func (s *Server) subjectOf(r *http.Request) (authz.Subject, error) {
	q := r.URL.Query()
	user, group, appGroup := q.Get("user"), q.Get("group"), q.Get("applicationGroup")
	n := 0
	for _, v := range []string{user, group, appGroup} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return authz.Subject{}, invalidf("give one of the query parameters user, group and applicationGroup")
	}
	switch {
	case appGroup != "":
		return authz.ApplicationGroupSubject(appGroup, q.Get("groupScope")), nil
	case group != "":
		return s.groupSubject(r.Context(), group)
	}
	var groups []string
	if _, ok := q["memberOf"]; ok {
		groups = []string{}
		for _, g := range q["memberOf"] {
			if g != "" {
				groups = append(groups, g)
			}
		}
	}
	c, err := s.clientOf(r, user, nil, groups, "", groups == nil, nil)
	if err != nil {
		return authz.Subject{}, err
	}
	return authz.UserSubject(c), nil
}

// GroupSubject is a directory group as GET /v1/effective-access takes it
// (groupSubject): the web console's group subjects.
func (s *Server) GroupSubject(ctx context.Context, name string) (authz.Subject, error) {
	return s.groupSubject(ctx, name)
}

// groupSubject is a directory group: as the local directory knows it (its
// name, SID and domain-qualified name, and the groups it is in,
// transitively), else by its name alone.
func (s *Server) groupSubject(ctx context.Context, name string) (authz.Subject, error) {
	c := directory.ClientContext{Name: name, IDs: []string{name}}
	if s.local == nil {
		return authz.GroupSubject(c), nil
	}
	gs, err := s.local.Groups(ctx)
	if err != nil {
		return authz.Subject{}, fmt.Errorf("list local groups: %w", err)
	}
	byKey := map[string]int{}
	for i, g := range gs {
		byKey[names.Key(g.Name)] = i
	}
	self, ok := byKey[names.Key(name)]
	if !ok {
		for i, g := range gs {
			if g.SID != "" && names.Equal(g.SID, name) {
				self, ok = i, true
			}
		}
	}
	if !ok {
		return authz.GroupSubject(c), nil
	}
	ids := func(g int) []string {
		out := []string{gs[g].Name}
		if s.cfg.LocalDomain != "" {
			out = append(out, s.cfg.LocalDomain+`\`+gs[g].Name)
		}
		if gs[g].SID != "" {
			out = append(out, gs[g].SID)
		}
		return out
	}
	c = directory.ClientContext{Name: gs[self].Name, IDs: ids(self)}
	// Parents: the groups listing a group (transitively) as a member.
	parents := map[int][]int{}
	for i, g := range gs {
		for _, m := range g.Members {
			if j, ok := byKey[names.Key(m)]; ok {
				parents[j] = append(parents[j], i)
			}
		}
	}
	seen := map[int]bool{self: true}
	queue := append([]int(nil), parents[self]...)
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		if seen[g] {
			continue
		}
		seen[g] = true
		c.Groups = append(c.Groups, ids(g)...)
		queue = append(queue, parents[g]...)
	}
	return authz.GroupSubject(c), nil
}

func paramsOf(r *http.Request) (authz.Params, error) {
	params := authz.Params{}
	for _, kv := range r.URL.Query()["param"] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, invalidf("query parameter \"param\" %q: want NAME=VALUE", kv)
		}
		params[k] = v
	}
	return params, nil
}

func intParam(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, invalidf("query parameter %q: %q is not a count", name, v)
	}
	return n, nil
}

// accessQuery is what a read of a subject's access (effective access,
// access list) starts from: Read Policy, then the checker of ?application,
// the subject and its ?param values.
func (s *Server) accessQuery(r *http.Request) (*authz.Snapshot, *authz.Checker, authz.Subject, authz.Params, error) {
	if err := s.requireDelegated(r, opReadPolicy); err != nil {
		return nil, nil, authz.Subject{}, nil, err
	}
	snap, c, err := s.checkerFor(r.URL.Query().Get("application"))
	if err != nil {
		return nil, nil, authz.Subject{}, nil, err
	}
	subj, err := s.subjectOf(r)
	if err != nil {
		return nil, nil, authz.Subject{}, nil, err
	}
	params, err := paramsOf(r)
	if err != nil {
		return nil, nil, authz.Subject{}, nil, err
	}
	return snap, c, subj, params, nil
}

func (s *Server) effectiveAccess(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	snap, c, subj, params, err := s.accessQuery(r)
	if err != nil {
		return err
	}
	opts := authz.GridOptions{Params: params}
	if opts.Offset, err = intParam(r, "offset"); err != nil {
		return err
	}
	if opts.Limit, err = intParam(r, "limit"); err != nil {
		return err
	}
	switch {
	case opts.Limit == 0:
		opts.Limit = authz.DefaultPageLimit
	case opts.Limit > authz.MaxPageLimit:
		return invalidf("query parameter \"limit\": at most %d rows", authz.MaxPageLimit)
	}
	if sc, ok := q["scope"]; ok {
		opts.Scopes = sc
	}
	for _, o := range q["operation"] {
		op, err := operationOf(c, o)
		if err != nil {
			return err
		}
		opts.Operations = append(opts.Operations, op.ID)
	}
	g, err := c.EffectiveAccess(r.Context(), subj, opts)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, EffectiveAccessResponse{Grid: g, Revision: uint64(snap.Revision)})
	return nil
}

func (s *Server) accessList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	snap, c, subj, params, err := s.accessQuery(r)
	if err != nil {
		return err
	}
	opts := authz.AccessListOptions{Params: params, Revision: snap.Revision, Token: q.Get("token")}
	if opts.Limit, err = intParam(r, "limit"); err != nil {
		return err
	}
	if v := q.Get("operation"); v != "" {
		op, err := operationOf(c, v)
		if err != nil {
			return err
		}
		opts.Operation = op.ID
	}
	objects, err := boolParam(q.Get("objects"), "objects")
	if err != nil {
		return err
	}
	if (objects || q.Get("objects") == "") && s.eng != nil && names.Equal(c.Application(), s.app) {
		caller, ok := clientFrom(r.Context())
		if !ok {
			return errUnauthenticated
		}
		opts.Objects = engineObjects{eng: s.eng, caller: caller}
	}
	pg, err := c.AccessList(r.Context(), subj, opts)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, AccessListResponse{AccessPage: pg})
	return nil
}

// engineObjects lists the engine's virtual machines, switches and ports
// that the caller (not the subject) may view: an access list shows a
// Policy Reader no object the engine would hide from them.
type engineObjects struct {
	eng    *engine.Engine
	caller directory.ClientContext
}

// Operations acting on each kind of engine object.
var (
	vmOperations = []operations.ID{operations.AllowInputToVM, operations.AllowOutputFromVM, operations.ChangeVMAuthzScope,
		operations.DeleteVM, operations.PauseAndRestartVM, operations.ReconfigureVM, operations.StartVM, operations.StopVM,
		operations.ViewVMConfiguration, operations.AllowVMSnapshot}
	switchOperations = []operations.ID{operations.BindExternalEthernetPort, operations.CreateVirtualSwitchPort,
		operations.DeleteVirtualSwitch, operations.ModifySwitchSettings, operations.UnbindExternalEthernetPort, operations.ViewSwitches}
	portOperations = []operations.ID{operations.ChangeVLANConfigOnPort, operations.ConnectVirtualSwitchPort, operations.DeleteVirtualSwitchPort,
		operations.DisconnectVirtualSwitchPort, operations.ModifySwitchPortSettings, operations.ViewLANEndpoints,
		operations.ViewSwitchPorts, operations.ViewVLANSettings}
)

// Kinds of engine objects in access lists.
const (
	ObjectVM     = "virtual machine"
	ObjectSwitch = "virtual switch"
	ObjectPort   = "switch port"
)

// ListObjects lists what the caller may view. A list the caller may not
// make at all (403) contributes nothing; any other error fails the list.
func (e engineObjects) ListObjects(ctx context.Context) ([]authz.Object, error) {
	var out []authz.Object
	denied := func(err error) bool {
		var d *engine.DeniedError
		return errors.As(err, &d)
	}
	vms, err := e.eng.ListVMs(ctx, e.caller)
	if err != nil && !denied(err) {
		return nil, fmt.Errorf("list virtual machines: %w", err)
	}
	for _, v := range vms {
		out = append(out, authz.Object{Kind: ObjectVM, Name: v.Name, Scope: v.Scope, Operations: vmOperations})
	}
	sws, err := e.eng.ListSwitches(ctx, e.caller)
	if err != nil && !denied(err) {
		return nil, fmt.Errorf("list virtual switches: %w", err)
	}
	swScope := map[string]string{}
	for _, sw := range sws {
		swScope[names.Key(sw.Name)] = sw.Scope
		out = append(out, authz.Object{Kind: ObjectSwitch, Name: sw.Name, Scope: sw.Scope, Operations: switchOperations})
	}
	ports, err := e.eng.ListPorts(ctx, e.caller)
	if err != nil && !denied(err) {
		return nil, fmt.Errorf("list switch ports: %w", err)
	}
	for _, p := range ports {
		o := authz.Object{Kind: ObjectPort, Name: p.Name, Scope: p.Scope, Operations: portOperations}
		if sc, ok := swScope[names.Key(p.Switch)]; ok {
			o.AlsoIn = []string{sc} // a port's operations are decided in its switch's scope too
		} else {
			o.AlsoIn = []string{p.Scope}
		}
		out = append(out, o)
	}
	return out, nil
}

// ---- what-if ----

// decodeEdit decodes a create or update edit's document strictly.
func decodeEdit(raw *EditObjectDoc, into any) error {
	if raw == nil || len(raw.raw) == 0 || string(raw.raw) == "null" {
		return invalidf("a create or update edit needs its object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw.raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return invalidf("object: %s", jsonMessage(err))
	}
	return nil
}

// editFunc turns one staged edit into the change the admin API's route
// would make, with the same validation.
func editFunc(app string, e PolicyEditDoc) (func(*policy.Policy) error, string, error) {
	l := policy.Location{App: app, Scope: e.Scope}
	switch e.Level {
	case "":
	case "store":
		if e.Kind != "groups" || e.Scope != "" {
			return nil, "", invalidf("level \"store\" holds only application groups, without a scope")
		}
		l = policy.Location{}
	default:
		return nil, "", invalidf("level %q: want store or nothing", e.Level)
	}
	if e.Kind == "scopes" {
		if e.Scope != "" {
			return nil, "", invalidf("a scope edit takes the scope's name, not \"scope\"")
		}
		var in api.Scope
		switch e.Action {
		case "create", "update":
			if err := decodeEdit(e.Object, &in); err != nil {
				return nil, "", err
			}
			if e.Action == "create" {
				return EditScope(app, "", in), fmt.Sprintf("create scope %q", in.Name), nil
			}
			if e.Name == "" {
				return nil, "", invalidf("an update names the scope it changes (\"name\")")
			}
			if in.Name == "" {
				in.Name = e.Name
			}
			return EditScope(app, e.Name, in), fmt.Sprintf("update scope %q", e.Name), nil
		case "delete":
			f, err := DeleteObject(policy.Location{App: app}, policy.KindScope, e.Name)
			return f, fmt.Sprintf("delete scope %q", e.Name), err
		}
		return nil, "", invalidf("action %q on scopes: want create, update or delete", e.Action)
	}
	var k objectKind
	found := false
	for _, pk := range policyKinds {
		if pk.segment == e.Kind {
			k, found = pk, true
		}
	}
	if !found {
		return nil, "", invalidf("kind %q: want scopes, tasks, role-definitions, role-assignments or groups", e.Kind)
	}
	switch e.Action {
	case "create", "update":
		doc := newDoc(k)
		if err := decodeEdit(e.Object, doc); err != nil {
			return nil, "", err
		}
		old := ""
		if e.Action == "update" {
			if e.Name == "" {
				return nil, "", invalidf("an update names the object it changes (\"name\")")
			}
			old = e.Name
			setName(doc, e.Name)
		}
		f, err := EditObject(l, k.kind, old, doc)
		return f, fmt.Sprintf("%s %s %q at %s", e.Action, k.label, docName(doc), l), err
	case "delete":
		f, err := DeleteObject(l, k.kind, e.Name)
		return f, fmt.Sprintf("delete %s %q at %s", k.label, e.Name, l), err
	case "link", "unlink":
		if e.Link == nil || e.Link.Relation == "" || e.Link.Target == "" || e.Name == "" {
			return nil, "", invalidf("a %s edit needs the object's name and a link with a relation and a target", e.Action)
		}
		in := *e.Link
		edit := (*policy.Policy).Link
		if e.Action == "unlink" {
			edit = (*policy.Policy).Unlink
		}
		name := e.Name
		f := func(p *policy.Policy) error {
			if k.kind == policy.KindTask || k.kind == policy.KindRoleDefinition {
				if _, err := objectDoc(p, l, k, name); err != nil {
					return err
				}
			}
			return edit(p, l, k.kind, name, policy.Relation(in.Relation), in.Target)
		}
		return f, fmt.Sprintf("%s %s %q to %s %q at %s", e.Action, in.Relation, in.Target, k.label, name, l), nil
	}
	return nil, "", invalidf("action %q: want create, update, delete, link or unlink", e.Action)
}

// StagedEdits turns a what-if's edits into one change (applied in order,
// validated as the admin API's routes validate) and its description: the
// server's what-if and save, and the CLI's whatif, share it.
func StagedEdits(app string, edits []PolicyEditDoc) (func(*policy.Policy) error, string, error) {
	if len(edits) == 0 || len(edits) > maxWhatIfEdits {
		return nil, "", invalidf("a what-if has 1 to %d edits, this one %d", maxWhatIfEdits, len(edits))
	}
	fs := make([]func(*policy.Policy) error, len(edits))
	whats := make([]string, len(edits))
	for i, e := range edits {
		f, what, err := editFunc(app, e)
		if err != nil {
			var ae *apiError
			if errors.As(err, &ae) {
				return nil, "", errorf(ae.status, ae.code, "edits[%d]: %s", i, ae.message)
			}
			return nil, "", fmt.Errorf("edits[%d]: %w", i, err)
		}
		fs[i], whats[i] = f, what
	}
	return func(p *policy.Policy) error {
		for i, f := range fs {
			if err := f(p); err != nil {
				return fmt.Errorf("edits[%d] (%s): %w", i, whats[i], err)
			}
		}
		return nil
	}, strings.Join(whats, "; "), nil
}

// WhatIfSubjects are the subjects a what-if compares: the local
// directory's users (resolved: identifiers and transitive groups) and
// groups, then every principal string and application group the checkers'
// policies name. An LDAP directory's users are not listed (it names users,
// it does not enumerate them): their changes show through the principals
// and groups the policy names, which is how an LDAP user gets any access.
func (s *Server) WhatIfSubjects(ctx context.Context, checkers ...*authz.Checker) ([]authz.Subject, error) {
	var out []authz.Subject
	if s.local != nil {
		us, err := s.local.Users(ctx)
		if err != nil {
			return nil, fmt.Errorf("list local users: %w", err)
		}
		for _, u := range us {
			c, err := s.local.Resolve(ctx, u.Name)
			if err != nil {
				continue // removed meanwhile
			}
			out = append(out, authz.UserSubject(c))
		}
		gs, err := s.local.Groups(ctx)
		if err != nil {
			return nil, fmt.Errorf("list local groups: %w", err)
		}
		for _, g := range gs {
			sub, err := s.groupSubject(ctx, g.Name)
			if err != nil {
				return nil, err
			}
			out = append(out, sub)
		}
	}
	for _, c := range checkers {
		out = append(out, c.PolicySubjects()...)
	}
	return out, nil
}

// WhatIf is the what-if of POST /v1/whatif and of the web console: it
// compiles next (the policy with the staged edits) as base's application
// and compares its decisions with base's (a Checker of the policy in
// force) for opts.Subjects and the WhatIfSubjects of both, with
// authz.WhatIf.
func (s *Server) WhatIf(ctx context.Context, base *authz.Checker, next *policy.Policy, opts authz.WhatIfOptions) (authz.WhatIfReport, error) {
	nc, err := base.Recompile(next)
	if err != nil {
		return authz.WhatIfReport{}, err
	}
	more, err := s.WhatIfSubjects(ctx, base, nc)
	if err != nil {
		return authz.WhatIfReport{}, err
	}
	opts.Subjects = append(opts.Subjects[:len(opts.Subjects):len(opts.Subjects)], more...)
	return authz.WhatIf(ctx, base, nc, opts)
}

func (s *Server) whatIf(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireDelegated(r, opReadPolicy); err != nil {
		return err
	}
	var in WhatIfRequest
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	snap, base, err := s.checkerFor(in.Application)
	if err != nil {
		return err
	}
	if in.BaseRevision != 0 && in.BaseRevision != uint64(snap.Revision) {
		return errorf(http.StatusConflict, api.CodeConflict,
			"the policy changed since the edits were staged (base revision %d, now %d): review them against the current revision", in.BaseRevision, snap.Revision)
	}
	edit, _, err := StagedEdits(base.Application(), in.Edits)
	if err != nil {
		return err
	}
	q, err := snap.Policy.Edit(edit)
	if err != nil {
		return err
	}
	if len(in.Users) > maxWhatIfUsers {
		return invalidf("a what-if names at most %d users, this one %d", maxWhatIfUsers, len(in.Users))
	}
	var subjects []authz.Subject
	for i, u := range in.Users {
		if u.User == "" {
			return invalidf("users[%d]: \"user\" is required", i)
		}
		c, err := s.clientOf(r, u.User, nil, u.Groups, "", u.Groups == nil, nil)
		if err != nil {
			return fmt.Errorf("users[%d]: %w", i, err)
		}
		subjects = append(subjects, authz.UserSubject(c))
	}
	rep, err := s.WhatIf(r.Context(), base, q, authz.WhatIfOptions{Subjects: subjects, Params: in.Parameters, Limit: in.Limit})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, WhatIfResponse{BaseRevision: uint64(snap.Revision), WhatIfReport: rep})
	return nil
}

func (s *Server) whatIfSave(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireDelegated(r, opWritePolicy); err != nil {
		return err
	}
	var in WhatIfRequest
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	if h := r.Header.Get("If-Match"); h != "" {
		rev, err := ifMatch(r)
		if err != nil {
			return err
		}
		if in.BaseRevision != 0 && in.BaseRevision != uint64(rev) {
			return invalidf("If-Match %d and baseRevision %d differ: give one", rev, in.BaseRevision)
		}
		in.BaseRevision = uint64(rev)
	}
	if in.BaseRevision == 0 {
		return invalidf("\"baseRevision\" (or If-Match) is required: the revision the edits were staged (and what-if'd) at")
	}
	app := in.Application
	if app == "" {
		app = s.app
	}
	edit, what, err := StagedEdits(app, in.Edits)
	if err != nil {
		return err
	}
	_, nrev, err := s.savePolicy(r.Context(), policy.Revision(in.BaseRevision), "what-if: "+what, edit)
	if errors.Is(err, policy.ErrConflict) {
		return &apiError{status: http.StatusConflict, code: api.CodeConflict, err: err,
			message: fmt.Sprintf("the policy changed since revision %d, the base of these edits; nothing was saved: what-if them again against the current revision", in.BaseRevision)}
	}
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(nrev))
	writeJSON(w, http.StatusOK, WhatIfSaveResponse{BaseRevision: in.BaseRevision, Revision: uint64(nrev)})
	return nil
}
