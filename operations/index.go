package operations

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/azgate/azgate/internal/names"
)

// Sentinels of the index.
var (
	// ErrUnknown: no operation of the application has the name or ID asked
	// for. Index returns an *UnknownError, which names the application and,
	// for a name, the closest names it has.
	ErrUnknown = errors.New("unknown operation")
	// ErrInvalid: NewIndex was given operations that cannot form an
	// application's catalog: an empty name, a non-positive ID, or a name
	// or ID used twice.
	ErrInvalid = errors.New("invalid operation catalog")
)

// Index is the operations of one application, looked up by OperationID and
// by name (names.Equal after surrounding space is removed) in O(1). It is
// immutable once built and safe for concurrent use; build it once per
// catalog (per compiled policy for a store's application) and share it.
//
// Each operation has a position: its index in All, 0 to Len()-1, which
// decision code uses as the operation's bit.
type Index struct {
	app    string
	ops    []Operation
	byName map[string]int32 // names.Key of the trimmed name → position
	exact  map[string]int32 // the name as spelled → position: a lookup that neither folds nor allocates
	lo     ID               // dense[0] is the position of ID lo
	dense  []int32          // position of ID lo+i, -1 when none; nil when the IDs are too spread out
	sparse map[ID]int32
}

// maxDenseSpan bounds the ID range an Index keeps in a table (four bytes an
// ID); catalogs whose IDs spread wider use a map.
const maxDenseSpan = 1 << 14

// NewIndex indexes the operations of application app (the name errors
// give), in the order given. Every operation needs a non-empty name and a
// positive ID, both unique in the catalog (names compared by names.Equal
// after surrounding space is removed); otherwise NewIndex fails with an
// error wrapping ErrInvalid that names the operation.
func NewIndex(app string, ops []Operation) (*Index, error) {
	x := &Index{app: app, ops: append([]Operation(nil), ops...), byName: make(map[string]int32, len(ops)), exact: make(map[string]int32, len(ops))}
	lo, hi := ID(math.MaxInt), ID(0)
	byID := make(map[ID]int32, len(ops))
	for i, o := range x.ops {
		k := nameKey(o.Name)
		switch {
		case k == "":
			return nil, fmt.Errorf("application %q: operation %d (ID %d) has no name: %w", app, i+1, o.ID, ErrInvalid)
		case o.ID <= 0:
			return nil, fmt.Errorf("application %q: operation %q: ID %d is not positive: %w", app, o.Name, o.ID, ErrInvalid)
		}
		if j, dup := byID[o.ID]; dup {
			return nil, fmt.Errorf("application %q: operation %q: ID %d is also used by %q: %w", app, o.Name, o.ID, x.ops[j].Name, ErrInvalid)
		}
		if j, dup := x.byName[k]; dup {
			return nil, fmt.Errorf("application %q: operation %d (ID %d): name %q is also used by ID %d: %w", app, i+1, o.ID, o.Name, x.ops[j].ID, ErrInvalid)
		}
		byID[o.ID] = int32(i)
		x.byName[k] = int32(i)
		x.exact[o.Name] = int32(i)
		lo, hi = min(lo, o.ID), max(hi, o.ID)
	}
	switch {
	case len(x.ops) == 0:
	case hi-lo < maxDenseSpan:
		x.lo = lo
		x.dense = make([]int32, hi-lo+1)
		for i := range x.dense {
			x.dense[i] = -1
		}
		for i, o := range x.ops {
			x.dense[o.ID-lo] = int32(i)
		}
	default:
		x.sparse = byID
	}
	return x, nil
}

func nameKey(s string) string { return names.Key(strings.TrimSpace(s)) }

// Application is the name of the application the operations belong to.
func (x *Index) Application() string { return x.app }

// Len is the number of operations.
func (x *Index) Len() int { return len(x.ops) }

// All returns the operations in their positions' order. The slice is the
// index's own, shared by every caller and not allocated per call: do not
// modify it (Clone gives a copy to modify).
func (x *Index) All() []Operation { return x.ops[:len(x.ops):len(x.ops)] }

// Clone returns a fresh copy of All.
func (x *Index) Clone() []Operation { return append([]Operation(nil), x.ops...) }

// At returns the operation at position i (0 ≤ i < Len).
func (x *Index) At(i int) Operation { return x.ops[i] }

// Pos returns the position of the operation with ID id, or -1. O(1): a
// bounds check and a load for catalogs whose IDs lie close together, a map
// lookup otherwise.
func (x *Index) Pos(id ID) int {
	if i := uint(id - x.lo); i < uint(len(x.dense)) {
		return int(x.dense[i])
	}
	if x.sparse != nil {
		if p, ok := x.sparse[id]; ok {
			return int(p)
		}
	}
	return -1
}

// PosByName returns the position of the operation named name, or -1. A
// name spelled as the catalog spells it is found without folding or
// allocating.
func (x *Index) PosByName(name string) int {
	if p, ok := x.exact[name]; ok {
		return int(p)
	}
	if p, ok := x.byName[nameKey(name)]; ok {
		return int(p)
	}
	return -1
}

// ByID returns the operation with ID id.
func (x *Index) ByID(id ID) (Operation, bool) {
	if p := x.Pos(id); p >= 0 {
		return x.ops[p], true
	}
	return Operation{}, false
}

// ByName returns the operation named name.
func (x *Index) ByName(name string) (Operation, bool) {
	if p := x.PosByName(name); p >= 0 {
		return x.ops[p], true
	}
	return Operation{}, false
}

// Name returns the operation named name; an unknown name is an error
// wrapping ErrUnknown that names the application and suggests its closest
// names.
func (x *Index) Name(name string) (Operation, error) {
	if o, ok := x.ByName(name); ok {
		return o, nil
	}
	return Operation{}, x.unknownName(name)
}

// ID returns the operation with ID id; an unknown ID is an *UnknownError
// naming the application.
func (x *Index) ID(id ID) (Operation, error) {
	if o, ok := x.ByID(id); ok {
		return o, nil
	}
	return Operation{}, &UnknownError{App: x.app, ID: id}
}

// Parse resolves s, an operation's name or its decimal OperationID in this
// application (never another's). A string of digits is an ID: an
// application may not name an operation with digits alone and have it
// found by name. An unknown one is an *UnknownError naming the
// application and, for a name, its closest names.
func (x *Index) Parse(s string) (Operation, error) {
	t := strings.TrimSpace(s)
	if n, err := strconv.Atoi(t); err == nil {
		return x.ID(ID(n))
	}
	if o, ok := x.ByName(t); ok {
		return o, nil
	}
	return Operation{}, x.unknownName(s)
}

func (x *Index) unknownName(name string) error {
	return &UnknownError{App: x.app, Name: name, Suggestions: x.Suggest(name, 3)}
}

// UnknownError is an operation name or ID an application does not define.
// It matches ErrUnknown (errors.Is).
type UnknownError struct {
	App         string   // the application asked
	Name        string   // the name asked, when by name
	ID          ID       // the ID asked, when by ID
	Suggestions []string // the application's closest names, best first
}

func (e *UnknownError) Error() string {
	var b strings.Builder
	if e.Name != "" || e.ID == 0 {
		fmt.Fprintf(&b, "unknown operation %q in application %q", e.Name, e.App)
	} else {
		fmt.Fprintf(&b, "unknown operation ID %d in application %q", e.ID, e.App)
	}
	if len(e.Suggestions) > 0 {
		fmt.Fprintf(&b, "; did you mean %s?", quoteJoin(e.Suggestions))
	}
	return b.String()
}

// Is makes an UnknownError match ErrUnknown.
func (e *UnknownError) Is(target error) bool { return target == ErrUnknown }

// maxSuggestLen bounds the name Suggest compares (edit distance is
// quadratic): a longer name gets suggestions by substring only.
const maxSuggestLen = 128

// Suggest returns up to n of the application's names closest to name, best
// first: names containing it, then those within a small edit distance.
func (x *Index) Suggest(name string, n int) []string {
	type cand struct {
		name string
		dist int
	}
	want := nameKey(name)
	var cs []cand
	for _, o := range x.ops {
		k := nameKey(o.Name)
		d := math.MaxInt
		switch {
		case want != "" && strings.Contains(k, want):
			d = 0
		case len(want) <= maxSuggestLen && len(k) <= maxSuggestLen:
			d = levenshtein(want, k)
		}
		cs = append(cs, cand{o.Name, d})
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].dist < cs[j].dist })
	limit := max(len(want)/2, 3)
	var out []string
	for _, c := range cs {
		if len(out) == n || c.dist > limit {
			break
		}
		out = append(out, c.name)
	}
	return out
}
