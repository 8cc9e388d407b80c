package xmlstore

import (
	"bytes"
	"testing"

	"github.com/azgate/azgate/policies"
	"github.com/azgate/azgate/policy/policytest"
)

// FuzzLoadXML feeds arbitrary bytes to the parser: it must never panic, and
// whatever it accepts must marshal and parse back to the same document.
func FuzzLoadXML(f *testing.F) {
	f.Add(policies.InitialStore())
	f.Add(policies.BookRoles())
	f.Add([]byte(specStore))
	f.Add([]byte(app(xtask(g1, "A", "<TaskLink>"+g2+"</TaskLink>") + xtask(g2, "B", ""))))
	f.Add([]byte(`<AzAdminManager MajorVersion="1" xmlns:azgate="urn:x-azgate:xmlstore" azgate:Revision="9"/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Decode(bytes.NewReader(data), "fuzz.xml", WithMaxSize(1<<20))
		if err != nil {
			if doc != nil {
				t.Fatal("a document and an error")
			}
			return
		}
		out, err := doc.Marshal()
		if err != nil {
			t.Fatalf("accepted input does not marshal: %v", err)
		}
		again, err := Decode(bytes.NewReader(out), "remarshaled.xml", WithMaxSize(1<<22))
		if err != nil {
			t.Fatalf("marshaled output does not parse: %v\n%s", err, out)
		}
		if again.Revision != doc.Revision || again.GUID != doc.GUID || !policytest.Equal(doc.Policy, again.Policy) {
			t.Fatalf("round trip changed the document:\n%s", out)
		}
	})
}
