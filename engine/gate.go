package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/azgate/azgate/authz"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/scopes"
)

// Authorizer makes access decisions. The authz checker satisfies it.
//
// AccessCheck returns one result per operation, in order. It returns an
// error when it cannot decide at all (unknown scope, store unreachable); the
// engine then denies. A result with a non-nil Err is a denial.
type Authorizer interface {
	AccessCheck(ctx context.Context, client directory.ClientContext, scope string, ops []operations.ID, params authz.Params) ([]authz.Result, error)
}

// Decision is one access decision of the interceptor, passed to
// Config.OnDecision.
type Decision struct {
	Time      time.Time
	Principal string
	Operation operations.Operation
	Scope     string // "" is the default scope
	Object    string // "" for lists and service-wide calls
	Allowed   bool
	Grant     *authz.Grant // the granting path; nil when denied
	Err       error        // why the decision failed, if it did (always a denial)
	// Point marks a policy decision point's lookup of an object's scopes
	// (VMDecisionScopes…): one per object a search considers, so the
	// server audits an allowed one only as it audits allowed checks.
	Point bool
}

// role is what an object is to a call: the call decides each object it reads
// or changes in that object's own scope, with the operation the gate table
// gives for its role.
type role int

const (
	// roleService is the management service itself, in the default scope.
	roleService role = iota + 1
	// roleTarget is the scope a creation names (the new object's).
	roleTarget
	// roleNewScope is the scope a move names (only when the call moves).
	roleNewScope
	// roleVM is the virtual machine the call names.
	roleVM
	// roleSwitch is the switch the call names, or the switch of the port
	// it names.
	roleSwitch
	// rolePort is the switch port the call names.
	rolePort
	// roleConnVM is the VM a port is connected to, or the one a connect
	// names.
	roleConnVM
	// roleConnInternal is the internal Ethernet port a port is connected
	// to, or the one a connect names.
	roleConnInternal
	// roleInternal is the internal Ethernet port the call names. Internal
	// ports live in the default scope.
	roleInternal
	// roleInternals is every internal Ethernet port (default scope).
	roleInternals
	// roleExternal is a host interface (external Ethernet port): the one
	// the call names, the one bound to the switch it names, or all of them.
	// Host interfaces belong to the host: the default scope.
	roleExternal
)

func (r role) String() string {
	switch r {
	case roleService:
		return "service"
	case roleTarget:
		return "target scope"
	case roleNewScope:
		return "new scope"
	case roleVM:
		return "virtual machine"
	case roleSwitch:
		return "virtual switch"
	case rolePort:
		return "switch port"
	case roleConnVM:
		return "connected virtual machine"
	case roleConnInternal:
		return "connected internal Ethernet port"
	case roleInternal:
		return "internal Ethernet port"
	case roleInternals:
		return "internal Ethernet ports"
	case roleExternal:
		return "external Ethernet port"
	}
	return fmt.Sprintf("role(%d)", int(r))
}

// kind is the kind of object playing r; "" for a role that is only a scope
// (roleTarget's kind is the one the creation names).
func (r role) kind() kind {
	switch r {
	case roleService:
		return kindService
	case roleVM, roleConnVM:
		return kindVM
	case roleSwitch:
		return kindSwitch
	case rolePort:
		return kindPort
	case roleConnInternal, roleInternal, roleInternals:
		return kindInternal
	case roleExternal:
		return kindExternal
	}
	return ""
}

// mode says what a denial for one need does.
type mode int

const (
	// required: the object is always there; a denial denies the call.
	required mode = iota + 1
	// ifPresent: the object may be absent (a port not connected, a call
	// that does not move); when present, a denial denies the call.
	ifPresent
	// shown: the object is only shown in the answer (a port's connected
	// VM); a denial hides it and the call goes on. The object is readable,
	// never writable.
	shown
)

// need is one object role of a call and the operation it needs there.
type need struct {
	role role
	op   operations.ID
	mode mode
}

func req(r role, op operations.ID) need  { return need{r, op, required} }
func opt(r role, op operations.ID) need  { return need{r, op, ifPresent} }
func show(r role, op operations.ID) need { return need{r, op, shown} }

// gateRule is one entry of the gate table: every object role the method
// reads or changes, in the order decided, with the operation each needs.
type gateRule struct {
	needs []need
	// list: the method lists objects; each is returned only when every
	// need of its own role allows in its scope (denials hide, never deny).
	list bool
	// point: the method answers a policy decision point about another
	// subject (decisionpoint.go); the caller must also be one
	// (Config.DecisionPoint).
	point bool
}

func (g gateRule) need(r role) (need, bool) {
	for _, n := range g.needs {
		if n.role == r {
			return n, true
		}
	}
	return need{}, false
}

func gate(needs ...need) gateRule   { return gateRule{needs: needs} }
func filter(needs ...need) gateRule { return gateRule{needs: needs, list: true} }
func point(needs ...need) gateRule  { return gateRule{needs: needs, point: true} }

// gateTable maps every exported method of *Engine (except Close, which
// touches no engine state) to every object it reads or changes and the
// operation each needs, in that object's own scope. It is the one place
// that says what each entry point requires; the permit it yields reads and
// writes only the objects decided here.
//
// The choices, as a Hyper-V administrator would expect them:
//   - A port operation is decided in the port's scope AND in its switch's
//     scope, with the same operation: a port is part of its switch, so
//     creating, changing, connecting or viewing a port on a switch is that
//     operation on the switch too.
//   - Making or breaking a connection changes the VM adapter (Reconfigure
//     Virtual Machine, in the VM's scope) or the internal port (Modify
//     Internal Ethernet Port, default scope) at the other end.
//   - A denial at the other end of a port's connection the caller did not
//     name says only that the port's operation is denied on its
//     connection, not which kind of object is there.
//   - What a port is connected to is shown only to a caller who may view it
//     there (View Virtual Machine Configuration in the VM's scope, View
//     Internal Ethernet Ports); otherwise the connection says only that it
//     is hidden.
//   - The host interface bound to a switch is shown only to a caller who
//     may view host interfaces (View External Ethernet Ports, default
//     scope), or who binds it; otherwise the switch says only that it is
//     bound to a hidden one.
//   - Host interfaces and internal ports belong to the host (default scope):
//     binding or unbinding needs the operation there and in the switch's
//     scope; deleting a bound switch unbinds it, which needs Unbind External
//     Ethernet Port there.
//   - Calls that would change objects the caller did not name in other
//     scopes are refused instead (409, naming nothing hidden): deleting a
//     switch with ports, a VM or internal port that is connected, removing
//     a connected adapter.
func gateTable() map[string]gateRule {
	const (
		vConf   = operations.ViewVMConfiguration
		vIntern = operations.ViewInternalEthernetPorts
		reconf  = operations.ReconfigureVM
		modInt  = operations.ModifyInternalEthernetPort
	)
	// onPort is op on a port and on its switch.
	onPort := func(op operations.ID, more ...need) gateRule {
		return gate(append([]need{req(rolePort, op), req(roleSwitch, op)}, more...)...)
	}
	// ends are the two ends a connection joins or parts.
	ends := []need{opt(roleConnVM, reconf), opt(roleConnInternal, modInt)}
	// seen are the ends of a port's connection, shown when viewable.
	seen := []need{show(roleConnVM, vConf), show(roleConnInternal, vIntern)}
	// bound is a switch's host interface, shown when viewable.
	bound := show(roleExternal, operations.ViewExternalEthernetPorts)
	vm := func(op operations.ID) gateRule { return gate(req(roleVM, op)) }
	return map[string]gateRule{
		// Service.
		"GetServiceConfig": gate(req(roleService, operations.ReadServiceConfiguration)),
		"SetServiceConfig": gate(req(roleService, operations.ReconfigureService)),
		"GetSwitchService": gate(req(roleService, operations.ViewVirtualSwitchMgmt)),

		// Virtual machines.
		"CreateVM":         gate(req(roleTarget, operations.CreateVM)),
		"DeleteVM":         vm(operations.DeleteVM),
		"GetVM":            vm(vConf),
		"ListVMs":          filter(req(roleVM, vConf)),
		"StartVM":          vm(operations.StartVM),
		"StopVM":           vm(operations.StopVM),
		"SaveVM":           vm(operations.StopVM),
		"PauseVM":          vm(operations.PauseAndRestartVM),
		"ResumeVM":         vm(operations.PauseAndRestartVM),
		"ReconfigureVM":    vm(reconf),
		"SendConsoleInput": vm(operations.AllowInputToVM),
		"ReadConsole":      vm(operations.AllowOutputFromVM),
		"SetVMScope":       gate(req(roleVM, operations.ChangeVMAuthzScope), req(roleNewScope, operations.ChangeVMAuthzScope)),
		"CreateSnapshot":   vm(operations.AllowVMSnapshot),
		"ListSnapshots":    vm(operations.AllowVMSnapshot),
		"ApplySnapshot":    vm(operations.AllowVMSnapshot),
		"DeleteSnapshot":   vm(operations.AllowVMSnapshot),

		// Virtual switches.
		"CreateSwitch": gate(req(roleTarget, operations.CreateVirtualSwitch)),
		"DeleteSwitch": gate(req(roleSwitch, operations.DeleteVirtualSwitch), opt(roleExternal, operations.UnbindExternalEthernetPort)),
		"ModifySwitch": gate(req(roleSwitch, operations.ModifySwitchSettings), opt(roleNewScope, operations.ModifySwitchSettings), bound),
		"GetSwitch":    gate(req(roleSwitch, operations.ViewSwitches), bound),
		"ListSwitches": filter(req(roleSwitch, operations.ViewSwitches), bound),

		// Switch ports.
		"CreatePort":     gate(req(roleTarget, operations.CreateVirtualSwitchPort), req(roleSwitch, operations.CreateVirtualSwitchPort)),
		"DeletePort":     onPort(operations.DeleteVirtualSwitchPort, ends...),
		"ModifyPort":     onPort(operations.ModifySwitchPortSettings, append([]need{opt(roleNewScope, operations.ModifySwitchPortSettings)}, seen...)...),
		"GetPort":        onPort(operations.ViewSwitchPorts, seen...),
		"ListPorts":      filter(append([]need{req(rolePort, operations.ViewSwitchPorts), req(roleSwitch, operations.ViewSwitchPorts)}, seen...)...),
		"ConnectPort":    onPort(operations.ConnectVirtualSwitchPort, ends...),
		"DisconnectPort": onPort(operations.DisconnectVirtualSwitchPort, ends...),
		"GetPortVLAN":    onPort(operations.ViewVLANSettings),
		"SetPortVLAN":    onPort(operations.ChangeVLANConfigOnPort),

		// Internal Ethernet ports (default scope).
		"CreateInternalPort": gate(req(roleTarget, operations.CreateInternalEthernetPort)),
		"DeleteInternalPort": gate(req(roleInternal, operations.DeleteInternalEthernetPort)),
		"ModifyInternalPort": gate(req(roleInternal, modInt)),
		"ListInternalPorts":  gate(req(roleInternals, vIntern)),

		// External Ethernet ports (host interfaces, default scope): binding
		// acts on the switch too.
		"ListExternalPorts":  gate(req(roleExternal, operations.ViewExternalEthernetPorts)),
		"BindExternalPort":   gate(req(roleSwitch, operations.BindExternalEthernetPort), req(roleExternal, operations.BindExternalEthernetPort)),
		"UnbindExternalPort": gate(req(roleSwitch, operations.UnbindExternalEthernetPort), opt(roleExternal, operations.UnbindExternalEthernetPort)),

		// LAN endpoints: each endpoint in its port's and switch's scope (an
		// external binding: its switch's); what is at the other end only
		// when the caller may view it there.
		"ListLANEndpoints": filter(req(rolePort, operations.ViewLANEndpoints), req(roleSwitch, operations.ViewLANEndpoints),
			show(roleConnVM, vConf), show(roleConnInternal, vIntern), show(roleExternal, operations.ViewExternalEthernetPorts)),

		// A decision point's question about another subject: the scopes
		// of an object the caller may view (as GetVM, GetSwitch, GetPort).
		"VMDecisionScopes":     point(req(roleVM, vConf)),
		"SwitchDecisionScopes": point(req(roleSwitch, operations.ViewSwitches)),
		"PortDecisionScopes":   point(req(rolePort, operations.ViewSwitchPorts), req(roleSwitch, operations.ViewSwitchPorts)),
	}
}

// arg is an object or scope a call names, by role.
type arg struct {
	role  role
	kind  kind   // roleTarget: the kind created
	name  string // the name the caller gave
	scope string // roleTarget, roleNewScope: the scope the caller gave
}

// named is an object the caller named.
func named(r role, name string) arg { return arg{role: r, kind: r.kind(), name: name} }

// creates is a creation of an object of kind k named name in scope.
func creates(k kind, name, scope string) arg {
	return arg{role: roleTarget, kind: k, name: name, scope: scope}
}

// moves is a move to scope, on behalf of the object named name.
func moves(name, scope string) arg { return arg{role: roleNewScope, name: name, scope: scope} }

// subject is one object (or scope) a call is decided on.
type subject struct {
	role    role
	kind    kind   // "" for a scope with no object
	id      string // "" for a scope, a kind-wide grant or a missing object
	all     bool   // every object of kind in scope (creation, host-wide kinds)
	scope   string
	name    string // what a denial names: always a name the caller gave
	missing bool
	// conn: the far end of the connection of the port the caller named
	// (name is the port's). Its denial names the port's operation and
	// the connection, never the far end's operation, which would tell a
	// VM from an internal port.
	conn bool
}

// ref names one stored object.
type ref struct {
	kind kind
	id   string
}

// access is what a permit allows on an object.
type access int

const (
	readOnly access = iota + 1
	readWrite
)

// permit is proof that the interceptor decided the calling method on every
// object it reads or writes. State is read and written only through
// Engine.read and Engine.write, which require one, and every record read or
// written through the transaction is checked against it (txn.check): an
// object the decision did not cover cannot be read, let alone changed.
type permit struct {
	method string
	list   bool
	all    bool                       // reads anything (a backend's own plain reads)
	ids    map[role]string            // the objects decided, by role
	objs   map[ref]grant              // the objects decided
	kinds  map[kind]map[string]access // kind-wide: names.Key(scope) → access
	hidden map[ref]bool               // decided and denied (shown needs)
}

type grant struct {
	scope  string
	access access
}

func newPermit(method string) permit {
	return permit{method: method, ids: map[role]string{}, objs: map[ref]grant{},
		kinds: map[kind]map[string]access{}, hidden: map[ref]bool{}}
}

func scopeKey(scope string) string { return names.Key(scopes.Of(scope)) }

// allow records an allowing decision on s.
func (p permit) allow(s subject, a access) {
	if s.kind == "" {
		return
	}
	if s.all {
		if p.kinds[s.kind] == nil {
			p.kinds[s.kind] = map[string]access{}
		}
		p.kinds[s.kind][scopeKey(s.scope)] = max(p.kinds[s.kind][scopeKey(s.scope)], a)
		return
	}
	p.ids[s.role] = s.id
	r := ref{s.kind, s.id}
	p.objs[r] = grant{scope: s.scope, access: max(p.objs[r].access, a)}
}

// Errors of txn.check. errChanged makes the call decided again.
var (
	// errHidden: the object is one the caller may not see; callers leave
	// it out of their answer.
	errHidden = errors.New("engine: object not visible to the caller")
	// errChanged: the object is not the one decided (it moved to another
	// scope, or a link now leads to an object not decided).
	errChanged = ErrChanged
	// errReadOnly: the object was decided only for reading.
	errReadOnly = errors.New("engine: write to an object decided only for reading")
	// errUndecided: a write to an existing object the call did not decide
	// (a creation's grant covers only new records).
	errUndecided = fmt.Errorf("%w: write to an object not decided", ErrChanged)
)

// check reports whether the permit covers access a to object id of kind k,
// whose stored scope is scope.
func (p permit) check(k kind, id, scope string, a access) error {
	if p.all && a == readOnly {
		return nil
	}
	if g, ok := p.objs[ref{k, id}]; ok {
		switch {
		case !scopes.Same(g.scope, scope):
			return errChanged
		case a > g.access:
			return fmt.Errorf("%w: %s %q", errReadOnly, k.label(), id)
		}
		return nil
	}
	if g, ok := p.kinds[k][scopeKey(scope)]; ok {
		if a > g {
			return fmt.Errorf("%w: %s %q", errReadOnly, k.label(), id)
		}
		return nil
	}
	if p.list || p.hidden[ref{k, id}] {
		return errHidden
	}
	return errChanged
}

// errNoRule is returned (as a denial cause) when a method names no entry of
// the gate table: a programming error, so fail closed.
var errNoRule = errors.New("engine: method is not an entry of the gate table")

// rule returns the gate table's entry for method.
func (e *Engine) rule(method string) (gateRule, error) {
	r, ok := e.gate[method]
	if !ok {
		return gateRule{}, fmt.Errorf("%w: %q", errNoRule, method)
	}
	return r, nil
}

// authorize decides method on every object its gate rule names: args are
// what the caller named, and the objects they lead to (a port's switch and
// connection, a switch's host interface) are looked up here. Each object is
// decided in its own scope, in the table's order; the first denial of a
// required object denies the call. A missing object is decided in the
// default scope, so that a caller without rights there gets the very same
// denial for a missing object as for a hidden one, and one with rights
// learns it is missing.
func (e *Engine) authorize(ctx context.Context, c directory.ClientContext, method string, args ...arg) (permit, error) {
	rule, err := e.rule(method)
	if err == nil && rule.list {
		err = fmt.Errorf("engine: %s is a list", method)
	}
	if err != nil {
		return permit{}, e.failClosed(ctx, c, operations.Operation{Name: "unknown"}, "", "", err)
	}
	if rule.point {
		if err := e.decisionPoint(ctx, c); err != nil {
			return permit{}, e.failClosed(ctx, c, e.firstOp(rule), "", "", fmt.Errorf("%s: %w", method, err))
		}
	}
	subs, err := e.resolve(ctx, rule, args)
	if errors.Is(err, ErrUnavailable) {
		// No decision could be asked for: the call fails, as 503.
		e.log.WarnContext(ctx, "engine backend unavailable", "method", method, "err", err)
		return permit{}, fmt.Errorf("%s: %w", method, err)
	}
	if err != nil {
		return permit{}, e.failClosed(ctx, c, e.firstOp(rule), "", "", fmt.Errorf("%s: %w", method, err))
	}
	p := newPermit(method)
	for _, s := range subs {
		n, _ := rule.need(s.role)
		op, err := operations.ByID(n.op)
		if err != nil {
			return permit{}, e.failClosed(ctx, c, operations.Operation{ID: n.op}, s.scope, s.name, err)
		}
		if err := e.decide(ctx, c, op, s.scope, s.name, rule.point); err != nil {
			if n.mode == shown {
				p.hidden[ref{s.kind, s.id}] = true
				continue
			}
			if s.conn {
				return permit{}, connDenial(rule, err)
			}
			if de, ok := err.(*DeniedError); ok && de.Object != "" && !s.missing && s.id != "" {
				// A denial may name the scope of an object the caller may
				// view; of any other it reads as a missing one's.
				de.Visible = e.mayView(ctx, c, s.kind, s.scope)
			}
			return permit{}, err
		}
		if s.missing {
			return permit{}, notFound(s.kind, s.name)
		}
		a := readWrite
		if n.mode == shown {
			a = readOnly
		}
		p.allow(s, a)
	}
	return p, nil
}

// connDenial is the denial of a port's far end as the caller is told it:
// the port's own operation on the port's connection. The decision itself,
// with the far end's operation and scope, is reported as made.
func connDenial(rule gateRule, err error) error {
	var de *DeniedError
	if !errors.As(err, &de) {
		return err
	}
	n, _ := rule.need(rolePort)
	op, opErr := operations.ByID(n.op)
	if opErr != nil {
		return errors.Join(err, opErr)
	}
	return &DeniedError{Operation: op, Scope: de.Scope, Object: de.Object, Conn: true, Err: de.Err}
}

func (e *Engine) firstOp(rule gateRule) operations.Operation {
	if len(rule.needs) > 0 {
		if op, err := operations.ByID(rule.needs[0].op); err == nil {
			return op
		}
	}
	return operations.Operation{Name: "unknown"}
}

// resolve turns what a call names into the subjects its rule decides, in
// the rule's order. It reads only names, scopes and links (the interceptor's
// reads before a decision).
func (e *Engine) resolve(ctx context.Context, rule gateRule, args []arg) ([]subject, error) {
	given := map[role]arg{}
	for _, a := range args {
		if _, ok := rule.need(a.role); !ok {
			return nil, fmt.Errorf("names a %s, which its gate rule does not", a.role)
		}
		if _, dup := given[a.role]; dup {
			return nil, fmt.Errorf("names two of %s", a.role)
		}
		given[a.role] = a
	}
	primary := ""
	if len(args) > 0 {
		primary = args[0].name
	}
	l := lookups{ctx: ctx, b: e.backend}
	var out []subject
	got := map[role]subject{}
	for _, n := range rule.needs {
		s, ok, err := l.subject(n.role, given, got, primary)
		if err != nil {
			return nil, err
		}
		if !ok {
			if n.mode == required {
				return nil, fmt.Errorf("no %s for a required need", n.role)
			}
			continue
		}
		got[n.role] = s
		out = append(out, s)
		if s.missing {
			break // decided in the default scope; nothing leads on from it
		}
	}
	return out, nil
}

// lookups are the interceptor's reads before a decision: an object's ID by
// name, its scope and its links, nothing else.
type lookups struct {
	ctx context.Context
	b   Backend
}

// idByName returns the ID of the object of kind k named name, "" when none.
func (l lookups) idByName(k kind, name string) (string, error) {
	id, err := l.b.Lookup(l.ctx, k, name)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return id, err
}

// record reads object id of kind k for its scope and links.
func (l lookups) record(k kind, id string) (any, error) { return fetchOne(l.ctx, l.b, k, id) }

// subject resolves role r: from what the caller named, else from the
// objects already resolved (a port's switch and connection, a switch's
// host interface). ok is false when the call has no such object.
func (l lookups) subject(r role, given map[role]arg, got map[role]subject, primary string) (subject, bool, error) {
	if a, ok := given[r]; ok {
		switch r {
		case roleTarget, roleNewScope:
			return subject{role: r, kind: a.kind, all: true, scope: scopes.Of(a.scope), name: a.name}, true, nil
		case roleService, roleInternals, roleExternal:
			return subject{role: r, kind: r.kind(), all: true, name: a.name}, true, nil
		}
		s := subject{role: r, kind: r.kind(), name: a.name}
		var err error
		if s.id, err = l.idByName(s.kind, a.name); err != nil {
			return subject{}, false, err
		}
		x, err := l.record(s.kind, s.id)
		if s.id == "" || errors.Is(err, ErrNotFound) {
			// Gone since its name was looked up: missing too.
			return subject{role: r, kind: s.kind, name: a.name, missing: true}, true, nil
		}
		s.scope = scopeOf(x)
		return s, true, err
	}
	switch r {
	case roleService, roleInternals:
		return subject{role: r, kind: r.kind(), all: true, name: primary}, true, nil
	case roleSwitch, roleConnVM, roleConnInternal:
		port, ok := got[rolePort]
		if !ok || port.missing || (r != roleSwitch && (hasRole(given, roleConnVM) || hasRole(given, roleConnInternal))) {
			return subject{}, false, nil
		}
		x, err := l.record(kindPort, port.id)
		if err != nil {
			return subject{}, false, err
		}
		pr := x.(PortRecord)
		id := pr.SwitchID
		switch {
		case r == roleConnVM && pr.Conn != nil:
			id = pr.Conn.VMID
		case r == roleConnInternal && pr.Conn != nil:
			id = pr.Conn.InternalID
		case r != roleSwitch:
			id = ""
		}
		if id == "" {
			return subject{}, false, nil
		}
		y, err := l.record(r.kind(), id)
		if err != nil {
			return subject{}, false, err
		}
		return subject{role: r, kind: r.kind(), id: id, scope: scopeOf(y), name: port.name, conn: r != roleSwitch}, true, nil
	case roleExternal:
		sw, ok := got[roleSwitch]
		if !ok {
			return subject{role: r, kind: kindExternal, all: true, name: primary}, true, nil
		}
		if sw.missing {
			return subject{}, false, nil
		}
		x, err := l.record(kindSwitch, sw.id)
		if err != nil || x.(Switch).External == "" {
			return subject{}, false, err
		}
		return subject{role: r, kind: kindExternal, all: true, name: sw.name}, true, nil
	}
	return subject{}, false, nil
}

func hasRole(given map[role]arg, r role) bool {
	_, ok := given[r]
	return ok
}

// visible decides a list method: for each need, its operation in the scope
// of every object of its role's kind, read once from the backend (the
// list's read before its decision). The view it returns reads an object
// only when its scope allowed; the rest are hidden.
func (e *Engine) visible(ctx context.Context, c directory.ClientContext, method string) (*view, error) {
	rule, err := e.rule(method)
	if err == nil && !rule.list {
		err = fmt.Errorf("engine: %s is not a list", method)
	}
	if err != nil {
		return nil, e.failClosed(ctx, c, operations.Operation{Name: "unknown"}, "", "", err)
	}
	p := newPermit(method)
	p.list = true
	v := e.view(ctx, p)
	for _, n := range rule.needs {
		op, err := operations.ByID(n.op)
		if err != nil {
			return nil, e.failClosed(ctx, c, operations.Operation{ID: n.op}, "", "", err)
		}
		k := n.role.kind()
		all := []string{""}
		if k != kindExternal {
			if _, done := v.listed[k]; done {
				all = nil
				for _, id := range v.listed[k] {
					all = append(all, scopeOf(v.cache[ref{k, id}]))
				}
			} else if all, err = v.prefetch(k); err != nil {
				return nil, fmt.Errorf("%s: %w", method, err)
			}
		}
		seen := map[string]bool{}
		for _, s := range all {
			if seen[scopeKey(s)] {
				continue
			}
			seen[scopeKey(s)] = true
			// A denial only hides the scope's objects; decide reports it.
			if e.decide(ctx, c, op, s, "", false) == nil {
				v.p.allow(subject{role: n.role, kind: k, all: true, scope: s}, readOnly)
			}
		}
	}
	return v, nil
}

// decide asks the Authorizer about one operation in one scope, reports the
// decision and returns nil only when it allowed.
func (e *Engine) decide(ctx context.Context, c directory.ClientContext, op operations.Operation, scope, object string, point bool) error {
	d := Decision{Time: e.now(), Principal: principal(c), Operation: op, Scope: scope, Object: object, Point: point}
	if err := ctx.Err(); err != nil {
		d.Err = err
	} else {
		res, err := e.authz.AccessCheck(ctx, c, scope, []operations.ID{op.ID}, nil)
		switch {
		case err != nil:
			d.Err = err
		case len(res) != 1:
			d.Err = fmt.Errorf("authorizer returned %d results for 1 operation", len(res))
		case res[0].Err != nil:
			d.Err = res[0].Err
		case res[0].Operation.Name != "" && !names.Equal(res[0].Operation.Name, op.Name):
			d.Err = fmt.Errorf("authorizer answered for operation %q, asked %q", res[0].Operation.Name, op.Name)
		default:
			if res[0].Operation.Name != "" {
				d.Operation = res[0].Operation // as the store names and numbers it
			}
			d.Allowed = res[0].Allowed
			if d.Allowed {
				d.Grant = res[0].Grant
			}
		}
	}
	e.report(ctx, d)
	if d.Allowed {
		return nil
	}
	return &DeniedError{Operation: op, Scope: scope, Object: object, Err: d.Err}
}

// viewOps is the operation that shows an object of each kind.
var viewOps = map[kind]operations.ID{
	kindVM:       operations.ViewVMConfiguration,
	kindSwitch:   operations.ViewSwitches,
	kindPort:     operations.ViewSwitchPorts,
	kindInternal: operations.ViewInternalEthernetPorts,
	kindExternal: operations.ViewExternalEthernetPorts,
}

// mayView reports whether c may view an object of kind k in scope: a
// question about the wording of a denial, not a decision of the call, so
// it is not reported. Any failure is false.
func (e *Engine) mayView(ctx context.Context, c directory.ClientContext, k kind, scope string) bool {
	op, ok := viewOps[k]
	if !ok {
		return false
	}
	res, err := e.authz.AccessCheck(ctx, c, scope, []operations.ID{op}, nil)
	return err == nil && len(res) == 1 && res[0].Allowed && res[0].Err == nil
}

// failClosed reports and returns a denial for a decision that could not be
// attempted.
func (e *Engine) failClosed(ctx context.Context, c directory.ClientContext, op operations.Operation, scope, object string, cause error) error {
	e.log.ErrorContext(ctx, "engine gate failed closed", "err", cause)
	e.report(ctx, Decision{Time: e.now(), Principal: principal(c), Operation: op, Scope: scope, Object: object, Err: cause})
	return &DeniedError{Operation: op, Scope: scope, Object: object, Err: cause}
}

func (e *Engine) report(ctx context.Context, d Decision) {
	if d.Err != nil {
		e.log.WarnContext(ctx, "access decision failed", logKeyPrincipal, d.Principal,
			logKeyOperation, d.Operation.Name, logKeyScope, d.Scope, logKeyObject, d.Object, "err", d.Err)
	} else {
		e.log.DebugContext(ctx, "access decision", logKeyPrincipal, d.Principal,
			logKeyOperation, d.Operation.Name, logKeyScope, d.Scope, logKeyObject, d.Object, logKeyAllowed, d.Allowed)
	}
	if e.onDecision != nil {
		e.onDecision(ctx, d)
	}
}

func principal(c directory.ClientContext) string {
	if c.Name != "" {
		return c.Name
	}
	if len(c.IDs) > 0 {
		return c.IDs[0]
	}
	return ""
}

// Log keys.
const (
	logKeyPrincipal = "principal"
	logKeyOperation = "operation"
	logKeyScope     = "scope"
	logKeyObject    = "object"
	logKeyAllowed   = "allowed"
)

// ActionOperation returns the operation an exported *Engine method needs on
// the object the caller names (the VM; the switch; the port, and the same
// operation on its switch; the internal port), as the gate table says, so a
// user interface can show an action the caller lacks disabled, naming the
// operation. It is advice: the method decides again when called. ok is
// false for a method that names no such object.
func ActionOperation(method string) (operations.ID, bool) {
	g, ok := gateTable()[method]
	if !ok {
		return 0, false
	}
	for _, r := range []role{roleVM, rolePort, roleSwitch, roleInternal} {
		if n, ok := g.need(r); ok && n.mode == required {
			return n.op, true
		}
	}
	return 0, false
}
