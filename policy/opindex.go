package policy

import (
	"fmt"
	"strings"

	"github.com/azgate/azgate/internal/names"
	"github.com/azgate/azgate/operations"
)

// OperationIndex indexes the application's operations as checks see them:
// by name (names.Equal after surrounding space is removed) and by
// OperationID, in O(1) (operations.Index, labelled with the application's
// name). An operation a valid store cannot hold — no name, an OperationID
// that is not positive, a name or ID an earlier operation has — is left
// out, and problems says so, one line each: checks can never name it.
func (a *Application) OperationIndex() (idx *operations.Index, problems []string) {
	ops := make([]operations.Operation, 0, len(a.Operations))
	byID := map[int]string{}
	byName := map[string]int{}
	for _, o := range a.Operations {
		k := names.Key(strings.TrimSpace(o.Name))
		switch {
		case k == "":
			problems = append(problems, fmt.Sprintf("operation with OperationID %d has no name; it can never be checked", o.OperationID))
			continue
		case o.OperationID <= 0:
			problems = append(problems, fmt.Sprintf("operation %q: OperationID %d is not positive; it can never be checked", o.Name, o.OperationID))
			continue
		}
		if prev, dup := byID[o.OperationID]; dup {
			problems = append(problems, fmt.Sprintf("operation %q: OperationID %d is also %q's; only %q can be checked", o.Name, o.OperationID, prev, prev))
			continue
		}
		if prev, dup := byName[k]; dup {
			problems = append(problems, fmt.Sprintf("operation %q is defined twice; only the first (OperationID %d) can be checked", o.Name, prev))
			continue
		}
		byID[o.OperationID], byName[k] = o.Name, o.OperationID
		ops = append(ops, operations.Operation{ID: operations.ID(o.OperationID), Name: strings.TrimSpace(o.Name),
			Description: strings.TrimSpace(o.Description)})
	}
	idx, err := operations.NewIndex(a.Name, ops)
	if err != nil { // cannot happen: the loop left out what NewIndex refuses
		problems = append(problems, fmt.Sprintf("operations: %v; none can be checked", err))
		idx, _ = operations.NewIndex(a.Name, nil)
	}
	return idx, problems
}
