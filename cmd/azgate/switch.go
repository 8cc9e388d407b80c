package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/client"
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

func printSwitch(w io.Writer, s engine.Switch) error {
	return apiFields(w, "Name", s.Name, "Scope", apiScopeName(s.Scope), "External", apiOrDash(s.External),
		"Notes", apiOrDash(s.Notes), "ID", s.ID, "Created", s.Created.Format("2006-01-02T15:04:05Z07:00"))
}

func switchListCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List the virtual switches you may view", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return callList(cmd, f, (*client.Client).Switches, func(w io.Writer, sws []engine.Switch) error {
				return apiTable(w, []string{"NAME", "SCOPE", "EXTERNAL", "NOTES"}, switchRows(sws))
			})
		},
	}
}

func switchShowCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "show NAME", Short: "Show a virtual switch", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.Switch, error) { return c.Switch(ctx, a[0]) }, printSwitch)
		},
	}
}

func switchCreateCmd(f *clientFlags) *cobra.Command {
	var spec engine.SwitchSpec
	cmd := &cobra.Command{
		Use: "create NAME [--scope SCOPE] [--notes TEXT]", Short: "Create a virtual switch", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			spec.Name = a[0]
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.Switch, error) { return c.CreateSwitch(ctx, spec) }, printSwitch)
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
		return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.Switch, error) {
			return c.ModifySwitch(ctx, a[0], u)
		}, printSwitch)
	}
	return cmd
}

func switchDeleteCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "delete NAME", Short: "Delete a virtual switch", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callDone(cmd, f, func(c *client.Client, ctx context.Context) error { return c.DeleteSwitch(ctx, a[0]) },
				fmt.Sprintf("deleted virtual switch %q", a[0]))
		},
	}
}

// switchBindCmd binds a host interface to a switch (also `ethernet external bind`).
func switchBindCmd(f *clientFlags, use string) *cobra.Command {
	return &cobra.Command{
		Use: use + " SWITCH INTERFACE", Short: "Bind a host interface (external Ethernet port) to a virtual switch",
		Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.Switch, error) {
				return c.BindExternal(ctx, a[0], a[1])
			}, printSwitch)
		},
	}
}

func switchUnbindCmd(f *clientFlags, use string) *cobra.Command {
	return &cobra.Command{
		Use: use + " SWITCH", Short: "Unbind the external Ethernet port of a virtual switch", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.Switch, error) { return c.UnbindExternal(ctx, a[0]) }, printSwitch)
		},
	}
}

func endpointsCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "endpoints", Short: "List the LAN endpoints you may view", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return callList(cmd, f, (*client.Client).LANEndpoints, func(w io.Writer, eps []engine.LANEndpoint) error {
				rows := make([][]string, 0, len(eps))
				for _, e := range eps {
					target := e.Target
					if e.Hidden {
						target = hiddenTarget
					}
					rows = append(rows, []string{e.Switch, apiOrDash(e.Port), e.Kind, target, apiOrDash(e.MAC), apiScopeName(e.Scope)})
				}
				return apiTable(w, []string{"SWITCH", "PORT", "KIND", "TARGET", "MAC", "SCOPE"}, rows)
			})
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

func printPort(w io.Writer, p engine.Port) error {
	return apiFields(w, "Name", p.Name, "Switch", p.Switch, "Scope", apiScopeName(p.Scope), "VLAN", vlanString(p.VLAN),
		"Connection", connectionString(p.Connection), "Notes", apiOrDash(p.Notes), "ID", p.ID,
		"Created", p.Created.Format("2006-01-02T15:04:05Z07:00"))
}

func portListCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List the switch ports you may view", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return callList(cmd, f, (*client.Client).Ports, func(w io.Writer, ports []engine.Port) error {
				rows := make([][]string, 0, len(ports))
				for _, p := range ports {
					rows = append(rows, []string{p.Name, p.Switch, apiScopeName(p.Scope), vlanString(p.VLAN), connectionString(p.Connection)})
				}
				return apiTable(w, []string{"NAME", "SWITCH", "SCOPE", "VLAN", "CONNECTION"}, rows)
			})
		},
	}
}

func portShowCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "show NAME", Short: "Show a switch port", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.Port, error) { return c.Port(ctx, a[0]) }, printPort)
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
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.Port, error) { return c.CreatePort(ctx, spec) }, printPort)
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
		return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.Port, error) { return c.ModifyPort(ctx, a[0], u) }, printPort)
	}
	return cmd
}

func portDeleteCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "delete NAME", Short: "Delete a switch port", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callDone(cmd, f, func(c *client.Client, ctx context.Context) error { return c.DeletePort(ctx, a[0]) },
				fmt.Sprintf("deleted switch port %q", a[0]))
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
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.Port, error) { return c.ConnectPort(ctx, a[0], to) }, printPort)
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
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.Port, error) { return c.DisconnectPort(ctx, a[0]) }, printPort)
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

func printVLAN(port string) func(w io.Writer, v engine.VLAN) error {
	return func(w io.Writer, v engine.VLAN) error {
		_, err := fmt.Fprintf(w, "%s: access VLAN %s\n", port, vlanString(v))
		return err
	}
}

func vlanShowCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "show PORT", Short: "Show a switch port's VLAN setting", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.VLAN, error) { return c.PortVLAN(ctx, a[0]) }, printVLAN(a[0]))
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
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.VLAN, error) {
				return c.SetPortVLAN(ctx, a[0], engine.VLAN{AccessVLANID: id})
			}, printVLAN(a[0]))
		},
	}
}
