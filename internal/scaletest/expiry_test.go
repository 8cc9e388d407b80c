package scaletest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/internal/testproc"
	"github.com/azgate/azgate/policies"
)

// serveIn is serve with the replica's data directory (and so its audit
// log) in dir.
func serveIn(t *testing.T, bin, name, dir string, srv *slapdtest.Server) *replica {
	t.Helper()
	storeURL := "msldap://" + srv.Addr + "/" + storeDN
	p := testproc.Serve(t, bin, testproc.Options{Name: "replica " + name, Env: []string{"AZGATE_ADMIN_PASSWORD=" + adminPassword,
		"AZGATE_LDAP_BIND_DN=" + srv.AdminDN, "AZGATE_LDAP_PASSWORD=" + srv.AdminPassword}},
		"serve", "--store", storeURL, "--data-dir", dir,
		"--listen", "127.0.0.1:0", "--log-level", "info", "--shutdown-timeout", "2s")
	return &replica{Process: p, name: name}
}

// TestTwoReplicas_Expiry: a member is added through replica A with an
// expiry two seconds ahead. Both replicas (on two replicating providers)
// allow it until then; from that second on, every check on either
// replica is denied — no replica decides from an index compiled before —
// and each replica audits the expiry.
func TestTwoReplicas_Expiry(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs azgate and two slapd; skipped with -short")
	}
	bin := testproc.Binary(t)
	provA, provB := slapdtest.StartPair(t, slapdtest.Options{})
	dir := t.TempDir()
	book := filepath.Join(dir, "book-roles.xml")
	if err := os.WriteFile(book, policies.BookRoles(), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, bin, ldapEnv(provA), "store", "copy", "msxml://"+book, "msldap://"+storeDN)
	dirA, dirB := filepath.Join(dir, "A"), filepath.Join(dir, "B")
	ra := serveIn(t, bin, "A", dirA, provA)
	waitRevision(t, provB, 2)
	rb := serveIn(t, bin, "B", dirB, provB)
	if ra.allowed(t, newbie) || rb.allowed(t, newbie) {
		t.Fatalf("%s is allowed before any edit", newbie)
	}

	// The member, through A, expiring at the second two to three seconds
	// from now.
	expires := time.Now().Truncate(time.Second).Add(3 * time.Second)
	var doc json.RawMessage
	_, h := ra.call(t, http.MethodGet, "/v1/policy", nil, &doc)
	path := "/v1/policy/role-assignments/" + url.PathEscape("Hyper-V Monitor") + "/links?app=" + url.QueryEscape(app)
	if code, _ := ra.call(t, http.MethodPost, path, map[string]any{"relation": "member", "target": newbie, "expires": expires},
		nil, "If-Match", h.Get("ETag")); code != http.StatusOK {
		t.Fatalf("add %s with an expiry: status %d", newbie, code)
	}
	waitFor(t, "both replicas allow the new member", time.Until(expires), func() bool {
		return ra.allowed(t, newbie) && rb.allowed(t, newbie)
	})

	// Check on both replicas, as fast as they answer, until a second past
	// the expiry. A check sent at or after the expiry must be denied; one
	// answered before it must be allowed.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var wrong []string
	counts := map[string][2]int{} // replica → checks before, after the expiry
	for _, r := range []*replica{ra, rb} {
		wg.Go(func() {
			for time.Now().Before(expires.Add(time.Second)) {
				t0 := time.Now()
				ok := r.allowed(t, newbie)
				t1 := time.Now()
				mu.Lock()
				c := counts[r.name]
				switch {
				case !t0.Before(expires):
					c[1]++
					if ok {
						wrong = append(wrong, fmt.Sprintf("%s allowed a check sent %v after the expiry", r.name, t0.Sub(expires)))
					}
				case t1.Before(expires):
					c[0]++
					if !ok {
						wrong = append(wrong, fmt.Sprintf("%s denied a check answered %v before the expiry", r.name, expires.Sub(t1)))
					}
				}
				counts[r.name] = c
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Logf("checks before / after the expiry: %v", counts)
	if len(wrong) > 0 {
		t.Fatalf("%d wrong decisions, first: %s", len(wrong), wrong[0])
	}
	for _, r := range []string{"A", "B"} {
		if counts[r][1] == 0 {
			t.Fatalf("replica %s answered no check after the expiry", r)
		}
	}

	// Each replica audits the expiry when it takes effect.
	for _, d := range []string{dirA, dirB} {
		waitFor(t, "the expiry in "+d+"'s audit log", 5*time.Second, func() bool {
			raw, err := os.ReadFile(filepath.Join(d, "audit.log"))
			return err == nil && strings.Contains(string(raw), "membership term") &&
				strings.Contains(string(raw), `role assignment \"Hyper-V Monitor\"`) && strings.Contains(string(raw), "expired at")
		})
	}
}
