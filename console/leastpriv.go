package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/report"
	"github.com/azgate/azgate/server"
)

// defaultSince is the least-privilege page's window before one is chosen.
const defaultSince = "30d"

type leastPrivData struct {
	Since  string
	Report *api.LeastPrivilegeReport
	Error  string
	Notice string
}

// leastPrivilegePage shows the least-privilege report of the gated
// application: per role assignment and member, the operations used since
// the chosen time and those never used, with the suggested narrowing.
func (c *Console) leastPrivilegePage(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := c.requireRead(r); err != nil {
		return err
	}
	d := leastPrivData{Since: strings.TrimSpace(r.URL.Query().Get("since"))}
	chosen := d.Since != ""
	if !chosen {
		d.Since = defaultSince
	}
	status := http.StatusOK
	rep, err := c.b.LeastPrivilege(r, "", d.Since)
	if st, _ := publicMessage(err); err != nil && !chosen && st == http.StatusBadRequest {
		// A young log: the first view shows all of it rather than an error.
		d.Notice = fmt.Sprintf("The audit log does not reach back %s: the report covers all of it.", defaultSince)
		d.Since = report.SinceAll
		rep, err = c.b.LeastPrivilege(r, "", d.Since)
	}
	if err != nil {
		st, msg := publicMessage(err)
		if st != http.StatusBadRequest {
			return err
		}
		status, d.Error = st, msg
	}
	d.Report = rep
	return c.renderView(w, status, c.view(r, s, "Least privilege", "leastpriv", d), "leastpriv")
}

// leastPrivilegePost stages the suggestion for one assignment in the
// session's what-if, computed again from the same window: the what-if page
// shows the decisions it changes, and saves it only when an administrator
// confirms.
func (c *Console) leastPrivilegePost(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := c.b.Delegated(r, server.OpWritePolicy); err != nil {
		return err
	}
	since, scope, name := r.PostFormValue("since"), r.PostFormValue("scope"), r.PostFormValue("assignment")
	snap := c.b.Live().Current()
	rep, err := c.b.LeastPrivilege(r, "", since)
	if err != nil {
		return err
	}
	if rep.Revision != uint64(snap.Revision) {
		return &userError{"the policy changed while the report was made: open the report again"}
	}
	var sug *api.LeastPrivilegeSuggestion
	for _, a := range rep.Assignments {
		if names.Equal(a.Scope, scope) && names.Equal(a.Name, name) {
			if a.Suggest == nil {
				return &userError{fmt.Sprintf("role assignment %q has no suggestion over %s", name, since)}
			}
			sug = a.Suggest
		}
	}
	if sug == nil {
		return &userError{fmt.Sprintf("no role assignment %q in %s", name, scopeName(scope))}
	}
	// The suggestion is a what-if body: the API's edits, applied as the
	// API applies them.
	raw, err := json.Marshal(sug.WhatIf)
	if err != nil {
		return err
	}
	var in server.WhatIfRequest
	if err := json.Unmarshal(raw, &in); err != nil {
		return err
	}
	edit, what, err := server.StagedEdits(rep.Application, in.Edits)
	if err != nil {
		return err
	}
	if err := c.stageEdit(s, snap.Revision, snap.Policy, stagedEdit{What: "least privilege: " + what, apply: edit}); err != nil {
		return err
	}
	http.Redirect(w, r, link("whatif", "flash", fmt.Sprintf("Staged the least-privilege suggestion for %q: review the decisions it changes, then save or discard it.", name)),
		http.StatusSeeOther)
	return nil
}
