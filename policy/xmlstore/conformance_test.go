package xmlstore_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policytest"
	"github.com/azgate/azgate/policy/xmlstore"
)

func TestConformance(t *testing.T) {
	policytest.Run(t, func(t *testing.T) func(t *testing.T) policy.Store {
		path := filepath.Join(t.TempDir(), "store.xml")
		return func(t *testing.T) policy.Store {
			s, err := xmlstore.Open(path, xmlstore.WithPollInterval(100*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	})
}
