package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/scopes"
)

// Backend is what the engine drives: the hypervisor that keeps the virtual
// machines, switches and ports, as database/sql/driver is what database/sql
// drives. Two backends exist: the simulator (records in a bbolt file, see
// [OpenSimulator]; the default) and libvirt (engine/libvirt: real QEMU/KVM
// domains and networks).
//
// Only the engine calls a backend, and only after its gate decided the
// call (see the package comment): a backend never sees the caller and makes
// no access decision. What it must do instead is refuse a change to
// anything the gate did not decide, which the [Guard] passed to every call
// on existing objects describes.
//
// # Contract, for every method
//
//   - Reality is the source of truth: reads return what the hypervisor has
//     now, including objects made outside azgate (in the default scope, ""),
//     never a copy kept by the engine.
//   - Names: an object is found by any name that internal/names.Equal holds
//     equal to its own, and two objects of one kind never have equal names:
//     a creation or rename to a name in use fails with ErrExists.
//   - IDs are assigned by the backend at creation, are stable for the
//     object's life and are never reused for another object.
//   - Every object's ScopeOfResidence ("" is the default scope) is stored
//     with the object itself (libvirt: in its <metadata>), so that it
//     travels with the object.
//   - Input has been validated by the engine (names, ranges, sizes); a
//     backend may refuse more, with ErrInvalid.
//   - Errors wrap one of the engine's sentinels so errors.Is finds it:
//     ErrNotFound (no object with that ID or name), ErrExists,
//     ErrInvalidState (the object's state forbids the change: starting a
//     running VM, deleting a switch with ports), ErrInvalid, ErrChanged
//     (the Guard does not cover the change: nothing was changed),
//     ErrUnsupported (the backend cannot do this at all, e.g. VLANs on a
//     plain Linux bridge; never report such a change as applied), and
//     ErrUnavailable (the hypervisor cannot be reached; the backend
//     reconnects by itself and a later call may succeed).
//   - A change either happens completely or not at all: a failed call
//     leaves no half-made object behind.
//   - Methods are safe for concurrent use and honour ctx.
//
// Methods that take a Guard change (or read the private data of) existing
// objects; see [Guard] for what they must check. Methods without one are
// plain reads, or creations whose scope the gate decided from the spec.
type Backend interface {
	// Lookup returns the ID of the object of kind k (KindVM, KindSwitch,
	// KindPort or KindInternal) whose name is names.Equal to name, or an
	// error wrapping ErrNotFound.
	Lookup(ctx context.Context, k Kind, name string) (id string, err error)

	// VM returns the virtual machine id as it is now (State and
	// NetworkAdapters included; StateName is filled by the engine).
	VM(ctx context.Context, id string) (VM, error)
	// VMs returns every virtual machine, in any order.
	VMs(ctx context.Context) ([]VM, error)
	// CreateVM creates a virtual machine, Off, in spec.Scope, with a MAC
	// address for each named adapter.
	CreateVM(ctx context.Context, spec VMSpec) (VM, error)
	// DeleteVM deletes a virtual machine that is Off or Saved, with its
	// console, snapshots and whatever else the backend made for it, and
	// nothing it did not make. ErrInvalidState when it is in another state
	// or one of its adapters is connected to a switch port.
	DeleteVM(ctx context.Context, g Guard, id string) error
	// ChangeVMState applies a, as the table of [VMAction] says, and returns
	// the VM in its new state; ErrInvalidState when a is impossible from
	// the VM's current state.
	ChangeVMState(ctx context.Context, g Guard, id string, a VMAction) (VM, error)
	// ReconfigureVM applies u (nil fields are left as they are). Memory,
	// processors and adapters change only while the VM is Off
	// (ErrInvalidState otherwise); kept adapters keep their MAC; removing
	// an adapter connected to a switch port is ErrInvalidState.
	ReconfigureVM(ctx context.Context, g Guard, id string, u VMUpdate) (VM, error)
	// SetVMScope moves the VM to scope.
	SetVMScope(ctx context.Context, g Guard, id, scope string) (VM, error)
	// ReadConsole returns the last ServiceConfig.ConsoleBufferBytes bytes
	// of the VM's console output (the serial console on libvirt).
	ReadConsole(ctx context.Context, g Guard, id string) (string, error)
	// SendConsoleInput types text on the console of a Running VM
	// (ErrInvalidState otherwise).
	SendConsoleInput(ctx context.Context, g Guard, id, text string) error
	// Snapshots returns the VM's snapshots, oldest first.
	Snapshots(ctx context.Context, g Guard, vmID string) ([]Snapshot, error)
	// CreateSnapshot snapshots the VM under name (not empty; ErrExists
	// when the VM has a snapshot of that name).
	CreateSnapshot(ctx context.Context, g Guard, vmID, name string) (Snapshot, error)
	// ApplySnapshot reverts a VM that is Off or Saved (ErrInvalidState
	// otherwise) to the snapshot with ID snapID: memory, processors and
	// notes become the snapshot's; the VM is Off when the snapshot was
	// taken Off, Saved otherwise.
	ApplySnapshot(ctx context.Context, g Guard, vmID, snapID string) (VM, error)
	// DeleteSnapshot deletes the snapshot with ID snapID.
	DeleteSnapshot(ctx context.Context, g Guard, vmID, snapID string) error

	// Switch returns the virtual switch id (libvirt: a network). External
	// is the host interface bound to it, "" when none.
	Switch(ctx context.Context, id string) (Switch, error)
	// Switches returns every virtual switch, in any order.
	Switches(ctx context.Context) ([]Switch, error)
	// CreateSwitch creates a private switch (no host interface, no
	// internal port) in spec.Scope.
	CreateSwitch(ctx context.Context, spec SwitchSpec) (Switch, error)
	// DeleteSwitch deletes a switch that has no ports (ErrInvalidState
	// otherwise), unbinding its host interface (g.Host is then required).
	DeleteSwitch(ctx context.Context, g Guard, id string) error
	// ModifySwitch renames the switch, changes its notes or moves it.
	ModifySwitch(ctx context.Context, g Guard, id string, u SwitchUpdate) (Switch, error)
	// BindExternal binds host interface iface to an unbound switch,
	// making it an external switch. ErrNotFound when the host has no such
	// interface; ErrInvalidState when the switch is bound or the interface
	// is bound to another switch.
	BindExternal(ctx context.Context, g Guard, switchID, iface string) (Switch, error)
	// UnbindExternal unbinds the switch's host interface (ErrInvalidState
	// when none is bound).
	UnbindExternal(ctx context.Context, g Guard, switchID string) (Switch, error)

	// Port returns the switch port id.
	Port(ctx context.Context, id string) (PortRecord, error)
	// Ports returns every switch port, in any order.
	Ports(ctx context.Context) ([]PortRecord, error)
	// CreatePort creates a disconnected port on switch spec.SwitchID, in
	// spec.Scope.
	CreatePort(ctx context.Context, g Guard, spec PortRecord) (PortRecord, error)
	// DeletePort deletes the port, disconnecting it first.
	DeletePort(ctx context.Context, g Guard, id string) error
	// ModifyPort renames the port, changes its notes or moves it.
	ModifyPort(ctx context.Context, g Guard, id string, u PortUpdate) (PortRecord, error)
	// ConnectPort connects a disconnected port to a VM's adapter (to.VMID,
	// to.Adapter) or to an internal port (to.InternalID): libvirt attaches
	// the domain interface to the network, or sets its link up.
	// ErrInvalidState when the port is connected or the target is
	// connected to any port; ErrNotFound when the VM has no such adapter.
	ConnectPort(ctx context.Context, g Guard, id string, to PortLink) (PortRecord, error)
	// DisconnectPort disconnects a connected port (ErrInvalidState when it
	// is not).
	DisconnectPort(ctx context.Context, g Guard, id string) (PortRecord, error)
	// SetPortVLAN applies v to the port where the switch can carry VLANs;
	// ErrUnsupported where it cannot (the setting is then left as it was,
	// never recorded as applied).
	SetPortVLAN(ctx context.Context, g Guard, id string, v VLAN) (PortRecord, error)

	// InternalPort returns the internal Ethernet port id: a host network
	// interface on a switch, with an address (libvirt: the network's host
	// side).
	InternalPort(ctx context.Context, id string) (InternalPort, error)
	// InternalPorts returns every internal Ethernet port, in any order.
	InternalPorts(ctx context.Context) ([]InternalPort, error)
	// CreateInternalPort creates an internal Ethernet port (default scope).
	CreateInternalPort(ctx context.Context, spec InternalPortSpec) (InternalPort, error)
	// DeleteInternalPort deletes an internal port that is not connected
	// to a switch port (ErrInvalidState otherwise).
	DeleteInternalPort(ctx context.Context, g Guard, id string) error
	// ModifyInternalPort renames an internal port or changes its notes.
	ModifyInternalPort(ctx context.Context, g Guard, id string, u InternalPortUpdate) (InternalPort, error)

	// HostInterfaces returns the host's network interfaces (external
	// Ethernet ports), Bound set on those bound to a switch.
	HostInterfaces(ctx context.Context) ([]ExternalPort, error)
	// ServiceConfig returns azgate's engine settings for this backend,
	// Host filled with the hypervisor's facts.
	ServiceConfig(ctx context.Context) (ServiceConfig, error)
	// SetServiceConfig applies u (validated by the engine) and returns the
	// result. The hypervisor's facts are read-only.
	SetServiceConfig(ctx context.Context, u ServiceUpdate) (ServiceConfig, error)

	// Close releases the backend (the connection, the database file). The
	// objects live on.
	Close() error
}

// Watcher is implemented by a backend whose objects can change outside
// azgate (a VM crashed, was shut down from inside, was stopped with virsh).
// The engine calls Watch once, when it opens, and reports every event to
// Config.OnEvent (the server writes it to the audit log).
type Watcher interface {
	// Watch calls fn for every change made outside azgate, in order,
	// until ctx is done; then it returns. While the hypervisor is
	// unreachable it keeps trying to reconnect; fn is not called
	// concurrently.
	Watch(ctx context.Context, fn func(Event)) error
}

// Event is a change made outside azgate, as a backend reports it.
type Event struct {
	Time  time.Time `json:"time"`
	Kind  Kind      `json:"kind"`
	ID    string    `json:"id"`
	Name  string    `json:"name"`
	Scope string    `json:"scope"` // the object's ScopeOfResidence
	// State is a VM's state after the event (zero for other kinds).
	State VMState `json:"state,omitempty"`
	// Reason says what happened, for people: "crashed", "shut down by
	// the guest", "stopped outside azgate", "defined outside azgate",
	// "deleted outside azgate".
	Reason string `json:"reason"`
}

// Kind is a kind of object the engine keeps.
type Kind string

// The kinds of objects. KindExternal and KindService have no objects a
// Guard names by ID: host interfaces and the service belong to the host.
const (
	KindVM       Kind = "vms"
	KindSwitch   Kind = "switches"
	KindPort     Kind = "ports"
	KindInternal Kind = "internal-ports"
	KindExternal Kind = "external-ports"
	KindService  Kind = "service"
)

// Ref names one object and the scope the gate decided it in.
type Ref struct {
	Kind  Kind
	ID    string
	Scope string
}

// Guard is what the gate decided a call on: a backend applies a call only
// when the Guard covers it, and otherwise changes nothing and returns an
// error wrapping ErrChanged (the engine then decides the call again).
//
// A Guard covers a call when, at the moment the backend applies it (inside
// its transaction; on libvirt, under the backend's lock, right before the
// change):
//   - the object the call names by ID is in Objects, in the scope it has
//     now ([Guard.Check]); and
//   - every object whose link the call makes or breaks is in Objects in
//     its current scope: the switch of a port created or deleted, the VM
//     or internal port a port connects to or disconnects from (also when
//     a port or VM is deleted); and Host is set when a switch's host
//     interface is bound or unbound (also by deleting a bound switch).
//
// Reads that take a Guard (console, snapshots) need only the first.
type Guard struct {
	Objects []Ref
	// Host: the gate decided the call on the host's interfaces.
	Host bool
}

// Check returns nil when g lists object id of kind k in scope (scopes
// compared by scopes.Same), and an error wrapping ErrChanged otherwise:
// the object moved or is not one the gate decided.
func (g Guard) Check(k Kind, id, scope string) error {
	for _, r := range g.Objects {
		if r.Kind == k && r.ID == id {
			if scopes.Same(r.Scope, scope) {
				return nil
			}
			return fmt.Errorf("%w: %s %q moved to another scope", ErrChanged, k, id)
		}
	}
	return fmt.Errorf("%w: %s %q was not decided", ErrChanged, k, id)
}

// PortRecord is a switch port as a backend keeps it: its switch and
// connection by ID, so renames need no rewriting. The engine turns it into
// a [Port] for callers.
type PortRecord struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	SwitchID string    `json:"switchId"`
	Notes    string    `json:"notes"`
	Scope    string    `json:"scope"`
	VLAN     VLAN      `json:"vlan"`
	Conn     *PortLink `json:"conn,omitempty"`
	Created  time.Time `json:"created"`
}

// PortLink is what a port is connected to: a VM's adapter (VMID and
// Adapter) or an internal Ethernet port (InternalID).
type PortLink struct {
	VMID       string `json:"vmId,omitempty"`
	Adapter    string `json:"adapter,omitempty"`
	InternalID string `json:"internalId,omitempty"`
}

// VMAction is a state change of a virtual machine. From each state, the
// actions allowed and the state they reach (Hyper-V's):
//
//	Start:   Off → Running, Saved → Running (restores the saved state)
//	TurnOff: Running, Paused, Saved → Off (a saved state is discarded)
//	Save:    Running, Paused → Saved (libvirt: managed save)
//	Pause:   Running → Paused
//	Resume:  Paused → Running
//
// Any other is ErrInvalidState.
type VMAction string

// The VM actions.
const (
	ActionStart   VMAction = "start"
	ActionTurnOff VMAction = "turn off"
	ActionSave    VMAction = "save"
	ActionPause   VMAction = "pause"
	ActionResume  VMAction = "resume"
)

// HostInfo is what the hypervisor says about itself (read-only).
type HostInfo = api.HostInfo

// Backend errors, beside the engine's sentinels in errors.go.
var (
	// ErrUnsupported is returned by a backend for a change it cannot make
	// at all (a VLAN on a switch that cannot carry one); the server
	// answers 501 Not Implemented.
	ErrUnsupported = errors.New("not supported by this engine backend")
	// ErrUnavailable is returned when the hypervisor cannot be reached
	// (libvirtd down or restarting). Decisions and the policy API keep
	// working; the server answers 503 Service Unavailable.
	ErrUnavailable = errors.New("engine backend unavailable")
	// ErrChanged is returned by a backend when a Guard does not cover a
	// call: an object moved to another scope or a link leads to an object
	// not decided. Nothing was changed; the engine decides the call again.
	ErrChanged = errors.New("object changed during the call")
)
