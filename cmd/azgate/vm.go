package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/client"
	"github.com/azgate/azgate/engine"
)

// vm: virtual machines of the engine, through the server.

func newVMCmd(_ *cli) *cobra.Command {
	f := &clientFlags{}
	return apiNounCmd(f, "vm", "Manage virtual machines on an azgate server",
		"Create, inspect, run and delete the virtual machines of the management\nengine. The server decides every call; a list shows only what you may view.",
		vmListCmd(f), vmShowCmd(f), vmCreateCmd(f), vmReconfigureCmd(f), vmDeleteCmd(f),
		vmActionCmd(f, "start", "Start a virtual machine"),
		vmActionCmd(f, "stop", "Turn a virtual machine off"),
		vmActionCmd(f, "save", "Save a virtual machine's state"),
		vmActionCmd(f, "pause", "Pause a running virtual machine"),
		vmActionCmd(f, "resume", "Resume a paused virtual machine"),
		apiGroup("console", "Use a virtual machine's console", vmConsoleSendCmd(f), vmConsoleShowCmd(f)),
		apiGroup("snapshot", "Manage a virtual machine's snapshots",
			snapshotCreateCmd(f), snapshotListCmd(f), snapshotApplyCmd(f), snapshotDeleteCmd(f)),
		apiGroup("scope", "Move a virtual machine between authorization scopes", vmScopeSetCmd(f)),
	)
}

func vmListCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List the virtual machines you may view", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return callList(cmd, f, (*client.Client).VMs, func(w io.Writer, vms []engine.VM) error {
				rows := make([][]string, 0, len(vms))
				for _, v := range vms {
					rows = append(rows, []string{v.Name, vmStateName(v), apiScopeName(v.Scope),
						strconv.Itoa(v.MemoryMB), strconv.Itoa(v.Processors), strconv.Itoa(len(v.NetworkAdapters))})
				}
				return apiTable(w, []string{"NAME", "STATE", "SCOPE", "MEMORY_MB", "CPUS", "ADAPTERS"}, rows)
			})
		},
	}
}

func vmStateName(v engine.VM) string {
	if v.StateName != "" {
		return v.StateName
	}
	return v.State.String()
}

func printVM(w io.Writer, v engine.VM) error {
	adapters := make([]string, 0, len(v.NetworkAdapters))
	for _, a := range v.NetworkAdapters {
		adapters = append(adapters, a.Name+" ("+a.MAC+")")
	}
	return apiFields(w,
		"Name", v.Name,
		"State", fmt.Sprintf("%s (%d)", vmStateName(v), int(v.State)),
		"Scope", apiScopeName(v.Scope),
		"Memory", fmt.Sprintf("%d MB", v.MemoryMB),
		"Processors", strconv.Itoa(v.Processors),
		"Adapters", apiOrDash(strings.Join(adapters, ", ")),
		"Notes", apiOrDash(v.Notes),
		"ID", v.ID,
		"Created", v.Created.Format(time.RFC3339),
		"Modified", v.Modified.Format(time.RFC3339))
}

func vmShowCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "show NAME", Short: "Show a virtual machine's configuration and state", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.VM, error) { return c.VM(ctx, a[0]) }, printVM)
		},
	}
}

func vmCreateCmd(f *clientFlags) *cobra.Command {
	spec := engine.VMSpec{}
	cmd := &cobra.Command{
		Use:   "create NAME [--memory MB] [--processors N] [--scope SCOPE] [--adapter NAME]... [--notes TEXT]",
		Short: "Create a virtual machine", Args: args(cobra.ExactArgs(1)),
		Example: "  azgate vm create web01 --memory 2048 --processors 2 --adapter eth0\n  azgate vm create lab01 --scope Lab",
		RunE: func(cmd *cobra.Command, a []string) error {
			spec.Name = a[0]
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.VM, error) { return c.CreateVM(ctx, spec) }, printVM)
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&spec.MemoryMB, "memory", 512, "memory in MB")
	fs.IntVar(&spec.Processors, "processors", 1, "virtual processors")
	fs.StringVar(&spec.Scope, "scope", "", "authorization scope (default: the default scope)")
	fs.StringVar(&spec.Notes, "notes", "", "notes")
	fs.StringArrayVar(&spec.NetworkAdapters, "adapter", nil, "network adapter name (repeatable)")
	return cmd
}

func vmReconfigureCmd(f *clientFlags) *cobra.Command {
	var (
		name, notes         string
		memory, processors  int
		adapters            []string
		noAdapters, changed bool
	)
	cmd := &cobra.Command{
		Use:   "reconfigure NAME [--rename NEW] [--memory MB] [--processors N] [--notes TEXT] [--adapter NAME]... [--no-adapters]",
		Short: "Change a virtual machine's settings (memory, processors and adapters only while Off)",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			var u engine.VMUpdate
			fl := cmd.Flags()
			if fl.Changed("rename") {
				u.Name, changed = &name, true
			}
			if fl.Changed("memory") {
				u.MemoryMB, changed = &memory, true
			}
			if fl.Changed("processors") {
				u.Processors, changed = &processors, true
			}
			if fl.Changed("notes") {
				u.Notes, changed = &notes, true
			}
			if fl.Changed("adapter") || noAdapters {
				if adapters == nil {
					adapters = []string{}
				}
				u.NetworkAdapters, changed = &adapters, true
			}
			if !changed {
				return &usageError{cmd: cmd.CommandPath(), err: errAPINoChange}
			}
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.VM, error) { return c.ReconfigureVM(ctx, a[0], u) }, printVM)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&name, "rename", "", "new name")
	fs.IntVar(&memory, "memory", 0, "memory in MB")
	fs.IntVar(&processors, "processors", 0, "virtual processors")
	fs.StringVar(&notes, "notes", "", "notes")
	fs.StringArrayVar(&adapters, "adapter", nil, "the complete new list of network adapters (repeatable)")
	fs.BoolVar(&noAdapters, "no-adapters", false, "remove every network adapter")
	return cmd
}

func vmDeleteCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "delete NAME", Short: "Delete a virtual machine", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callDone(cmd, f, func(c *client.Client, ctx context.Context) error { return c.DeleteVM(ctx, a[0]) },
				fmt.Sprintf("deleted virtual machine %q", a[0]))
		},
	}
}

// vmActionCmd is start, stop, save, pause or resume (client.VMStart …),
// printing the new state.
func vmActionCmd(f *clientFlags, action, short string) *cobra.Command {
	return &cobra.Command{
		Use: action + " NAME", Short: short, Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.VM, error) {
				return c.ChangeVMState(ctx, a[0], action)
			}, func(w io.Writer, v engine.VM) error {
				_, err := fmt.Fprintf(w, "%s: %s\n", v.Name, vmStateName(v))
				return err
			})
		},
	}
}

func vmConsoleSendCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "send NAME TEXT...", Short: "Type text on a virtual machine's console", Args: args(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			text := strings.Join(a[1:], " ")
			return callDone(cmd, f, func(c *client.Client, ctx context.Context) error { return c.SendConsoleInput(ctx, a[0], text) }, "")
		},
	}
}

func vmConsoleShowCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "show NAME", Short: "Print what a virtual machine's console shows", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.Console, error) {
				return c.Console(ctx, a[0])
			}, func(w io.Writer, out engine.Console) error {
				if _, err := io.WriteString(w, out.Output); err != nil {
					return err
				}
				if out.Output != "" && !strings.HasSuffix(out.Output, "\n") {
					_, err := io.WriteString(w, "\n")
					return err
				}
				return nil
			})
		},
	}
}

func snapshotCreateCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "create VM SNAPSHOT", Short: "Take a snapshot of a virtual machine", Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.Snapshot, error) {
				return c.CreateSnapshot(ctx, a[0], a[1])
			}, func(w io.Writer, s engine.Snapshot) error {
				_, err := fmt.Fprintf(w, "created snapshot %q of %q (%s)\n", s.Name, s.VM, s.State)
				return err
			})
		},
	}
}

func snapshotListCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "list VM", Short: "List a virtual machine's snapshots", Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callList(cmd, f, func(c *client.Client, ctx context.Context) ([]engine.Snapshot, error) {
				return c.Snapshots(ctx, a[0])
			}, func(w io.Writer, snaps []engine.Snapshot) error {
				rows := make([][]string, 0, len(snaps))
				for _, s := range snaps {
					rows = append(rows, []string{s.Name, s.State.String(), strconv.Itoa(s.MemoryMB), strconv.Itoa(s.Processors),
						s.Created.Format(time.RFC3339)})
				}
				return apiTable(w, []string{"NAME", "STATE", "MEMORY_MB", "CPUS", "CREATED"}, rows)
			})
		},
	}
}

func snapshotApplyCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "apply VM SNAPSHOT", Short: "Return a virtual machine to a snapshot", Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.VM, error) {
				return c.ApplySnapshot(ctx, a[0], a[1])
			}, printVM)
		},
	}
}

func snapshotDeleteCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "delete VM SNAPSHOT", Short: "Delete a snapshot", Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callDone(cmd, f, func(c *client.Client, ctx context.Context) error { return c.DeleteSnapshot(ctx, a[0], a[1]) },
				fmt.Sprintf("deleted snapshot %q of %q", a[1], a[0]))
		},
	}
}

func vmScopeSetCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "set VM SCOPE",
		Short: `Move a virtual machine to another scope ("" for the default scope)`,
		Long: `Move a virtual machine to another authorization scope (its ScopeOfResidence).
It needs "Change Virtual Machine Authorization Scope" in both the current and
the new scope. An empty SCOPE ("") moves it to the default scope.`,
		Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.VM, error) {
				return c.SetVMScope(ctx, a[0], a[1])
			}, func(w io.Writer, v engine.VM) error {
				_, err := fmt.Fprintf(w, "%s: scope %s\n", v.Name, apiScopeName(v.Scope))
				return err
			})
		},
	}
}
