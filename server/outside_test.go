package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServer_OutsideEditAudited: a member added to the store file with a
// text editor (the revision left as it was) is in force, audited as
// written outside azgate with what changed, and counted in /metrics.
func TestServer_OutsideEditAudited(t *testing.T) {
	ts := startServer(t, nil)
	path := strings.TrimPrefix(ts.cfg.StoreURL, "msxml://")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const admins = "<Member>S-1-5-32-544</Member>"
	edited := strings.Replace(string(data), admins, admins+`<Member>CONTOSO\mallory</Member>`, 1)
	if edited == string(data) {
		t.Fatalf("no %s in the store", admins)
	}
	writeFile(t, path+".new", edited)
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
	auditLog := filepath.Join(ts.cfg.DataDir, AuditFile)
	deadline := time.Now().Add(3 * time.Second)
	for !fileContains(t, auditLog, `"who":"written outside azgate"`) {
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(auditLog)
			t.Fatalf("no record of the outside edit in the audit log:\n%s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !fileContains(t, auditLog, `member CONTOSO\\mallory`) || !fileContains(t, auditLog, "edited by another tool") {
		b, _ := os.ReadFile(auditLog)
		t.Errorf("the audit record does not say what changed and how:\n%s", b)
	}
	r := ts.do(admin, "GET", "/metrics", nil)
	want(t, r, 200, "metrics")
	if !strings.Contains(string(r.body), "azgate_policy_outside_changes_total 1") {
		t.Errorf("metrics lack azgate_policy_outside_changes_total 1")
	}
}
