package policy

import (
	"errors"
	"testing"
	"time"
)

func TestTerm_Active(t *testing.T) {
	at := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		term Term
		now  time.Time
		want bool
	}{
		{"no limit", Term{}, at, true},
		{"before expiry", Term{Expires: at}, at.Add(-time.Nanosecond), true},
		{"at expiry", Term{Expires: at}, at, false},
		{"after expiry", Term{Expires: at}, at.Add(time.Second), false},
		{"before start", Term{Start: at}, at.Add(-time.Nanosecond), false},
		{"at start", Term{Start: at}, at, true},
		{"inside window", Term{Start: at, Expires: at.Add(time.Hour)}, at.Add(time.Minute), true},
		{"empty window", Term{Start: at, Expires: at}, at, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.term.Active(tc.now); got != tc.want {
				t.Errorf("Active(%v) = %v, want %v", tc.now, got, tc.want)
			}
		})
	}
	if n := (Term{Start: at, Expires: at.Add(time.Hour)}).Next(at); !n.Equal(at.Add(time.Hour)) {
		t.Errorf("Next at the start = %v, want the expiry", n)
	}
	if n := (Term{Expires: at}).Next(at); !n.IsZero() {
		t.Errorf("Next at the expiry = %v, want none", n)
	}
}

func TestPolicy_Terms(t *testing.T) {
	app := Location{App: DefaultApplication}
	exp := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	base := NewDefault()
	p, err := base.Edit(func(p *Policy) error {
		if err := p.CreateGroup(app, &Group{GUID: NewGUID(), Name: "Temps", Type: GroupBasic}); err != nil {
			return err
		}
		if err := p.Link(app, KindRole, "Administrator", RelGroup, "Temps"); err != nil {
			return err
		}
		if err := p.Link(app, KindRole, "Administrator", RelMember, `CONTOSO\alice`); err != nil {
			return err
		}
		if err := p.SetTerm(app, KindRole, "Administrator", RelMember, `contoso\ALICE`, Term{Expires: exp}); err != nil {
			return err
		}
		return p.SetTerm(app, KindRole, "Administrator", RelGroup, "temps", Term{Start: exp})
	})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := p.Applications[0].Role("Administrator")
	if tm, ok := r.Term(`CONTOSO\alice`); !ok || tm.Member != `CONTOSO\alice` || !tm.Expires.Equal(exp) {
		t.Fatalf("alice's term %+v, %v", tm, ok)
	}
	if len(r.Terms) != 2 {
		t.Fatalf("terms %+v, want alice's and the group's", r.Terms)
	}

	// Errors: no such member; a term on a non-member relation.
	if _, err := p.Edit(func(p *Policy) error {
		return p.SetTerm(app, KindRole, "Administrator", RelMember, `CONTOSO\bob`, Term{Expires: exp})
	}); !errors.Is(err, ErrNotFound) {
		t.Errorf("term of a non-member: %v, want ErrNotFound", err)
	}
	if _, err := p.Edit(func(p *Policy) error {
		return p.SetTerm(app, KindGroup, "Temps", RelNonMember, `CONTOSO\bob`, Term{Expires: exp})
	}); !errors.Is(err, ErrInvalid) {
		t.Errorf("term of a non-member relation: %v, want ErrInvalid", err)
	}
	// A term naming no member does not validate.
	if _, err := p.Edit(func(p *Policy) error {
		r, _ := p.Applications[0].Role("Administrator")
		r.Terms = append(r.Terms, Term{Member: "nobody", Expires: exp})
		return nil
	}); !errors.Is(err, ErrDanglingLink) {
		t.Errorf("term of nobody: %v, want ErrDanglingLink", err)
	}

	// The term goes with its member: removed, or its group deleted.
	q, err := p.Edit(func(p *Policy) error {
		if err := p.Unlink(app, KindRole, "Administrator", RelMember, `CONTOSO\alice`); err != nil {
			return err
		}
		return p.Delete(app, KindGroup, "Temps")
	})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := q.Applications[0].Role("Administrator"); len(r.Terms) != 0 {
		t.Fatalf("terms %+v left after their members went", r.Terms)
	}
	if p.HasTerms() != true || q.HasTerms() {
		t.Error("HasTerms wrong")
	}
}

// TestPolicy_UpdateTerm: a linking command that gives one side of a term
// keeps the other; SetTerm replaces the whole term.
func TestPolicy_UpdateTerm(t *testing.T) {
	app := Location{App: DefaultApplication}
	start := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	exp := start.Add(48 * time.Hour)
	tests := []struct {
		name   string
		update Term
		want   Term
	}{
		{"a start keeps the expiry", Term{Start: start}, Term{Start: start, Expires: exp}},
		{"a new expiry keeps no start", Term{Expires: exp.Add(time.Hour)}, Term{Expires: exp.Add(time.Hour)}},
		{"both replace both", Term{Start: start, Expires: start.Add(time.Hour)}, Term{Start: start, Expires: start.Add(time.Hour)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewDefault().Edit(func(p *Policy) error {
				if err := p.Link(app, KindRole, "Administrator", RelMember, `CONTOSO\alice`); err != nil {
					return err
				}
				if err := p.SetTerm(app, KindRole, "Administrator", RelMember, `CONTOSO\alice`, Term{Expires: exp}); err != nil {
					return err
				}
				return p.UpdateTerm(app, KindRole, "Administrator", RelMember, `contoso\ALICE`, tc.update)
			})
			if err != nil {
				t.Fatal(err)
			}
			r, err := p.roleAt(app, "Administrator")
			if err != nil {
				t.Fatal(err)
			}
			got, ok := r.Term(`CONTOSO\alice`)
			if !ok || !got.Start.Equal(tc.want.Start) || !got.Expires.Equal(tc.want.Expires) {
				t.Errorf("term = %v (%v), want %v", got, ok, tc.want)
			}
		})
	}
}
