package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/client"
	"github.com/azgate/azgate/engine"
)

// ethernet: internal (host) Ethernet ports and the host's external ports,
// through the server.

func newEthernetCmd(_ *cli) *cobra.Command {
	f := &clientFlags{}
	return apiNounCmd(f, "ethernet", "Manage internal and external Ethernet ports on an azgate server",
		"Internal Ethernet ports are the host's virtual NICs (create, modify, delete);\nexternal ports are its real interfaces (list, bind to or unbind from a switch).",
		apiGroup("internal", "Manage internal Ethernet ports",
			internalListCmd(f), internalCreateCmd(f), internalModifyCmd(f), internalDeleteCmd(f)),
		apiGroup("external", "List, bind and unbind the host's external Ethernet ports",
			externalListCmd(f), switchBindCmd(f, "bind"), switchUnbindCmd(f, "unbind")),
	)
}

func printInternal(w io.Writer, p engine.InternalPort) error {
	return apiFields(w, "Name", p.Name, "MAC", p.MAC, "Notes", apiOrDash(p.Notes), "ID", p.ID)
}

func internalListCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List internal Ethernet ports", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return callList(cmd, f, (*client.Client).InternalPorts, func(w io.Writer, ports []engine.InternalPort) error {
				rows := make([][]string, 0, len(ports))
				for _, p := range ports {
					rows = append(rows, []string{p.Name, p.MAC, apiOrDash(p.Notes)})
				}
				return apiTable(w, []string{"NAME", "MAC", "NOTES"}, rows)
			})
		},
	}
}

func internalCreateCmd(f *clientFlags) *cobra.Command {
	var spec engine.InternalPortSpec
	cmd := &cobra.Command{
		Use: "create NAME [--notes TEXT]", Short: "Create an internal Ethernet port", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			spec.Name = a[0]
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.InternalPort, error) {
				return c.CreateInternalPort(ctx, spec)
			}, printInternal)
		},
	}
	cmd.Flags().StringVar(&spec.Notes, "notes", "", "notes")
	return cmd
}

func internalModifyCmd(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use: "modify NAME [--rename NEW] [--notes TEXT]", Short: "Modify an internal Ethernet port", Args: args(cobra.ExactArgs(1)),
	}
	fill := renameNotesScope(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, a []string) error {
		var u engine.InternalPortUpdate
		var unused *string
		if !fill(&u.Name, &u.Notes, &unused) {
			return &usageError{cmd: cmd.CommandPath(), err: errAPINoChange}
		}
		return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.InternalPort, error) {
			return c.ModifyInternalPort(ctx, a[0], u)
		}, printInternal)
	}
	return cmd
}

func internalDeleteCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "delete NAME", Short: "Delete an internal Ethernet port", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callDone(cmd, f, func(c *client.Client, ctx context.Context) error { return c.DeleteInternalPort(ctx, a[0]) },
				fmt.Sprintf("deleted internal Ethernet port %q", a[0]))
		},
	}
}

func externalListCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List the host's external Ethernet ports", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return callList(cmd, f, (*client.Client).ExternalPorts, func(w io.Writer, ports []engine.ExternalPort) error {
				rows := make([][]string, 0, len(ports))
				for _, p := range ports {
					state := "down"
					if p.Up {
						state = "up"
					}
					bound := "-"
					if p.Bound {
						bound = "yes"
					}
					rows = append(rows, []string{p.Name, apiOrDash(p.MAC), strconv.Itoa(p.MTU), state, bound,
						apiOrDash(strings.Join(p.Addrs, ","))})
				}
				return apiTable(w, []string{"NAME", "MAC", "MTU", "STATE", "BOUND", "ADDRESSES"}, rows)
			})
		},
	}
}
