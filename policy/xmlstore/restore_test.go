package xmlstore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policytest"
)

// twoRevisions makes a store at revision 2 (with task "Second") whose
// PATH.bak holds revision 1 (the initial store), and returns the store and
// the revision-1 policy.
func twoRevisions(t *testing.T) (*Store, *policy.Policy) {
	t.Helper()
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "store.xml"))
	first := initialStore(t)
	if _, err := s.Save(ctx, first, 0); err != nil {
		t.Fatal(err)
	}
	second, err := first.Edit(addTask("Second"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(ctx, second, 1); err != nil {
		t.Fatal(err)
	}
	return s, first
}

func TestStore_Restore(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		breakIt func(string) string
		wantRev policy.Revision
	}{
		{"truncated (header readable)", func(s string) string { return s[:len(s)/2] }, 3},
		{"garbage (revision from the backup)", func(string) string { return "\x00 not XML" }, 3},
		{"invalid policy", func(s string) string {
			return strings.Replace(s, "<OperationID>", "<OperationID>x", 1)
		}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, want := twoRevisions(t)
			// A writer that loaded revision 2 before the file broke.
			old := openStore(t, s.Path())
			oldP, oldRev, err := old.Load(ctx)
			if err != nil || oldRev != 2 {
				t.Fatalf("Load = %d, %v", oldRev, err)
			}
			data, err := os.ReadFile(s.Path())
			if err != nil {
				t.Fatal(err)
			}
			broken := []byte(tc.breakIt(string(data)))
			if err := os.WriteFile(s.Path(), broken, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Load(ctx); !isInvalid(err) {
				t.Fatalf("Load of the broken file: %v, want an invalid-file error", err)
			}

			bak, bakRev, err := s.Backup(ctx)
			if err != nil || bakRev != 1 || !policytest.Equal(bak, want) {
				t.Fatalf("Backup = rev %d, %v", bakRev, err)
			}
			rev, err := s.Restore(ctx, bak, bakRev)
			if err != nil || rev != tc.wantRev {
				t.Fatalf("Restore = %d, %v; want %d", rev, err, tc.wantRev)
			}
			got, grev, err := s.Load(ctx)
			if err != nil || grev != tc.wantRev {
				t.Fatalf("Load after Restore = %d, %v", grev, err)
			}
			if d := policytest.Diff(want, got); d != "" {
				t.Errorf("restored policy: %s", d)
			}
			kept, _ := filepath.Glob(s.Path() + ".broken-*")
			if len(kept) != 1 {
				t.Fatalf("kept files: %v", kept)
			}
			if k, _ := os.ReadFile(kept[0]); !bytes.Equal(k, broken) {
				t.Error("the kept file is not the broken one")
			}
			if b, _, err := s.Backup(ctx); err != nil || !policytest.Equal(b, want) {
				t.Errorf("Restore changed PATH.bak: %v", err)
			}
			// The writer holding revision 2 conflicts; the store takes
			// edits at the restored revision.
			if _, err := old.Save(ctx, oldP, oldRev); !errors.Is(err, policy.ErrConflict) {
				t.Errorf("Save at the broken revision: %v, want ErrConflict", err)
			}
			if _, err := s.Save(ctx, got, grev); err != nil {
				t.Errorf("Save after Restore: %v", err)
			}
			// Valid now: a second Restore writes nothing.
			if _, err := s.Restore(ctx, bak, bakRev); !errors.Is(err, ErrValid) {
				t.Errorf("Restore of a valid file: %v, want ErrValid", err)
			}
		})
	}
}

func TestStore_RestoreAboveCopy(t *testing.T) {
	ctx := context.Background()
	s, want := twoRevisions(t)
	if err := os.WriteFile(s.Path(), []byte("<AzAdminManager"), 0o644); err != nil {
		t.Fatal(err)
	}
	rev, err := s.Restore(ctx, want, 41)
	if err != nil || rev != 42 {
		t.Fatalf("Restore of a copy at revision 41 = %d, %v; want 42", rev, err)
	}
}

func TestStore_RestoreErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("missing file", func(t *testing.T) {
		s := openStore(t, filepath.Join(t.TempDir(), "none.xml"))
		if _, err := s.Restore(ctx, initialStore(t), 1); !errors.Is(err, policy.ErrNotFound) {
			t.Errorf("Restore: %v, want ErrNotFound", err)
		}
		if _, _, err := s.Backup(ctx); !errors.Is(err, policy.ErrNotFound) || !strings.Contains(err.Error(), ".bak") {
			t.Errorf("Backup: %v, want ErrNotFound naming .bak", err)
		}
	})
	t.Run("invalid policy given", func(t *testing.T) {
		s, _ := twoRevisions(t)
		if err := os.WriteFile(s.Path(), []byte("garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
		bad := initialStore(t)
		bad.Applications = append(bad.Applications, bad.Applications[0])
		if _, err := s.Restore(ctx, bad, 1); err == nil {
			t.Fatal("Restore of an invalid policy succeeded")
		}
		if _, err := s.Restore(ctx, nil, 1); !errors.Is(err, policy.ErrInvalid) {
			t.Errorf("Restore(nil): %v, want ErrInvalid", err)
		}
		if data, _ := os.ReadFile(s.Path()); string(data) != "garbage" {
			t.Error("a failed Restore wrote the file")
		}
	})
	t.Run("malformed backup", func(t *testing.T) {
		s, _ := twoRevisions(t)
		if err := os.WriteFile(s.BackupPath(), []byte("<AzAdminManager"), 0o644); err != nil {
			t.Fatal(err)
		}
		var pe *ParseError
		if _, _, err := s.Backup(ctx); !errors.As(err, &pe) || pe.File != s.BackupPath() {
			t.Errorf("Backup: %v, want a ParseError naming %s", err, s.BackupPath())
		}
	})
	t.Run("closed", func(t *testing.T) {
		s, want := twoRevisions(t)
		s.Close()
		if _, err := s.Restore(ctx, want, 1); err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("Restore after Close: %v", err)
		}
	})
}
