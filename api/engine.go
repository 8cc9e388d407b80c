package api

import (
	"fmt"
	"time"
)

// The management engine's objects: what its routes answer and take. The
// engine package uses these types as its own.

// VMState is a virtual machine's state, numbered as Hyper-V reports it
// (Msvm_ComputerSystem.EnabledState).
type VMState int

// The states of a virtual machine.
const (
	VMRunning VMState = 2
	VMOff     VMState = 3
	VMPaused  VMState = 32768
	VMSaved   VMState = 32769
)

func (s VMState) String() string {
	switch s {
	case VMRunning:
		return "Running"
	case VMOff:
		return "Off"
	case VMPaused:
		return "Paused"
	case VMSaved:
		return "Saved"
	}
	return fmt.Sprintf("VMState(%d)", int(s))
}

// VM is a virtual machine as the engine reports it.
type VM struct {
	ID              string           `json:"id"`
	Name            string           `json:"name"`
	State           VMState          `json:"state"`
	StateName       string           `json:"stateName"`
	MemoryMB        int              `json:"memoryMB"`
	Processors      int              `json:"processors"`
	Notes           string           `json:"notes"`
	Scope           string           `json:"scope"` // ScopeOfResidence; "" is the default scope
	NetworkAdapters []NetworkAdapter `json:"networkAdapters"`
	Created         time.Time        `json:"created"`
	Modified        time.Time        `json:"modified"`
}

// NetworkAdapter is a VM's synthetic network adapter. A switch port connects
// to it by VM and adapter name.
type NetworkAdapter struct {
	Name string `json:"name"`
	MAC  string `json:"mac"`
}

// VMSpec describes a virtual machine to create.
type VMSpec struct {
	Name       string `json:"name"`
	MemoryMB   int    `json:"memoryMB"`   // 1 .. 1048576
	Processors int    `json:"processors"` // 1 .. 64
	Notes      string `json:"notes,omitempty"`
	Scope      string `json:"scope,omitempty"`
	// NetworkAdapters names the adapters to create (at most 8).
	NetworkAdapters []string `json:"networkAdapters,omitempty"`
}

// VMUpdate changes a virtual machine; nil fields are left as they are.
// Memory, processors and adapters can change only while the VM is Off.
type VMUpdate struct {
	Name       *string `json:"name,omitempty"`
	MemoryMB   *int    `json:"memoryMB,omitempty"`
	Processors *int    `json:"processors,omitempty"`
	Notes      *string `json:"notes,omitempty"`
	// NetworkAdapters, when set, is the complete new list of adapter names.
	// Kept adapters keep their MAC address; a removed adapter must not be
	// connected to a switch port.
	NetworkAdapters *[]string `json:"networkAdapters,omitempty"`
}

// Console is what a virtual machine's console shows: the last
// ServiceConfig.ConsoleBufferBytes bytes written by start, stop and input.
type Console struct {
	VM     string `json:"vm"`
	Output string `json:"output"`
}

// Snapshot is a saved copy of a virtual machine's configuration and state.
type Snapshot struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	VM         string    `json:"vm"`
	Created    time.Time `json:"created"`
	State      VMState   `json:"state"`
	MemoryMB   int       `json:"memoryMB"`
	Processors int       `json:"processors"`
	Notes      string    `json:"notes"`
}

// Switch is a virtual switch.
type Switch struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Notes string `json:"notes"`
	Scope string `json:"scope"`
	// External is the host interface bound to the switch; "" when none,
	// or when the caller may not view host interfaces (View External
	// Ethernet Ports in the default scope): then ExternalHidden is set.
	External string `json:"external"`
	// ExternalHidden (in answers only) says the switch is bound to a host
	// interface the caller may not view.
	ExternalHidden bool      `json:"externalHidden,omitempty"`
	Created        time.Time `json:"created"`
}

// SwitchSpec describes a virtual switch to create.
type SwitchSpec struct {
	Name  string `json:"name"`
	Notes string `json:"notes,omitempty"`
	Scope string `json:"scope,omitempty"`
}

// SwitchUpdate changes a virtual switch; nil fields are left as they are.
// Setting Scope moves the switch, which needs Modify Switch Settings in
// both the current and the new scope.
type SwitchUpdate struct {
	Name  *string `json:"name,omitempty"`
	Notes *string `json:"notes,omitempty"`
	Scope *string `json:"scope,omitempty"`
}

// Port is a virtual switch port.
type Port struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	Switch     string      `json:"switch"`
	Notes      string      `json:"notes"`
	Scope      string      `json:"scope"`
	VLAN       VLAN        `json:"vlan"`
	Connection *Connection `json:"connection,omitempty"`
	Created    time.Time   `json:"created"`
}

// PortSpec describes a switch port to create.
type PortSpec struct {
	Name   string `json:"name"`
	Switch string `json:"switch"`
	Notes  string `json:"notes,omitempty"`
	Scope  string `json:"scope,omitempty"`
}

// PortUpdate changes a switch port; nil fields are left as they are.
// Setting Scope moves the port, which needs Modify Switch Port Settings in
// both the current and the new scope.
type PortUpdate struct {
	Name  *string `json:"name,omitempty"`
	Notes *string `json:"notes,omitempty"`
	Scope *string `json:"scope,omitempty"`
}

// Connection is what a switch port is connected to: either a VM's network
// adapter (VM and Adapter set) or an internal Ethernet port (InternalPort).
type Connection struct {
	VM           string `json:"vm,omitempty"`
	Adapter      string `json:"adapter,omitempty"`
	InternalPort string `json:"internalPort,omitempty"`
	// Hidden (in answers only) says the port is connected to an object the
	// caller may not view; nothing else about it is shown.
	Hidden bool `json:"hidden,omitempty"`
}

// VLAN is the VLAN setting of a switch port. AccessVLANID 0 means untagged;
// 1..4094 puts the port in access mode on that VLAN.
type VLAN struct {
	AccessVLANID int `json:"accessVlanId"`
}

// InternalPort is an internal (host) Ethernet port. Internal ports live in
// the default scope.
type InternalPort struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	MAC     string    `json:"mac"`
	Notes   string    `json:"notes"`
	Created time.Time `json:"created"`
}

// InternalPortSpec describes an internal Ethernet port to create.
type InternalPortSpec struct {
	Name  string `json:"name"`
	Notes string `json:"notes,omitempty"`
}

// InternalPortUpdate changes an internal port; nil fields are left as they are.
type InternalPortUpdate struct {
	Name  *string `json:"name,omitempty"`
	Notes *string `json:"notes,omitempty"`
}

// ExternalPort is one of the host's real network interfaces.
type ExternalPort struct {
	Name     string   `json:"name"`
	MAC      string   `json:"mac"`
	MTU      int      `json:"mtu"`
	Up       bool     `json:"up"`
	Loopback bool     `json:"loopback"`
	Addrs    []string `json:"addrs"`
	// Bound says whether a virtual switch is bound to the interface. Which
	// one is switch information (View Switches, in the switch's scope): see
	// the switch's External field.
	Bound bool `json:"bound"`
}

// LANEndpoint is one end of a connection on a virtual switch: a VM adapter
// or internal port connected to a switch port, or a host interface bound to
// a switch.
type LANEndpoint struct {
	Switch string `json:"switch"`
	Port   string `json:"port,omitempty"` // "" for an external binding
	Kind   string `json:"kind"`           // "vm", "internal" or "external"
	Target string `json:"target"`         // "VM/adapter", internal port or interface name
	MAC    string `json:"mac"`
	Scope  string `json:"scope"`
	// Hidden says the caller may not view what is at the other end: Target
	// and MAC are empty.
	Hidden bool `json:"hidden,omitempty"`
}

// ServiceConfig is the configuration of the virtual machine management
// service.
type ServiceConfig struct {
	DefaultVMPath   string `json:"defaultVMPath"`
	DefaultDiskPath string `json:"defaultDiskPath"`
	// ConsoleBufferBytes bounds each VM's console buffer (1024 .. 1048576).
	ConsoleBufferBytes int `json:"consoleBufferBytes"`
	// Host is what the hypervisor says about itself (read-only).
	Host *HostInfo `json:"host,omitempty"`
}

// HostInfo is what the hypervisor says about itself (read-only).
type HostInfo struct {
	Backend           string `json:"backend"`           // "simulator" or "libvirt"
	URI               string `json:"uri,omitempty"`     // libvirt connection URI
	HostName          string `json:"hostName"`          //
	Hypervisor        string `json:"hypervisor"`        // "QEMU"; "simulator"
	HypervisorVersion string `json:"hypervisorVersion"` // "7.2.0"
	LibvirtVersion    string `json:"libvirtVersion,omitempty"`
	CPUModel          string `json:"cpuModel,omitempty"`
	CPUs              int    `json:"cpus,omitempty"`
	MemoryMB          int    `json:"memoryMB,omitempty"`
}

// ServiceUpdate changes the service configuration; nil fields are left as
// they are.
type ServiceUpdate struct {
	DefaultVMPath      *string `json:"defaultVMPath,omitempty"`
	DefaultDiskPath    *string `json:"defaultDiskPath,omitempty"`
	ConsoleBufferBytes *int    `json:"consoleBufferBytes,omitempty"`
}

// SwitchService describes the virtual switch management service.
type SwitchService struct {
	Name     string    `json:"name"`
	HostName string    `json:"hostName"`
	Status   string    `json:"status"`
	Started  time.Time `json:"started"`
}

// Request bodies of engine routes that carry no object.
type (
	// ConsoleInput is text typed on a VM's console.
	ConsoleInput struct {
		Text string `json:"text"`
	}
	// ScopeChange moves an object to another authorization scope.
	ScopeChange struct {
		Scope string `json:"scope"`
	}
	// SnapshotSpec names a snapshot to take.
	SnapshotSpec struct {
		Name string `json:"name"`
	}
	// ExternalBinding binds a host interface to a virtual switch.
	ExternalBinding struct {
		Interface string `json:"interface"`
	}
)
