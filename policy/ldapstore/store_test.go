package ldapstore

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/azgate/azgate/internal/slapdtest"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policytest"
)

// storeSeq numbers store DNs so that tests sharing a directory never share
// a store.
var storeSeq atomic.Int64

func newStoreDN(srv *slapdtest.Server) string {
	return fmt.Sprintf("CN=AzStore%d,CN=Program Data,%s", storeSeq.Add(1), srv.BaseDN)
}

func testConfig(srv *slapdtest.Server, dn string) Config {
	return Config{URL: srv.URL, BindDN: srv.AdminDN, Password: srv.AdminPassword, StoreDN: dn,
		Timeout: 5 * time.Second, PollInterval: 100 * time.Millisecond, CatchUp: 100 * time.Millisecond}
}

func openStore(t testing.TB, cfg Config) *Store {
	t.Helper()
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	policytest.Run(t, func(t *testing.T) func(t *testing.T) policy.Store {
		dn := newStoreDN(srv)
		return func(t *testing.T) policy.Store {
			s, err := Open(testConfig(srv, dn))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	})
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func errorsAs[T any](err error, target *T) bool { return errors.As(err, target) }
