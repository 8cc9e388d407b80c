package authz

import (
	"strings"

	"github.com/azgate/azgate/operations"
)

// foldKey is how principal strings and scope names are compared: trimmed and
// lower-cased. keyTable.lookup does the same to a request string without
// allocating for ASCII input.
func foldKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// The catalog as bits: every catalog operation has a bit in a uint64 mask.
var (
	catalog  = operations.All()
	bitByID  = map[operations.ID]int{}
	bitTable [maxCatalogID + 1]int8
	allBits  uint64
	catalogN = len(catalog)
)

const maxCatalogID = 1023

func init() {
	if len(catalog) > 64 {
		panic("authz: the catalog has more than 64 operations; widen the operation mask")
	}
	for i := range bitTable {
		bitTable[i] = -1
	}
	for i, o := range catalog {
		if o.ID < 0 || o.ID > maxCatalogID {
			panic("authz: catalog operation ID out of range")
		}
		bitTable[o.ID] = int8(i)
		bitByID[o.ID] = i
		allBits |= 1 << uint(i)
	}
}

// opBit returns the catalog bit of id, or -1.
func opBit(id operations.ID) int {
	if id < 0 || id > maxCatalogID {
		return -1
	}
	return int(bitTable[id])
}

// catalogBitByName returns the bit of the catalog operation named name
// (case-insensitive), or -1.
func catalogBitByName(name string) int {
	n := strings.TrimSpace(name)
	for i, o := range catalog {
		if strings.EqualFold(o.Name, n) {
			return i
		}
	}
	return -1
}

// maskNames lists the catalog names of the bits in m.
func maskNames(m uint64) []string {
	var out []string
	for i := range catalog {
		if m&(1<<uint(i)) != 0 {
			out = append(out, catalog[i].Name)
		}
	}
	return out
}
