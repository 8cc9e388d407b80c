package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/azgate/azgate/internal/names"
	bolt "go.etcd.io/bbolt"
)

// Database layout. Every object kind has a top-level bucket holding two
// nested buckets: bucketObjects (ID → JSON record) and bucketNames
// (names.Key of the name → ID). Consoles and snapshots are keyed by VM ID, so renaming a VM
// touches only its record and the name index.
const (
	bucketMeta      = "meta"
	bucketObjects   = "objects"
	bucketNames     = "names"
	bucketConsole   = "console"
	bucketSnapshots = "snapshots" // nested bucket per VM ID: snapshot ID → JSON
	bucketService   = "service"

	keySchema        = "schema"
	keyServiceConfig = "config"
	// schemaVersion 2 keys the name index by names.Key; version 1 keyed it
	// by strings.ToLower and is migrated on open.
	schemaVersion = "2"
	schemaV1      = "1"
)

// kind is an object kind; in the simulator, the name of its top-level
// bucket.
type kind = Kind

const (
	kindVM       = KindVM
	kindSwitch   = KindSwitch
	kindPort     = KindPort
	kindInternal = KindInternal
	// kindExternal (host interfaces) and kindService (the service
	// configuration) are in the default scope and have no records of their
	// own kind: a permit covers them kind-wide.
	kindExternal = KindExternal
	kindService  = KindService
)

func (k kind) label() string {
	switch k {
	case kindVM:
		return "virtual machine"
	case kindSwitch:
		return "virtual switch"
	case kindPort:
		return "switch port"
	case kindInternal:
		return "internal Ethernet port"
	case kindExternal:
		return "external Ethernet port"
	case kindService:
		return "service"
	}
	return string(k)
}

func allKinds() []kind { return []kind{kindVM, kindSwitch, kindPort, kindInternal} }

func notFound(k kind, name string) error {
	return fmt.Errorf("%s %q: %w", k.label(), name, ErrNotFound)
}

// nameKey is the name index key: two names share a key exactly when they
// are the same name (names.Equal).
func nameKey(name string) []byte { return []byte(names.Key(name)) }

// initDB creates the buckets, checks the schema version and migrates a
// version 1 database. It returns the renames the migration made.
func initDB(db *bolt.DB) ([]string, error) {
	var renamed []string
	err := db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
		if err != nil {
			return err
		}
		v := meta.Get([]byte(keySchema))
		switch string(v) {
		case schemaVersion:
		case "", schemaV1:
			if err := meta.Put([]byte(keySchema), []byte(schemaVersion)); err != nil {
				return err
			}
		default:
			return fmt.Errorf("database schema version %q, this engine reads %q", v, schemaVersion)
		}
		for _, k := range allKinds() {
			b, err := tx.CreateBucketIfNotExists([]byte(k))
			if err != nil {
				return err
			}
			for _, sub := range []string{bucketObjects, bucketNames} {
				if _, err := b.CreateBucketIfNotExists([]byte(sub)); err != nil {
					return err
				}
			}
		}
		for _, name := range []string{bucketConsole, bucketSnapshots, bucketService} {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return err
			}
		}
		if string(v) == schemaV1 {
			renamed, err = reindexNames(tx)
		}
		return err
	})
	return renamed, err
}

// reindexNames rebuilds every name index under names.Key. Version 1 keyed
// names by strings.ToLower, which let two names that are the same name
// ("sam" and "ſam") both exist; the later one (by ID order) is renamed
// "<name> (<ID>)" and reported.
func reindexNames(tx *bolt.Tx) ([]string, error) {
	var renamed []string
	for _, k := range allKinds() {
		b := tx.Bucket([]byte(k))
		if err := b.DeleteBucket([]byte(bucketNames)); err != nil {
			return nil, fmt.Errorf("reindex %s names: %w", k.label(), err)
		}
		idx, err := b.CreateBucket([]byte(bucketNames))
		if err != nil {
			return nil, fmt.Errorf("reindex %s names: %w", k.label(), err)
		}
		objs := b.Bucket([]byte(bucketObjects))
		type fix struct{ id, raw []byte }
		var fixes []fix
		err = objs.ForEach(func(id, raw []byte) error {
			var rec map[string]json.RawMessage
			var name string
			if err := json.Unmarshal(raw, &rec); err != nil {
				return fmt.Errorf("decode %s %q: %w", k.label(), id, err)
			}
			if err := json.Unmarshal(rec["name"], &name); err != nil {
				return fmt.Errorf("decode %s %q name: %w", k.label(), id, err)
			}
			if idx.Get(nameKey(name)) != nil {
				newName := fmt.Sprintf("%s (%s)", name, id)
				renamed = append(renamed, fmt.Sprintf("%s %q is the same name as another; renamed %q", k.label(), name, newName))
				name = newName
				rec["name"], _ = json.Marshal(name) // a string always encodes
				raw, err = json.Marshal(rec)
				if err != nil {
					return fmt.Errorf("encode %s %q: %w", k.label(), id, err)
				}
				fixes = append(fixes, fix{slices.Clone(id), raw})
			}
			return idx.Put(nameKey(name), slices.Clone(id))
		})
		if err != nil {
			return nil, err
		}
		for _, f := range fixes {
			if err := objs.Put(f.id, f.raw); err != nil {
				return nil, err
			}
		}
	}
	return renamed, nil
}

// txn is a bbolt transaction with the engine's record helpers. Engine.read
// and Engine.write make one holding their permit, and every record helper
// checks the record against it; the interceptor's own look-ups before a
// decision (names, scopes and links only) use a txn without one.
type txn struct {
	tx *bolt.Tx
	p  permit
}

func (t txn) objects(k kind) *bolt.Bucket {
	return t.tx.Bucket([]byte(k)).Bucket([]byte(bucketObjects))
}
func (t txn) names(k kind) *bolt.Bucket { return t.tx.Bucket([]byte(k)).Bucket([]byte(bucketNames)) }

// idByName returns the ID of the object named name, or "" when none. An ID
// alone reveals nothing; reading the record needs the permit.
func (t txn) idByName(k kind, name string) string {
	return string(t.names(k).Get(nameKey(name)))
}

// scoped is the part of every record the permit checks.
type scoped struct {
	Scope string `json:"scope"`
}

// rawGet decodes the stored record id into v, unchecked: for the
// interceptor's look-ups, whose v holds only a scope or links.
func (t txn) rawGet(k kind, id string, v any) error {
	raw := t.objects(k).Get([]byte(id))
	if raw == nil {
		return fmt.Errorf("%s with ID %q: %w", k.label(), id, ErrNotFound)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode %s %q: %w", k.label(), id, err)
	}
	return nil
}

// get loads the record with the given ID into v, if the permit covers it.
func (t txn) get(k kind, id string, v any) error {
	var s scoped
	if err := t.rawGet(k, id, &s); err != nil {
		return err
	}
	if err := t.p.check(k, id, s.Scope, readOnly); err != nil {
		return err
	}
	return t.rawGet(k, id, v)
}

// scopeByID returns the ScopeOfResidence of a record (the interceptor's
// look-up).
func (t txn) scopeByID(k kind, id string) (string, error) {
	var s scoped
	err := t.rawGet(k, id, &s)
	return s.Scope, err
}

// writable checks that the permit lets the call write record id of kind k:
// an existing record only when it was decided itself (in its stored scope),
// a new one when a creation was decided in its scope.
func (t txn) writable(k kind, id, scope string) error {
	var s scoped
	err := t.rawGet(k, id, &s)
	switch {
	case errors.Is(err, ErrNotFound):
		return t.p.check(k, id, scope, readWrite)
	case err != nil:
		return err
	}
	if _, ok := t.p.objs[ref{k, id}]; !ok {
		return fmt.Errorf("%w: %s %q", errUndecided, k.label(), id)
	}
	return t.p.check(k, id, s.Scope, readWrite)
}

// put stores v under id, named name. oldName is the record's previous name
// ("" for a new record); the name index follows a rename. A name held by
// another record is ErrExists.
func (t txn) put(k kind, id, name, oldName string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s %q: %w", k.label(), name, err)
	}
	var s scoped
	if err := json.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("encode %s %q: %w", k.label(), name, err)
	}
	if err := t.writable(k, id, s.Scope); err != nil {
		return err
	}
	if err := t.linksWritable(k, id, raw); err != nil {
		return err
	}
	if other := t.idByName(k, name); other != "" && other != id {
		return fmt.Errorf("%s %q: %w", k.label(), name, ErrExists)
	}
	if oldName != "" && !names.Equal(oldName, name) {
		if err := t.names(k).Delete(nameKey(oldName)); err != nil {
			return err
		}
	}
	if err := t.names(k).Put(nameKey(name), []byte(id)); err != nil {
		return err
	}
	return t.objects(k).Put([]byte(id), raw)
}

// del removes the record id named name.
func (t txn) del(k kind, id, name string) error {
	if err := t.writable(k, id, ""); err != nil {
		return err
	}
	if err := t.linksWritable(k, id, nil); err != nil {
		return err
	}
	if err := t.names(k).Delete(nameKey(name)); err != nil {
		return err
	}
	return t.objects(k).Delete([]byte(id))
}

// each decodes every record of kind k the permit lets the call read, in ID
// order; the others are skipped as if absent.
func each[T any](t txn, k kind, fn func(id string, v *T) error) error {
	return t.objects(k).ForEach(func(key, raw []byte) error {
		var s scoped
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("decode %s %q: %w", k.label(), key, err)
		}
		if err := t.p.check(k, string(key), s.Scope, readOnly); errors.Is(err, errHidden) || errors.Is(err, errChanged) {
			return nil
		} else if err != nil {
			return err
		}
		v := new(T)
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("decode %s %q: %w", k.label(), key, err)
		}
		return fn(string(key), v)
	})
}

// portLinks is what a switch port refers to, without its name or scope.
type portLinks struct {
	SwitchID string    `json:"switchId"`
	Conn     *PortLink `json:"conn,omitempty"`
}

// switchLinks is what a switch refers to, without its name or scope.
type switchLinks struct {
	External string `json:"external"`
}

// linksWritable checks that the permit lets the call write every object
// whose link a write of record id makes or breaks: the host interface a
// switch binds or unbinds (deleting a bound switch unbinds it), the switch a
// port is created on or deleted from, and the VM or internal port a port
// connects or disconnects. next is the record written (nil: a deletion).
// The links are read at write time, so an object linked after the decision
// is not covered (errChanged): the call is decided again, with it.
func (t txn) linksWritable(k kind, id string, next []byte) error {
	switch k {
	case kindSwitch:
		old, cur, err := linksOf[switchLinks](t, k, id, next)
		if err != nil || old.External == cur.External {
			return err
		}
		return t.p.check(kindExternal, "", "", readWrite)
	case kindPort:
		old, cur, err := linksOf[portLinks](t, k, id, next)
		if err != nil {
			return err
		}
		was, is := old.refs(), cur.refs()
		for _, r := range append(slices.Clone(was), is...) {
			if slices.Contains(was, r) && slices.Contains(is, r) {
				continue // linked before and after: not changed
			}
			scope, err := t.scopeByID(r.kind, r.id)
			if errors.Is(err, ErrNotFound) {
				return errChanged
			} else if err != nil {
				return err
			}
			if err := t.p.check(r.kind, r.id, scope, readWrite); err != nil {
				return err
			}
		}
	}
	return nil
}

// linksOf decodes the links of record id as stored (zero when new) and as
// next (zero when nil).
func linksOf[L any](t txn, k kind, id string, next []byte) (old, cur L, err error) {
	if err := t.rawGet(k, id, &old); err != nil && !errors.Is(err, ErrNotFound) {
		return old, cur, err
	}
	if next != nil {
		if err := json.Unmarshal(next, &cur); err != nil {
			return old, cur, fmt.Errorf("decode %s %q: %w", k.label(), id, err)
		}
	}
	return old, cur, nil
}

// refs are the objects a port links to: its switch and its connection's
// end.
func (l portLinks) refs() []ref {
	var out []ref
	if l.SwitchID != "" {
		out = append(out, ref{kindSwitch, l.SwitchID})
	}
	if c := l.Conn; c != nil && c.VMID != "" {
		out = append(out, ref{kindVM, c.VMID})
	}
	if c := l.Conn; c != nil && c.InternalID != "" {
		out = append(out, ref{kindInternal, c.InternalID})
	}
	return out
}

// anyLinks reports whether any record of kind k, whoever may see it,
// has links matching pred. It is how a call checks a constraint that spans
// scopes (a switch still has ports, an adapter is connected): it yields
// only links, never a name or a scope, so what it tells cannot name a
// hidden object.
func anyLinks[L any](t txn, k kind, pred func(L) bool) (bool, error) {
	found := false
	err := t.objects(k).ForEach(func(key, raw []byte) error {
		var l L
		if err := json.Unmarshal(raw, &l); err != nil {
			return fmt.Errorf("decode %s %q: %w", k.label(), key, err)
		}
		found = found || pred(l)
		return nil
	})
	return found, err
}

func (t txn) rawServiceConfig(def ServiceConfig) (ServiceConfig, error) {
	raw := t.tx.Bucket([]byte(bucketService)).Get([]byte(keyServiceConfig))
	if raw == nil {
		return def, nil
	}
	cfg := def
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return ServiceConfig{}, fmt.Errorf("decode service configuration: %w", err)
	}
	return cfg, nil
}

// consoleLimit is the console buffer size, the one setting calls other
// than the service's own read.
func (t txn) consoleLimit(def ServiceConfig) (int, error) {
	cfg, err := t.rawServiceConfig(def)
	return cfg.ConsoleBufferBytes, err
}

func (t txn) putServiceConfig(cfg ServiceConfig) error {
	if err := t.p.check(kindService, "", "", readWrite); err != nil {
		return err
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("encode service configuration: %w", err)
	}
	return t.tx.Bucket([]byte(bucketService)).Put([]byte(keyServiceConfig), raw)
}

// vmData checks that the permit decided the VM vmID, whose console and
// snapshots are part of it.
func (t txn) vmData(vmID string, a access) error {
	var s scoped
	if err := t.rawGet(kindVM, vmID, &s); err != nil {
		return err
	}
	return t.p.check(kindVM, vmID, s.Scope, a)
}

// console returns a VM's console buffer.
func (t txn) console(vmID string) (string, error) {
	if err := t.vmData(vmID, readOnly); err != nil {
		return "", err
	}
	return string(t.tx.Bucket([]byte(bucketConsole)).Get([]byte(vmID))), nil
}

// appendConsole appends text to a VM's console, keeping at most limit bytes
// and cutting at a line start when it trims.
func (t txn) appendConsole(vmID, text string, limit int) error {
	if err := t.vmData(vmID, readWrite); err != nil {
		return err
	}
	buf, err := t.console(vmID)
	if err != nil {
		return err
	}
	buf += text
	if len(buf) > limit {
		buf = buf[len(buf)-limit:]
		if i := strings.IndexByte(buf, '\n'); i >= 0 && i+1 < len(buf) {
			buf = buf[i+1:]
		}
	}
	return t.tx.Bucket([]byte(bucketConsole)).Put([]byte(vmID), []byte(buf))
}

// snapshots returns the snapshot bucket of a VM, creating it when create is
// set; nil when it does not exist.
func (t txn) snapshots(vmID string, create bool) (*bolt.Bucket, error) {
	a := readOnly
	if create {
		a = readWrite
	}
	if err := t.vmData(vmID, a); err != nil {
		return nil, err
	}
	root := t.tx.Bucket([]byte(bucketSnapshots))
	if create {
		return root.CreateBucketIfNotExists([]byte(vmID))
	}
	return root.Bucket([]byte(vmID)), nil
}

// deleteVMData removes a VM's console and snapshots.
func (t txn) deleteVMData(vmID string) error {
	if err := t.vmData(vmID, readWrite); err != nil {
		return err
	}
	if err := t.tx.Bucket([]byte(bucketConsole)).Delete([]byte(vmID)); err != nil {
		return err
	}
	root := t.tx.Bucket([]byte(bucketSnapshots))
	if root.Bucket([]byte(vmID)) != nil {
		return root.DeleteBucket([]byte(vmID))
	}
	return nil
}
