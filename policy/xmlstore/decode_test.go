package xmlstore

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policytest"
)

// specStore is shaped like the example of MS-AZMP section 3, extended with
// nested tasks, a task business rule, a scope with its own role definition,
// group and assignment, and application data.
const specStore = `<?xml version="1.0" encoding="utf-8"?>
<AzAdminManager MajorVersion="2" MinorVersion="0" Guid="c5217693-1a84-48ee-a9ae-65f0e10bd314" Description="This is the description">
  <AzApplication Guid="f6ae8a28-57c3-4db8-9b7f-848aec862518" Name="Application#1" Description="Application#1-Desc" ApplicationVersion="Application#1-Version" ApplicationData="app-data">
    <AzApplicationGroup Guid="3736a1f3-3f3d-44f7-9fa4-eb6f9032e962" Name="App Group #1 - Basic" Description="App Group #1 Description - Basic " GroupType="Basic">
      <BizRuleLanguage></BizRuleLanguage>
      <Member>S-1-5-21-3104031619-1062013444-2593988815-1115</Member>
      <Member>S-1-5-21-3104031619-1062013444-2593988815-1118</Member>
      <NonMember>S-1-5-21-3104031619-1062013444-2593988815-1116</NonMember>
      <NonMember>S-1-5-21-3104031619-1062013444-2593988815-1119</NonMember>
      <AppMemberLink>2db22bd5-4395-4645-9950-5509eb9d83b1</AppMemberLink>
      <AppNonMemberLink>99f5aabc-3c3a-47a8-8b0a-d5aa373c33e4</AppNonMemberLink>
    </AzApplicationGroup>
    <AzApplicationGroup Guid="f5fd6ac2-d435-4c51-8a9b-646d627ae448" Name="App Group #3 - Biz Rule" Description="App Group #3 Desc - Biz Rule" GroupType="Bizrule">
      <BizRuleLanguage>JScript</BizRuleLanguage>
      <BizRule>
        AzBizRuleContext.BusinessRuleResult = false;
        dt = new Date();
        hour = dt.getHours();

        if (hour &gt; 9 &amp;&amp; hour &lt; 17)
        {
        AzBizRuleContext.BusinessRuleResult = true;
        }
      </BizRule>
      <BizRuleImportedPath>C:\Users\Administrator\Desktop\bizrule1.js</BizRuleImportedPath>
    </AzApplicationGroup>
    <AzTask Guid="82a494ed-dec3-4ae9-92a1-1d9e5fe436b1" Name="Role Definition #1" Description="Desc - Role Definition #1" BizRuleImportedPath="" RoleDefinition="True">
      <TaskLink>26834981-a122-4fd1-9f00-8ff2b63f7f49</TaskLink>
    </AzTask>
    <AzOperation Guid="8f274e4c-3f73-4b56-85ee-df83df9d313a" Name="Operation #1" Description="Desc - Operation #1" ApplicationData="op-data">
      <OperationID>1</OperationID>
    </AzOperation>
    <AzOperation Guid="943864c8-869f-4ef4-9c84-e51fc380bb99" Name="Operation #2" Description="Desc - Operation #2">
      <OperationID>2</OperationID>
    </AzOperation>
    <AzOperation Guid="5b8c1f7e-2d55-4a44-9e0e-6f3c2a1b0d99" Name="Start Virtual Machine" Description="">
      <OperationID>9</OperationID>
    </AzOperation>
    <AzTask Guid="26834981-a122-4fd1-9f00-8ff2b63f7f49" Name="Task #1" Description="Desc - Task #1" BizRuleImportedPath="C:\rules\task1.vbs" ApplicationData="task-data">
      <BizRuleLanguage>VBScript</BizRuleLanguage>
      <BizRule>AzBizRuleContext.BusinessRuleResult = (AzBizRuleContext.GetParameter("Amount") &lt; 500)</BizRule>
      <TaskLink>7f0c9e2a-61a4-4c1b-a0c6-3d5f6e7a8b90</TaskLink>
      <OperationLink>8f274e4c-3f73-4b56-85ee-df83df9d313a</OperationLink>
      <OperationLink>943864c8-869f-4ef4-9c84-e51fc380bb99</OperationLink>
    </AzTask>
    <AzTask Guid="7f0c9e2a-61a4-4c1b-a0c6-3d5f6e7a8b90" Name="Task #2 (nested)" Description="">
      <OperationLink>5b8c1f7e-2d55-4a44-9e0e-6f3c2a1b0d99</OperationLink>
    </AzTask>
    <AzRole Guid="831d638d-9f9e-4883-a024-360f82afc705" Name="Role Assignment #1" Description="Role Assignment #1">
      <TaskLink>82a494ed-dec3-4ae9-92a1-1d9e5fe436b1</TaskLink>
      <OperationLink>943864c8-869f-4ef4-9c84-e51fc380bb99</OperationLink>
      <Member>S-1-5-21-1022818538-2633080746-2542160322-501</Member>
      <Member>CONTOSO\alice</Member>
      <AppMemberLink>3736a1f3-3f3d-44f7-9fa4-eb6f9032e962</AppMemberLink>
      <AppMemberLink>99f5aabc-3c3a-47a8-8b0a-d5aa373c33e4</AppMemberLink>
    </AzRole>
    <AzApplicationGroup Guid="2ebce7bb-d172-46a8-8844-c1d7638103dd" Name="App Group #2 - Ldap Query Group" Description="App Group #2 - Ldap Query Group" GroupType="LdapQuery">
      <BizRuleLanguage></BizRuleLanguage>
      <LdapQuery>(&amp;(objectCategory=person)(objectClass=user)(cn=david mowers))</LdapQuery>
    </AzApplicationGroup>
    <AzScope Guid="4e2f9b0c-1d3a-4b5c-8e7f-9a0b1c2d3e4f" Name="Scope #1" Description="A scope">
      <AzApplicationGroup Guid="5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d" Name="Scope Group" Description="" GroupType="Basic">
        <Member>CONTOSO\bob</Member>
        <AppMemberLink>3736a1f3-3f3d-44f7-9fa4-eb6f9032e962</AppMemberLink>
      </AzApplicationGroup>
      <AzTask Guid="6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e" Name="Scope Role" Description="" RoleDefinition="true">
        <TaskLink>26834981-a122-4fd1-9f00-8ff2b63f7f49</TaskLink>
      </AzTask>
      <AzRole Guid="7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f" Name="Scope Assignment" Description="">
        <TaskLink>6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e</TaskLink>
        <TaskLink>82a494ed-dec3-4ae9-92a1-1d9e5fe436b1</TaskLink>
        <AppMemberLink>5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d</AppMemberLink>
      </AzRole>
    </AzScope>
  </AzApplication>
  <AzApplicationGroup Guid="99f5aabc-3c3a-47a8-8b0a-d5aa373c33e4" Name="AzMan Global Group#1 Basic Application Group" Description="AzMan Global Group#1-Desc" GroupType="Basic">
    <BizRuleLanguage></BizRuleLanguage>
  </AzApplicationGroup>
  <AzApplicationGroup Guid="2db22bd5-4395-4645-9950-5509eb9d83b1" Name="AzMan Global Group#2 LDAP Query Application Group" Description="AzMan Global Group#2-Desc" GroupType="LdapQuery">
    <BizRuleLanguage></BizRuleLanguage>
    <LdapQuery>This is the query</LdapQuery>
  </AzApplicationGroup>
  <AzApplicationGroup Guid="f2f3e0f1-4334-4736-b27d-b996240714ae" Name="AzMan Global Group#3 Business Rule Application Group" Description="AzMan Global Group#3-Desc" GroupType="Bizrule">
    <BizRuleLanguage>VBScript</BizRuleLanguage>
  </AzApplicationGroup>
</AzAdminManager>
`

func TestParse_SpecExample(t *testing.T) {
	doc, err := Decode(strings.NewReader(specStore), "spec.xml")
	if err != nil {
		t.Fatal(err)
	}
	p := doc.Policy
	if doc.Revision != 1 || doc.GUID != "c5217693-1a84-48ee-a9ae-65f0e10bd314" || p.MajorVersion != 2 || p.Description != "This is the description" {
		t.Fatalf("header: rev %d guid %q %+v", doc.Revision, doc.GUID, p)
	}
	if len(p.Groups) != 3 || len(p.Applications) != 1 {
		t.Fatalf("%d store groups, %d applications", len(p.Groups), len(p.Applications))
	}
	app := p.Applications[0]
	if app.Version != "Application#1-Version" || app.ApplicationData != "app-data" || len(app.Operations) != 3 ||
		len(app.Tasks) != 3 || len(app.Groups) != 3 || len(app.Roles) != 1 || len(app.Scopes) != 1 {
		t.Fatalf("application: %+v", app)
	}
	g, _ := app.Group("App Group #3 - Biz Rule")
	if g.Type != policy.GroupBizRule || g.BizRule.Language != "JScript" ||
		!strings.Contains(g.BizRule.Script, "if (hour > 9 && hour < 17)\n") ||
		!strings.HasPrefix(g.BizRule.Script, "\n        AzBizRuleContext") ||
		g.BizRule.ImportedPath != `C:\Users\Administrator\Desktop\bizrule1.js` {
		t.Errorf("bizrule group: %+v", g)
	}
	basic, _ := app.Group("App Group #1 - Basic")
	if len(basic.Members) != 2 || len(basic.NonMembers) != 2 || basic.Description != "App Group #1 Description - Basic " ||
		len(basic.AppNonMemberLinks) != 1 {
		t.Errorf("basic group: %+v", basic)
	}
	ldap, _ := app.Group("App Group #2 - Ldap Query Group")
	if ldap.Type != policy.GroupLDAPQuery || ldap.LDAPQuery != "(&(objectCategory=person)(objectClass=user)(cn=david mowers))" {
		t.Errorf("ldap group: %+v", ldap)
	}
	task, _ := app.Task("Task #1")
	if task.RoleDefinition || task.BizRule.Language != "VBScript" || task.BizRule.ImportedPath != `C:\rules\task1.vbs` ||
		task.ApplicationData != "task-data" || len(task.TaskLinks) != 1 || len(task.OperationLinks) != 2 {
		t.Errorf("task: %+v", task)
	}
	rd, _ := app.Task("Role Definition #1")
	if !rd.RoleDefinition {
		t.Errorf("role definition: %+v", rd)
	}
	r, _ := app.Role("Role Assignment #1")
	if len(r.Members) != 2 || r.Members[1] != `CONTOSO\alice` || len(r.AppMemberLinks) != 2 || len(r.OperationLinks) != 1 {
		t.Errorf("role: %+v", r)
	}
	op, _ := app.Operation("Operation #1")
	if op.OperationID != 1 || op.ApplicationData != "op-data" {
		t.Errorf("operation: %+v", op)
	}
	sc := app.Scopes[0]
	if st, err := sc.Task("Scope Role"); err != nil || !st.RoleDefinition || len(sc.Roles[0].TaskLinks) != 2 {
		t.Errorf("scope: %+v %v", sc, err)
	}

	// Each application defines its own operations: that Operation #1 and
	// #2 are not Hyper-V's, or that Start Virtual Machine has another
	// OperationID than Hyper-V's, is not the store's concern.
	if len(doc.Warnings) != 0 {
		t.Errorf("warnings: %v", doc.Warnings)
	}
}

func TestMarshal_RoundTrip(t *testing.T) {
	doc, err := Decode(strings.NewReader(specStore), "spec.xml")
	if err != nil {
		t.Fatal(err)
	}
	doc.Revision = 42
	out, err := doc.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<AzAdminManager ")) {
		t.Fatalf("output starts %q", out[:80])
	}
	again, err := Decode(bytes.NewReader(out), "out.xml")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !policytest.Equal(doc.Policy, again.Policy) {
		t.Fatalf("round trip changed the policy:\n%s", out)
	}
	if again.Revision != 42 || again.GUID != doc.GUID {
		t.Fatalf("revision %d GUID %q", again.Revision, again.GUID)
	}
	out2, err := again.Marshal()
	if err != nil || !bytes.Equal(out, out2) {
		t.Fatalf("second marshal differs (%v)", err)
	}
	// Parse and Marshal, the short forms, agree.
	p, rev, _, err := Parse(bytes.NewReader(out), "out.xml")
	if err != nil || rev != 42 || !policytest.Equal(p, doc.Policy) {
		t.Fatalf("Parse: rev %d, %v", rev, err)
	}
	if _, err := Marshal(p, 0); err != nil {
		t.Fatal(err)
	}
}

func TestMarshal_HardText(t *testing.T) {
	p := initialStore(t)
	app := p.Applications[0]
	tricky := "a\tb\r\nc\"d'e<f>&g  ]]> \u00e9\U0001F600 "
	app.Description = tricky
	app.Tasks[0].BizRule = policy.BizRule{Script: "\n  " + tricky + "\r\n", Language: "Expr"}
	app.Roles[0].Members = append(app.Roles[0].Members, `CONTOSO\O'Brien & "Sons"`)
	out, err := Marshal(p, 3)
	if err != nil {
		t.Fatal(err)
	}
	q, rev, _, err := Parse(bytes.NewReader(out), "hard.xml")
	if err != nil {
		t.Fatal(err)
	}
	if rev != 3 || !policytest.Equal(p, q) {
		t.Fatalf("changed in round trip: %q / %q", q.Applications[0].Description, q.Applications[0].Tasks[0].BizRule.Script)
	}

	for _, bad := range []string{"nul\x00", "bell\a", "bad utf8 \xff"} {
		app.Description = bad
		_, err := Marshal(p, 1)
		if !errors.Is(err, policy.ErrInvalid) || !strings.Contains(err.Error(), `<AzApplication Name="Hyper-V services">: attribute Description`) {
			t.Errorf("Marshal with %q: %v", bad, err)
		}
	}
}

func TestParse_Encodings(t *testing.T) {
	base, err := Marshal(initialStore(t), 5)
	if err != nil {
		t.Fatal(err)
	}
	utf16le := func(s string, bom []byte) []byte {
		out := append([]byte(nil), bom...)
		for _, r := range s { // the test text is within the BMP
			out = append(out, byte(r), byte(r>>8))
		}
		return out
	}
	text := strings.Replace(string(base), `encoding="utf-8"`, `encoding="utf-16"`, 1)
	for name, in := range map[string][]byte{
		"utf-8 BOM":    append([]byte{0xEF, 0xBB, 0xBF}, base...),
		"utf-16le BOM": utf16le(text, []byte{0xFF, 0xFE}),
		"no decl":      bytes.TrimPrefix(base, []byte("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")),
	} {
		p, rev, _, err := Parse(bytes.NewReader(in), name)
		if err != nil || rev != 5 || !policytest.Equal(p, initialStore(t)) {
			t.Errorf("%s: rev %d, %v", name, rev, err)
		}
	}
}

// xmlHead and app wrap a fragment in a minimal store for the malformed cases.
const xmlHead = `<?xml version="1.0" encoding="utf-8"?>
<AzAdminManager MajorVersion="2" MinorVersion="0">
`

func app(body string) string {
	return xmlHead + `<AzApplication Guid="11111111-1111-4111-8111-111111111111" Name="App" Description="">
<AzOperation Guid="22222222-2222-4222-8222-222222222222" Name="Start Virtual Machine" Description=""><OperationID>307</OperationID></AzOperation>
` + body + `
</AzApplication>
</AzAdminManager>
`
}

// Lines of app's body: the first line of body is line 5.

func xtask(guid, name string, body string) string {
	return fmt.Sprintf(`<AzTask Guid="%s" Name="%s" Description="">%s</AzTask>`, guid, name, body)
}

const (
	g1 = "aaaaaaaa-0000-4000-8000-000000000001"
	g2 = "aaaaaaaa-0000-4000-8000-000000000002"
	g3 = "aaaaaaaa-0000-4000-8000-000000000003"
)

func TestParse_Malformed(t *testing.T) {
	valid, err := Marshal(initialStore(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	deep := xmlHead + strings.Repeat("<AzApplication>", 40) + strings.Repeat("</AzApplication>", 40) + "</AzAdminManager>"
	tests := []struct {
		name  string
		in    string
		opts  []Option
		want  []string // substrings of the error
		is    error    // sentinel, when one applies
		noErr bool
	}{
		{name: "bad XML", in: xmlHead + "<AzApplication Guid=\"x\" Name=\"a\"></AzAdminManager>",
			want: []string{"bad.xml:3:", "malformed XML", "element <AzApplication> closed by </AzAdminManager>"}, is: policy.ErrInvalid},
		{name: "truncated", in: string(valid[:len(valid)/2]), want: []string{"bad.xml:", "unexpected EOF"}},
		{name: "empty file", in: "", want: []string{"no root element"}},
		{name: "only declaration", in: `<?xml version="1.0"?>`, want: []string{"no root element"}},
		{name: "wrong root", in: `<Policy MajorVersion="2"/>`, want: []string{"bad.xml:1: <Policy>: root element is <Policy>; want <AzAdminManager>"}},
		{name: "namespaced root", in: `<x:AzAdminManager xmlns:x="urn:other" MajorVersion="2"/>`, want: []string{"root element is <urn:other:AzAdminManager>"}},
		{name: "MajorVersion 3", in: `<AzAdminManager MajorVersion="3" MinorVersion="0"/>`,
			want: []string{"bad.xml:1: <AzAdminManager>: MajorVersion \"3\": azgate reads versions 1 and 2"}},
		{name: "missing MajorVersion", in: `<AzAdminManager/>`, want: []string{"missing MajorVersion"}},
		{name: "MinorVersion not a number", in: `<AzAdminManager MajorVersion="2" MinorVersion="zero"/>`, want: []string{"MinorVersion \"zero\""}},
		{name: "bad revision", in: `<AzAdminManager xmlns:azgate="urn:x-azgate:xmlstore" azgate:Revision="-1" MajorVersion="2"/>`,
			want: []string{`azgate:Revision "-1" is not a positive integer`}},
		{name: "DOCTYPE", in: `<?xml version="1.0"?>` + "\n" + `<!DOCTYPE AzAdminManager SYSTEM "http://evil.example/x.dtd">` + "\n" + `<AzAdminManager MajorVersion="2"/>`,
			want: []string{"bad.xml:2:", "<!DOCTYPE>", "not allowed"}},
		{name: "entity declaration", in: `<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><AzAdminManager MajorVersion="2" Description="&xxe;"/>`,
			want: []string{"bad.xml:1:", "not allowed"}},
		{name: "undefined entity", in: `<AzAdminManager MajorVersion="2" Description="&xxe;"/>`, want: []string{"bad.xml:1:", "malformed XML", "xxe"}},
		{name: "second root", in: `<AzAdminManager MajorVersion="2"/>` + "\n" + `<AzAdminManager MajorVersion="2"/>`,
			want: []string{"bad.xml:2: <AzAdminManager>: a second root element"}},
		{name: "text outside root", in: `<AzAdminManager MajorVersion="2"/> trailing`, want: []string{"text outside the root element"}},
		{name: "unsupported encoding", in: `<?xml version="1.0" encoding="iso-8859-1"?><AzAdminManager MajorVersion="2"/>`,
			want: []string{`encoding "iso-8859-1" is not supported`}},
		{name: "too deep", in: deep, want: []string{"bad.xml:3:", "nested deeper than the limit of 32"}},
		{name: "oversize", in: string(valid), opts: []Option{WithMaxSize(1000)}, want: []string{"bad.xml: file is larger than the limit of 1000 bytes"}},
		{name: "missing Guid", in: app(`<AzTask Name="T" Description=""/>`), want: []string{"bad.xml:5: <AzTask>: missing Guid attribute"}},
		{name: "bad Guid", in: app(`<AzTask Guid="not-a-guid" Name="T"/>`), want: []string{"bad.xml:5: <AzTask>: Guid \"not-a-guid\" is not a GUID"}},
		{name: "missing Name", in: app(`<AzRole Guid="` + g1 + `"/>`), want: []string{"bad.xml:5: <AzRole>: missing Name attribute"}},
		{name: "duplicate GUID", in: app(xtask(g1, "A", "") + "\n" + xtask(g1, "B", "")),
			want: []string{"bad.xml:6: <AzTask>: Guid " + g1 + " is also used by the object at line 5"}, is: policy.ErrDuplicate},
		{name: "duplicate GUID of operation", in: app(xtask("22222222-2222-4222-8222-222222222222", "A", "")),
			want: []string{"bad.xml:5:", "also used by the object at line 4"}, is: policy.ErrDuplicate},
		{name: "duplicate names", in: app(xtask(g1, "Same", "") + "\n" + xtask(g2, "same", "")),
			want: []string{`bad.xml: application "App": task: name "same" is used twice`}, is: policy.ErrDuplicate},
		{name: "look-alike names", in: app(xtask(g1, "Lab-Staff", "") + "\n" + xtask(g2, "Lab-ſtaff", "")),
			want: []string{`bad.xml: application "App": task: name "Lab-ſtaff" is used twice, also as "Lab-Staff"`}, is: policy.ErrDuplicate},
		{name: "dangling link", in: app(xtask(g1, "A", "\n<TaskLink>"+g3+"</TaskLink>")),
			want: []string{"bad.xml:6: <TaskLink>: " + g3 + " names no object in the file"}, is: policy.ErrDanglingLink},
		{name: "link to wrong kind", in: app(xtask(g1, "A", "<TaskLink>22222222-2222-4222-8222-222222222222</TaskLink>")),
			want: []string{`bad.xml: application "App" / task "A": TaskLink: 22222222-2222-4222-8222-222222222222 names no task in reach`}, is: policy.ErrDanglingLink},
		{name: "link not a GUID", in: app(xtask(g1, "A", "<OperationLink>Start Virtual Machine</OperationLink>")),
			want: []string{"bad.xml:5: <OperationLink>: \"Start Virtual Machine\" is not a GUID"}},
		{name: "task cycle", in: app(xtask(g1, "A", "<TaskLink>"+g2+"</TaskLink>") + xtask(g2, "B", "<TaskLink>"+g1+"</TaskLink>")),
			want: []string{`bad.xml: task "B": TaskLink: task "A" → task "B" → task "A"`}, is: policy.ErrCycle},
		{name: "group cycle", in: app(`<AzApplicationGroup Guid="` + g1 + `" Name="G1" GroupType="Basic"><AppMemberLink>` + g2 + `</AppMemberLink></AzApplicationGroup>
<AzApplicationGroup Guid="` + g2 + `" Name="G2" GroupType="Basic"><AppNonMemberLink>` + g1 + `</AppNonMemberLink></AzApplicationGroup>`),
			want: []string{`bad.xml: application "App" application group "G2": AppMemberLink:`, "(cycle)"}, is: policy.ErrCycle},
		{name: "term outside azgate's namespace", in: app(`<AzRole Guid="` + g1 + `" Name="R"><Member Expires="2026-12-02T15:00:00Z">alice</Member></AzRole>`),
			want: []string{"bad.xml:5: <Member>: attribute Expires is not read: a term is azgate:Expires"}},
		{name: "term not a time", in: app(`<AzRole Guid="` + g1 + `" Name="R"><Member xmlns:azgate="urn:x-azgate:xmlstore" azgate:Expires="tomorrow">alice</Member></AzRole>`),
			want: []string{"bad.xml:5: <Member>: azgate:Expires:", `"tomorrow" is not an RFC 3339 time`}},
		{name: "term twice", in: app(`<AzRole Guid="` + g1 + `" Name="R" xmlns:azgate="urn:x-azgate:xmlstore"><Member azgate:Start="2026-01-01T00:00:00Z">alice</Member><Member azgate:Start="2026-01-02T00:00:00Z">ALICE</Member></AzRole>`),
			want: []string{"bad.xml:5: <Member>: member \"ALICE\" appears twice with a term"}},
		{name: "unknown GroupType", in: app(`<AzApplicationGroup Guid="` + g1 + `" Name="G" GroupType="Dynamic"/>`),
			want: []string{`bad.xml:5: <AzApplicationGroup>: GroupType "Dynamic" of application group "G" is not Basic, LdapQuery or Bizrule`}},
		{name: "missing GroupType", in: app(`<AzApplicationGroup Guid="` + g1 + `" Name="G"/>`), want: []string{`bad.xml:5:`, `application group "G" has no GroupType`}},
		{name: "non-numeric OperationID", in: app(`<AzOperation Guid="` + g1 + `" Name="X">` + "\n" + `<OperationID>seven</OperationID></AzOperation>`),
			want: []string{`bad.xml:6: <OperationID>: OperationID "seven" of operation "X" is not a positive integer`}},
		{name: "missing OperationID", in: app(`<AzOperation Guid="` + g1 + `" Name="X"/>`), want: []string{`bad.xml:5: <AzOperation>: operation "X" has no OperationID`}},
		{name: "OperationID twice", in: app(`<AzOperation Guid="` + g1 + `" Name="X"><OperationID>1</OperationID><OperationID>2</OperationID></AzOperation>`),
			want: []string{"bad.xml:5: <OperationID>: appears twice"}},
		{name: "duplicate OperationID", in: app(`<AzOperation Guid="` + g1 + `" Name="X"><OperationID>307</OperationID></AzOperation>`),
			want: []string{`operation "X": OperationID: 307 is also used by "Start Virtual Machine"`}, is: policy.ErrDuplicate},
		{name: "AzOperation inside AzScope", in: app(`<AzScope Guid="` + g1 + `" Name="S">` + "\n" + `<AzOperation Guid="` + g2 + `" Name="X"><OperationID>5</OperationID></AzOperation></AzScope>`),
			want: []string{"bad.xml:6: <AzOperation>: operations live at application level, not in a scope"}},
		{name: "nested scope", in: app(`<AzScope Guid="` + g1 + `" Name="S"><AzScope Guid="` + g2 + `" Name="T"/></AzScope>`),
			want: []string{"<AzScope>: scopes do not nest"}},
		{name: "unknown element", in: app(xtask(g1, "A", "\n<Deny>everyone</Deny>")),
			want: []string{"bad.xml:6: <Deny>: unexpected element in <AzTask>; allowed: TaskLink, OperationLink"}},
		{name: "element in a leaf", in: app(`<AzRole Guid="` + g1 + `" Name="R"><Member><b>x</b></Member></AzRole>`),
			want: []string{"bad.xml:5: <b>: unexpected element inside <Member>"}},
		{name: "text in a container", in: app(`<AzRole Guid="` + g1 + `" Name="R">grant all</AzRole>`),
			want: []string{`bad.xml:5: <AzRole>: unexpected text "grant all"`}},
		{name: "empty Member", in: app(`<AzRole Guid="` + g1 + `" Name="R"><Member>  </Member></AzRole>`),
			want: []string{"bad.xml:5: <Member>: is empty"}},
		{name: "RoleDefinition not boolean", in: app(`<AzTask Guid="` + g1 + `" Name="A" RoleDefinition="yes"/>`),
			want: []string{`bad.xml:5: <AzTask>: RoleDefinition "yes" is not True or False`}},
		{name: "repeated attribute", in: app(`<AzTask Guid="` + g1 + `" Name="A" Name="B"/>`), want: []string{"bad.xml:5:", "Name"}},
		{name: "unknown BizRuleLanguage", in: app(xtask(g1, "A", "<BizRuleLanguage>Perl</BizRuleLanguage>")),
			want: []string{`bad.xml: application "App" / task "A": BizRuleLanguage: "Perl" is not Expr, VBScript or JScript`}, is: policy.ErrInvalid},
		{name: "BizRule twice", in: app(xtask(g1, "A", "<BizRule>a</BizRule><BizRule>b</BizRule>")), want: []string{"<BizRule>: appears twice"}},
		{name: "unknown attribute is only a warning", in: app(xtask(g1, "A", "")), noErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tc.in), "bad.xml", tc.opts...)
			if tc.noErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error for\n%s", tc.in)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %v", err, tc.is)
			}
			if !errors.Is(err, policy.ErrInvalid) && !errors.Is(err, policy.ErrDuplicate) &&
				!errors.Is(err, policy.ErrDanglingLink) && !errors.Is(err, policy.ErrCycle) {
				t.Errorf("error %q wraps no policy sentinel", err)
			}
		})
	}
}

func TestParse_Warnings(t *testing.T) {
	in := app(`<AzTask Guid="` + g1 + `" Name="A" Colour="blue"/>` + "\n" +
		`<AzApplicationGroup Guid="` + g2 + `" Name="G" GroupType="Basic"><LdapQuery>(cn=x)</LdapQuery></AzApplicationGroup>` + "\n" +
		`<AzOperation Guid="` + g3 + `" Name="Launch Missiles"><OperationID>999</OperationID></AzOperation>`)
	_, _, warns, err := Parse(strings.NewReader(in), "w.xml")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`w.xml:5: attribute Colour="blue" is not part of the azgate model and is dropped`,
		`w.xml:6: application group "G" is Basic but has an LdapQuery; it is kept and not used`,
	}
	if len(warns) != len(want) {
		t.Fatalf("warnings: %v", warns)
	}
	for i, w := range want {
		if !strings.HasPrefix(warns[i].String(), w) {
			t.Errorf("warning %d = %q, want prefix %q", i, warns[i], w)
		}
	}
}
