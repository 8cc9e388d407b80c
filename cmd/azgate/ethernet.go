package main

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

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

func showInternal(c *apiClient, raw []byte) error {
	p, err := apiDecode[engine.InternalPort](raw)
	if err != nil {
		return err
	}
	return apiFields(c.out, "Name", p.Name, "MAC", p.MAC, "Notes", apiOrDash(p.Notes), "ID", p.ID)
}

func internalListCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List internal Ethernet ports", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.call(cmd, http.MethodGet, "/v1/internal-ports", nil, func(c *apiClient, raw []byte) error {
				l, err := apiDecode[apiListing[engine.InternalPort]](raw)
				if err != nil {
					return err
				}
				rows := make([][]string, 0, len(l.Items))
				for _, p := range l.Items {
					rows = append(rows, []string{p.Name, p.MAC, apiOrDash(p.Notes)})
				}
				return apiTable(c.out, []string{"NAME", "MAC", "NOTES"}, rows)
			}, "")
		},
	}
}

func internalCreateCmd(f *clientFlags) *cobra.Command {
	var spec engine.InternalPortSpec
	cmd := &cobra.Command{
		Use: "create NAME [--notes TEXT]", Short: "Create an internal Ethernet port", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			spec.Name = a[0]
			return f.call(cmd, http.MethodPost, "/v1/internal-ports", spec, showInternal, "")
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
		return f.call(cmd, http.MethodPatch, "/v1/internal-ports/"+apiSeg(a[0]), u, showInternal, "")
	}
	return cmd
}

func internalDeleteCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "delete NAME", Short: "Delete an internal Ethernet port", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return f.call(cmd, http.MethodDelete, "/v1/internal-ports/"+apiSeg(a[0]), nil, nil, fmt.Sprintf("deleted internal Ethernet port %q", a[0]))
		},
	}
}

func externalListCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List the host's external Ethernet ports", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.call(cmd, http.MethodGet, "/v1/external-ports", nil, func(c *apiClient, raw []byte) error {
				l, err := apiDecode[apiListing[engine.ExternalPort]](raw)
				if err != nil {
					return err
				}
				rows := make([][]string, 0, len(l.Items))
				for _, p := range l.Items {
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
				return apiTable(c.out, []string{"NAME", "MAC", "MTU", "STATE", "BOUND", "ADDRESSES"}, rows)
			}, "")
		},
	}
}
