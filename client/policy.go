package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/azgate/azgate/api"
)

// Location is where policy objects live: an application's level (the
// default scope) or one of its scopes, or — for application groups — the
// store level.
type Location struct {
	// App is the application; "" is the application the server gates.
	App string
	// Scope is a scope of App; "" is the application level.
	Scope string
	// StoreLevel is the store level (application groups only; App and
	// Scope are then ignored).
	StoreLevel bool
}

func (l Location) query() string {
	v := url.Values{}
	if l.StoreLevel {
		v.Set("level", "store")
		return "?" + v.Encode()
	}
	if l.App != "" {
		v.Set("app", l.App)
	}
	if l.Scope != "" {
		v.Set("scope", l.Scope)
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// Policy reads the whole store, by names, and its revision.
func (c *Client) Policy(ctx context.Context) (api.Policy, Revision, error) {
	var p api.Policy
	rev, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/policy", out: &p})
	return p, rev, err
}

// Objects is one kind of policy object of the admin API: tasks, role
// definitions, role assignments or application groups. Every write takes
// the revision of the store it was made against (the Revision of a read,
// or of the last write) and returns the store's new revision; when another
// writer saved first it fails with a *ConflictError.
type Objects[T any] struct {
	c       *Client
	segment string // the URL segment: tasks, role-definitions, ...
}

// Tasks are the tasks (sets of operations and tasks).
func (c *Client) Tasks() Objects[api.Task] { return Objects[api.Task]{c, "tasks"} }

// RoleDefinitions are the role definitions.
func (c *Client) RoleDefinitions() Objects[api.Task] { return Objects[api.Task]{c, "role-definitions"} }

// RoleAssignments are the role assignments.
func (c *Client) RoleAssignments() Objects[api.RoleAssignment] {
	return Objects[api.RoleAssignment]{c, "role-assignments"}
}

// Groups are the application groups.
func (c *Client) Groups() Objects[api.Group] { return Objects[api.Group]{c, "groups"} }

func (o Objects[T]) path(name string) string {
	p := "/v1/policy/" + o.segment
	if name != "" {
		p += "/" + seg(name)
	}
	return p
}

// List lists the objects at l.
func (o Objects[T]) List(ctx context.Context, l Location) ([]T, Revision, error) {
	var out api.Listing[T]
	rev, err := o.c.do(ctx, request{method: http.MethodGet, path: o.path("") + l.query(), out: &out})
	return out.Items, rev, err
}

// Get reads the named object at l.
func (o Objects[T]) Get(ctx context.Context, l Location, name string) (T, Revision, error) {
	var out T
	rev, err := o.c.do(ctx, request{method: http.MethodGet, path: o.path(name) + l.query(), out: &out})
	return out, rev, err
}

// Create creates doc at l with every link it names.
func (o Objects[T]) Create(ctx context.Context, l Location, rev Revision, doc T) (T, Revision, error) {
	var out T
	nrev, err := o.c.do(ctx, request{method: http.MethodPost, path: o.path("") + l.query(), body: doc, ifMatch: &rev, out: &out})
	return out, nrev, err
}

// Update replaces the named object at l by doc — name, description, rule
// and every link; links to it are kept.
func (o Objects[T]) Update(ctx context.Context, l Location, rev Revision, name string, doc T) (T, Revision, error) {
	var out T
	nrev, err := o.c.do(ctx, request{method: http.MethodPut, path: o.path(name) + l.query(), body: doc, ifMatch: &rev, out: &out})
	return out, nrev, err
}

// Delete deletes the named object at l and every link to it.
func (o Objects[T]) Delete(ctx context.Context, l Location, rev Revision, name string) (Revision, error) {
	return o.c.do(ctx, request{method: http.MethodDelete, path: o.path(name) + l.query(), ifMatch: &rev})
}

// Link adds a link or member to the named object at l.
func (o Objects[T]) Link(ctx context.Context, l Location, rev Revision, name string, link api.Link) (T, Revision, error) {
	var out T
	nrev, err := o.c.do(ctx, request{method: http.MethodPost, path: o.path(name) + "/links" + l.query(), body: link, ifMatch: &rev, out: &out})
	return out, nrev, err
}

// Unlink removes a link or member from the named object at l.
func (o Objects[T]) Unlink(ctx context.Context, l Location, rev Revision, name string, link api.Link) (T, Revision, error) {
	var out T
	q := l.query()
	if q == "" {
		q = "?"
	} else {
		q += "&"
	}
	q += url.Values{"relation": {link.Relation}, "target": {link.Target}}.Encode()
	nrev, err := o.c.do(ctx, request{method: http.MethodDelete, path: o.path(name) + "/links" + q, ifMatch: &rev, out: &out})
	return out, nrev, err
}

// Scopes are the scopes of one application ("" is the application the
// server gates).
func (c *Client) Scopes(app string) ScopeObjects { return ScopeObjects{c: c, app: app} }

// ScopeObjects creates, reads, renames and deletes the scopes of an
// application; writes take and return revisions as Objects' do.
type ScopeObjects struct {
	c   *Client
	app string
}

func (s ScopeObjects) path(name string) string {
	p := "/v1/policy/scopes"
	if name != "" {
		p += "/" + seg(name)
	}
	return p + Location{App: s.app}.query()
}

// List lists the scopes.
func (s ScopeObjects) List(ctx context.Context) ([]api.Scope, Revision, error) {
	var out api.Listing[api.Scope]
	rev, err := s.c.do(ctx, request{method: http.MethodGet, path: s.path(""), out: &out})
	return out.Items, rev, err
}

// Get reads a scope.
func (s ScopeObjects) Get(ctx context.Context, name string) (api.Scope, Revision, error) {
	var out api.Scope
	rev, err := s.c.do(ctx, request{method: http.MethodGet, path: s.path(name), out: &out})
	return out, rev, err
}

// Create creates a scope.
func (s ScopeObjects) Create(ctx context.Context, rev Revision, doc api.Scope) (api.Scope, Revision, error) {
	var out api.Scope
	nrev, err := s.c.do(ctx, request{method: http.MethodPost, path: s.path(""), body: doc, ifMatch: &rev, out: &out})
	return out, nrev, err
}

// Update renames or describes the named scope.
func (s ScopeObjects) Update(ctx context.Context, rev Revision, name string, doc api.Scope) (api.Scope, Revision, error) {
	var out api.Scope
	nrev, err := s.c.do(ctx, request{method: http.MethodPut, path: s.path(name), body: doc, ifMatch: &rev, out: &out})
	return out, nrev, err
}

// Delete deletes the named scope and everything in it.
func (s ScopeObjects) Delete(ctx context.Context, rev Revision, name string) (Revision, error) {
	return s.c.do(ctx, request{method: http.MethodDelete, path: s.path(name), ifMatch: &rev})
}
