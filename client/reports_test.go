package client_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/client"
)

func TestClient_LeastPrivilege(t *testing.T) {
	ts := startServer(t)
	c := ts.admin(t)
	ctx := context.Background()
	since := time.Now().UTC().Format(time.RFC3339Nano)
	if _, err := c.CreateVM(ctx, api.VMSpec{Name: "web1", MemoryMB: 512, Processors: 1}); err != nil {
		t.Fatal(err)
	}
	rep, err := c.LeastPrivilege(ctx, since, "")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Application != "Hyper-V services" || rep.Counted != 1 || len(rep.Assignments) == 0 ||
		len(rep.Assignments[0].Used) != 1 || rep.Assignments[0].Used[0].Operation != "Create Virtual Machine" {
		t.Errorf("report %+v", rep)
	}
	_, err = c.LeastPrivilege(ctx, "3650d", "")
	var e *client.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusBadRequest || !strings.Contains(e.Error(), "it can see") {
		t.Errorf("since beyond the log: %v", err)
	}
}
