package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// The hash chain. A record line is
//
//	{"seq":N,"prev":"P",<the record's fields>,"hash":"H"}
//
// where H is the hex SHA-256 of every byte of the line before ,"hash":"
// (so it covers seq, prev and every field), and P is the H of the record
// before it ("" for the first record of a chain, whose seq is 1).

const (
	hashHexLen = sha256.Size * 2
	hashKey    = `,"hash":"`
	// sealLen is the length of ,"hash":"H"} that ends every line.
	sealLen = len(hashKey) + hashHexLen + len(`"}`)
	// maxLineBytes bounds a record line: the record fields are bounded
	// well below it. Longer lines are not records.
	maxLineBytes = 64 << 10
)

// link is the end of a chain: the seq and hash of its last record; the
// zero link is the start of a new chain.
type link struct {
	seq  uint64
	hash string
}

// seal appends the line of the record body (a JSON object) following prev
// to buf, with its newline, and returns the link it makes.
func seal(buf, body []byte, prev link) ([]byte, link) {
	start := len(buf)
	next := link{seq: prev.seq + 1}
	buf = append(buf, `{"seq":`...)
	buf = strconv.AppendUint(buf, next.seq, 10)
	buf = append(buf, `,"prev":"`...)
	buf = append(buf, prev.hash...)
	buf = append(buf, '"')
	if inner := body[1 : len(body)-1]; len(inner) > 0 {
		buf = append(buf, ',')
		buf = append(buf, inner...)
	}
	sum := sha256.Sum256(buf[start:])
	next.hash = hex.EncodeToString(sum[:])
	buf = append(buf, hashKey...)
	buf = append(buf, next.hash...)
	return append(buf, '"', '}', '\n'), next
}

// sealAll seals bodies in order after prev.
func sealAll(buf []byte, bodies [][]byte, prev link) ([]byte, link) {
	for _, b := range bodies {
		buf, prev = seal(buf, b, prev)
	}
	return buf, prev
}

// chainFields are the chain's fields of a line.
type chainFields struct {
	Seq  *uint64 `json:"seq"`
	Prev *string `json:"prev"`
	Hash string  `json:"hash"`
}

var (
	errNotJSON    = errors.New("not a JSON object")
	errNoChain    = errors.New(`not a chained record (no "seq", "prev" and "hash")`)
	errEdited     = errors.New("its hash does not match its content: the line was edited")
	errBadHashKey = errors.New(`does not end with its "hash"`)
)

// parseLine checks one line (without its newline): a JSON object ending
// with its own hash. It returns the line's link and prev. err is not nil
// when the line is not a sealed record; a line whose content does not
// match its hash returns errEdited with the link it declares, so that the
// chain can be followed past it.
func parseLine(line []byte) (l link, prev string, err error) {
	var f chainFields
	if err := json.Unmarshal(line, &f); err != nil {
		return link{}, "", fmt.Errorf("%w: %v", errNotJSON, err)
	}
	if f.Seq == nil || f.Prev == nil || f.Hash == "" {
		return link{}, "", errNoChain
	}
	l = link{seq: *f.Seq, hash: f.Hash}
	n := len(line)
	if n < sealLen || !bytes.Equal(line[n-sealLen:n-sealLen+len(hashKey)], []byte(hashKey)) ||
		string(line[n-sealLen+len(hashKey):n-2]) != f.Hash {
		return l, *f.Prev, errBadHashKey
	}
	sum := sha256.Sum256(line[:n-sealLen])
	if hex.EncodeToString(sum[:]) != f.Hash {
		return l, *f.Prev, errEdited
	}
	return l, *f.Prev, nil
}
