package ldapstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/azgate/azgate/policy"
)

// Operational attributes that change with every change of an entry:
// OpenLDAP's entryCSN, AD's uSNChanged, and the standard modifyTimestamp
// (one-second resolution) where neither is kept. modifiersName names who
// made the last change.
const (
	attrEntryCSN      = "entryCSN"
	attrUSNChanged    = "uSNChanged"
	attrModifyTime    = "modifyTimestamp"
	attrModifiersName = "modifiersName"
)

// changeAttrs are what Fingerprint reads of every entry.
var changeAttrs = []string{attrEntryCSN, attrUSNChanged, attrModifyTime}

// changeKey is the entry's change stamp: its entryCSN, uSNChanged or
// modifyTimestamp, whichever the directory keeps.
func changeKey(e *ldap.Entry) string {
	for _, a := range changeAttrs {
		if v := e.GetEqualFoldAttributeValue(a); v != "" {
			return v
		}
	}
	return ""
}

// laterStamp reports whether change stamp a is after b: numbers (uSNChanged)
// by value, CSNs and generalized times by their text.
func laterStamp(a, b string) bool {
	if isDigits(a) && isDigits(b) && len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// fingerprint identifies the store's content from the marker and the
// change stamp of every entry: any add, delete, rename or modify of an
// entry under the store changes it, whether or not the marker changed.
func fingerprint(marker string, entries []*ldap.Entry) string {
	lines := make([]string, len(entries))
	for i, e := range entries {
		lines[i] = normDN(e.DN) + "\x1f" + changeKey(e)
	}
	slices.Sort(lines)
	h := sha256.New()
	h.Write([]byte(marker))
	for _, l := range lines {
		h.Write([]byte{0x1e})
		h.Write([]byte(l))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Fingerprint returns the fingerprint of the store's content now, as
// LoadProvenance reports it: one read of the marker and one paged subtree
// search returning only each entry's change stamp. "absent" when there is
// no store.
func (s *Store) Fingerprint(ctx context.Context) (string, error) {
	if err := s.checkOpen(); err != nil {
		return "", err
	}
	var fp string
	err := s.pool.do(ctx, func(conn *ldap.Conn) error {
		m, exists, err := s.readMarker(conn)
		if err != nil || !exists {
			fp = "absent"
			return err
		}
		entries, err := s.search(conn, changeAttrs)
		if err != nil {
			return err
		}
		fp = fingerprint(m.raw, entries)
		return nil
	})
	return fp, err
}

// provenance says whether the entries loaded are what an azgate save
// wrote, and who changed them since.
func provenance(m marker, t *tree, entries []*ldap.Entry) policy.Provenance {
	pr := policy.Provenance{Fingerprint: fingerprint(m.raw, entries)}
	storeN := ""
	if t != nil && t.root != nil {
		storeN = t.root.ndn
	}
	var root *ldap.Entry
	for _, e := range entries {
		if normDN(e.DN) == storeN {
			root = e
		}
	}
	foreignMarker := true
	switch {
	case m.raw == "":
		pr.Reason = "the store has no azgate revision marker: written by another tool (AzMan)"
	case !strings.HasPrefix(m.raw, markerPrefix) || m.digest == "":
		pr.Reason = fmt.Sprintf("the revision marker %q carries no azgate digest: written or changed by another tool", clip(m.raw, 80))
	case t == nil || t.digest() != m.digest:
		pr.Reason = fmt.Sprintf("the entries are not what azgate saved as revision %d: edited by another tool", m.rev)
		foreignMarker = false
	default:
		return pr
	}
	pr.Outside = true
	// Who: the modifiers of the entries changed after the marker was
	// written, and of the store entry when the marker is not azgate's.
	seen := map[string]bool{}
	addModifier := func(e *ldap.Entry) {
		if who := e.GetEqualFoldAttributeValue(attrModifiersName); who != "" && !seen[normDN(who)] {
			seen[normDN(who)] = true
			pr.Modifiers = append(pr.Modifiers, who)
		}
	}
	if root != nil {
		if foreignMarker {
			addModifier(root)
		}
		rootStamp := changeKey(root)
		for _, e := range entries {
			if e != root && laterStamp(changeKey(e), rootStamp) {
				addModifier(e)
			}
		}
	}
	return pr
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
