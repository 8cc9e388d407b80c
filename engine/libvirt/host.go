package libvirt

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/internal/names"
)

// HostFile is the file in the data directory that holds what libvirt has
// no object for: the internal Ethernet ports (names, notes, MACs; the
// address lives on the network they are connected to) and azgate's
// service settings. Both are host-level, default-scope records.
const HostFile = "libvirt-host.json"

// Defaults of the service configuration.
const (
	DefaultVMPath      = "/etc/libvirt/qemu"
	DefaultDiskPath    = "/var/lib/libvirt/images/azgate"
	DefaultConsoleSize = 16 << 10
)

type hostData struct {
	Service   engine.ServiceConfig  `json:"service"`
	Internals []engine.InternalPort `json:"internalPorts"`
}

type hostFile struct {
	path string
	mu   sync.Mutex
	data hostData
}

func openHostFile(dir string) (*hostFile, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	h := &hostFile{path: filepath.Join(dir, HostFile)}
	h.data.Service = engine.ServiceConfig{DefaultVMPath: DefaultVMPath, DefaultDiskPath: DefaultDiskPath, ConsoleBufferBytes: DefaultConsoleSize}
	raw, err := os.ReadFile(h.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return h, nil
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", h.path, err)
	}
	if err := json.Unmarshal(raw, &h.data); err != nil {
		return nil, fmt.Errorf("read %s: %w", h.path, err)
	}
	return h, nil
}

// save writes the file atomically (temp file, rename); the caller holds mu.
func (h *hostFile) save(next hostData) error {
	raw, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		return err
	}
	tmp := h.path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, h.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", h.path, err)
	}
	h.data = next
	return nil
}

func (h *hostFile) config() engine.ServiceConfig {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.data.Service
}

func (h *hostFile) setConfig(u engine.ServiceUpdate) (engine.ServiceConfig, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	next := h.data
	if u.DefaultVMPath != nil {
		next.Service.DefaultVMPath = *u.DefaultVMPath
	}
	if u.DefaultDiskPath != nil {
		next.Service.DefaultDiskPath = *u.DefaultDiskPath
	}
	if u.ConsoleBufferBytes != nil {
		next.Service.ConsoleBufferBytes = *u.ConsoleBufferBytes
	}
	if err := h.save(next); err != nil {
		return engine.ServiceConfig{}, err
	}
	return next.Service, nil
}

func (h *hostFile) internals() []engine.InternalPort {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]engine.InternalPort(nil), h.data.Internals...)
}

func (h *hostFile) internal(id string) (engine.InternalPort, error) {
	for _, p := range h.internals() {
		if p.ID == id {
			return p, nil
		}
	}
	return engine.InternalPort{}, fmt.Errorf("%w: internal Ethernet port %s", engine.ErrNotFound, id)
}

func (h *hostFile) lookupInternal(name string) (string, error) {
	for _, p := range h.internals() {
		if names.Equal(p.Name, name) {
			return p.ID, nil
		}
	}
	return "", fmt.Errorf("%w: internal Ethernet port %q", engine.ErrNotFound, name)
}

// editInternals applies fn to a copy of the internal ports and saves the
// result when fn succeeds.
func (h *hostFile) editInternals(fn func(list []engine.InternalPort) ([]engine.InternalPort, error)) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	next := h.data
	list, err := fn(append([]engine.InternalPort(nil), h.data.Internals...))
	if err != nil {
		return err
	}
	next.Internals = list
	return h.save(next)
}
