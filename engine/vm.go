package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/scopes"

	"github.com/azgate/azgate/internal/names"
)

// vmAction is a state change a caller can ask for.
type vmAction string

const (
	actStart  vmAction = "start"
	actStop   vmAction = "turn off"
	actSave   vmAction = "save"
	actPause  vmAction = "pause"
	actResume vmAction = "resume"
)

// transition returns the state a VM in state from reaches by action a, or
// ErrInvalidState when the action is impossible from there.
func transition(from VMState, a vmAction) (VMState, error) {
	ok := map[vmAction]map[VMState]VMState{
		actStart:  {Off: Running, Saved: Running},
		actStop:   {Running: Off, Paused: Off, Saved: Off},
		actSave:   {Running: Saved, Paused: Saved},
		actPause:  {Running: Paused},
		actResume: {Paused: Running},
	}
	if to, found := ok[a][from]; found {
		return to, nil
	}
	return from, fmt.Errorf("%w: cannot %s a virtual machine that is %s", ErrInvalidState, a, from)
}

func publicVM(vm VM) VM {
	vm.StateName = vm.State.String()
	if vm.NetworkAdapters == nil {
		vm.NetworkAdapters = []NetworkAdapter{}
	}
	return vm
}

func adapterNames(vm string, list []string) error {
	if len(list) > maxAdapters {
		return invalidf("virtual machine %q: %d network adapters, at most %d allowed", vm, len(list), maxAdapters)
	}
	seen := map[string]bool{}
	for _, n := range list {
		if err := checkName("network adapter", n); err != nil {
			return fmt.Errorf("virtual machine %q: %w", vm, err)
		}
		if seen[names.Key(n)] {
			return invalidf("virtual machine %q: network adapter %q listed twice", vm, n)
		}
		seen[names.Key(n)] = true
	}
	return nil
}

// CreateVM creates a virtual machine, Off, in spec.Scope. Needs Create
// Virtual Machine in spec.Scope.
func (e *Engine) CreateVM(ctx context.Context, c directory.ClientContext, spec VMSpec) (VM, error) {
	spec.Scope = scopes.Of(spec.Scope)
	p, err := e.authorize(ctx, c, "CreateVM", creates(kindVM, spec.Name, spec.Scope))
	if err != nil {
		return VM{}, err
	}
	if err := checkName("virtual machine", spec.Name); err != nil {
		return VM{}, err
	}
	if err := checkScope("virtual machine", spec.Scope); err != nil {
		return VM{}, err
	}
	if err := checkMemory(spec.Name, spec.MemoryMB); err != nil {
		return VM{}, err
	}
	if err := checkProcessors(spec.Name, spec.Processors); err != nil {
		return VM{}, err
	}
	if err := checkNotes("virtual machine", spec.Notes); err != nil {
		return VM{}, err
	}
	if err := adapterNames(spec.Name, spec.NetworkAdapters); err != nil {
		return VM{}, err
	}
	now := e.now().UTC()
	vm := VM{
		ID: newID(), Name: spec.Name, State: Off, MemoryMB: spec.MemoryMB, Processors: spec.Processors,
		Notes: spec.Notes, Scope: spec.Scope, Created: now, Modified: now,
	}
	for _, n := range spec.NetworkAdapters {
		vm.NetworkAdapters = append(vm.NetworkAdapters, NetworkAdapter{Name: n, MAC: newMAC()})
	}
	err = e.write(p, func(t txn) error { return t.put(kindVM, vm.ID, vm.Name, "", vm) })
	if err != nil {
		return VM{}, fmt.Errorf("create virtual machine %q: %w", spec.Name, err)
	}
	return publicVM(vm), nil
}

// DeleteVM deletes a virtual machine that is Off or Saved, with its
// snapshots and console. A VM whose adapter is connected to a switch port is
// not deleted (the port, maybe in another scope, would change): disconnect
// it first. Needs Delete Virtual Machine in the VM's scope.
func (e *Engine) DeleteVM(ctx context.Context, c directory.ClientContext, name string) error {
	return e.gated(ctx, c, "DeleteVM", true, func(t txn, ids map[role]string) error {
		id := ids[roleVM]
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
	}, named(roleVM, name))
}

// GetVM returns a virtual machine's configuration and state. Needs View
// Virtual Machine Configuration in the VM's scope.
func (e *Engine) GetVM(ctx context.Context, c directory.ClientContext, name string) (VM, error) {
	var out VM
	err := e.gated(ctx, c, "GetVM", false, func(t txn, ids map[role]string) error {
		if err := t.get(kindVM, ids[roleVM], &out); err != nil {
			return err
		}
		out = publicVM(out)
		return nil
	}, named(roleVM, name))
	return out, err
}

// ListVMs returns, by name, the virtual machines the caller may view: those
// in scopes where it holds View Virtual Machine Configuration.
func (e *Engine) ListVMs(ctx context.Context, c directory.ClientContext) ([]VM, error) {
	p, err := e.visible(ctx, c, "ListVMs")
	if err != nil {
		return nil, err
	}
	out := []VM{}
	err = e.read(p, func(t txn) error {
		return each(t, kindVM, func(_ string, vm *VM) error {
			out = append(out, publicVM(*vm))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list virtual machines: %w", err)
	}
	slices.SortFunc(out, func(a, b VM) int { return cmp.Compare(names.Key(a.Name), names.Key(b.Name)) })
	return out, nil
}

// changeState applies a state change and writes it to the console.
func (e *Engine) changeState(ctx context.Context, c directory.ClientContext, method string, name string, a vmAction) (VM, error) {
	var out VM
	err := e.gated(ctx, c, method, true, func(t txn, ids map[role]string) error {
		id := ids[roleVM]
		var vm VM
		if err := t.get(kindVM, id, &vm); err != nil {
			return err
		}
		to, err := transition(vm.State, a)
		if err != nil {
			return fmt.Errorf("virtual machine %q: %w", vm.Name, err)
		}
		now := e.now().UTC()
		vm.State, vm.Modified = to, now
		if err := e.console(t, id, fmt.Sprintf("[%s] %s: %s, now %s\n", now.Format("2006-01-02 15:04:05"), vm.Name, a, to)); err != nil {
			return err
		}
		if err := t.put(kindVM, id, vm.Name, vm.Name, vm); err != nil {
			return err
		}
		out = publicVM(vm)
		return nil
	}, named(roleVM, name))
	return out, err
}

func (e *Engine) console(t txn, vmID, text string) error {
	limit, err := t.consoleLimit(e.defaults)
	if err != nil {
		return err
	}
	return t.appendConsole(vmID, text, limit)
}

// StartVM starts a virtual machine that is Off, or restores one that is
// Saved. Needs Start Virtual Machine in the VM's scope.
func (e *Engine) StartVM(ctx context.Context, c directory.ClientContext, name string) (VM, error) {
	return e.changeState(ctx, c, "StartVM", name, actStart)
}

// StopVM turns a virtual machine off (from Running, Paused or Saved; a saved
// state is discarded). Needs Stop Virtual Machine in the VM's scope.
func (e *Engine) StopVM(ctx context.Context, c directory.ClientContext, name string) (VM, error) {
	return e.changeState(ctx, c, "StopVM", name, actStop)
}

// SaveVM saves a Running or Paused virtual machine's state and stops it.
// Saving is a way of stopping: it needs Stop Virtual Machine in the VM's
// scope.
func (e *Engine) SaveVM(ctx context.Context, c directory.ClientContext, name string) (VM, error) {
	return e.changeState(ctx, c, "SaveVM", name, actSave)
}

// PauseVM pauses a Running virtual machine. Needs Pause and Restart Virtual
// Machine in the VM's scope.
func (e *Engine) PauseVM(ctx context.Context, c directory.ClientContext, name string) (VM, error) {
	return e.changeState(ctx, c, "PauseVM", name, actPause)
}

// ResumeVM resumes a Paused virtual machine. Needs Pause and Restart Virtual
// Machine in the VM's scope.
func (e *Engine) ResumeVM(ctx context.Context, c directory.ClientContext, name string) (VM, error) {
	return e.changeState(ctx, c, "ResumeVM", name, actResume)
}

// ReconfigureVM changes a virtual machine's name, notes, memory, processors
// or network adapters; the last three only while it is Off. Needs
// Reconfigure Virtual Machine in the VM's scope.
func (e *Engine) ReconfigureVM(ctx context.Context, c directory.ClientContext, name string, u VMUpdate) (VM, error) {
	var out VM
	err := e.gated(ctx, c, "ReconfigureVM", true, func(t txn, ids map[role]string) error {
		id := ids[roleVM]
		var vm VM
		if err := t.get(kindVM, id, &vm); err != nil {
			return err
		}
		old := vm.Name
		if u.Name != nil {
			if err := checkName("virtual machine", *u.Name); err != nil {
				return err
			}
			vm.Name = *u.Name
		}
		if u.Notes != nil {
			if err := checkNotes("virtual machine", *u.Notes); err != nil {
				return err
			}
			vm.Notes = *u.Notes
		}
		if (u.MemoryMB != nil || u.Processors != nil || u.NetworkAdapters != nil) && vm.State != Off {
			return fmt.Errorf("virtual machine %q: %w: memory, processors and network adapters can change only while it is Off, it is %s",
				old, ErrInvalidState, vm.State)
		}
		if u.MemoryMB != nil {
			if err := checkMemory(old, *u.MemoryMB); err != nil {
				return err
			}
			vm.MemoryMB = *u.MemoryMB
		}
		if u.Processors != nil {
			if err := checkProcessors(old, *u.Processors); err != nil {
				return err
			}
			vm.Processors = *u.Processors
		}
		if u.NetworkAdapters != nil {
			adapters, err := e.replaceAdapters(t, id, vm, *u.NetworkAdapters)
			if err != nil {
				return err
			}
			vm.NetworkAdapters = adapters
		}
		vm.Modified = e.now().UTC()
		if err := t.put(kindVM, id, vm.Name, old, vm); err != nil {
			return err
		}
		out = publicVM(vm)
		return nil
	}, named(roleVM, name))
	return out, err
}

// replaceAdapters builds a VM's new adapter list; kept adapters keep their
// MAC, and a removed adapter must not be connected to a port.
func (e *Engine) replaceAdapters(t txn, id string, vm VM, list []string) ([]NetworkAdapter, error) {
	if err := adapterNames(vm.Name, list); err != nil {
		return nil, err
	}
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

// SendConsoleInput types text on a Running virtual machine's console. Needs
// Allow Input to Virtual Machine in the VM's scope.
func (e *Engine) SendConsoleInput(ctx context.Context, c directory.ClientContext, name, text string) error {
	return e.gated(ctx, c, "SendConsoleInput", true, func(t txn, ids map[role]string) error {
		id := ids[roleVM]
		var vm VM
		if err := t.get(kindVM, id, &vm); err != nil {
			return err
		}
		switch {
		case text == "":
			return invalidf("virtual machine %q: console input is empty", vm.Name)
		case len(text) > maxInput:
			return invalidf("virtual machine %q: console input is %d bytes, at most %d allowed", vm.Name, len(text), maxInput)
		case !utf8.ValidString(text):
			return invalidf("virtual machine %q: console input is not valid UTF-8", vm.Name)
		case vm.State != Running:
			return fmt.Errorf("virtual machine %q: %w: console input needs it Running, it is %s", vm.Name, ErrInvalidState, vm.State)
		}
		return e.console(t, id, text)
	}, named(roleVM, name))
}

// ReadConsole returns what a virtual machine's console shows. Needs Allow
// Output from Virtual Machine in the VM's scope.
func (e *Engine) ReadConsole(ctx context.Context, c directory.ClientContext, name string) (Console, error) {
	var out Console
	err := e.gated(ctx, c, "ReadConsole", false, func(t txn, ids map[role]string) error {
		id := ids[roleVM]
		var vm VM
		if err := t.get(kindVM, id, &vm); err != nil {
			return err
		}
		text, err := t.console(id)
		out = Console{VM: vm.Name, Output: text}
		return err
	}, named(roleVM, name))
	return out, err
}

// SetVMScope moves a virtual machine to another authorization scope ("" is
// the default scope). Needs Change Virtual Machine Authorization Scope in
// both the current and the new scope.
func (e *Engine) SetVMScope(ctx context.Context, c directory.ClientContext, name, scope string) (VM, error) {
	var out VM
	scope = scopes.Of(scope)
	err := e.gated(ctx, c, "SetVMScope", true, func(t txn, ids map[role]string) error {
		id := ids[roleVM]
		if err := checkScope("virtual machine", scope); err != nil {
			return err
		}
		var vm VM
		if err := t.get(kindVM, id, &vm); err != nil {
			return err
		}
		vm.Scope, vm.Modified = scope, e.now().UTC()
		if err := t.put(kindVM, id, vm.Name, vm.Name, vm); err != nil {
			return err
		}
		out = publicVM(vm)
		return nil
	}, named(roleVM, name), moves(name, scope))
	return out, err
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

func findSnapshot(snaps []Snapshot, vm, ref string) (Snapshot, error) {
	for _, s := range snaps {
		if s.ID == ref || names.Equal(s.Name, ref) {
			return s, nil
		}
	}
	return Snapshot{}, fmt.Errorf("snapshot %q of virtual machine %q: %w", ref, vm, ErrNotFound)
}

// CreateSnapshot snapshots a virtual machine's configuration and state. An
// empty name becomes "<vm> - (<time>)", as Hyper-V names them. Needs Allow
// Virtual Machine Snapshot in the VM's scope.
func (e *Engine) CreateSnapshot(ctx context.Context, c directory.ClientContext, vmName, name string) (Snapshot, error) {
	var out Snapshot
	err := e.gated(ctx, c, "CreateSnapshot", true, func(t txn, ids map[role]string) error {
		id := ids[roleVM]
		var vm VM
		if err := t.get(kindVM, id, &vm); err != nil {
			return err
		}
		now := e.now().UTC()
		if name == "" {
			name = fmt.Sprintf("%s - (%s)", vm.Name, now.Format("1/2/2006 - 3:04:05 PM"))
		}
		if err := checkName("snapshot", name); err != nil {
			return err
		}
		snaps, err := loadSnapshots(t, id, vm.Name)
		if err != nil {
			return err
		}
		if _, err := findSnapshot(snaps, vm.Name, name); err == nil {
			return fmt.Errorf("snapshot %q of virtual machine %q: %w", name, vm.Name, ErrExists)
		}
		if len(snaps) >= maxSnaps {
			return fmt.Errorf("virtual machine %q: %w: it has %d snapshots, the most allowed", vm.Name, ErrInvalidState, maxSnaps)
		}
		out = Snapshot{ID: newID(), Name: name, VM: vm.Name, Created: now, State: vm.State,
			MemoryMB: vm.MemoryMB, Processors: vm.Processors, Notes: vm.Notes}
		raw, err := json.Marshal(out)
		if err != nil {
			return fmt.Errorf("encode snapshot %q: %w", name, err)
		}
		b, err := t.snapshots(id, true)
		if err != nil {
			return err
		}
		return b.Put([]byte(out.ID), raw)
	}, named(roleVM, vmName))
	return out, err
}

// ListSnapshots returns a virtual machine's snapshots, oldest first. Needs
// Allow Virtual Machine Snapshot in the VM's scope.
func (e *Engine) ListSnapshots(ctx context.Context, c directory.ClientContext, vmName string) ([]Snapshot, error) {
	var out []Snapshot
	err := e.gated(ctx, c, "ListSnapshots", false, func(t txn, ids map[role]string) error {
		id := ids[roleVM]
		var vm VM
		if err := t.get(kindVM, id, &vm); err != nil {
			return err
		}
		var err error
		out, err = loadSnapshots(t, id, vm.Name)
		return err
	}, named(roleVM, vmName))
	return out, err
}

// ApplySnapshot restores a snapshot (by name or ID) to a virtual machine
// that is Off or Saved: memory, processors and notes return to the
// snapshot's, and the VM is Off if the snapshot was taken while it was Off,
// Saved otherwise. Needs Allow Virtual Machine Snapshot in the VM's scope.
func (e *Engine) ApplySnapshot(ctx context.Context, c directory.ClientContext, vmName, snapshot string) (VM, error) {
	var out VM
	err := e.gated(ctx, c, "ApplySnapshot", true, func(t txn, ids map[role]string) error {
		id := ids[roleVM]
		var vm VM
		if err := t.get(kindVM, id, &vm); err != nil {
			return err
		}
		snaps, err := loadSnapshots(t, id, vm.Name)
		if err != nil {
			return err
		}
		s, err := findSnapshot(snaps, vm.Name, snapshot)
		if err != nil {
			return err
		}
		if vm.State != Off && vm.State != Saved {
			return fmt.Errorf("virtual machine %q: %w: cannot apply a snapshot while it is %s", vm.Name, ErrInvalidState, vm.State)
		}
		vm.MemoryMB, vm.Processors, vm.Notes = s.MemoryMB, s.Processors, s.Notes
		vm.State = Saved
		if s.State == Off {
			vm.State = Off
		}
		vm.Modified = e.now().UTC()
		if err := t.put(kindVM, id, vm.Name, vm.Name, vm); err != nil {
			return err
		}
		out = publicVM(vm)
		return nil
	}, named(roleVM, vmName))
	return out, err
}

// DeleteSnapshot deletes a snapshot (by name or ID). Needs Allow Virtual
// Machine Snapshot in the VM's scope.
func (e *Engine) DeleteSnapshot(ctx context.Context, c directory.ClientContext, vmName, snapshot string) error {
	return e.gated(ctx, c, "DeleteSnapshot", true, func(t txn, ids map[role]string) error {
		id := ids[roleVM]
		var vm VM
		if err := t.get(kindVM, id, &vm); err != nil {
			return err
		}
		snaps, err := loadSnapshots(t, id, vm.Name)
		if err != nil {
			return err
		}
		s, err := findSnapshot(snaps, vm.Name, snapshot)
		if err != nil {
			return err
		}
		b, err := t.snapshots(id, false)
		if err != nil {
			return err
		}
		return b.Delete([]byte(s.ID))
	}, named(roleVM, vmName))
}
