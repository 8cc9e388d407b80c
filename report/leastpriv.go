package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/audit"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policydoc"
)

// Member kinds of a report's members (as who-can names them).
const (
	KindMember   = "member"
	KindAppGroup = "application group"
)

// Options say what LeastPrivilege reports on.
type Options struct {
	// Application is the application whose role assignments are reported.
	Application string
	// DefaultApplication is the application a decision record without an
	// "application" was decided in: the one the server gates.
	DefaultApplication string
	// Since and Until bound the records counted; a zero Since is the
	// oldest record of the log, a zero Until is now.
	Since, Until time.Time
	// Revision is the revision of the policy given, for the report and
	// its suggestions' base revision.
	Revision policy.Revision
	// Notes are passed on to the report (what the log may lack).
	Notes []string
}

// HorizonError is LeastPrivilege's answer to a Since older than the
// oldest record of the audit log.
type HorizonError struct {
	Since, Horizon, Now time.Time
}

func (e *HorizonError) Error() string {
	return fmt.Sprintf("since %s (%s ago) is older than the audit log, which reaches back to %s: it can see %s back at most",
		e.Since.UTC().Format(time.RFC3339), FormatAge(e.Now.Sub(e.Since)), e.Horizon.UTC().Format(time.RFC3339), FormatAge(e.Now.Sub(e.Horizon)))
}

// use counts the uses of one operation.
type use struct {
	count int
	last  time.Time
}

func (u *use) add(t time.Time, n int) {
	u.count += n
	if t.After(u.last) {
		u.last = t
	}
}

// assignment is a role assignment being reported: what it grants and
// what was used.
type assignment struct {
	scope       string
	role        *policy.Role
	grants      []bool // by catalog index
	conditional string // a rule-bearing task on the way, "" when none
	members     []api.LeastPrivilegeMember
	memberIdx   map[string]int // names.Key(member name) → index
	memberAs    map[string]int // member names as records spell them → index
	uses        []use          // by catalog index; nil until used
	memberUses  [][]use        // by member, by catalog index; nil until used
}

// leastPriv is one report being made.
type leastPriv struct {
	app     *policy.Application
	namer   policydoc.Namer
	opts    Options
	opIdx   map[string]int // names.Key(operation name) → catalog index
	opByID  map[int]int
	assigns []*assignment
	byKey   map[string]int // scope \x00 assignment (keys) → index
	rep     *api.LeastPrivilegeReport
	// Names as the records spell them, found before: a record's names are
	// looked up exactly first, folded (names.Key) only the first time.
	assignAs map[[2]string]int // {scope, assignment} → index, -1 none
	opAs     map[string]int    // operation → catalog index, -1 none
}

// maxSpellings bounds each map of names as records spell them.
const maxSpellings = 4096

// LeastPrivilege reports, for every role assignment of o.Application in
// p (application level first, then each scope) and every member of it,
// which operations it grants were used — an allowed decision of the
// audit log at auditPath, between o.Since and o.Until, granted through it
// — and which never, and suggests a narrower role definition where some
// went unused. A Since older than the log's oldest record is a
// *HorizonError.
func LeastPrivilege(ctx context.Context, p *policy.Policy, auditPath string, o Options) (*api.LeastPrivilegeReport, error) {
	app, err := p.Application(o.Application)
	if err != nil {
		return nil, err
	}
	if o.Until.IsZero() {
		o.Until = time.Now()
	}
	if !o.Since.IsZero() && !o.Since.Before(o.Until) {
		return nil, fmt.Errorf("since %s is not before %s", o.Since.UTC().Format(time.RFC3339), o.Until.UTC().Format(time.RFC3339))
	}
	if names.Equal(app.Name, policy.DelegationApplication) {
		o.Notes = append(slices.Clip(o.Notes), NoteDelegation)
	}
	lp := newLeastPriv(p, app, o)
	sp, err := audit.ScanAllowed(ctx, auditPath, o.Since, lp.record)
	var tooOld *audit.TooOldError
	if errors.As(err, &tooOld) {
		return nil, &HorizonError{Since: o.Since, Horizon: tooOld.Horizon, Now: o.Until}
	}
	if err != nil {
		return nil, err
	}
	lp.rep.Horizon, lp.rep.Decisions, lp.rep.Allowed = sp.Horizon.UTC(), sp.Decisions, sp.Allowed
	if o.Since.IsZero() {
		lp.rep.Since = lp.rep.Horizon
	}
	if err := lp.finish(); err != nil {
		return nil, err
	}
	return lp.rep, nil
}

func newLeastPriv(p *policy.Policy, app *policy.Application, o Options) *leastPriv {
	lp := &leastPriv{app: app, namer: policydoc.NewNamer(p), opts: o, opIdx: map[string]int{}, opByID: map[int]int{}, byKey: map[string]int{},
		assignAs: map[[2]string]int{}, opAs: map[string]int{},
		rep: &api.LeastPrivilegeReport{Application: app.Name, Revision: uint64(o.Revision), Since: o.Since.UTC(), Until: o.Until.UTC(),
			Notes: o.Notes, Assignments: []api.LeastPrivilegeAssignment{}}}
	opGUID := map[string]int{}
	for i, op := range app.Operations {
		lp.opIdx[names.Key(op.Name)] = i
		lp.opByID[op.OperationID] = i
		opGUID[names.Key(op.GUID)] = i
	}
	idx := p.NameIndex()
	appTasks := taskMap(app.Tasks)
	add := func(scope string, objs *policy.Objects) {
		tasks := appTasks
		if scope != "" {
			tasks = taskMap(objs.Tasks, app.Tasks)
		}
		for _, r := range objs.Roles {
			a := &assignment{scope: scope, role: r, grants: make([]bool, len(app.Operations)), memberIdx: map[string]int{}, memberAs: map[string]int{}}
			for _, g := range r.OperationLinks {
				if i, ok := opGUID[names.Key(g)]; ok {
					a.grants[i] = true
				}
			}
			seen := map[string]bool{}
			for _, g := range r.TaskLinks {
				a.walk(tasks, opGUID, g, seen)
			}
			for _, m := range r.Members {
				a.addMember(m, KindMember)
			}
			for _, g := range idx.Names(r.AppMemberLinks) {
				a.addMember(g, KindAppGroup)
			}
			lp.byKey[names.Key(scope)+"\x00"+names.Key(r.Name)] = len(lp.assigns)
			lp.assigns = append(lp.assigns, a)
		}
	}
	add("", &app.Objects)
	for _, s := range app.Scopes {
		add(s.Name, &s.Objects)
	}
	return lp
}

// taskMap indexes tasks by GUID; the first level given wins.
func taskMap(levels ...[]*policy.Task) map[string]*policy.Task {
	m := map[string]*policy.Task{}
	for _, ts := range levels {
		for _, t := range ts {
			if k := names.Key(t.GUID); m[k] == nil {
				m[k] = t
			}
		}
	}
	return m
}

// walk marks the operations task guid grants, below it too, and notes
// the first business rule on the way.
func (a *assignment) walk(tasks map[string]*policy.Task, opGUID map[string]int, guid string, seen map[string]bool) {
	k := names.Key(guid)
	t := tasks[k]
	if t == nil || seen[k] {
		return
	}
	seen[k] = true
	if t.BizRule.Defined() && a.conditional == "" {
		a.conditional = t.Name
	}
	for _, g := range t.OperationLinks {
		if i, ok := opGUID[names.Key(g)]; ok {
			a.grants[i] = true
		}
	}
	for _, g := range t.TaskLinks {
		a.walk(tasks, opGUID, g, seen)
	}
}

func (a *assignment) addMember(name, kind string) {
	k := names.Key(name)
	if _, dup := a.memberIdx[k]; dup {
		return
	}
	a.memberIdx[k] = len(a.members)
	a.members = append(a.members, api.LeastPrivilegeMember{Name: name, Kind: kind})
}

// record counts an allowed decision, or a grant usage entry's decisions.
func (lp *leastPriv) record(d *audit.Decision) error {
	n := max(d.Count, 1)
	app := d.Application
	if app == "" {
		app = lp.opts.DefaultApplication
	}
	if !names.Equal(app, lp.app.Name) || d.Time.After(lp.opts.Until) {
		return nil
	}
	if d.Grant == nil {
		lp.rep.Unattributed += n
		return nil
	}
	ai, oi := lp.assignment(d.Grant.Scope, d.Grant.Assignment), lp.operation(d.Operation, d.OperationID)
	if ai < 0 || oi < 0 || !lp.assigns[ai].grants[oi] {
		lp.rep.Unattributed += n
		return nil
	}
	a := lp.assigns[ai]
	if a.uses == nil {
		a.uses = make([]use, len(a.grants))
	}
	a.uses[oi].add(d.Time, n)
	lp.rep.Counted += n
	mi, ok := a.memberAs[d.Grant.Principal]
	if !ok {
		if mi, ok = a.memberIdx[names.Key(d.Grant.Principal)]; !ok {
			mi = -1
		}
		if len(a.memberAs) < maxSpellings {
			a.memberAs[d.Grant.Principal] = mi
		}
	}
	if mi < 0 {
		return nil // a member since removed: the assignment's use still counts
	}
	if a.memberUses == nil {
		a.memberUses = make([][]use, len(a.members))
	}
	if a.memberUses[mi] == nil {
		a.memberUses[mi] = make([]use, len(a.grants))
	}
	a.memberUses[mi][oi].add(d.Time, n)
	return nil
}

// assignment finds the assignment a grant names, -1 when the policy has
// none by that name.
func (lp *leastPriv) assignment(scope, name string) int {
	k := [2]string{scope, name}
	if i, ok := lp.assignAs[k]; ok {
		return i
	}
	i, ok := lp.byKey[names.Key(scope)+"\x00"+names.Key(name)]
	if !ok {
		i = -1
	}
	if len(lp.assignAs) < maxSpellings {
		lp.assignAs[k] = i
	}
	return i
}

// operation finds a record's operation in the catalog by name, else by
// its OperationID; -1 when it has neither.
func (lp *leastPriv) operation(name string, id int) int {
	i, ok := lp.opAs[name]
	if !ok {
		if i, ok = lp.opIdx[names.Key(name)]; !ok {
			i = -1
		}
		if len(lp.opAs) < maxSpellings {
			lp.opAs[name] = i
		}
	}
	if i < 0 {
		if j, ok := lp.opByID[id]; ok {
			return j
		}
	}
	return i
}

// finish turns the counts into the report's assignments.
func (lp *leastPriv) finish() error {
	for _, a := range lp.assigns {
		doc := lp.namer.RoleAssignment(a.role)
		out := api.LeastPrivilegeAssignment{Scope: a.scope, Name: a.role.Name, RoleDefinitions: doc.RoleDefinitions,
			Conditional: a.conditional != "", Members: a.members}
		out.Used, out.Unused = lp.split(a.grants, a.uses)
		for i := range out.Members {
			var uses []use
			if a.memberUses != nil {
				uses = a.memberUses[i]
			}
			out.Members[i].Used, out.Members[i].Unused = lp.split(a.grants, uses)
		}
		if out.Members == nil {
			out.Members = []api.LeastPrivilegeMember{}
		}
		if err := lp.suggest(a, doc, &out); err != nil {
			return err
		}
		lp.rep.Assignments = append(lp.rep.Assignments, out)
	}
	return nil
}

// split lists the granted operations used and unused, in catalog order.
func (lp *leastPriv) split(grants []bool, uses []use) ([]api.OperationUse, []string) {
	used, unused := []api.OperationUse{}, []string{}
	for i, g := range grants {
		switch {
		case !g:
		case uses != nil && uses[i].count > 0:
			used = append(used, api.OperationUse{Operation: lp.app.Operations[i].Name, Count: uses[i].count, Last: uses[i].last.UTC()})
		default:
			unused = append(unused, lp.app.Operations[i].Name)
		}
	}
	return used, unused
}

// suggest narrows a to what was used: a new role definition with the
// used operations, which the assignment links instead of its links, or
// the assignment deleted when nothing was used. A business rule on the
// way to its operations leaves it to the administrator: a role definition
// of plain operations would drop the rule's condition.
func (lp *leastPriv) suggest(a *assignment, doc api.RoleAssignment, out *api.LeastPrivilegeAssignment) error {
	if len(out.Unused) == 0 {
		return nil
	}
	if names.Equal(lp.app.Name, policy.DelegationApplication) {
		out.NoSuggestion = NoteDelegation
		return nil
	}
	if a.conditional != "" {
		out.NoSuggestion = fmt.Sprintf("the task %q on the way to its operations has a business rule; "+
			"a role definition of the used operations alone would drop the rule's condition: narrow it by hand", a.conditional)
		return nil
	}
	change := api.StagedChange{Application: lp.app.Name, BaseRevision: uint64(lp.opts.Revision)}
	sug := &api.LeastPrivilegeSuggestion{Operations: []string{}}
	if len(out.Used) == 0 {
		sug.DeleteAssignment = true
		change.Edits = []api.StagedEdit{{Action: "delete", Kind: "role-assignments", Scope: a.scope, Name: a.role.Name}}
	} else {
		for _, u := range out.Used {
			sug.Operations = append(sug.Operations, u.Operation)
		}
		sug.RoleDefinition = lp.freeTaskName(a.scope, clipName(a.role.Name, policy.MaxNameLen-len(usedSuffix)-8)+usedSuffix)
		def := api.Task{Name: sug.RoleDefinition, Operations: sug.Operations, Tasks: []string{},
			Description: fmt.Sprintf("The operations role assignment %q used from %s to %s (least-privilege report).",
				a.role.Name, lp.rep.Since.Format(time.DateOnly), lp.rep.Until.Format(time.DateOnly))}
		doc.RoleDefinitions, doc.Operations = []string{sug.RoleDefinition}, []string{}
		defJSON, err := json.Marshal(def)
		if err != nil {
			return fmt.Errorf("suggestion for %q: %w", a.role.Name, err)
		}
		docJSON, err := json.Marshal(doc)
		if err != nil {
			return fmt.Errorf("suggestion for %q: %w", a.role.Name, err)
		}
		change.Edits = []api.StagedEdit{
			{Action: "create", Kind: "role-definitions", Scope: a.scope, Object: api.EditObject(defJSON)},
			{Action: "update", Kind: "role-assignments", Scope: a.scope, Name: a.role.Name, Object: api.EditObject(docJSON)},
		}
	}
	sug.WhatIf = change
	out.Suggest = sug
	return nil
}

// usedSuffix ends the name of a suggested role definition.
const usedSuffix = " (used operations)"

// clipName cuts name to at most n bytes, at a character boundary.
func clipName(name string, n int) string {
	if len(name) <= n {
		return name
	}
	for n > 0 && !utf8.RuneStart(name[n]) {
		n--
	}
	return name[:n]
}

// freeTaskName is name, or name with a number, that no task or role
// definition of the application level or of scope holds.
func (lp *leastPriv) freeTaskName(scope, name string) string {
	levels := [][]*policy.Task{lp.app.Tasks}
	for _, s := range lp.app.Scopes {
		if scope == "" || names.Equal(s.Name, scope) {
			levels = append(levels, s.Tasks)
		}
	}
	taken := func(n string) bool {
		for _, ts := range levels {
			for _, t := range ts {
				if names.Equal(t.Name, n) {
					return true
				}
			}
		}
		return false
	}
	cand := name
	for i := 2; taken(cand); i++ {
		cand = name + " " + strconv.Itoa(i)
	}
	return cand
}

// FormatAge writes d in days and hours ("30d", "5d4h", "3h", "12m", "40s").
func FormatAge(d time.Duration) string {
	if d < time.Minute {
		return strconv.Itoa(int(max(d, 0)/time.Second)) + "s"
	}
	if d < time.Hour {
		return strconv.Itoa(int(max(d, 0)/time.Minute)) + "m"
	}
	days, hours := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	switch {
	case days == 0:
		return strconv.Itoa(hours) + "h"
	case hours == 0:
		return strconv.Itoa(days) + "d"
	}
	return strconv.Itoa(days) + "d" + strconv.Itoa(hours) + "h"
}

// NoteDelegation is why a report on azgate's delegation application
// suggests nothing.
const NoteDelegation = "azgate records the refusals of its own delegation roles, not their grants: " +
	"the log cannot show what they are used for"

// NoteCheckAllows is the note of a report made by a server whose log
// lacks the allowed /v1/check and AuthZEN decisions (serve
// --audit-checks off).
const NoteCheckAllows = "allowed /v1/check and AuthZEN decisions are not recorded (azgate serve runs with --audit-checks off): " +
	"operations used only through them show as never used"
