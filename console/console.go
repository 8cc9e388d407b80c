package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policydoc"
	"github.com/azgate/azgate/server"
)

// prefix is where the console is served (server.ConsolePrefix).
const prefix = server.ConsolePrefix

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Defaults of Options.
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultMaxSessions     = 10_000
	DefaultSessionsPerUser = 16
	// pageSize is how many rows a long list shows at once.
	pageSize = 50
	// maxStaged bounds the edits one session may stage.
	maxStaged = 100
)

// Backend is what the console needs of a running azgate server;
// *server.Server is one. The console keeps its sessions and renders pages;
// signing in, delegation, policy writes, decisions and the audit log are
// the server's.
type Backend interface {
	// SignIn checks a password as HTTP Basic does (same directory, same
	// failed-login budgets).
	SignIn(r *http.Request, user, password string) (directory.ClientContext, error)
	// Delegated decides a delegation operation for the caller of r
	// (server.WithClient), auditing a refusal.
	Delegated(r *http.Request, op string) error
	// DelegationAllows decides a delegation operation without auditing:
	// only for showing controls.
	DelegationAllows(ctx context.Context, c directory.ClientContext, op string) bool
	// EditOperation and DeleteOperation are the admin API's edits of an
	// application's operations (server.Server's).
	EditOperation(app, old string, in api.Operation) func(*policy.Policy) error
	DeleteOperation(app, name string) func(*policy.Policy) error
	// WritePolicy checks Write Policy, applies edit at revision base and
	// saves it as one revision (policy.ErrConflict when the store moved).
	WritePolicy(r *http.Request, base policy.Revision, what string, edit func(*policy.Policy) error) (policy.Revision, error)
	// Live is the policy in force.
	Live() *authz.Live
	// Engine is the gated management engine.
	Engine() *engine.Engine
	// Application is the application that gates the engine.
	Application() string
	// AuditPath is the audit log.
	AuditPath() string
	// Resolve returns a user's client context as the directory knows it.
	Resolve(ctx context.Context, name string) (directory.ClientContext, error)
	// DirectoryUsers lists the users the directory can list (the local
	// directory's), sorted.
	DirectoryUsers(ctx context.Context) ([]string, error)
	// GroupSubject is a directory group as the effective-access API takes
	// it (its identifiers and the groups it is in).
	GroupSubject(ctx context.Context, name string) (authz.Subject, error)
	// WhatIf is the API's what-if: next compiled as base's application
	// and compared with base for opts.Subjects and the subjects the API
	// compares (the directory's users and groups, every principal and
	// application group either policy names).
	WhatIf(ctx context.Context, base *authz.Checker, next *policy.Policy, opts authz.WhatIfOptions) (authz.WhatIfReport, error)
	// LeastPrivilege is GET /v1/reports/least-privilege for the caller of
	// r (Read Policy): application app ("" the gated one) since since.
	LeastPrivilege(r *http.Request, app, since string) (*api.LeastPrivilegeReport, error)
}

var _ Backend = (*server.Server)(nil)

// Options tune the console.
type Options struct {
	// IdleTimeout ends a session unused for this long (DefaultIdleTimeout).
	IdleTimeout time.Duration
	// MaxSessions and SessionsPerUser bound the sessions held; the least
	// recently used goes first (DefaultMaxSessions, DefaultSessionsPerUser).
	MaxSessions, SessionsPerUser int
	// Logger receives the console's logs; nil discards them.
	Logger *slog.Logger
}

// Console is the web console's handler.
type Console struct {
	b     Backend
	log   *slog.Logger
	sess  *sessions
	pages map[string]*template.Template
	mux   *http.ServeMux
}

// Handler is server.Config.Console: the console of s with default options.
func Handler(s *server.Server) (http.Handler, error) { return New(s, Options{}) }

// New parses the console's templates (an error when one does not parse)
// and returns its handler, to be served under server.ConsolePrefix.
func New(b Backend, opts Options) (*Console, error) {
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	if opts.SessionsPerUser <= 0 {
		opts.SessionsPerUser = DefaultSessionsPerUser
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	pages, err := parseTemplates(templateFS)
	if err != nil {
		return nil, err
	}
	c := &Console{b: b, log: opts.Logger.With("system", "console"), pages: pages,
		sess: newSessions(opts.IdleTimeout, opts.MaxSessions, opts.SessionsPerUser)}
	c.routes()
	return c, nil
}

// parseTemplates parses the layout with each page: one template set per
// page, all parsed once, at start.
func parseTemplates(fsys fs.FS) (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(templateFuncs()).ParseFS(fsys, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("console templates: %w", err)
	}
	files, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("console templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("console templates: %w", err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("console templates: %s defines no \"content\"", f)
		}
		pages[name] = t
	}
	return pages, nil
}

// templateFuncs are the functions the templates call.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"fieldOf":  fieldOf,
		"checksOf": checksOf,
		"ruleOf":   ruleOf,
		"concat":   concat,
		"add":      func(a, b int) int { return a + b },
		"scopeLabel": func(s string) string {
			if s == "" {
				return "(default scope)"
			}
			return s
		},
		"has": func(list []string, s string) bool {
			return slices.ContainsFunc(list, func(v string) bool { return names.Equal(v, s) })
		},
		"lines": func(list []string) string { return strings.Join(list, "\n") },
		// memberLines: members (or, with groups, member groups) with their
		// terms, "alice (until …)" (policydoc.MemberLines).
		"memberLines": policydoc.MemberLines,
		// groupTerms: the member groups that have a term, with it.
		"groupTerms": func(groups []string, terms []api.MemberTerm) []string {
			var out []string
			for _, l := range policydoc.MemberLines(groups, terms, true) {
				if _, t, err := policydoc.ParseMemberLine(l); err == nil && !t.IsZero() {
					out = append(out, l)
				}
			}
			return out
		},
	}
}

func (c *Console) routes() {
	m := http.NewServeMux()
	page := func(pattern string, h func(w http.ResponseWriter, r *http.Request, s *session) error) {
		m.Handle(pattern, c.signedIn(h))
	}
	m.Handle("GET "+prefix+"static/", http.StripPrefix(prefix, http.FileServerFS(staticFS)))
	m.HandleFunc("GET "+prefix+"signin", c.signInPage)
	m.HandleFunc("POST "+prefix+"signin", c.signIn)
	page("POST "+prefix+"signout", c.signOut)
	page("GET "+prefix+"revision", c.revision)
	page("GET "+prefix+"{$}", c.policyPage)
	page("GET "+prefix+"policy", c.policyPage)
	page("GET "+prefix+"object", c.objectPage)
	page("POST "+prefix+"object", c.objectPost)
	page("GET "+prefix+"access", c.accessPage)
	page("GET "+prefix+"explain", c.explainPage)
	page("GET "+prefix+"whocan", c.whoCanPage)
	page("GET "+prefix+"whatif", c.whatIfPage)
	page("POST "+prefix+"whatif", c.whatIfPost)
	page("GET "+prefix+"engine", c.enginePage)
	page("POST "+prefix+"engine", c.enginePost)
	page("GET "+prefix+"audit", c.auditPage)
	page("GET "+prefix+"least-privilege", c.leastPrivilegePage)
	page("POST "+prefix+"least-privilege", c.leastPrivilegePost)
	m.HandleFunc(prefix, func(w http.ResponseWriter, r *http.Request) {
		c.renderStatus(w, r, nil, http.StatusNotFound, "error", errorData{Message: "No such page: " + r.URL.Path})
	})
	c.mux = m
}

// ServeHTTP serves the console.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	if !strings.HasPrefix(r.URL.Path, prefix+"static/") {
		h.Set("Cache-Control", "no-store")
	}
	c.mux.ServeHTTP(w, r)
}

// signedIn runs h for a signed-in session. Without one a page is
// redirected to the sign-in form and anything else gets 401.
func (c *Console) signedIn(h func(w http.ResponseWriter, r *http.Request, s *session) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := c.sess.get(r)
		if s == nil {
			if r.Method == http.MethodGet && !strings.HasSuffix(r.URL.Path, "/revision") {
				http.Redirect(w, r, prefix+"signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			c.renderStatus(w, r, nil, http.StatusUnauthorized, "error", errorData{Message: "Sign in first: your session ended or never began."})
			return
		}
		r = r.WithContext(server.WithClient(r.Context(), s.client))
		if err := h(w, r, s); err != nil {
			c.fail(w, r, s, err)
		}
	})
}

// view is what every page's layout shows.
type view struct {
	Title    string
	Nav      string
	User     string
	Revision policy.Revision
	CanRead  bool
	CanWrite bool
	Staged   int
	Flash    string
	// Live: "reload" reloads the page when the policy changes elsewhere;
	// "notice" (forms) only says so.
	Live string
	Data any
}

func (c *Console) view(r *http.Request, s *session, title, nav string, data any) *view {
	v := &view{Title: title, Nav: nav, Data: data, Live: "reload"}
	if snap := c.b.Live().Current(); snap != nil {
		v.Revision = snap.Revision
	}
	if s != nil {
		v.User = s.user
		v.CanRead = c.b.DelegationAllows(r.Context(), s.client, server.OpReadPolicy)
		v.CanWrite = c.b.DelegationAllows(r.Context(), s.client, server.OpWritePolicy)
		s.mu.Lock()
		if s.stage != nil {
			v.Staged = len(s.stage.edits)
		}
		s.mu.Unlock()
	}
	v.Flash = r.URL.Query().Get("flash")
	return v
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, v *view, name string) error {
	return c.renderView(w, http.StatusOK, v, name)
}

func (c *Console) renderView(w http.ResponseWriter, status int, v *view, name string) error {
	t := c.pages[name]
	if t == nil {
		return fmt.Errorf("console: no page template %q", name)
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout.html", v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write([]byte(b.String()))
	return err
}

// renderStatus renders a page with a status, logging a failure to render.
func (c *Console) renderStatus(w http.ResponseWriter, r *http.Request, s *session, status int, name string, data any) {
	title := http.StatusText(status)
	v := c.view(r, s, title, "", data)
	if err := c.renderView(w, status, v, name); err != nil {
		c.log.ErrorContext(r.Context(), "render", "err", err)
		http.Error(w, title, http.StatusInternalServerError)
	}
}

// errorData is the error page's content.
type errorData struct {
	Status    int
	Message   string
	Operation string // a delegation or engine operation that was denied
	Back      string
}

// fail renders err as the server's API would answer it: its status and
// public message.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	status, msg := publicMessage(err)
	d := errorData{Status: status, Message: msg, Back: r.Referer()}
	var deleg *server.DelegationDeniedError
	var denied *engine.DeniedError
	switch {
	case errors.As(err, &deleg):
		d.Operation = deleg.Operation
	case errors.As(err, &denied):
		d.Operation = denied.Operation.Name
	}
	if status >= 500 {
		c.log.ErrorContext(r.Context(), "console request failed", "path", r.URL.Path, "err", err)
	}
	name := "error"
	if deleg != nil {
		name = "noaccess"
	}
	c.renderStatus(w, r, s, status, name, d)
}

// requireRead checks Read Policy for the policy pages.
func (c *Console) requireRead(r *http.Request) error {
	return c.b.Delegated(r, server.OpReadPolicy)
}

// ---- signing in ----

type signInData struct {
	User  string
	Next  string
	Error string
}

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	v := c.view(r, nil, "Sign in", "", signInData{Next: safeNext(r.URL.Query().Get("next"))})
	v.Live = ""
	if err := c.render(w, r, v, "signin"); err != nil {
		c.log.ErrorContext(r.Context(), "render", "err", err)
	}
}

// safeNext keeps a redirect target within the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, prefix) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return prefix
	}
	return next
}

func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	user, pass, next := r.PostFormValue("user"), r.PostFormValue("password"), safeNext(r.PostFormValue("next"))
	client, err := c.b.SignIn(r, user, pass)
	if err != nil {
		status, msg := server.PublicError(err)
		v := c.view(r, nil, "Sign in", "", signInData{User: user, Next: next, Error: msg})
		v.Live = ""
		if err := c.renderView(w, status, v, "signin"); err != nil {
			c.log.ErrorContext(r.Context(), "render", "err", err)
		}
		return
	}
	s, err := c.sess.create(user, client)
	if err != nil {
		c.fail(w, r, nil, err)
		return
	}
	setCookie(w, r, s.id, 0)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request, s *session) error {
	c.sess.drop(s.id)
	setCookie(w, r, "", -1)
	http.Redirect(w, r, prefix+"signin", http.StatusSeeOther)
	return nil
}

// revision answers the live poll: the revision in force.
func (c *Console) revision(w http.ResponseWriter, r *http.Request, s *session) error {
	w.Header().Set("Content-Type", "application/json")
	var rev policy.Revision
	if snap := c.b.Live().Current(); snap != nil {
		rev = snap.Revision
	}
	_, err := fmt.Fprintf(w, "{\"revision\":%d}\n", rev)
	return err
}

// ---- helpers ----

// pager is a window over a long list.
type pager struct {
	Page, Pages, Total int
	Query              string // the search
	Prev, Next         string // links, "" at the ends
}

// paginate returns the window of n items that page (1-based) shows, and
// links built by link(page).
func paginate(n, page int, link func(int) string) (lo, hi int, p pager) {
	pages := max(1, (n+pageSize-1)/pageSize)
	page = min(max(page, 1), pages)
	lo, hi = (page-1)*pageSize, min(page*pageSize, n)
	p = pager{Page: page, Pages: pages, Total: n}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	return lo, hi, p
}

func pageParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil {
		return 1
	}
	return n
}

// link builds a console URL with query parameters (empty values left out).
func link(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return prefix + path
	}
	return prefix + path + "?" + q.Encode()
}

// publicMessage is the status and message the API answers for err.
func publicMessage(err error) (int, string) {
	var ue *userError
	if errors.As(err, &ue) {
		return http.StatusBadRequest, ue.msg
	}
	return server.PublicError(err)
}
