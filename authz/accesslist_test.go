package authz

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/azgate/azgate/directory"
	"github.com/azgate/azgate/internal/policygen"
	"github.com/azgate/azgate/operations"
)

type objectSlice []Object

func (s objectSlice) ListObjects(context.Context) ([]Object, error) { return slices.Clone(s), nil }

type failingLister struct{}

func (failingLister) ListObjects(context.Context) ([]Object, error) {
	return nil, errors.New("engine unreachable")
}

// randomObjects puts n objects in the scopes of c (and one in a scope it
// lacks), some limited to a few operations.
func randomObjects(seed uint64, c *Checker, n int) objectSlice {
	rng := policygen.NewRand(seed)
	scopes := append([]string{""}, c.Scopes()...)
	all := c.Operations().All()
	var out objectSlice
	for i := range n {
		o := Object{Kind: []string{"virtual machine", "virtual switch"}[rng.IntN(2)], Name: fmt.Sprintf("obj%d", i),
			Scope: policygen.RandCase(rng, scopes[rng.IntN(len(scopes))])}
		if rng.IntN(2) == 0 {
			for range 1 + rng.IntN(6) {
				o.Operations = append(o.Operations, all[rng.IntN(len(all))].ID)
			}
		}
		if rng.IntN(4) == 0 {
			o.AlsoIn = []string{scopes[rng.IntN(len(scopes))]}
			if rng.IntN(8) == 0 {
				o.AlsoIn = append(o.AlsoIn, "No Such Scope")
			}
		}
		out = append(out, o)
	}
	return append(out, Object{Kind: "virtual machine", Name: "stray", Scope: "No Such Scope"})
}

// bruteAccessList is what AccessList must return, from AccessCheck.
func bruteAccessList(t *testing.T, c *Checker, cl directory.ClientContext, objs objectSlice, op operations.ID) []string {
	t.Helper()
	ctx := context.Background()
	var ids []operations.ID
	for _, o := range c.Operations().All() {
		if op == 0 || o.ID == op {
			ids = append(ids, o.ID)
		}
	}
	var out []string
	for _, scope := range append([]string{""}, c.Scopes()...) {
		rs, err := c.AccessCheck(ctx, cl, scope, ids, nil)
		if err != nil {
			t.Fatal(err)
		}
		allowed := map[operations.ID]bool{}
		var names []string
		for _, r := range rs {
			if r.Allowed {
				allowed[r.Operation.ID] = true
				names = append(names, r.Operation.Name)
			}
		}
		if len(names) == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%s||%s", scope, strings.Join(names, ",")))
		var inScope []Object
		for _, o := range objs {
			if (o.Scope == "" && scope == "") || (o.Scope != "" && scope != "" && foldKey(o.Scope) == foldKey(scope)) {
				inScope = append(inScope, o)
			}
		}
		slices.SortFunc(inScope, func(a, b Object) int {
			return strings.Compare(a.Kind+"\x00"+foldKey(a.Name), b.Kind+"\x00"+foldKey(b.Name))
		})
		for _, o := range inScope {
			also := map[operations.ID]int{}
			for _, sc := range o.AlsoIn {
				ars, err := c.AccessCheck(ctx, cl, sc, ids, nil)
				if errors.Is(err, ErrUnknownScope) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range ars {
					if r.Allowed {
						also[r.Operation.ID]++
					}
				}
			}
			var ons []string
			for _, r := range rs {
				if r.Allowed && (o.Operations == nil || slices.Contains(o.Operations, r.Operation.ID)) && also[r.Operation.ID] == len(o.AlsoIn) {
					ons = append(ons, r.Operation.Name)
				}
			}
			if len(ons) > 0 {
				out = append(out, fmt.Sprintf("%s|%s %s|%s", scope, o.Kind, o.Name, strings.Join(ons, ",")))
			}
		}
	}
	return out
}

func entryString(e AccessEntry) string {
	obj := ""
	if e.Object != "" {
		obj = e.ObjectKind + " " + e.Object
	}
	return fmt.Sprintf("%s|%s|%s", e.Scope, obj, strings.Join(e.Operations, ","))
}

// TestAccessList_MatchesAccessCheck pages through every access list with
// several page sizes and holds the whole to AccessCheck.
func TestAccessList_MatchesAccessCheck(t *testing.T) {
	ctx := context.Background()
	all := operations.All()
	var entries int
	for seed := range uint64(60) {
		p, clients := policygen.RandomStore(policygen.NewRand(seed+11000), all)
		c, err := Compile(p, "", Options{})
		if err != nil {
			t.Fatal(err)
		}
		objs := randomObjects(seed, c, 40)
		for ci, cl := range clients {
			op := operations.ID(0)
			if ops := c.Operations().All(); ci%2 == 1 {
				op = ops[int(seed)%len(ops)].ID
			}
			want := bruteAccessList(t, c, cl, objs, op)
			for _, limit := range []int{1, 3, 1000} {
				var got []string
				tok := ""
				for pages := 0; ; pages++ {
					if pages > 200 {
						t.Fatal("no end to the pages")
					}
					pg, err := c.AccessList(ctx, UserSubject(cl), AccessListOptions{Operation: op, Objects: objs, Revision: 7, Limit: limit, Token: tok})
					if err != nil {
						t.Fatal(err)
					}
					if len(pg.Entries) > limit || (pg.Next != "" && len(pg.Entries) != limit) {
						t.Fatalf("page of %d entries (limit %d), next %q", len(pg.Entries), limit, pg.Next)
					}
					for _, e := range pg.Entries {
						got = append(got, entryString(e))
					}
					if pg.Next == "" {
						break
					}
					tok = pg.Next
				}
				if !slices.Equal(got, want) {
					t.Fatalf("seed %d, %s, operation %d, limit %d:\ngot  %q\nwant %q", seed, cl.Name, op, limit, got, want)
				}
			}
			entries += len(want)
		}
	}
	if entries == 0 {
		t.Fatal("every access list was empty")
	}
}

func TestAccessList_Tokens(t *testing.T) {
	ctx := context.Background()
	c := appGroupPolicy(t)
	ann := UserSubject(directory.ClientContext{Name: "ann", IDs: []string{`CORP\ann`}})
	objs := objectSlice{{Kind: "virtual machine", Name: "vm1", Scope: "lab"}, {Kind: "virtual machine", Name: "vm2", Scope: "Lab"}}
	first, err := c.AccessList(ctx, ann, AccessListOptions{Objects: objs, Revision: 3, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Entries) != 1 || first.Next == "" {
		t.Fatalf("first page: %+v", first)
	}
	cases := []struct {
		name string
		subj Subject
		opts AccessListOptions
		want error
	}{
		{"another revision", ann, AccessListOptions{Objects: objs, Revision: 4, Limit: 1, Token: first.Next}, ErrStaleToken},
		{"another subject", ApplicationGroupSubject("Staff", ""), AccessListOptions{Objects: objs, Revision: 3, Limit: 1, Token: first.Next}, ErrBadToken},
		{"another operation", ann, AccessListOptions{Operation: 307, Objects: objs, Revision: 3, Limit: 1, Token: first.Next}, ErrBadToken},
		{"without objects", ann, AccessListOptions{Revision: 3, Limit: 1, Token: first.Next}, ErrBadToken},
		{"garbage", ann, AccessListOptions{Objects: objs, Revision: 3, Token: "not a token"}, ErrBadToken},
		{"limit too large", ann, AccessListOptions{Revision: 3, Limit: MaxPageLimit + 1}, ErrBadToken},
		{"unknown operation", ann, AccessListOptions{Revision: 3, Operation: 4242}, ErrUnknownOperation},
		{"unknown group", ApplicationGroupSubject("Nobody", ""), AccessListOptions{Revision: 3}, ErrUnknownGroup},
		{"objects fail", ann, AccessListOptions{Revision: 3, Objects: failingLister{}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.AccessList(ctx, tc.subj, tc.opts)
			if tc.want == nil {
				if err == nil || !strings.Contains(err.Error(), "engine unreachable") {
					t.Errorf("error %v, want the lister's", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("object removed between pages", func(t *testing.T) {
		// Page 1: the default scope; page 2: Lab; page 3: vm1. vm1 goes
		// before page 3 is read: vm2 is listed, nothing repeated.
		p2, err := c.AccessList(ctx, ann, AccessListOptions{Objects: objs, Revision: 3, Limit: 1, Token: first.Next})
		if err != nil {
			t.Fatal(err)
		}
		p3, err := c.AccessList(ctx, ann, AccessListOptions{Objects: objs, Revision: 3, Limit: 1, Token: p2.Next})
		if err != nil {
			t.Fatal(err)
		}
		p4, err := c.AccessList(ctx, ann, AccessListOptions{Objects: objs[1:], Revision: 3, Limit: 1, Token: p3.Next})
		if err != nil {
			t.Fatal(err)
		}
		got := []string{entryString(first.Entries[0]), entryString(p2.Entries[0]), entryString(p3.Entries[0]), entryString(p4.Entries[0])}
		want := []string{"|" + "|View Virtual Machine Configuration", "Lab||Start Virtual Machine,Stop Virtual Machine,View Virtual Machine Configuration",
			"Lab|virtual machine vm1|Start Virtual Machine,Stop Virtual Machine,View Virtual Machine Configuration",
			"Lab|virtual machine vm2|Start Virtual Machine,Stop Virtual Machine,View Virtual Machine Configuration"}

		if !slices.Equal(got, want) || p4.Next != "" {
			t.Errorf("pages:\ngot  %q\nwant %q (next %q)", got, want, p4.Next)
		}
	})
}

func TestWhoCanPaged(t *testing.T) {
	c := appGroupPolicy(t)
	whole, err := c.WhoCan("Lab", 307)
	if err != nil {
		t.Fatal(err)
	}
	if len(whole) < 3 {
		t.Fatalf("who can start in Lab: %+v", whole)
	}
	var got []Principal
	tok := ""
	for {
		pg, err := c.WhoCanPaged("lab", 307, WhoCanOptions{Revision: 9, Limit: 2, Token: tok})
		if err != nil {
			t.Fatal(err)
		}
		if pg.Total != len(whole) {
			t.Errorf("total %d, want %d", pg.Total, len(whole))
		}
		got = append(got, pg.Principals...)
		if pg.Next == "" {
			break
		}
		tok = pg.Next
		if _, err := c.WhoCanPaged("Lab", 307, WhoCanOptions{Revision: 10, Limit: 2, Token: tok}); !errors.Is(err, ErrStaleToken) {
			t.Errorf("token of revision 9 at revision 10: %v, want ErrStaleToken", err)
		}
		if _, err := c.WhoCanPaged("Lab", 308, WhoCanOptions{Revision: 9, Limit: 2, Token: tok}); !errors.Is(err, ErrBadToken) {
			t.Errorf("token of another operation: %v, want ErrBadToken", err)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(whole) {
		t.Errorf("pages %+v\nwhole %+v", got, whole)
	}
	if _, err := c.WhoCanPaged("Nowhere", 307, WhoCanOptions{}); !errors.Is(err, ErrUnknownScope) {
		t.Errorf("unknown scope: %v", err)
	}
}
