package main

import (
	"context"
	"log/slog"

	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/engine/libvirt"
)

// libvirtOpener returns the constructor of the libvirt engine backend that
// `serve --engine URI|SOCKET` uses: engine/libvirt on libvirtd's local
// socket, its host-level records in the data directory.
func libvirtOpener() func(ctx context.Context, target, dataDir string, log *slog.Logger) (engine.Backend, error) {
	return func(ctx context.Context, target, dataDir string, log *slog.Logger) (engine.Backend, error) {
		b, err := libvirt.Open(ctx, libvirt.Config{URI: target, Dir: dataDir, Logger: log})
		if err != nil {
			return nil, err
		}
		return b, nil
	}
}
