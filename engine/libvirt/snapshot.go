package libvirt

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	lv "github.com/digitalocean/go-libvirt"
	"github.com/google/uuid"
	"libvirt.org/go/libvirtxml"

	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/internal/names"
)

// PoolName is the storage pool azgate keeps its VMs' disks in: a directory
// pool at ServiceConfig.DefaultDiskPath, made on first use.
const PoolName = "azgate"

// diskMiB is the virtual size of the qcow2 disk azgate gives a VM, which
// holds its snapshots (QEMU keeps internal snapshots in a qcow2 image).
const diskMiB = 64

// pool returns azgate's storage pool, defining, building and starting it
// when missing or inactive.
func (b *Backend) pool(ctx context.Context, l *lv.Libvirt) (lv.StoragePool, error) {
	p, err := l.StoragePoolLookupByName(PoolName)
	if err != nil {
		if !isNotFound(b.wrap(err)) {
			return p, b.wrap(err)
		}
		x, err := (&libvirtxml.StoragePool{
			Type: "dir", Name: PoolName,
			Target: &libvirtxml.StoragePoolTarget{Path: b.host.config().DefaultDiskPath},
		}).Marshal()
		if err != nil {
			return p, err
		}
		if p, err = l.StoragePoolDefineXML(x, 0); err != nil {
			return p, fmt.Errorf("define storage pool %q: %w", PoolName, b.wrap(err))
		}
		if err := l.StoragePoolBuild(p, 0); err != nil {
			return p, fmt.Errorf("build storage pool %q: %w", PoolName, b.wrap(err))
		}
		if err := l.StoragePoolSetAutostart(p, 1); err != nil {
			return p, fmt.Errorf("storage pool %q: %w", PoolName, b.wrap(err))
		}
	}
	if active, err := l.StoragePoolIsActive(p); err != nil {
		return p, b.wrap(err)
	} else if active != 1 {
		if err := l.StoragePoolCreate(p, 0); err != nil {
			return p, fmt.Errorf("start storage pool %q: %w", PoolName, b.wrap(err))
		}
	}
	return p, nil
}

func (b *Backend) createDisk(l *lv.Libvirt, p lv.StoragePool, id string) (lv.StorageVol, error) {
	x, err := (&libvirtxml.StorageVolume{
		Name:     id + ".qcow2",
		Capacity: &libvirtxml.StorageVolumeSize{Value: diskMiB, Unit: "MiB"},
		Target:   &libvirtxml.StorageVolumeTarget{Format: &libvirtxml.StorageVolumeTargetFormat{Type: "qcow2"}},
	}).Marshal()
	if err != nil {
		return lv.StorageVol{}, err
	}
	v, err := l.StorageVolCreateXML(p, x, 0)
	if err != nil {
		return v, fmt.Errorf("create disk for virtual machine %s: %w", id, b.wrap(err))
	}
	return v, nil
}

// deleteDisk deletes volume vol of pool, logging a failure (the domain it
// belonged to is gone either way).
func (b *Backend) deleteDisk(l *lv.Libvirt, pool, vol string) {
	p, err := l.StoragePoolLookupByName(pool)
	if err == nil {
		var v lv.StorageVol
		if v, err = l.StorageVolLookupByName(p, vol); err == nil {
			err = l.StorageVolDelete(v, 0)
		}
	}
	if err != nil {
		b.log.Warn("delete disk", "pool", pool, "volume", vol, "err", err)
	}
}

// snapshot reads one snapshot: its ID is libvirt's snapshot name, its
// name azgate's (the snapshot's description; libvirt's name for one made
// outside azgate).
func (b *Backend) snapshot(l *lv.Libvirt, s lv.DomainSnapshot, vm string) (engine.Snapshot, error) {
	x, err := l.DomainSnapshotGetXMLDesc(s, 0)
	if err != nil {
		return engine.Snapshot{}, b.wrap(err)
	}
	var def libvirtxml.DomainSnapshot
	if err := def.Unmarshal(x); err != nil {
		return engine.Snapshot{}, fmt.Errorf("snapshot %q: %w", s.Name, err)
	}
	out := engine.Snapshot{ID: s.Name, Name: def.Description, VM: vm, State: engine.Off}
	if out.Name == "" {
		out.Name = s.Name
	}
	if sec, err := strconv.ParseInt(def.CreationTime, 10, 64); err == nil {
		out.Created = time.Unix(sec, 0).UTC()
	}
	switch def.State {
	case "running", "blocked", "paused", "pmsuspended":
		out.State = engine.Saved
	}
	if d := def.Domain; d != nil {
		if d.Memory != nil {
			out.MemoryMB = int(toMiB(d.Memory.Value, d.Memory.Unit))
		}
		if d.VCPU != nil {
			out.Processors = int(d.VCPU.Value)
		}
		out.Notes = d.Description
	}
	return out, nil
}

func (b *Backend) snapshots(l *lv.Libvirt, d domain) ([]engine.Snapshot, error) {
	list, _, err := l.DomainListAllSnapshots(d.ref, 1, 0)
	if err != nil {
		return nil, b.wrap(err)
	}
	out := make([]engine.Snapshot, 0, len(list))
	for _, s := range list {
		snap, err := b.snapshot(l, s, d.ref.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, snap)
	}
	slices.SortStableFunc(out, func(a, b engine.Snapshot) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// Snapshots implements engine.Backend.
func (b *Backend) Snapshots(ctx context.Context, g engine.Guard, vmID string) ([]engine.Snapshot, error) {
	var out []engine.Snapshot
	err := b.call(ctx, func(l *lv.Libvirt) error {
		d, err := b.guardVM(l, g, vmID)
		if err != nil {
			return err
		}
		out, err = b.snapshots(l, d)
		return err
	})
	return out, err
}

// CreateSnapshot implements engine.Backend: a libvirt snapshot (internal,
// in the VM's qcow2 disk; with the memory state when the VM runs).
func (b *Backend) CreateSnapshot(ctx context.Context, g engine.Guard, vmID, name string) (engine.Snapshot, error) {
	var out engine.Snapshot
	err := b.onVM(ctx, g, vmID, func(l *lv.Libvirt, d domain) (err error) {
		if d.state == engine.Saved {
			return fmt.Errorf("virtual machine %q: %w: start or turn it off before taking a snapshot", d.ref.Name, engine.ErrInvalidState)
		}
		have, err := b.snapshots(l, d)
		if err != nil {
			return err
		}
		for _, s := range have {
			if names.Equal(s.Name, name) {
				return fmt.Errorf("%w: virtual machine %q has a snapshot named %q", engine.ErrExists, d.ref.Name, name)
			}
		}
		x, err := (&libvirtxml.DomainSnapshot{Name: uuid.NewString(), Description: name}).Marshal()
		if err != nil {
			return err
		}
		defer b.ours.mark(vmID)()
		s, err := l.DomainSnapshotCreateXML(d.ref, x, 0)
		if err != nil {
			return fmt.Errorf("snapshot virtual machine %q: %w", d.ref.Name, b.wrap(err))
		}
		out, err = b.snapshot(l, s, d.ref.Name)
		return err
	})
	return out, err
}

// ApplySnapshot implements engine.Backend: reverts the domain; a snapshot
// of a running VM is reverted paused and saved (managed save), so the VM is
// Saved, as on Hyper-V.
func (b *Backend) ApplySnapshot(ctx context.Context, g engine.Guard, vmID, snapID string) (engine.VM, error) {
	var out engine.VM
	err := b.onVM(ctx, g, vmID, func(l *lv.Libvirt, d domain) (err error) {
		if d.state != engine.Off && d.state != engine.Saved {
			return fmt.Errorf("virtual machine %q: %w: apply a snapshot only while it is Off or Saved, it is %s", d.ref.Name, engine.ErrInvalidState, d.state)
		}
		s, err := l.DomainSnapshotLookupByName(d.ref, snapID, 0)
		if err != nil {
			return fmt.Errorf("virtual machine %q: snapshot %s: %w", d.ref.Name, snapID, b.wrap(err))
		}
		snap, err := b.snapshot(l, s, d.ref.Name)
		if err != nil {
			return err
		}
		defer b.ours.mark(vmID)()
		if d.state == engine.Saved {
			if err := l.DomainManagedSaveRemove(d.ref, 0); err != nil {
				return b.wrap(err)
			}
		}
		var flags uint32
		if snap.State == engine.Saved {
			flags = uint32(lv.DomainSnapshotRevertPaused)
		}
		if err := l.DomainRevertToSnapshot(s, flags); err != nil {
			return fmt.Errorf("apply snapshot %q of %q: %w", snap.Name, d.ref.Name, b.wrap(err))
		}
		if snap.State == engine.Saved {
			if err := l.DomainManagedSave(d.ref, 0); err != nil {
				return fmt.Errorf("apply snapshot %q of %q: save: %w", snap.Name, d.ref.Name, b.wrap(err))
			}
		}
		out, err = b.readVM(l, d.ref)
		return err
	})
	return out, err
}

// DeleteSnapshot implements engine.Backend.
func (b *Backend) DeleteSnapshot(ctx context.Context, g engine.Guard, vmID, snapID string) error {
	return b.onVM(ctx, g, vmID, func(l *lv.Libvirt, d domain) error {
		s, err := l.DomainSnapshotLookupByName(d.ref, snapID, 0)
		if err != nil {
			return fmt.Errorf("virtual machine %q: snapshot %s: %w", d.ref.Name, snapID, b.wrap(err))
		}
		defer b.ours.mark(vmID)()
		if err := l.DomainSnapshotDelete(s, 0); err != nil {
			return fmt.Errorf("delete snapshot of %q: %w", d.ref.Name, b.wrap(err))
		}
		return nil
	})
}
