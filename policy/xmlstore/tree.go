package xmlstore

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// node is one element of the file, as read, before it means anything.
type node struct {
	space string // namespace URL; AzMan elements have none
	name  string
	line  int
	attrs []xml.Attr
	text  []byte // all character data directly inside, concatenated
	kids  []*node
	// Byte offsets in the (UTF-8) data the tree was read from: the start
	// tag is [start, tagEnd), the end tag begins at closeStart, the
	// element ends at end. A self-closing element has tagEnd == end.
	start, tagEnd, closeStart, end int
}

// label is the element's name as the file spells it, for messages.
func (n *node) label() string {
	if n.space != "" {
		return n.space + ":" + n.name
	}
	return n.name
}

// readLimited reads r up to max bytes; more is an error.
func readLimited(r io.Reader, file string, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", file, err)
	}
	if int64(len(data)) > max {
		return nil, &ParseError{File: file, Msg: fmt.Sprintf("file is larger than the limit of %d bytes", max)}
	}
	return data, nil
}

// toUTF8 strips a UTF-8 byte-order mark and transcodes UTF-16 with a
// byte-order mark (AzMan can write either) to UTF-8. It reports whether the
// input was UTF-16, so that an encoding="utf-16" declaration is accepted.
func toUTF8(data []byte, file string) ([]byte, bool, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:], false, nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		le := data[0] == 0xFF
		body := data[2:]
		if len(body)%2 != 0 {
			return nil, false, &ParseError{File: file, Msg: "UTF-16 file has an odd number of bytes (truncated?)"}
		}
		units := make([]uint16, len(body)/2)
		for i := range units {
			if le {
				units[i] = uint16(body[2*i]) | uint16(body[2*i+1])<<8
			} else {
				units[i] = uint16(body[2*i])<<8 | uint16(body[2*i+1])
			}
		}
		runes := utf16.Decode(units)
		out := make([]byte, 0, len(runes))
		for _, r := range runes {
			out = utf8.AppendRune(out, r)
		}
		return out, true, nil
	}
	return data, false, nil
}

// buildTree reads the XML structure of data: one root element, no DOCTYPE,
// no entity declarations, at most maxDepth levels of elements.
func buildTree(data []byte, file string, maxDepth int) (*node, error) {
	return buildTreeUntil(data, file, maxDepth, false)
}

// buildTreeUntil is buildTree; with rootOnly it returns the root, without
// children, as soon as its start tag is read.
func buildTreeUntil(data []byte, file string, maxDepth int, rootOnly bool) (*node, error) {
	data, wasUTF16, err := toUTF8(data, file)
	if err != nil {
		return nil, err
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-16", "utf-16le", "utf-16be", "unicode":
			if wasUTF16 {
				return in, nil
			}
			return nil, fmt.Errorf("encoding %q declared but the file has no UTF-16 byte-order mark", label)
		}
		return nil, fmt.Errorf("encoding %q is not supported; use UTF-8", label)
	}
	var (
		root  *node
		stack []*node
		done  bool
	)
	top := func() string {
		if len(stack) == 0 {
			return ""
		}
		return stack[len(stack)-1].label()
	}
	for {
		line, _ := dec.InputPos()
		off := int(dec.InputOffset())
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			pe := &ParseError{File: file, Line: line, Element: top(), Msg: err.Error()}
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				pe.Line, pe.Msg = se.Line, "malformed XML: "+se.Msg
			}
			return nil, pe
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{space: t.Name.Space, name: t.Name.Local, line: line, attrs: t.Attr, start: off, tagEnd: int(dec.InputOffset())}
			if done {
				return nil, &ParseError{File: file, Line: line, Element: n.label(), Msg: "a second root element; a store has exactly one AzAdminManager"}
			}
			if len(stack) >= maxDepth {
				return nil, &ParseError{File: file, Line: line, Element: n.label(), Msg: fmt.Sprintf("elements nested deeper than the limit of %d", maxDepth)}
			}
			if len(stack) == 0 {
				root = n
				if rootOnly {
					return root, nil
				}
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) == 0 { // the decoder reports this first; never panic
				return nil, &ParseError{File: file, Line: line, Msg: "end tag without a start tag"}
			}
			n := stack[len(stack)-1]
			n.closeStart, n.end = off, int(dec.InputOffset())
			stack = stack[:len(stack)-1]
			done = len(stack) == 0
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, &ParseError{File: file, Line: line, Msg: "text outside the root element"}
				}
				continue
			}
			p := stack[len(stack)-1]
			p.text = append(p.text, t...)
		case xml.Directive:
			return nil, &ParseError{File: file, Line: line, Element: top(),
				Msg: fmt.Sprintf("declarations such as <!DOCTYPE> and <!ENTITY> are not allowed (found <!%s>)", clip(string(t), 20))}
		case xml.Comment, xml.ProcInst:
			// The decoder has checked the <?xml?> declaration; others mean nothing here.
		}
	}
	if root == nil {
		line, _ := dec.InputPos()
		return nil, &ParseError{File: file, Line: line, Msg: "no root element (empty file?); want <AzAdminManager>"}
	}
	if !done {
		line, _ := dec.InputPos()
		return nil, &ParseError{File: file, Line: line, Element: top(), Msg: "unexpected end of file: element not closed (truncated?)"}
	}
	return root, nil
}

// clip shortens s for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
