package authz

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/azgate/azgate/operations"
)

// AccessCheckInto decides as AccessCheck does, reusing one buffer across
// checks of different lengths.
func TestChecker_AccessCheckInto(t *testing.T) {
	if testing.Short() {
		t.Skip("large policy")
	}
	p, clients, reqs := largeFixture(t)
	c, err := Compile(p, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	all := operations.All()
	var buf Buffer
	for i, r := range reqs[:2000] {
		ops := []operations.ID{r.Op}
		for k := range i % 4 { // 1 to 4 operations, growing and shrinking the buffer
			ops = append(ops, all[(int(r.Op)+7*k)%len(all)].ID)
		}
		want, werr := c.AccessCheck(ctx, clients[r.Client], r.Scope, ops, nil)
		got, gerr := c.AccessCheckInto(ctx, &buf, clients[r.Client], r.Scope, ops, nil)
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gerr, werr) {
			t.Fatalf("request %d (%v in %q): AccessCheckInto = %+v, %v; AccessCheck = %+v, %v", i, ops, r.Scope, got, gerr, want, werr)
		}
	}

	cases := []struct {
		name  string
		buf   *Buffer
		scope string
		ops   []operations.ID
		err   error
	}{
		{name: "nil buffer", buf: nil, scope: reqs[0].Scope, ops: []operations.ID{reqs[0].Op}},
		{name: "unknown scope", buf: &buf, scope: "no such scope", ops: []operations.ID{reqs[0].Op}, err: ErrUnknownScope},
		{name: "unknown operation", buf: &buf, scope: "", ops: []operations.ID{9999}},
		{name: "no operations", buf: &buf, scope: "", ops: nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl := clients[reqs[0].Client]
			want, werr := c.AccessCheck(ctx, cl, tc.scope, tc.ops, nil)
			got, gerr := c.AccessCheckInto(ctx, tc.buf, cl, tc.scope, tc.ops, nil)
			if !errors.Is(gerr, tc.err) || !reflect.DeepEqual(gerr, werr) {
				t.Fatalf("error %v, AccessCheck's %v; want %v", gerr, werr, tc.err)
			}
			if len(got) != len(tc.ops) || !reflect.DeepEqual(got, want) {
				t.Fatalf("results %+v; AccessCheck's %+v", got, want)
			}
		})
	}

	// A warm buffer: no allocation.
	r := reqs[1]
	ops := []operations.ID{r.Op}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := c.AccessCheckInto(ctx, &buf, clients[r.Client], r.Scope, ops, nil); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 && !raceEnabled {
		t.Errorf("AccessCheckInto allocates %.1f times a check; want 0", allocs)
	}
}
