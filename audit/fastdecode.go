package audit

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// A decision line is decoded by hand when it has the shape Log writes (a
// flat object of strings and numbers, "grant" an object of strings): a
// report reads a million of them, and encoding/json spent most of its
// time on fields nobody asks for. Anything else falls back to
// encoding/json, so the result is the same either way.

// interner hands out one string per distinct value (names repeat across
// records), keyed by its JSON form between the quotes, bounded: it starts
// afresh when full.
type interner struct{ m map[string]string }

// maxInterned bounds the strings an interner keeps.
const maxInterned = 4096

// str is the string whose JSON form (between the quotes) is raw; quoted
// is raw with its quotes, decoded when raw holds an escape.
func (in *interner) str(raw, quoted []byte) (string, bool) {
	if s, ok := in.m[string(raw)]; ok {
		return s, true
	}
	var s string
	if bytes.IndexByte(raw, '\\') < 0 {
		s = string(raw)
	} else if json.Unmarshal(quoted, &s) != nil {
		return "", false
	}
	if in.m == nil || len(in.m) >= maxInterned {
		in.m = make(map[string]string, 256)
	}
	in.m[string(raw)] = s
	return s, true
}

// decodeDecision decodes line into d, by hand when it can, else with
// encoding/json; false when the line is not a JSON object.
func decodeDecision(line []byte, d *Decision, in *interner) bool {
	*d = Decision{}
	if fastDecision(bytes.TrimSpace(line), d, in) {
		return true
	}
	*d = Decision{}
	return json.Unmarshal(line, d) == nil
}

// fastDecision decodes the shape Log writes; false on anything else.
func fastDecision(b []byte, d *Decision, in *interner) bool {
	p := scanner{b: b, in: in}
	return p.object(func(key []byte) bool {
		switch string(key) {
		case "time":
			s, ok := p.rawString()
			if !ok {
				return false
			}
			t, ok := parseTime(s)
			d.Time = t
			return ok
		case "source":
			return p.str(&d.Source)
		case "application":
			return p.str(&d.Application)
		case "operation":
			return p.str(&d.Operation)
		case "scope":
			return p.str(&d.Scope)
		case "result":
			return p.str(&d.Result)
		case "operation_id":
			n, ok := p.number()
			if !ok {
				return false
			}
			id, err := strconv.Atoi(string(n))
			d.OperationID = id
			return err == nil
		case "grant":
			g := &Grant{}
			d.Grant = g
			return p.object(func(key []byte) bool {
				switch string(key) {
				case "scope":
					return p.str(&g.Scope)
				case "assignment":
					return p.str(&g.Assignment)
				case "role_definition":
					return p.str(&g.RoleDefinition)
				case "principal":
					return p.str(&g.Principal)
				}
				return p.skipValue()
			})
		}
		return p.skipValue()
	}) && p.i == len(p.b)
}

// scanner reads the JSON Log writes: no whitespace, strings, numbers,
// null and one level of nested object.
type scanner struct {
	b  []byte
	i  int
	in *interner
}

// object reads {"key":value,...}, calling field for each key with the
// scanner at its value.
func (p *scanner) object(field func(key []byte) bool) bool {
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return false
	}
	p.i++
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return true
	}
	for {
		key, ok := p.rawString()
		if !ok || bytes.IndexByte(key, '\\') >= 0 || p.i >= len(p.b) || p.b[p.i] != ':' {
			return false
		}
		p.i++
		if !field(key) || p.i >= len(p.b) {
			return false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return true
		default:
			return false
		}
	}
}

// rawString reads a string and returns its bytes between the quotes,
// escapes and all.
func (p *scanner) rawString() ([]byte, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, false
	}
	start := p.i + 1
	for j := start; j < len(p.b); j++ {
		switch p.b[j] {
		case '\\':
			j++
		case '"':
			p.i = j + 1
			return p.b[start:j], true
		}
	}
	return nil, false
}

// str reads a string value into *s, unescaping it when it must.
func (p *scanner) str(s *string) bool {
	start := p.i
	raw, ok := p.rawString()
	if !ok {
		return p.null()
	}
	*s, ok = p.in.str(raw, p.b[start:p.i])
	return ok
}

func (p *scanner) null() bool {
	if bytes.HasPrefix(p.b[p.i:], []byte("null")) {
		p.i += 4
		return true
	}
	return false
}

// number reads a JSON number's bytes.
func (p *scanner) number() ([]byte, bool) {
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			p.i++
			continue
		}
		break
	}
	return p.b[start:p.i], p.i > start
}

// skipValue passes over a string, number, literal or flat object.
func (p *scanner) skipValue() bool {
	if p.i >= len(p.b) {
		return false
	}
	switch c := p.b[p.i]; {
	case c == '"':
		_, ok := p.rawString()
		return ok
	case c == '{':
		return p.object(func([]byte) bool { return p.skipValue() })
	case c == 'n':
		return p.null()
	case c == 't' && bytes.HasPrefix(p.b[p.i:], []byte("true")):
		p.i += 4
		return true
	case c == 'f' && bytes.HasPrefix(p.b[p.i:], []byte("false")):
		p.i += 5
		return true
	}
	_, ok := p.number()
	return ok
}
