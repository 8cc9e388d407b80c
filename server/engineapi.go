package server

import (
	"context"
	"net/http"
	"net/url"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/engine"
)

// The engine's HTTP routes, by resource: engine_vm.go, engine_switch.go,
// engine_port.go, engine_ethernet.go, engine_service.go. Each route names
// the gated engine method it calls; what the call needs is taken from the
// engine's gate table (engine.Requirements), never restated here, and a
// test checks that every gated method has exactly one route.

// Tags of the engine routes in the OpenAPI document.
const (
	tagVM  = "engine: virtual machines"
	tagNet = "engine: networking"
	tagSvc = "engine: service"
)

// engineRoutes are the routes of the management engine. Each calls one
// gated engine method with the authenticated caller; the engine decides.
func (s *Server) engineRoutes() []route {
	var rs []route
	rs = append(rs, s.vmRoutes()...)
	rs = append(rs, s.switchRoutes()...)
	rs = append(rs, s.portRoutes()...)
	rs = append(rs, s.ethernetRoutes()...)
	rs = append(rs, s.serviceRoutes()...)
	return rs
}

// engineCall is how a route calls its engine method: the handler, and the
// body and response types and success status the route documents.
type engineCall struct {
	h      handlerFunc
	body   any
	resp   any
	status int
}

// engineRoute is the route named name calling the gated engine method
// method: its HTTP method and path are the method's api.EngineRoute (which
// the Go client calls too), its needs come from the gate table.
func engineRoute(method, name, tag, summary string, call engineCall) route {
	needs, _ := engine.Requirements(method) // a test checks every route's method
	er, _ := api.EngineRouteOf(method)      // and that it has its api.EngineRoute
	return route{name: name, method: er.Verb, path: er.Path, tag: tag, summary: summary, needs: needs,
		body: call.body, resp: call.resp, status: call.status, h: call.h, engineMethod: method}
}

// list wraps items in a listing, [] for none.
func list[T any](items []T) api.Listing[T] {
	if items == nil {
		items = []T{}
	}
	return api.Listing[T]{Items: items}
}

// The shapes of engine methods, as calls.

// listCall: GET a collection; the answer is a Listing.
func listCall[T any](f func(context.Context, directory.ClientContext) ([]T, error)) engineCall {
	return engineCall{resp: api.Listing[T]{}, h: asCaller(func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error {
		out, err := f(r.Context(), c)
		return reply(w, http.StatusOK, list(out), err)
	})}
}

// serviceCall: a call on the service, no path variable.
func serviceCall[T any](f func(context.Context, directory.ClientContext) (T, error)) engineCall {
	var zero T
	return engineCall{resp: zero, h: asCaller(func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error {
		out, err := f(r.Context(), c)
		return reply(w, http.StatusOK, out, err)
	})}
}

// serviceBodyCall: a change to the service with a body.
func serviceBodyCall[B, T any](f func(context.Context, directory.ClientContext, B) (T, error)) engineCall {
	var zb B
	var zt T
	return engineCall{body: zb, resp: zt, h: asCaller(func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error {
		var in B
		if err := decodeBody(r, &in); err != nil {
			return err
		}
		out, err := f(r.Context(), c, in)
		return reply(w, http.StatusOK, out, err)
	})}
}

// nameCall: a call on the object {name}.
func nameCall[T any](f func(context.Context, directory.ClientContext, string) (T, error)) engineCall {
	var zero T
	return engineCall{resp: zero, h: asCaller(func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error {
		out, err := f(r.Context(), c, pathVar(r, "name"))
		return reply(w, http.StatusOK, out, err)
	})}
}

// nameBodyCall: a call on the object {name} with a body.
func nameBodyCall[B, T any](f func(context.Context, directory.ClientContext, string, B) (T, error)) engineCall {
	return nameBodyStatus(http.StatusOK, f)
}

// nameBodyStatus is nameBodyCall answering status on success.
func nameBodyStatus[B, T any](status int, f func(context.Context, directory.ClientContext, string, B) (T, error)) engineCall {
	var zb B
	var zt T
	call := engineCall{body: zb, resp: zt, h: asCaller(func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error {
		var in B
		if err := decodeBody(r, &in); err != nil {
			return err
		}
		out, err := f(r.Context(), c, pathVar(r, "name"), in)
		return reply(w, status, out, err)
	})}
	if status != http.StatusOK {
		call.status = status
	}
	return call
}

// createCall: POST a new object; 201, with its Location when location is
// set.
func createCall[B, T any](f func(context.Context, directory.ClientContext, B) (T, error), location func(T) string) engineCall {
	var zb B
	var zt T
	return engineCall{body: zb, resp: zt, status: http.StatusCreated, h: asCaller(func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error {
		var in B
		if err := decodeBody(r, &in); err != nil {
			return err
		}
		out, err := f(r.Context(), c, in)
		if err == nil && location != nil {
			w.Header().Set("Location", location(out))
		}
		return reply(w, http.StatusCreated, out, err)
	})}
}

// deleteCall: DELETE the object {name}; 204.
func deleteCall(f func(context.Context, directory.ClientContext, string) error) engineCall {
	return engineCall{status: http.StatusNoContent, h: asCaller(func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error {
		return reply(w, http.StatusNoContent, nil, f(r.Context(), c, pathVar(r, "name")))
	})}
}

// under is a Location under prefix.
func under(prefix string) func(name string) string {
	return func(name string) string { return prefix + url.PathEscape(name) }
}

// reply writes v with status, or returns err.
func reply(w http.ResponseWriter, status int, v any, err error) error {
	if err != nil {
		return err
	}
	if status == http.StatusNoContent || v == nil {
		w.WriteHeader(status)
		return nil
	}
	writeJSON(w, status, v)
	return nil
}
