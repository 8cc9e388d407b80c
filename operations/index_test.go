package operations

import (
	"errors"
	"strings"
	"testing"
)

func TestNewIndex_Invalid(t *testing.T) {
	tests := []struct {
		name string
		ops  []Operation
		want string
	}{
		{"empty name", []Operation{{ID: 1, Name: " "}}, "has no name"},
		{"zero ID", []Operation{{ID: 0, Name: "A"}}, "ID 0 is not positive"},
		{"negative ID", []Operation{{ID: -4, Name: "A"}}, "ID -4 is not positive"},
		{"ID twice", []Operation{{ID: 7, Name: "A"}, {ID: 7, Name: "B"}}, `"B": ID 7 is also used by "A"`},
		{"name twice, folded", []Operation{{ID: 1, Name: "Read"}, {ID: 2, Name: " rEAD "}}, `name " rEAD " is also used by ID 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewIndex("Expenses", tt.ops)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), `"Expenses"`) {
				t.Fatalf("err = %v, want ErrInvalid naming the application and containing %q", err, tt.want)
			}
		})
	}
}

func TestIndex_Lookups(t *testing.T) {
	dense := []Operation{{ID: 61, Name: "View Purchase Order"}, {ID: 62, Name: "Approve Purchase Order"}, {ID: 307, Name: "Submit"}}
	sparse := []Operation{{ID: 61, Name: "Start Virtual Machine"}, {ID: 1 << 30, Name: "Far Away"}, {ID: 5, Name: "Five"}}
	for _, tc := range []struct {
		name string
		ops  []Operation
	}{{"dense", dense}, {"sparse", sparse}} {
		t.Run(tc.name, func(t *testing.T) {
			x, err := NewIndex("App", tc.ops)
			if err != nil {
				t.Fatal(err)
			}
			if x.Len() != len(tc.ops) || x.Application() != "App" {
				t.Fatalf("Len = %d, Application = %q", x.Len(), x.Application())
			}
			for i, o := range tc.ops {
				if p := x.Pos(o.ID); p != i {
					t.Errorf("Pos(%d) = %d, want %d", o.ID, p, i)
				}
				if p := x.PosByName("  " + strings.ToUpper(o.Name)); p != i {
					t.Errorf("PosByName(%q) = %d, want %d", o.Name, p, i)
				}
				if got, err := x.Parse(" " + strings.ToLower(o.Name)); err != nil || got != o {
					t.Errorf("Parse(name) = %v, %v", got, err)
				}
				if got, ok := x.ByID(o.ID); !ok || got != o || x.At(i) != o {
					t.Errorf("ByID(%d) = %v, %v", o.ID, got, ok)
				}
			}
			for _, id := range []ID{0, -1, 4, 60, 63, 1<<30 + 1, 1 << 31} {
				if p := x.Pos(id); p != -1 {
					t.Errorf("Pos(%d) = %d, want -1", id, p)
				}
			}
		})
	}
}

// The same ID means different operations in two applications: each index
// reads an ID against its own operations only, and its errors say which
// application was asked.
func TestIndex_IDsBelongToTheirApplication(t *testing.T) {
	a, _ := NewIndex("Expenses", []Operation{{ID: 61, Name: "View Purchase Order"}, {ID: 62, Name: "Approve"}})
	b, _ := NewIndex("Payroll", []Operation{{ID: 61, Name: "Run Payroll"}, {ID: 70, Name: "Approve"}})
	tests := []struct {
		x       *Index
		in      string
		want    string
		wantErr string
	}{
		{a, "61", "View Purchase Order", ""},
		{b, "61", "Run Payroll", ""},
		{a, "approve", "Approve", ""},
		{b, "APPROVE", "Approve", ""},
		{a, "70", "", `unknown operation ID 70 in application "Expenses"`},
		{b, "Run Payrol", "", `unknown operation "Run Payrol" in application "Payroll"; did you mean "Run Payroll"?`},
		{a, "Run Payroll", "", `unknown operation "Run Payroll" in application "Expenses"`},
		{HyperV(), "61", "", `unknown operation ID 61 in application "Hyper-V services"`},
	}
	for _, tt := range tests {
		t.Run(tt.x.Application()+"/"+tt.in, func(t *testing.T) {
			o, err := tt.x.Parse(tt.in)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want ErrUnknown containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || o.Name != tt.want {
				t.Fatalf("Parse = %v, %v; want %q", o, err, tt.want)
			}
		})
	}
}

func TestIndex_AllDoesNotAllocate(t *testing.T) {
	x := HyperV()
	if n := testing.AllocsPerRun(100, func() {
		_ = x.All()
		_, _ = x.ByID(StartVM)
		_ = x.Pos(AllowVMSnapshot)
	}); n != 0 {
		t.Errorf("All and ByID allocate %v times a call", n)
	}
	all := x.All()
	if len(all) != Count || cap(all) != Count {
		t.Fatalf("All: len %d cap %d", len(all), cap(all))
	}
	c := All()
	c[0].Name = "changed"
	if x.At(0).Name == "changed" {
		t.Error("All() shares memory with the index")
	}
}

func TestIndex_ExactNameDoesNotAllocate(t *testing.T) {
	x := HyperV()
	if n := testing.AllocsPerRun(100, func() { _ = x.PosByName("Start Virtual Machine") }); n != 0 {
		t.Errorf("an exactly spelled name allocates %v times a lookup", n)
	}
}
