package ldapschema

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "regenerate azman.ldif from azman.schema")

func TestLDIFMatchesSchema(t *testing.T) {
	defs, err := ParseSchema(Schema)
	if err != nil {
		t.Fatalf("parse azman.schema: %v", err)
	}
	want := GenerateLDIF("azman", defs)
	if *update {
		if err := os.WriteFile("azman.ldif", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if LDIF != want {
		t.Fatal("azman.ldif is out of date with azman.schema: run go test ./policies/ldapschema -run TestLDIFMatchesSchema -update")
	}
}

func TestSchemaDefinesAzManClasses(t *testing.T) {
	defs, err := ParseSchema(Schema)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{}
	for _, d := range defs {
		_, rest, _ := strings.Cut(d.Text, "NAME '")
		name, _, _ := strings.Cut(rest, "'")
		byName[name] = d.Text
	}
	tests := []struct{ name, oid string }{
		{"msDS-AzAdminManager", "1.2.840.113556.1.5.234"},
		{"msDS-AzApplication", "1.2.840.113556.1.5.235"},
		{"msDS-AzOperation", "1.2.840.113556.1.5.236"},
		{"msDS-AzScope", "1.2.840.113556.1.5.237"},
		{"msDS-AzTask", "1.2.840.113556.1.5.238"},
		{"msDS-AzRole", "1.2.840.113556.1.5.239"},
		{"group", "1.2.840.113556.1.5.8"},
		{"container", "1.2.840.113556.1.3.23"},
		{"msDS-AzOperationID", "1.2.840.113556.1.4.1800"},
		{"msDS-MembersForAzRole", "1.2.840.113556.1.4.1806"},
		{"msDS-TasksForAzTask", "1.2.840.113556.1.4.1810"},
		{"msDS-OperationsForAzTask", "1.2.840.113556.1.4.1808"},
		{"msDS-AzLDAPQuery", "1.2.840.113556.1.4.1792"},
		{"msDS-NonMembers", "1.2.840.113556.1.4.1793"},
		{"objectSid", "1.2.840.113556.1.4.146"},
		{"groupType", "1.2.840.113556.1.4.750"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, ok := byName[tt.name]
			if !ok {
				t.Fatalf("%s not defined", tt.name)
			}
			if !strings.HasPrefix(text, "( "+tt.oid+" ") {
				t.Errorf("%s: want OID %s, got %q", tt.name, tt.oid, text)
			}
		})
	}
}

func TestParseSchemaErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"macro", "objectidentifier MS 1.2.840.113556\n"},
		{"unclosed", "attributetype ( 1.2.3 NAME 'x'\n"},
		{"unbalanced", "attributetype ( 1.2.3 NAME 'x' ) )\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseSchema(tt.in); err == nil {
				t.Fatalf("ParseSchema(%q) succeeded, want error", tt.in)
			}
		})
	}
}
