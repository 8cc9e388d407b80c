package policytest

import (
	"time"

	"github.com/azgate/azgate/operations"
	"github.com/azgate/azgate/policy"
)

// RichApp is the application of Rich.
const RichApp = "Hyper-V services"

// LongApp is Rich's second application, whose name is longer than a CN
// may be in Active Directory.
const LongApp = "A second application whose name is far longer than the sixty-four characters of a CN"

// Rich returns a policy that uses every feature of the model: store-,
// application- and scope-level application groups of all three types with
// members, non-members and nested member and non-member groups; nested
// tasks, role definitions, business rules in every language with imported
// paths; role assignments with SIDs, account names and application groups;
// two applications (one with a name too long for a CN); a scope with its
// own objects; application data; descriptions with outer spaces and names
// with the characters DNs must escape; members limited in time (terms). GUIDs are fresh on every call, so
// compare with Diff after a round trip through one store only.
func Rich() *policy.Policy {
	g := policy.NewGUID
	op := func(id operations.ID) *policy.Operation {
		o, _ := operations.ByID(id)
		return &policy.Operation{GUID: g(), Name: o.Name, Description: o.Description, OperationID: int(o.ID)}
	}
	ops := []*policy.Operation{
		op(operations.ReadServiceConfiguration), op(operations.ViewVirtualSwitchMgmt), op(operations.ViewSwitches),
		op(operations.ViewSwitchPorts), op(operations.CreateVirtualSwitch), op(operations.StartVM),
		op(operations.StopVM), op(operations.ViewVMConfiguration),
	}
	ops[0].ApplicationData = "op data"
	id := func(i int) string { return ops[i].GUID }

	staff := &policy.Group{GUID: g(), Name: "Everyone Staff", Description: " store level, outer spaces ", Type: policy.GroupBasic,
		Members: []string{"S-1-5-11", `CONTOSO\Domain Users`}, NonMembers: []string{"S-1-5-21-1-2-3-666"}}
	query := &policy.Group{GUID: g(), Name: "Store Query", Type: policy.GroupLDAPQuery,
		LDAPQuery: "(&(objectClass=user)(department=IT)(!(cn=temp*)))"}
	rule := &policy.Group{GUID: g(), Name: "Working Hours", Type: policy.GroupBizRule,
		BizRule: policy.BizRule{Script: "Hour >= 9 && Hour < 17", Language: policy.LangExpr}}
	staff.AppNonMemberLinks = []string{rule.GUID}

	views := &policy.Task{GUID: g(), Name: "Network Views", Description: "the views", OperationLinks: []string{id(2), id(3)}}
	monitor := &policy.Task{GUID: g(), Name: "Monitor", OperationLinks: []string{id(0), id(1)}, TaskLinks: []string{views.GUID},
		ApplicationData: "task data"}
	gated := &policy.Task{GUID: g(), Name: "Gated", OperationLinks: []string{id(4)},
		BizRule: policy.BizRule{Script: "\n  AzBizRuleContext.BusinessRuleResult = (AzBizRuleContext.GetParameter(\"Amount\") < 500)\n",
			Language: policy.LangVBScript, ImportedPath: `C:\rules\gated.vbs`}}
	admins := &policy.Task{GUID: g(), Name: "Admins", Description: "role definition", RoleDefinition: true,
		OperationLinks: []string{id(0), id(1), id(2), id(3), id(4), id(5), id(6), id(7)}, TaskLinks: []string{monitor.GUID}}
	operatorsDef := &policy.Task{GUID: g(), Name: `Operators, "special" + <chars>; #1 \ = end`, RoleDefinition: true,
		TaskLinks: []string{monitor.GUID, gated.GUID},
		BizRule:   policy.BizRule{Script: "AzBizRuleContext.BusinessRuleResult = true;", Language: policy.LangJScript}}
	appGroup := &policy.Group{GUID: g(), Name: "Operators Group", Type: policy.GroupBasic,
		Members:    []string{`CONTOSO\bob`, "S-1-5-21-1-2-3-1002", `#leading hash`, `Ünïcödé Üser`},
		NonMembers: []string{`CONTOSO\mallory`}, AppMemberLinks: []string{staff.GUID, query.GUID},
		AppNonMemberLinks: []string{rule.GUID}}
	labQuery := &policy.Group{GUID: g(), Name: "Lab Query", Type: policy.GroupLDAPQuery, LDAPQuery: "(department=Lab)"}
	operators := &policy.Role{GUID: g(), Name: "Operators", Description: "who operates",
		TaskLinks: []string{operatorsDef.GUID}, OperationLinks: []string{id(6)},
		Members:        []string{`CONTOSO\alice`, "S-1-5-21-1-2-3-1001", `a,b+c;d<e>f"g\h=i`, policy.AdministratorsSID},
		AppMemberLinks: []string{appGroup.GUID, staff.GUID}}
	// Terms (an azgate extension): an expiry, a start and a window.
	operators.Terms = []policy.Term{
		{Member: `CONTOSO\alice`, Expires: time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)},
		{Member: staff.GUID, Start: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Expires: time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)},
	}
	appGroup.Terms = []policy.Term{{Member: "S-1-5-21-1-2-3-1002", Start: time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC)}}
	adminRole := &policy.Role{GUID: g(), Name: "Administrators", TaskLinks: []string{admins.GUID},
		Members: []string{policy.AdministratorsSID}}

	labTask := &policy.Task{GUID: g(), Name: "Lab Machines", RoleDefinition: true, OperationLinks: []string{id(5), id(6), id(7)},
		TaskLinks: []string{views.GUID}}
	labGroup := &policy.Group{GUID: g(), Name: "Lab Users", Type: policy.GroupBasic, Members: []string{`LAB\dave`},
		AppMemberLinks: []string{labQuery.GUID, staff.GUID}}
	labRole := &policy.Role{GUID: g(), Name: "Lab Operators", TaskLinks: []string{labTask.GUID, admins.GUID},
		AppMemberLinks: []string{labGroup.GUID}, Members: []string{"S-1-5-21-1-2-3-2001"}}

	app := &policy.Application{GUID: g(), Name: RichApp, Description: "Hyper-V authorization policy", Version: "1.0",
		ApplicationData: "app data", Operations: ops,
		Objects: policy.Objects{
			Tasks:  []*policy.Task{views, monitor, gated, admins, operatorsDef},
			Groups: []*policy.Group{appGroup, labQuery},
			Roles:  []*policy.Role{operators, adminRole},
		},
		Scopes: []*policy.Scope{
			{GUID: g(), Name: "Lab", Description: "the lab", Objects: policy.Objects{
				Tasks: []*policy.Task{labTask}, Groups: []*policy.Group{labGroup}, Roles: []*policy.Role{labRole}}},
			{GUID: g(), Name: "AzTaskObjectContainer-" + RichApp, Description: "a scope named like a container"},
			{GUID: g(), Name: "Empty"},
		},
	}
	other := &policy.Application{GUID: g(), Name: LongApp, Operations: []*policy.Operation{op(operations.ReadServiceConfiguration)}}
	other.Roles = []*policy.Role{{GUID: g(), Name: "Readers", OperationLinks: []string{other.Operations[0].GUID},
		Members: []string{"S-1-5-11"}, AppMemberLinks: []string{rule.GUID}}}
	return &policy.Policy{MajorVersion: 2, MinorVersion: 0, Description: "A rich store",
		Groups: []*policy.Group{staff, query, rule}, Applications: []*policy.Application{app, other}}
}
