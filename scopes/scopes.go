// Package scopes says which scope an object lives in and which scopes an
// access check consults. It is for the engine, which stores each VM's,
// switch's and port's ScopeOfResidence, and for every caller that names a
// scope (the CLI, the check endpoint, the middleware).
//
// AzMan semantics: the application level is the default scope, named "" here
// ("Hyper-V services" in the default store). An object with an empty
// ScopeOfResidence is in the default scope. A check in a named scope S
// consults the assignments at the application level and in S; a check in the
// default scope consults the application level only. Scope names compare
// by the one rule names compare by (internal/names: simple Unicode case
// folding, so "Lab" and "LAB" and "ſcratch" and "Scratch" are one scope;
// NFC and NFD spellings are two); surrounding space is removed first (Of).
package scopes

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/azgate/azgate/internal/names"
)

// Default is the default scope: the application level.
const Default = ""

// MaxLen is the longest scope name accepted.
const MaxLen = 256

// ErrUnknown is returned by Set.Lookup for a scope the application lacks.
var ErrUnknown = errors.New("unknown scope")

// ErrInvalid is returned by Check for a name no scope can have.
var ErrInvalid = errors.New("invalid scope name")

// Of returns the ScopeOfResidence to store for an object asked to live in
// scope name: surrounding space removed; "" (or only space) is the default
// scope.
func Of(name string) string { return strings.TrimSpace(name) }

// Same reports whether a and b name the same scope.
func Same(a, b string) bool { return names.Equal(Of(a), Of(b)) }

// Consulted returns the levels a check in scope consults, in order: the
// application level, then the named scope itself.
func Consulted(scope string) []string {
	if s := Of(scope); s != Default {
		return []string{Default, s}
	}
	return []string{Default}
}

// Label names a scope for messages: "the default scope" or `scope "Lab"`.
func Label(scope string) string {
	if s := Of(scope); s != Default {
		return fmt.Sprintf("scope %q", s)
	}
	return "the default scope"
}

// Check validates a ScopeOfResidence: at most MaxLen bytes, no control
// characters. The default scope ("") is valid.
func Check(name string) error {
	switch s := Of(name); {
	case len(s) > MaxLen:
		return fmt.Errorf("scope name longer than %d bytes: %w", MaxLen, ErrInvalid)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return fmt.Errorf("scope name %q has a control character: %w", s, ErrInvalid)
	}
	return nil
}

// Set is the scopes one application defines.
type Set struct {
	byKey map[string]string // names.Key of the name → name as defined
}

// NewSet returns the set of the given scope names. Of names that are the
// same scope (Same), the first is kept; a validated policy has no such
// pair.
func NewSet(list ...string) Set {
	s := Set{byKey: make(map[string]string, len(list))}
	for _, n := range list {
		if k := names.Key(Of(n)); s.byKey[k] == "" {
			s.byKey[k] = Of(n)
		}
	}
	return s
}

// Lookup returns the scope name as the application defines it. The default
// scope always exists. An unknown name is an error wrapping ErrUnknown that
// lists the closest names.
func (s Set) Lookup(name string) (string, error) {
	n := Of(name)
	if n == Default {
		return Default, nil
	}
	if def, ok := s.byKey[names.Key(n)]; ok {
		return def, nil
	}
	if near := s.near(n, 3); len(near) > 0 {
		return "", fmt.Errorf("%w %q; did you mean %s?", ErrUnknown, n, strings.Join(near, ", "))
	}
	return "", fmt.Errorf("%w %q", ErrUnknown, n)
}

// Names returns the defined scope names, sorted.
func (s Set) Names() []string {
	out := make([]string, 0, len(s.byKey))
	for _, n := range s.byKey {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// near returns up to k defined names sharing a prefix or substring with n.
func (s Set) near(n string, k int) []string {
	l := names.Key(n)
	var out []string
	for _, name := range s.Names() {
		f := names.Key(name)
		if strings.Contains(f, l) || strings.Contains(l, f) || (len(l) >= 2 && strings.HasPrefix(f, l[:2])) {
			out = append(out, fmt.Sprintf("%q", name))
			if len(out) == k {
				break
			}
		}
	}
	return out
}
