package authz

import "strings"

// foldKey is how principal strings and scope names are compared: trimmed and
// lower-cased. keyTable.lookup does the same to a request string without
// allocating for ASCII input.
func foldKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
