package main

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/engine"
)

// switch, port and vlan: virtual switches, their ports and the ports' VLAN
// settings, through the server.

func newSwitchCmd(_ *cli) *cobra.Command {
	f := &clientFlags{}
	return apiNounCmd(f, "switch", "Manage virtual switches on an azgate server",
		"Create, inspect, modify and delete virtual switches; bind a host interface\n(external Ethernet port) to a switch; list LAN endpoints.",
		switchListCmd(f), switchShowCmd(f), switchCreateCmd(f), switchModifyCmd(f), switchDeleteCmd(f),
		switchBindCmd(f, "bind"), switchUnbindCmd(f, "unbind"), endpointsCmd(f))
}

func switchRows(items []engine.Switch) [][]string {
	rows := make([][]string, 0, len(items))
	for _, s := range items {
		rows = append(rows, []string{s.Name, apiScopeName(s.Scope), apiOrDash(s.External), apiOrDash(s.Notes)})
	}
	return rows
}

func showSwitch(c *apiClient, raw []byte) error {
	s, err := apiDecode[engine.Switch](raw)
	if err != nil {
		return err
	}
	return apiFields(c.out, "Name", s.Name, "Scope", apiScopeName(s.Scope), "External", apiOrDash(s.External),
		"Notes", apiOrDash(s.Notes), "ID", s.ID, "Created", s.Created.Format("2006-01-02T15:04:05Z07:00"))
}

func switchListCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List the virtual switches you may view", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.call(cmd, http.MethodGet, "/v1/switches", nil, func(c *apiClient, raw []byte) error {
				l, err := apiDecode[apiListing[engine.Switch]](raw)
				if err != nil {
					return err
				}
				return apiTable(c.out, []string{"NAME", "SCOPE", "EXTERNAL", "NOTES"}, switchRows(l.Items))
			}, "")
		},
	}
}

func switchShowCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "show NAME", Short: "Show a virtual switch", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return f.call(cmd, http.MethodGet, "/v1/switches/"+apiSeg(a[0]), nil, showSwitch, "")
		},
	}
}

func switchCreateCmd(f *clientFlags) *cobra.Command {
	var spec engine.SwitchSpec
	cmd := &cobra.Command{
		Use: "create NAME [--scope SCOPE] [--notes TEXT]", Short: "Create a virtual switch", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			spec.Name = a[0]
			return f.call(cmd, http.MethodPost, "/v1/switches", spec, showSwitch, "")
		},
	}
	cmd.Flags().StringVar(&spec.Scope, "scope", "", "authorization scope (default: the default scope)")
	cmd.Flags().StringVar(&spec.Notes, "notes", "", "notes")
	return cmd
}

// renameNotesScope registers --rename, --notes and --scope and returns a
// function filling pointers for the flags that were given.
func renameNotesScope(cmd *cobra.Command, withScope bool) func(name, notes, scope **string) bool {
	var n, no, s string
	cmd.Flags().StringVar(&n, "rename", "", "new name")
	cmd.Flags().StringVar(&no, "notes", "", "notes")
	if withScope {
		cmd.Flags().StringVar(&s, "scope", "", `move to this authorization scope ("" for the default scope)`)
	}
	return func(name, notes, scope **string) bool {
		changed := false
		if cmd.Flags().Changed("rename") {
			*name, changed = &n, true
		}
		if cmd.Flags().Changed("notes") {
			*notes, changed = &no, true
		}
		if withScope && cmd.Flags().Changed("scope") {
			*scope, changed = &s, true
		}
		return changed
	}
}

func switchModifyCmd(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use: "modify NAME [--rename NEW] [--notes TEXT] [--scope SCOPE]", Short: "Modify a virtual switch", Args: args(cobra.ExactArgs(1)),
	}
	fill := renameNotesScope(cmd, true)
	cmd.RunE = func(cmd *cobra.Command, a []string) error {
		var u engine.SwitchUpdate
		if !fill(&u.Name, &u.Notes, &u.Scope) {
			return &usageError{cmd: cmd.CommandPath(), err: errAPINoChange}
		}
		return f.call(cmd, http.MethodPatch, "/v1/switches/"+apiSeg(a[0]), u, showSwitch, "")
	}
	return cmd
}

func switchDeleteCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "delete NAME", Short: "Delete a virtual switch", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return f.call(cmd, http.MethodDelete, "/v1/switches/"+apiSeg(a[0]), nil, nil, fmt.Sprintf("deleted virtual switch %q", a[0]))
		},
	}
}

// switchBindCmd binds a host interface to a switch (also `ethernet external bind`).
func switchBindCmd(f *clientFlags, use string) *cobra.Command {
	return &cobra.Command{
		Use: use + " SWITCH INTERFACE", Short: "Bind a host interface (external Ethernet port) to a virtual switch",
		Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return f.call(cmd, http.MethodPut, "/v1/switches/"+apiSeg(a[0])+"/external", map[string]string{"interface": a[1]},
				showSwitch, "")
		},
	}
}

func switchUnbindCmd(f *clientFlags, use string) *cobra.Command {
	return &cobra.Command{
		Use: use + " SWITCH", Short: "Unbind the external Ethernet port of a virtual switch", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return f.call(cmd, http.MethodDelete, "/v1/switches/"+apiSeg(a[0])+"/external", nil, showSwitch, "")
		},
	}
}

func endpointsCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "endpoints", Short: "List the LAN endpoints you may view", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.call(cmd, http.MethodGet, "/v1/lan-endpoints", nil, func(c *apiClient, raw []byte) error {
				l, err := apiDecode[apiListing[engine.LANEndpoint]](raw)
				if err != nil {
					return err
				}
				rows := make([][]string, 0, len(l.Items))
				for _, e := range l.Items {
					target := e.Target
					if e.Hidden {
						target = hiddenTarget
					}
					rows = append(rows, []string{e.Switch, apiOrDash(e.Port), e.Kind, target, apiOrDash(e.MAC), apiScopeName(e.Scope)})
				}
				return apiTable(c.out, []string{"SWITCH", "PORT", "KIND", "TARGET", "MAC", "SCOPE"}, rows)
			}, "")
		},
	}
}

// port: virtual switch ports.

func newPortCmd(_ *cli) *cobra.Command {
	f := &clientFlags{}
	return apiNounCmd(f, "port", "Manage virtual switch ports on an azgate server",
		"Create, inspect, modify, connect, disconnect and delete virtual switch ports.",
		portListCmd(f), portShowCmd(f), portCreateCmd(f), portModifyCmd(f), portDeleteCmd(f),
		portConnectCmd(f), portDisconnectCmd(f))
}

// hiddenTarget stands for the other end of a connection the caller may not
// view.
const hiddenTarget = "(hidden)"

func connectionString(c *engine.Connection) string {
	switch {
	case c == nil:
		return "-"
	case c.Hidden:
		return hiddenTarget
	case c.InternalPort != "":
		return "internal:" + c.InternalPort
	}
	return "vm:" + c.VM + "/" + c.Adapter
}

func vlanString(v engine.VLAN) string {
	if v.AccessVLANID == 0 {
		return "untagged"
	}
	return strconv.Itoa(v.AccessVLANID)
}

func showPort(c *apiClient, raw []byte) error {
	p, err := apiDecode[engine.Port](raw)
	if err != nil {
		return err
	}
	return apiFields(c.out, "Name", p.Name, "Switch", p.Switch, "Scope", apiScopeName(p.Scope), "VLAN", vlanString(p.VLAN),
		"Connection", connectionString(p.Connection), "Notes", apiOrDash(p.Notes), "ID", p.ID,
		"Created", p.Created.Format("2006-01-02T15:04:05Z07:00"))
}

func portListCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List the switch ports you may view", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.call(cmd, http.MethodGet, "/v1/switch-ports", nil, func(c *apiClient, raw []byte) error {
				l, err := apiDecode[apiListing[engine.Port]](raw)
				if err != nil {
					return err
				}
				rows := make([][]string, 0, len(l.Items))
				for _, p := range l.Items {
					rows = append(rows, []string{p.Name, p.Switch, apiScopeName(p.Scope), vlanString(p.VLAN), connectionString(p.Connection)})
				}
				return apiTable(c.out, []string{"NAME", "SWITCH", "SCOPE", "VLAN", "CONNECTION"}, rows)
			}, "")
		},
	}
}

func portShowCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "show NAME", Short: "Show a switch port", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return f.call(cmd, http.MethodGet, "/v1/switch-ports/"+apiSeg(a[0]), nil, showPort, "")
		},
	}
}

func portCreateCmd(f *clientFlags) *cobra.Command {
	var spec engine.PortSpec
	cmd := &cobra.Command{
		Use: "create NAME --switch SWITCH [--scope SCOPE] [--notes TEXT]", Short: "Create a switch port", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			if spec.Switch == "" {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--switch is required")}
			}
			spec.Name = a[0]
			return f.call(cmd, http.MethodPost, "/v1/switch-ports", spec, showPort, "")
		},
	}
	cmd.Flags().StringVar(&spec.Switch, "switch", "", "the virtual switch (required)")
	cmd.Flags().StringVar(&spec.Scope, "scope", "", "authorization scope (default: the default scope)")
	cmd.Flags().StringVar(&spec.Notes, "notes", "", "notes")
	return cmd
}

func portModifyCmd(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use: "modify NAME [--rename NEW] [--notes TEXT] [--scope SCOPE]", Short: "Modify a switch port", Args: args(cobra.ExactArgs(1)),
	}
	fill := renameNotesScope(cmd, true)
	cmd.RunE = func(cmd *cobra.Command, a []string) error {
		var u engine.PortUpdate
		if !fill(&u.Name, &u.Notes, &u.Scope) {
			return &usageError{cmd: cmd.CommandPath(), err: errAPINoChange}
		}
		return f.call(cmd, http.MethodPatch, "/v1/switch-ports/"+apiSeg(a[0]), u, showPort, "")
	}
	return cmd
}

func portDeleteCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "delete NAME", Short: "Delete a switch port", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return f.call(cmd, http.MethodDelete, "/v1/switch-ports/"+apiSeg(a[0]), nil, nil, fmt.Sprintf("deleted switch port %q", a[0]))
		},
	}
}

func portConnectCmd(f *clientFlags) *cobra.Command {
	var to engine.Connection
	cmd := &cobra.Command{
		Use:   "connect PORT (--vm VM --adapter ADAPTER | --internal-port NAME)",
		Short: "Connect a switch port to a VM network adapter or an internal Ethernet port",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			vmSide := to.VM != "" || to.Adapter != ""
			if vmSide == (to.InternalPort != "") || (vmSide && (to.VM == "" || to.Adapter == "")) {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("give either --vm and --adapter, or --internal-port")}
			}
			return f.call(cmd, http.MethodPost, "/v1/switch-ports/"+apiSeg(a[0])+"/connect", to, showPort, "")
		},
	}
	cmd.Flags().StringVar(&to.VM, "vm", "", "virtual machine")
	cmd.Flags().StringVar(&to.Adapter, "adapter", "", "network adapter of --vm")
	cmd.Flags().StringVar(&to.InternalPort, "internal-port", "", "internal Ethernet port")
	return cmd
}

func portDisconnectCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "disconnect PORT", Short: "Disconnect a switch port", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return f.call(cmd, http.MethodPost, "/v1/switch-ports/"+apiSeg(a[0])+"/disconnect", nil, showPort, "")
		},
	}
}

// vlan: the VLAN setting of switch ports.

func newVLANCmd(_ *cli) *cobra.Command {
	f := &clientFlags{}
	return apiNounCmd(f, "vlan", "View and change the VLAN settings of switch ports",
		"Show or set the access VLAN (1-4094, 0 for untagged) of a virtual switch port.",
		vlanShowCmd(f), vlanSetCmd(f))
}

func showVLAN(port string) func(c *apiClient, raw []byte) error {
	return func(c *apiClient, raw []byte) error {
		v, err := apiDecode[engine.VLAN](raw)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(c.out, "%s: access VLAN %s\n", port, vlanString(v))
		return err
	}
}

func vlanShowCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "show PORT", Short: "Show a switch port's VLAN setting", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return f.call(cmd, http.MethodGet, "/v1/switch-ports/"+apiSeg(a[0])+"/vlan", nil, showVLAN(a[0]), "")
		},
	}
}

func vlanSetCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "set PORT VLAN_ID", Short: "Set a switch port's access VLAN (1-4094; 0 for untagged)", Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			id, err := strconv.Atoi(a[1])
			if err != nil {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("VLAN ID %q: not an integer", a[1])}
			}
			return f.call(cmd, http.MethodPut, "/v1/switch-ports/"+apiSeg(a[0])+"/vlan", engine.VLAN{AccessVLANID: id}, showVLAN(a[0]), "")
		},
	}
}
