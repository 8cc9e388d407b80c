package ldapstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/azgate/azgate/policy"
)

// Terms (policy.Term: members limited in time) are an azgate extension.
// AD's AzMan schema has no attribute for them, and extending AD's schema
// is a forest-wide, irreversible step an administrator should not need
// for azgate. So they live in an attribute every msDS-AzRole and group
// entry may already carry and AzMan does not use: msDS-AzGenericData
// (single-valued, AD rangeUpper 65536), as one value
//
//	azgate:terms=[{"member":"CONTOSO\\alice","expires":"2026-12-02T15:00:00Z"},…]
//
// — the member as the policy spells it (a principal, or an application
// group's GUID), the times in RFC 3339 UTC. A value without that prefix
// is another tool's: Load ignores it, and a save leaves it alone unless
// the object gets terms. A term whose member is no longer a member (AzMan
// removed it) is dropped on Load: it goes with its member.
const termsPrefix = "azgate:terms="

// maxTermsValue is AD's rangeUpper of msDS-AzGenericData.
const maxTermsValue = 65536

type termJSON struct {
	Member  string `json:"member"`
	Start   string `json:"start,omitempty"`
	Expires string `json:"expires,omitempty"`
}

// encodeTerms is the msDS-AzGenericData value of terms ("" for none).
func encodeTerms(owner string, terms []policy.Term) (string, error) {
	if len(terms) == 0 {
		return "", nil
	}
	out := make([]termJSON, len(terms))
	for i, t := range terms {
		out[i] = termJSON{Member: t.Member}
		if !t.Start.IsZero() {
			out[i].Start = policy.FormatTime(t.Start)
		}
		if !t.Expires.IsZero() {
			out[i].Expires = policy.FormatTime(t.Expires)
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("%s: terms: %w", owner, err)
	}
	v := termsPrefix + string(b)
	if len(v) > maxTermsValue {
		return "", fmt.Errorf("%s: the terms of %d members take %d bytes, more than the %d msDS-AzGenericData holds: %w",
			owner, len(terms), len(v), maxTermsValue, policy.ErrInvalid)
	}
	return v, nil
}

// ownsGenericData reports whether v is azgate's msDS-AzGenericData value
// of a role assignment or group.
func ownsGenericData(v string) bool { return strings.HasPrefix(v, termsPrefix) }

// decodeTerms reads the terms of entry e; an error names the entry.
func decodeTerms(e *entry) ([]policy.Term, error) {
	v := firstValue(e, attrGenericData)
	if !ownsGenericData(v) {
		return nil, nil
	}
	var in []termJSON
	if err := json.Unmarshal([]byte(v[len(termsPrefix):]), &in); err != nil {
		return nil, entryErr(e.dn, attrGenericData, nil, "azgate's terms do not parse: %v", err)
	}
	out := make([]policy.Term, 0, len(in))
	for _, j := range in {
		t := policy.Term{Member: j.Member}
		for _, f := range []struct {
			s    string
			into *time.Time
		}{{j.Start, &t.Start}, {j.Expires, &t.Expires}} {
			if f.s == "" {
				continue
			}
			var err error
			if *f.into, err = policy.ParseTime(f.s); err != nil {
				return nil, entryErr(e.dn, attrGenericData, nil, "term of member %q: %v", j.Member, err)
			}
		}
		if !t.IsZero() {
			out = append(out, t)
		}
	}
	return out, nil
}
