package authz

import (
	"os"
	"testing"
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
