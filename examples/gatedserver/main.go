package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/httpauthz"
	"github.com/azgate/azgate/policy/stores"
	"github.com/azgate/azgate/scopes"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "gatedserver:", err)
		os.Exit(1)
	}
}

// run parses args, builds the gated server and serves until ctx ends. When
// ln is nil it listens on -addr. It prints "listening on http://ADDR" to
// stderr once it accepts connections.
func run(ctx context.Context, args []string, stderr io.Writer, ln net.Listener) error {
	fs := flag.NewFlagSet("gatedserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "listen address")
	storeURL := fs.String("store", "", "policy store URL (msxml://PATH or msldap://DN); empty: the embedded example policy")
	initURL := fs.String("init", "", "write the embedded example policy to a new store at this URL and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if *initURL != "" {
		if *storeURL != "" {
			return errors.New("-init and -store are exclusive")
		}
		return initStore(ctx, *initURL, log)
	}

	src, live, st, err := openPolicy(ctx, *storeURL, log)
	if err != nil {
		return err
	}
	h, gate, err := newHandler(src, newInventory(), log)
	if err != nil {
		if st != nil {
			_ = st.Close()
		}
		return err
	}
	if live != nil {
		// Resolve the routes again as soon as a reload brings a new policy,
		// so that a route whose operation the store no longer defines is
		// logged then rather than at its next request.
		live.OnReload = func(*authz.Snapshot, error) { gate.Refresh() }
		go func() {
			defer st.Close()
			if err := live.Run(ctx); err != nil && ctx.Err() == nil {
				log.Error("policy watch stopped; store changes are no longer picked up", "store", *storeURL, "err", err)
			}
		}()
	}
	if ln == nil {
		if ln, err = net.Listen("tcp", *addr); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stderr, "listening on http://%s\n", ln.Addr())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// openPolicy compiles the embedded policy, or loads the store at storeURL
// into an authz.Live that keeps it current once its Run is started; the
// Live and the store, which the caller closes, are returned too.
func openPolicy(ctx context.Context, storeURL string, log *slog.Logger) (httpauthz.Source, *authz.Live, io.Closer, error) {
	opts := authz.Options{Logger: log}
	if storeURL == "" {
		p, err := examplePolicy()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("embedded policy: %w", err)
		}
		c, err := authz.Compile(p, appName, opts)
		if err != nil {
			return nil, nil, nil, err
		}
		return httpauthz.Static(c), nil, nil, nil
	}
	st, err := stores.Open(ctx, storeURL, stores.Options{Logger: log})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open store: %w", err)
	}
	live, err := authz.NewLive(ctx, st, appName, opts, log)
	if err != nil {
		_ = st.Close()
		return nil, nil, nil, fmt.Errorf("policy %s: %w", storeURL, err)
	}
	log.Info("policy loaded", "store", storeURL, "revision", live.Current().Revision)
	return live, live, st, nil
}

// initStore writes the embedded policy to a store that does not exist yet
// (a save at revision 0 refuses to overwrite one).
func initStore(ctx context.Context, url string, log *slog.Logger) error {
	p, err := examplePolicy()
	if err != nil {
		return fmt.Errorf("embedded policy: %w", err)
	}
	st, err := stores.Open(ctx, url, stores.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	rev, err := st.Save(ctx, p, 0)
	if err != nil {
		return fmt.Errorf("write %s: %w", url, err)
	}
	log.Info("example policy written", "store", url, "revision", rev)
	return nil
}

// Widget is the server's own kind of object.
type Widget struct {
	Name  string `json:"name"`
	Scope string `json:"scope"` // its scope of residence; "" is the default scope
	State string `json:"state"`
}

// inventory is the server's own data: a few widgets in memory.
type inventory struct {
	mu      sync.Mutex
	widgets map[string]*Widget
}

func newInventory() *inventory {
	return &inventory{widgets: map[string]*Widget{
		"gear":   {Name: "gear", State: "dull"},
		"sprock": {Name: "sprock", Scope: "Lab", State: "dull"},
		"cog":    {Name: "cog", Scope: "Lab", State: "shiny"},
	}}
}

func (inv *inventory) get(name string) (Widget, bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	w, ok := inv.widgets[name]
	if !ok {
		return Widget{}, false
	}
	return *w, true
}

// routes maps each gated route (by its http.ServeMux pattern) to the
// operation of "Widget Service" it performs, by name (an OperationID of
// the application, "4", would do as well).
var routes = map[string]string{
	"GET /widgets":                "List Widgets",
	"GET /widgets/{name}":         "View Widget",
	"PUT /widgets/{name}":         "Create Widget",
	"POST /widgets/{name}/polish": "Polish Widget",
	"DELETE /widgets/{name}":      "Delete Widget",
}

// newHandler builds the router: /healthz open, /widgets... gated in
// "Widget Service". An operation the application does not define is an
// error here.
func newHandler(src httpauthz.Source, inv *inventory, log *slog.Logger) (http.Handler, *httpauthz.Gate, error) {
	gate, err := httpauthz.New(src, httpauthz.Config{
		Application: appName,
		Routes:      routes,
		Client:      headerClient,
		Scope: func(r *http.Request) (string, error) {
			if name := r.PathValue("name"); name != "" {
				if w, ok := inv.get(name); ok {
					return w.Scope, nil // an existing widget: its scope of residence
				}
			}
			// Listings, and a widget being created: ?scope=. (Other
			// requests about an unknown widget are checked there too;
			// the handler then answers 404.)
			return r.URL.Query().Get("scope"), nil
		},
		OnDecision: func(r *http.Request, d httpauthz.Decision) {
			log.Debug("decision", "principal", d.Client.Name, "operation", d.Operation.Name, "scope", d.Scope, "allowed", d.Allowed)
		},
		Logger: log,
	})
	if err != nil {
		return nil, nil, err
	}
	root := http.NewServeMux()
	root.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	handlers := map[string]http.HandlerFunc{
		"GET /widgets":                inv.list,
		"GET /widgets/{name}":         inv.show,
		"PUT /widgets/{name}":         inv.create,
		"DELETE /widgets/{name}":      inv.delete,
		"POST /widgets/{name}/polish": inv.polish,
	}
	for pattern, h := range handlers {
		root.Handle(pattern, gate.Wrap(h))
	}
	return root, gate, nil
}

// headerClient identifies the caller from X-User and X-Groups. Demo only.
func headerClient(r *http.Request) (directory.ClientContext, error) {
	user := strings.TrimSpace(r.Header.Get("X-User"))
	if user == "" {
		return directory.ClientContext{}, fmt.Errorf("X-User header missing: %w", httpauthz.ErrNoClient)
	}
	c := directory.ClientContext{Name: user, IDs: []string{user}}
	for g := range strings.SplitSeq(r.Header.Get("X-Groups"), ",") {
		if g = strings.TrimSpace(g); g != "" {
			c.Groups = append(c.Groups, g)
		}
	}
	return c, nil
}

// list returns the widgets of the checked scope (?scope=, default scope
// when absent).
func (inv *inventory) list(w http.ResponseWriter, r *http.Request) {
	_, scope, _ := httpauthz.ClientFromContext(r.Context())
	inv.mu.Lock()
	out := []Widget{}
	for _, wd := range inv.widgets {
		if scopes.Same(wd.Scope, scope) {
			out = append(out, *wd)
		}
	}
	inv.mu.Unlock()
	slices.SortFunc(out, func(a, b Widget) int { return strings.Compare(a.Name, b.Name) })
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (inv *inventory) show(w http.ResponseWriter, r *http.Request) {
	wd, ok := inv.get(r.PathValue("name"))
	if !ok {
		notFound(w, r.PathValue("name"))
		return
	}
	res, _ := httpauthz.ResultFromContext(r.Context())
	body := map[string]any{"widget": wd}
	if res.Grant != nil {
		body["grantedBy"] = res.Grant.Assignment
	}
	writeJSON(w, http.StatusOK, body)
}

// create makes a widget in the checked scope (?scope=).
func (inv *inventory) create(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	_, scope, _ := httpauthz.ClientFromContext(r.Context())
	inv.mu.Lock()
	_, exists := inv.widgets[name]
	wd := Widget{Name: name, Scope: scope, State: "dull"}
	if !exists {
		inv.widgets[name] = &wd
	}
	inv.mu.Unlock()
	if exists {
		writeJSON(w, http.StatusConflict, map[string]any{"error": map[string]string{
			"code": "conflict", "message": fmt.Sprintf("widget %q exists", name)}})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"widget": wd})
}

func (inv *inventory) delete(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	inv.mu.Lock()
	_, ok := inv.widgets[name]
	delete(inv.widgets, name)
	inv.mu.Unlock()
	if !ok {
		notFound(w, name)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (inv *inventory) polish(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	inv.mu.Lock()
	wd, ok := inv.widgets[name]
	var out Widget
	if ok {
		wd.State = "shiny"
		out = *wd
	}
	inv.mu.Unlock()
	if !ok {
		notFound(w, name)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"widget": out})
}

func notFound(w http.ResponseWriter, name string) {
	writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]string{
		"code": "not_found", "message": fmt.Sprintf("widget %q not found", name)}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
