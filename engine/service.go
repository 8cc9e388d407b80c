package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/azgate/azgate/directory"
)

// GetServiceConfig returns the service configuration and the hypervisor's
// facts (Host, read-only). Needs Read Service Configuration in the default
// scope.
func (e *Engine) GetServiceConfig(ctx context.Context, c directory.ClientContext) (ServiceConfig, error) {
	p, err := e.authorize(ctx, c, "GetServiceConfig")
	if err != nil {
		return ServiceConfig{}, err
	}
	b, err := e.view(ctx, p).kindWide(kindService, readOnly)
	if err != nil {
		return ServiceConfig{}, err
	}
	return b.ServiceConfig(ctx)
}

// SetServiceConfig changes the service configuration. Paths must be
// absolute; the console buffer must be 1024..1048576 bytes. Needs
// Reconfigure Service in the default scope.
func (e *Engine) SetServiceConfig(ctx context.Context, c directory.ClientContext, u ServiceUpdate) (ServiceConfig, error) {
	p, err := e.authorize(ctx, c, "SetServiceConfig")
	if err != nil {
		return ServiceConfig{}, err
	}
	for _, f := range []struct {
		name string
		in   *string
	}{{"defaultVMPath", u.DefaultVMPath}, {"defaultDiskPath", u.DefaultDiskPath}} {
		if f.in == nil {
			continue
		}
		if !filepath.IsAbs(*f.in) {
			return ServiceConfig{}, fmt.Errorf("reconfigure service: %w", invalidf("service configuration %s %q is not an absolute path", f.name, *f.in))
		}
		clean := filepath.Clean(*f.in)
		*f.in = clean
	}
	if u.ConsoleBufferBytes != nil {
		n := *u.ConsoleBufferBytes
		if n < minConsole || n > maxConsole {
			return ServiceConfig{}, fmt.Errorf("reconfigure service: %w", invalidf("service configuration consoleBufferBytes %d out of range %d..%d", n, minConsole, maxConsole))
		}
	}
	b, err := e.view(ctx, p).kindWide(kindService, readWrite)
	if err != nil {
		return ServiceConfig{}, err
	}
	out, err := b.SetServiceConfig(ctx, u)
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
