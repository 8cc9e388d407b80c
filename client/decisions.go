package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"

	"github.com/azgate/azgate/api"
)

// Check decides one item in its Application (empty: the server's default
// application): one result per operation, in order. A deny is a result
// (Allowed false), not an error; an unknown application, scope or
// operation is an *Error (404, 404, 400).
func (c *Client) Check(ctx context.Context, item api.CheckItem) (api.CheckResponse, error) {
	return send[api.CheckResponse](ctx, c, http.MethodPost, "/v1/check", api.CheckRequest{CheckItem: item})
}

// Allowed reports whether the user of item may perform every operation
// of item: false with a nil error is a deny.
func (c *Client) Allowed(ctx context.Context, item api.CheckItem) (bool, error) {
	res, err := c.Check(ctx, item)
	if err != nil {
		return false, err
	}
	if len(res.Results) != len(item.Operations) || len(res.Results) == 0 {
		return false, fmt.Errorf("check: %d results for %d operations", len(res.Results), len(item.Operations))
	}
	for _, r := range res.Results {
		if !r.Allowed {
			return false, nil
		}
	}
	return true, nil
}

// CheckBatch decides several items with one policy revision: one result
// list per item, in order. Each item is decided in its own Application
// (empty: the server's default application).
func (c *Client) CheckBatch(ctx context.Context, items []api.CheckItem) (api.BatchCheckResponse, error) {
	return c.CheckBatchIn(ctx, "", items)
}

// CheckBatchIn is CheckBatch with app the application of the items that
// name none.
func (c *Client) CheckBatchIn(ctx context.Context, app string, items []api.CheckItem) (api.BatchCheckResponse, error) {
	if items == nil {
		items = []api.CheckItem{}
	}
	req := api.CheckRequest{Checks: items}
	req.Application = app
	return send[api.BatchCheckResponse](ctx, c, http.MethodPost, "/v1/check", req)
}

// ExplainQuery asks why User may or may not perform Operation in Scope of
// Application.
type ExplainQuery struct {
	// Application is the application decided in; "" is the server's
	// default (the only application besides azgate, else the one it
	// gates). Operation is one of its operations, by name or OperationID.
	Application string
	User        string
	// Groups are the user's groups, taken as given; nil sends none, and
	// with Resolve the server's directory resolves them instead.
	Groups    []string
	Resolve   bool
	Scope     string
	Operation api.OperationRef
	// Params are the business rule parameters.
	Params map[string]string
}

// Explain says why a check grants or denies: the granting path, or the
// nearest misses.
func (c *Client) Explain(ctx context.Context, q ExplainQuery) (api.ExplainResponse, error) {
	v := url.Values{"user": {q.User}, "operation": {q.Operation.String()}}
	if q.Application != "" {
		v.Set("application", q.Application)
	}
	for _, g := range q.Groups {
		v.Add("group", g)
	}
	if q.Resolve {
		v.Set("resolve", "true")
	}
	if q.Scope != "" {
		v.Set("scope", q.Scope)
	}
	addParams(v, q.Params)
	return get[api.ExplainResponse](ctx, c, "/v1/explain?"+v.Encode())
}

// WhoCanQuery asks who can perform Operation in Scope of Application.
type WhoCanQuery struct {
	// Application is the application asked about; "" is the server's
	// default (the only application besides azgate, else the one it
	// gates). Operation is one of its operations, by name or OperationID.
	Application string
	Scope       string // "" is the default scope
	Operation   api.OperationRef
	// Params are the business rule parameters.
	Params map[string]string
}

// WhoCan lists the principals and groups that can perform q.Operation in
// q.Scope, with the assignment that grants and its caveats.
func (c *Client) WhoCan(ctx context.Context, q WhoCanQuery) (api.WhoCanResponse, error) {
	v := url.Values{"operation": {q.Operation.String()}}
	if q.Application != "" {
		v.Set("application", q.Application)
	}
	if q.Scope != "" {
		v.Set("scope", q.Scope)
	}
	addParams(v, q.Params)
	return get[api.WhoCanResponse](ctx, c, "/v1/who-can?"+v.Encode())
}

// addParams adds business rule parameters as param=NAME=VALUE, in name
// order.
func addParams(v url.Values, params map[string]string) {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v.Add("param", k+"="+params[k])
	}
}

// Me is the caller as the server sees it: its identifiers and groups.
func (c *Client) Me(ctx context.Context) (api.Me, error) {
	return get[api.Me](ctx, c, "/v1/me")
}

// Ready reports whether the server is ready (GET /readyz): nil when it
// is, an *Error (503) naming the reason when it is not.
func (c *Client) Ready(ctx context.Context) error {
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/readyz"})
	return err
}
