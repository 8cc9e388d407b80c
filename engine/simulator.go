package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/azgate/azgate/internal/names"
	bolt "go.etcd.io/bbolt"
)

// DBFile is the name of the simulator's database file in its directory.
const DBFile = "engine.db"

// SimulatorConfig configures a simulator.
type SimulatorConfig struct {
	// Dir is the data directory; the database is Dir/engine.db. Created
	// (0700) when missing.
	Dir string
	// LockTimeout bounds the wait for the database file lock held by
	// another process; zero means one second.
	LockTimeout time.Duration
	// Logger receives the simulator's logs; nil discards them.
	Logger *slog.Logger
}

// Simulator is the engine's default backend: virtual machines, switches and
// ports as records in one bbolt database file, with Hyper-V's states and
// rules but nothing running. Host interfaces are the local machine's. It is
// the reference for every other backend (enginetest runs the same table
// against it) and the engine of fast tests.
//
// Every change is one bbolt transaction, synced to disk on commit: it
// happened completely or not at all, across restarts and kill -9. The Guard
// of a call is checked inside the transaction.
type Simulator struct {
	db       *bolt.DB
	path     string
	defaults ServiceConfig
	now      func() time.Time
	log      *slog.Logger
}

var _ Backend = (*Simulator)(nil)

// OpenSimulator opens (creating if needed) the simulator's database in
// cfg.Dir.
func OpenSimulator(ctx context.Context, cfg SimulatorConfig) (*Simulator, error) {
	if cfg.Dir == "" {
		return nil, fmt.Errorf("open engine simulator: %w: data directory is empty", ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open engine simulator: %w", err)
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("open engine simulator: create data directory: %w", err)
	}
	timeout := cfg.LockTimeout
	if timeout <= 0 {
		timeout = time.Second
	}
	path := filepath.Join(cfg.Dir, DBFile)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("open engine database %s: %w", path, err)
	}
	renamed, err := initDB(db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open engine database %s: %w", path, err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for _, r := range renamed {
		log.WarnContext(ctx, "engine database migrated: "+r, "path", path)
	}
	abs, err := filepath.Abs(cfg.Dir)
	if err != nil {
		abs = cfg.Dir
	}
	s := &Simulator{db: db, path: path, now: time.Now, log: log,
		defaults: ServiceConfig{
			DefaultVMPath:      filepath.Join(abs, "Virtual Machines"),
			DefaultDiskPath:    filepath.Join(abs, "Virtual Hard Disks"),
			ConsoleBufferBytes: 16 << 10,
		}}
	log.InfoContext(ctx, "engine simulator opened", "path", path)
	return s, nil
}

// Close closes the database.
func (s *Simulator) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close engine database: %w", err)
	}
	return nil
}

// guardPermit is the permit a Guard amounts to: every object listed, for
// writing, in the scope decided; host interfaces when g.Host; new records
// of kind k in scope for each creation.
func guardPermit(method string, g Guard, creates ...Ref) permit {
	p := newPermit(method)
	for _, r := range g.Objects {
		p.objs[ref{r.Kind, r.ID}] = grant{scope: r.Scope, access: readWrite}
	}
	if g.Host {
		p.kinds[kindExternal] = map[string]access{scopeKey(""): readWrite}
	}
	for _, c := range creates {
		if p.kinds[c.Kind] == nil {
			p.kinds[c.Kind] = map[string]access{}
		}
		p.kinds[c.Kind][scopeKey(c.Scope)] = readWrite
	}
	return p
}

// view runs fn in a read-only transaction with no permit: for plain reads
// (rawGet, each with readAll).
func (s *Simulator) view(ctx context.Context, fn func(t txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(tx *bolt.Tx) error { return fn(txn{tx: tx, p: permit{all: true}}) })
}

// update runs fn in a read-write transaction bounded by the permit g and
// creates amount to, committed and synced when fn returns nil.
func (s *Simulator) update(ctx context.Context, method string, g Guard, fn func(t txn) error, creates ...Ref) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := guardPermit(method, g, creates...)
	return s.db.Update(func(tx *bolt.Tx) error { return fn(txn{tx, p}) })
}

// read runs fn in a read-only transaction bounded by g.
func (s *Simulator) read(ctx context.Context, method string, g Guard, fn func(t txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := guardPermit(method, g)
	return s.db.View(func(tx *bolt.Tx) error { return fn(txn{tx, p}) })
}

// Lookup implements Backend.
func (s *Simulator) Lookup(ctx context.Context, k Kind, name string) (string, error) {
	var id string
	err := s.view(ctx, func(t txn) error {
		switch k {
		case kindVM, kindSwitch, kindPort, kindInternal:
		default:
			return fmt.Errorf("lookup: %w: kind %q has no names", ErrInvalid, k)
		}
		id = t.idByName(k, name)
		if id == "" {
			return notFound(k, name)
		}
		return nil
	})
	return id, err
}

func getRaw[T any](s *Simulator, ctx context.Context, k Kind, id string) (T, error) {
	var v T
	err := s.view(ctx, func(t txn) error { return t.rawGet(k, id, &v) })
	return v, err
}

func listRaw[T any](s *Simulator, ctx context.Context, k Kind) ([]T, error) {
	out := []T{}
	err := s.view(ctx, func(t txn) error {
		return each(t, k, func(_ string, v *T) error {
			out = append(out, *v)
			return nil
		})
	})
	return out, err
}

// VM implements Backend.
func (s *Simulator) VM(ctx context.Context, id string) (VM, error) {
	return getRaw[VM](s, ctx, kindVM, id)
}

// VMs implements Backend.
func (s *Simulator) VMs(ctx context.Context) ([]VM, error) { return listRaw[VM](s, ctx, kindVM) }

// Switch implements Backend.
func (s *Simulator) Switch(ctx context.Context, id string) (Switch, error) {
	return getRaw[Switch](s, ctx, kindSwitch, id)
}

// Switches implements Backend.
func (s *Simulator) Switches(ctx context.Context) ([]Switch, error) {
	return listRaw[Switch](s, ctx, kindSwitch)
}

// Port implements Backend.
func (s *Simulator) Port(ctx context.Context, id string) (PortRecord, error) {
	return getRaw[PortRecord](s, ctx, kindPort, id)
}

// Ports implements Backend.
func (s *Simulator) Ports(ctx context.Context) ([]PortRecord, error) {
	return listRaw[PortRecord](s, ctx, kindPort)
}

// InternalPort implements Backend.
func (s *Simulator) InternalPort(ctx context.Context, id string) (InternalPort, error) {
	return getRaw[InternalPort](s, ctx, kindInternal, id)
}

// InternalPorts implements Backend.
func (s *Simulator) InternalPorts(ctx context.Context) ([]InternalPort, error) {
	return listRaw[InternalPort](s, ctx, kindInternal)
}

// Virtual machines.

// CreateVM implements Backend.
func (s *Simulator) CreateVM(ctx context.Context, spec VMSpec) (VM, error) {
	now := s.now().UTC()
	vm := VM{
		ID: newID(), Name: spec.Name, State: Off, MemoryMB: spec.MemoryMB, Processors: spec.Processors,
		Notes: spec.Notes, Scope: spec.Scope, Created: now, Modified: now, NetworkAdapters: []NetworkAdapter{},
	}
	for _, n := range spec.NetworkAdapters {
		vm.NetworkAdapters = append(vm.NetworkAdapters, NetworkAdapter{Name: n, MAC: newMAC()})
	}
	err := s.update(ctx, "CreateVM", Guard{}, func(t txn) error {
		return t.put(kindVM, vm.ID, vm.Name, "", vm)
	}, Ref{Kind: kindVM, Scope: spec.Scope})
	if err != nil {
		return VM{}, fmt.Errorf("create virtual machine %q: %w", spec.Name, err)
	}
	return vm, nil
}

// DeleteVM implements Backend.
func (s *Simulator) DeleteVM(ctx context.Context, g Guard, id string) error {
	return s.update(ctx, "DeleteVM", g, func(t txn) error {
		var vm VM
		if err := t.get(kindVM, id, &vm); err != nil {
			return err
		}
		if vm.State != Off && vm.State != Saved {
			return fmt.Errorf("virtual machine %q: %w: cannot delete it while %s; turn it off first", vm.Name, ErrInvalidState, vm.State)
		}
		adapter := ""
		if _, err := anyLinks(t, kindPort, func(l portLinks) bool {
			if l.Conn != nil && l.Conn.VMID == id {
				adapter = l.Conn.Adapter
			}
			return adapter != ""
		}); err != nil {
			return err
		}
		if adapter != "" {
			return fmt.Errorf("virtual machine %q: %w: network adapter %q is connected to a switch port; disconnect it first",
				vm.Name, ErrInvalidState, adapter)
		}
		if err := t.deleteVMData(id); err != nil {
			return err
		}
		return t.del(kindVM, id, vm.Name)
	})
}

// transition returns the state a VM in state from reaches by action a, or
// ErrInvalidState when the action is impossible from there (the table of
// VMAction).
func transition(from VMState, a VMAction) (VMState, error) {
	ok := map[VMAction]map[VMState]VMState{
		ActionStart:   {Off: Running, Saved: Running},
		ActionTurnOff: {Running: Off, Paused: Off, Saved: Off},
		ActionSave:    {Running: Saved, Paused: Saved},
		ActionPause:   {Running: Paused},
		ActionResume:  {Paused: Running},
	}
	if _, known := ok[a]; !known {
		return from, invalidf("unknown virtual machine action %q", a)
	}
	if to, found := ok[a][from]; found {
		return to, nil
	}
	return from, fmt.Errorf("%w: cannot %s a virtual machine that is %s", ErrInvalidState, a, from)
}

// ChangeVMState implements Backend. The console shows each change.
func (s *Simulator) ChangeVMState(ctx context.Context, g Guard, id string, a VMAction) (VM, error) {
	var out VM
	err := s.update(ctx, "ChangeVMState", g, func(t txn) error {
		var vm VM
		if err := t.get(kindVM, id, &vm); err != nil {
			return err
		}
		to, err := transition(vm.State, a)
		if err != nil {
			return fmt.Errorf("virtual machine %q: %w", vm.Name, err)
		}
		now := s.now().UTC()
		vm.State, vm.Modified = to, now
		if err := s.console(t, id, fmt.Sprintf("[%s] %s: %s, now %s\n", now.Format("2006-01-02 15:04:05"), vm.Name, a, to)); err != nil {
			return err
		}
		out = vm
		return t.put(kindVM, id, vm.Name, vm.Name, vm)
	})
	return out, err
}

func (s *Simulator) console(t txn, vmID, text string) error {
	limit, err := t.consoleLimit(s.defaults)
	if err != nil {
		return err
	}
	return t.appendConsole(vmID, text, limit)
}

// ReconfigureVM implements Backend.
func (s *Simulator) ReconfigureVM(ctx context.Context, g Guard, id string, u VMUpdate) (VM, error) {
	var out VM
	err := s.update(ctx, "ReconfigureVM", g, func(t txn) error {
		var vm VM
		if err := t.get(kindVM, id, &vm); err != nil {
			return err
		}
		old := vm.Name
		if u.Name != nil {
			vm.Name = *u.Name
		}
		if u.Notes != nil {
			vm.Notes = *u.Notes
		}
		if (u.MemoryMB != nil || u.Processors != nil || u.NetworkAdapters != nil) && vm.State != Off {
			return fmt.Errorf("virtual machine %q: %w: memory, processors and network adapters can change only while it is Off, it is %s",
				old, ErrInvalidState, vm.State)
		}
		if u.MemoryMB != nil {
			vm.MemoryMB = *u.MemoryMB
		}
		if u.Processors != nil {
			vm.Processors = *u.Processors
		}
		if u.NetworkAdapters != nil {
			adapters, err := replaceAdapters(t, id, vm, *u.NetworkAdapters)
			if err != nil {
				return err
			}
			vm.NetworkAdapters = adapters
		}
		vm.Modified = s.now().UTC()
		out = vm
		return t.put(kindVM, id, vm.Name, old, vm)
	})
	return out, err
}

// replaceAdapters builds a VM's new adapter list; kept adapters keep their
// MAC, and a removed adapter must not be connected to a port.
func replaceAdapters(t txn, id string, vm VM, list []string) ([]NetworkAdapter, error) {
	keep := map[string]bool{}
	out := []NetworkAdapter{}
	for _, n := range list {
		keep[names.Key(n)] = true
		a := NetworkAdapter{Name: n, MAC: newMAC()}
		for _, old := range vm.NetworkAdapters {
			if names.Equal(old.Name, n) {
				a.MAC = old.MAC
			}
		}
		out = append(out, a)
	}
	for _, old := range vm.NetworkAdapters {
		if keep[names.Key(old.Name)] {
			continue
		}
		connected, err := anyLinks(t, kindPort, func(l portLinks) bool {
			return l.Conn != nil && l.Conn.VMID == id && names.Equal(l.Conn.Adapter, old.Name)
		})
		if err != nil {
			return nil, err
		}
		if connected {
			return nil, fmt.Errorf("virtual machine %q: %w: network adapter %q is connected to a switch port; disconnect it first",
				vm.Name, ErrInvalidState, old.Name)
		}
	}
	return out, nil
}

// SetVMScope implements Backend.
func (s *Simulator) SetVMScope(ctx context.Context, g Guard, id, scope string) (VM, error) {
	var out VM
	err := s.update(ctx, "SetVMScope", g, func(t txn) error {
		var vm VM
		if err := t.get(kindVM, id, &vm); err != nil {
			return err
		}
		vm.Scope, vm.Modified = scope, s.now().UTC()
		out = vm
		return t.put(kindVM, id, vm.Name, vm.Name, vm)
	})
	return out, err
}

// ReadConsole implements Backend.
func (s *Simulator) ReadConsole(ctx context.Context, g Guard, id string) (string, error) {
	var out string
	err := s.read(ctx, "ReadConsole", g, func(t txn) error {
		var err error
		out, err = t.console(id)
		return err
	})
	return out, err
}

// SendConsoleInput implements Backend: the text is echoed to the console.
func (s *Simulator) SendConsoleInput(ctx context.Context, g Guard, id, text string) error {
	return s.update(ctx, "SendConsoleInput", g, func(t txn) error {
		var vm VM
		if err := t.get(kindVM, id, &vm); err != nil {
			return err
		}
		if vm.State != Running {
			return fmt.Errorf("virtual machine %q: %w: console input needs it Running, it is %s", vm.Name, ErrInvalidState, vm.State)
		}
		return s.console(t, id, text)
	})
}

func loadSnapshots(t txn, vmID, vmName string) ([]Snapshot, error) {
	b, err := t.snapshots(vmID, false)
	if err != nil || b == nil {
		return []Snapshot{}, err
	}
	out := []Snapshot{}
	err = b.ForEach(func(k, raw []byte) error {
		var s Snapshot
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("decode snapshot %q of virtual machine %q: %w", k, vmName, err)
		}
		s.VM = vmName
		out = append(out, s)
		return nil
	})
	slices.SortFunc(out, func(a, b Snapshot) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.Name, b.Name))
	})
	return out, err
}

// Snapshots implements Backend.
func (s *Simulator) Snapshots(ctx context.Context, g Guard, vmID string) ([]Snapshot, error) {
	var out []Snapshot
	err := s.read(ctx, "Snapshots", g, func(t txn) error {
		var vm VM
		if err := t.get(kindVM, vmID, &vm); err != nil {
			return err
		}
		var err error
		out, err = loadSnapshots(t, vmID, vm.Name)
		return err
	})
	return out, err
}

// CreateSnapshot implements Backend.
func (s *Simulator) CreateSnapshot(ctx context.Context, g Guard, vmID, name string) (Snapshot, error) {
	var out Snapshot
	err := s.update(ctx, "CreateSnapshot", g, func(t txn) error {
		var vm VM
		if err := t.get(kindVM, vmID, &vm); err != nil {
			return err
		}
		snaps, err := loadSnapshots(t, vmID, vm.Name)
		if err != nil {
			return err
		}
		for _, x := range snaps {
			if names.Equal(x.Name, name) {
				return fmt.Errorf("snapshot %q of virtual machine %q: %w", name, vm.Name, ErrExists)
			}
		}
		if len(snaps) >= maxSnaps {
			return fmt.Errorf("virtual machine %q: %w: it has %d snapshots, the most allowed", vm.Name, ErrInvalidState, maxSnaps)
		}
		out = Snapshot{ID: newID(), Name: name, VM: vm.Name, Created: s.now().UTC(), State: vm.State,
			MemoryMB: vm.MemoryMB, Processors: vm.Processors, Notes: vm.Notes}
		raw, err := json.Marshal(out)
		if err != nil {
			return fmt.Errorf("encode snapshot %q: %w", name, err)
		}
		b, err := t.snapshots(vmID, true)
		if err != nil {
			return err
		}
		return b.Put([]byte(out.ID), raw)
	})
	return out, err
}

// snapshotByID finds a VM's snapshot by ID.
func snapshotByID(t txn, vmID, snapID string) (VM, Snapshot, error) {
	var vm VM
	if err := t.get(kindVM, vmID, &vm); err != nil {
		return VM{}, Snapshot{}, err
	}
	snaps, err := loadSnapshots(t, vmID, vm.Name)
	if err != nil {
		return VM{}, Snapshot{}, err
	}
	for _, x := range snaps {
		if x.ID == snapID {
			return vm, x, nil
		}
	}
	return VM{}, Snapshot{}, fmt.Errorf("snapshot %q of virtual machine %q: %w", snapID, vm.Name, ErrNotFound)
}

// ApplySnapshot implements Backend.
func (s *Simulator) ApplySnapshot(ctx context.Context, g Guard, vmID, snapID string) (VM, error) {
	var out VM
	err := s.update(ctx, "ApplySnapshot", g, func(t txn) error {
		vm, snap, err := snapshotByID(t, vmID, snapID)
		if err != nil {
			return err
		}
		if vm.State != Off && vm.State != Saved {
			return fmt.Errorf("virtual machine %q: %w: cannot apply a snapshot while it is %s", vm.Name, ErrInvalidState, vm.State)
		}
		vm.MemoryMB, vm.Processors, vm.Notes = snap.MemoryMB, snap.Processors, snap.Notes
		vm.State = Saved
		if snap.State == Off {
			vm.State = Off
		}
		vm.Modified = s.now().UTC()
		out = vm
		return t.put(kindVM, vmID, vm.Name, vm.Name, vm)
	})
	return out, err
}

// DeleteSnapshot implements Backend.
func (s *Simulator) DeleteSnapshot(ctx context.Context, g Guard, vmID, snapID string) error {
	return s.update(ctx, "DeleteSnapshot", g, func(t txn) error {
		if _, _, err := snapshotByID(t, vmID, snapID); err != nil {
			return err
		}
		b, err := t.snapshots(vmID, true)
		if err != nil {
			return err
		}
		return b.Delete([]byte(snapID))
	})
}

// Virtual switches.

// CreateSwitch implements Backend.
func (s *Simulator) CreateSwitch(ctx context.Context, spec SwitchSpec) (Switch, error) {
	sw := Switch{ID: newID(), Name: spec.Name, Notes: spec.Notes, Scope: spec.Scope, Created: s.now().UTC()}
	err := s.update(ctx, "CreateSwitch", Guard{}, func(t txn) error {
		return t.put(kindSwitch, sw.ID, sw.Name, "", sw)
	}, Ref{Kind: kindSwitch, Scope: spec.Scope})
	if err != nil {
		return Switch{}, fmt.Errorf("create virtual switch %q: %w", spec.Name, err)
	}
	return sw, nil
}

// DeleteSwitch implements Backend.
func (s *Simulator) DeleteSwitch(ctx context.Context, g Guard, id string) error {
	return s.update(ctx, "DeleteSwitch", g, func(t txn) error {
		var sw Switch
		if err := t.get(kindSwitch, id, &sw); err != nil {
			return err
		}
		ports, err := anyLinks(t, kindPort, func(l portLinks) bool { return l.SwitchID == id })
		if err != nil {
			return err
		}
		if ports {
			return fmt.Errorf("virtual switch %q: %w: it still has switch ports; delete them first", sw.Name, ErrInvalidState)
		}
		return t.del(kindSwitch, id, sw.Name)
	})
}

// ModifySwitch implements Backend.
func (s *Simulator) ModifySwitch(ctx context.Context, g Guard, id string, u SwitchUpdate) (Switch, error) {
	var out Switch
	err := s.update(ctx, "ModifySwitch", g, func(t txn) error {
		var sw Switch
		if err := t.get(kindSwitch, id, &sw); err != nil {
			return err
		}
		old := sw.Name
		if u.Name != nil {
			sw.Name = *u.Name
		}
		if u.Notes != nil {
			sw.Notes = *u.Notes
		}
		if u.Scope != nil {
			sw.Scope = *u.Scope
		}
		out = sw
		return t.put(kindSwitch, id, sw.Name, old, sw)
	})
	return out, err
}

// BindExternal implements Backend: iface must be one of the local
// machine's interfaces.
func (s *Simulator) BindExternal(ctx context.Context, g Guard, switchID, iface string) (Switch, error) {
	var out Switch
	err := s.update(ctx, "BindExternal", g, func(t txn) error {
		if _, err := net.InterfaceByName(iface); err != nil {
			return fmt.Errorf("host interface %q: %w (%v)", iface, ErrNotFound, err)
		}
		var sw Switch
		if err := t.get(kindSwitch, switchID, &sw); err != nil {
			return err
		}
		if sw.External != "" {
			return fmt.Errorf("virtual switch %q: %w: already bound to a host interface", sw.Name, ErrInvalidState)
		}
		taken, err := anyLinks(t, kindSwitch, func(l switchLinks) bool { return l.External == iface })
		if err != nil {
			return err
		}
		if taken {
			return fmt.Errorf("host interface %q: %w: already bound to a virtual switch", iface, ErrInvalidState)
		}
		sw.External = iface
		out = sw
		return t.put(kindSwitch, sw.ID, sw.Name, sw.Name, sw)
	})
	return out, err
}

// UnbindExternal implements Backend.
func (s *Simulator) UnbindExternal(ctx context.Context, g Guard, switchID string) (Switch, error) {
	var out Switch
	err := s.update(ctx, "UnbindExternal", g, func(t txn) error {
		var sw Switch
		if err := t.get(kindSwitch, switchID, &sw); err != nil {
			return err
		}
		if sw.External == "" {
			return fmt.Errorf("virtual switch %q: %w: no external port is bound", sw.Name, ErrInvalidState)
		}
		sw.External = ""
		out = sw
		return t.put(kindSwitch, sw.ID, sw.Name, sw.Name, sw)
	})
	return out, err
}

// Switch ports.

// CreatePort implements Backend.
func (s *Simulator) CreatePort(ctx context.Context, g Guard, spec PortRecord) (PortRecord, error) {
	r := PortRecord{ID: newID(), Name: spec.Name, SwitchID: spec.SwitchID, Notes: spec.Notes, Scope: spec.Scope, Created: s.now().UTC()}
	err := s.update(ctx, "CreatePort", g, func(t txn) error {
		var sw Switch
		if err := t.get(kindSwitch, r.SwitchID, &sw); err != nil {
			return err
		}
		return t.put(kindPort, r.ID, r.Name, "", r)
	}, Ref{Kind: kindPort, Scope: spec.Scope})
	if err != nil {
		return PortRecord{}, fmt.Errorf("create switch port %q: %w", spec.Name, err)
	}
	return r, nil
}

// DeletePort implements Backend.
func (s *Simulator) DeletePort(ctx context.Context, g Guard, id string) error {
	return s.update(ctx, "DeletePort", g, func(t txn) error {
		var r PortRecord
		if err := t.get(kindPort, id, &r); err != nil {
			return err
		}
		return t.del(kindPort, r.ID, r.Name)
	})
}

// editPort loads a port, lets fn change it and stores it.
func (s *Simulator) editPort(ctx context.Context, method string, g Guard, id string, fn func(t txn, r *PortRecord) error) (PortRecord, error) {
	var out PortRecord
	err := s.update(ctx, method, g, func(t txn) error {
		var r PortRecord
		if err := t.get(kindPort, id, &r); err != nil {
			return err
		}
		old := r.Name
		if err := fn(t, &r); err != nil {
			return err
		}
		out = r
		return t.put(kindPort, id, r.Name, old, r)
	})
	return out, err
}

// ModifyPort implements Backend.
func (s *Simulator) ModifyPort(ctx context.Context, g Guard, id string, u PortUpdate) (PortRecord, error) {
	return s.editPort(ctx, "ModifyPort", g, id, func(_ txn, r *PortRecord) error {
		if u.Name != nil {
			r.Name = *u.Name
		}
		if u.Notes != nil {
			r.Notes = *u.Notes
		}
		if u.Scope != nil {
			r.Scope = *u.Scope
		}
		return nil
	})
}

// ConnectPort implements Backend.
func (s *Simulator) ConnectPort(ctx context.Context, g Guard, id string, to PortLink) (PortRecord, error) {
	return s.editPort(ctx, "ConnectPort", g, id, func(t txn, r *PortRecord) error {
		if r.Conn != nil {
			return fmt.Errorf("switch port %q: %w: it is already connected; disconnect it first", r.Name, ErrInvalidState)
		}
		cn := to
		if to.InternalID == "" {
			var vm VM
			if err := t.get(kindVM, to.VMID, &vm); err != nil {
				return err
			}
			i := slices.IndexFunc(vm.NetworkAdapters, func(a NetworkAdapter) bool { return names.Equal(a.Name, to.Adapter) })
			if i < 0 {
				return fmt.Errorf("network adapter %q of virtual machine %q: %w", to.Adapter, vm.Name, ErrNotFound)
			}
			cn = PortLink{VMID: vm.ID, Adapter: vm.NetworkAdapters[i].Name}
		} else {
			var ip InternalPort
			if err := t.get(kindInternal, to.InternalID, &ip); err != nil {
				return err
			}
			cn = PortLink{InternalID: ip.ID}
		}
		busy, err := anyLinks(t, kindPort, func(l portLinks) bool {
			x := l.Conn
			return x != nil && ((cn.InternalID != "" && x.InternalID == cn.InternalID) ||
				(cn.VMID != "" && x.VMID == cn.VMID && names.Equal(x.Adapter, cn.Adapter)))
		})
		if err != nil {
			return err
		}
		if busy {
			return fmt.Errorf("switch port %q: %w: the target is already connected to a switch port", r.Name, ErrInvalidState)
		}
		r.Conn = &cn
		return nil
	})
}

// DisconnectPort implements Backend.
func (s *Simulator) DisconnectPort(ctx context.Context, g Guard, id string) (PortRecord, error) {
	return s.editPort(ctx, "DisconnectPort", g, id, func(_ txn, r *PortRecord) error {
		if r.Conn == nil {
			return fmt.Errorf("switch port %q: %w: it is not connected", r.Name, ErrInvalidState)
		}
		r.Conn = nil
		return nil
	})
}

// SetPortVLAN implements Backend: the simulator carries VLANs on every
// switch.
func (s *Simulator) SetPortVLAN(ctx context.Context, g Guard, id string, v VLAN) (PortRecord, error) {
	return s.editPort(ctx, "SetPortVLAN", g, id, func(_ txn, r *PortRecord) error {
		r.VLAN = v
		return nil
	})
}

// Internal Ethernet ports.

// CreateInternalPort implements Backend.
func (s *Simulator) CreateInternalPort(ctx context.Context, spec InternalPortSpec) (InternalPort, error) {
	ip := InternalPort{ID: newID(), Name: spec.Name, MAC: newMAC(), Notes: spec.Notes, Created: s.now().UTC()}
	err := s.update(ctx, "CreateInternalPort", Guard{}, func(t txn) error {
		return t.put(kindInternal, ip.ID, ip.Name, "", ip)
	}, Ref{Kind: kindInternal})
	if err != nil {
		return InternalPort{}, fmt.Errorf("create internal Ethernet port %q: %w", spec.Name, err)
	}
	return ip, nil
}

// DeleteInternalPort implements Backend.
func (s *Simulator) DeleteInternalPort(ctx context.Context, g Guard, id string) error {
	return s.update(ctx, "DeleteInternalPort", g, func(t txn) error {
		var ip InternalPort
		if err := t.get(kindInternal, id, &ip); err != nil {
			return err
		}
		connected, err := anyLinks(t, kindPort, func(l portLinks) bool { return l.Conn != nil && l.Conn.InternalID == id })
		if err != nil {
			return err
		}
		if connected {
			return fmt.Errorf("internal Ethernet port %q: %w: it is connected to a switch port; disconnect it first", ip.Name, ErrInvalidState)
		}
		return t.del(kindInternal, id, ip.Name)
	})
}

// ModifyInternalPort implements Backend.
func (s *Simulator) ModifyInternalPort(ctx context.Context, g Guard, id string, u InternalPortUpdate) (InternalPort, error) {
	var out InternalPort
	err := s.update(ctx, "ModifyInternalPort", g, func(t txn) error {
		var ip InternalPort
		if err := t.get(kindInternal, id, &ip); err != nil {
			return err
		}
		old := ip.Name
		if u.Name != nil {
			ip.Name = *u.Name
		}
		if u.Notes != nil {
			ip.Notes = *u.Notes
		}
		out = ip
		return t.put(kindInternal, id, ip.Name, old, ip)
	})
	return out, err
}

// HostInterfaces implements Backend: the local machine's interfaces.
func (s *Simulator) HostInterfaces(ctx context.Context) ([]ExternalPort, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list host interfaces: %w", err)
	}
	bound := map[string]bool{}
	err = s.view(ctx, func(t txn) error {
		_, err := anyLinks(t, kindSwitch, func(l switchLinks) bool {
			bound[l.External] = l.External != ""
			return false
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]ExternalPort, 0, len(ifs))
	for _, ifc := range ifs {
		x := ExternalPort{Name: ifc.Name, MAC: ifc.HardwareAddr.String(), MTU: ifc.MTU,
			Up: ifc.Flags&net.FlagUp != 0, Loopback: ifc.Flags&net.FlagLoopback != 0,
			Addrs: []string{}, Bound: bound[ifc.Name]}
		if addrs, err := ifc.Addrs(); err == nil {
			for _, a := range addrs {
				x.Addrs = append(x.Addrs, a.String())
			}
		}
		out = append(out, x)
	}
	return out, nil
}

// ServiceConfig implements Backend.
func (s *Simulator) ServiceConfig(ctx context.Context) (ServiceConfig, error) {
	var out ServiceConfig
	err := s.view(ctx, func(t txn) error {
		var err error
		out, err = t.rawServiceConfig(s.defaults)
		return err
	})
	out.Host = s.host()
	return out, err
}

// SetServiceConfig implements Backend.
func (s *Simulator) SetServiceConfig(ctx context.Context, u ServiceUpdate) (ServiceConfig, error) {
	var out ServiceConfig
	err := s.update(ctx, "SetServiceConfig", Guard{}, func(t txn) error {
		cfg, err := t.rawServiceConfig(s.defaults)
		if err != nil {
			return err
		}
		if u.DefaultVMPath != nil {
			cfg.DefaultVMPath = *u.DefaultVMPath
		}
		if u.DefaultDiskPath != nil {
			cfg.DefaultDiskPath = *u.DefaultDiskPath
		}
		if u.ConsoleBufferBytes != nil {
			cfg.ConsoleBufferBytes = *u.ConsoleBufferBytes
		}
		cfg.Host = nil
		out = cfg
		return t.putServiceConfig(cfg)
	}, Ref{Kind: kindService})
	out.Host = s.host()
	return out, err
}

func (s *Simulator) host() *HostInfo {
	host, _ := os.Hostname() // "" when the system will not say
	return &HostInfo{Backend: "simulator", HostName: host, Hypervisor: "simulator", HypervisorVersion: "1"}
}
