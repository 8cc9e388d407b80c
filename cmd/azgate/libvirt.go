package main

import (
	"context"
	"log/slog"

	"github.com/azgate/azgate/engine"
)

// libvirtOpener returns the constructor of the libvirt engine backend that
// `serve --engine URI|SOCKET` uses, or nil when this build has none (serve
// then refuses a libvirt --engine with "libvirt backend not built").
func libvirtOpener() func(ctx context.Context, target, dataDir string, log *slog.Logger) (engine.Backend, error) {
	return nil
}
