package server

import (
	"context"
	"strings"
	"testing"
)

// TestNew_FailsCleanlyWhenDataDirIsInUse starts a second server on the data
// directory of a running one: the engine database is locked, so New must
// return an error naming it, release what it opened, and never panic.
func TestNew_FailsCleanlyWhenDataDirIsInUse(t *testing.T) {
	first := startServer(t, nil)
	cfg := first.cfg
	var (
		s   *Server
		err error
	)
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("New panicked: %v", r)
			}
		}()
		s, err = New(context.Background(), cfg)
	}()
	if err == nil {
		s.Close()
		t.Fatal("a second server opened a data directory in use")
	}
	if s != nil || !strings.Contains(err.Error(), "engine") {
		t.Fatalf("New = %v, %v; want nil and an error naming the engine database", s, err)
	}
	// The first server still works.
	r := first.do(admin, "GET", "/v1/vms", nil)
	if r.status != 200 {
		t.Fatalf("first server after the failed start: %d %s", r.status, r.body)
	}
}
