package authz

import (
	"context"
	"fmt"

	"github.com/azgate/azgate/operations"
)

// OperationRef names an operation of the catalog in answers.
type OperationRef struct {
	Name string `json:"name"`
	ID   int    `json:"id"`
}

// GridOptions select the cells of an effective-access grid.
type GridOptions struct {
	// Scopes are the rows, by name ("" is the default scope). Nil: the
	// default scope, then every scope of the application in store order.
	Scopes []string
	// Offset and Limit window the rows (for paging through 1,000 scopes):
	// rows Offset to Offset+Limit-1 of Scopes. Limit 0: every row from
	// Offset.
	Offset, Limit int
	// Operations are the columns, by catalog ID. Nil: every catalog
	// operation the store has, in catalog order.
	Operations []operations.ID
	// Params are the business-rule parameters every cell is decided with;
	// a rule that reads one not given denies, as in AccessCheck.
	Params Params
}

// Grid is the effective access of a subject: which operations it may
// perform in which scopes, each cell decided exactly as AccessCheck
// decides it (and explained by Explain or ExplainSubject).
type Grid struct {
	Application string         `json:"application"`
	Subject     Subject        `json:"subject"`
	Operations  []OperationRef `json:"operations"` // the columns
	Rows        []GridRow      `json:"rows"`
	// TotalScopes is the number of rows before Offset and Limit.
	TotalScopes int `json:"totalScopes"`
}

// GridRow is one scope of a Grid: one cell per column, in column order.
type GridRow struct {
	Scope string     `json:"scope"` // "" is the default scope
	Cells []GridCell `json:"cells"`
}

// GridCell is one decision of a Grid.
type GridCell struct {
	Allowed bool `json:"allowed"`
	// Grant names the role assignment that granted it (nil when denied).
	Grant *Grant `json:"grant,omitempty"`
	// Error says why a path that could have granted failed (a business
	// rule, an LDAP query); the cell is a denial.
	Error string `json:"error,omitempty"`
}

// Catalog is the operations the Checker decides, as its store defines
// them (a copy of Operations().All()).
func (c *Checker) Catalog() []operations.Operation {
	return c.ops.Clone()
}

// gridScopes resolves scope names (nil: "" and every scope) to levels.
func (c *Checker) gridScopes(names []string) ([]int32, error) {
	if names == nil {
		out := make([]int32, 0, len(c.scopes)+1)
		out = append(out, appLevel)
		for i := range c.scopes {
			out = append(out, int32(i))
		}
		return out, nil
	}
	out := make([]int32, 0, len(names))
	for _, n := range names {
		si, err := c.scopeLevel(n)
		if err != nil {
			return nil, err
		}
		out = append(out, si)
	}
	return out, nil
}

// scopeLevel is the level of scope name ("" is appLevel).
func (c *Checker) scopeLevel(name string) (int32, error) {
	if name == "" {
		return appLevel, nil
	}
	if si, ok := c.scopeIdx[foldKey(name)]; ok {
		return si, nil
	}
	return 0, fmt.Errorf("application %q: scope %q: %w", c.app, name, ErrUnknownScope)
}

// scopeOp is what a question about one operation in one scope starts
// from: the checker in force (fresh), the scope's level and op's bit; an
// unknown scope or operation is an error.
func (c *Checker) scopeOp(scope string, op operations.ID) (*Checker, int32, int, error) {
	c, err := c.fresh()
	if err != nil {
		return nil, 0, 0, err
	}
	si, err := c.scopeLevel(scope)
	if err != nil {
		return nil, 0, 0, err
	}
	bit := c.ops.Pos(op)
	if bit < 0 {
		return nil, 0, 0, fmt.Errorf("application %q has no operation with ID %d: %w", c.app, op, ErrUnknownOperation)
	}
	return c, si, bit, nil
}

func (c *Checker) scopeName(si int32) string {
	if si == appLevel {
		return ""
	}
	return c.scopes[si]
}

// opBitsOf returns the bits of ids (nil: every operation of the
// application), in order.
func (c *Checker) opBitsOf(ids []operations.ID) ([]int, error) {
	if ids == nil {
		out := make([]int, c.ops.Len())
		for b := range out {
			out[b] = b
		}
		return out, nil
	}
	out := make([]int, 0, len(ids))
	for _, id := range ids {
		b := c.ops.Pos(id)
		if b < 0 {
			return nil, fmt.Errorf("application %q has no operation with ID %d: %w", c.app, id, ErrUnknownOperation)
		}
		out = append(out, b)
	}
	return out, nil
}

// maskResult is the decision of every operation of a set in one scope,
// by bit.
type maskResult struct {
	allowed opBits
	grants  []Grant
	errs    []error
}

// reset readies m for a decision of c's operations: nothing allowed.
func (m *maskResult) reset(c *Checker) {
	if len(m.allowed) != c.words || len(m.grants) != c.ops.Len() {
		m.allowed, m.grants, m.errs = c.newSet(), make([]Grant, c.ops.Len()), make([]error, c.ops.Len())
	}
	clear(m.allowed)
}

// decideMask decides every operation of want for r (in r.scope) into out,
// with one evaluation of the client's reach per word of want.
func (c *Checker) decideMask(st *scratch, r *request, want opBits, out *maskResult) {
	out.reset(c)
	want.each(func(b int) { out.errs[b] = nil })
	if err := r.ctx.Err(); err != nil {
		want.each(func(b int) { out.errs[b] = err })
		return
	}
	for w, m := range want {
		if m == 0 {
			continue
		}
		c.reach(st, r, w, m)
		for b := m; b != 0; b &= b - 1 {
			i := firstBit(w, b)
			ok, err := c.decide(st, r, w, b&-b, &out.grants[i])
			if ok {
				out.allowed.set(i)
			} else {
				out.errs[i] = err
			}
		}
	}
}

// EffectiveAccess returns the grid of scopes × operations subj may
// perform. Every cell is the decision AccessCheck makes for the subject's
// client context (an application group: for a member of it and nothing
// else) in that scope. An unknown scope or operation in opts, or an
// unknown application group, is an error; a done ctx is an error too.
func (c *Checker) EffectiveAccess(ctx context.Context, subj Subject, opts GridOptions) (Grid, error) {
	c, err := c.fresh()
	if err != nil {
		return Grid{}, err
	}
	client, assume, err := c.subjectRequest(subj)
	if err != nil {
		return Grid{}, err
	}
	levels, err := c.gridScopes(opts.Scopes)
	if err != nil {
		return Grid{}, err
	}
	opBits, err := c.opBitsOf(opts.Operations)
	if err != nil {
		return Grid{}, err
	}
	g := Grid{Application: c.app, Subject: subj, TotalScopes: len(levels), Operations: make([]OperationRef, len(opBits))}
	want := c.newSet()
	for i, b := range opBits {
		op := c.ops.At(b)
		g.Operations[i] = OperationRef{Name: op.Name, ID: int(op.ID)}
		want.set(b)
	}
	if opts.Offset < 0 || opts.Limit < 0 {
		return Grid{}, fmt.Errorf("effective access: offset %d, limit %d: %w", opts.Offset, opts.Limit, ErrBadToken)
	}
	levels = levels[min(opts.Offset, len(levels)):]
	if opts.Limit > 0 && len(levels) > opts.Limit {
		levels = levels[:opts.Limit]
	}
	st := newScratch(len(c.groups))
	var res maskResult
	cells := make([]GridCell, len(levels)*len(opBits))
	g.Rows = make([]GridRow, len(levels))
	for ri, si := range levels {
		if err := ctx.Err(); err != nil {
			return Grid{}, fmt.Errorf("effective access: %w", err)
		}
		r := request{ctx: ctx, client: client, scope: si, params: opts.Params, assume: assume}
		c.decideMask(st, &r, want, &res)
		row := cells[ri*len(opBits) : (ri+1)*len(opBits) : (ri+1)*len(opBits)]
		for ci, b := range opBits {
			if res.allowed.has(b) {
				gr := res.grants[b]
				row[ci] = GridCell{Allowed: true, Grant: &gr}
			} else if e := res.errs[b]; e != nil {
				row[ci].Error = e.Error()
			}
		}
		g.Rows[ri] = GridRow{Scope: c.scopeName(si), Cells: row}
	}
	return g, nil
}

// ExplainSubject is Explain for a Subject: for an application group, why
// a member of it (and of nothing else) may or may not do op in scope.
func (c *Checker) ExplainSubject(ctx context.Context, subj Subject, scope string, op operations.ID, params Params) Explanation {
	c, err := c.fresh()
	if err != nil {
		return Explanation{Client: subj.Name, Scope: scope, Operation: fmt.Sprintf("operation %d", op), Reason: err.Error(), Error: err.Error()}
	}
	client, assume, err := c.subjectRequest(subj)
	if err != nil {
		return Explanation{Client: subj.Name, Scope: scope, Operation: fmt.Sprintf("operation %d", op), Reason: err.Error(), Error: err.Error()}
	}
	return c.explain(ctx, client, assume, scope, op, params)
}
