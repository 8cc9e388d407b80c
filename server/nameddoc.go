package server

import (
	"net/http"

	"github.com/azgate/azgate/policy"
)

// namedDoc is one kind of named policy object that the admin API serves as
// a document D with edits of its own (applications, operations, scopes):
// what differs between kinds. Its handlers are the one shape every such
// route has: a read checks Read Policy and answers the document; a write
// decodes the body, goes through policyWrite (Write Policy, If-Match,
// audit, reload) and answers the object as read back from the saved
// policy.
type namedDoc[D any] struct {
	nameVar string             // the path variable naming the object
	name    func(d *D) *string // the document's name field
	// list returns the documents of the request's container; read, the
	// one called name there.
	list func(p *policy.Policy, r *http.Request) ([]D, error)
	read func(p *policy.Policy, r *http.Request, name string) (D, error)
	// create, update and remove return what the audit says and the edit.
	create func(r *http.Request, in D) (string, func(*policy.Policy) error)
	update func(r *http.Request, name string, in D) (string, func(*policy.Policy) error)
	remove func(r *http.Request, name string) (string, func(*policy.Policy) error)
	// location is the Location of a created object: in as sent, out as
	// read back.
	location func(p *policy.Policy, r *http.Request, in, out D) string
}

func (k namedDoc[D]) listHandler(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, _, err := s.loadForRead(w, r)
		if err != nil {
			return err
		}
		out, err := k.list(p, r)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, list(out))
		return nil
	}
}

func (k namedDoc[D]) getHandler(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, _, err := s.loadForRead(w, r)
		if err != nil {
			return err
		}
		out, err := k.read(p, r, pathVar(r, k.nameVar))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

func (k namedDoc[D]) createHandler(s *Server) handlerFunc { return k.writeHandler(s, false) }

// updateHandler renames and describes the object; a body without a name
// keeps the object's.
func (k namedDoc[D]) updateHandler(s *Server) handlerFunc { return k.writeHandler(s, true) }

func (k namedDoc[D]) writeHandler(s *Server, update bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in D
		if err := decodeBody(r, &in); err != nil {
			return err
		}
		var what string
		var edit func(*policy.Policy) error
		if update {
			name := pathVar(r, k.nameVar)
			if n := k.name(&in); *n == "" {
				*n = name
			}
			what, edit = k.update(r, name, in)
		} else {
			what, edit = k.create(r, in)
		}
		p, err := s.policyWrite(w, r, what, edit)
		if err != nil {
			return err
		}
		out, err := k.read(p, r, *k.name(&in))
		if err != nil {
			return err
		}
		if update {
			writeJSON(w, http.StatusOK, out)
			return nil
		}
		w.Header().Set("Location", k.location(p, r, in, out))
		writeJSON(w, http.StatusCreated, out)
		return nil
	}
}

func (k namedDoc[D]) deleteHandler(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		what, edit := k.remove(r, pathVar(r, k.nameVar))
		if _, err := s.policyWrite(w, r, what, edit); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
