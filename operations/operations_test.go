package operations

import (
	"strings"
	"testing"
)

func TestAll_Catalog(t *testing.T) {
	all := All()
	if len(all) != Count {
		t.Fatalf("catalog has %d operations, want %d", len(all), Count)
	}
	perCat := map[Category]int{}
	ids := map[ID]bool{}
	names := map[string]bool{}
	for _, o := range all {
		perCat[o.Category]++
		if ids[o.ID] {
			t.Errorf("duplicate ID %d", o.ID)
		}
		if names[strings.ToLower(o.Name)] {
			t.Errorf("duplicate name %q", o.Name)
		}
		ids[o.ID], names[strings.ToLower(o.Name)] = true, true
		if o.Description == "" {
			t.Errorf("%q has no description", o.Name)
		}
	}
	if perCat[Service] != 3 || perCat[Network] != 20 || perCat[VirtualMachine] != 11 {
		t.Errorf("categories = %v, want 3 service, 20 network, 11 virtual machine", perCat)
	}
	if o := MustID(AllowVMSnapshot); o.Name != "Allow Virtual Machine Snapshot" || o.ID != 355 {
		t.Errorf("snapshot operation = %+v", o)
	}
}

func TestByName(t *testing.T) {
	tests := []struct {
		in      string
		want    ID
		wantErr string
	}{
		{"Start Virtual Machine", StartVM, ""},
		{"  start virtual MACHINE ", StartVM, ""},
		{"View VLAN Settings", ViewVLANSettings, ""},
		{"Strat Virtual Machine", 0, `did you mean "Start Virtual Machine"`},
		{"snapshot", 0, `"Allow Virtual Machine Snapshot"`},
		{"ſtart Virtual Machine", StartVM, ""},                  // ſ is s (names.Equal)
		{"ſnapſhot", 0, `"Allow Virtual Machine Snapshot"`},     // suggestions fold alike
		{"Start Virtual Machine\u0301", 0, "unknown operation"}, // no other normalising
		{"", 0, "unknown operation"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			o, err := ByName(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || o.ID != tt.want {
				t.Fatalf("ByName(%q) = %v, %v; want ID %d", tt.in, o, err, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	if o, err := Parse("355"); err != nil || o.ID != AllowVMSnapshot {
		t.Fatalf("Parse(355) = %v, %v", o, err)
	}
	if _, err := Parse("9999"); err == nil {
		t.Fatal("Parse(9999) succeeded")
	}
	for _, o := range All() {
		if got, err := ByID(o.ID); err != nil || got != o {
			t.Errorf("ByID(%d) = %v, %v", o.ID, got, err)
		}
	}
}
