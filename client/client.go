package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// MaxResponseBytes bounds what the client reads of one answer.
const MaxResponseBytes = 16 << 20

// Client talks to one azgate server. It is safe for concurrent use.
type Client struct {
	base  *url.URL
	hc    *http.Client
	authz string // the Authorization header; "" sends none
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends the requests through hc (its transport, TLS
// configuration and timeout) instead of http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithToken authenticates with an API token, sent as a Bearer credential.
func WithToken(token string) Option {
	return func(c *Client) { c.authz = "Bearer " + token }
}

// WithBasicAuth authenticates with a user name and password (HTTP Basic;
// the server refuses it over plain HTTP unless the client is on loopback).
func WithBasicAuth(user, password string) Option {
	return func(c *Client) {
		r := http.Request{Header: http.Header{}}
		r.SetBasicAuth(user, password)
		c.authz = r.Header.Get("Authorization")
	}
}

// New returns a client of the server at baseURL (http://HOST:PORT or
// https://HOST:PORT, optionally with a path prefix).
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("azgate server URL %q: want http://HOST:PORT or https://HOST:PORT", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	c := &Client{base: u, hc: http.DefaultClient}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// BaseURL is the server's URL, as given to New.
func (c *Client) BaseURL() string { return c.base.String() }

// HasCredentials reports whether the client sends credentials.
func (c *Client) HasCredentials() bool { return c.authz != "" }

// request is one call: method and path (escaped, with any query), the
// body to send as JSON (nil: none), the If-Match revision (nil: none), and
// where to decode the answer (nil: discard it).
type request struct {
	method, path string
	body         any
	ifMatch      *Revision
	out          any
}

// do sends r. A 2xx answer is decoded into r.out and its ETag returned
// (0 without one); any other answer is an *Error (412: a *ConflictError).
func (c *Client) do(ctx context.Context, r request) (Revision, error) {
	var rd io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return 0, fmt.Errorf("%s %s: encode request: %w", r.method, r.path, err)
		}
		rd = bytes.NewReader(b)
	}
	target := c.base.String() + r.path
	req, err := http.NewRequestWithContext(ctx, r.method, target, rd)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", r.method, target, err)
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.authz != "" {
		req.Header.Set("Authorization", c.authz)
	}
	if r.ifMatch != nil {
		req.Header.Set("If-Match", r.ifMatch.ETag())
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("server %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return 0, fmt.Errorf("%s %s: read answer: %w", r.method, target, err)
	}
	if len(raw) > MaxResponseBytes {
		return 0, fmt.Errorf("%s %s: answer larger than %d bytes", r.method, target, MaxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 0, newError(r.method, target, resp, raw, r.ifMatch)
	}
	rev, _ := ParseETag(resp.Header.Get("ETag"))
	if r.out != nil && len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, r.out); err != nil {
			return rev, fmt.Errorf("%s %s: decode answer: %w", r.method, target, err)
		}
	}
	return rev, nil
}

// get decodes the answer of a GET.
func get[T any](ctx context.Context, c *Client, path string) (T, error) {
	var v T
	_, err := c.do(ctx, request{method: http.MethodGet, path: path, out: &v})
	return v, err
}

// send sends body with method and decodes the answer.
func send[T any](ctx context.Context, c *Client, method, path string, body any) (T, error) {
	var v T
	_, err := c.do(ctx, request{method: method, path: path, body: body, out: &v})
	return v, err
}

// seg escapes a name for a URL path segment.
func seg(s string) string { return url.PathEscape(s) }

// Revision is a policy store revision: the ETag of a policy read, the
// If-Match of a policy write.
type Revision uint64

// ETag is r as an HTTP entity tag.
func (r Revision) ETag() string { return `"` + strconv.FormatUint(uint64(r), 10) + `"` }

// ParseETag reads a revision from an ETag header value.
func ParseETag(s string) (Revision, error) {
	v := strings.Trim(strings.TrimPrefix(strings.TrimSpace(s), "W/"), `"`)
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, errors.New("ETag " + strconv.Quote(s) + ": not a store revision")
	}
	return Revision(n), nil
}

// Raw sends one request to path (escaped, with any query) with body as
// JSON (nil: none) and returns the answer's body as the server sent it
// (without the newline it ends with): for routes the typed methods do not
// cover, or callers that keep the bytes as they are. A non-2xx answer is
// an *Error, as for every call.
func (c *Client) Raw(ctx context.Context, method, path string, body any) ([]byte, error) {
	var raw json.RawMessage
	_, err := c.do(ctx, request{method: method, path: path, body: body, out: &raw})
	return raw, err
}
