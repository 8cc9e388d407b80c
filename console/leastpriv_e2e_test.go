package console_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/azgate/azgate/api"
)

// TestConsole_LeastPrivilege: bob starts a Lab VM through his assignment
// "Lab Operators", which grants more; in a real browser the report page
// shows what was used and what never, an administrator stages the
// suggested narrowing, sees on the what-if page exactly the decisions it
// revokes (none that were used), and only then saves it; a reader sees the
// report without a way to stage; a since beyond the log says how far back
// it can see.
func TestConsole_LeastPrivilege(t *testing.T) {
	ctx := browser(t)
	ts := startServer(t)
	p := &page{t: t, ctx: ctx, base: ts.base}

	ts.mustAPI(t, http.MethodPost, "/v1/policy/scopes", api.Scope{Name: "Lab"})
	ts.mustAPI(t, http.MethodPost, "/v1/policy/role-definitions", api.Task{Name: "Lab Operator",
		Operations: []string{"Start Virtual Machine", "Stop Virtual Machine", "Delete Virtual Machine"}})
	ts.mustAPI(t, http.MethodPost, "/v1/policy/role-assignments?scope=Lab", api.RoleAssignment{Name: "Lab Operators",
		RoleDefinitions: []string{"Lab Operator"}, Members: []string{"bob"}})
	ts.mustAPI(t, http.MethodPost, "/v1/policy/role-assignments/Policy%20Reader/links?app=azgate", api.Link{Relation: "member", Target: "rita"})
	ts.mustAPI(t, http.MethodPost, "/v1/vms", map[string]any{"name": "lab-vm", "memoryMB": 1024, "processors": 1, "scope": "Lab"})
	req, _ := http.NewRequest(http.MethodPost, ts.base+"/v1/vms/lab-vm/start", nil)
	req.SetBasicAuth("bob", bobPass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("bob starts lab-vm: %d", resp.StatusCode)
	}

	p.signIn("admin", adminPass)
	p.open("/ui/least-privilege")
	if !p.exists("#lp-notice") || !p.exists("#lp-summary") || p.exists("#lp-error") {
		t.Fatal("the first view of a young log: want the whole log with a notice")
	}
	p.open("/ui/least-privilege?since=3650d")
	if e := p.text("#lp-error"); !strings.Contains(e, "it can see") {
		t.Fatalf("since beyond the log: %q", e)
	}
	p.open("/ui/least-privilege?since=all")
	sec := `section[data-assignment="Lab Operators"]`
	used := js[[]string](p, `Array.from(document.querySelectorAll('`+sec+` table.used tr.yes td:first-child')).map(td => td.innerText.trim())`)
	never := js[[]string](p, `Array.from(document.querySelectorAll('`+sec+` table.used tr.no td:first-child')).map(td => td.innerText.trim()).sort()`)
	if !slices.Equal(used, []string{"Start Virtual Machine"}) || !slices.Equal(never, []string{"Delete Virtual Machine", "Stop Virtual Machine"}) {
		t.Fatalf("Lab Operators: used %v, never %v", used, never)
	}
	if m := p.text(sec + " table.members"); !strings.Contains(m, "bob") || !strings.Contains(m, "Start Virtual Machine (1)") {
		t.Fatalf("members: %q", m)
	}
	if s := p.text(sec + " .suggestion"); !strings.Contains(s, "Lab Operators (used operations)") {
		t.Fatalf("suggestion: %q", s)
	}
	p.shot("least-privilege")

	// Staged, not saved: the what-if page shows what it revokes.
	rev := p.revision()
	p.run(chromedp.Click(css(sec+" button.stage-suggestion")), chromedp.WaitVisible(css("#summary")))
	if f := p.text("#flash"); !strings.Contains(f, "Lab Operators") {
		t.Fatalf("flash after staging: %q", f)
	}
	changes := js[[]string](p, `Array.from(document.querySelectorAll('#changes tbody tr')).filter(tr => tr.cells[0].innerText.startsWith('bob')).map(tr => Array.from(tr.cells).slice(1, 4).map(c => c.innerText.trim()).join(' | ')).sort()`)
	want := []string{"Lab | Delete Virtual Machine | revoked", "Lab | Stop Virtual Machine | revoked"}
	if !slices.Equal(changes, want) {
		t.Fatalf("what-if of the suggestion for bob: %v, want %v", changes, want)
	}
	if s := p.text("#summary"); !strings.Contains(s, "0 granted") {
		t.Fatalf("the suggestion grants something: %q", s)
	}
	if p.revision() != rev {
		t.Fatal("staging changed the policy")
	}
	// The what-if page already shows the staging's flash: wait for the save's.
	p.run(chromedp.Click(css("#save-staged")), chromedp.WaitVisible(chromedp.Search(`//p[@id="flash" and starts-with(., "Saved")]`)))
	p.open("/ui/access?subject=bob&kind=user")
	if got := p.grantedIn("Lab"); len(got) != 1 || !strings.HasPrefix(got[0], "Start Virtual Machine") {
		t.Fatalf("bob in Lab after saving: %v, want Start only", got)
	}
	p.open("/ui/least-privilege?since=all")
	if p.exists(sec + " .suggestion") {
		t.Fatal("a suggestion remains after narrowing")
	}
	p.signOut()

	// A reader sees the report, and nothing to stage with.
	p.signIn("rita", ritaPass)
	p.open("/ui/least-privilege?since=all")
	if !p.exists(`section[data-assignment="Administrator"] .suggestion`) || p.exists("button.stage-suggestion") {
		t.Fatal("the reader's report: want suggestions without a stage button")
	}
	if st := p.post("/ui/least-privilege", "since=all&scope=&assignment=Administrator"); st != http.StatusForbidden {
		t.Fatalf("a reader's forged stage: %d, want 403", st)
	}
}
