package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/directory/localdir"
	"github.com/azgate/azgate/internal/policygen"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy/stores"
	"github.com/azgate/azgate/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "azgate-load:", err)
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	duration    time.Duration
	warmup      time.Duration
	concurrency []int
	kinds       []string
	batchItems  int
	bodies      int
	maxRequests int64
	seed        uint64
	rounds      int
	cpuProfile  string
	only        string // "", "azgate" or "ceiling"
}

// Kinds of load.
const (
	kindSingle = "single"
	kindBatch  = "batch100"
	batchOps   = 100 // operations per batch request
)

// Targets.
const (
	targetAzgate  = "azgate"
	targetCeiling = "ceiling"
)

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("azgate-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "measured time per setting (target × kind × concurrency)")
	fs.DurationVar(&cfg.warmup, "warmup", 0, "unmeasured time before each setting (default: duration/10, at most 1s)")
	conc := fs.String("concurrency", "1,4,16", "comma-separated client concurrencies")
	kinds := fs.String("kinds", kindSingle+","+kindBatch, "comma-separated kinds of load: single, batch100")
	fs.IntVar(&cfg.batchItems, "batch-items", 10, "check items per batch request; the 100 operations are split evenly among them (1: one check of 100 operations; 100: 100 single-operation checks)")
	fs.IntVar(&cfg.bodies, "bodies", 4096, "distinct request bodies per kind, cycled through")
	fs.Int64Var(&cfg.maxRequests, "max-requests", 50_000_000, "upper bound on the requests of one setting")
	fs.IntVar(&cfg.rounds, "rounds", 5, "slices each setting's measured time is cut into, alternating between the targets")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the large policy and of the requests")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run (servers and generator) to FILE")
	fs.StringVar(&cfg.only, "only", "", "measure only this target: azgate or ceiling")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.duration <= 0 || cfg.duration > 10*time.Minute {
		return cfg, fmt.Errorf("-duration %s: want more than 0 and at most 10m", cfg.duration)
	}
	if cfg.warmup == 0 {
		cfg.warmup = min(cfg.duration/10, time.Second)
	}
	if cfg.warmup < 0 || cfg.warmup > time.Minute {
		return cfg, fmt.Errorf("-warmup %s: want 0 to 1m", cfg.warmup)
	}
	for f := range strings.SplitSeq(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1024 {
			return cfg, fmt.Errorf("-concurrency: %q is not a number from 1 to 1024", f)
		}
		cfg.concurrency = append(cfg.concurrency, n)
	}
	for k := range strings.SplitSeq(*kinds, ",") {
		k = strings.TrimSpace(k)
		if k != kindSingle && k != kindBatch {
			return cfg, fmt.Errorf("-kinds: unknown kind %q; want %s or %s", k, kindSingle, kindBatch)
		}
		cfg.kinds = append(cfg.kinds, k)
	}
	if cfg.batchItems < 1 || cfg.batchItems > batchOps || batchOps%cfg.batchItems != 0 {
		return cfg, fmt.Errorf("-batch-items %d: want a divisor of %d", cfg.batchItems, batchOps)
	}
	if cfg.bodies < 1 || cfg.bodies > 1<<16 {
		return cfg, fmt.Errorf("-bodies %d: want 1 to 65536", cfg.bodies)
	}
	if cfg.rounds < 1 || cfg.rounds > 100 {
		return cfg, fmt.Errorf("-rounds %d: want 1 to 100", cfg.rounds)
	}
	if cfg.maxRequests < 1 {
		return cfg, fmt.Errorf("-max-requests %d: want at least 1", cfg.maxRequests)
	}
	switch cfg.only {
	case "", targetAzgate, targetCeiling:
	default:
		return cfg, fmt.Errorf("-only %q: want %s or %s", cfg.only, targetAzgate, targetCeiling)
	}
	return cfg, nil
}

// run is the whole program; tests call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }

	start := time.Now()
	env, err := setup(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	logf("setup: large policy (%d users, %d scopes), %d KiB store, servers up in %s",
		policygen.LargeUsers, policygen.LargeScopes, env.storeBytes>>10, time.Since(start).Round(time.Millisecond))

	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}

	var rows []result
	targets := []target{{name: targetCeiling, url: env.ceilingURL + "/v1/check"}, {name: targetAzgate, url: env.azgateURL + "/v1/check"}}
	if cfg.only != "" {
		targets = slices.DeleteFunc(targets, func(t target) bool { return t.name != cfg.only })
	}
	for _, kind := range cfg.kinds {
		bodies := env.single
		if kind == kindBatch {
			bodies = env.batch
		}
		for _, conc := range cfg.concurrency {
			rs, err := measure(ctx, cfg, targets, env.token, bodies, conc)
			if err != nil {
				return fmt.Errorf("%s c=%d: %w", kind, conc, err)
			}
			for _, r := range rs {
				r.kind, r.conc = kind, conc
				r.decisions = r.rps * float64(bodies.ops)
				rows = append(rows, r)
				logf("%-8s %-9s c=%-3d %9.0f req/s  p50 %-9s p99 %s", r.target, kind, conc, r.rps, fmtDur(r.p50), fmtDur(r.p99))
			}
		}
	}
	return report(stdout, cfg, rows)
}

// fmtDur prints a latency with 3 significant digits.
func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
}

// result is one measured setting.
type result struct {
	target, kind string
	conc         int
	requests     int64
	elapsed      time.Duration
	rps          float64
	decisions    float64
	p50, p99     time.Duration
}

// report prints the table and the verdict on the targets.
func report(w io.Writer, cfg config, rows []result) error {
	ceiling := map[string]result{}
	for _, r := range rows {
		if r.target == targetCeiling {
			ceiling[r.kind+"/"+strconv.Itoa(r.conc)] = r
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "target\tconc\tkind\treq/s\tdecisions/s\tp50\tp99\tvs ceiling req/s\tvs ceiling p99\t\n")
	for _, r := range rows {
		ratio, p99ratio := "-", "-"
		if c, ok := ceiling[r.kind+"/"+strconv.Itoa(r.conc)]; ok && r.target != targetCeiling && c.rps > 0 && c.p99 > 0 {
			ratio = fmt.Sprintf("%.0f%%", 100*r.rps/c.rps)
			p99ratio = fmt.Sprintf("%.2f×", float64(r.p99)/float64(c.p99))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t\n", r.target, r.conc, r.kind, r.rps, r.decisions,
			fmtDur(r.p50), fmtDur(r.p99), ratio, p99ratio)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s per setting and target (in %d alternating slices) after %s warm-up; batches of %d checks × %d operations; GOMAXPROCS=%d\n",
		cfg.duration, cfg.rounds, cfg.warmup, cfg.batchItems, batchOps/cfg.batchItems, runtime.GOMAXPROCS(0))
	// Targets (issue 3): single checks at the highest concurrency ≥ 80% of
	// the ceiling's req/s with p99 ≤ 1.25× the ceiling's; batches ≥ 1e6
	// decisions/s.
	maxConc := slices.Max(cfg.concurrency)
	for _, r := range rows {
		if r.target != targetAzgate || r.conc != maxConc {
			continue
		}
		switch r.kind {
		case kindSingle:
			c, ok := ceiling[r.kind+"/"+strconv.Itoa(r.conc)]
			if !ok {
				continue
			}
			okRate := r.rps >= 0.8*c.rps
			okP99 := float64(r.p99) <= 1.25*float64(c.p99)
			fmt.Fprintf(w, "target single c=%d: req/s %.0f%% of ceiling (want >= 80%%) %s; p99 %.2f× ceiling (want <= 1.25×) %s\n",
				r.conc, 100*r.rps/c.rps, verdict(okRate), float64(r.p99)/float64(c.p99), verdict(okP99))
		case kindBatch:
			fmt.Fprintf(w, "target batch100 c=%d: %.0f decisions/s (want >= 1000000) %s\n", r.conc, r.decisions, verdict(r.decisions >= 1e6))
		}
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "MET"
	}
	return "MISSED"
}

// bodySet is a kind's pre-encoded request bodies.
type bodySet struct {
	bodies [][]byte
	ops    int // operations decided per request
	items  int // check items per request (1 for a single check)
}

// env is the running servers and the request bodies.
type env struct {
	azgateURL, ceilingURL string
	token                 string
	single, batch         bodySet
	storeBytes            int64
	closers               []func()
}

func (e *env) close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
}

// setup builds the policy, the store, the directory, both servers and the
// request bodies.
func setup(ctx context.Context, cfg config, stderr io.Writer) (_ *env, err error) {
	e := &env{}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	dir, err := os.MkdirTemp("", "azgate-load-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	e.closers = append(e.closers, func() { _ = os.RemoveAll(dir) })

	p, clients := policygen.GenerateLarge(cfg.seed)
	storeURL := "msxml://" + filepath.Join(dir, "large.xml")
	st, err := stores.Open(ctx, storeURL, stores.Options{})
	if err != nil {
		return nil, err
	}
	_, err = st.Save(ctx, p, 0)
	_ = st.Close()
	if err != nil {
		return nil, fmt.Errorf("write large policy: %w", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "large.xml")); err == nil {
		e.storeBytes = fi.Size()
	}

	// The directory: an administrator (a member of BUILTIN\Administrators,
	// which the delegation application lets check) and its API token.
	dataDir := filepath.Join(dir, "data")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	dirPath := filepath.Join(dataDir, server.DirectoryFile)
	ld, err := localdir.Open(ctx, dirPath, localdir.WithBcryptCost(4))
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	e.closers = append(e.closers, func() { _ = ld.Close() })
	const admin = "load-admin"
	if _, _, err := ld.EnsureAdmin(ctx, admin, randomPassword()); err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	if e.token, err = ld.CreateToken(ctx, admin, "azgate-load"); err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}

	// The real server.
	scfg := server.DefaultConfig()
	scfg.Listen = "127.0.0.1:0"
	scfg.StoreURL = storeURL
	scfg.DataDir = dataDir
	scfg.AdminUser = admin
	scfg.BcryptCost = 4
	scfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := server.New(ctx, scfg)
	if err != nil {
		return nil, fmt.Errorf("azgate server: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = srv.Close()
		return nil, err
	}
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()
	e.closers = append(e.closers, func() { stop(); <-served })
	e.azgateURL = "http://" + ln.Addr().String()

	// The ceiling server.
	cln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: ceilingHandler(ld), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(cln) }()
	e.closers = append(e.closers, func() { _ = hs.Close() })
	e.ceilingURL = "http://" + cln.Addr().String()

	// Request bodies.
	reqs := policygen.LargeRequests(p, clients, cfg.seed, cfg.bodies*cfg.batchItems)
	if e.single, err = singleBodies(clients, reqs[:cfg.bodies]); err != nil {
		return nil, err
	}
	if e.batch, err = batchBodies(clients, reqs, cfg.bodies, cfg.batchItems); err != nil {
		return nil, err
	}

	// Both answer, and the token is accepted (a 403 here means the
	// delegation application does not let the administrator check).
	for _, u := range []string{e.azgateURL, e.ceilingURL} {
		if err := probe(ctx, u+"/v1/check", e.token, e.single.bodies[0], 1); err != nil {
			return nil, err
		}
		if err := probe(ctx, u+"/v1/check", e.token, e.batch.bodies[0], cfg.batchItems); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func randomPassword() string {
	var b [18]byte
	_, _ = crand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// checkItem is the JSON of one check (api.CheckItem's wire form).
type checkItem struct {
	User       string          `json:"user"`
	IDs        []string        `json:"ids,omitempty"`
	Groups     []string        `json:"groups"`
	Scope      string          `json:"scope,omitempty"`
	Operations []operations.ID `json:"operations"`
}

func itemOf(c directory.ClientContext, r policygen.LargeRequest, nops int) checkItem {
	it := checkItem{User: c.IDs[0], IDs: c.IDs[1:], Groups: c.Groups, Scope: r.Scope}
	if it.Groups == nil {
		it.Groups = []string{}
	}
	all := operations.All()
	first := slices.IndexFunc(all, func(o operations.Operation) bool { return o.ID == r.Op })
	for k := range nops {
		it.Operations = append(it.Operations, all[(first+k)%len(all)].ID)
	}
	return it
}

func singleBodies(clients []directory.ClientContext, reqs []policygen.LargeRequest) (bodySet, error) {
	bs := bodySet{ops: 1, items: 1}
	for _, r := range reqs {
		b, err := json.Marshal(itemOf(clients[r.Client], r, 1))
		if err != nil {
			return bs, err
		}
		bs.bodies = append(bs.bodies, b)
	}
	return bs, nil
}

func batchBodies(clients []directory.ClientContext, reqs []policygen.LargeRequest, n, items int) (bodySet, error) {
	bs := bodySet{ops: batchOps, items: items}
	per := batchOps / items
	for i := range n {
		var batch struct {
			Checks []checkItem `json:"checks"`
		}
		for _, r := range reqs[i*items : (i+1)*items] {
			batch.Checks = append(batch.Checks, itemOf(clients[r.Client], r, per))
		}
		b, err := json.Marshal(batch)
		if err != nil {
			return bs, err
		}
		bs.bodies = append(bs.bodies, b)
	}
	return bs, nil
}

// probe sends one request and checks that the answer has one result list
// per item.
func probe(ctx context.Context, url, token string, body []byte, items int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("probe %s: HTTP %d: %s", url, resp.StatusCode, bytes.TrimSpace(raw))
	}
	var out struct {
		Results json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("probe %s: %w", url, err)
	}
	if items > 1 || bytes.Contains(body, []byte(`"checks"`)) {
		var lists [][]api.CheckResult
		if err := json.Unmarshal(out.Results, &lists); err != nil || len(lists) != items {
			return fmt.Errorf("probe %s: batch answer with %d result lists (%v), want %d", url, len(lists), err, items)
		}
		return nil
	}
	var list []api.CheckResult
	if err := json.Unmarshal(out.Results, &list); err != nil || len(list) != 1 {
		return fmt.Errorf("probe %s: single answer %s (%v), want 1 result", url, out.Results, err)
	}
	return nil
}

// ceilingHandler does what the check endpoint does except deciding: it
// authenticates the bearer token against the same directory, decodes the
// body into the server's request type (operation names and IDs resolved
// against the catalog), and answers with a fixed decision per operation,
// written without reflection.
func ceilingHandler(dir *localdir.Directory) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/check" {
			http.Error(w, `{"error":{"code":"not_found","message":"no route"}}`, http.StatusNotFound)
			return
		}
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			http.Error(w, `{"error":{"code":"unauthenticated","message":"bearer token required"}}`, http.StatusUnauthorized)
			return
		}
		if _, err := dir.AuthenticateToken(r.Context(), token); err != nil {
			http.Error(w, `{"error":{"code":"unauthenticated","message":"unknown token"}}`, http.StatusUnauthorized)
			return
		}
		var req api.CheckRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, server.DefaultMaxBodyBytes))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			http.Error(w, `{"error":{"code":"invalid_request","message":"malformed JSON"}}`, http.StatusBadRequest)
			return
		}
		// The fixed answer: one constant result per operation, in the
		// shape the server answers with.
		bp := answerPool.Get().(*[]byte)
		defer answerPool.Put(bp)
		b := append((*bp)[:0], `{"results":`...)
		results := func(b []byte, n int) []byte {
			b = append(b, '[')
			for i := range n {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, fixedResult...)
			}
			return append(b, ']')
		}
		if req.Checks != nil {
			b = append(b, '[')
			for i := range req.Checks {
				if i > 0 {
					b = append(b, ',')
				}
				b = results(b, len(req.Checks[i].Operations))
			}
			b = append(b, ']')
		} else {
			b = results(b, len(req.Operations))
		}
		b = append(b, `,"revision":1}`+"\n"...)
		*bp = b
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(b)
	})
}

// fixedResult is the ceiling's answer for every operation.
const fixedResult = `{"operation":"View Virtual Machine Configuration","id":309,"allowed":true}`

var answerPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// maxSamplesPerWorker bounds the latency samples a worker keeps.
const maxSamplesPerWorker = 1 << 20

// target is a server under load.
type target struct {
	name, url string
}

// measure drives every target with one kind of load at one concurrency.
// The measured time is cut into cfg.rounds slices that alternate between
// the targets (ceiling, azgate, azgate, ceiling, ...), so that whatever
// else the machine does falls on both alike. Each target keeps its
// keep-alive connections across its slices.
func measure(ctx context.Context, cfg config, targets []target, token string, bs bodySet, conc int) ([]result, error) {
	type acc struct {
		count   int64
		elapsed time.Duration
		lat     []time.Duration
	}
	accs := make([]acc, len(targets))
	clients := make([]*http.Client, len(targets))
	for i := range targets {
		tr := &http.Transport{
			MaxIdleConns: conc, MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc,
			IdleConnTimeout: time.Minute, DisableCompression: true,
			DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		}
		defer tr.CloseIdleConnections()
		clients[i] = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	}
	slice := cfg.duration / time.Duration(cfg.rounds)
	maxReq := max(cfg.maxRequests/int64(cfg.rounds), 1)
	for round := range cfg.rounds {
		warm := cfg.warmup
		if round > 0 {
			warm = min(cfg.warmup, 20*time.Millisecond) // connections are open already
		}
		for k := range targets {
			i := k
			if round%2 == 1 {
				i = len(targets) - 1 - k
			}
			n, el, lat, err := drive(ctx, clients[i], targets[i].url, "Bearer "+token, bs, conc, warm, slice, maxReq)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", targets[i].name, err)
			}
			accs[i].count += n
			accs[i].elapsed += el
			accs[i].lat = append(accs[i].lat, lat...)
		}
	}
	out := make([]result, len(targets))
	for i, a := range accs {
		if len(a.lat) == 0 || a.elapsed <= 0 {
			return nil, fmt.Errorf("%s: no request completed in the measured time", targets[i].name)
		}
		slices.Sort(a.lat)
		out[i] = result{target: targets[i].name, requests: a.count, elapsed: a.elapsed,
			rps: float64(a.count) / a.elapsed.Seconds(), p50: quantile(a.lat, 0.50), p99: quantile(a.lat, 0.99)}
	}
	return out, nil
}

// drive sends bodies to url from conc workers sharing client: warmup
// unmeasured, then dur (or maxRequests requests) measured. It returns the
// measured requests, the measured time and the latencies.
func drive(ctx context.Context, client *http.Client, url, auth string, bs bodySet, conc int, warmup, dur time.Duration, maxRequests int64) (int64, time.Duration, []time.Duration, error) {
	var (
		measuring atomic.Bool
		stop      atomic.Bool
		count     atomic.Int64
		firstErr  error
		errOnce   sync.Once
		stopOnce  sync.Once
		wg        sync.WaitGroup
	)
	stopped := make(chan struct{})
	halt := func() {
		stop.Store(true)
		stopOnce.Do(func() { close(stopped) })
	}
	samples := make([][]time.Duration, conc)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err })
		halt()
	}
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 4096)
			buf := make([]byte, 0, 64<<10)
			i := w*len(bs.bodies)/conc + rand.IntN(len(bs.bodies))
			for !stop.Load() {
				body := bs.bodies[i%len(bs.bodies)]
				i++
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
				if err != nil {
					fail(err)
					return
				}
				req.Header.Set("Authorization", auth)
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					fail(err)
					return
				}
				buf, err = readAll(resp.Body, buf[:0])
				resp.Body.Close()
				d := time.Since(t0)
				if err != nil {
					fail(fmt.Errorf("read answer: %w", err))
					return
				}
				if resp.StatusCode != http.StatusOK {
					fail(fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(buf)))
					return
				}
				if measuring.Load() {
					if len(lat) < maxSamplesPerWorker {
						lat = append(lat, d)
					}
					if count.Add(1) >= maxRequests {
						halt()
					}
				}
			}
			samples[w] = lat
		}()
	}
	sleep(ctx, stopped, warmup)
	measuring.Store(true)
	t0 := time.Now()
	sleep(ctx, stopped, dur)
	halt()
	elapsed := time.Since(t0)
	wg.Wait()
	if firstErr != nil {
		return 0, 0, nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, nil, err
	}
	var all []time.Duration
	for _, s := range samples {
		all = append(all, s...)
	}
	return count.Load(), elapsed, all, nil
}

// sleep waits d, or until ctx ends or stopped is closed.
func sleep(ctx context.Context, stopped <-chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-stopped:
	}
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// readAll reads r into buf, growing it.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, cap(buf)+1)
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
