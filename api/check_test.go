package api

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestOperationRef_JSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    OperationRef
		out     string // the encoding of want
		wantErr bool
	}{
		{"name", `"Start Virtual Machine"`, OpName("Start Virtual Machine"), `"Start Virtual Machine"`, false},
		{"id", `307`, OpID(307), `307`, false},
		{"digits stay a name", `"307"`, OpName("307"), `"307"`, false},
		{"escaped name", `"\u0053tart"`, OpName("Start"), `"Start"`, false},
		{"spaces kept", `" stop "`, OpName(" stop "), `" stop "`, false},
		{"null leaves it", `null`, OperationRef{}, `0`, false},
		{"float", `3.5`, OperationRef{}, ``, true},
		{"bool", `true`, OperationRef{}, ``, true},
		{"object", `{"a":1}`, OperationRef{}, ``, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got OperationRef
			err := json.Unmarshal([]byte(tt.in), &got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Unmarshal(%s) error %v, want error %v", tt.in, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if got != tt.want {
				t.Fatalf("Unmarshal(%s) = %+v, want %+v", tt.in, got, tt.want)
			}
			b, err := json.Marshal(got)
			if err != nil || string(b) != tt.out {
				t.Fatalf("Marshal(%+v) = %s, %v; want %s", got, b, err, tt.out)
			}
		})
	}
}

func TestCheckRequest_RoundTrip(t *testing.T) {
	in := CheckRequest{CheckItem: CheckItem{User: "alice", Groups: []string{"g"}, Scope: "Lab",
		Operations: []OperationRef{OpName("Start Virtual Machine"), OpID(308)}, Parameters: map[string]any{"n": 1.0}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"user":"alice","groups":["g"],"scope":"Lab","operations":["Start Virtual Machine",308],"parameters":{"n":1}}`
	if string(b) != want {
		t.Fatalf("Marshal = %s\nwant      %s", b, want)
	}
	var out CheckRequest
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.User != "alice" || len(out.Operations) != 2 || out.Operations[1] != OpID(308) || out.Operations[0].String() != "Start Virtual Machine" {
		t.Fatalf("round trip = %+v", out)
	}
}

func TestExplanation_String(t *testing.T) {
	tests := []struct {
		name string
		e    Explanation
		want string
	}{
		{"denied, default scope", Explanation{Client: "bob", Operation: "Start Virtual Machine", Reason: "no role assignment",
			Misses: []string{"not a member of \"Ops\""}},
			"DENIED: bob may not do \"Start Virtual Machine\" in the default scope: no role assignment\n  miss: not a member of \"Ops\""},
		{"allowed with path", Explanation{Allowed: true, Client: "alice", Operation: "View Switches", Scope: "Lab", Reason: "granted",
			Path: []Step{{Kind: "principal", Name: "alice"}, {Kind: "role assignment", Name: "Monitors", Level: "application"},
				{Kind: "operation", Name: "View Switches"}}},
			"ALLOWED: alice may do \"View Switches\" in scope \"Lab\": granted\n  path: principal \"alice\" → role assignment \"Monitors\" (application) → operation \"View Switches\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.String(); got != tt.want {
				t.Errorf("String() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// FuzzOperationRef_UnmarshalJSON holds UnmarshalJSON, which reads the
// common forms itself, to what encoding/json makes of the same bytes: a
// string is a name, an integer an ID, anything else an error.
func FuzzOperationRef_UnmarshalJSON(f *testing.F) {
	for _, s := range []string{`"Start Virtual Machine"`, `307`, `"307"`, `0`, `007`, `-1`, `+1`, `1e2`, `3.0`, `123456789`,
		`1234567890`, `"\u0053"`, `"a\"b"`, `"é"`, "\"\x7f\"", "\"\x01\"", ` 12 `, `null`, `true`, `""`, `"`, `9999999999999999999999`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want OperationRef
		var wantErr error
		var v any
		if wantErr = json.Unmarshal(b, &v); wantErr == nil {
			switch x := v.(type) {
			case nil:
			case string:
				want = OpName(x)
			case float64:
				wantErr = json.Unmarshal(b, &want.ID)
			default:
				wantErr = errors.New("not a name or an ID")
			}
		}
		got := OperationRef{}
		err := got.UnmarshalJSON(b)
		if (err == nil) != (wantErr == nil) || (err == nil && got != want) {
			t.Fatalf("UnmarshalJSON(%q) = %+v, %v; encoding/json: %+v, %v", b, got, err, want, wantErr)
		}
	})
}
