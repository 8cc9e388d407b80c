package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/scopes"
)

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
	b, err := e.view(ctx, p).creator(kindVM, spec.Scope)
	if err != nil {
		return VM{}, err
	}
	vm, err := b.CreateVM(ctx, spec)
	if err != nil {
		return VM{}, err
	}
	return publicVM(vm), nil
}

// DeleteVM deletes a virtual machine that is Off or Saved, with its
// snapshots and console. A VM whose adapter is connected to a switch port is
// not deleted (the port, maybe in another scope, would change): disconnect
// it first. Needs Delete Virtual Machine in the VM's scope.
func (e *Engine) DeleteVM(ctx context.Context, c directory.ClientContext, name string) error {
	return e.deleteNamed(ctx, c, "DeleteVM", roleVM, name, Backend.DeleteVM)
}

// GetVM returns a virtual machine's configuration and state. Needs View
// Virtual Machine Configuration in the VM's scope.
func (e *Engine) GetVM(ctx context.Context, c directory.ClientContext, name string) (VM, error) {
	var out VM
	err := e.gated(ctx, c, "GetVM", func(v *view, ids map[role]string) error {
		vm, err := getAs[VM](v, kindVM, ids[roleVM])
		out = publicVM(vm)
		return err
	}, named(roleVM, name))
	return out, err
}

// ListVMs returns, by name, the virtual machines the caller may view: those
// in scopes where it holds View Virtual Machine Configuration.
func (e *Engine) ListVMs(ctx context.Context, c directory.ClientContext) ([]VM, error) {
	v, err := e.visible(ctx, c, "ListVMs")
	if err != nil {
		return nil, err
	}
	vms, err := readable[VM](v, kindVM)
	if err != nil {
		return nil, fmt.Errorf("list virtual machines: %w", err)
	}
	out := make([]VM, 0, len(vms))
	for _, vm := range vms {
		out = append(out, publicVM(vm))
	}
	slices.SortFunc(out, func(a, b VM) int { return cmp.Compare(names.Key(a.Name), names.Key(b.Name)) })
	return out, nil
}

// changeState applies a state change (the backend shows it on the
// console).
func (e *Engine) changeState(ctx context.Context, c directory.ClientContext, method string, name string, a VMAction) (VM, error) {
	var out VM
	err := e.gated(ctx, c, method, func(v *view, ids map[role]string) error {
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		vm, err := b.ChangeVMState(ctx, g, ids[roleVM], a)
		out = publicVM(vm)
		return err
	}, named(roleVM, name))
	return out, err
}

// deleteNamed is a gated method (method, its own name) that deletes the
// object name plays role in, through the backend's del.
func (e *Engine) deleteNamed(ctx context.Context, c directory.ClientContext, method string, r role, name string,
	del func(b Backend, ctx context.Context, g Guard, id string) error) error {
	return e.gated(ctx, c, method, func(v *view, ids map[role]string) error {
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		return del(b, ctx, g, ids[r])
	}, named(r, name))
}

// StartVM starts a virtual machine that is Off, or restores one that is
// Saved. Needs Start Virtual Machine in the VM's scope.
func (e *Engine) StartVM(ctx context.Context, c directory.ClientContext, name string) (VM, error) {
	return e.changeState(ctx, c, "StartVM", name, ActionStart)
}

// StopVM turns a virtual machine off (from Running, Paused or Saved; a saved
// state is discarded). Needs Stop Virtual Machine in the VM's scope.
func (e *Engine) StopVM(ctx context.Context, c directory.ClientContext, name string) (VM, error) {
	return e.changeState(ctx, c, "StopVM", name, ActionTurnOff)
}

// SaveVM saves a Running or Paused virtual machine's state and stops it.
// Saving is a way of stopping: it needs Stop Virtual Machine in the VM's
// scope.
func (e *Engine) SaveVM(ctx context.Context, c directory.ClientContext, name string) (VM, error) {
	return e.changeState(ctx, c, "SaveVM", name, ActionSave)
}

// PauseVM pauses a Running virtual machine. Needs Pause and Restart Virtual
// Machine in the VM's scope.
func (e *Engine) PauseVM(ctx context.Context, c directory.ClientContext, name string) (VM, error) {
	return e.changeState(ctx, c, "PauseVM", name, ActionPause)
}

// ResumeVM resumes a Paused virtual machine. Needs Pause and Restart Virtual
// Machine in the VM's scope.
func (e *Engine) ResumeVM(ctx context.Context, c directory.ClientContext, name string) (VM, error) {
	return e.changeState(ctx, c, "ResumeVM", name, ActionResume)
}

// ReconfigureVM changes a virtual machine's name, notes, memory, processors
// or network adapters; the last three only while it is Off. Needs
// Reconfigure Virtual Machine in the VM's scope.
func (e *Engine) ReconfigureVM(ctx context.Context, c directory.ClientContext, name string, u VMUpdate) (VM, error) {
	var out VM
	err := e.gated(ctx, c, "ReconfigureVM", func(v *view, ids map[role]string) error {
		if err := checkUpdate("virtual machine", u.Name, u.Notes, nil); err != nil {
			return err
		}
		if u.MemoryMB != nil {
			if err := checkMemory(name, *u.MemoryMB); err != nil {
				return err
			}
		}
		if u.Processors != nil {
			if err := checkProcessors(name, *u.Processors); err != nil {
				return err
			}
		}
		if u.NetworkAdapters != nil {
			if err := adapterNames(name, *u.NetworkAdapters); err != nil {
				return err
			}
		}
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		vm, err := b.ReconfigureVM(ctx, g, ids[roleVM], u)
		out = publicVM(vm)
		return err
	}, named(roleVM, name))
	return out, err
}

// SendConsoleInput types text on a Running virtual machine's console. Needs
// Allow Input to Virtual Machine in the VM's scope.
func (e *Engine) SendConsoleInput(ctx context.Context, c directory.ClientContext, name, text string) error {
	return e.gated(ctx, c, "SendConsoleInput", func(v *view, ids map[role]string) error {
		switch {
		case text == "":
			return invalidf("virtual machine %q: console input is empty", name)
		case len(text) > maxInput:
			return invalidf("virtual machine %q: console input is %d bytes, at most %d allowed", name, len(text), maxInput)
		case !utf8.ValidString(text):
			return invalidf("virtual machine %q: console input is not valid UTF-8", name)
		}
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		return b.SendConsoleInput(ctx, g, ids[roleVM], text)
	}, named(roleVM, name))
}

// ReadConsole returns what a virtual machine's console shows. Needs Allow
// Output from Virtual Machine in the VM's scope.
func (e *Engine) ReadConsole(ctx context.Context, c directory.ClientContext, name string) (Console, error) {
	var out Console
	err := e.gated(ctx, c, "ReadConsole", func(v *view, ids map[role]string) error {
		vm, err := getAs[VM](v, kindVM, ids[roleVM])
		if err != nil {
			return err
		}
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		text, err := b.ReadConsole(ctx, g, vm.ID)
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
	err := e.gated(ctx, c, "SetVMScope", func(v *view, ids map[role]string) error {
		if err := checkScope("virtual machine", scope); err != nil {
			return err
		}
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		vm, err := b.SetVMScope(ctx, g, ids[roleVM], scope)
		out = publicVM(vm)
		return err
	}, named(roleVM, name), moves(name, scope))
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
	err := e.gated(ctx, c, "CreateSnapshot", func(v *view, ids map[role]string) error {
		if name == "" {
			vm, err := getAs[VM](v, kindVM, ids[roleVM])
			if err != nil {
				return err
			}
			name = fmt.Sprintf("%s - (%s)", vm.Name, e.now().UTC().Format("1/2/2006 - 3:04:05 PM"))
		}
		if err := checkName("snapshot", name); err != nil {
			return err
		}
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		out, err = b.CreateSnapshot(ctx, g, ids[roleVM], name)
		return err
	}, named(roleVM, vmName))
	return out, err
}

// ListSnapshots returns a virtual machine's snapshots, oldest first. Needs
// Allow Virtual Machine Snapshot in the VM's scope.
func (e *Engine) ListSnapshots(ctx context.Context, c directory.ClientContext, vmName string) ([]Snapshot, error) {
	var out []Snapshot
	err := e.gated(ctx, c, "ListSnapshots", func(v *view, ids map[role]string) error {
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		out, err = b.Snapshots(ctx, g, ids[roleVM])
		return err
	}, named(roleVM, vmName))
	if out == nil && err == nil {
		out = []Snapshot{}
	}
	return out, err
}

// snapshotOf finds a VM's snapshot by name or ID.
func snapshotOf(ctx context.Context, b Backend, g Guard, vmID, vmName, snapshot string) (Snapshot, error) {
	snaps, err := b.Snapshots(ctx, g, vmID)
	if err != nil {
		return Snapshot{}, err
	}
	return findSnapshot(snaps, vmName, snapshot)
}

// ApplySnapshot restores a snapshot (by name or ID) to a virtual machine
// that is Off or Saved: memory, processors and notes return to the
// snapshot's, and the VM is Off if the snapshot was taken while it was Off,
// Saved otherwise. Needs Allow Virtual Machine Snapshot in the VM's scope.
func (e *Engine) ApplySnapshot(ctx context.Context, c directory.ClientContext, vmName, snapshot string) (VM, error) {
	var out VM
	err := e.gated(ctx, c, "ApplySnapshot", func(v *view, ids map[role]string) error {
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		s, err := snapshotOf(ctx, b, g, ids[roleVM], vmName, snapshot)
		if err != nil {
			return err
		}
		vm, err := b.ApplySnapshot(ctx, g, ids[roleVM], s.ID)
		out = publicVM(vm)
		return err
	}, named(roleVM, vmName))
	return out, err
}

// DeleteSnapshot deletes a snapshot (by name or ID). Needs Allow Virtual
// Machine Snapshot in the VM's scope.
func (e *Engine) DeleteSnapshot(ctx context.Context, c directory.ClientContext, vmName, snapshot string) error {
	return e.gated(ctx, c, "DeleteSnapshot", func(v *view, ids map[role]string) error {
		b, g, err := v.writer()
		if err != nil {
			return err
		}
		s, err := snapshotOf(ctx, b, g, ids[roleVM], vmName, snapshot)
		if err != nil {
			return err
		}
		return b.DeleteSnapshot(ctx, g, ids[roleVM], s.ID)
	}, named(roleVM, vmName))
}
