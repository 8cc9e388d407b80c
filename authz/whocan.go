package authz

import (
	"fmt"
	"strings"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// Principal is one answer of WhoCan: a member string of a role assignment or
// an application group, with the assignment that grants (the HTTP API's
// document).
type Principal = api.Principal

// WhoCan lists who may do op (an OperationID of the application) in scope
// ("" is the default scope): for every
// role assignment at application level or in the scope that holds op, its
// members and its application groups, and, expanded, the members and nested
// groups of those groups. It reads the policy only; caveats mark grants that
// depend on non-members, business rules or LDAP queries.
func (c *Checker) WhoCan(scope string, op operations.ID) ([]Principal, error) {
	c, si, bit, err := c.scopeOp(scope, op)
	if err != nil {
		return nil, err
	}
	w, m := bit>>6, uint64(1)<<uint(bit&63)
	var out []Principal
	for ai := range c.assigns {
		a := &c.assigns[ai]
		if c.word(a.full, w)&m == 0 || (a.scope != appLevel && a.scope != si) {
			continue
		}
		base := Principal{Assignment: a.name}
		if a.scope >= 0 {
			base.AssignmentScope = c.scopes[a.scope]
		}
		var ruleCaveats []string
		if c.word(a.static, w)&m != 0 {
			if t := c.staticLink(int32(ai), w, m); t >= 0 {
				base.RoleDefinition = c.tasks[t].name
			}
		} else {
			for _, t := range a.links {
				if c.word(c.tasks[t].full, w)&m != 0 {
					base.RoleDefinition = c.tasks[t].name
					ruleCaveats = c.ruleCaveats(t, w, m, 0)
					break
				}
			}
		}
		for _, mem := range a.members {
			p := base
			p.Name, p.Kind = mem, "member"
			p.Caveats = ruleCaveats
			out = append(out, p)
		}
		for _, g := range a.groups {
			out = c.expandGroup(out, base, g, nil, ruleCaveats, 0)
		}
	}
	return out, nil
}

// expandGroup appends group g and, recursively, its members and nested
// groups.
func (c *Checker) expandGroup(out []Principal, base Principal, g int32, via []string, caveats []string, depth int) []Principal {
	grp := &c.groups[g]
	var own []string
	switch grp.typ {
	case policy.GroupBasic:
		if len(grp.nonMembers) > 0 {
			own = append(own, fmt.Sprintf("except non-members of %q: %s", grp.name, strings.Join(grp.nonMembers, ", ")))
		}
		for _, h := range grp.nonMemberLinks {
			own = append(own, fmt.Sprintf("except members of %q (a non-member group of %q)", c.groups[h].name, grp.name))
		}
	case policy.GroupLDAPQuery:
		own = append(own, fmt.Sprintf("only users matching the LDAP query of %q: %s", grp.name, grp.query))
	case policy.GroupBizRule:
		if grp.rule != nil {
			own = append(own, fmt.Sprintf("only when the business rule of %q holds: %s", grp.name, grp.rule.script))
		}
	}
	if grp.err != nil {
		own = append(own, fmt.Sprintf("nobody: %v", grp.err))
	}
	cav := append(append([]string(nil), caveats...), own...)
	p := base
	p.Name, p.Kind, p.Via, p.Caveats = grp.name, "application group", via, cav
	out = append(out, p)
	if depth >= MaxDepth || grp.typ != policy.GroupBasic {
		return out
	}
	inner := append(append([]string(nil), via...), grp.name)
	for _, mem := range grp.members {
		q := base
		q.Name, q.Kind, q.Via, q.Caveats = mem, "member", inner, cav
		out = append(out, q)
	}
	for _, h := range grp.memberLinks {
		out = c.expandGroup(out, base, h, inner, cav, depth+1)
	}
	return out
}

// ruleCaveats lists the business rules (and errors) on the paths from task
// t to operation m of word w.
func (c *Checker) ruleCaveats(t int32, w int, m uint64, depth int) []string {
	n := &c.tasks[t]
	var out []string
	if n.err != nil {
		return []string{fmt.Sprintf("never: %v", n.err)}
	}
	if n.rule != nil {
		if n.rule.err != nil {
			out = append(out, fmt.Sprintf("never: %v", n.rule.err))
		} else {
			out = append(out, fmt.Sprintf("only when the business rule of %q holds: %s", n.name, n.rule.script))
		}
	}
	if c.word(n.inner, w)&m != 0 || depth >= MaxDepth {
		return out
	}
	for _, ch := range n.children {
		if c.word(c.tasks[ch].full, w)&m != 0 {
			return append(out, c.ruleCaveats(ch, w, m, depth+1)...)
		}
	}
	return out
}
