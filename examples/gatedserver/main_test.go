package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/testproc"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/stores"
)

// start runs the example on a loopback listener until the test ends and
// returns its base URL.
func start(t *testing.T, args ...string) (string, *testproc.Buffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &testproc.Buffer{}
	var runErr error
	stopped := make(chan struct{})
	go func() { runErr = run(ctx, args, stderr, ln); close(stopped) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-stopped:
			if runErr != nil {
				t.Errorf("run: %v", runErr)
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not return after cancel")
		}
	})
	base := "http://" + ln.Addr().String()
	// run accepts on ln as soon as Serve starts; wait for /healthz.
	testproc.WaitHealthy(t, base, 5*time.Second, stopped, stderr)
	return base, stderr
}

func call(t *testing.T, method, url, user, groups string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("X-User", user)
	}
	if groups != "" {
		req.Header.Set("X-Groups", groups)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatalf("%s %s: body %q: %v", method, url, raw, err)
		}
	}
	return resp.StatusCode, body
}

func errMessage(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

func TestRun_EmbeddedPolicy(t *testing.T) {
	base, _ := start(t, "-addr", "ignored:0")
	const (
		admins     = policy.AdministratorsSID
		labStaff   = labStaffGroup
		contractor = labStaffGroup + "," + contractorsGroup
		viewers    = viewersGroup
	)
	tests := []struct {
		name, method, path, user, groups string
		status                           int
		msgHas                           string
	}{
		{"admin views a widget", "GET", "/widgets/gear", "root", admins, 200, ""},
		{"admin deletes a Lab widget", "DELETE", "/widgets/cog", "root", admins, 204, ""},
		{"lab staff polish a Lab widget", "POST", "/widgets/sprock/polish", "carol", labStaff, 200, ""},
		{"lab staff create a Lab widget", "PUT", "/widgets/bolt?scope=Lab", "carol", labStaff, 201, ""},
		{"lab staff list the Lab", "GET", "/widgets?scope=Lab", "carol", labStaff, 200, ""},
		{"lab staff cannot polish a default-scope widget", "POST", "/widgets/gear/polish", "carol", labStaff, 403, `"Polish Widget" in the default scope`},
		{"lab staff cannot create outside the Lab", "PUT", "/widgets/nut", "carol", labStaff, 403, `"Create Widget" in the default scope`},
		{"lab staff cannot delete", "DELETE", "/widgets/sprock", "carol", labStaff, 403, `"Delete Widget" in scope "Lab"`},
		{"a contractor is never a Lab operator", "POST", "/widgets/sprock/polish", "dave", contractor, 403, `"Polish Widget"`},
		{"viewer views a Lab widget", "GET", "/widgets/sprock", "vic", viewers, 200, ""},
		{"viewer cannot polish", "POST", "/widgets/sprock/polish", "vic", viewers, 403, `"Polish Widget"`},
		{"stranger denied", "GET", "/widgets/gear", "eve", "", 403, "View Widget"},
		{"anonymous refused", "GET", "/widgets/gear", "", "", 401, "authentication required"},
		{"unknown widget after a grant is 404", "GET", "/widgets/nope", "root", admins, 404, "not found"},
		{"creating an existing widget is 409", "PUT", "/widgets/gear", "root", admins, 409, "exists"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := call(t, tc.method, base+tc.path, tc.user, tc.groups)
			if status != tc.status {
				t.Fatalf("status = %d (%v), want %d", status, body, tc.status)
			}
			if tc.msgHas != "" && !strings.Contains(errMessage(body), tc.msgHas) {
				t.Errorf("error message %q lacks %q", errMessage(body), tc.msgHas)
			}
		})
	}
	// The Lab listing holds only Lab widgets: cog was deleted, bolt made,
	// sprock polished.
	_, body := call(t, "GET", base+"/widgets?scope=Lab", "root", admins)
	items, _ := body["items"].([]any)
	var got []string
	for _, it := range items {
		m := it.(map[string]any)
		got = append(got, fmt.Sprintf("%s/%s", m["name"], m["state"]))
	}
	if strings.Join(got, ",") != "bolt/dull,sprock/shiny" {
		t.Errorf("Lab listing = %v, want bolt/dull,sprock/shiny", got)
	}
}

// The embedded policy, written by -init, served from the store and edited
// by another writer: the edit applies without a restart.
func TestRun_StoreReload(t *testing.T) {
	url := "msxml://" + filepath.Join(t.TempDir(), "widgets.xml")
	if err := run(context.Background(), []string{"-init", url}, io.Discard, nil); err != nil {
		t.Fatalf("-init: %v", err)
	}
	if err := run(context.Background(), []string{"-init", url}, io.Discard, nil); err == nil {
		t.Fatal("-init overwrote an existing store")
	}
	base, stderr := start(t, "-store", url)
	if status, body := call(t, "POST", base+"/widgets/sprock/polish", "alice", ""); status != 403 {
		t.Fatalf("alice before the edit: %d %v, want 403", status, body)
	}
	if status, body := call(t, "GET", base+"/widgets/gear", "root", policy.AdministratorsSID); status != 200 {
		t.Fatalf("admin: %d %v, want 200", status, body)
	}
	// Another writer makes alice a Lab operator.
	ctx := context.Background()
	st, err := stores.Open(ctx, url, stores.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lab := policy.Location{App: appName, Scope: "Lab"}
	if _, _, err := policy.Update(ctx, st, func(p *policy.Policy) error {
		return p.Link(lab, policy.KindGroup, "Lab Operators", policy.RelMember, "alice")
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, _ := call(t, "POST", base+"/widgets/sprock/polish", "alice", "")
		if status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alice still refused (%d) 10 s after the edit; stderr:\n%s", status, stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// An operation renamed in the store: its route is refused (and logged)
// once the store reloads, never mapped to another operation; renamed back,
// it is granted again.
func TestRun_OperationRenamed(t *testing.T) {
	url := "msxml://" + filepath.Join(t.TempDir(), "widgets.xml")
	if err := run(context.Background(), []string{"-init", url}, io.Discard, nil); err != nil {
		t.Fatalf("-init: %v", err)
	}
	base, stderr := start(t, "-store", url)
	ctx := context.Background()
	st, err := stores.Open(ctx, url, stores.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rename := func(from, to string) {
		t.Helper()
		if _, _, err := policy.Update(ctx, st, func(p *policy.Policy) error { return p.RenameOperation(appName, from, to) }); err != nil {
			t.Fatal(err)
		}
	}
	waitStatus := func(want int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			status, _ := call(t, "POST", base+"/widgets/gear/polish", "root", policy.AdministratorsSID)
			if status == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("polish: %d 10 s after the edit, want %d; stderr:\n%s", status, want, stderr)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitStatus(200)
	rename("Polish Widget", "Buff Widget")
	waitStatus(403)
	if log := stderr.String(); !strings.Contains(log, "lacks a route's operation") || !strings.Contains(log, `POST /widgets/{name}/polish`) {
		t.Errorf("the refused route was not logged:\n%s", log)
	}
	if status, body := call(t, "GET", base+"/widgets/gear", "root", policy.AdministratorsSID); status != 200 {
		t.Errorf("an untouched route: %d %v, want 200", status, body)
	}
	rename("Buff Widget", "Polish Widget")
	waitStatus(200)
}

// The example's catalog is a valid one, and the embedded policy defines
// exactly its operations and compiles without warnings.
func TestCatalog(t *testing.T) {
	if _, err := operations.NewIndex(appName, catalog); err != nil {
		t.Fatal(err)
	}
	p, err := examplePolicy()
	if err != nil {
		t.Fatal(err)
	}
	c, err := authz.Compile(p, appName, authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("warnings: %v", w)
	}
	// A Hyper-V operation means nothing to this server.
	rs, _ := c.AccessCheck(context.Background(), directory.ClientContext{Name: "root", Groups: []string{policy.AdministratorsSID}}, "",
		[]operations.ID{DeleteWidget, operations.DeleteVM}, nil)
	if !rs[0].Allowed || rs[0].Operation.Name != "Delete Widget" || rs[1].Allowed || !errors.Is(rs[1].Err, authz.ErrUnknownOperation) {
		t.Errorf("results: %+v", rs)
	}
}

func TestRun_BadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-nope"}, "flag provided but not defined"},
		{"bad store URL", []string{"-store", "ftp://x"}, "ftp"},
		{"missing store", []string{"-store", "msxml://" + filepath.Join(t.TempDir(), "absent.xml")}, "absent.xml"},
		{"stray argument", []string{"extra"}, "unexpected arguments"},
		{"-init with -store", []string{"-init", "msxml://a.xml", "-store", "msxml://b.xml"}, "exclusive"},
		{"-init to a bad URL", []string{"-init", "ftp://x"}, "ftp"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), tc.args, io.Discard, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
