package server

import (
	"fmt"
	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/policy/policydoc"
	"net/http"
	"net/url"

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
	return []route{
		{name: "listApplications", method: http.MethodGet, path: apps, tag: tag, summary: "List the store's applications",
			needs: read, resp: api.Listing[api.AppInfo]{}, h: s.listApps},
		{name: "createApplication", method: http.MethodPost, path: apps, tag: tag, summary: "Create an empty application",
			needs: write, body: api.AppInfo{}, resp: api.AppInfo{}, status: http.StatusCreated, h: s.createApp},
		{name: "getApplication", method: http.MethodGet, path: app, tag: tag, summary: "Read an application",
			needs: read, resp: api.AppInfo{}, h: s.getApp},
		{name: "updateApplication", method: http.MethodPut, path: app, tag: tag,
			summary: "Rename or describe an application (not the one the server gates, nor azgate)",
			needs:   write, body: api.AppInfo{}, resp: api.AppInfo{}, h: s.updateApp},
		{name: "deleteApplication", method: http.MethodDelete, path: app, tag: tag,
			summary: "Delete an application with everything in it (not the one the server gates, nor azgate)",
			needs:   write, status: http.StatusNoContent, h: s.deleteApp},
		{name: "listOperations", method: http.MethodGet, path: app + "/operations", tag: tag, summary: "List an application's operations",
			needs: read, resp: api.Listing[api.Operation]{}, h: s.listOps},
		{name: "createOperation", method: http.MethodPost, path: app + "/operations", tag: tag,
			summary: "Create an operation (name and ID unique in the application)",
			needs:   write, body: api.Operation{}, resp: api.Operation{}, status: http.StatusCreated, h: s.createOp},
		{name: "getOperation", method: http.MethodGet, path: app + "/operations/{name}", tag: tag, summary: "Read an operation",
			needs: read, resp: api.Operation{}, h: s.getOp},
		{name: "updateOperation", method: http.MethodPut, path: app + "/operations/{name}", tag: tag,
			summary: "Rename an operation or change its ID or description; links to it stay",
			needs:   write, body: api.Operation{}, resp: api.Operation{}, h: s.updateOp},
		{name: "deleteOperation", method: http.MethodDelete, path: app + "/operations/{name}", tag: tag,
			summary: "Delete an operation no task or role assignment holds (409 naming them otherwise)",
			needs:   write, status: http.StatusNoContent, h: s.deleteOp},
	}
}

func (s *Server) listApps(w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.loadForRead(w, r)
	if err != nil {
		return err
	}
	out := []api.AppInfo{}
	for _, a := range p.Applications {
		out = append(out, policydoc.AppInfo(a))
	}
	writeJSON(w, http.StatusOK, list(out))
	return nil
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.loadForRead(w, r)
	if err != nil {
		return err
	}
	a, err := p.Application(pathVar(r, "app"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, policydoc.AppInfo(a))
	return nil
}

func (s *Server) createApp(w http.ResponseWriter, r *http.Request) error {
	var in api.AppInfo
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	p, err := s.policyWrite(w, r, fmt.Sprintf("create application %q", in.Name), func(p *policy.Policy) error {
		return p.CreateApplication(&policy.Application{Name: in.Name, Description: in.Description, Version: in.Version})
	})
	if err != nil {
		return err
	}
	a, err := p.Application(in.Name)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/policy/applications/"+url.PathEscape(a.Name))
	writeJSON(w, http.StatusCreated, policydoc.AppInfo(a))
	return nil
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

func (s *Server) updateApp(w http.ResponseWriter, r *http.Request) error {
	var in api.AppInfo
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	name := pathVar(r, "app")
	if in.Name == "" {
		in.Name = name
	}
	p, err := s.policyWrite(w, r, fmt.Sprintf("update application %q", name), func(p *policy.Policy) error {
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
	})
	if err != nil {
		return err
	}
	a, err := p.Application(in.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, policydoc.AppInfo(a))
	return nil
}

func (s *Server) deleteApp(w http.ResponseWriter, r *http.Request) error {
	name := pathVar(r, "app")
	_, err := s.policyWrite(w, r, fmt.Sprintf("delete application %q", name), func(p *policy.Policy) error {
		a, err := p.Application(name)
		if err != nil {
			return err
		}
		if err := s.refuseGated("delete", a); err != nil {
			return err
		}
		return p.Delete(policy.Location{}, policy.KindApplication, a.Name)
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
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

func (s *Server) listOps(w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.loadForRead(w, r)
	if err != nil {
		return err
	}
	a, err := p.Application(pathVar(r, "app"))
	if err != nil {
		return err
	}
	out := []api.Operation{}
	for _, o := range a.Operations {
		out = append(out, policydoc.Operation(o))
	}
	writeJSON(w, http.StatusOK, list(out))
	return nil
}

func (s *Server) getOp(w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.loadForRead(w, r)
	if err != nil {
		return err
	}
	_, o, err := operation(p, pathVar(r, "app"), pathVar(r, "name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, policydoc.Operation(o))
	return nil
}

func (s *Server) createOp(w http.ResponseWriter, r *http.Request) error {
	var in api.Operation
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	app := pathVar(r, "app")
	p, err := s.policyWrite(w, r, fmt.Sprintf("create operation %q (ID %d) in application %q", in.Name, in.ID, app), s.EditOperation(app, "", in))
	if err != nil {
		return err
	}
	a, o, err := operation(p, app, in.Name)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/policy/applications/"+url.PathEscape(a.Name)+"/operations/"+url.PathEscape(o.Name))
	writeJSON(w, http.StatusCreated, policydoc.Operation(o))
	return nil
}

func (s *Server) updateOp(w http.ResponseWriter, r *http.Request) error {
	var in api.Operation
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	app, name := pathVar(r, "app"), pathVar(r, "name")
	if in.Name == "" {
		in.Name = name
	}
	p, err := s.policyWrite(w, r, fmt.Sprintf("update operation %q of application %q", name, app), s.EditOperation(app, name, in))
	if err != nil {
		return err
	}
	_, o, err := operation(p, app, in.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, policydoc.Operation(o))
	return nil
}

func (s *Server) deleteOp(w http.ResponseWriter, r *http.Request) error {
	app, name := pathVar(r, "app"), pathVar(r, "name")
	_, err := s.policyWrite(w, r, fmt.Sprintf("delete operation %q of application %q", name, app), s.DeleteOperation(app, name))
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
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
