package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/policy"
)

// Health is the body of /healthz and /readyz.
type Health struct {
	Status   string `json:"status"` // ok, ready, degraded, shutting down
	Revision uint64 `json:"revision"`
	// Reason says why the server is not ready: coarse words, or the
	// details for a caller holding Read Policy.
	Reason string `json:"reason,omitempty"`
	// Policy is the live policy's status (readyz, to a caller holding
	// Read Policy only).
	Policy *authz.Status `json:"policy,omitempty"`
}

// storeProbe tells whether the policy store answers, at most once per ttl.
type storeProbe struct {
	store policy.Store
	ttl   time.Duration

	mu   sync.Mutex
	at   time.Time
	last error
}

func (p *storeProbe) check(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.at.IsZero() && time.Since(p.at) < p.ttl {
		return p.last
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	type reviser interface {
		Revision(ctx context.Context) (policy.Revision, error)
	}
	var err error
	if r, ok := p.store.(reviser); ok {
		_, err = r.Revision(ctx)
	} else {
		_, _, err = p.store.Load(ctx)
	}
	p.at, p.last = time.Now(), err
	return err
}

func (s *Server) opsRoutes() []route {
	const tag = "operations"
	return []route{
		{name: "healthz", method: http.MethodGet, path: "/healthz", tag: tag, access: public,
			summary: "Liveness: the process serves HTTP", resp: Health{},
			h: func(w http.ResponseWriter, r *http.Request) error {
				writeJSON(w, http.StatusOK, Health{Status: "ok", Revision: uint64(s.live.Status().Revision)})
				return nil
			}},
		{name: "readyz", method: http.MethodGet, path: "/readyz", tag: tag, access: public,
			summary: "Readiness: 503 when the last policy reload failed, the store or the LDAP directory is unreachable, or the server is stopping; " +
				"the reason in coarse words, with details (store, directory, errors, policy status) only for callers holding Read Policy",
			resp: Health{}, h: s.readyz},
		{name: "openapi", method: http.MethodGet, path: "/openapi.json", tag: tag, access: public,
			summary: "This API's OpenAPI 3.1 description, generated from the router",
			h: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "application/json")
				_, err := w.Write(s.openapi)
				return err
			}},
		{name: "metrics", method: http.MethodGet, path: "/metrics", tag: tag, access: authenticated,
			summary: "Prometheus metrics (any authenticated caller)",
			h: func(w http.ResponseWriter, r *http.Request) error {
				s.metrics.handler().ServeHTTP(w, r)
				return nil
			}},
		{name: "me", method: http.MethodGet, path: "/v1/me", tag: tag, access: authenticated,
			summary: "The authenticated caller: identifiers and groups", resp: api.Me{},
			h: asCaller(func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error {
				writeJSON(w, http.StatusOK, api.Me{Name: c.Name, IDs: nonNil(c.IDs), Groups: nonNil(c.Groups)})
				return nil
			})},
	}
}

// readyz answers readiness. Anyone may ask; the answer names only coarse
// reasons ("policy reload failed", "policy store unreachable", "directory
// unreachable", "shutting down"). A caller whose credentials hold Read
// Policy gets the details too: the store and directory, their errors, the
// live policy's status.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	st := s.live.Status()
	var coarse, detail []string
	add := func(c, d string) { coarse, detail = append(coarse, c), append(detail, d) }
	status := "ready"
	switch {
	case !s.ready.Load():
		status = "shutting down"
		add("shutting down", "the server is not accepting work")
	case st.Degraded:
		status = "degraded"
		add("policy reload failed", fmt.Sprintf("the last policy reload failed (revision %d stays in force): %s", st.Revision, st.LastError))
	default:
		if err := s.probe.check(r.Context()); err != nil {
			add("policy store unreachable", fmt.Sprintf("the policy store %s is unreachable: %v", s.cfg.StoreURL, err))
		}
		if s.dprobe != nil {
			if err := s.dprobe.check(r.Context()); err != nil {
				add("directory unreachable", ldapReason(s.cfg.LDAP, err))
			}
		}
		if len(coarse) > 0 {
			status = "degraded"
		}
	}
	h := Health{Status: status, Revision: uint64(st.Revision), Reason: strings.Join(coarse, "; ")}
	if s.mayReadPolicy(r) {
		h.Reason, h.Policy = strings.Join(detail, "; "), &st
	}
	code := http.StatusOK
	if h.Status != "ready" {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, h)
	return nil
}

// mayReadPolicy reports whether a request to a public route carries
// credentials that hold Read Policy. Missing or wrong credentials are
// simply not enough: the route still answers.
func (s *Server) mayReadPolicy(r *http.Request) bool {
	if r.Header.Get("Authorization") == "" {
		return false
	}
	c, err := s.credentials(r)
	if err != nil {
		return false
	}
	// A yes/no question, not a request for the policy: no audit record and
	// no decision metric per probe.
	ok, _ := s.deleg.allowed(r.Context(), c, opReadPolicy)
	return ok
}

// nonNil is ss, or an empty list for nil (a JSON [] rather than null).
func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
