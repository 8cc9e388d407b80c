package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/directory"
)

type ctxKey int

const clientKey ctxKey = iota

// clientFrom returns the authenticated caller of a request. Handlers behind
// authenticate always have one; ok is false only for public routes.
func clientFrom(ctx context.Context) (directory.ClientContext, bool) {
	c, ok := ctx.Value(clientKey).(directory.ClientContext)
	return c, ok
}

// asCaller adapts a handler that acts for the authenticated caller. Every
// route it serves sits behind authenticate, which puts the caller in the
// context; a request without one is refused (401), never served as a
// nameless caller.
func asCaller(h func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, ok := clientFrom(r.Context())
		if !ok {
			return errUnauthenticated
		}
		return h(w, r, c)
	}
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

func (s *Server) credentials(r *http.Request) (directory.ClientContext, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return directory.ClientContext{}, errorf(http.StatusUnauthorized, api.CodeUnauthenticated,
			"authentication required: HTTP Basic or a Bearer API token")
	}
	scheme, cred, _ := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "Basic"):
		if r.TLS == nil && !isLoopback(r.RemoteAddr) {
			return directory.ClientContext{}, errorf(http.StatusUnauthorized, api.CodeUnauthenticated,
				"HTTP Basic credentials are refused over plain HTTP from a remote client; use HTTPS or a Bearer token")
		}
		user, pass, ok := r.BasicAuth()
		if !ok || user == "" {
			return directory.ClientContext{}, errorf(http.StatusUnauthorized, api.CodeUnauthenticated, "malformed Basic credentials")
		}
		return s.passwordLogin(r, user, pass)
	case strings.EqualFold(scheme, "Bearer"):
		if cred == "" {
			return directory.ClientContext{}, errorf(http.StatusUnauthorized, api.CodeUnauthenticated, "empty Bearer token")
		}
		c, err := s.dir.AuthenticateToken(r.Context(), cred)
		if err != nil {
			return directory.ClientContext{}, &apiError{status: http.StatusUnauthorized, code: api.CodeUnauthenticated,
				message: "unknown or revoked API token", err: err}
		}
		return c, nil
	}
	// The scheme is not quoted back: without a space it is the whole
	// header, which may be a credential.
	return directory.ClientContext{}, errorf(http.StatusUnauthorized, api.CodeUnauthenticated,
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
func (s *Server) passwordLogin(r *http.Request, user, pass string) (directory.ClientContext, error) {
	end, retry, ok := s.logins.begin(r.RemoteAddr, user)
	if !ok {
		return directory.ClientContext{}, &apiError{status: http.StatusTooManyRequests, code: api.CodeTooManyRequests,
			message: "too many failed logins from this address, or for this account from this address; retry later", retryAfter: retry}
	}
	c, err := s.dir.Authenticate(r.Context(), user, pass)
	// Only wrong credentials spend the budgets, not a directory or a
	// server that cannot answer.
	derr := directoryError(err)
	busy := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
	end(err != nil && !busy && derr == nil)
	if derr != nil {
		return directory.ClientContext{}, derr
	}
	if busy {
		return directory.ClientContext{}, &apiError{status: http.StatusServiceUnavailable, code: api.CodeUnavailable,
			message: "the server is busy checking passwords; retry later", err: err, retryAfter: time.Second}
	}
	if err != nil {
		return directory.ClientContext{}, &apiError{status: http.StatusUnauthorized, code: api.CodeUnauthenticated,
			message: "wrong user name or password", err: err}
	}
	return c, nil
}
