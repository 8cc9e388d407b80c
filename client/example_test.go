package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/client"
	"github.com/azgate/azgate/server"
)

func Example() {
	ctx := context.Background()
	base, stop := exampleServer() // a real azgate on a loopback port
	defer stop()

	c, err := client.New(base, client.WithBasicAuth("admin", "example-password"))
	if err != nil {
		log.Fatal(err)
	}

	// May bob start virtual machines? A deny is an answer, not an error.
	bob := api.CheckItem{User: `CONTOSO\bob`, Groups: []string{`CONTOSO\Lab-Staff`},
		Operations: api.Ops("Start Virtual Machine")}
	ok, err := c.Allowed(ctx, bob)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("bob may start VMs:", ok)

	// Assign the Administrator role definition to bob's group, against the
	// store revision just read.
	_, rev, err := c.Policy(ctx)
	if err != nil {
		log.Fatal(err)
	}
	_, newRev, err := c.RoleAssignments().Create(ctx, client.Location{}, rev, api.RoleAssignment{
		Name: "Lab administrators", RoleDefinitions: []string{"Administrator"}, Members: []string{`CONTOSO\Lab-Staff`}})
	if err != nil {
		log.Fatal(err)
	}
	ok, err = c.Allowed(ctx, bob)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("after the assignment:", ok, "- store revision", rev, "→", newRev)

	// A write against the old revision is refused: another write came first.
	_, err = c.RoleAssignments().Delete(ctx, client.Location{}, rev, "Lab administrators")
	var conflict *client.ConflictError
	fmt.Println("stale write refused:", errors.As(err, &conflict))

	// Output:
	// bob may start VMs: false
	// after the assignment: true - store revision 1 → 2
	// stale write refused: true
}

// exampleServer starts azgate with a fresh store in a temporary directory
// and returns its URL and a function that stops it.
func exampleServer() (string, func()) {
	dir, err := os.MkdirTemp("", "azgate-example")
	if err != nil {
		log.Fatal(err)
	}
	cfg := server.DefaultConfig()
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.StoreURL = "msxml://" + filepath.Join(dir, "store.xml")
	cfg.AdminPassword = "example-password"
	cfg.BcryptCost = bcrypt.MinCost
	cfg.ShutdownTimeout = 5 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	s, err := server.New(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	return "http://" + ln.Addr().String(), func() {
		cancel()
		if err := <-done; err != nil {
			log.Print(err)
		}
		os.RemoveAll(dir)
	}
}
