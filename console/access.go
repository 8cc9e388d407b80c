package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/operations"
)

// subject is whose access a page shows: a user as the directory resolves
// it, a directory group, or an application group (what membership in it
// confers).
type subject struct {
	Name  string
	Kind  string // "user", "group" or "appgroup"
	Scope string // an application group's scope
	subj  authz.Subject
}

func (c *Console) subjectOf(ctx context.Context, r *http.Request) (*subject, error) {
	name := strings.TrimSpace(r.FormValue("subject"))
	if name == "" {
		return nil, nil
	}
	s := &subject{Name: name, Kind: r.FormValue("kind")}
	switch s.Kind {
	case "group":
		subj, err := c.b.GroupSubject(ctx, name)
		if err != nil {
			return nil, err
		}
		s.subj = subj
	case "appgroup":
		s.Scope = r.FormValue("gscope")
		s.subj = authz.ApplicationGroupSubject(name, s.Scope)
	case "", "user":
		s.Kind = "user"
		cl, err := c.b.Resolve(ctx, name)
		if err != nil {
			return nil, &userError{fmt.Sprintf("user %q: %v", name, err)}
		}
		if cl.Name == "" {
			cl.Name = name
		}
		s.subj = authz.UserSubject(cl)
	default:
		return nil, &userError{fmt.Sprintf("kind %q: want user, group or appgroup", s.Kind)}
	}
	return s, nil
}

func (s *subject) kv(more ...string) []string {
	return append([]string{"subject", s.Name, "kind", s.Kind, "gscope", s.Scope}, more...)
}

type gridCell struct {
	Allowed bool
	URL     string
	Title   string
}

type gridRow struct {
	Scope string
	Cells []gridCell
}

type accessData struct {
	Subject   *subject
	Error     string
	Ops       []authz.OperationRef
	Rows      []gridRow
	Pager     pager
	Users     []string // the directory's users, when no subject is chosen
	UserPager pager
	Query     string
}

// accessPage is the effective access grid: operations × scopes for a user
// or group, each cell opening its explanation. Without a subject it lists
// the directory's users (searchable, paginated).
func (c *Console) accessPage(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := c.requireRead(r); err != nil {
		return err
	}
	d := accessData{Query: strings.TrimSpace(r.FormValue("q"))}
	subj, err := c.subjectOf(r.Context(), r)
	var ue *userError
	switch {
	case errors.As(err, &ue):
		d.Error = ue.msg
	case err != nil:
		return err
	}
	d.Subject = subj
	if subj == nil || d.Error != "" {
		users, err := c.b.DirectoryUsers(r.Context())
		if err != nil {
			return err
		}
		var match []string
		for _, u := range users {
			if d.Query == "" || containsFold(u, d.Query) {
				match = append(match, u)
			}
		}
		lo, hi, pg := paginate(len(match), pageParam(r), func(n int) string { return link("access", "q", d.Query, "page", fmt.Sprint(n)) })
		d.Users, d.UserPager = match[lo:hi], pg
		d.Subject = nil
		return c.render(w, r, c.view(r, s, "Effective access", "access", d), "access")
	}
	snap := c.b.Live().Current()
	scopes := scopeList(snap, d.Query)
	lo, hi, pg := paginate(len(scopes), pageParam(r), func(n int) string {
		return link("access", subj.kv("q", d.Query, "page", fmt.Sprint(n))...)
	})
	pg.Query = d.Query
	d.Pager = pg
	d.Ops, d.Rows, err = gridRows(r.Context(), snap, subj, scopes[lo:hi])
	if err != nil { // an unknown application group, a done request
		_, d.Error = publicMessage(err)
	}
	return c.render(w, r, c.view(r, s, "Effective access of "+subj.Name, "access", d), "access")
}

// gridRows decides subj's grid over scopes: a row per scope, a cell per
// operation the store defines, each linking to its explanation.
func gridRows(ctx context.Context, snap *authz.Snapshot, subj *subject, scopes []string) ([]authz.OperationRef, []gridRow, error) {
	g, err := snap.Checker.EffectiveAccess(ctx, subj.subj, authz.GridOptions{Scopes: scopes})
	if err != nil {
		return nil, nil, err
	}
	// The cells' links share everything but the scope and the operation.
	base := link("explain", subj.kv()...) + "&op="
	ops := make([]string, len(g.Operations))
	for j, op := range g.Operations {
		ops[j] = strconv.Itoa(op.ID)
	}
	rows := make([]gridRow, 0, len(g.Rows))
	cells := make([]gridCell, len(g.Rows)*len(g.Operations))
	for i, gr := range g.Rows {
		row := gridRow{Scope: gr.Scope, Cells: cells[i*len(ops) : (i+1)*len(ops)]}
		scope, where := "&scope="+url.QueryEscape(gr.Scope), " in "+scopeName(gr.Scope)
		for j, cell := range gr.Cells {
			verdict := ": denied"
			if cell.Allowed {
				verdict = ": allowed"
			}
			row.Cells[j] = gridCell{Allowed: cell.Allowed, URL: base + ops[j] + scope, Title: g.Operations[j].Name + where + verdict}
		}
		rows = append(rows, row)
	}
	return g.Operations, rows, nil
}

func scopeName(s string) string {
	if s == "" {
		return "the default scope"
	}
	return "scope " + s
}

// scopeList is the default scope and every scope of the application in
// store order, those matching q only.
func scopeList(snap *authz.Snapshot, q string) []string {
	out := []string{}
	if q == "" || containsFold("(default scope)", q) {
		out = append(out, "")
	}
	for _, sc := range snap.Checker.Scopes() {
		if q == "" || containsFold(sc, q) {
			out = append(out, sc)
		}
	}
	return out
}

// storeOps are the operations the application's store defines: the
// grid's columns.
func storeOps(snap *authz.Snapshot) []operations.Operation {
	return snap.Checker.Operations().All()
}

type explainData struct {
	Subject *subject
	Scope   string
	Op      operations.Operation
	Exp     authz.Explanation
	WhoCan  string
}

func (c *Console) opParam(snap *authz.Snapshot, r *http.Request) (operations.Operation, error) {
	v := strings.TrimSpace(r.FormValue("op"))
	var id int
	if _, err := fmt.Sscan(v, &id); err == nil {
		if op, ok := snap.Checker.Operation(operations.ID(id)); ok {
			return op, nil
		}
	}
	if op, ok := snap.Checker.Operations().ByName(v); ok {
		return op, nil
	}
	return operations.Operation{}, &userError{fmt.Sprintf("operation %q: not an operation of application %q", v, snap.Checker.Application())}
}

// explainPage is one cell of the grid: the path that grants, or why not.
func (c *Console) explainPage(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := c.requireRead(r); err != nil {
		return err
	}
	subj, err := c.subjectOf(r.Context(), r)
	if err != nil {
		return err
	}
	if subj == nil {
		return &userError{"name a user or group to explain"}
	}
	snap := c.b.Live().Current()
	op, err := c.opParam(snap, r)
	if err != nil {
		return err
	}
	scope := r.FormValue("scope")
	d := explainData{Subject: subj, Scope: scope, Op: op,
		Exp:    snap.Checker.ExplainSubject(r.Context(), subj.subj, scope, op.ID, nil),
		WhoCan: link("whocan", "scope", scope, "op", fmt.Sprint(int(op.ID)))}
	return c.render(w, r, c.view(r, s, "Explain", "access", d), "explain")
}

type whoCanData struct {
	Scope      string
	Op         operations.Operation
	Ops        []operations.Operation
	Principals []authz.Principal
	Pager      pager
	Asked      bool
	Error      string
}

// whoCanPage is the reverse of the grid: who may do an operation in a
// scope.
func (c *Console) whoCanPage(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := c.requireRead(r); err != nil {
		return err
	}
	snap := c.b.Live().Current()
	d := whoCanData{Scope: r.FormValue("scope"), Ops: storeOps(snap)}
	if r.FormValue("op") != "" {
		op, err := c.opParam(snap, r)
		if err != nil {
			return err
		}
		d.Op, d.Asked = op, true
		ps, err := snap.Checker.WhoCan(d.Scope, op.ID)
		if err != nil {
			_, d.Error = publicMessage(err)
		}
		lo, hi, pg := paginate(len(ps), pageParam(r), func(n int) string {
			return link("whocan", "scope", d.Scope, "op", fmt.Sprint(int(op.ID)), "page", fmt.Sprint(n))
		})
		d.Principals, d.Pager = ps[lo:hi], pg
	}
	return c.render(w, r, c.view(r, s, "Who can", "whocan", d), "whocan")
}
