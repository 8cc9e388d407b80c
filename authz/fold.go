package authz

import (
	"strings"

	"github.com/azgate/azgate/internal/names"
)

// foldKey is the key of a principal string, scope or operation name: the
// input cleaned of surrounding space, then names.Key, the one rule names
// compare by. keyTable.lookup computes the same without allocating for
// ASCII input.
func foldKey(s string) string { return names.Key(strings.TrimSpace(s)) }
