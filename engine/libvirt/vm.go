package libvirt

import (
	"context"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"strings"
	"sync"
	"time"

	lv "github.com/digitalocean/go-libvirt"
	"github.com/google/uuid"
	"libvirt.org/go/libvirtxml"

	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/scopes"
)

// domainType is "kvm" when the host's capabilities offer KVM for x86_64
// guests, "qemu" (QEMU's emulator) otherwise.
func domainType(l *lv.Libvirt) (string, error) {
	data, err := l.Capabilities()
	if err != nil {
		return "", fmt.Errorf("read capabilities: %w", err)
	}
	var caps libvirtxml.Caps
	if err := caps.Unmarshal(string(data)); err != nil {
		return "", fmt.Errorf("read capabilities: %w", err)
	}
	for _, g := range caps.Guests {
		if g.Arch.Name != "x86_64" {
			continue
		}
		for _, d := range g.Arch.Domains {
			if d.Type == "kvm" {
				return "kvm", nil
			}
		}
	}
	return "qemu", nil
}

func parseUUID(kind engine.Kind, id string) (lv.UUID, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return lv.UUID{}, fmt.Errorf("%w: %s %q", engine.ErrNotFound, kind, id)
	}
	return lv.UUID(u), nil
}

func uuidString(u lv.UUID) string { return uuid.UUID(u).String() }

// domain is one domain as read from libvirt.
type domain struct {
	ref   lv.Domain
	def   libvirtxml.Domain
	meta  vmMeta
	ours  bool // the domain carries azgate's metadata
	state engine.VMState
}

func (b *Backend) lookupDomain(l *lv.Libvirt, id string) (lv.Domain, error) {
	u, err := parseUUID(engine.KindVM, id)
	if err != nil {
		return lv.Domain{}, err
	}
	// libvirtd finds a domain by its UUID: no lookup call is needed (the
	// name is filled in by readDomain; a missing domain is ErrNotFound
	// from the first call on it).
	return lv.Domain{UUID: u, ID: -1}, nil
}

// readDomain reads a domain's definition (live when running), azgate's
// metadata and its state.
func (b *Backend) readDomain(l *lv.Libvirt, ref lv.Domain) (domain, error) {
	out := domain{ref: ref}
	x, err := l.DomainGetXMLDesc(ref, 0)
	if err != nil {
		return out, b.wrap(err)
	}
	if err := out.def.Unmarshal(x); err != nil {
		return out, fmt.Errorf("domain %q: %w", ref.Name, err)
	}
	out.ref.Name = out.def.Name
	if out.def.Metadata != nil {
		out.ours, err = decodeMeta(out.def.Metadata.XML, &out.meta)
		if err != nil {
			return out, fmt.Errorf("domain %q: %w", ref.Name, err)
		}
	}
	out.meta.Scope = scopes.Of(out.meta.Scope)
	st, _, err := l.DomainGetState(out.ref, 0)
	if err != nil {
		return out, b.wrap(err)
	}
	out.state, err = b.vmState(l, out.ref, lv.DomainState(st))
	return out, err
}

// vmState maps libvirt's state to Hyper-V's.
func (b *Backend) vmState(l *lv.Libvirt, ref lv.Domain, st lv.DomainState) (engine.VMState, error) {
	if s := runState(st); s != engine.Off {
		return s, nil
	}
	saved, err := l.DomainHasManagedSaveImage(ref, 0)
	if err != nil {
		return 0, b.wrap(err)
	}
	if saved == 1 {
		return engine.Saved, nil
	}
	return engine.Off, nil
}

// publicVM turns a domain into the engine's VM.
func (d domain) vm() engine.VM {
	vm := engine.VM{
		ID: uuidString(d.ref.UUID), Name: d.ref.Name, State: d.state, Notes: d.def.Description,
		Scope: d.meta.Scope, Created: d.meta.Created, Modified: d.meta.Modified,
		NetworkAdapters: []engine.NetworkAdapter{},
	}
	if d.def.Memory != nil {
		vm.MemoryMB = int(toMiB(d.def.Memory.Value, d.def.Memory.Unit))
	}
	if d.def.VCPU != nil {
		vm.Processors = int(d.def.VCPU.Value)
	}
	seen := map[string]bool{}
	for _, a := range d.meta.Adapters {
		vm.NetworkAdapters = append(vm.NetworkAdapters, engine.NetworkAdapter{Name: a.Name, MAC: macShown(a.MAC)})
		seen[macKey(a.MAC)] = true
	}
	if d.def.Devices != nil {
		// Interfaces made outside azgate are adapters too.
		for i, nic := range d.def.Devices.Interfaces {
			if nic.MAC == nil || seen[macKey(nic.MAC.Address)] {
				continue
			}
			name := fmt.Sprintf("Network Adapter %d", i+1)
			if nic.Alias != nil && nic.Alias.Name != "" {
				name = nic.Alias.Name
			}
			vm.NetworkAdapters = append(vm.NetworkAdapters, engine.NetworkAdapter{Name: name, MAC: macShown(nic.MAC.Address)})
		}
	}
	return vm
}

// macKey is a MAC address in lower case, to compare MACs by (hex digits:
// ASCII case only; a MAC is not a name).
func macKey(mac string) string { return asciiCase(mac, 'A', 'Z', 'a'-'A') }

// macShown is a MAC address as azgate shows it, in upper case.
func macShown(mac string) string { return asciiCase(mac, 'a', 'z', 'A'-'a') }

func asciiCase(s string, lo, hi byte, delta int) string {
	b := []byte(s)
	for i, c := range b {
		if c >= lo && c <= hi {
			b[i] = byte(int(c) + delta)
		}
	}
	return string(b)
}

func toMiB(v uint, unit string) uint {
	switch unit { // libvirt's unit names (domain XML units are case-sensitive)
	case "b", "bytes":
		return v >> 20
	case "k", "KiB", "":
		return v >> 10
	case "M", "MiB":
		return v
	case "G", "GiB":
		return v << 10
	case "KB":
		return v * 1000 >> 20
	case "MB":
		return v * 1000 * 1000 >> 20
	}
	return v >> 10
}

// Lookup implements engine.Backend.
func (b *Backend) Lookup(ctx context.Context, k engine.Kind, name string) (string, error) {
	switch k {
	case engine.KindVM:
		var id string
		err := b.call(ctx, func(l *lv.Libvirt) error {
			// The name as given is one call; another spelling of it
			// (names compare case-insensitively) needs the list.
			if d, err := l.DomainLookupByName(name); err == nil {
				id = uuidString(d.UUID)
				return nil
			} else if !isNotFound(b.wrap(err)) {
				return err
			}
			doms, _, err := l.ConnectListAllDomains(1, 0)
			if err != nil {
				return err
			}
			d, ok := byName(doms, name, domainName)
			if !ok {
				return fmt.Errorf("%w: virtual machine %q", engine.ErrNotFound, name)
			}
			id = uuidString(d.UUID)
			return nil
		})
		return id, err
	case engine.KindSwitch:
		return b.lookupSwitch(ctx, name)
	case engine.KindPort:
		return b.lookupPort(ctx, name)
	case engine.KindInternal:
		return b.host.lookupInternal(name)
	}
	return "", fmt.Errorf("%w: kind %q", engine.ErrInvalid, k)
}

// VM implements engine.Backend.
func (b *Backend) VM(ctx context.Context, id string) (engine.VM, error) {
	var out engine.VM
	err := b.call(ctx, func(l *lv.Libvirt) error {
		ref, err := b.lookupDomain(l, id)
		if err != nil {
			return err
		}
		d, err := b.readDomain(l, ref)
		if err != nil {
			return err
		}
		out = d.vm()
		return nil
	})
	return out, err
}

// listParallel is how many domain definitions VMs reads at once.
const listParallel = 8

// listedDomain is the part of a domain's XML a list needs: decoding only
// it is several times cheaper than libvirtxml's whole definition.
type listedDomain struct {
	Description string                  `xml:"description"`
	Memory      libvirtxml.DomainMemory `xml:"memory"`
	VCPU        libvirtxml.DomainVCPU   `xml:"vcpu"`
	Metadata    struct {
		VM *vmMeta `xml:"https://github.com/azgate/azgate/xmlns/engine/1 vm"`
	} `xml:"metadata"`
	NICs []struct {
		MAC struct {
			Address string `xml:"address,attr"`
		} `xml:"mac"`
		Alias struct {
			Name string `xml:"name,attr"`
		} `xml:"alias"`
	} `xml:"devices>interface"`
}

// VMs implements engine.Backend: one call for the states of all domains,
// one for those with a managed save, and every definition, read in
// parallel.
func (b *Backend) VMs(ctx context.Context) ([]engine.VM, error) {
	var out []engine.VM
	err := b.call(ctx, func(l *lv.Libvirt) error {
		doms, _, err := l.ConnectListAllDomains(1, 0)
		if err != nil {
			return err
		}
		saved, _, err := l.ConnectListAllDomains(1, lv.ConnectListDomainsManagedsave)
		if err != nil {
			return err
		}
		stats, err := l.ConnectGetAllDomainStats(nil, uint32(lv.DomainStatsState), 0)
		if err != nil {
			return err
		}
		state := map[lv.UUID]engine.VMState{}
		for _, d := range doms {
			state[d.UUID] = engine.Off
		}
		for _, r := range stats {
			for _, p := range r.Params {
				if p.Field == "state.state" {
					if v, ok := p.Value.I.(int32); ok {
						state[r.Dom.UUID] = runState(lv.DomainState(v))
					}
				}
			}
		}
		for _, d := range saved {
			if state[d.UUID] == engine.Off {
				state[d.UUID] = engine.Saved
			}
		}
		out = make([]engine.VM, len(doms))
		errs := make([]error, len(doms))
		sem := make(chan struct{}, listParallel)
		var wg sync.WaitGroup
		for i, ref := range doms {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				x, err := l.DomainGetXMLDesc(ref, 0)
				if err != nil {
					errs[i] = b.wrap(err)
					return
				}
				var ld listedDomain
				if err := xml.Unmarshal([]byte(x), &ld); err != nil {
					errs[i] = fmt.Errorf("domain %q: %w", ref.Name, err)
					return
				}
				d := domain{ref: ref, state: state[ref.UUID]}
				d.def.Description = ld.Description
				d.def.Memory, d.def.VCPU = &ld.Memory, &ld.VCPU
				if ld.Metadata.VM != nil {
					d.meta, d.ours = *ld.Metadata.VM, true
					d.meta.Scope = scopes.Of(d.meta.Scope)
				}
				d.def.Devices = &libvirtxml.DomainDeviceList{}
				for _, n := range ld.NICs {
					nic := libvirtxml.DomainInterface{MAC: &libvirtxml.DomainInterfaceMAC{Address: n.MAC.Address}}
					if n.Alias.Name != "" {
						nic.Alias = &libvirtxml.DomainAlias{Name: n.Alias.Name}
					}
					d.def.Devices.Interfaces = append(d.def.Devices.Interfaces, nic)
				}
				out[i] = d.vm()
			}()
		}
		wg.Wait()
		kept := out[:0]
		for i, err := range errs {
			switch {
			case err == nil:
				kept = append(kept, out[i])
			case isNotFound(err): // undefined while listing
			default:
				return err
			}
		}
		out = kept
		return nil
	})
	return out, err
}

// runState maps the state of an active domain to Hyper-V's (shut off is
// Off; Saved needs the managed-save check).
func runState(st lv.DomainState) engine.VMState {
	switch st {
	case lv.DomainRunning, lv.DomainBlocked, lv.DomainShutdown:
		return engine.Running
	case lv.DomainPaused, lv.DomainPmsuspended:
		return engine.Paused
	}
	return engine.Off
}

func isNotFound(err error) bool {
	return err != nil && strings.Contains(err.Error(), engine.ErrNotFound.Error())
}

// checkLibvirtName refuses names libvirt cannot hold.
func checkLibvirtName(what, name string) error {
	if strings.Contains(name, "/") {
		return fmt.Errorf("%w: %s name %q: libvirt names cannot contain '/'", engine.ErrInvalid, what, name)
	}
	return nil
}

// newMAC returns a random MAC address in Hyper-V's 00:15:5D range.
func newMAC() string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return fmt.Sprintf("00:15:5d:%02x:%02x:%02x", b[0], b[1], b[2])
}

// domainXML builds the definition of a new domain: diskless but for the
// qcow2 disk azgate gives it for snapshots, a serial console SeaBIOS
// writes to, no NIC until a port connects one.
func (b *Backend) domainXML(id string, spec engine.VMSpec, meta vmMeta, diskPool, diskVol string) (string, error) {
	m, err := encodeMeta(meta)
	if err != nil {
		return "", err
	}
	d := libvirtxml.Domain{
		Type: b.domType, Name: spec.Name, UUID: id, Description: spec.Notes,
		Metadata: &libvirtxml.DomainMetadata{XML: m},
		Memory:   &libvirtxml.DomainMemory{Value: uint(spec.MemoryMB), Unit: "MiB"},
		VCPU:     &libvirtxml.DomainVCPU{Value: uint(spec.Processors)},
		OS: &libvirtxml.DomainOS{
			Type: &libvirtxml.DomainOSType{Arch: "x86_64", Type: "hvm"},
			BIOS: &libvirtxml.DomainBIOS{UseSerial: "yes"},
		},
		// ACPI: PCI hot-plug of the adapters a port connects while it runs.
		Features:   &libvirtxml.DomainFeatureList{ACPI: &libvirtxml.DomainFeature{}, APIC: &libvirtxml.DomainFeatureAPIC{}},
		OnPoweroff: "destroy", OnReboot: "restart", OnCrash: "destroy",
		Devices: &libvirtxml.DomainDeviceList{
			Serials: []libvirtxml.DomainSerial{{
				Source: &libvirtxml.DomainChardevSource{Pty: &libvirtxml.DomainChardevSourcePty{}},
				Target: &libvirtxml.DomainSerialTarget{Port: uintp(0)},
			}},
			Consoles: []libvirtxml.DomainConsole{{
				Source: &libvirtxml.DomainChardevSource{Pty: &libvirtxml.DomainChardevSourcePty{}},
				Target: &libvirtxml.DomainConsoleTarget{Type: "serial", Port: uintp(0)},
			}},
			MemBalloon: &libvirtxml.DomainMemBalloon{Model: "none"},
		},
	}
	if diskVol != "" {
		d.Devices.Disks = []libvirtxml.DomainDisk{{
			Device: "disk",
			Driver: &libvirtxml.DomainDiskDriver{Name: "qemu", Type: "qcow2"},
			Source: &libvirtxml.DomainDiskSource{Volume: &libvirtxml.DomainDiskSourceVolume{Pool: diskPool, Volume: diskVol}},
			Target: &libvirtxml.DomainDiskTarget{Dev: "vda", Bus: "virtio"},
		}}
	}
	return d.Marshal()
}

func uintp(v uint) *uint { return &v }

// CreateVM implements engine.Backend: defines the domain (Off) with a
// small qcow2 disk from azgate's pool, which snapshots need.
func (b *Backend) CreateVM(ctx context.Context, spec engine.VMSpec) (engine.VM, error) {
	if err := checkLibvirtName("virtual machine", spec.Name); err != nil {
		return engine.VM{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var out engine.VM
	err := b.call(ctx, func(l *lv.Libvirt) error {
		if err := b.vmNameFree(l, spec.Name, lv.UUID{}); err != nil {
			return err
		}
		now := time.Now().UTC().Truncate(time.Second)
		id := uuid.NewString()
		meta := vmMeta{Scope: scopes.Of(spec.Scope), Created: now, Modified: now}
		for _, n := range spec.NetworkAdapters {
			meta.Adapters = append(meta.Adapters, adapterMeta{Name: n, MAC: newMAC()})
		}
		pool, err := b.pool(ctx, l)
		if err != nil {
			return err
		}
		vol, err := b.createDisk(l, pool, id)
		if err != nil {
			return err
		}
		meta.Disk = vol.Name
		x, err := b.domainXML(id, spec, meta, pool.Name, vol.Name)
		if err != nil {
			b.deleteDisk(l, pool.Name, vol.Name)
			return err
		}
		defer b.ours.mark(id, lv.DomainEventDefined)()
		ref, err := l.DomainDefineXML(x)
		if err != nil {
			b.deleteDisk(l, pool.Name, vol.Name) // no orphan volume
			return fmt.Errorf("define virtual machine %q: %w", spec.Name, b.wrap(err))
		}
		out, err = b.readVM(l, ref)
		return err
	})
	return out, err
}

// guardVM reads domain id and checks g covers it; the caller holds b.mu.
func (b *Backend) guardVM(l *lv.Libvirt, g engine.Guard, id string) (domain, error) {
	ref, err := b.lookupDomain(l, id)
	if err != nil {
		return domain{}, err
	}
	d, err := b.readDomain(l, ref)
	if err != nil {
		return domain{}, err
	}
	if err := g.Check(engine.KindVM, id, d.meta.Scope); err != nil {
		return domain{}, err
	}
	return d, nil
}

// DeleteVM implements engine.Backend: undefines the domain with its
// managed save and snapshots, and deletes the disk azgate made for it;
// nothing else (a disk given to it outside azgate stays).
func (b *Backend) DeleteVM(ctx context.Context, g engine.Guard, id string) error {
	return b.onVM(ctx, g, id, func(l *lv.Libvirt, d domain) error {
		if d.state != engine.Off && d.state != engine.Saved {
			return fmt.Errorf("virtual machine %q: %w: cannot delete it while %s; turn it off first", d.ref.Name, engine.ErrInvalidState, d.state)
		}
		conn, err := b.connectedAdapter(ctx, l, id)
		if err != nil {
			return err
		}
		if conn != "" {
			return fmt.Errorf("virtual machine %q: %w: network adapter %q is connected to a switch port; disconnect it first",
				d.ref.Name, engine.ErrInvalidState, conn)
		}
		defer b.ours.mark(id, lv.DomainEventUndefined)()
		b.consoles.drop(id)
		if err := l.DomainUndefineFlags(d.ref, lv.DomainUndefineManagedSave|lv.DomainUndefineSnapshotsMetadata|lv.DomainUndefineNvram); err != nil {
			return fmt.Errorf("delete virtual machine %q: %w", d.ref.Name, b.wrap(err))
		}
		if d.meta.Disk != "" {
			if pool := diskPool(d.def); pool != "" {
				b.deleteDisk(l, pool, d.meta.Disk)
			}
		}
		return nil
	})
}

// diskPool returns the pool of the domain's volume-backed disk.
func diskPool(def libvirtxml.Domain) string {
	if def.Devices == nil {
		return ""
	}
	for _, d := range def.Devices.Disks {
		if d.Source != nil && d.Source.Volume != nil {
			return d.Source.Volume.Pool
		}
	}
	return ""
}

// ChangeVMState implements engine.Backend.
func (b *Backend) ChangeVMState(ctx context.Context, g engine.Guard, id string, a engine.VMAction) (engine.VM, error) {
	var out engine.VM
	err := b.onVM(ctx, g, id, func(l *lv.Libvirt, d domain) (err error) {
		invalid := fmt.Errorf("virtual machine %q: %w: cannot %s a virtual machine that is %s", d.ref.Name, engine.ErrInvalidState, a, d.state)
		defer b.ours.mark(id, actionEvents[a]...)()
		switch a {
		case engine.ActionStart:
			if d.state != engine.Off && d.state != engine.Saved {
				return invalid
			}
			// Start paused, attach the console, then run: the console
			// misses nothing the firmware writes.
			if _, err := l.DomainCreateWithFlags(d.ref, uint32(lv.DomainStartPaused)); err != nil {
				return fmt.Errorf("start virtual machine %q: %w", d.ref.Name, b.wrap(err))
			}
			if b.consoles.open(id, d.ref) && d.state == engine.Off {
				// QEMU notices a reader on its pty at its next poll, once
				// a second, and drops what the firmware writes before.
				time.Sleep(ptyPoll)
			}
			if err := l.DomainResume(d.ref); err != nil {
				l.DomainDestroy(d.ref) // not left paused half-started
				return fmt.Errorf("start virtual machine %q: %w", d.ref.Name, b.wrap(err))
			}
		case engine.ActionTurnOff:
			switch d.state {
			case engine.Running, engine.Paused:
				err = l.DomainDestroy(d.ref)
			case engine.Saved:
				err = l.DomainManagedSaveRemove(d.ref, 0)
			default:
				return invalid
			}
			if err != nil {
				return fmt.Errorf("turn off virtual machine %q: %w", d.ref.Name, b.wrap(err))
			}
		case engine.ActionSave:
			if d.state != engine.Running && d.state != engine.Paused {
				return invalid
			}
			if err := l.DomainManagedSave(d.ref, 0); err != nil {
				return fmt.Errorf("save virtual machine %q: %w", d.ref.Name, b.wrap(err))
			}
		case engine.ActionPause:
			if d.state != engine.Running {
				return invalid
			}
			if err := l.DomainSuspend(d.ref); err != nil {
				return fmt.Errorf("pause virtual machine %q: %w", d.ref.Name, b.wrap(err))
			}
		case engine.ActionResume:
			if d.state != engine.Paused {
				return invalid
			}
			if err := l.DomainResume(d.ref); err != nil {
				return fmt.Errorf("resume virtual machine %q: %w", d.ref.Name, b.wrap(err))
			}
		default:
			return fmt.Errorf("%w: VM action %q", engine.ErrInvalid, a)
		}
		// A state change leaves the definition as it was: the VM is
		// what was read, in its new state (one call fewer per change).
		st, _, err := l.DomainGetState(d.ref, 0)
		if err != nil {
			return b.wrap(err)
		}
		if d.state, err = b.vmState(l, d.ref, lv.DomainState(st)); err != nil {
			return err
		}
		out = d.vm()
		return nil
	})
	return out, err
}

// ptyPoll is how long QEMU may take to notice that the console's pty has
// a reader (it polls once a second).
const ptyPoll = 1100 * time.Millisecond

// actionEvents are the lifecycle events each action causes.
var actionEvents = map[engine.VMAction][]lv.DomainEventType{
	engine.ActionStart:   {lv.DomainEventStarted, lv.DomainEventSuspended, lv.DomainEventResumed},
	engine.ActionTurnOff: {lv.DomainEventStopped},
	engine.ActionSave:    {lv.DomainEventSuspended, lv.DomainEventStopped},
	engine.ActionPause:   {lv.DomainEventSuspended},
	engine.ActionResume:  {lv.DomainEventResumed},
}

// setMeta writes azgate's metadata to the domain's persistent definition
// and, when it runs, its live one.
func (b *Backend) setMeta(l *lv.Libvirt, ref lv.Domain, meta vmMeta) error {
	x, err := encodeMeta(meta)
	if err != nil {
		return err
	}
	x = strings.Replace(x, ` xmlns="`+Namespace+`"`, "", 1) // SetMetadata applies the namespace
	flags := lv.DomainAffectConfig
	if active, err := l.DomainIsActive(ref); err == nil && active == 1 {
		flags |= lv.DomainAffectLive
	}
	if err := l.DomainSetMetadata(ref, int32(lv.DomainMetadataElement), lv.OptString{x}, lv.OptString{Prefix}, lv.OptString{Namespace}, flags); err != nil {
		return fmt.Errorf("virtual machine %q: write azgate metadata: %w", ref.Name, b.wrap(err))
	}
	return nil
}

// touch sets the Modified time of an azgate domain.
func (b *Backend) touch(l *lv.Libvirt, ref lv.Domain, meta *vmMeta) error {
	meta.Modified = time.Now().UTC().Truncate(time.Second)
	return b.setMeta(l, ref, *meta)
}

// ReconfigureVM implements engine.Backend. libvirt renames only a domain
// that is off; memory, processors and adapters change the persistent
// definition of a domain that is Off.
func (b *Backend) ReconfigureVM(ctx context.Context, g engine.Guard, id string, u engine.VMUpdate) (engine.VM, error) {
	var out engine.VM
	err := b.onVM(ctx, g, id, func(l *lv.Libvirt, d domain) (err error) {
		name := d.ref.Name
		if (u.MemoryMB != nil || u.Processors != nil || u.NetworkAdapters != nil) && d.state != engine.Off {
			return fmt.Errorf("virtual machine %q: %w: memory, processors and network adapters can change only while it is Off, it is %s",
				name, engine.ErrInvalidState, d.state)
		}
		if u.Name != nil && *u.Name != name {
			if err := checkLibvirtName("virtual machine", *u.Name); err != nil {
				return err
			}
			if d.state != engine.Off {
				return fmt.Errorf("virtual machine %q: %w: libvirt renames a virtual machine only while it is Off, it is %s",
					name, engine.ErrInvalidState, d.state)
			}
			if err := b.vmNameFree(l, *u.Name, d.ref.UUID); err != nil {
				return err
			}
		}
		defer b.ours.mark(id)()
		if u.MemoryMB != nil || u.Processors != nil || u.NetworkAdapters != nil {
			if err := b.redefine(ctx, l, d, u); err != nil {
				return err
			}
			ref, err := b.lookupDomain(l, id)
			if err != nil {
				return err
			}
			if d, err = b.readDomain(l, ref); err != nil {
				return err
			}
		}
		if u.Notes != nil {
			flags := lv.DomainAffectConfig
			if d.state == engine.Running || d.state == engine.Paused {
				flags |= lv.DomainAffectLive
			}
			if err := l.DomainSetMetadata(d.ref, int32(lv.DomainMetadataDescription), lv.OptString{*u.Notes}, nil, nil, flags); err != nil {
				return fmt.Errorf("virtual machine %q: set notes: %w", name, b.wrap(err))
			}
		}
		if u.Name != nil && *u.Name != name {
			if _, err := l.DomainRename(d.ref, lv.OptString{*u.Name}, 0); err != nil {
				return fmt.Errorf("rename virtual machine %q: %w", name, b.wrap(err))
			}
		}
		ref, err := b.lookupDomain(l, id)
		if err != nil {
			return err
		}
		if err := b.touch(l, ref, &d.meta); err != nil {
			return err
		}
		out, err = b.readVM(l, ref)
		return err
	})
	return out, err
}

// redefine applies memory, processors and adapters to the persistent
// definition of a domain that is Off.
func (b *Backend) redefine(ctx context.Context, l *lv.Libvirt, d domain, u engine.VMUpdate) error {
	x, err := l.DomainGetXMLDesc(d.ref, lv.DomainXMLInactive)
	if err != nil {
		return b.wrap(err)
	}
	var def libvirtxml.Domain
	if err := def.Unmarshal(x); err != nil {
		return fmt.Errorf("virtual machine %q: %w", d.ref.Name, err)
	}
	if u.MemoryMB != nil {
		def.Memory = &libvirtxml.DomainMemory{Value: uint(*u.MemoryMB), Unit: "MiB"}
		def.CurrentMemory = nil
	}
	if u.Processors != nil {
		def.VCPU = &libvirtxml.DomainVCPU{Value: uint(*u.Processors)}
	}
	meta := d.meta
	if u.NetworkAdapters != nil {
		have := map[string]adapterMeta{}
		for _, a := range d.vm().NetworkAdapters {
			have[names.Key(a.Name)] = adapterMeta{Name: a.Name, MAC: macKey(a.MAC)}
		}
		keep := map[string]bool{}
		meta.Adapters = nil
		for _, n := range *u.NetworkAdapters {
			a, ok := have[names.Key(n)]
			if !ok {
				a = adapterMeta{Name: n, MAC: newMAC()}
			}
			a.Name = n
			meta.Adapters = append(meta.Adapters, a)
			keep[macKey(a.MAC)] = true
		}
		conns, err := b.portsOfVM(ctx, l, uuidString(d.ref.UUID))
		if err != nil {
			return err
		}
		for _, p := range conns {
			if mac := adapterMAC(d.vm(), p.Adapter); mac != "" && !keep[macKey(mac)] {
				return fmt.Errorf("virtual machine %q: %w: network adapter %q is connected to a switch port; disconnect it first",
					d.ref.Name, engine.ErrInvalidState, p.Adapter)
			}
		}
		if def.Devices != nil {
			nics := def.Devices.Interfaces[:0]
			for _, nic := range def.Devices.Interfaces {
				if nic.MAC != nil && keep[macKey(nic.MAC.Address)] {
					nics = append(nics, nic)
				}
			}
			def.Devices.Interfaces = nics
		}
	}
	if def.Metadata == nil {
		def.Metadata = &libvirtxml.DomainMetadata{}
	}
	m, err := encodeMeta(meta)
	if err != nil {
		return err
	}
	def.Metadata.XML = replaceMeta(def.Metadata.XML, m)
	nx, err := def.Marshal()
	if err != nil {
		return fmt.Errorf("virtual machine %q: %w", d.ref.Name, err)
	}
	if _, err := l.DomainDefineXML(nx); err != nil {
		return fmt.Errorf("reconfigure virtual machine %q: %w", d.ref.Name, b.wrap(err))
	}
	return nil
}

// adapterMAC returns the MAC of vm's adapter called name, "" when none.
func adapterMAC(vm engine.VM, name string) string {
	for _, a := range vm.NetworkAdapters {
		if names.Equal(a.Name, name) {
			return a.MAC
		}
	}
	return ""
}

// SetVMScope implements engine.Backend.
func (b *Backend) SetVMScope(ctx context.Context, g engine.Guard, id, scope string) (engine.VM, error) {
	var out engine.VM
	err := b.onVM(ctx, g, id, func(l *lv.Libvirt, d domain) (err error) {
		defer b.ours.mark(id)()
		d.meta.Scope = scopes.Of(scope)
		if d.meta.Created.IsZero() {
			d.meta.Created = time.Now().UTC().Truncate(time.Second)
		}
		if err := b.touch(l, d.ref, &d.meta); err != nil {
			return err
		}
		out, err = b.readVM(l, d.ref)
		return err
	})
	return out, err
}
