package server

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/audit"
	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/authzen"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/directory/ldapdir"
	"github.com/azgate/azgate/directory/localdir"
	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policies"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/stores"
	"github.com/azgate/azgate/policy/xmlstore"
)

// Log keys.
const (
	logKeySystem    = "system"
	logKeyMethod    = "method"
	logKeyPath      = "path"
	logKeyStatus    = "status"
	logKeyErr       = "err"
	logKeyPrincipal = "principal"
	logKeyAddr      = "addr"
	logKeyRevision  = "revision"
)

// bootstrapWho is the audit identity of changes the server makes itself.
const bootstrapWho = "azgate serve (bootstrap)"

// Server is a running azgate: policy store, live checker, directory,
// engine, audit log and the HTTP API over them. Make one with New, run it
// with Serve; Serve closes it.
type Server struct {
	cfg     Config
	base    *slog.Logger // the configured logger
	log     *slog.Logger // base with system=server
	store   policy.Store
	live    *authz.Live
	deleg   *delegation
	dir     directory.Directory
	local   *localdir.Directory // always open: API tokens, the first administrator
	ldap    *ldapdir.Directory  // --directory ldap only
	eng     *engine.Engine
	audit   *audit.Log
	usage   *grantUsage // --audit-checks denials only
	metrics *metrics
	app     string        // the gated application's name
	batches chan struct{} // slots of batch checks decided at once
	reports chan struct{} // slots of reports made at once (maxReports)
	logins  *loginLimiter
	authzen *authzen.Service
	conns   *limitListener // set by Serve

	routes  []route
	router  *mux.Router
	handler http.Handler // router behind the cross-origin protection
	openapi []byte

	ready    atomic.Bool
	probe    storeProbe
	dprobe   *directoryProbe  // nil without an LDAP directory
	lchecked chan struct{}    // closed when Serve has run warnLDAPQueries
	tlsCert  *tls.Certificate // nil: plain HTTP
	cleanups []func() error
	closeMu  sync.Mutex
	closed   bool
}

// Run serves cfg on cfg.Listen until ctx ends, then shuts down gracefully.
// It prints the address it listens on to cfg.Stderr. It listens before New
// runs, so a busy port fails the start before anything is created.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	s, err := New(ctx, cfg)
	if err != nil {
		_ = ln.Close()
		return err
	}
	return s.Serve(ctx, ln)
}

// New opens everything cfg names, bootstrapping a fresh installation: the
// policy store is created from the embedded default when missing (with
// cfg.CreateStore), the delegation application is added when the store
// lacks it, and the first administrator is created in an empty local
// directory. Everything that can fail is opened before anything is
// created: the TLS key pair, the engine's libvirt connection and the store first, before the data
// directory is touched; then the audit log, the directories and the engine
// database; the store, the delegation application and the administrator
// last.
func New(ctx context.Context, cfg Config) (s *Server, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = newBoundedLogger(log)
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	srv := &Server{cfg: cfg, base: log, log: log.With(logKeySystem, "server"),
		batches: make(chan struct{}, runtime.GOMAXPROCS(0)), reports: make(chan struct{}, maxReports),
		logins: newLoginLimiter(cfg.LoginFailuresPerClient, cfg.LoginFailuresPerAccount)}
	s = srv
	defer func() {
		if err != nil {
			_ = srv.Close() // s is nil by now: "return nil, err" set it
		}
	}()
	if cfg.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("TLS key pair %s, %s: %w", cfg.TLSCertFile, cfg.TLSKeyFile, err)
		}
		s.tlsCert = &cert
	}
	// A libvirt backend is connected before anything is created.
	backend, err := s.openBackend(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if backend != nil {
			_ = backend.Close()
		}
	}()
	cur, err := s.openStore(ctx)
	if err != nil {
		return nil, err
	}

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", cfg.DataDir, err)
	}
	if s.audit, err = audit.Open(cfg.auditPath(), audit.WithRotation(cfg.AuditMaxSize, cfg.AuditKeep)); err != nil {
		return nil, err
	}
	s.onClose(s.audit.Close)
	if cfg.AuditChecks == "" || cfg.AuditChecks == AuditChecksDenials {
		s.usage = newGrantUsage(s.audit, s.log, maxUsageEntries)
		s.usage.run(cmp.Or(cfg.AuditUsageInterval, DefaultAuditUsageInterval))
		s.onClose(s.usage.close) // before the log closes: Close runs them in reverse
	}
	if err := s.openDirectory(ctx); err != nil {
		return nil, err
	}
	// The engine decides by the live policy, made below: the engine
	// database is opened first so that a locked one fails the start before
	// the store or the administrator is created.
	if s.eng, err = engine.Open(ctx, engine.Config{
		Dir: cfg.DataDir, Backend: backend, Authorizer: liveAuthorizer{s}, Logger: log, OnDecision: s.onDecision, OnEvent: s.onEngineEvent,
		DecisionPoint: s.decisionPoint,
	}); err != nil {
		return nil, err
	}
	backend = nil // the engine closes it
	s.onClose(s.eng.Close)

	if err := s.bootstrapStore(ctx, cur); err != nil {
		return nil, err
	}
	// The engine is gated through cfg.Application: its operations are
	// matched to that application's by name, with the store's IDs.
	opts := authz.Options{Logger: log.With(logKeySystem, "authz"), RuleTimeLimit: cfg.RuleTimeLimit, Engine: operations.HyperV()}
	if s.ldap != nil {
		// LDAP-query application groups are decided against the directory
		// (in checks, engine calls and Explain alike).
		opts.QueryMatcher = s.ldap
	}
	if s.live, err = authz.NewLive(ctx, s.store, cfg.Application, opts, log.With(logKeySystem, "live")); err != nil {
		return nil, fmt.Errorf("policy %s: %w", cfg.StoreURL, err)
	}
	s.live.OnOutsideChange = s.auditOutside
	s.live.OnTermChange = s.auditTerm
	s.auditOutsideAtStart(s.live.Current())
	s.app = s.live.Current().Checker.Application()
	s.deleg = &delegation{live: s.live}
	s.metrics = newMetrics(s.live.Status)
	s.probe = storeProbe{store: s.store, ttl: time.Second}
	if err := s.ensureAdmin(ctx); err != nil {
		return nil, err
	}
	if s.authzen, err = s.newAuthZEN(); err != nil {
		return nil, err
	}

	s.routes = s.routeTable()
	if s.router, err = s.buildRouter(s.routes); err != nil {
		return nil, err
	}
	h, err := s.mountConsole(s.router)
	if err != nil {
		return nil, err
	}
	s.handler = s.crossOriginProtection(h)
	spec, err := openAPI(s.router, s.routes)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	if s.openapi, err = json.Marshal(spec); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	return s, nil
}

// liveAuthorizer decides the engine's calls by the server's live policy,
// which New makes after opening the engine.
type liveAuthorizer struct{ s *Server }

// AccessCheck takes the engine's operation IDs (package operations): the
// snapshot's binding translates them to the store's, matched by name.
func (a liveAuthorizer) AccessCheck(ctx context.Context, c directory.ClientContext, scope string, ops []operations.ID, params authz.Params) ([]authz.Result, error) {
	return a.s.live.Current().Checker.Engine().AccessCheck(ctx, c, scope, ops, params)
}

// openStore opens and loads the policy store. It returns the policy, or nil
// when the store does not exist and cfg.CreateStore asks to create it.
func (s *Server) openStore(ctx context.Context) (*policy.Policy, error) {
	var err error
	if s.store, err = stores.Open(ctx, s.cfg.StoreURL, stores.Options{Logger: s.base.With(logKeySystem, "store")}); err != nil {
		return nil, fmt.Errorf("open policy store %s: %w", s.cfg.StoreURL, err)
	}
	s.onClose(s.store.Close)
	cur, _, err := s.store.Load(ctx)
	switch {
	case errors.Is(err, policy.ErrNotFound) && s.cfg.CreateStore:
		return nil, nil
	case errors.Is(err, policy.ErrNotFound):
		return nil, fmt.Errorf("policy store %s does not exist: %w "+
			"(create it with `azgate store init --store %s`, or let serve create it with --create-store)",
			s.cfg.StoreURL, err, s.cfg.StoreURL)
	case errors.Is(err, policy.ErrInvalid), errors.Is(err, policy.ErrDanglingLink), errors.Is(err, policy.ErrDuplicate):
		// No last good policy to fall back on: refuse, and say how to mend it.
		return nil, fmt.Errorf("load policy store %s: %w (`azgate store validate --store %s` lists every problem; "+
			"`azgate store repair --store %s` restores a good copy, and an edit with --repair saves over a damaged msldap store)",
			s.cfg.StoreURL, err, s.cfg.StoreURL, s.cfg.StoreURL)
	case err != nil:
		return nil, fmt.Errorf("load policy store %s: %w", s.cfg.StoreURL, err)
	}
	return cur, nil
}

// bootstrapStore creates the store from the embedded default when it does
// not exist (cur is nil), and adds the delegation application when it is
// missing.
func (s *Server) bootstrapStore(ctx context.Context, cur *policy.Policy) error {
	if cur == nil {
		p, _, _, err := xmlstore.Parse(bytes.NewReader(policies.InitialStore()), "embedded InitialStore.xml")
		if err != nil {
			return fmt.Errorf("embedded default store: %w", err)
		}
		p.Applications = append(p.Applications, NewDelegationApplication())
		nrev, err := s.store.Save(ctx, p, 0)
		if err != nil {
			return fmt.Errorf("create policy store %s: %w", s.cfg.StoreURL, err)
		}
		s.log.InfoContext(ctx, "created policy store from the embedded default", "store", s.cfg.StoreURL, logKeyRevision, nrev)
		s.auditPolicyChange(ctx, bootstrapWho, "create store from the embedded default InitialStore.xml, with the delegation application", 0, nrev)
		return nil
	}
	if _, err := cur.Application(DelegationApp); err == nil {
		return nil
	}
	added := false
	old, nrev, err := policy.Update(ctx, s.store, func(p *policy.Policy) error {
		added = false
		if _, err := p.Application(DelegationApp); err == nil {
			return nil
		}
		p.Applications = append(p.Applications, NewDelegationApplication())
		added = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("add delegation application to %s: %w", s.cfg.StoreURL, err)
	}
	if added {
		s.log.InfoContext(ctx, "added the delegation application", "application", DelegationApp, logKeyRevision, nrev)
		s.auditPolicyChange(ctx, bootstrapWho, fmt.Sprintf("add delegation application %q", DelegationApp), old, nrev)
	}
	return nil
}

// openBackend opens the engine backend cfg.Engine selects: nil for the
// simulator (engine.Open opens it in the data directory), libvirt through
// cfg.OpenLibvirt.
func (s *Server) openBackend(ctx context.Context) (engine.Backend, error) {
	libvirt, err := s.cfg.libvirtTarget()
	switch {
	case err != nil:
		return nil, &ConfigError{Field: "engine", Err: err}
	case !libvirt:
		return nil, nil
	case s.cfg.OpenLibvirt == nil:
		return nil, fmt.Errorf("engine %s: %w", s.cfg.Engine, ErrLibvirtNotBuilt)
	}
	b, err := s.cfg.OpenLibvirt(ctx, s.cfg.Engine, s.cfg.DataDir, s.base.With(logKeySystem, "libvirt"))
	if err != nil {
		return nil, fmt.Errorf("engine %s: %w", s.cfg.Engine, err)
	}
	return b, nil
}

// openDirectory opens the local directory, and with --directory ldap opens
// the LDAP directory (without contacting it: azgate starts while it is
// down) and composes the two.
func (s *Server) openDirectory(ctx context.Context) error {
	if err := s.openLocalDirectory(ctx); err != nil {
		return err
	}
	if s.cfg.Directory != DirectoryLDAP {
		s.dir = s.local
		return nil
	}
	d, err := ldapdir.New(s.cfg.LDAP.directoryConfig(), s.base.With(logKeySystem, "ldap"))
	if err != nil {
		return fmt.Errorf("LDAP directory %s: %w", s.cfg.LDAP.URL, err)
	}
	s.onClose(d.Close)
	s.ldap = d
	s.dir = &ldapDirectory{ldap: d, local: s.local}
	s.dprobe = newDirectoryProbe(d, time.Second)
	s.lchecked = make(chan struct{})
	s.log.InfoContext(ctx, "HTTP Basic credentials are checked against LDAP; API tokens against the local directory",
		"url", s.cfg.LDAP.URL, "user_base", s.cfg.LDAP.UserBase)
	return nil
}

// openLocalDirectory opens the local directory.
func (s *Server) openLocalDirectory(ctx context.Context) error {
	opts := []localdir.Option{localdir.WithLogger(s.base.With(logKeySystem, "localdir"))}
	if s.cfg.BcryptCost != 0 {
		opts = append(opts, localdir.WithBcryptCost(s.cfg.BcryptCost))
	}
	if s.cfg.LocalDomain != "" {
		opts = append(opts, localdir.WithDomain(s.cfg.LocalDomain))
	}
	d, err := localdir.Open(ctx, s.cfg.dataPath(DirectoryFile), opts...)
	if err != nil {
		return err
	}
	s.onClose(d.Close)
	s.local = d
	return nil
}

// ensureAdmin creates the first administrator when nobody is one.
func (s *Server) ensureAdmin(ctx context.Context) error {
	created, generated, err := s.local.EnsureAdmin(ctx, s.cfg.AdminUser, s.cfg.AdminPassword)
	if err != nil {
		return fmt.Errorf("first administrator: %w", err)
	}
	if created {
		s.log.InfoContext(ctx, "created the first administrator", "user", s.cfg.AdminUser)
		if generated != "" {
			fmt.Fprintf(s.cfg.Stderr, "azgate: created administrator %q with password %s\n"+
				"azgate: this password is shown only once; change it with `azgate user passwd %s`\n",
				s.cfg.AdminUser, generated, s.cfg.AdminUser)
		}
		if s.cfg.Directory == DirectoryLDAP {
			fmt.Fprintf(s.cfg.Stderr, "azgate: HTTP Basic logins go to LDAP; the local administrator %q signs in with an API token: "+
				"`azgate user token create %s LABEL --data-dir %s`\n", s.cfg.AdminUser, s.cfg.AdminUser, s.cfg.DataDir)
		}
	}
	return nil
}

// onDecision records an engine decision in the audit log and the metrics.
func (s *Server) onDecision(ctx context.Context, d engine.Decision) {
	s.metrics.decision(sourceEngine, d.Operation.Name, d.Allowed)
	if d.Point && d.Allowed && !s.auditsCheck(true) {
		// An AuthZEN lookup of an object's scopes, one per object a search
		// considers: audited as the checks it serves are (--audit-checks).
		return
	}
	rec := audit.DecisionRecord{Time: d.Time, Source: audit.SourceEngine, Principal: d.Principal, Application: s.app, Operation: d.Operation.Name,
		OperationID: int(d.Operation.ID), Scope: d.Scope, Object: d.Object, Allowed: d.Allowed, Err: d.Err}
	if d.Grant != nil {
		rec.Grant = &audit.Grant{Scope: d.Grant.Scope, Assignment: d.Grant.Assignment,
			RoleDefinition: d.Grant.RoleDefinition, Principal: d.Grant.Principal}
	}
	if err := s.audit.Decision(context.WithoutCancel(ctx), rec); err != nil {
		s.log.ErrorContext(ctx, "audit: decision not recorded", logKeyErr, err)
	}
}

// onEngineEvent records a change the engine's backend saw made outside
// azgate (a VM crashed or was stopped out of band) in the audit log.
func (s *Server) onEngineEvent(ctx context.Context, ev engine.Event) {
	rec := audit.EngineEventRecord{Time: ev.Time, Source: audit.SourceEngine, Kind: string(ev.Kind), Object: ev.Name,
		Scope: ev.Scope, What: ev.Reason}
	if ev.Kind == engine.KindVM && ev.State != 0 {
		rec.State = ev.State.String()
	}
	if err := s.audit.EngineEvent(context.WithoutCancel(ctx), rec); err != nil {
		s.log.ErrorContext(ctx, "audit: engine event not recorded", logKeyErr, err)
	}
}

// Handler returns the server's HTTP handler: the router behind the
// cross-origin protection.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves HTTP (HTTPS when the configuration names a certificate) on
// ln until ctx ends, keeps the policy current meanwhile, then shuts down
// gracefully within cfg.ShutdownTimeout and closes the server. It returns
// nil after a graceful shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	defer s.Close()
	liveCtx, stopLive := context.WithCancel(context.WithoutCancel(ctx))
	liveDone := make(chan struct{})
	go func() {
		defer close(liveDone)
		if err := s.live.Run(liveCtx); err != nil {
			s.log.Error("policy watch stopped; changes by other writers are not picked up", logKeyErr, err)
		}
	}()
	defer func() { stopLive(); <-liveDone }()
	if s.ldap != nil {
		// Background refresh of cached LDAP client contexts; Close stops it.
		if err := s.ldap.Start(liveCtx); err != nil {
			return fmt.Errorf("start LDAP directory worker: %w", err)
		}
		go func() { defer close(s.lchecked); s.warnLDAPQueries(liveCtx) }()
		defer func() { stopLive(); <-s.lchecked }()
	}

	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	s.conns = newLimitListener(ln, s.cfg.MaxConnections, s.cfg.MaxConnectionsPerClient, func(on bool) {
		srv.SetKeepAlivesEnabled(on)
		s.log.Info("keep-alive connections", "enabled", on, "max_connections", s.cfg.MaxConnections)
	})
	ln = s.conns
	scheme := "http"
	if s.tlsCert != nil {
		scheme = "https"
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*s.tlsCert}}
	}
	s.ready.Store(true)
	fmt.Fprintf(s.cfg.Stderr, "azgate: listening on %s://%s\n", scheme, ln.Addr())
	s.log.Info("listening", logKeyAddr, ln.Addr().String(), "scheme", scheme, "store", s.cfg.StoreURL,
		"application", s.app, logKeyRevision, s.live.Current().Revision)

	errc := make(chan error, 1)
	go func() {
		if scheme == "https" {
			errc <- srv.ServeTLS(ln, "", "") // the key pair New loaded
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		s.ready.Store(false)
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.ready.Store(false)
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	s.log.Info("stopped")
	return nil
}

// onClose registers a cleanup; Close runs them last-registered first.
func (s *Server) onClose(f func() error) { s.cleanups = append(s.cleanups, f) }

// Close releases everything New opened (engine, directory, store, audit
// log), in reverse order. Serve calls it; it is idempotent.
func (s *Server) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		if err := s.cleanups[i](); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// routeTable is every route the server serves.
func (s *Server) routeTable() []route {
	var rs []route
	rs = append(rs, s.opsRoutes()...)
	rs = append(rs, s.checkRoutes()...)
	rs = append(rs, s.accessRoutes()...)
	rs = append(rs, s.reportRoutes()...)
	rs = append(rs, s.policyRoutes()...)
	rs = append(rs, s.appRoutes()...)
	rs = append(rs, s.engineRoutes()...)
	rs = append(rs, s.authzenRoutes()...)
	return rs
}

// acquire takes a slot of sem, waiting at most until ctx ends (then a 503
// the client may retry). release gives it back.
func acquire(ctx context.Context, sem chan struct{}) (release func(), err error) {
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, &apiError{status: http.StatusServiceUnavailable, code: api.CodeUnavailable,
			message: "the server is busy; retry later", err: ctx.Err(), retryAfter: time.Second}
	}
}
