package engine

import "github.com/azgate/azgate/api"

// The engine's objects are the HTTP API's documents (package api): what the
// engine returns is what the server sends.
type (
	VMState            = api.VMState
	VM                 = api.VM
	NetworkAdapter     = api.NetworkAdapter
	VMSpec             = api.VMSpec
	VMUpdate           = api.VMUpdate
	Console            = api.Console
	Snapshot           = api.Snapshot
	Switch             = api.Switch
	SwitchSpec         = api.SwitchSpec
	SwitchUpdate       = api.SwitchUpdate
	Port               = api.Port
	PortSpec           = api.PortSpec
	PortUpdate         = api.PortUpdate
	Connection         = api.Connection
	VLAN               = api.VLAN
	InternalPort       = api.InternalPort
	InternalPortSpec   = api.InternalPortSpec
	InternalPortUpdate = api.InternalPortUpdate
	ExternalPort       = api.ExternalPort
	LANEndpoint        = api.LANEndpoint
	ServiceConfig      = api.ServiceConfig
	ServiceUpdate      = api.ServiceUpdate
	SwitchService      = api.SwitchService
)

// The states of a virtual machine.
const (
	Running = api.VMRunning
	Off     = api.VMOff
	Paused  = api.VMPaused
	Saved   = api.VMSaved
)
