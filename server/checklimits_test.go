package server

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
)

// batchBody is a batch of items checks with ops operations each (as IDs),
// in scope.
func batchBody(items, ops int, scope string) string {
	var b strings.Builder
	b.WriteString(`{"checks":[`)
	for i := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"user":"u%d","scope":%q,"operations":[`, i, scope)
		for j := range ops {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString("307")
		}
		b.WriteString("]}")
	}
	b.WriteString("]}")
	return b.String()
}

// TestServer_CheckAnswerIsBounded: a body may ask for at most
// maxCheckOperations decisions, and an error about a long scope name is
// said once, so no body of at most 1 MB yields an answer of many MB.
func TestServer_CheckAnswerIsBounded(t *testing.T) {
	ts := startServer(t, nil)
	for _, c := range []struct {
		name     string
		body     string
		status   int
		maxBytes int
	}{
		{"the limit exactly", batchBody(1000, maxCheckOperations/1000, ""), http.StatusOK, 1 << 20},
		{"one operation too many", batchBody(1000, maxCheckOperations/1000+1, ""), http.StatusRequestEntityTooLarge, 1 << 10},
		{"1 MB of operations", batchBody(1000, 250, ""), http.StatusRequestEntityTooLarge, 1 << 10},
		{"1,000 operations in a long unknown scope", batchBody(1, 1000, strings.Repeat("s", 100<<10)), http.StatusNotFound, 110 << 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := ts.do(admin, http.MethodPost, "/v1/check", []byte(c.body))
			want(t, r, c.status, c.name)
			if len(r.body) > c.maxBytes {
				t.Errorf("answer of %d bytes to a body of %d, want at most %d", len(r.body), len(c.body), c.maxBytes)
			}
			if c.status == http.StatusRequestEntityTooLarge {
				if code := r.errCode(t); code != api.CodeTooLarge || !strings.Contains(string(r.body), fmt.Sprint(maxCheckOperations)) {
					t.Errorf("answer %s, want %s naming the limit", r.body, api.CodeTooLarge)
				}
			}
		})
	}
}

// TestServer_BatchChecksQueue: batches are decided a few at a time; one
// that cannot get a slot within its request's time is a 503, while single
// checks are still answered.
func TestServer_BatchChecksQueue(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.RequestTimeout = 50 * time.Millisecond })
	for range cap(ts.s.batches) {
		ts.s.batches <- struct{}{} // every slot busy
	}
	r := ts.do(admin, http.MethodPost, "/v1/check", []byte(batchBody(2, 2, "")))
	want(t, r, http.StatusServiceUnavailable, "batch while every slot is busy")
	single := map[string]any{"user": "u", "operations": []any{307}}
	want(t, ts.do(admin, http.MethodPost, "/v1/check", single), http.StatusOK, "single check while batches queue")
	<-ts.s.batches
	want(t, ts.do(admin, http.MethodPost, "/v1/check", []byte(batchBody(2, 2, ""))), http.StatusOK, "batch with a free slot")
}
