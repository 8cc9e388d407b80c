package libvirt

import (
	"context"
	"fmt"
	"strings"

	lv "github.com/digitalocean/go-libvirt"

	"github.com/azgate/azgate/engine"
)

// ServiceConfig implements engine.Backend: azgate's settings, and the
// hypervisor's facts (read-only) in Host.
func (b *Backend) ServiceConfig(ctx context.Context) (engine.ServiceConfig, error) {
	cfg := b.host.config()
	host := engine.HostInfo{Backend: "libvirt", URI: b.uri, Hypervisor: "QEMU"}
	err := b.call(ctx, func(l *lv.Libvirt) error {
		var err error
		if host.HostName, err = l.ConnectGetHostname(); err != nil {
			return err
		}
		hv, err := l.ConnectGetVersion()
		if err != nil {
			return err
		}
		host.HypervisorVersion = version(hv)
		lib, err := l.ConnectGetLibVersion()
		if err != nil {
			return err
		}
		host.LibvirtVersion = version(lib)
		model, mem, cpus, _, _, _, _, _, err := l.NodeGetInfo()
		if err != nil {
			return err
		}
		var m strings.Builder
		for _, c := range model {
			if c == 0 {
				break
			}
			m.WriteByte(byte(c))
		}
		host.CPUModel, host.CPUs, host.MemoryMB = m.String(), int(cpus), int(mem>>10)
		return nil
	})
	if err != nil {
		return engine.ServiceConfig{}, err
	}
	cfg.Host = &host
	return cfg, nil
}

// version formats libvirt's major*1,000,000 + minor*1,000 + release.
func version(v uint64) string { return fmt.Sprintf("%d.%d.%d", v/1000000, v/1000%1000, v%1000) }

// SetServiceConfig implements engine.Backend. DefaultDiskPath is where
// azgate's storage pool is made, on first use; changing it later does not
// move an existing pool.
func (b *Backend) SetServiceConfig(ctx context.Context, u engine.ServiceUpdate) (engine.ServiceConfig, error) {
	if _, err := b.host.setConfig(u); err != nil {
		return engine.ServiceConfig{}, err
	}
	return b.ServiceConfig(ctx)
}
