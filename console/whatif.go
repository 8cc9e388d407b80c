package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/policy"
)

// maxChanges bounds the changes a what-if lists (the counts are exact).
const maxChanges = 1000

// stagedEdit is one edit held for a what-if: the admin API's edit and how
// the audit log will say it.
type stagedEdit struct {
	What  string
	apply func(*policy.Policy) error
}

// applyAll applies edits in order.
func applyAll(edits []stagedEdit) func(*policy.Policy) error {
	return func(p *policy.Policy) error {
		for _, e := range edits {
			if err := e.apply(p); err != nil {
				return fmt.Errorf("%s: %w", e.What, err)
			}
		}
		return nil
	}
}

// stageEdit adds e to the session's stage when the stage and e apply to
// p (the policy in force) and the result validates.
func (c *Console) stageEdit(s *session, rev policy.Revision, p *policy.Policy, e stagedEdit) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stage
	if st == nil {
		st = &stage{base: rev}
	}
	if len(st.edits) >= maxStaged {
		return &userError{fmt.Sprintf("at most %d edits can be staged; save or discard them first", maxStaged)}
	}
	edits := append(append([]stagedEdit(nil), st.edits...), e)
	if _, err := p.Edit(applyAll(edits)); err != nil {
		return err
	}
	st.edits = edits
	s.stage = st
	return nil
}

type whatIfData struct {
	Edits    []stagedEdit
	Base     policy.Revision
	Current  policy.Revision
	Moved    bool
	Report   authz.WhatIfReport
	Error    string
	Conflict bool
}

// whatIfPage shows the staged edits and the decisions they change against
// the policy in force.
func (c *Console) whatIfPage(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := c.requireRead(r); err != nil {
		return err
	}
	return c.renderWhatIf(w, r, s, http.StatusOK, "", false)
}

func (c *Console) renderWhatIf(w http.ResponseWriter, r *http.Request, s *session, status int, msg string, conflict bool) error {
	snap := c.b.Live().Current()
	d := whatIfData{Current: snap.Revision, Error: msg, Conflict: conflict}
	s.mu.Lock()
	if s.stage != nil {
		d.Edits = append(d.Edits, s.stage.edits...)
		d.Base = s.stage.base
	}
	s.mu.Unlock()
	if len(d.Edits) > 0 {
		d.Moved = d.Base != snap.Revision
		next, err := snap.Policy.Edit(applyAll(d.Edits))
		if err != nil {
			_, m := publicMessage(err)
			d.Error = strings.TrimSpace(d.Error + " The staged edits no longer apply to the policy in force: " + m)
		} else {
			// The API's what-if (POST /v1/whatif): the same subjects, the
			// same decisions.
			if d.Report, err = c.b.WhatIf(r.Context(), snap.Checker, next, authz.WhatIfOptions{Limit: maxChanges}); err != nil {
				return err
			}
		}
	}
	v := c.view(r, s, "What if", "whatif", d)
	v.Live = "notice"
	return c.renderView(w, status, v, "whatif")
}

// whatIfPost saves the stage as one revision (against the revision it was
// staged at), discards it, drops one edit, or re-bases it on the policy in
// force.
func (c *Console) whatIfPost(w http.ResponseWriter, r *http.Request, s *session) error {
	action := r.PostFormValue("action")
	s.mu.Lock()
	st := s.stage
	var edits []stagedEdit
	var base policy.Revision
	if st != nil {
		edits, base = append(edits, st.edits...), st.base
	}
	s.mu.Unlock()
	switch action {
	case "discard":
		s.mu.Lock()
		s.stage = nil
		s.mu.Unlock()
		http.Redirect(w, r, link("whatif", "flash", "Staged edits discarded."), http.StatusSeeOther)
		return nil
	case "remove":
		i, err := strconv.Atoi(r.PostFormValue("index"))
		s.mu.Lock()
		if err == nil && s.stage != nil && i >= 0 && i < len(s.stage.edits) {
			s.stage.edits = append(s.stage.edits[:i:i], s.stage.edits[i+1:]...)
			if len(s.stage.edits) == 0 {
				s.stage = nil
			}
		}
		s.mu.Unlock()
		http.Redirect(w, r, link("whatif"), http.StatusSeeOther)
		return nil
	case "rebase":
		snap := c.b.Live().Current()
		s.mu.Lock()
		if s.stage != nil {
			s.stage.base = snap.Revision
		}
		s.mu.Unlock()
		http.Redirect(w, r, link("whatif"), http.StatusSeeOther)
		return nil
	case "save":
		if len(edits) == 0 {
			return &userError{"nothing is staged"}
		}
		whats := make([]string, len(edits))
		for i, e := range edits {
			whats[i] = e.What
		}
		what := "what-if: " + strings.Join(whats, "; ") + " (console)"
		nrev, err := c.b.WritePolicy(r, base, what, applyAll(edits))
		if err != nil {
			if st, msg := publicMessage(err); st != http.StatusForbidden {
				conflict := st == http.StatusPreconditionFailed
				if conflict {
					msg = fmt.Sprintf("Another writer changed the policy since you staged these edits (revision %d, now %d); nothing was saved. "+
						"Review the changes against the current revision and save again, or discard them.", base, c.b.Live().Current().Revision)
				}
				return c.renderWhatIf(w, r, s, st, msg, conflict)
			}
			return err
		}
		s.mu.Lock()
		s.stage = nil
		s.mu.Unlock()
		http.Redirect(w, r, link("whatif", "flash", fmt.Sprintf("Saved %d edits as revision %d.", len(edits), nrev)), http.StatusSeeOther)
		return nil
	}
	return &userError{fmt.Sprintf("unknown action %q", action)}
}
