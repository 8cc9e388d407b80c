package client

import (
	"context"
	"net/url"

	"github.com/azgate/azgate/api"
)

// LeastPrivilege reports, for each role assignment of application ("" is
// the one the server gates) and each of its members, the granted
// operations used since (an age such as "30d", a date or an RFC 3339
// time) and those never used, with suggested narrower role definitions
// (each a what-if body, applied only through POST /v1/whatif/save). A
// since older than the server's audit log reaches is an *Error (400) that
// says how far back it can see.
func (c *Client) LeastPrivilege(ctx context.Context, since, application string) (api.LeastPrivilegeReport, error) {
	v := url.Values{"since": {since}}
	if application != "" {
		v.Set("application", application)
	}
	return get[api.LeastPrivilegeReport](ctx, c, "/v1/reports/least-privilege?"+v.Encode())
}
