package scaletest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/internal/testproc"
	"github.com/azgate/azgate/policies"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/ldapstore"
	"github.com/azgate/azgate/policy/policytest"
	"github.com/azgate/azgate/policy/xmlstore"
)

const (
	adminPassword = "scale-admin-pw-1"
	storeDN       = "CN=AzStore,CN=Program Data," + slapdtest.DefaultBaseDN
	app           = "Hyper-V services"
	newbie        = `CONTOSO\newbie`
	// propagationLimit is the bound on an edit made through one
	// replica reaching the other; the aim is one second.
	propagationLimit = 2 * time.Second
)

func TestMain(m *testing.M) { testproc.Main(m) }

// ldapEnv points azgate at one provider of the pair.
func ldapEnv(srv *slapdtest.Server) []string {
	return []string{
		"AZGATE_LDAP_URL=" + srv.URL,
		"AZGATE_LDAP_BIND_DN=" + srv.AdminDN,
		"AZGATE_LDAP_PASSWORD=" + srv.AdminPassword,
	}
}

func run(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	// The command's audit log goes to the test's directory, not the source tree.
	cmd.Env = append(append(os.Environ(), "AZGATE_AUDIT_LOG="+filepath.Join(t.TempDir(), "audit.log")), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("azgate %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// replica is one running `azgate serve`.
type replica struct {
	*testproc.Process
	name string
}

// serve starts a replica whose store is the store on provider srv, with
// the server named in the store URL (msldap://HOST:PORT/DN).
func serve(t *testing.T, bin, name string, srv *slapdtest.Server) *replica {
	t.Helper()
	storeURL := "msldap://" + srv.Addr + "/" + storeDN
	p := testproc.Serve(t, bin, testproc.Options{Name: "replica " + name, Env: []string{"AZGATE_ADMIN_PASSWORD=" + adminPassword,
		"AZGATE_LDAP_BIND_DN=" + srv.AdminDN, "AZGATE_LDAP_PASSWORD=" + srv.AdminPassword}},
		"serve", "--store", storeURL, "--data-dir", filepath.Join(t.TempDir(), name),
		"--listen", "127.0.0.1:0", "--log-level", "info", "--shutdown-timeout", "2s")
	return &replica{Process: p, name: name}
}

// call sends an admin request and decodes a JSON answer into out (when
// not nil). It returns the status and the headers.
func (r *replica) call(t *testing.T, method, path string, body any, out any, headers ...string) (int, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, r.Base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("admin", adminPassword)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("%s %s %s: %v", r.name, method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s %s: %d %s: %v", r.name, method, path, res.StatusCode, raw, err)
		}
	}
	return res.StatusCode, res.Header
}

// allowed asks the replica whether user (with no groups) may view VM
// configurations at the application level.
func (r *replica) allowed(t *testing.T, user string) bool {
	t.Helper()
	var res struct {
		Results []struct {
			Allowed bool   `json:"allowed"`
			Error   string `json:"error"`
		} `json:"results"`
	}
	code, _ := r.call(t, http.MethodPost, "/v1/check", map[string]any{
		"user": user, "groups": []string{}, "operations": []any{"View Virtual Machine Configuration"},
	}, &res)
	if code != http.StatusOK || len(res.Results) != 1 {
		t.Fatalf("%s: check answered %d %+v", r.name, code, res)
	}
	return res.Results[0].Allowed
}

// ready returns the status code and body of /readyz.
func (r *replica) ready(t *testing.T) (int, string) {
	t.Helper()
	res, err := http.Get(r.Base + "/readyz")
	if err != nil {
		t.Fatalf("%s /readyz: %v", r.name, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

// link adds or removes member m of role assignment "Hyper-V Monitor"
// through the policy admin API of r.
func (r *replica) link(t *testing.T, add bool, m string) {
	t.Helper()
	var doc json.RawMessage
	_, h := r.call(t, http.MethodGet, "/v1/policy", nil, &doc)
	etag := h.Get("ETag")
	path := "/v1/policy/role-assignments/" + url.PathEscape("Hyper-V Monitor") + "/links?app=" + url.QueryEscape(app)
	var code int
	if add {
		code, _ = r.call(t, http.MethodPost, path, map[string]string{"relation": "member", "target": m}, nil, "If-Match", etag)
	} else {
		code, _ = r.call(t, http.MethodDelete, path+"&relation=member&target="+url.QueryEscape(m), nil, nil, "If-Match", etag)
	}
	if code != http.StatusOK {
		t.Fatalf("%s: link %v %s: status %d", r.name, add, m, code)
	}
}

// waitRevision waits until the store on srv is at revision rev.
func waitRevision(t *testing.T, srv *slapdtest.Server, rev policy.Revision) {
	t.Helper()
	s, err := ldapstore.Open(ldapstore.Config{URL: srv.URL, BindDN: srv.AdminDN, Password: srv.AdminPassword,
		StoreDN: storeDN, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var got policy.Revision
	waitFor(t, fmt.Sprintf("%s at revision %d", srv.URL, rev), 10*time.Second, func() bool {
		got, err = s.Revision(context.Background())
		return err == nil && got == rev
	})
}

// waitFor polls cond every 10 ms and returns how long it took to hold.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// TestTwoReplicas is the scale-out deployment: two slapd providers in
// multi-provider replication, one azgate replica on each. An edit through
// replica A is enforced by replica B within two seconds; with B's provider
// stopped, B keeps deciding from its last good policy and reports itself
// degraded, and recovers when the provider is back.
func TestTwoReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs azgate and two slapd; skipped with -short")
	}
	bin := testproc.Binary(t)
	provA, provB := slapdtest.StartPair(t, slapdtest.Options{})
	dir := t.TempDir()

	// The Resource Kit's CreateAzStore.js: copy an XML store into the
	// directory, through provider A, and back out of provider B.
	book := filepath.Join(dir, "book-roles.xml")
	if err := os.WriteFile(book, policies.BookRoles(), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, bin, ldapEnv(provA), "store", "copy", "msxml://"+book, "msldap://"+storeDN)
	waitRevision(t, provB, 1)
	back := filepath.Join(dir, "back.xml")
	run(t, bin, ldapEnv(provB), "store", "copy", "msldap://"+storeDN, "msxml://"+back)
	want, _, _, err := xmlstore.Parse(bytes.NewReader(policies.BookRoles()), "book-roles.xml")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(back)
	if err != nil {
		t.Fatal(err)
	}
	got, _, _, err := xmlstore.Parse(bytes.NewReader(raw), back)
	if err != nil {
		t.Fatal(err)
	}
	if d := policytest.Diff(want, got); d != "" {
		t.Fatalf("XML → LDAP (provider A) → XML (provider B) changed the policy: %s", d)
	}

	// Replica A adds the delegation application at start (revision 2);
	// start B once its provider has that, so the two start-up writes do
	// not race across providers.
	ra := serve(t, bin, "A", provA)
	waitRevision(t, provB, 2)
	rb := serve(t, bin, "B", provB)

	if ra.allowed(t, newbie) || rb.allowed(t, newbie) {
		t.Fatalf("%s is allowed before any edit", newbie)
	}

	// Propagation: grant through A, measure until B enforces it; then
	// revoke through B and measure until A enforces that.
	var worst time.Duration
	for i := range 3 {
		ra.link(t, true, newbie)
		d := waitFor(t, "B enforces A's grant", propagationLimit, func() bool { return rb.allowed(t, newbie) })
		t.Logf("round %d: grant through A enforced by B after %v", i+1, d.Round(time.Millisecond))
		worst = max(worst, d)
		rb.link(t, false, newbie)
		d = waitFor(t, "A enforces B's revocation", propagationLimit, func() bool { return !ra.allowed(t, newbie) })
		t.Logf("round %d: revocation through B enforced by A after %v", i+1, d.Round(time.Millisecond))
		worst = max(worst, d)
	}
	t.Logf("worst propagation between replicas: %v (limit %v)", worst.Round(time.Millisecond), propagationLimit)

	// Grant once more and let both replicas have it.
	ra.link(t, true, newbie)
	waitFor(t, "B enforces the grant", propagationLimit, func() bool { return rb.allowed(t, newbie) })

	// Outage of B's provider: B keeps its last good policy, says it is
	// degraded; A is unaffected.
	if code, body := rb.ready(t); code != http.StatusOK {
		t.Fatalf("B not ready before the outage: %d %s", code, body)
	}
	stopped := time.Now()
	provB.Stop() // SIGTERM; returns when slapd has exited
	exited := time.Since(stopped)
	d := waitFor(t, "B reports itself degraded", 5*time.Second, func() bool {
		code, body := rb.ready(t)
		return code == http.StatusServiceUnavailable && strings.Contains(body, "degraded")
	})
	t.Logf("B degraded on /readyz %v after its provider exited (slapd took %v to stop)",
		d.Round(time.Millisecond), exited.Round(time.Millisecond))
	if !rb.allowed(t, newbie) {
		t.Fatal("B stopped deciding from its last good policy during the outage")
	}
	if code, body := ra.ready(t); code != http.StatusOK {
		t.Fatalf("A not ready while only B's provider is down: %d %s", code, body)
	}
	// A revokes meanwhile; B cannot know yet.
	ra.link(t, false, newbie)
	if !rb.allowed(t, newbie) {
		t.Fatal("B changed its decision while cut off from the directory")
	}

	restarted := time.Now()
	provB.Restart()
	t.Logf("provider B restarted in %v", time.Since(restarted).Round(time.Millisecond))
	d = waitFor(t, "B ready again and enforcing the revocation made during the outage", 15*time.Second, func() bool {
		code, _ := rb.ready(t)
		return code == http.StatusOK && !rb.allowed(t, newbie)
	})
	t.Logf("B ready and converged %v after its provider answered again", d.Round(time.Millisecond))
}
