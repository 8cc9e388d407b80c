package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"slices"
	"testing"

	"github.com/azgate/azgate/api"
)

// stdDecodeCheck is the reference: encoding/json, strict (as decodeBody),
// into req (an *api.CheckRequest, or what limitedDecodeCheck decodes).
func stdDecodeCheck(b []byte, req any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(req); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data")
	}
	return nil
}

var checkBodies = []string{
	`{"user":"alice","groups":["g1","S-1-5-32-544"],"scope":"Lab","operations":["Start Virtual Machine",308,"309"]}`,
	`{"checks":[{"user":"a","operations":[307]},{"user":"b","groups":[],"operations":["stop virtual machine"],"parameters":{"n":1,"s":"x","l":[1,{"a":null}]}}]}`,
	` { "User" : "bob" , "IDS" : [ "S-1-5-21-1-2-3-1000" ] , "dn" : "cn=bob,dc=x" , "operations" : [ 307 ] } `,
	`{"user":"\u00e9l\u00e8ve \"q\"","groups":null,"operations":[307],"scope":null}`,
	`{"user":"sn\u017fow","operations":["Start Virtual Machine"]}`,
	`{"user":"x","operations":[307],"checks":null}`,
	`{"checks":[null,{"user":"a","operations":[1]}]}`,
	`null`,
	`{}`,
	`{"user":"a","operations":[307]} {}`,
	`{"user":"a","operations":[307],"nope":1}`,
	`{"checks":[{"checks":[]}]}`,
	`{"user":"a","operations":[true]}`,
	`{"user":"a","operations":[null]}`,
	`{"user":"a","operations":[99999]}`,
	`{"user":"a","operations":[-1]}`,
	`{"user":"a","operations":[3.0]}`,
	`{"user":"a","operations":["Start Virtual Machin"]}`,
	`{"user":1}`,
	`{"user":"a",}`,
	`{"user":"a" "x":1}`,
	`{"user":"a\x01"}`,
	`{"user":"\ud800"}`,
	"{\"user\":\"\xff\xfe\"}",
	`{"parameters":{"a":1},"parameters":{"b":2}}`,
	`{"groups":["a"],"groups":["b","c"]}`,
	`[]`,
	`"x"`,
	`{"user":"a","operations":[307,]}`,
	`{"user":"a","operations":[307`,
	`{"parameters":{"a":[1,2}}`,
	`{"parameters":tru}`,
	`{"user":"a","operations":[0307]}`,
	`{"user":"a","operations":[1e2,-0]}`,
	`{"user":"a","operations":[307"x"]}`,
	`{"user":"a","operations":["\u0053tart Virtual Machine",{"a":1}]}`,
	`{"user":"a","resolve":true,"operations":[307]}`,
	`{"user":"a","Resolve" : false ,"operations":[307]}`,
	`{"user":"a","resolve":null,"operations":[307]}`,
	`{"resolve":true,"resolve":null}`,
	`{"resolve":"true"}`,
	`{"resolve":1}`,
	`{"resolve":tru}`,
	`{"resolve":truex}`,
	`{"resolve":[true]}`,
	`{"checks":[{"user":"a","resolve":true,"operations":[307]}]}`,
}

func TestParseCheckRequest_MatchesEncodingJSON(t *testing.T) {
	for _, body := range checkBodies {
		compareCheckDecoders(t, []byte(body))
	}
}

func compareCheckDecoders(t *testing.T, b []byte) {
	t.Helper()
	var want, got api.CheckRequest
	errStd := stdDecodeCheck(b, &want)
	errOur := parseCheckRequest(b, &got)
	if (errStd == nil) != (errOur == nil) {
		t.Fatalf("body %q: encoding/json error %v, parseCheckRequest error %v", b, errStd, errOur)
	}
	if errStd == nil && !reflect.DeepEqual(want, got) {
		t.Fatalf("body %q:\nencoding/json    %+v\nparseCheckRequest %+v", b, want, got)
	}
	// The benchmark's other contender decodes the same.
	var lim api.CheckRequest
	if errLim := limitedDecodeCheck(b, &lim); (errLim == nil) != (errStd == nil) || (errLim == nil && !reflect.DeepEqual(want, lim)) {
		t.Fatalf("body %q: limitedDecodeCheck %+v, %v; encoding/json %+v, %v", b, lim, errLim, want, errStd)
	}
}

func FuzzParseCheckRequest(f *testing.F) {
	for _, b := range checkBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		compareCheckDecoders(t, b)
	})
}

// BenchmarkCheckDecode weighs parseCheckRequest against encoding/json on
// the bodies of BenchmarkServer_Check and BenchmarkHandler_Check:
// encoding/json alone (stdDecodeCheck: strict, without limits), and with
// the limits the parser keeps (limitedDecodeCheck: operations and items
// counted before anything is allocated for them, through UnmarshalJSON
// methods, which makes encoding/json scan a batch's items twice more).
// The end-to-end figures of the three are in docs/design-notes.md.
//
//	go test -run XXX -bench CheckDecode ./server
func BenchmarkCheckDecode(b *testing.B) {
	one := map[string]any{"user": "alice", "groups": []string{"S-1-5-32-544"}, "operations": []any{"Start Virtual Machine"}}
	ten := map[string]any{"user": "alice", "groups": []string{"g1", "g2", "S-1-5-32-544"}, "operations": []any{
		"Start Virtual Machine", "Stop Virtual Machine", 309, "Delete Virtual Machine", "Create Virtual Machine",
		"View Switches", "View Switch Ports", "Reconfigure Service", "Read Service Configuration", "Allow Virtual Machine Snapshot"}}
	bodies := []struct {
		name string
		body any
	}{
		{"single", one},
		{"batch100x1", map[string]any{"checks": slices.Repeat([]any{one}, 100)}},
		{"batch10x10", map[string]any{"checks": slices.Repeat([]any{ten}, 10)}},
	}
	decoders := []struct {
		name   string
		decode func([]byte, *api.CheckRequest) error
	}{{"hand", parseCheckRequest}, {"encoding_json", func(b []byte, r *api.CheckRequest) error { return stdDecodeCheck(b, r) }},
		{"encoding_json_limits", limitedDecodeCheck}}
	for _, bc := range bodies {
		raw, _ := json.Marshal(bc.body)
		for _, d := range decoders {
			b.Run(bc.name+"/"+d.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(raw)))
				for b.Loop() {
					var req api.CheckRequest
					if err := d.decode(raw, &req); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// limitedDecodeCheck is the encoding/json decoder that would replace
// parseCheckRequest: strict, with the body's operations and items counted
// before they are allocated (an UnmarshalJSON method receives the whole
// array first).
func limitedDecodeCheck(raw []byte, req *api.CheckRequest) error {
	b := limitedBody{left: maxCheckOperations}
	b.Operations.left, b.Checks.left = &b.left, &b.left
	if err := stdDecodeCheck(raw, &b); err != nil {
		return err
	}
	*req = api.CheckRequest{CheckItem: b.CheckItem, Checks: b.Checks.items}
	req.Operations = b.Operations.refs
	return nil
}

type limitedBody struct {
	limitedItem
	Checks limitedItems `json:"checks"`
	left   int
}

// limitedItem is api.CheckItem whose Operations (hiding the CheckItem's)
// are counted.
type limitedItem struct {
	api.CheckItem
	Operations limitedOps `json:"operations"`
}

type limitedOps struct {
	refs []api.OperationRef
	left *int
}

func (o *limitedOps) UnmarshalJSON(b []byte) error {
	if b[0] != '[' {
		return json.Unmarshal(b, &o.refs)
	}
	n := jsonElements(b, nil)
	if n > *o.left {
		return errTooManyCheckOperations
	}
	*o.left -= n
	o.refs = make([]api.OperationRef, n)
	var err error
	i := 0
	jsonElements(b, func(e []byte) {
		if eErr := o.refs[i].UnmarshalJSON(e); err == nil {
			err = eErr
		}
		i++
	})
	return err
}

type limitedItems struct {
	items []api.CheckItem
	left  *int
}

func (c *limitedItems) UnmarshalJSON(b []byte) error {
	if b[0] != '[' {
		return json.Unmarshal(b, &c.items)
	}
	n := jsonElements(b, nil)
	if n > maxBatch {
		return invalidf("a batch has 1 to %d checks, this one %d", maxBatch, n)
	}
	c.items = make([]api.CheckItem, n)
	dec := json.NewDecoder(bytes.NewReader(b)) // as strict as the body's
	dec.DisallowUnknownFields()
	if _, err := dec.Token(); err != nil {
		return err
	}
	for i := range c.items {
		it := limitedItem{Operations: limitedOps{left: c.left}}
		if err := dec.Decode(&it); err != nil {
			return err
		}
		c.items[i], c.items[i].Operations = it.CheckItem, it.Operations.refs
	}
	return nil
}

// jsonElements counts the elements of b, an array encoding/json has
// checked, calling f (if not nil) with each.
func jsonElements(b []byte, f func([]byte)) int {
	n, depth, inString, start := 0, 0, false, 1
	elem := func(e []byte) {
		if e = bytes.Trim(e, " \t\r\n"); len(e) > 0 {
			n++
			if f != nil {
				f(e)
			}
		}
	}
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
		case c == ',' && depth == 1:
			elem(b[start:i])
			start = i + 1
		case c == ']' || c == '}':
			if depth--; depth == 0 {
				elem(b[start:i])
			}
		}
	}
	return n
}
