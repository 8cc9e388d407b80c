package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/azgate/azgate/api"
)

// stdDecodeCheck is the reference: encoding/json, strict.
func stdDecodeCheck(b []byte, req *api.CheckRequest) error {
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
}

func FuzzParseCheckRequest(f *testing.F) {
	for _, b := range checkBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		compareCheckDecoders(t, b)
	})
}
