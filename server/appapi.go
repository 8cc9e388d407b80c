package server

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/policy/policydoc"

	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// The applications of the store and their operations, under
// /v1/policy/applications: created, renamed and deleted like every other
// object, each change audited and saved as a new revision.

// appRoutes are the routes of applications and their operations.
func (s *Server) appRoutes() []route {
	const tag = "policy"
	read := opReadPolicy + " (delegation application)"
	write := opWritePolicy + " (delegation application); If-Match: the store revision"
	const apps, app = "/v1/policy/applications", "/v1/policy/applications/{app}"
	ad, od := s.appDocs(), s.opDocs()
	return []route{
		{name: "listApplications", method: http.MethodGet, path: apps, tag: tag, summary: "List the store's applications",
			needs: read, resp: api.Listing[api.AppInfo]{}, h: ad.listHandler(s)},
		{name: "createApplication", method: http.MethodPost, path: apps, tag: tag, summary: "Create an empty application",
			needs: write, body: api.AppInfo{}, resp: api.AppInfo{}, status: http.StatusCreated, h: ad.createHandler(s)},
		{name: "getApplication", method: http.MethodGet, path: app, tag: tag, summary: "Read an application",
			needs: read, resp: api.AppInfo{}, h: ad.getHandler(s)},
		{name: "updateApplication", method: http.MethodPut, path: app, tag: tag,
			summary: "Rename or describe an application (not the one the server gates, nor azgate)",
			needs:   write, body: api.AppInfo{}, resp: api.AppInfo{}, h: ad.updateHandler(s)},
		{name: "deleteApplication", method: http.MethodDelete, path: app, tag: tag,
			summary: "Delete an application with everything in it (not the one the server gates, nor azgate)",
			needs:   write, status: http.StatusNoContent, h: ad.deleteHandler(s)},
		{name: "listOperations", method: http.MethodGet, path: app + "/operations", tag: tag, summary: "List an application's operations",
			needs: read, resp: api.Listing[api.Operation]{}, h: od.listHandler(s)},
		{name: "createOperation", method: http.MethodPost, path: app + "/operations", tag: tag,
			summary: "Create an operation (name and ID unique in the application)",
			needs:   write, body: api.Operation{}, resp: api.Operation{}, status: http.StatusCreated, h: od.createHandler(s)},
		{name: "getOperation", method: http.MethodGet, path: app + "/operations/{name}", tag: tag, summary: "Read an operation",
			needs: read, resp: api.Operation{}, h: od.getHandler(s)},
		{name: "updateOperation", method: http.MethodPut, path: app + "/operations/{name}", tag: tag,
			summary: "Rename an operation or change its ID or description; links to it stay",
			needs:   write, body: api.Operation{}, resp: api.Operation{}, h: od.updateHandler(s)},
		{name: "deleteOperation", method: http.MethodDelete, path: app + "/operations/{name}", tag: tag,
			summary: "Delete an operation no task or role assignment holds (409 naming them otherwise)",
			needs:   write, status: http.StatusNoContent, h: od.deleteHandler(s)},
	}
}

// appDocs are the applications of the store.
func (s *Server) appDocs() namedDoc[api.AppInfo] {
	return namedDoc[api.AppInfo]{
		nameVar: "app",
		name:    func(d *api.AppInfo) *string { return &d.Name },
		list: func(p *policy.Policy, _ *http.Request) ([]api.AppInfo, error) {
			out := []api.AppInfo{}
			for _, a := range p.Applications {
				out = append(out, policydoc.AppInfo(a))
			}
			return out, nil
		},
		read: func(p *policy.Policy, _ *http.Request, name string) (api.AppInfo, error) {
			a, err := p.Application(name)
			if err != nil {
				return api.AppInfo{}, err
			}
			return policydoc.AppInfo(a), nil
		},
		create: func(_ *http.Request, in api.AppInfo) (string, func(*policy.Policy) error) {
			return fmt.Sprintf("create application %q", in.Name), func(p *policy.Policy) error {
				return p.CreateApplication(&policy.Application{Name: in.Name, Description: in.Description, Version: in.Version})
			}
		},
		update: func(_ *http.Request, name string, in api.AppInfo) (string, func(*policy.Policy) error) {
			return fmt.Sprintf("update application %q", name), s.editApp(name, in)
		},
		remove: func(_ *http.Request, name string) (string, func(*policy.Policy) error) {
			return fmt.Sprintf("delete application %q", name), s.deleteApp(name)
		},
		location: func(_ *policy.Policy, _ *http.Request, _, out api.AppInfo) string {
			return "/v1/policy/applications/" + url.PathEscape(out.Name)
		},
	}
}

// refuseGated refuses to rename or delete the application the server gates
// its engine by: the engine could no longer be decided.
func (s *Server) refuseGated(verb string, a *policy.Application) error {
	if names.Equal(a.Name, s.app) {
		return errorf(http.StatusConflict, api.CodeInvalidState,
			"cannot %s application %q: this server gates its engine by it (serve --application)", verb, a.Name)
	}
	return nil
}

// editApp renames and describes application name.
func (s *Server) editApp(name string, in api.AppInfo) func(*policy.Policy) error {
	return func(p *policy.Policy) error {
		a, err := p.Application(name)
		if err != nil {
			return err
		}
		if a.Name != in.Name {
			if err := s.refuseGated("rename", a); err != nil {
				return err
			}
			if err := p.RenameApplication(a.Name, in.Name); err != nil {
				return err
			}
		}
		a.Description, a.Version = in.Description, in.Version
		return nil
	}
}

// deleteApp deletes application name with everything in it.
func (s *Server) deleteApp(name string) func(*policy.Policy) error {
	return func(p *policy.Policy) error {
		a, err := p.Application(name)
		if err != nil {
			return err
		}
		if err := s.refuseGated("delete", a); err != nil {
			return err
		}
		return p.Delete(policy.Location{}, policy.KindApplication, a.Name)
	}
}

// refuseEngineOp refuses to rename or delete an operation the engine needs
// in the application the server gates it by.
func (s *Server) refuseEngineOp(verb string, a *policy.Application, o *policy.Operation) error {
	if _, ok := operations.HyperV().ByName(o.Name); ok && names.Equal(a.Name, s.app) {
		return errorf(http.StatusConflict, api.CodeInvalidState,
			"cannot %s operation %q of application %q: this server's engine needs it", verb, o.Name, a.Name)
	}
	return nil
}

// operation finds the named operation of the application of the request.
func operation(p *policy.Policy, app, name string) (*policy.Application, *policy.Operation, error) {
	a, err := p.Application(app)
	if err != nil {
		return nil, nil, err
	}
	o, err := a.Operation(name)
	if err != nil {
		return nil, nil, fmt.Errorf("application %q: %w", a.Name, err)
	}
	return a, o, nil
}

// opDocs are the operations of the application {app}.
func (s *Server) opDocs() namedDoc[api.Operation] {
	return namedDoc[api.Operation]{
		nameVar: "name",
		name:    func(d *api.Operation) *string { return &d.Name },
		list: func(p *policy.Policy, r *http.Request) ([]api.Operation, error) {
			a, err := p.Application(pathVar(r, "app"))
			if err != nil {
				return nil, err
			}
			out := []api.Operation{}
			for _, o := range a.Operations {
				out = append(out, policydoc.Operation(o))
			}
			return out, nil
		},
		read: func(p *policy.Policy, r *http.Request, name string) (api.Operation, error) {
			_, o, err := operation(p, pathVar(r, "app"), name)
			if err != nil {
				return api.Operation{}, err
			}
			return policydoc.Operation(o), nil
		},
		create: func(r *http.Request, in api.Operation) (string, func(*policy.Policy) error) {
			app := pathVar(r, "app")
			return fmt.Sprintf("create operation %q (ID %d) in application %q", in.Name, in.ID, app), s.EditOperation(app, "", in)
		},
		update: func(r *http.Request, name string, in api.Operation) (string, func(*policy.Policy) error) {
			app := pathVar(r, "app")
			return fmt.Sprintf("update operation %q of application %q", name, app), s.EditOperation(app, name, in)
		},
		remove: func(r *http.Request, name string) (string, func(*policy.Policy) error) {
			app := pathVar(r, "app")
			return fmt.Sprintf("delete operation %q of application %q", name, app), s.DeleteOperation(app, name)
		},
		location: func(p *policy.Policy, r *http.Request, _, out api.Operation) string {
			app := pathVar(r, "app")
			if a, err := p.Application(app); err == nil {
				app = a.Name
			}
			return "/v1/policy/applications/" + url.PathEscape(app) + "/operations/" + url.PathEscape(out.Name)
		},
	}
}

// EditOperation returns the edit the admin API makes to create an
// operation of app (old == "") or to rename, renumber and describe the
// operation named old; the engine's operations are not renamed.
func (s *Server) EditOperation(app, old string, in api.Operation) func(*policy.Policy) error {
	if old == "" {
		return func(p *policy.Policy) error {
			return p.CreateOperation(app, &policy.Operation{Name: in.Name, OperationID: in.ID, Description: in.Description})
		}
	}
	return func(p *policy.Policy) error {
		a, o, err := operation(p, app, old)
		if err != nil {
			return err
		}
		if o.Name != in.Name {
			if err := s.refuseEngineOp("rename", a, o); err != nil {
				return err
			}
			if err := p.RenameOperation(a.Name, o.Name, in.Name); err != nil {
				return err
			}
		}
		if in.ID != 0 && in.ID != o.OperationID {
			if err := p.SetOperationID(a.Name, in.Name, in.ID); err != nil {
				return err
			}
		}
		o.Description = in.Description
		return nil
	}
}

// DeleteOperation returns the edit the admin API makes to delete an
// operation of app (refused for the engine's, and for one still held).
func (s *Server) DeleteOperation(app, name string) func(*policy.Policy) error {
	return func(p *policy.Policy) error {
		a, o, err := operation(p, app, name)
		if err != nil {
			return err
		}
		if err := s.refuseEngineOp("delete", a, o); err != nil {
			return err
		}
		return p.Delete(policy.Location{App: a.Name}, policy.KindOperation, o.Name)
	}
}
