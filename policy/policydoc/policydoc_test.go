package policydoc_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/azgate/azgate/api"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policydoc"
)

const (
	gOp   = "11111111-0000-0000-0000-000000000001"
	gTask = "11111111-0000-0000-0000-000000000002"
	gDef  = "11111111-0000-0000-0000-000000000003"
	gGrp  = "11111111-0000-0000-0000-000000000004"
	gMiss = "11111111-0000-0000-0000-00000000dead"
)

func testPolicy() *policy.Policy {
	return &policy.Policy{MajorVersion: 2, MinorVersion: 0, Description: "d",
		Groups: []*policy.Group{{GUID: gGrp, Name: "Everyone", Members: []string{"S-1-1-0"}}},
		Applications: []*policy.Application{{Name: "App", Version: "1.0",
			Operations: []*policy.Operation{{GUID: gOp, Name: "Op", OperationID: 7}},
			Objects: policy.Objects{
				Tasks: []*policy.Task{
					{GUID: gTask, Name: "T", OperationLinks: []string{gOp}, BizRule: policy.BizRule{Script: "true"}},
					{GUID: gDef, Name: "D", RoleDefinition: true, TaskLinks: []string{"11111111-0000-0000-0000-000000000002"},
						BizRule: policy.BizRule{Script: "x", Language: policy.LangJScript}},
				},
				Roles: []*policy.Role{{Name: "R", TaskLinks: []string{gDef, gMiss}, AppMemberLinks: []string{gGrp}}},
			},
			Scopes: []*policy.Scope{{Name: "Lab", Description: "lab"}},
		}},
	}
}

func TestOf(t *testing.T) {
	got := policydoc.Of(testPolicy(), 12)
	want := api.Policy{Revision: 12, Version: "2.0", Description: "d",
		Groups: []api.Group{{Name: "Everyone", Type: api.GroupBasic, Members: []string{"S-1-1-0"}, NonMembers: []string{},
			Groups: []string{}, NonGroups: []string{}}},
		Applications: []api.Application{{AppInfo: api.AppInfo{Name: "App", Version: "1.0"},
			Operations: []api.Operation{{Name: "Op", ID: 7}},
			Objects: api.Objects{
				// An expression rule names its language; a dangling link
				// keeps its GUID.
				Tasks: []api.Task{{Name: "T", Operations: []string{"Op"}, Tasks: []string{},
					BizRule: &api.BizRule{Script: "true", Language: policy.LangExpr}}},
				RoleDefinitions: []api.Task{{Name: "D", Operations: []string{}, Tasks: []string{"T"},
					BizRule: &api.BizRule{Script: "x", Language: policy.LangJScript}}},
				RoleAssignments: []api.RoleAssignment{{Name: "R", RoleDefinitions: []string{"D", gMiss}, Operations: []string{},
					Members: []string{}, Groups: []string{"Everyone"}}},
				Groups: []api.Group{},
			},
			Scopes: []api.ScopeObjects{{Scope: api.Scope{Name: "Lab", Description: "lab"},
				Objects: api.Objects{Tasks: []api.Task{}, RoleDefinitions: []api.Task{}, RoleAssignments: []api.RoleAssignment{}, Groups: []api.Group{}}}},
		}},
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("Of =\n%s\nwant\n%s", g, w)
	}
}

func TestBizRule_RoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   policy.BizRule
		doc  *api.BizRule
		back policy.BizRule
	}{
		{"none", policy.BizRule{}, nil, policy.BizRule{}},
		{"expression", policy.BizRule{Script: "a"}, &api.BizRule{Script: "a", Language: policy.LangExpr}, policy.BizRule{Script: "a", Language: policy.LangExpr}},
		{"jscript imported", policy.BizRule{Script: "s", Language: policy.LangJScript, ImportedPath: "r.js"},
			&api.BizRule{Script: "s", Language: policy.LangJScript, ImportedPath: "r.js"},
			policy.BizRule{Script: "s", Language: policy.LangJScript, ImportedPath: "r.js"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := policydoc.BizRule(tt.in)
			if !reflect.DeepEqual(doc, tt.doc) {
				t.Fatalf("BizRule(%+v) = %+v, want %+v", tt.in, doc, tt.doc)
			}
			if back := policydoc.PolicyBizRule(doc); back != tt.back {
				t.Fatalf("PolicyBizRule(%+v) = %+v, want %+v", doc, back, tt.back)
			}
		})
	}
}

// TestApplyTerms_NotAMember: a document's term naming no member of the
// document is an error of the document (ErrInvalid: the API's 400), not a
// missing object (ErrNotFound: a 404 that read as "no such role
// assignment").
func TestApplyTerms_NotAMember(t *testing.T) {
	l := policy.Location{App: policy.DefaultApplication}
	p, err := policy.NewDefault().Edit(func(p *policy.Policy) error {
		if err := p.CreateRole(l, &policy.Role{GUID: policy.NewGUID(), Name: "Ops"}); err != nil {
			return err
		}
		return p.Link(l, policy.KindRole, "Ops", policy.RelMember, "bob")
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		term api.MemberTerm
	}{
		{"a member", api.MemberTerm{Member: "zed", Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"a group", api.MemberTerm{Group: "Nobody", Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := policydoc.ApplyTerms(p.Clone(), l, policy.KindRole, "Ops", []api.MemberTerm{tc.term})
			if !errors.Is(err, policy.ErrInvalid) || errors.Is(err, policy.ErrNotFound) {
				t.Errorf("ApplyTerms: %v; want ErrInvalid, not ErrNotFound", err)
			}
		})
	}
}

func TestMemberLines_RoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		line   string
		member string
		term   policy.Term
	}{
		{`CONTOSO\alice`, `CONTOSO\alice`, policy.Term{}},
		{`CONTOSO\alice (until 2026-12-02T15:00:00Z)`, `CONTOSO\alice`, policy.Term{Expires: at}},
		{`bob (from 2026-12-02T15:00:00Z)`, "bob", policy.Term{Start: at}},
		{`Temps (from 2026-12-02T15:00:00Z until 2026-12-02T16:00:00Z)`, "Temps", policy.Term{Start: at, Expires: at.Add(time.Hour)}},
		{`Team (old)`, `Team (old)`, policy.Term{}},
		{`(until 2026-12-02T15:00:00Z)`, `(until 2026-12-02T15:00:00Z)`, policy.Term{}},
	}
	for _, tc := range tests {
		m, term, err := policydoc.ParseMemberLine(tc.line)
		if err != nil || m != tc.member || !term.Start.Equal(tc.term.Start) || !term.Expires.Equal(tc.term.Expires) {
			t.Errorf("ParseMemberLine(%q) = %q, %v; want %q, %v", tc.line, m, term, tc.member, tc.term)
		}
		if tc.term.IsZero() {
			continue
		}
		got := policydoc.MemberLines([]string{tc.member}, []api.MemberTerm{{Member: tc.member, Starts: tc.term.Start, Expires: tc.term.Expires}}, false)
		if got[0] != tc.line {
			t.Errorf("MemberLines = %q, want %q", got[0], tc.line)
		}
	}
}
