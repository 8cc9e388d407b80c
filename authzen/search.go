package authzen

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/operations"
)

// searchKind names a search in its page tokens, so a token of one search is
// refused by another.
type searchKind byte

const (
	searchSubject searchKind = iota + 1
	searchResource
	searchAction
)

// page is where a search request starts and how much it returns.
type page struct {
	offset int
	limit  int
	digest [16]byte // of the request without its token
	rev    uint64
}

// tokenLen is the length of a decoded page token: kind, revision, digest,
// offset.
const tokenLen = 1 + 8 + 16 + 8

// readPage checks a search request's page: the limit, and the token, which
// must come from the same search of the same request while the policy is
// at the same revision.
func (d *decider) readPage(kind searchKind, req *wireSearch) (page, error) {
	p := page{limit: DefaultPageSize, rev: uint64(d.snap.Revision)}
	var token string
	if req.Page != nil {
		if req.Page.Limit != nil {
			if *req.Page.Limit < 0 {
				return p, badRequest("page.limit must not be negative, got %d", *req.Page.Limit)
			}
			p.limit = min(*req.Page.Limit, MaxPageSize)
		}
		if req.Page.Token != nil {
			token = *req.Page.Token
		}
	}
	// The digest covers every member but the token; maps marshal with
	// sorted keys, so equal requests digest alike.
	bare := *req
	if bare.Page != nil {
		pg := *bare.Page
		pg.Token = nil
		bare.Page = &pg
	}
	b, err := json.Marshal(bare)
	if err != nil {
		return p, badRequest("request cannot be encoded again: %v", err)
	}
	sum := sha256.Sum256(append([]byte{byte(kind)}, b...))
	copy(p.digest[:], sum[:])
	if token == "" {
		return p, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != tokenLen || searchKind(raw[0]) != kind {
		return p, badRequest("page.token is not a token of this search")
	}
	if !bytes.Equal(raw[9:25], p.digest[:]) {
		return p, badRequest("page.token belongs to another request: every member but page.token must be as in the first request")
	}
	if rev := binary.BigEndian.Uint64(raw[1:9]); rev != p.rev {
		return p, badRequest("the policy changed since the first page (revision %d, now %d): start the search again without page.token", rev, p.rev)
	}
	off := binary.BigEndian.Uint64(raw[25:])
	if off > 1<<31 {
		return p, badRequest("page.token is not a token of this search")
	}
	p.offset = int(off)
	return p, nil
}

// cut returns the page of n results and its description.
func (p page) cut(kind searchKind, n int) (from, to int, pr *PageResponse) {
	from = min(p.offset, n)
	to = min(from+p.limit, n)
	pr = &PageResponse{Count: to - from, Total: n}
	if to < n {
		raw := make([]byte, 0, tokenLen)
		raw = append(raw, byte(kind))
		raw = binary.BigEndian.AppendUint64(raw, p.rev)
		raw = append(raw, p.digest[:]...)
		raw = binary.BigEndian.AppendUint64(raw, uint64(to))
		pr.NextToken = base64.RawURLEncoding.EncodeToString(raw)
	}
	return from, to, pr
}

// strictly makes evaluation e for a search: a decision that cannot be made
// fails the search (a search is never silently short), except a missing
// engine object, which nothing may act on.
func (d *decider) strictly(e evaluation) (bool, error) {
	ok, why, err := d.evaluate(e)
	var f *failed
	if err == nil && errors.As(why, &f) {
		return false, searchErr(f)
	}
	return ok, err
}

// search decodes a search request, checks the caller's delegation and
// returns the decider and the page.
func (s *Service) search(r *http.Request, kind searchKind, op string) (*decider, *wireSearch, page, error) {
	if err := s.cfg.Authorize(r, op); err != nil {
		return nil, nil, page{}, err
	}
	var req wireSearch
	if err := decode(r, &req); err != nil {
		return nil, nil, page{}, err
	}
	d := s.newDecider(r)
	d.quiet = true
	p, err := d.readPage(kind, &req)
	return d, &req, p, err
}

// searchSubject serves POST /access/v1/search/subject: every user of the
// directory for whom the evaluation would allow.
func (s *Service) searchSubject(w http.ResponseWriter, r *http.Request) error {
	d, req, p, err := s.search(r, searchSubject, OpReadPolicy)
	if err != nil {
		return err
	}
	sub, err := req.Subject.entity("subject", false)
	if err != nil {
		return err
	}
	if sub.Type != TypeUser {
		return badRequest("subject type %q: azgate lists users (type %q)", sub.Type, TypeUser)
	}
	act, err := req.Action.action()
	if err != nil {
		return err
	}
	res, err := req.Resource.entity("resource", true)
	if err != nil {
		return err
	}
	if s.cfg.Users == nil {
		return &Error{Status: http.StatusNotImplemented, Message: "the subject search needs a directory that lists its users (the local directory)"}
	}
	users, err := s.cfg.Users(r.Context())
	if err != nil {
		return fmt.Errorf("list the directory's users: %w", err)
	}
	users = slices.Clone(users)
	slices.SortFunc(users, func(a, b string) int { return strings.Compare(names.Key(a), names.Key(b)) })
	var found []Subject
	for _, u := range users {
		ok, err := d.strictly(evaluation{subject: Subject{Type: TypeUser, ID: u}, action: act, resource: res, context: req.Context})
		if err != nil {
			return err
		}
		if ok {
			found = append(found, Subject{Type: TypeUser, ID: u})
		}
	}
	from, to, pr := p.cut(searchSubject, len(found))
	return writeJSON(w, SubjectSearchResponse{Page: pr, Results: append([]Subject{}, found[from:to]...)})
}

// searchResource serves POST /access/v1/search/resource: every scope of the
// application, or every engine object of the type, on which the subject may
// do the action.
func (s *Service) searchResource(w http.ResponseWriter, r *http.Request) error {
	d, req, p, err := s.search(r, searchResource, OpCheckAccess)
	if err != nil {
		return err
	}
	sub, err := req.Subject.entity("subject", true)
	if err != nil {
		return err
	}
	act, err := req.Action.action()
	if err != nil {
		return err
	}
	res, err := req.Resource.entity("resource", false)
	if err != nil {
		return err
	}
	var candidates []Resource
	switch {
	case res.Type == TypeScope:
		c, err := d.checker(res.Properties)
		if err != nil {
			return searchErr(err)
		}
		var props map[string]any
		if v, ok := res.Properties["application"]; ok {
			props = map[string]any{"application": v}
		}
		for _, sc := range append([]string{""}, c.Scopes()...) {
			candidates = append(candidates, Resource{Type: TypeScope, ID: sc, Properties: props})
		}
	case d.isEngineType(res.Type):
		// The engine's objects belong to the engine's application only;
		// in another, the type is that application's own (as decide.go
		// reads it), and azgate cannot list its resources.
		c, err := d.checker(res.Properties)
		if err != nil {
			return searchErr(err)
		}
		if !names.Equal(c.Application(), d.snap.Checker.Application()) {
			return badRequest("resource type %q in application %q: azgate lists scopes (type %q) there; objects of type %q are the engine's, in application %q",
				res.Type, c.Application(), TypeScope, res.Type, d.snap.Checker.Application())
		}
		objs, err := s.cfg.Objects.List(r.Context(), res.Type)
		if err != nil {
			return fmt.Errorf("list %s objects: %w", res.Type, err)
		}
		for _, o := range objs {
			candidates = append(candidates, Resource{Type: res.Type, ID: o.ID, Properties: res.Properties})
		}
	default:
		return badRequest("resource type %q: azgate lists scopes (type %q)%s; the resources of other types are the application's own",
			res.Type, TypeScope, s.engineTypes())
	}
	slices.SortStableFunc(candidates, func(a, b Resource) int { return strings.Compare(names.Key(a.ID), names.Key(b.ID)) })
	var found []Resource
	for _, c := range candidates {
		ok, err := d.strictly(evaluation{subject: Subject(sub), action: act, resource: c, context: req.Context})
		if err != nil {
			return err
		}
		if ok {
			if c.Type != TypeScope {
				c.Properties = nil
			}
			found = append(found, c)
		}
	}
	from, to, pr := p.cut(searchResource, len(found))
	return writeJSON(w, ResourceSearchResponse{Page: pr, Results: append([]Resource{}, found[from:to]...)})
}

// engineTypes words the engine's types for a message.
func (s *Service) engineTypes() string {
	if s.cfg.Objects == nil {
		return ""
	}
	return " and the engine's objects (" + strings.Join(s.cfg.Objects.Types(), ", ") + ")"
}

// searchErr turns a failed decision into the error of a search.
func searchErr(err error) error {
	var f *failed
	if errors.As(err, &f) {
		return &Error{Status: f.status, Message: f.message}
	}
	return err
}

// searchAction serves POST /access/v1/search/action: every operation of the
// application the subject may do on the resource.
func (s *Service) searchAction(w http.ResponseWriter, r *http.Request) error {
	d, req, p, err := s.search(r, searchAction, OpCheckAccess)
	if err != nil {
		return err
	}
	sub, err := req.Subject.entity("subject", true)
	if err != nil {
		return err
	}
	res, err := req.Resource.entity("resource", true)
	if err != nil {
		return err
	}
	c, err := d.checker(res.Properties)
	if err != nil {
		return searchErr(err)
	}
	ops := c.Operations().Clone()
	slices.SortFunc(ops, func(a, b operations.Operation) int { return strings.Compare(names.Key(a.Name), names.Key(b.Name)) })
	var found []Action
	for _, o := range ops {
		ok, err := d.strictly(evaluation{subject: Subject(sub), action: Action{Name: o.Name}, resource: res, context: req.Context})
		if err != nil {
			return err
		}
		if ok {
			found = append(found, Action{Name: o.Name})
		}
	}
	from, to, pr := p.cut(searchAction, len(found))
	return writeJSON(w, ActionSearchResponse{Page: pr, Results: append([]Action{}, found[from:to]...)})
}
