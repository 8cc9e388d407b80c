package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/policy"
)

// outsideWho is the audit "who" of a change no azgate writer made.
const outsideWho = "written outside azgate"

// auditOutside records a change of the store that the live policy loaded
// and that no azgate writer made (a text editor, ldapmodify): azgate's own
// writers audit their changes, so this is the only record such a change
// gets.
func (s *Server) auditOutside(c authz.OutsideChange) {
	var old policy.Revision
	if c.Old != nil {
		old = c.Old.Revision
	}
	s.auditPolicyChange(context.Background(), outsideWhoOf(c.New.Provenance), outsideWhat(c.New.Provenance, c.Changes), old, c.New.Revision)
}

// auditOutsideAtStart records that the policy a server starts with was not
// written by azgate (changed while no server watched, or a marker azgate
// did not write).
func (s *Server) auditOutsideAtStart(snap *authz.Snapshot) {
	if !snap.Provenance.Outside {
		return
	}
	s.log.Warn("the policy in force was not written by azgate", "reason", snap.Provenance.Reason,
		"modifiers", snap.Provenance.Modifiers)
	s.auditPolicyChange(context.Background(), outsideWhoOf(snap.Provenance),
		outsideWhat(snap.Provenance, []string{"(found at start; what changed is not known)"}), snap.Revision, snap.Revision)
}

func outsideWhoOf(p policy.Provenance) string {
	if len(p.Modifiers) == 0 {
		return outsideWho
	}
	return fmt.Sprintf("%s (modified by %s)", outsideWho, strings.Join(p.Modifiers, ", "))
}

func outsideWhat(p policy.Provenance, changes []string) string {
	what := p.Reason
	if len(changes) == 0 {
		changes = []string{"(no change to the policy)"}
	}
	return what + ": " + strings.Join(changes, "; ")
}

// termWho is the Who of the audit record of a membership that started or
// expired (policy.Term): nobody acted, the time came.
const termWho = "azgate (membership term)"

// auditTerm records a membership that started or expired, when it takes
// effect (authz.Live.OnTermChange).
func (s *Server) auditTerm(c authz.TermChange) {
	rev := s.live.Current().Revision
	s.auditPolicyChange(context.Background(), termWho, c.String(), rev, rev)
}
