// Package operations is the catalog of every operation the azgate management
// engine can be asked to perform: the 33 Hyper-V operations of the Hyper-V
// Resource Kit (tables 6-18 to 6-20) and "Allow Virtual Machine Snapshot",
// added in Windows Server 2008 R2.
//
// The catalog defines the Hyper-V application: what `store init` writes and
// what the engine needs. Nothing else in azgate spells a Hyper-V operation
// name; code refers to the constants below. Other applications' operations
// (and the IDs a store gives the Hyper-V ones) come from the store: an
// [Index] holds one application's operations, looked up by ID and by name
// in O(1), and [HyperV] is the catalog's.
package operations

import (
	"strconv"
	"strings"
)

// ID is an AzMan OperationID: unique within its application. The catalog's
// IDs are what stores azgate creates use; a store written elsewhere keeps
// its own, and the engine's operations are matched to it by name.
type ID int

// Category groups operations as the Resource Kit does.
type Category string

// The three categories of Hyper-V operations.
const (
	Service        Category = "service"
	Network        Category = "network"
	VirtualMachine Category = "virtual machine"
)

// Operation is one entry of the catalog.
type Operation struct {
	ID          ID
	Name        string
	Category    Category
	Description string
}

func (o Operation) String() string { return o.Name }

// Service operations.
const (
	ReadServiceConfiguration ID = 1
	ReconfigureService       ID = 2
	ViewVirtualSwitchMgmt    ID = 3
)

// Network operations.
const (
	BindExternalEthernetPort    ID = 100
	ChangeVLANConfigOnPort      ID = 101
	ConnectVirtualSwitchPort    ID = 102
	CreateInternalEthernetPort  ID = 103
	CreateVirtualSwitch         ID = 104
	CreateVirtualSwitchPort     ID = 105
	DeleteInternalEthernetPort  ID = 106
	DeleteVirtualSwitch         ID = 107
	DeleteVirtualSwitchPort     ID = 108
	DisconnectVirtualSwitchPort ID = 109
	ModifyInternalEthernetPort  ID = 110
	ModifySwitchPortSettings    ID = 111
	ModifySwitchSettings        ID = 112
	UnbindExternalEthernetPort  ID = 113
	ViewExternalEthernetPorts   ID = 114
	ViewInternalEthernetPorts   ID = 115
	ViewLANEndpoints            ID = 116
	ViewSwitchPorts             ID = 117
	ViewSwitches                ID = 118
	ViewVLANSettings            ID = 119
)

// Virtual machine operations.
const (
	AllowInputToVM      ID = 300
	AllowOutputFromVM   ID = 301
	ChangeVMAuthzScope  ID = 302
	CreateVM            ID = 303
	DeleteVM            ID = 304
	PauseAndRestartVM   ID = 305
	ReconfigureVM       ID = 306
	StartVM             ID = 307
	StopVM              ID = 308
	ViewVMConfiguration ID = 309
	AllowVMSnapshot     ID = 355 // Windows Server 2008 R2
)

// Count is the number of operations in the catalog.
const Count = 34

// HyperVApplication is the name of the application the catalog defines:
// the one the engine is gated through unless configured otherwise.
const HyperVApplication = "Hyper-V services"

// hyperV is the Hyper-V catalog's index, built once from hyperVOps.
var hyperV = func() *Index {
	x, err := NewIndex(HyperVApplication, hyperVOps())
	if err != nil {
		panic("operations: the Hyper-V catalog is invalid: " + err.Error())
	}
	return x
}()

// HyperV returns the index of the Hyper-V catalog. It is built once and
// shared: look operations up in it rather than calling [All].
func HyperV() *Index { return hyperV }

// All returns every operation of the catalog, ordered by ID. The slice is
// freshly allocated; callers may keep or modify it. Callers that only read
// use HyperV().All(), which does not allocate.
func All() []Operation { return hyperV.Clone() }

func hyperVOps() []Operation {
	return []Operation{
		{ReadServiceConfiguration, "Read Service Configuration", Service, "Read the configuration of the Virtual Machine Management Service."},
		{ReconfigureService, "Reconfigure Service", Service, "Change the configuration of the Virtual Machine Management Service."},
		{ViewVirtualSwitchMgmt, "View Virtual Switch Management Service", Service, "Read the properties of the Virtual Switch Management Service."},

		{BindExternalEthernetPort, "Bind External Ethernet Port", Network, "Bind a host's external Ethernet port to a virtual switch."},
		{ChangeVLANConfigOnPort, "Change VLAN Configuration on Port", Network, "Change the VLAN settings of a virtual switch port."},
		{ConnectVirtualSwitchPort, "Connect Virtual Switch Port", Network, "Connect a virtual switch port to a network adapter or internal port."},
		{CreateInternalEthernetPort, "Create Internal Ethernet Port", Network, "Create an internal (host) Ethernet port."},
		{CreateVirtualSwitch, "Create Virtual Switch", Network, "Create a virtual switch."},
		{CreateVirtualSwitchPort, "Create Virtual Switch Port", Network, "Create a port on a virtual switch."},
		{DeleteInternalEthernetPort, "Delete Internal Ethernet Port", Network, "Delete an internal (host) Ethernet port."},
		{DeleteVirtualSwitch, "Delete Virtual Switch", Network, "Delete a virtual switch."},
		{DeleteVirtualSwitchPort, "Delete Virtual Switch Port", Network, "Delete a port of a virtual switch."},
		{DisconnectVirtualSwitchPort, "Disconnect Virtual Switch Port", Network, "Disconnect a virtual switch port."},
		{ModifyInternalEthernetPort, "Modify Internal Ethernet Port", Network, "Change the settings of an internal Ethernet port."},
		{ModifySwitchPortSettings, "Modify Switch Port Settings", Network, "Change the settings of a virtual switch port."},
		{ModifySwitchSettings, "Modify Switch Settings", Network, "Change the settings of a virtual switch."},
		{UnbindExternalEthernetPort, "Unbind External Ethernet Port", Network, "Unbind a host's external Ethernet port from a virtual switch."},
		{ViewExternalEthernetPorts, "View External Ethernet Ports", Network, "List the host's external Ethernet ports."},
		{ViewInternalEthernetPorts, "View Internal Ethernet Ports", Network, "List the internal Ethernet ports."},
		{ViewLANEndpoints, "View LAN Endpoints", Network, "List the LAN endpoints."},
		{ViewSwitchPorts, "View Switch Ports", Network, "List the ports of virtual switches."},
		{ViewSwitches, "View Switches", Network, "List the virtual switches."},
		{ViewVLANSettings, "View VLAN Settings", Network, "Read the VLAN settings of switch ports."},

		{AllowInputToVM, "Allow Input to Virtual Machine", VirtualMachine, "Send input (keyboard, mouse) to a virtual machine's console."},
		{AllowOutputFromVM, "Allow Output from Virtual Machine", VirtualMachine, "Read a virtual machine's console output."},
		{ChangeVMAuthzScope, "Change Virtual Machine Authorization Scope", VirtualMachine, "Move a virtual machine to another authorization scope."},
		{CreateVM, "Create Virtual Machine", VirtualMachine, "Create a virtual machine."},
		{DeleteVM, "Delete Virtual Machine", VirtualMachine, "Delete a virtual machine."},
		{PauseAndRestartVM, "Pause and Restart Virtual Machine", VirtualMachine, "Pause a running virtual machine and resume a paused one."},
		{ReconfigureVM, "Reconfigure Virtual Machine", VirtualMachine, "Change a virtual machine's settings."},
		{StartVM, "Start Virtual Machine", VirtualMachine, "Start a virtual machine."},
		{StopVM, "Stop Virtual Machine", VirtualMachine, "Turn off a virtual machine."},
		{ViewVMConfiguration, "View Virtual Machine Configuration", VirtualMachine, "Read a virtual machine's configuration and state."},
		{AllowVMSnapshot, "Allow Virtual Machine Snapshot", VirtualMachine, "Create, apply and delete virtual machine snapshots."},
	}
}

// ByID returns the catalog operation with the given ID (O(1)).
func ByID(id ID) (Operation, error) {
	return hyperV.ID(id)
}

// MustID returns the operation with the given ID and panics if there is none.
// Use it only with the constants of this package.
func MustID(id ID) Operation {
	o, err := ByID(id)
	if err != nil {
		panic(err)
	}
	return o
}

// ByName returns the catalog operation with the given name (O(1)),
// compared by names.Equal (the one rule names compare by) after surrounding
// space is removed. An unknown name is an error that suggests the closest
// names of the catalog.
func ByName(name string) (Operation, error) { return hyperV.Name(name) }

// Parse accepts a catalog operation's name or decimal OperationID.
func Parse(s string) (Operation, error) { return hyperV.Parse(s) }

// Suggest returns up to n catalog names closest to name, best first.
func Suggest(name string, n int) []string { return hyperV.Suggest(name, n) }

func quoteJoin(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, " or ")
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
