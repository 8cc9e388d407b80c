package authz

import (
	"testing"
)

func TestCompile_NilPolicy(t *testing.T) {
	if _, err := Compile(nil, "", Options{}); err == nil {
		t.Error("Compile accepted a nil policy")
	}
}
