package main

import (
	"context"
	"encoding/json"
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

	"github.com/gorilla/mux"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policies"
	"github.com/azgate/azgate/policy/stores"
	"github.com/azgate/azgate/policy/xmlstore"
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
	storeURL := fs.String("store", "", "policy store URL (msxml://PATH); empty: the embedded example policy")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	dec, err := newDecider(ctx, *storeURL, log)
	if err != nil {
		return err
	}
	h, err := newHandler(dec, newInventory(), log)
	if err != nil {
		return err
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

// newDecider compiles the embedded policy, or loads the store at storeURL
// into an authz.Live that keeps it current (reloading on every change)
// until ctx ends.
func newDecider(ctx context.Context, storeURL string, log *slog.Logger) (authz.Decider, error) {
	if storeURL == "" {
		p, _, _, err := xmlstore.Parse(strings.NewReader(string(policies.BookRoles())), "embedded book-roles.xml")
		if err != nil {
			return nil, fmt.Errorf("embedded policy: %w", err)
		}
		return authz.Compile(p, "", authz.Options{Logger: log})
	}
	st, err := stores.Open(ctx, storeURL, stores.Options{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	live, err := authz.NewLive(ctx, st, "", authz.Options{Logger: log}, log)
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("policy %s: %w", storeURL, err)
	}
	log.Info("policy loaded", "store", storeURL, "revision", live.Current().Revision)
	go func() {
		defer st.Close()
		if err := live.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("policy watch stopped; store changes are no longer picked up", "store", storeURL, "err", err)
		}
	}()
	return live, nil
}

// VM is a virtual machine of the demo inventory.
type VM struct {
	Name  string `json:"name"`
	Scope string `json:"scope"` // ScopeOfResidence; "" is the default scope
	State string `json:"state"`
}

// inventory is the server's own data: a few VMs in memory.
type inventory struct {
	mu  sync.Mutex
	vms map[string]*VM
}

func newInventory() *inventory {
	return &inventory{vms: map[string]*VM{
		"web01": {Name: "web01", State: "Off"},
		"lab01": {Name: "lab01", Scope: "Lab", State: "Off"},
		"lab02": {Name: "lab02", Scope: "Lab", State: "Running"},
	}}
}

func (inv *inventory) get(name string) (VM, bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	vm, ok := inv.vms[name]
	if !ok {
		return VM{}, false
	}
	return *vm, true
}

// routes maps each gated route (by mux route name) to its operation.
var routes = map[string]operations.ID{
	"list-vms":  operations.ViewVMConfiguration,
	"get-vm":    operations.ViewVMConfiguration,
	"start-vm":  operations.StartVM,
	"stop-vm":   operations.StopVM,
	"delete-vm": operations.DeleteVM,
}

// newHandler builds the router: /healthz open, /vms... gated.
func newHandler(d authz.Decider, inv *inventory, log *slog.Logger) (http.Handler, error) {
	opFor, err := authz.RouteOperations(routes)
	if err != nil {
		return nil, err
	}
	gate := authz.Middleware(d, authz.MiddlewareOptions{
		Client:    headerClient,
		Operation: opFor,
		Scope: func(r *http.Request) (string, error) {
			if name, ok := mux.Vars(r)["name"]; ok {
				// The VM's scope of residence. An unknown VM is checked in
				// the default scope; the handler then answers 404.
				vm, _ := inv.get(name)
				return vm.Scope, nil
			}
			return r.URL.Query().Get("scope"), nil // listings
		},
		OnDecision: func(r *http.Request, d authz.Decision) {
			log.Debug("decision", "principal", d.Client.Name, "operation", d.Operation.Name, "scope", d.Scope, "allowed", d.Allowed)
		},
		Logger: log,
	})
	root := mux.NewRouter()
	root.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	api := root.PathPrefix("/vms").Subrouter()
	api.Use(gate)
	api.HandleFunc("", inv.list).Methods(http.MethodGet).Name("list-vms")
	api.HandleFunc("/{name}", inv.show).Methods(http.MethodGet).Name("get-vm")
	api.HandleFunc("/{name}", inv.delete).Methods(http.MethodDelete).Name("delete-vm")
	api.HandleFunc("/{name}/start", inv.setState("Running")).Methods(http.MethodPost).Name("start-vm")
	api.HandleFunc("/{name}/stop", inv.setState("Off")).Methods(http.MethodPost).Name("stop-vm")
	return root, nil
}

// headerClient identifies the caller from X-User and X-Groups. Demo only.
func headerClient(r *http.Request) (authz.ClientContext, error) {
	user := strings.TrimSpace(r.Header.Get("X-User"))
	if user == "" {
		return authz.ClientContext{}, fmt.Errorf("X-User header missing: %w", authz.ErrNoClient)
	}
	c := authz.ClientContext{Name: user, IDs: []string{user}}
	for g := range strings.SplitSeq(r.Header.Get("X-Groups"), ",") {
		if g = strings.TrimSpace(g); g != "" {
			c.Groups = append(c.Groups, g)
		}
	}
	return c, nil
}

// list returns the VMs of the checked scope (?scope=, default scope when
// absent).
func (inv *inventory) list(w http.ResponseWriter, r *http.Request) {
	_, scope, _ := authz.ClientFromContext(r.Context())
	inv.mu.Lock()
	out := []VM{}
	for _, vm := range inv.vms {
		if strings.EqualFold(vm.Scope, scope) {
			out = append(out, *vm)
		}
	}
	inv.mu.Unlock()
	slices.SortFunc(out, func(a, b VM) int { return strings.Compare(a.Name, b.Name) })
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (inv *inventory) show(w http.ResponseWriter, r *http.Request) {
	vm, ok := inv.get(mux.Vars(r)["name"])
	if !ok {
		notFound(w, mux.Vars(r)["name"])
		return
	}
	res, _ := authz.ResultFromContext(r.Context())
	body := map[string]any{"vm": vm}
	if res.Grant != nil {
		body["grantedBy"] = res.Grant.Assignment
	}
	writeJSON(w, http.StatusOK, body)
}

func (inv *inventory) delete(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["name"]
	inv.mu.Lock()
	_, ok := inv.vms[name]
	delete(inv.vms, name)
	inv.mu.Unlock()
	if !ok {
		notFound(w, name)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (inv *inventory) setState(state string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := mux.Vars(r)["name"]
		inv.mu.Lock()
		vm, ok := inv.vms[name]
		var out VM
		if ok {
			vm.State = state
			out = *vm
		}
		inv.mu.Unlock()
		if !ok {
			notFound(w, name)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"vm": out})
	}
}

func notFound(w http.ResponseWriter, name string) {
	writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]string{
		"code": "not_found", "message": fmt.Sprintf("virtual machine %q not found", name)}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
