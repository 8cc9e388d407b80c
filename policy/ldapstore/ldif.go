package ldapstore

import (
	"bytes"
	"encoding/base64"
	"fmt"

	"github.com/azgate/azgate/policy"
)

// MarshalLDIF renders p as the LDIF of a store at storeDN, committed at
// revision rev (1 when 0), in the layout Save writes: plain entries, parents
// first, for slapadd or ldapadd. The parents of storeDN are not included.
// It is the fast way to load a large store into a new directory.
func MarshalLDIF(p *policy.Policy, storeDN string, rev policy.Revision) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	t, err := buildTree(p, storeDN)
	if err != nil {
		return nil, err
	}
	if rev == 0 {
		rev = 1
	}
	var b bytes.Buffer
	for _, e := range t.entries {
		req := e.addRequest()
		if e.kind == kindStore {
			d, _ := parseDN(storeDN)
			rdn := d.RDNs[0].Attributes[0]
			req.Attribute(rdn.Type, []string{rdn.Value})
			guid, gerr := guidBytes(storeGUID(p))
			if gerr != nil {
				guid, _ = guidBytes(policy.NewGUID())
			}
			req.Attribute(attrGUID, []string{string(guid)})
			req.Attribute(attrGenericData, []string{committedMarker(uint64(rev), t.digest())})
		}
		ldifLine(&b, "dn", req.DN)
		for _, a := range req.Attributes {
			for _, v := range a.Vals {
				ldifLine(&b, a.Type, v)
			}
		}
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// ldifLine writes "attr: value", or "attr:: base64" when the value is not
// a SAFE-STRING (RFC 2849).
func ldifLine(b *bytes.Buffer, attr, v string) {
	if safeLDIF(v) {
		fmt.Fprintf(b, "%s: %s\n", attr, v)
		return
	}
	fmt.Fprintf(b, "%s:: %s\n", attr, base64.StdEncoding.EncodeToString([]byte(v)))
}

func safeLDIF(v string) bool {
	if v == "" {
		return true
	}
	if c := v[0]; c == ' ' || c == ':' || c == '<' || v[len(v)-1] == ' ' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == 0 || c == '\n' || c == '\r' || c > 0x7f {
			return false
		}
	}
	return true
}
