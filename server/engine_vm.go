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
		engineRoute("ListVMs", "listVMs", tagVM, "List the virtual machines the caller may view", listCall(e.ListVMs)),
		engineRoute("CreateVM", "createVM", tagVM, "Create a virtual machine",
			createCall(e.CreateVM, func(v engine.VM) string { return loc(v.Name) })),
		engineRoute("GetVM", "getVM", tagVM, "View a virtual machine's configuration", nameCall(e.GetVM)),
		engineRoute("ReconfigureVM", "reconfigureVM", tagVM, "Reconfigure a virtual machine", nameBodyCall(e.ReconfigureVM)),
		engineRoute("DeleteVM", "deleteVM", tagVM, "Delete a virtual machine", deleteCall(e.DeleteVM)),
		engineRoute("StartVM", "startVM", tagVM, "Start a virtual machine", nameCall(e.StartVM)),
		engineRoute("StopVM", "stopVM", tagVM, "Turn a virtual machine off", nameCall(e.StopVM)),
		engineRoute("SaveVM", "saveVM", tagVM, "Save a virtual machine's state", nameCall(e.SaveVM)),
		engineRoute("PauseVM", "pauseVM", tagVM, "Pause a running virtual machine", nameCall(e.PauseVM)),
		engineRoute("ResumeVM", "resumeVM", tagVM, "Resume a paused virtual machine", nameCall(e.ResumeVM)),
		engineRoute("ReadConsole", "readConsole", tagVM, "Read what the console shows", nameCall(e.ReadConsole)),
		engineRoute("SendConsoleInput", "sendConsoleInput", tagVM, "Type text on the console",
			engineCall{body: api.ConsoleInput{}, status: http.StatusNoContent, h: asCaller(func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error {
				var in api.ConsoleInput
				if err := decodeBody(r, &in); err != nil {
					return err
				}
				return reply(w, http.StatusNoContent, nil, e.SendConsoleInput(r.Context(), c, pathVar(r, "name"), in.Text))
			})}),
		engineRoute("SetVMScope", "setVMScope", tagVM, "Move a virtual machine to another authorization scope",
			nameBodyCall(func(ctx context.Context, c directory.ClientContext, name string, in api.ScopeChange) (engine.VM, error) {
				return e.SetVMScope(ctx, c, name, in.Scope)
			})),
		engineRoute("ListSnapshots", "listSnapshots", tagVM, "List a virtual machine's snapshots",
			engineCall{resp: api.Listing[engine.Snapshot]{}, h: asCaller(func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error {
				out, err := e.ListSnapshots(r.Context(), c, pathVar(r, "name"))
				return reply(w, http.StatusOK, list(out), err)
			})}),
		engineRoute("CreateSnapshot", "createSnapshot", tagVM, "Take a snapshot",
			nameBodyStatus(http.StatusCreated, func(ctx context.Context, c directory.ClientContext, vm string, in api.SnapshotSpec) (engine.Snapshot, error) {
				return e.CreateSnapshot(ctx, c, vm, in.Name)
			})),
		engineRoute("ApplySnapshot", "applySnapshot", tagVM, "Apply a snapshot",
			engineCall{resp: engine.VM{}, h: asCaller(func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error {
				out, err := e.ApplySnapshot(r.Context(), c, pathVar(r, "name"), pathVar(r, "snapshot"))
				return reply(w, http.StatusOK, out, err)
			})}),
		engineRoute("DeleteSnapshot", "deleteSnapshot", tagVM, "Delete a snapshot",
			engineCall{status: http.StatusNoContent, h: asCaller(func(w http.ResponseWriter, r *http.Request, c directory.ClientContext) error {
				return reply(w, http.StatusNoContent, nil, e.DeleteSnapshot(r.Context(), c, pathVar(r, "name"), pathVar(r, "snapshot")))
			})}),
	}
}
