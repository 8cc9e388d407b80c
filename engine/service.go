package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/azgate/azgate/directory"
)

// GetServiceConfig returns the service configuration. Needs Read Service
// Configuration in the default scope.
func (e *Engine) GetServiceConfig(ctx context.Context, c directory.ClientContext) (ServiceConfig, error) {
	p, err := e.authorize(ctx, c, "GetServiceConfig")
	if err != nil {
		return ServiceConfig{}, err
	}
	var out ServiceConfig
	err = e.read(p, func(t txn) error {
		var err error
		out, err = t.serviceConfig(e.defaults)
		return err
	})
	return out, err
}

// SetServiceConfig changes the service configuration. Paths must be
// absolute; the console buffer must be 1024..1048576 bytes. Needs
// Reconfigure Service in the default scope.
func (e *Engine) SetServiceConfig(ctx context.Context, c directory.ClientContext, u ServiceUpdate) (ServiceConfig, error) {
	p, err := e.authorize(ctx, c, "SetServiceConfig")
	if err != nil {
		return ServiceConfig{}, err
	}
	var out ServiceConfig
	err = e.write(p, func(t txn) error {
		cfg, err := t.serviceConfig(e.defaults)
		if err != nil {
			return err
		}
		for _, f := range []struct {
			name string
			in   *string
			out  *string
		}{{"defaultVMPath", u.DefaultVMPath, &cfg.DefaultVMPath}, {"defaultDiskPath", u.DefaultDiskPath, &cfg.DefaultDiskPath}} {
			if f.in == nil {
				continue
			}
			if !filepath.IsAbs(*f.in) {
				return invalidf("service configuration %s %q is not an absolute path", f.name, *f.in)
			}
			*f.out = filepath.Clean(*f.in)
		}
		if u.ConsoleBufferBytes != nil {
			n := *u.ConsoleBufferBytes
			if n < minConsole || n > maxConsole {
				return invalidf("service configuration consoleBufferBytes %d out of range %d..%d", n, minConsole, maxConsole)
			}
			cfg.ConsoleBufferBytes = n
		}
		out = cfg
		return t.putServiceConfig(cfg)
	})
	if err != nil {
		return ServiceConfig{}, fmt.Errorf("reconfigure service: %w", err)
	}
	return out, nil
}

// GetSwitchService describes the virtual switch management service. Needs
// View Virtual Switch Management Service in the default scope.
func (e *Engine) GetSwitchService(ctx context.Context, c directory.ClientContext) (SwitchService, error) {
	if _, err := e.authorize(ctx, c, "GetSwitchService"); err != nil {
		return SwitchService{}, err
	}
	host, err := os.Hostname()
	if err != nil {
		host = ""
	}
	return SwitchService{Name: "Virtual Switch Management Service", HostName: host, Status: "OK", Started: e.started}, nil
}
