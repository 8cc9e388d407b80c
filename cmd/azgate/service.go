package main

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/azgate/azgate/client"
	"github.com/azgate/azgate/engine"
)

// service: the management service's configuration, through the server.

func newServiceCmd(_ *cli) *cobra.Command {
	f := &clientFlags{}
	return apiNounCmd(f, "service", "Read and reconfigure the management service on an azgate server",
		"Show or change the service configuration (default VM and disk paths, console\nbuffer size), and view the virtual switch management service.",
		serviceShowCmd(f), serviceSetCmd(f), serviceSwitchCmd(f))
}

func printService(w io.Writer, s engine.ServiceConfig) error {
	return apiFields(w, "Default VM path", apiOrDash(s.DefaultVMPath), "Default disk path", apiOrDash(s.DefaultDiskPath),
		"Console buffer", strconv.Itoa(s.ConsoleBufferBytes)+" bytes")
}

func serviceShowCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "show", Short: "Show the service configuration", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return callShow(cmd, f, (*client.Client).ServiceConfig, printService)
		},
	}
}

func serviceSetCmd(f *clientFlags) *cobra.Command {
	var (
		vmPath, diskPath string
		buf              int
	)
	cmd := &cobra.Command{
		Use: "set [--vm-path DIR] [--disk-path DIR] [--console-buffer BYTES]", Short: "Reconfigure the service", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var u engine.ServiceUpdate
			fl := cmd.Flags()
			changed := false
			if fl.Changed("vm-path") {
				u.DefaultVMPath, changed = &vmPath, true
			}
			if fl.Changed("disk-path") {
				u.DefaultDiskPath, changed = &diskPath, true
			}
			if fl.Changed("console-buffer") {
				u.ConsoleBufferBytes, changed = &buf, true
			}
			if !changed {
				return &usageError{cmd: cmd.CommandPath(), err: errAPINoChange}
			}
			return callShow(cmd, f, func(c *client.Client, ctx context.Context) (engine.ServiceConfig, error) {
				return c.SetServiceConfig(ctx, u)
			}, printService)
		},
	}
	cmd.Flags().StringVar(&vmPath, "vm-path", "", "default directory of virtual machines")
	cmd.Flags().StringVar(&diskPath, "disk-path", "", "default directory of virtual disks")
	cmd.Flags().IntVar(&buf, "console-buffer", 0, "console buffer size in bytes (1024-1048576)")
	return cmd
}

func serviceSwitchCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use: "switch-service", Short: "View the virtual switch management service", Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return callShow(cmd, f, (*client.Client).SwitchService, func(w io.Writer, s engine.SwitchService) error {
				return apiFields(w, "Name", s.Name, "Host", s.HostName, "Status", s.Status, "Started", s.Started.Format(time.RFC3339))
			})
		},
	}
}
