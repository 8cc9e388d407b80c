package authz

import (
	"errors"
	"os"
	"testing"

	"github.com/azgate/azgate/policy"
)

// The shipped model file is CasbinModel, byte for byte.
func TestShippedCasbinModel(t *testing.T) {
	b, err := os.ReadFile("../policies/azman.conf")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != CasbinModel {
		t.Fatalf("policies/azman.conf differs from authz.CasbinModel; regenerate it from the constant")
	}
}

func TestCasbinBadInput(t *testing.T) {
	if _, err := CasbinPolicy(nil, ""); err == nil {
		t.Error("nil policy accepted")
	}
	if _, err := CasbinClientLines(nil, "", nil); err == nil {
		t.Error("nil policy accepted")
	}
	if _, err := NewCasbinEnforcer("[request_definition]\nr = sub\n", nil); err == nil {
		t.Error("model without matchers accepted")
	}
	p := policy.NewDefault()
	if _, err := CasbinClientLines(p, "", []ClientContext{{Name: "a"}, {Name: "A"}}); err == nil {
		t.Error("duplicate client names accepted")
	}
	if _, err := CasbinPolicy(p, "Nope"); !errors.Is(err, ErrUnknownApplication) {
		t.Errorf("unknown application: %v", err)
	}
	if _, err := Compile(nil, "", Options{}); err == nil {
		t.Error("Compile accepted a nil policy")
	}
	e, err := NewCasbinEnforcer(CasbinModel, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := e.Enforce(CasbinRequest(ClientContext{Name: "x"}, "", 1)...); ok || err != nil {
		t.Errorf("empty policy: %v %v", ok, err)
	}
}
