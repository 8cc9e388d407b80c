package libvirt

import (
	"context"
	"fmt"

	lv "github.com/digitalocean/go-libvirt"

	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/internal/names"
)

// Every change to an existing object has one shape: under b.mu, in one
// call on the connection, on the object read by its id once the guard
// covers its scope. onVM, onSwitch and onPort are that shape; fn does the
// change.

// onVM runs fn on domain id, under b.mu, once g covers it.
func (b *Backend) onVM(ctx context.Context, g engine.Guard, id string, fn func(l *lv.Libvirt, d domain) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.call(ctx, func(l *lv.Libvirt) error {
		d, err := b.guardVM(l, g, id)
		if err != nil {
			return err
		}
		return fn(l, d)
	})
}

// onSwitch runs fn on network id, under b.mu, once g covers it.
func (b *Backend) onSwitch(ctx context.Context, g engine.Guard, id string, fn func(l *lv.Libvirt, n network) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.call(ctx, func(l *lv.Libvirt) error {
		n, err := b.guardSwitch(l, g, id)
		if err != nil {
			return err
		}
		return fn(l, n)
	})
}

// onPort runs fn on port id (index i of network n's ports), under b.mu,
// once g covers the port and its switch.
func (b *Backend) onPort(ctx context.Context, g engine.Guard, id string, fn func(l *lv.Libvirt, n network, i int) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.call(ctx, func(l *lv.Libvirt) error {
		n, i, err := b.guardPort(l, g, id)
		if err != nil {
			return err
		}
		return fn(l, n, i)
	})
}

// readVM reads domain ref as the engine shows it.
func (b *Backend) readVM(l *lv.Libvirt, ref lv.Domain) (engine.VM, error) {
	d, err := b.readDomain(l, ref)
	if err != nil {
		return engine.VM{}, err
	}
	return d.vm(), nil
}

// readSwitch reads network id as the engine shows it.
func (b *Backend) readSwitch(l *lv.Libvirt, id string) (engine.Switch, error) {
	n, err := b.network(l, id)
	return n.sw(), err
}

// nameTaken is the one check that a name is free among objects of a kind
// (names compare by internal/names): ErrExists, saying "what named name
// exists", when an element of list is called name and is not the object
// being renamed (self reports that one; nil when creating).
func nameTaken[T any](what, name string, list []T, nameOf func(T) string, self func(T) bool) error {
	for _, x := range list {
		if names.Equal(nameOf(x), name) && (self == nil || !self(x)) {
			return fmt.Errorf("%w: %s named %q exists", engine.ErrExists, what, name)
		}
	}
	return nil
}

// byName returns the first element of list called name (names compare by
// internal/names).
func byName[T any](list []T, name string, nameOf func(T) string) (T, bool) {
	for _, x := range list {
		if names.Equal(nameOf(x), name) {
			return x, true
		}
	}
	var zero T
	return zero, false
}

func domainName(d lv.Domain) string   { return d.Name }
func networkName(n lv.Network) string { return n.Name }

// vmNameFree checks that no domain but except (zero: none) is called name.
func (b *Backend) vmNameFree(l *lv.Libvirt, name string, except lv.UUID) error {
	doms, _, err := l.ConnectListAllDomains(1, 0)
	if err != nil {
		return err
	}
	return nameTaken("a virtual machine", name, doms, domainName,
		func(d lv.Domain) bool { return except != lv.UUID{} && d.UUID == except })
}

// switchNameFree checks that no network but except (zero: none) is called
// name.
func (b *Backend) switchNameFree(l *lv.Libvirt, name string, except lv.UUID) error {
	refs, _, err := l.ConnectListAllNetworks(1, 0)
	if err != nil {
		return err
	}
	return nameTaken("a virtual switch", name, refs, networkName,
		func(r lv.Network) bool { return except != lv.UUID{} && r.UUID == except })
}

// portNameFree checks that no port but except ("": none) is called name.
func (b *Backend) portNameFree(l *lv.Libvirt, name, except string) error {
	nets, err := b.networks(l)
	if err != nil {
		return err
	}
	for _, n := range nets {
		err := nameTaken("a switch port", name, n.meta.Ports, func(p portMeta) string { return p.Name },
			func(p portMeta) bool { return p.ID == except })
		if err != nil {
			return err
		}
	}
	return nil
}
