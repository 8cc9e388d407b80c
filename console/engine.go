package console

import (
	"context"
	"fmt"
	"net/http"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/engine"
	"github.com/azgate/azgate/operations"
)

// action is a button of the engine page: allowed, or disabled naming the
// operation the caller lacks (as the engine's gate table says; the engine
// decides again when it is pressed).
type action struct {
	Kind, Name string // the object
	Method     string // the engine method, also the form's action
	Label      string
	Allowed    bool
	Operation  string // the operation it needs
	Scope      string // where the caller lacks it
}

type vmRow struct {
	engine.VM
	Actions []action
}

type switchRow struct {
	engine.Switch
	Actions []action
}

type portRow struct {
	engine.Port
	Actions []action
}

type engineData struct {
	VMs      []vmRow
	Switches []switchRow
	Ports    []portRow
	Errors   []string
}

// vmActions are the VM buttons, by state.
func vmActions(st engine.VMState) [][2]string {
	var out [][2]string
	switch st {
	case engine.Off, engine.Saved:
		out = append(out, [2]string{"StartVM", "Start"})
	case engine.Running:
		out = append(out, [2]string{"StopVM", "Turn off"}, [2]string{"SaveVM", "Save"}, [2]string{"PauseVM", "Pause"})
	case engine.Paused:
		out = append(out, [2]string{"ResumeVM", "Resume"}, [2]string{"StopVM", "Turn off"})
	}
	return append(out, [2]string{"DeleteVM", "Delete"})
}

// gated decides method's operation for client in each of scopes.
func (c *Console) gated(ctx context.Context, client directory.ClientContext, kind, name, method, label string, scopes ...string) action {
	a := action{Kind: kind, Name: name, Method: method, Label: label}
	id, ok := engine.ActionOperation(method)
	if !ok {
		return a
	}
	snap := c.b.Live().Current()
	op, _ := snap.Checker.Operation(id)
	a.Operation = op.Name
	a.Allowed = true
	for _, sc := range scopes {
		rs, err := snap.Checker.AccessCheck(ctx, client, sc, []operations.ID{id}, nil)
		if err != nil || len(rs) != 1 || !rs[0].Allowed || rs[0].Err != nil {
			a.Allowed, a.Scope = false, sc
			break
		}
	}
	return a
}

// enginePage lists the VMs, switches and ports the caller may view, each
// with its state, scope and actions.
func (c *Console) enginePage(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx, e := r.Context(), c.b.Engine()
	var d engineData
	fail := func(what string, err error) {
		_, msg := publicMessage(err)
		d.Errors = append(d.Errors, what+": "+msg)
	}
	vms, err := e.ListVMs(ctx, s.client)
	if err != nil {
		fail("virtual machines", err)
	}
	for _, v := range vms {
		row := vmRow{VM: v}
		for _, a := range vmActions(v.State) {
			row.Actions = append(row.Actions, c.gated(ctx, s.client, "vm", v.Name, a[0], a[1], v.Scope))
		}
		d.VMs = append(d.VMs, row)
	}
	sws, err := e.ListSwitches(ctx, s.client)
	if err != nil {
		fail("virtual switches", err)
	}
	swScope := map[string]string{}
	for _, sw := range sws {
		swScope[sw.Name] = sw.Scope
		d.Switches = append(d.Switches, switchRow{Switch: sw,
			Actions: []action{c.gated(ctx, s.client, "switch", sw.Name, "DeleteSwitch", "Delete", sw.Scope)}})
	}
	ports, err := e.ListPorts(ctx, s.client)
	if err != nil {
		fail("switch ports", err)
	}
	for _, p := range ports {
		scopes := []string{p.Scope}
		if sc, ok := swScope[p.Switch]; ok {
			scopes = append(scopes, sc)
		}
		row := portRow{Port: p}
		if p.Connection != nil {
			row.Actions = append(row.Actions, c.gated(ctx, s.client, "port", p.Name, "DisconnectPort", "Disconnect", scopes...))
		}
		row.Actions = append(row.Actions, c.gated(ctx, s.client, "port", p.Name, "DeletePort", "Delete", scopes...))
		d.Ports = append(d.Ports, row)
	}
	return c.render(w, r, c.view(r, s, "Virtualization", "engine", d), "engine")
}

// enginePost runs an action with the caller's identity: the engine's gate
// decides, whatever the page showed.
func (c *Console) enginePost(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx, e, cl := r.Context(), c.b.Engine(), s.client
	name, method := r.PostFormValue("name"), r.PostFormValue("action")
	vmCalls := map[string]func(context.Context, directory.ClientContext, string) (engine.VM, error){
		"StartVM": e.StartVM, "StopVM": e.StopVM, "SaveVM": e.SaveVM, "PauseVM": e.PauseVM, "ResumeVM": e.ResumeVM,
	}
	var err error
	switch {
	case vmCalls[method] != nil:
		_, err = vmCalls[method](ctx, cl, name)
	case method == "DeleteVM":
		err = e.DeleteVM(ctx, cl, name)
	case method == "DeleteSwitch":
		err = e.DeleteSwitch(ctx, cl, name)
	case method == "DeletePort":
		err = e.DeletePort(ctx, cl, name)
	case method == "DisconnectPort":
		_, err = e.DisconnectPort(ctx, cl, name)
	default:
		return &userError{fmt.Sprintf("unknown action %q", method)}
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, link("engine", "flash", fmt.Sprintf("%s %s: done.", method, name)), http.StatusSeeOther)
	return nil
}
