package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/azgate/azgate/api"
)

// parseCheckRequest decodes a POST /v1/check body into req exactly as
// json.Decoder with DisallowUnknownFields would (FuzzParseCheckRequest holds
// it to that), but in one pass and without reflection: decoding is most of
// the work of a check. Whole values it does not handle itself (parameters,
// strings with escapes or non-ASCII bytes) go to encoding/json.
func parseCheckRequest(b []byte, req *api.CheckRequest) error {
	p := checkParser{b: b, opsLeft: maxCheckOperations}
	if p.peek() == 0 {
		return invalidf("empty request body: a JSON object is required")
	}
	if !p.null() { // encoding/json ignores a top-level null
		if err := p.item(&req.CheckItem, &req.Checks); err != nil {
			return err
		}
	}
	p.ws()
	if p.i != len(p.b) {
		return p.errorf("trailing data after the object")
	}
	return nil
}

type checkParser struct {
	b []byte
	i int
	// opsLeft is how many more operations the body may hold in all; the
	// parser stops at the one beyond, before allocating for the rest.
	opsLeft int
}

func (p *checkParser) errorf(format string, args ...any) error {
	return invalidf("malformed JSON body at byte %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *checkParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (p *checkParser) peek() byte {
	p.ws()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *checkParser) expect(c byte) error {
	if p.peek() != c {
		return p.errorf("want %q", c)
	}
	p.i++
	return nil
}

// null consumes a null literal if one is next.
func (p *checkParser) null() bool {
	if p.peek() == 'n' && len(p.b)-p.i >= 4 && string(p.b[p.i:p.i+4]) == "null" {
		p.i += 4
		return true
	}
	return false
}

// checkFields are the keys of a check item; "checks" only at the top.
var checkFields = []string{"user", "ids", "groups", "resolve", "dn", "scope", "application", "operations", "parameters", "checks"}

// field resolves a key as encoding/json does: exact, else case-insensitive.
func field(key string, top bool) (string, bool) {
	for _, f := range checkFields {
		if key == f {
			return f, f != "checks" || top
		}
	}
	for _, f := range checkFields {
		if strings.EqualFold(key, f) {
			return f, f != "checks" || top
		}
	}
	return "", false
}

// item parses one object into it; checks is nil for nested items (a
// nested "checks" is an unknown field).
func (p *checkParser) item(it *api.CheckItem, checks *[]api.CheckItem) error {
	if err := p.expect('{'); err != nil {
		return err
	}
	if p.peek() == '}' {
		p.i++
		return nil
	}
	for {
		key, err := p.str()
		if err != nil {
			return err
		}
		if err := p.expect(':'); err != nil {
			return err
		}
		f, ok := field(key, checks != nil)
		if !ok {
			return invalidf("malformed JSON body: json: unknown field %q", key)
		}
		switch f {
		case "user":
			err = p.strValue(&it.User)
		case "dn":
			err = p.strValue(&it.DN)
		case "scope":
			err = p.strValue(&it.Scope)
		case "application":
			err = p.strValue(&it.Application)
		case "ids":
			err = p.strArray(&it.IDs)
		case "groups":
			err = p.strArray(&it.Groups)
		case "resolve":
			err = p.boolValue(&it.Resolve)
		case "operations":
			err = p.ops(&it.Operations)
		case "parameters":
			var raw []byte
			if raw, err = p.skip(); err == nil {
				if err = json.Unmarshal(raw, &it.Parameters); err != nil {
					err = invalidf("malformed JSON body: parameters: %v", err)
				}
			}
		case "checks":
			err = p.items(checks)
		}
		if err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return nil
		default:
			return p.errorf("want ',' or '}'")
		}
	}
}

// array parses a JSON array (or null, leaving nil) into *out, reusing its
// storage, with elem parsing each element in place.
func array[T any](p *checkParser, out *[]T, capHint int, elem func(*T) error) error {
	if p.null() {
		*out = nil
		return nil
	}
	if err := p.expect('['); err != nil {
		return err
	}
	xs := (*out)[:0]
	if xs == nil {
		xs = make([]T, 0, capHint)
	}
	if p.peek() == ']' {
		p.i++
		*out = xs
		return nil
	}
	for {
		var zero T
		xs = append(xs, zero)
		if err := elem(&xs[len(xs)-1]); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			*out = xs
			return nil
		default:
			return p.errorf("want ',' or ']'")
		}
	}
}

func (p *checkParser) items(out *[]api.CheckItem) error {
	return array(p, out, 0, func(it *api.CheckItem) error {
		if p.null() {
			return nil
		}
		return p.item(it, nil)
	})
}

// rawString consumes a string and returns it with its quotes; plain is
// true when it is ASCII without escapes (so the bytes between the quotes
// are its value).
func (p *checkParser) rawString() (raw []byte, plain bool, err error) {
	if p.peek() != '"' {
		return nil, false, p.errorf("want a string")
	}
	start := p.i
	p.i++
	plain = true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return p.b[start:p.i], plain, nil
		case c == '\\':
			plain = false
			p.i += 2
			continue
		case c < 0x20:
			return nil, false, p.errorf("control character in string")
		case c >= utf8.RuneSelf:
			plain = false
		}
		p.i++
	}
	return nil, false, p.errorf("unterminated string")
}

// str parses a string. Plain ASCII is sliced directly; anything else is
// decoded by encoding/json.
func (p *checkParser) str() (string, error) {
	raw, plain, err := p.rawString()
	if err != nil {
		return "", err
	}
	if plain {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", invalidf("malformed JSON body: %v", err)
	}
	return s, nil
}

func (p *checkParser) strValue(out *string) error {
	if p.null() {
		return nil // encoding/json leaves a string unchanged on null
	}
	s, err := p.str()
	if err != nil {
		return err
	}
	*out = s
	return nil
}

// boolValue parses true, false or null (which, as in encoding/json,
// leaves out unchanged).
func (p *checkParser) boolValue(out *bool) error {
	if p.null() {
		return nil
	}
	for _, lit := range []string{"true", "false"} {
		if len(p.b)-p.i >= len(lit) && string(p.b[p.i:p.i+len(lit)]) == lit {
			p.i += len(lit)
			*out = lit == "true"
			return nil
		}
	}
	return p.errorf("want true, false or null")
}

func (p *checkParser) strArray(out *[]string) error {
	return array(p, out, 0, func(s *string) error {
		if p.null() {
			return nil
		}
		v, err := p.str()
		*s = v
		return err
	})
}
func (p *checkParser) ops(out *[]api.OperationRef) error {
	return array(p, out, 8, func(o *api.OperationRef) error {
		if p.opsLeft--; p.opsLeft < 0 {
			return errTooManyCheckOperations
		}
		raw, err := p.scalar()
		if err != nil {
			return err
		}
		// The common cases without allocating: a catalog name spelled
		// exactly (its catalog string is kept), or a small decimal ID.
		if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' {
			if op, ok := catalog.byExactName[string(raw[1:n-1])]; ok {
				*o = api.OperationRef{Name: op.Name}
				return nil
			}
		} else if id, ok := smallInt(raw); ok {
			*o = api.OperationRef{ID: id}
			return nil
		}
		if err := o.UnmarshalJSON(raw); err != nil {
			return invalidf("operations: %v", err) // well-formed JSON, not an operation
		}
		return nil
	})
}

// scalar returns the raw bytes of the next value, which api.OperationRef
// decodes: a string (valid by construction), or anything else up to the
// next delimiter (which api.OperationRef.UnmarshalJSON validates).
func (p *checkParser) scalar() ([]byte, error) {
	if p.peek() == '"' {
		raw, _, err := p.rawString()
		return raw, err
	}
	switch p.peek() {
	case '{', '[':
		return p.skip()
	}
	start := p.i
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ',', ':', '}', ']', ' ', '\t', '\r', '\n', '"':
			return p.b[start:p.i], nil
		}
		p.i++
	}
	return p.b[start:p.i], nil
}

// skip returns the raw bytes of the next value after checking they are
// valid JSON.
func (p *checkParser) skip() ([]byte, error) {
	p.ws()
	start := p.i
	if p.i >= len(p.b) {
		return nil, p.errorf("unexpected end of body")
	}
	switch p.b[p.i] {
	case '"':
		if _, _, err := p.rawString(); err != nil {
			return nil, err
		}
		return p.valid(start)
	case '{', '[':
		depth := 0
		for p.i < len(p.b) {
			switch p.b[p.i] {
			case '"':
				if _, _, err := p.rawString(); err != nil {
					return nil, err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					p.i++
					return p.valid(start)
				}
			}
			p.i++
		}
		return nil, p.errorf("unexpected end of body")
	}
	// A number or literal runs to the next delimiter.
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ',', ':', '}', ']', ' ', '\t', '\r', '\n':
			return p.valid(start)
		}
		p.i++
	}
	return p.valid(start)
}

func (p *checkParser) valid(start int) ([]byte, error) {
	raw := p.b[start:p.i]
	if !json.Valid(raw) {
		p.i = start
		return nil, p.errorf("invalid value %.40q", raw)
	}
	return raw, nil
}
