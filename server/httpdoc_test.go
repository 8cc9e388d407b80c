package server

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
)

var updateHTTPDoc = flag.Bool("update-http-doc", false, "rewrite docs/http.md from the examples of TestDocs_HTTP")

const httpDocPath = "../docs/http.md"

// docStep is one example request of docs/http.md.
type docStep struct {
	route   string // the route's name in the route table
	path    string // path and query, variables filled in
	body    string // JSON request body, or ""
	ifMatch bool   // send the ETag of the last policy response
	status  int    // the status the example answers
}

// httpDocSteps are the examples, one or more per route, in an order that
// runs against a fresh server: what one creates, a later one uses.
var httpDocSteps = []docStep{
	{route: "healthz", path: "/healthz", status: 200},
	{route: "readyz", path: "/readyz", status: 200},
	{route: "openapi", path: "/openapi.json", status: 200},
	{route: "metrics", path: "/metrics", status: 200},
	{route: "me", path: "/v1/me", status: 200},

	{route: "getPolicy", path: "/v1/policy", status: 200},
	{route: "createScope", path: "/v1/policy/scopes", body: `{"name":"Lab","description":"Lab VMs"}`, ifMatch: true, status: 201},
	{route: "listScopes", path: "/v1/policy/scopes", status: 200},
	{route: "updateScope", path: "/v1/policy/scopes/Lab", body: `{"name":"Lab","description":"Lab virtual machines"}`, ifMatch: true, status: 200},
	{route: "getScope", path: "/v1/policy/scopes/Lab", status: 200},
	{route: "createApplication", path: "/v1/policy/applications", body: `{"name":"Expense Web","description":"Expense reports"}`, ifMatch: true, status: 201},
	{route: "listApplications", path: "/v1/policy/applications", status: 200},
	{route: "updateApplication", path: "/v1/policy/applications/Expense%20Web", body: `{"name":"Expenses","description":"Expense reports","version":"2.0"}`, ifMatch: true, status: 200},
	{route: "getApplication", path: "/v1/policy/applications/Expenses", status: 200},
	{route: "createOperation", path: "/v1/policy/applications/Expenses/operations", body: `{"name":"Submit Expense","id":1}`, ifMatch: true, status: 201},
	{route: "createOperation", path: "/v1/policy/applications/Expenses/operations", body: `{"name":"Approve Expense","id":1}`, ifMatch: true, status: 409},
	{route: "updateOperation", path: "/v1/policy/applications/Expenses/operations/Submit%20Expense", body: `{"name":"Submit Expense Report","id":1,"description":"file a report"}`, ifMatch: true, status: 200},
	{route: "listOperations", path: "/v1/policy/applications/Expenses/operations", status: 200},
	{route: "getOperation", path: "/v1/policy/applications/Expenses/operations/Submit%20Expense%20Report", status: 200},
	{route: "deleteOperation", path: "/v1/policy/applications/Expenses/operations/Submit%20Expense%20Report", ifMatch: true, status: 204},
	{route: "deleteApplication", path: "/v1/policy/applications/Hyper-V%20services", ifMatch: true, status: 409},
	{route: "deleteApplication", path: "/v1/policy/applications/Expenses", ifMatch: true, status: 204},
	{route: "createTask", path: "/v1/policy/tasks?scope=Lab", body: `{"name":"Run VMs","operations":["Start Virtual Machine","Stop Virtual Machine"]}`, ifMatch: true, status: 201},
	{route: "listTasks", path: "/v1/policy/tasks?scope=Lab", status: 200},
	{route: "getTask", path: "/v1/policy/tasks/Run%20VMs?scope=Lab", status: 200},
	{route: "updateTask", path: "/v1/policy/tasks/Run%20VMs?scope=Lab", body: `{"name":"Run VMs","description":"start and stop","operations":["Start Virtual Machine","Stop Virtual Machine"]}`, ifMatch: true, status: 200},
	{route: "linkTask", path: "/v1/policy/tasks/Run%20VMs/links?scope=Lab", body: `{"relation":"operation","target":"Pause and Restart Virtual Machine"}`, ifMatch: true, status: 200},
	{route: "unlinkTask", path: "/v1/policy/tasks/Run%20VMs/links?scope=Lab&relation=operation&target=Pause%20and%20Restart%20Virtual%20Machine", ifMatch: true, status: 200},
	{route: "createRoleDefinition", path: "/v1/policy/role-definitions?scope=Lab", body: `{"name":"Lab Operator","tasks":["Run VMs"],"operations":["View Virtual Machine Configuration"]}`, ifMatch: true, status: 201},
	{route: "listRoleDefinitions", path: "/v1/policy/role-definitions?scope=Lab", status: 200},
	{route: "getRoleDefinition", path: "/v1/policy/role-definitions/Lab%20Operator?scope=Lab", status: 200},
	{route: "updateRoleDefinition", path: "/v1/policy/role-definitions/Lab%20Operator?scope=Lab", body: `{"name":"Lab Operator","description":"runs the lab's VMs","tasks":["Run VMs"],"operations":["View Virtual Machine Configuration"]}`, ifMatch: true, status: 200},
	{route: "linkRoleDefinition", path: "/v1/policy/role-definitions/Lab%20Operator/links?scope=Lab", body: `{"relation":"operation","target":"Allow Output from Virtual Machine"}`, ifMatch: true, status: 200},
	{route: "unlinkRoleDefinition", path: "/v1/policy/role-definitions/Lab%20Operator/links?scope=Lab&relation=operation&target=Allow%20Output%20from%20Virtual%20Machine", ifMatch: true, status: 200},
	{route: "createGroup", path: "/v1/policy/groups?scope=Lab", body: `{"name":"Lab Staff","type":"Basic","members":["CONTOSO\\Lab-Staff"],"nonMembers":["CONTOSO\\Contractors"]}`, ifMatch: true, status: 201},
	{route: "listGroups", path: "/v1/policy/groups?scope=Lab", status: 200},
	{route: "getGroup", path: "/v1/policy/groups/Lab%20Staff?scope=Lab", status: 200},
	{route: "updateGroup", path: "/v1/policy/groups/Lab%20Staff?scope=Lab", body: `{"name":"Lab Staff","type":"Basic","description":"lab staff, not contractors","members":["CONTOSO\\Lab-Staff"],"nonMembers":["CONTOSO\\Contractors"]}`, ifMatch: true, status: 200},
	{route: "linkGroup", path: "/v1/policy/groups/Lab%20Staff/links?scope=Lab", body: `{"relation":"member","target":"CONTOSO\\carol"}`, ifMatch: true, status: 200},
	{route: "unlinkGroup", path: "/v1/policy/groups/Lab%20Staff/links?scope=Lab&relation=member&target=CONTOSO%5Ccarol", ifMatch: true, status: 200},
	{route: "createRoleAssignment", path: "/v1/policy/role-assignments?scope=Lab", body: `{"name":"Lab Operators","roleDefinitions":["Lab Operator"],"groups":["Lab Staff"]}`, ifMatch: true, status: 201},
	{route: "listRoleAssignments", path: "/v1/policy/role-assignments?scope=Lab", status: 200},
	{route: "getRoleAssignment", path: "/v1/policy/role-assignments/Lab%20Operators?scope=Lab", status: 200},
	{route: "updateRoleAssignment", path: "/v1/policy/role-assignments/Lab%20Operators?scope=Lab", body: `{"name":"Lab Operators","description":"the lab's operators","roleDefinitions":["Lab Operator"],"groups":["Lab Staff"]}`, ifMatch: true, status: 200},
	{route: "linkRoleAssignment", path: "/v1/policy/role-assignments/Lab%20Operators/links?scope=Lab", body: `{"relation":"member","target":"CONTOSO\\dave"}`, ifMatch: true, status: 200},
	{route: "unlinkRoleAssignment", path: "/v1/policy/role-assignments/Lab%20Operators/links?scope=Lab&relation=member&target=CONTOSO%5Cdave", ifMatch: true, status: 200},

	{route: "check", path: "/v1/check", body: `{"user":"CONTOSO\\bob","groups":["CONTOSO\\Lab-Staff"],"scope":"Lab","operations":["Start Virtual Machine",300]}`, status: 200},
	{route: "check", path: "/v1/check", body: `{"checks":[{"user":"CONTOSO\\bob","groups":["CONTOSO\\Lab-Staff"],"scope":"Lab","operations":["Stop Virtual Machine"]},{"user":"CONTOSO\\eve","groups":["CONTOSO\\Lab-Staff","CONTOSO\\Contractors"],"scope":"Lab","operations":["Stop Virtual Machine"]}]}`, status: 200},
	{route: "check", path: "/v1/check", body: `{"user":"CONTOSO\\bob","scope":"Lba","operations":["Start Virtual Machine"]}`, status: 404},
	{route: "check", path: "/v1/check", body: `{"application":"azgate","user":"CONTOSO\\bob","operations":["Read Polcy"]}`, status: 400},
	{route: "explain", path: "/v1/explain?user=CONTOSO%5Ceve&group=CONTOSO%5CLab-Staff&group=CONTOSO%5CContractors&scope=Lab&operation=Start%20Virtual%20Machine", status: 200},
	{route: "whoCan", path: "/v1/who-can?operation=Start%20Virtual%20Machine&scope=Lab", status: 200},
	{route: "whoCan", path: "/v1/who-can?operation=Start%20Virtual%20Machine&scope=Lab&limit=1", status: 200},
	{route: "whoCan", path: "/v1/who-can?application=azgate&operation=Write%20Policy", status: 200},
	{route: "effectiveAccess", path: "/v1/effective-access?user=CONTOSO%5Cbob&memberOf=CONTOSO%5CLab-Staff&scope=&scope=Lab&operation=Start%20Virtual%20Machine&operation=View%20Virtual%20Machine%20Configuration", status: 200},
	{route: "effectiveAccess", path: "/v1/effective-access?applicationGroup=Lab%20Staff&groupScope=Lab&scope=Lab&operation=Start%20Virtual%20Machine", status: 200},
	{route: "whatIf", path: "/v1/whatif", body: `{"edits":[{"action":"link","kind":"role-assignments","scope":"Lab","name":"Lab Operators","link":{"relation":"member","target":"CONTOSO\\dave"}},{"action":"unlink","kind":"role-assignments","scope":"Lab","name":"Lab Operators","link":{"relation":"group","target":"Lab Staff"}}],"limit":4}`, status: 200},
	{route: "leastPrivilegeReport", path: "/v1/reports/least-privilege?since=all", status: 200},
	{route: "leastPrivilegeReport", path: "/v1/reports/least-privilege?since=3650d", status: 400},
	{route: "whatIfSave", path: "/v1/whatif/save", body: `{"edits":[{"action":"link","kind":"role-assignments","scope":"Lab","name":"Lab Operators","link":{"relation":"member","target":"CONTOSO\\dave"}}]}`, ifMatch: true, status: 200},

	{route: "createVM", path: "/v1/vms", body: `{"name":"web1","scope":"Lab","memoryMB":1024,"processors":2,"networkAdapters":["eth0"]}`, status: 201},
	{route: "listVMs", path: "/v1/vms", status: 200},
	{route: "accessList", path: "/v1/access-list?user=CONTOSO%5Cbob&memberOf=CONTOSO%5CLab-Staff&limit=2", status: 200},
	{route: "getVM", path: "/v1/vms/web1", status: 200},
	{route: "reconfigureVM", path: "/v1/vms/web1", body: `{"memoryMB":2048}`, status: 200},
	{route: "startVM", path: "/v1/vms/web1/start", status: 200},
	{route: "sendConsoleInput", path: "/v1/vms/web1/console", body: `{"text":"uptime\n"}`, status: 204},
	{route: "readConsole", path: "/v1/vms/web1/console", status: 200},
	{route: "pauseVM", path: "/v1/vms/web1/pause", status: 200},
	{route: "resumeVM", path: "/v1/vms/web1/resume", status: 200},
	{route: "saveVM", path: "/v1/vms/web1/save", status: 200},
	{route: "stopVM", path: "/v1/vms/web1/stop", status: 200},
	{route: "createSnapshot", path: "/v1/vms/web1/snapshots", body: `{"name":"before-upgrade"}`, status: 201},
	{route: "listSnapshots", path: "/v1/vms/web1/snapshots", status: 200},
	{route: "applySnapshot", path: "/v1/vms/web1/snapshots/before-upgrade/apply", status: 200},
	{route: "deleteSnapshot", path: "/v1/vms/web1/snapshots/before-upgrade", status: 204},
	{route: "setVMScope", path: "/v1/vms/web1/scope", body: `{"scope":""}`, status: 200},

	{route: "createSwitch", path: "/v1/switches", body: `{"name":"lab-net","scope":"Lab"}`, status: 201},
	{route: "listSwitches", path: "/v1/switches", status: 200},
	{route: "getSwitch", path: "/v1/switches/lab-net", status: 200},
	{route: "modifySwitch", path: "/v1/switches/lab-net", body: `{"notes":"the lab's switch"}`, status: 200},
	{route: "createSwitchPort", path: "/v1/switch-ports", body: `{"name":"web1-eth0","switch":"lab-net","scope":"Lab"}`, status: 201},
	{route: "listSwitchPorts", path: "/v1/switch-ports", status: 200},
	{route: "getSwitchPort", path: "/v1/switch-ports/web1-eth0", status: 200},
	{route: "modifySwitchPort", path: "/v1/switch-ports/web1-eth0", body: `{"notes":"web1's uplink"}`, status: 200},
	{route: "setPortVLAN", path: "/v1/switch-ports/web1-eth0/vlan", body: `{"accessVlanId":42}`, status: 200},
	{route: "getPortVLAN", path: "/v1/switch-ports/web1-eth0/vlan", status: 200},
	{route: "connectSwitchPort", path: "/v1/switch-ports/web1-eth0/connect", body: `{"vm":"web1","adapter":"eth0"}`, status: 200},
	{route: "listLANEndpoints", path: "/v1/lan-endpoints", status: 200},
	{route: "disconnectSwitchPort", path: "/v1/switch-ports/web1-eth0/disconnect", status: 200},
	{route: "deleteSwitchPort", path: "/v1/switch-ports/web1-eth0", status: 204},
	{route: "listExternalPorts", path: "/v1/external-ports", status: 200},
	{route: "bindExternalPort", path: "/v1/switches/lab-net/external", body: `{"interface":"lo"}`, status: 200},
	{route: "unbindExternalPort", path: "/v1/switches/lab-net/external", status: 200},
	{route: "deleteSwitch", path: "/v1/switches/lab-net", status: 204},
	{route: "createInternalPort", path: "/v1/internal-ports", body: `{"name":"mgmt0","notes":"host management"}`, status: 201},
	{route: "listInternalPorts", path: "/v1/internal-ports", status: 200},
	{route: "modifyInternalPort", path: "/v1/internal-ports/mgmt0", body: `{"notes":"host management network"}`, status: 200},
	{route: "deleteInternalPort", path: "/v1/internal-ports/mgmt0", status: 204},
	{route: "deleteVM", path: "/v1/vms/web1", status: 204},

	{route: "getServiceConfig", path: "/v1/service", status: 200},
	{route: "setServiceConfig", path: "/v1/service", body: `{"consoleBufferBytes":65536}`, status: 200},
	{route: "getSwitchService", path: "/v1/service/switch-service", status: 200},

	{route: "authzenMetadata", path: "/.well-known/authzen-configuration", status: 200},
	{route: "authzenEvaluation", path: "/access/v1/evaluation", body: `{"subject":{"type":"user","id":"admin"},"action":{"name":"Start Virtual Machine"},"resource":{"type":"scope","id":"Lab"}}`, status: 200},
	{route: "authzenEvaluation", path: "/access/v1/evaluation", body: `{"subject":{"type":"user","id":"admin"},"action":{"name":"Start Virtual Machine"},"resource":{"type":"scope","id":"Lba"}}`, status: 200},
	{route: "authzenEvaluation", path: "/access/v1/evaluation", body: `{"subject":{"type":"user","id":"admin"},"resource":{"type":"scope","id":"Lab"}}`, status: 400},
	{route: "authzenEvaluations", path: "/access/v1/evaluations", body: `{"subject":{"type":"user","id":"admin"},"resource":{"type":"scope","id":"Lab"},"options":{"evaluations_semantic":"deny_on_first_deny"},"evaluations":[{"action":{"name":"Start Virtual Machine"}},{"subject":{"type":"user","id":"ghost"},"action":{"name":"Stop Virtual Machine"}},{"action":{"name":"Delete Virtual Machine"}}]}`, status: 200},
	{route: "authzenSearchSubject", path: "/access/v1/search/subject", body: `{"subject":{"type":"user"},"action":{"name":"Start Virtual Machine"},"resource":{"type":"scope","id":"Lab"}}`, status: 200},
	{route: "authzenSearchResource", path: "/access/v1/search/resource", body: `{"subject":{"type":"user","id":"admin"},"action":{"name":"Start Virtual Machine"},"resource":{"type":"scope"},"page":{"limit":1}}`, status: 200},
	{route: "authzenSearchAction", path: "/access/v1/search/action", body: `{"subject":{"type":"user","id":"admin"},"resource":{"type":"scope","id":"Lab"},"page":{"limit":3}}`, status: 200},

	{route: "deleteRoleAssignment", path: "/v1/policy/role-assignments/Lab%20Operators?scope=Lab", ifMatch: true, status: 204},
	{route: "deleteGroup", path: "/v1/policy/groups/Lab%20Staff?scope=Lab", ifMatch: true, status: 204},
	{route: "deleteRoleDefinition", path: "/v1/policy/role-definitions/Lab%20Operator?scope=Lab", ifMatch: true, status: 204},
	{route: "deleteTask", path: "/v1/policy/tasks/Run%20VMs?scope=Lab", ifMatch: true, status: 204},
	{route: "deleteScope", path: "/v1/policy/scopes/Lab", ifMatch: true, status: 204},
}

// TestDocs_HTTP runs every example of docs/http.md against a fresh server
// and checks that the document shows every route, each example's request as
// sent and the status it answers. The response bodies in the document come
// from the run that wrote it: go test ./server -run TestDocs_HTTP -update-http-doc.
func TestDocs_HTTP(t *testing.T) {
	ts := startServer(t, nil)
	byName := map[string]route{}
	for _, rt := range ts.s.routes {
		byName[rt.name] = rt
	}
	documented := map[string]bool{}
	var b strings.Builder
	b.WriteString(httpDocIntro)
	tag, etag := "", ""
	for _, st := range httpDocSteps {
		rt, ok := byName[st.route]
		if !ok {
			t.Fatalf("example of route %q: no such route", st.route)
		}
		var headers []string
		if st.ifMatch {
			headers = append(headers, "If-Match", etag)
		}
		var body any
		if st.body != "" {
			body = st.body
		}
		r := ts.do(admin, rt.method, st.path, body, headers...)
		if r.status != st.status {
			t.Errorf("%s %s: status %d, want %d: %s", rt.method, st.path, r.status, st.status, r.body)
		}
		if e := r.header.Get("ETag"); e != "" {
			etag = e
		}
		if rt.tag != tag {
			tag = rt.tag
			fmt.Fprintf(&b, "\n## %s\n", tag)
		}
		if !documented[rt.name] {
			fmt.Fprintf(&b, "\n### %s %s\n\n%s.", rt.method, rt.path, strings.TrimSuffix(rt.summary, "."))
			if rt.needs != "" {
				fmt.Fprintf(&b, " Decided by: %s.", rt.needs)
			}
			if rt.access == public {
				b.WriteString(" No credentials needed.")
			}
			b.WriteString("\n")
		}
		documented[rt.name] = true
		b.WriteString("\n```http\n")
		fmt.Fprintf(&b, "%s %s\n", rt.method, st.path)
		if st.ifMatch {
			fmt.Fprintf(&b, "If-Match: %s\n", etag)
		}
		if st.body != "" {
			fmt.Fprintf(&b, "Content-Type: application/json\n\n%s\n", st.body)
		}
		b.WriteString("```\n\n```http\n")
		fmt.Fprintf(&b, "%s%d %s\n", responseMark, r.status, http.StatusText(r.status))
		b.WriteString(showBody(rt.name, r))
		b.WriteString("```\n")
	}
	for _, rt := range ts.s.routes {
		if !documented[rt.name] {
			t.Errorf("route %s %s (%s) has no example in docs/http.md", rt.method, rt.path, rt.name)
		}
	}
	got := b.String()
	if *updateHTTPDoc {
		if err := os.WriteFile(httpDocPath, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(httpDocPath)
	if err != nil {
		t.Fatalf("%v (write it: go test ./server -run TestDocs_HTTP -update-http-doc)", err)
	}
	if withoutBodies(string(raw)) != withoutBodies(got) {
		t.Errorf("docs/http.md is not what its examples send and answer: go test ./server -run TestDocs_HTTP -update-http-doc, then read the diff")
	}
}

const responseMark = "HTTP/1.1 "

const httpDocIntro = `# The HTTP API

Every route of ` + "`azgate serve`" + `, each with a request and its response, in an order that runs against a fresh
server (the examples are a test: ` + "`go test ./server -run TestDocs_HTTP`" + `; response bodies are from the run that
wrote this page, with long ones cut). ` + "`/openapi.json`" + ` describes the same routes as OpenAPI 3.1.

- **Authentication**: HTTP Basic (` + "`-u admin:$PW`" + `; refused over plain HTTP off loopback) or a bearer API
  token (` + "`Authorization: Bearer …`" + `, from ` + "`azgate user token create`" + `). Every example is sent as ` + "`admin`" + `.
- **Writes** (` + "`POST`, `PUT`, `PATCH`, `DELETE`" + ` under ` + "`/v1/`" + `) with a body send ` + "`Content-Type: application/json`" + `;
  cross-site browser requests are refused.
- **Policy writes** need ` + "`If-Match`" + ` with the ` + "`ETag`" + ` (the store revision) of a read: 428 without it, 412 when
  another writer saved first. Objects of a scope take ` + "`?scope=NAME`" + `; without it, the application level.
- **Errors** are ` + "`{\"error\": {\"code\": …, \"message\": …}}`" + `: 400 a bad request (the message names the field), 401
  no or wrong credentials, 403 access denied (naming the operation), 404 an unknown object, scope or
  operation name in a check, 409 a duplicate or an impossible state change, 412/428 as above, 413 too large,
  503 a store or directory that cannot answer.
- **Checks**: a name the policy does not have (a scope, an operation) is an error of the whole request, single
  or batch; results carry decisions only.
`

// showBody renders a response body for the page: JSON indented and cut
// after 40 lines; /metrics as its azgate series' help lines; the OpenAPI
// document as its first lines.
func showBody(routeName string, r response) string {
	const maxLines = 40
	body := r.body
	switch routeName {
	case "metrics":
		var keep []string
		for _, l := range strings.Split(string(body), "\n") {
			if strings.HasPrefix(l, "# HELP azgate_") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n") + "\n…\n"
	}
	var v bytes.Buffer
	if json.Indent(&v, body, "", "  ") == nil {
		body = v.Bytes()
	}
	if len(body) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(body), "\n"), "\n")
	if len(lines) > maxLines {
		lines = append(lines[:maxLines], "…")
	}
	return "\n" + strings.Join(lines, "\n") + "\n"
}

// responseBlock matches a response example: its status line, then its body.
var responseBlock = regexp.MustCompile("(?s)```http\n" + regexp.QuoteMeta(responseMark) + "([^\n]*)\n.*?```")

// withoutBodies keeps only the status lines of the response examples.
func withoutBodies(doc string) string {
	return responseBlock.ReplaceAllString(doc, "```http\n"+responseMark+"$1\n```")
}
