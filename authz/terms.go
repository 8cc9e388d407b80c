package authz

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/policy"
)

// Members limited in time (policy.Term) are decided by compiling: a
// Checker holds only the memberships in force at the time it was compiled
// at, and the time the next one starts or expires, its boundary. A check
// at or past the boundary is never decided by that Checker: it is decided
// by a successor compiled from the same policy at the check's time (one
// compile, shared by every check that needs it; later checks find it
// ready). So a membership ends at its second exactly, in every entry
// point (AccessCheck, Explain, WhoCan, access lists), whoever holds the
// Checker. A Checker of a policy without terms has no boundary and reads
// no clock. Live also recompiles at each boundary on its own, to audit the
// change when it takes effect (OnTermChange).

// termState is what a Checker keeps for its terms.
type termState struct {
	at       time.Time      // the time compiled at
	boundary int64          // Unix nanoseconds of the next start or expiry; 0: none
	policy   *policy.Policy // what successors compile (only with a boundary)
	lapsed   []lapsed       // principal memberships not in force at `at`, for Explain

	mu   sync.Mutex // one successor compile at a time
	next atomic.Pointer[Checker]
}

// lapsed is a membership of a principal that is not in force.
type lapsed struct {
	owner  string // `role assignment "Ops" in scope "Lab"`, `application group "Temps"`
	assign int32  // the assignment, -1 for a group
	key    string // the member, folded
	member string
	term   policy.Term
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// inForce returns the members of list in force at b.at by terms, notes
// the ones that are not (for Explain) and the next boundary.
// assign is the assignment the list belongs to (-1: a group's); record
// false for application group links, which no client key names.
func (b *builder) inForce(owner string, assign int32, record bool, terms []policy.Term, list []string) []string {
	if len(terms) == 0 {
		return list
	}
	var out []string
	for _, m := range list {
		t, ok := termOf(terms, m)
		if !ok {
			out = append(out, m)
			continue
		}
		if t.Never() {
			b.warn("%s: member %q: its term ends at %s, not after its start at %s; it is never in force",
				owner, m, policy.FormatTime(t.Expires), policy.FormatTime(t.Start))
		}
		if n := t.Next(b.at); !n.IsZero() && (b.boundary.IsZero() || n.Before(b.boundary)) {
			b.boundary = n
		}
		if t.Active(b.at) {
			out = append(out, m)
			continue
		}
		if record {
			b.lapsed = append(b.lapsed, lapsed{owner: owner, assign: assign, key: foldKey(m), member: m, term: t})
		}
	}
	return out
}

func termOf(terms []policy.Term, member string) (policy.Term, bool) {
	for _, t := range terms {
		if names.Equal(t.Member, member) {
			return t, true
		}
	}
	return policy.Term{}, false
}

// finishTerms records the terms' state in the Checker.
func (b *builder) finishTerms(p *policy.Policy) {
	c := b.c
	c.terms.at = b.at
	c.terms.lapsed = b.lapsed
	if !b.boundary.IsZero() {
		c.terms.boundary = b.boundary.UnixNano()
		c.terms.policy = p.Clone() // the caller may edit p later
	}
}

// Boundary is the time the memberships in force next change (a start or
// an expiry); zero when they never do. From then on, checks are decided
// by a Checker compiled anew.
func (c *Checker) Boundary() time.Time {
	if c.terms.boundary == 0 {
		return time.Time{}
	}
	return time.Unix(0, c.terms.boundary).UTC()
}

// CompiledAt is the time whose memberships the Checker holds.
func (c *Checker) CompiledAt() time.Time { return c.terms.at }

// fresh returns the Checker to decide with now: c, or, once c's boundary
// has passed, its successor compiled at the current time. The cost for a
// policy without terms is one comparison.
func (c *Checker) fresh() (*Checker, error) {
	if c.terms.boundary == 0 {
		return c, nil
	}
	return c.freshSlow()
}

func (c *Checker) freshSlow() (*Checker, error) {
	now := c.opts.now()
	if now.UnixNano() < c.terms.boundary {
		return c, nil
	}
	if n := c.terms.next.Load(); n != nil && (n.terms.boundary == 0 || now.UnixNano() < n.terms.boundary) {
		return n, nil
	}
	c.terms.mu.Lock()
	defer c.terms.mu.Unlock()
	now = c.opts.now()
	if n := c.terms.next.Load(); n != nil && (n.terms.boundary == 0 || now.UnixNano() < n.terms.boundary) {
		return n, nil
	}
	opts := c.opts
	opts.Logger = nil // the warnings were logged at the first compile
	n, err := compileAt(c.terms.policy, c.app, opts, now)
	if err != nil {
		return nil, fmt.Errorf("application %q: recompile for the memberships in force at %s: %w", c.app, policy.FormatTime(now), err)
	}
	c.terms.next.Store(n) // replaces the previous successor: no chain grows
	return n, nil
}

// lapsedNotes says which memberships of the client are not in force,
// for a denial's explanation: "membership of X in … expired at …".
func (c *Checker) lapsedNotes(keys []string, bit int) []string {
	var out []string
	for _, l := range c.terms.lapsed {
		if l.assign >= 0 && !c.bitSet(c.assigns[l.assign].full, bit) {
			continue
		}
		for _, k := range keys {
			if foldKey(k) != l.key {
				continue
			}
			what := fmt.Sprintf("membership of %q in %s", l.member, l.owner)
			if !l.term.Expires.IsZero() && !c.terms.at.Before(l.term.Expires) {
				out = append(out, fmt.Sprintf("%s expired at %s", what, policy.FormatTime(l.term.Expires)))
			} else {
				out = append(out, fmt.Sprintf("%s is not valid until %s", what, policy.FormatTime(l.term.Start)))
			}
			break
		}
	}
	return out
}

// TermChange is a membership that started or expired: Live reports one
// for each when it takes effect.
type TermChange struct {
	At          time.Time // the start or expiry
	Application string    // "" for a store-level group
	Scope       string    // "" at application level
	// Assignment is the role assignment whose member changed; empty for
	// an application group's member (Group).
	Assignment string
	Group      string
	// Member is the principal, or the name of the application group, that
	// started or stopped being a member.
	Member string
	Change string // "started" or "expired"
}

func (t TermChange) String() string {
	of := fmt.Sprintf("role assignment %q", t.Assignment)
	if t.Assignment == "" {
		of = fmt.Sprintf("application group %q", t.Group)
	}
	where := "store level"
	switch {
	case t.Scope != "":
		where = fmt.Sprintf("scope %q of application %q", t.Scope, t.Application)
	case t.Application != "":
		where = fmt.Sprintf("application %q", t.Application)
	}
	return fmt.Sprintf("membership of %q in %s (%s) %s at %s", t.Member, of, where, t.Change, policy.FormatTime(t.At))
}

// TermChanges lists the memberships of p that start or expire in the
// interval (from, to], in time order.
func TermChanges(p *policy.Policy, from, to time.Time) []TermChange {
	if p == nil {
		return nil
	}
	var out []TermChange
	gname := map[string]string{} // folded GUID → group name
	for _, g := range p.Groups {
		gname[foldKey(g.GUID)] = g.Name
	}
	for _, a := range p.Applications {
		for _, g := range a.Groups {
			gname[foldKey(g.GUID)] = g.Name
		}
		for _, s := range a.Scopes {
			for _, g := range s.Groups {
				gname[foldKey(g.GUID)] = g.Name
			}
		}
	}
	add := func(base TermChange, terms []policy.Term, links []string) {
		for _, t := range terms {
			c := base
			c.Member = t.Member
			if n, ok := gname[foldKey(t.Member)]; ok && containsFold(links, t.Member) {
				c.Member = n
			}
			for _, e := range []struct {
				at     time.Time
				change string
			}{{t.Start, "started"}, {t.Expires, "expired"}} {
				if !e.at.IsZero() && e.at.After(from) && !e.at.After(to) && !t.Never() {
					c.At, c.Change = e.at, e.change
					out = append(out, c)
				}
			}
		}
	}
	groups := func(base TermChange, gs []*policy.Group) {
		for _, g := range gs {
			b := base
			b.Group = g.Name
			add(b, g.Terms, g.AppMemberLinks)
		}
	}
	groups(TermChange{}, p.Groups)
	for _, a := range p.Applications {
		objs := func(base TermChange, o *policy.Objects) {
			groups(base, o.Groups)
			for _, r := range o.Roles {
				b := base
				b.Assignment = r.Name
				add(b, r.Terms, r.AppMemberLinks)
			}
		}
		objs(TermChange{Application: a.Name}, &a.Objects)
		for _, s := range a.Scopes {
			objs(TermChange{Application: a.Name, Scope: s.Name}, &s.Objects)
		}
	}
	sortChanges(out)
	return out
}

func (c *Checker) bitSet(m mref, bit int) bool {
	return bit >= 0 && c.word(m, bit>>6)&(1<<uint(bit&63)) != 0
}

func sortChanges(cs []TermChange) {
	slices.SortStableFunc(cs, func(a, b TermChange) int { return a.At.Compare(b.At) })
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if names.Equal(x, s) {
			return true
		}
	}
	return false
}
