package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/azgate/azgate/operations"
)

// Methods returns the name of every gated method of *Engine a caller
// makes for itself (every entry of the gate table but the decision-scope
// methods, which answer a policy decision point about another subject),
// sorted.
func Methods() []string {
	var out []string
	for m, rule := range gateTable() {
		if !rule.point {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out
}

// Requirements says, in words, what the gate table requires of a call to
// method: each operation and the scope it is decided in, in the table's
// order ("Start Virtual Machine, in the VM's scope"). It is how the server
// documents its engine routes without restating the table. ok is false for
// a name that is not a gated method.
func Requirements(method string) (text string, ok bool) {
	rule, ok := gateTable()[method]
	if !ok {
		return "", false
	}
	var parts []string
	for i := 0; i < len(rule.needs); {
		n := rule.needs[i]
		// Needs of one operation and mode in a row share a phrase: "in the
		// port's scope and the switch's scope".
		j := i + 1
		for j < len(rule.needs) && rule.needs[j].op == n.op && rule.needs[j].mode == n.mode {
			j++
		}
		var where []string
		for _, m := range rule.needs[i:j] {
			where = append(where, m.role.scopePhrase(rule.list))
		}
		name := fmt.Sprintf("operation %d", n.op)
		if op, err := operations.ByID(n.op); err == nil {
			name = op.Name
		}
		p := name + ", in " + strings.Join(slices.Compact(where), " and ")
		switch n.mode {
		case ifPresent:
			p += ", " + n.role.condition()
		case shown:
			p += ", to show " + n.role.shownThing() + " (hidden otherwise)"
		}
		if rule.list && n.mode == required && i == 0 {
			p += " (the others are left out)"
		}
		parts = append(parts, p)
		i = j
	}
	if rule.point {
		parts = append(parts, "and a caller that is a policy decision point (Config.DecisionPoint)")
	}
	return strings.Join(parts, "; "), true
}

// scopePhrase names the scope a role's need is decided in.
func (r role) scopePhrase(list bool) string {
	each := func(s string) string {
		if list {
			return "each " + s
		}
		return "the " + s
	}
	switch r {
	case roleTarget:
		return "the target scope"
	case roleNewScope:
		return "the new scope"
	case roleVM:
		return each("VM's scope")
	case roleSwitch:
		return each("switch's scope")
	case rolePort:
		return each("port's scope")
	case roleConnVM:
		return "the connected VM's scope"
	}
	return "the default scope" // the service, internal and external Ethernet ports: the host's
}

// condition says when an ifPresent need applies.
func (r role) condition() string {
	switch r {
	case roleNewScope:
		return "when moving"
	case roleConnVM:
		return "when a VM is at the other end"
	case roleConnInternal:
		return "when an internal Ethernet port is at the other end"
	case roleExternal:
		return "when a host interface is bound"
	}
	return "when there is one"
}

// shownThing is what a shown need shows.
func (r role) shownThing() string {
	switch r {
	case roleConnVM:
		return "the connected VM"
	case roleConnInternal:
		return "the connected internal Ethernet port"
	case roleExternal:
		return "the host interface"
	}
	return "it"
}
