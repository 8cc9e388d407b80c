package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// BenchmarkServer_Check drives POST /v1/check over a loopback connection:
// one operation per request, and batches of 100 checks of one operation.
//
//	go test -run XXX -bench Server_Check ./server
func BenchmarkServer_Check(b *testing.B) {
	ts := startServerB(b)
	single := map[string]any{"user": "alice", "groups": []string{"S-1-5-32-544"}, "operations": []any{"Start Virtual Machine"}}
	items := make([]any, 100)
	for i := range items {
		items[i] = single
	}
	for _, bc := range []struct {
		name string
		body any
		ops  int
	}{{"single", single, 1}, {"batch100", map[string]any{"checks": items}, 100}} {
		raw, _ := json.Marshal(bc.body)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			client := &http.Client{}
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodPost, ts.base+"/v1/check", bytes.NewReader(raw))
				req.SetBasicAuth(admin.user, admin.pass)
				res, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
			b.ReportMetric(float64(b.N*bc.ops)/b.Elapsed().Seconds(), "decisions/s")
		})
	}
}
