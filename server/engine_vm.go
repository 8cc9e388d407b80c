package server

import (
	"context"
	"net/http"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/engine"
)

// vmRoutes are the virtual machine routes.
func (s *Server) vmRoutes() []route {
	e := s.eng
	loc := under("/v1/vms/")
	return []route{
		engineRoute("ListVMs", "listVMs", http.MethodGet, "/v1/vms", tagVM, "List the virtual machines the caller may view", listCall(e.ListVMs)),
		engineRoute("CreateVM", "createVM", http.MethodPost, "/v1/vms", tagVM, "Create a virtual machine",
			createCall(e.CreateVM, func(v engine.VM) string { return loc(v.Name) })),
		engineRoute("GetVM", "getVM", http.MethodGet, "/v1/vms/{name}", tagVM, "View a virtual machine's configuration", nameCall(e.GetVM)),
		engineRoute("ReconfigureVM", "reconfigureVM", http.MethodPatch, "/v1/vms/{name}", tagVM, "Reconfigure a virtual machine", nameBodyCall(e.ReconfigureVM)),
		engineRoute("DeleteVM", "deleteVM", http.MethodDelete, "/v1/vms/{name}", tagVM, "Delete a virtual machine", deleteCall(e.DeleteVM)),
		engineRoute("StartVM", "startVM", http.MethodPost, "/v1/vms/{name}/start", tagVM, "Start a virtual machine", nameCall(e.StartVM)),
		engineRoute("StopVM", "stopVM", http.MethodPost, "/v1/vms/{name}/stop", tagVM, "Turn a virtual machine off", nameCall(e.StopVM)),
		engineRoute("SaveVM", "saveVM", http.MethodPost, "/v1/vms/{name}/save", tagVM, "Save a virtual machine's state", nameCall(e.SaveVM)),
		engineRoute("PauseVM", "pauseVM", http.MethodPost, "/v1/vms/{name}/pause", tagVM, "Pause a running virtual machine", nameCall(e.PauseVM)),
		engineRoute("ResumeVM", "resumeVM", http.MethodPost, "/v1/vms/{name}/resume", tagVM, "Resume a paused virtual machine", nameCall(e.ResumeVM)),
		engineRoute("ReadConsole", "readConsole", http.MethodGet, "/v1/vms/{name}/console", tagVM, "Read what the console shows", nameCall(e.ReadConsole)),
		engineRoute("SendConsoleInput", "sendConsoleInput", http.MethodPost, "/v1/vms/{name}/console", tagVM, "Type text on the console",
			engineCall{body: api.ConsoleInput{}, status: http.StatusNoContent, h: asCaller(func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error {
				var in api.ConsoleInput
				if err := decodeBody(r, &in); err != nil {
					return err
				}
				return reply(w, http.StatusNoContent, nil, e.SendConsoleInput(r.Context(), c, pathVar(r, "name"), in.Text))
			})}),
		engineRoute("SetVMScope", "setVMScope", http.MethodPut, "/v1/vms/{name}/scope", tagVM, "Move a virtual machine to another authorization scope",
			nameBodyCall(func(ctx context.Context, c directory.ClientContext, name string, in api.ScopeChange) (engine.VM, error) {
				return e.SetVMScope(ctx, c, name, in.Scope)
			})),
		engineRoute("ListSnapshots", "listSnapshots", http.MethodGet, "/v1/vms/{name}/snapshots", tagVM, "List a virtual machine's snapshots",
			engineCall{resp: api.Listing[engine.Snapshot]{}, h: asCaller(func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error {
				out, err := e.ListSnapshots(r.Context(), c, pathVar(r, "name"))
				return reply(w, http.StatusOK, list(out), err)
			})}),
		engineRoute("CreateSnapshot", "createSnapshot", http.MethodPost, "/v1/vms/{name}/snapshots", tagVM, "Take a snapshot",
			nameBodyStatus(http.StatusCreated, func(ctx context.Context, c directory.ClientContext, vm string, in api.SnapshotSpec) (engine.Snapshot, error) {
				return e.CreateSnapshot(ctx, c, vm, in.Name)
			})),
		engineRoute("ApplySnapshot", "applySnapshot", http.MethodPost, "/v1/vms/{name}/snapshots/{snapshot}/apply", tagVM, "Apply a snapshot",
			engineCall{resp: engine.VM{}, h: asCaller(func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error {
				out, err := e.ApplySnapshot(r.Context(), c, pathVar(r, "name"), pathVar(r, "snapshot"))
				return reply(w, http.StatusOK, out, err)
			})}),
		engineRoute("DeleteSnapshot", "deleteSnapshot", http.MethodDelete, "/v1/vms/{name}/snapshots/{snapshot}", tagVM, "Delete a snapshot",
			engineCall{status: http.StatusNoContent, h: asCaller(func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error {
				return reply(w, http.StatusNoContent, nil, e.DeleteSnapshot(r.Context(), c, pathVar(r, "name"), pathVar(r, "snapshot")))
			})}),
	}
}
