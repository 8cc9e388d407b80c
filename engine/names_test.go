package engine

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestNames_OneRule checks that VM, switch and port names compare by
// internal/names: a name that folds to an existing one is a duplicate, while
// NFC and NFD spellings are two names.
func TestNames_OneRule(t *testing.T) {
	ctx := context.Background()
	az := newTestAuthz()
	e, _, _ := openTest(t, az)
	admin := az.grant("admin", "", allOps()...)
	must[Switch](t)(e.CreateSwitch(ctx, admin, SwitchSpec{Name: "sw"}))
	create := map[string]func(name string) error{
		"vm": func(n string) error {
			_, err := e.CreateVM(ctx, admin, VMSpec{Name: n, MemoryMB: 1, Processors: 1})
			return err
		},
		"switch": func(n string) error {
			_, err := e.CreateSwitch(ctx, admin, SwitchSpec{Name: n})
			return err
		},
		"port": func(n string) error {
			_, err := e.CreatePort(ctx, admin, PortSpec{Name: n, Switch: "sw"})
			return err
		},
		"internal port": func(n string) error {
			_, err := e.CreateInternalPort(ctx, admin, InternalPortSpec{Name: n})
			return err
		},
	}
	for kind, mk := range create {
		t.Run(kind, func(t *testing.T) {
			ok(t, mk("sam"))
			if err := mk("ſam"); !errors.Is(err, ErrExists) { // U+017F folds to s
				t.Errorf("create ſam beside sam: %v, want already exists", err)
			}
			if err := mk("\u212Aelvin"); err != nil { // KELVIN SIGN
				t.Fatal(err)
			}
			if err := mk("kelvin"); !errors.Is(err, ErrExists) {
				t.Errorf("create kelvin beside \u212Aelvin: %v, want already exists", err)
			}
			ok(t, mk("café"))
			if err := mk("cafe\u0301"); err != nil {
				t.Errorf("NFD café beside NFC café: %v, want a second name", err)
			}
		})
	}
	if vm, err := e.GetVM(ctx, admin, "ſAM"); err != nil || vm.Name != "sam" {
		t.Errorf("GetVM(ſAM) = %q, %v; want sam", vm.Name, err)
	}
}

// TestNames_RenameFreesOldName renames objects, including to a look-alike
// spelling of their own name, and checks that the old name is free again:
// creatable, and not found until then.
func TestNames_RenameFreesOldName(t *testing.T) {
	ctx := context.Background()
	az := newTestAuthz()
	e, _, _ := openTest(t, az)
	admin := az.grant("admin", "", allOps()...)
	vm := func(n string) VMSpec { return VMSpec{Name: n, MemoryMB: 1, Processors: 1} }
	tests := []struct{ from, to string }{
		{"web", "web2"},
		{"ſam", "SAM"},
		{"\u212Aelvin", "kelvin"},
	}
	for _, tt := range tests {
		t.Run(tt.from+"→"+tt.to, func(t *testing.T) {
			must[VM](t)(e.CreateVM(ctx, admin, vm(tt.from)))
			must[VM](t)(e.ReconfigureVM(ctx, admin, tt.from, VMUpdate{Name: ptr(tt.to)}))
			ok(t, e.DeleteVM(ctx, admin, tt.to))
			if _, err := e.GetVM(ctx, admin, tt.from); !errors.Is(err, ErrNotFound) {
				t.Errorf("GetVM(%q) after rename and delete: %v, want not found", tt.from, err)
			}
			if _, err := e.CreateVM(ctx, admin, vm(tt.from)); err != nil {
				t.Errorf("CreateVM(%q) after rename and delete: %v", tt.from, err)
			}
			ok(t, e.DeleteVM(ctx, admin, tt.from))
		})
	}
}

// TestNames_MigratesVersion1 opens a database written by the version 1
// layout (name index keyed by strings.ToLower) holding "Sam" and "ſam": the
// index is rebuilt under names.Key, the later of the two is renamed, and
// every object stays reachable.
func TestNames_MigratesVersion1(t *testing.T) {
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, DBFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	recs := []VM{
		{ID: "1", Name: "Sam", State: Off, MemoryMB: 1, Processors: 1, Scope: "S1"},
		{ID: "2", Name: "ſam", State: Off, MemoryMB: 1, Processors: 1},
		{ID: "3", Name: "Web", State: Off, MemoryMB: 1, Processors: 1},
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket([]byte(bucketMeta))
		if err := meta.Put([]byte(keySchema), []byte(schemaV1)); err != nil {
			return err
		}
		for _, k := range allKinds() {
			b, _ := tx.CreateBucket([]byte(k))
			objs, _ := b.CreateBucket([]byte(bucketObjects))
			idx, _ := b.CreateBucket([]byte(bucketNames))
			if k != kindVM {
				continue
			}
			for _, r := range recs {
				raw, _ := json.Marshal(r)
				if err := objs.Put([]byte(r.ID), raw); err != nil {
					return err
				}
				if err := idx.Put([]byte(strings.ToLower(r.Name)), []byte(r.ID)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	ok(t, err)
	ok(t, db.Close())

	az := newTestAuthz("S1")
	e, _ := openDir(t, dir, az)
	admin := az.grant("admin", "", allOps()...)
	ctx := context.Background()
	for name, id := range map[string]string{"SAM": "1", "sam": "1", "ſam": "1", "web": "3", "ſam (2)": "2"} {
		if vm, err := e.GetVM(ctx, admin, name); err != nil || vm.ID != id {
			t.Errorf("GetVM(%q) = %+v, %v; want ID %s", name, vm, err, id)
		}
	}
	if _, err := e.CreateVM(ctx, admin, VMSpec{Name: "WEB", MemoryMB: 1, Processors: 1}); !errors.Is(err, ErrExists) {
		t.Errorf("CreateVM(WEB) after migration: %v, want already exists", err)
	}
	ok(t, e.Close())
	// Reopening a migrated database changes nothing.
	e, _ = openDir(t, dir, az)
	if l := must[[]VM](t)(e.ListVMs(ctx, admin)); len(l) != 3 {
		t.Errorf("after reopen: %d VMs, want 3", len(l))
	}
}
