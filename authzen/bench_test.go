package authzen

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkEvaluation is one POST /access/v1/evaluation through the
// service's handler (no network, no authentication): decode, resolve the
// subject through the local directory, decide with an expression business
// rule, encode.
func BenchmarkEvaluation(b *testing.B) {
	f := newFixture(b)
	body := eval(`{"type":"user","id":"carol@example.com"}`, "write", `{"type":"doc","id":"d1","properties":{"owner":"carol"}}`)
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, PathEvaluation, strings.NewReader(body))
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, r)
		if w.Code != 200 || !strings.Contains(w.Body.String(), "true") {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
