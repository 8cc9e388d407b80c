package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/azgate/azgate/authz"
)

// Directory authenticates callers and produces their client contexts. The
// local directory (package localdir) satisfies it; with --directory ldap the
// server composes ldapsync (passwords, users) with the local directory (API
// tokens) in ldapDirectory.
type Directory interface {
	// Authenticate checks a user name and password and returns the user's
	// client context (IDs and transitive groups). Wrong credentials, unknown
	// users included, are an error; the server answers 401 for any error but
	// ldapsync.ErrUnavailable (the directory cannot answer), which is a 503,
	// and ldapsync.ErrLimit (too many groups), which is a 403.
	Authenticate(ctx context.Context, user, password string) (authz.ClientContext, error)
	// AuthenticateToken checks an API token (the Bearer credential) and
	// returns its owner's client context, or an error.
	AuthenticateToken(ctx context.Context, token string) (authz.ClientContext, error)
}

// Resolver is an optional Directory capability: the client context of a
// user named by a trusted checker without a group list.
type Resolver interface {
	// Resolve returns the client context of the user given by name or SID,
	// or an error wrapping a not-found sentinel when there is none.
	Resolve(ctx context.Context, name string) (authz.ClientContext, error)
}

type ctxKey int

const clientKey ctxKey = iota

// clientFrom returns the authenticated caller of a request. Handlers behind
// authenticate always have one; ok is false only for public routes.
func clientFrom(ctx context.Context) (authz.ClientContext, bool) {
	c, ok := ctx.Value(clientKey).(authz.ClientContext)
	return c, ok
}

// authenticate checks the request's credentials: HTTP Basic against the
// directory (refused over plain HTTP unless the client is on loopback) or a
// Bearer API token. Anything else, or wrong credentials, is a 401.
func (s *Server) authenticate(next http.Handler, writeError func(http.ResponseWriter, *http.Request, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.credentials(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey, c)))
	})
}

func (s *Server) credentials(r *http.Request) (authz.ClientContext, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return authz.ClientContext{}, errorf(http.StatusUnauthorized, CodeUnauthenticated,
			"authentication required: HTTP Basic or a Bearer API token")
	}
	scheme, cred, _ := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "Basic"):
		if r.TLS == nil && !isLoopback(r.RemoteAddr) {
			return authz.ClientContext{}, errorf(http.StatusUnauthorized, CodeUnauthenticated,
				"HTTP Basic credentials are refused over plain HTTP from a remote client; use HTTPS or a Bearer token")
		}
		user, pass, ok := r.BasicAuth()
		if !ok || user == "" {
			return authz.ClientContext{}, errorf(http.StatusUnauthorized, CodeUnauthenticated, "malformed Basic credentials")
		}
		return s.passwordLogin(r, user, pass)
	case strings.EqualFold(scheme, "Bearer"):
		if cred == "" {
			return authz.ClientContext{}, errorf(http.StatusUnauthorized, CodeUnauthenticated, "empty Bearer token")
		}
		c, err := s.dir.AuthenticateToken(r.Context(), cred)
		if err != nil {
			return authz.ClientContext{}, &apiError{status: http.StatusUnauthorized, code: CodeUnauthenticated,
				message: "unknown or revoked API token", err: err}
		}
		return c, nil
	}
	// The scheme is not quoted back: without a space it is the whole
	// header, which may be a credential.
	return authz.ClientContext{}, errorf(http.StatusUnauthorized, CodeUnauthenticated,
		"unsupported authorization scheme: use Basic or Bearer")
}

// isLoopback reports whether a RemoteAddr (host:port) is a loopback address.
func isLoopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// passwordLogin checks a user name and password against the directory,
// within the failed-login budgets of the client address and the account:
// HTTP Basic and the console's sign-in form both come here.
func (s *Server) passwordLogin(r *http.Request, user, pass string) (authz.ClientContext, error) {
	end, retry, ok := s.logins.begin(r.RemoteAddr, user)
	if !ok {
		return authz.ClientContext{}, &apiError{status: http.StatusTooManyRequests, code: CodeTooManyRequests,
			message: "too many failed logins from this address, or for this account from this address; retry later", retryAfter: retry}
	}
	c, err := s.dir.Authenticate(r.Context(), user, pass)
	// Only wrong credentials spend the budgets, not a directory or a
	// server that cannot answer.
	derr := directoryError(err)
	busy := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
	end(err != nil && !busy && derr == nil)
	if derr != nil {
		return authz.ClientContext{}, derr
	}
	if busy {
		return authz.ClientContext{}, &apiError{status: http.StatusServiceUnavailable, code: CodeUnavailable,
			message: "the server is busy checking passwords; retry later", err: err, retryAfter: time.Second}
	}
	if err != nil {
		return authz.ClientContext{}, &apiError{status: http.StatusUnauthorized, code: CodeUnauthenticated,
			message: "wrong user name or password", err: err}
	}
	return c, nil
}
