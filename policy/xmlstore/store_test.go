package xmlstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/azgate/azgate/policies"
	"github.com/azgate/azgate/policy"
	"github.com/azgate/azgate/policy/policytest"
)

func openStore(t *testing.T, path string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func addTask(name string) func(*policy.Policy) error {
	return func(p *policy.Policy) error {
		return p.CreateTask(policy.Location{App: policy.DefaultApplication}, &policy.Task{Name: name})
	}
}

func TestStore_SaveLoadConflictBackup(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "store.xml")
	s := openStore(t, Scheme+path)
	if s.Path() != path {
		t.Fatalf("Path() = %q", s.Path())
	}

	if _, _, err := s.Load(ctx); !errors.Is(err, policy.ErrNotFound) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Load of a missing file: %v", err)
	}
	if rev, err := s.Revision(ctx); rev != 0 || err != nil {
		t.Fatalf("Revision of a missing file: %d, %v", rev, err)
	}
	if _, err := s.Save(ctx, initialStore(t), 1); !errors.Is(err, policy.ErrConflict) {
		t.Fatalf("Save(1) with no file: %v", err)
	}
	rev, err := s.Save(ctx, initialStore(t), 0)
	if err != nil || rev != 1 {
		t.Fatalf("Save(0) = %d, %v", rev, err)
	}
	first, _ := os.ReadFile(path)
	if _, err := os.Stat(path + ".bak"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a first save made a backup: %v", err)
	}
	if _, err := s.Save(ctx, initialStore(t), 0); !errors.Is(err, policy.ErrConflict) {
		t.Fatalf("second Save(0): %v", err)
	}

	p, rev, err := s.Load(ctx)
	if err != nil || rev != 1 || !policytest.Equal(p, initialStore(t)) {
		t.Fatalf("Load = rev %d, %v", rev, err)
	}
	q, err := p.Edit(addTask("Watcher"))
	if err != nil {
		t.Fatal(err)
	}
	if rev, err = s.Save(ctx, q, 1); err != nil || rev != 2 {
		t.Fatalf("Save(1) = %d, %v", rev, err)
	}
	bak, err := os.ReadFile(path + ".bak")
	if err != nil || !bytes.Equal(bak, first) {
		t.Fatalf(".bak does not hold revision 1 (%v)", err)
	}
	// Stale: saving against 1 again conflicts and writes nothing.
	before, _ := os.ReadFile(path)
	if _, err := s.Save(ctx, p, 1); !errors.Is(err, policy.ErrConflict) ||
		!strings.Contains(err.Error(), "save against revision 1, but the store is at revision 2") {
		t.Fatalf("stale Save: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("a conflicting save changed the file")
	}
	// An invalid policy is refused before anything is written.
	bad := q.Clone()
	bad.Applications[0].Tasks[1].TaskLinks = []string{"aaaaaaaa-0000-4000-8000-00000000dead"}
	if _, err := s.Save(ctx, bad, 2); !errors.Is(err, policy.ErrDanglingLink) {
		t.Fatalf("invalid Save: %v", err)
	}
	// Another Store sees revision 2 and the store GUID survives saves.
	o := openStore(t, path)
	p2, rev, err := o.Load(ctx)
	if err != nil || rev != 2 || !policytest.Equal(p2, q) {
		t.Fatalf("other store Load = %d, %v", rev, err)
	}
	g1, _ := readHeader(first, path)
	g2, _ := readHeader(before, path)
	if g1.guid == "" || g1.guid != g2.guid {
		t.Fatalf("store GUID %q then %q", g1.guid, g2.guid)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "store.xml,store.xml.bak,store.xml.lock" {
		t.Errorf("directory holds %v; temporary files left behind?", names)
	}
}

func TestStore_ForeignFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "InitialStore.xml")
	if err := os.WriteFile(path, []byte(specStore), 0o600); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, path)
	p, rev, err := s.Load(ctx)
	if err != nil || rev != 1 {
		t.Fatalf("Load = %d, %v", rev, err)
	}
	if w := s.Warnings(); len(w) != 0 { // its applications' operations are their own
		t.Fatalf("warnings: %v", w)
	}
	rev, err = s.Save(ctx, p, 1)
	if err != nil || rev != 2 {
		t.Fatalf("Save = %d, %v", rev, err)
	}
	data, _ := os.ReadFile(path)
	doc, err := Decode(bytes.NewReader(data), path)
	if err != nil || doc.GUID != "c5217693-1a84-48ee-a9ae-65f0e10bd314" || doc.Revision != 2 || !policytest.Equal(doc.Policy, p) {
		t.Fatalf("after save: %+v, %v", doc, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("save changed the file mode to %v", fi.Mode())
	}
	if !strings.Contains(string(data), `xmlns:azgate="urn:x-azgate:xmlstore" azgate:Revision="2"`) {
		t.Errorf("revision attribute missing:\n%.300s", data)
	}
}

func TestStore_ChangedWithoutNewRevision(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.xml")
	if err := os.WriteFile(path, policies.InitialStore(), 0o644); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, path)
	p, rev, err := s.Load(ctx)
	if err != nil || rev != 1 {
		t.Fatalf("Load = %d, %v", rev, err)
	}
	// A tool that does not know revisions (AzMan) rewrites the file.
	if err := os.WriteFile(path, policies.BookRoles(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(ctx, p, 1); !errors.Is(err, policy.ErrConflict) || !strings.Contains(err.Error(), "without a new revision") {
		t.Fatalf("Save over a foreign rewrite: %v", err)
	}
	// Update reloads and succeeds.
	if _, nrev, err := policy.Update(ctx, s, addTask("After AzMan")); err != nil || nrev != 2 {
		t.Fatalf("Update = %d, %v", nrev, err)
	}
	p, _, _ = s.Load(ctx)
	lab, _ := p.Applications[0].Scope("Lab")
	if lab == nil {
		t.Fatal("the foreign rewrite was overwritten")
	}
}

func TestStore_InvalidFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.xml")
	broken := strings.Replace(string(policies.InitialStore()), "<OperationID>303</OperationID>", "<OperationID>x</OperationID>", 1)
	broken = strings.Replace(broken, `Description="">`, `Description="" xmlns:azgate="urn:x-azgate:xmlstore" azgate:Revision="7">`, 1)
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, path)
	_, _, err := s.Load(ctx)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != path || pe.Element != "OperationID" || pe.Line == 0 {
		t.Fatalf("Load of a broken file: %v", err)
	}
	// The header is still readable, so a replacement can be saved against it.
	if rev, err := s.Revision(ctx); rev != 7 || err != nil {
		t.Fatalf("Revision = %d, %v", rev, err)
	}
	if rev, err := s.Save(ctx, initialStore(t), 7); rev != 8 || err != nil {
		t.Fatalf("Save = %d, %v", rev, err)
	}
	if bak, _ := os.ReadFile(path + ".bak"); string(bak) != broken {
		t.Error(".bak does not hold the broken file")
	}
	// A file whose root cannot be read is never overwritten.
	if err := os.WriteFile(path, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(ctx, initialStore(t), 8); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("Save over garbage: %v", err)
	}
}

func TestStore_LockHeld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.xml")
	s := openStore(t, path)
	other := flock.New(path + ".lock")
	if err := other.Lock(); err != nil {
		t.Fatal(err)
	}
	defer other.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := s.Save(ctx, initialStore(t), 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Save while another holds the lock: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("written without the lock")
	}
}

func TestStore_SizeLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.xml")
	s := openStore(t, path, WithMaxSize(2000))
	if _, err := s.Save(context.Background(), initialStore(t), 0); !errors.Is(err, policy.ErrInvalid) ||
		!strings.Contains(err.Error(), "more than the limit of 2000") {
		t.Fatalf("oversize Save: %v", err)
	}
}

func TestStore_Watch(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.xml")
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"fsnotify", nil},
		{"fsnotify with slow poll", []Option{WithPollInterval(time.Hour)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(path)
			watcher := openStore(t, path, tc.opts...)
			wctx, cancel := context.WithCancel(ctx)
			defer cancel()
			ch, err := watcher.Watch(wctx)
			if err != nil {
				t.Fatal(err)
			}
			writer := openStore(t, path)
			expect := func(what string) {
				t.Helper()
				select {
				case _, ok := <-ch:
					if !ok {
						t.Fatalf("%s: channel closed", what)
					}
				case <-time.After(time.Second):
					t.Fatalf("%s: no signal within 1 s", what)
				}
			}
			rev, err := writer.Save(ctx, initialStore(t), 0)
			if err != nil {
				t.Fatal(err)
			}
			expect("create")
			time.Sleep(50 * time.Millisecond) // let the burst of events of one save settle
			policytest.Drain(ch)
			p, _, _ := writer.Load(ctx)
			q, _ := p.Edit(addTask("New"))
			if _, err := writer.Save(ctx, q, rev); err != nil {
				t.Fatal(err)
			}
			expect("save")
			cancel()
			policytest.WaitClosed(t, ch, time.Second)
		})
	}
}

func TestStore_WatchPollOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.xml")
	watcher := openStore(t, path, func(c *config) { c.noFsnotify = true })
	ch, err := watcher.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	expect := func(what string) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(time.Second):
			t.Fatalf("%s: no signal within 1 s", what)
		}
	}
	writer := openStore(t, path)
	if _, err := writer.Save(ctx, initialStore(t), 0); err != nil {
		t.Fatal(err)
	}
	expect("create")
	// A same-size replacement is seen through the file's identity.
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path+".new", data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
	expect("replace")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	expect("remove")
}

func TestStore_CloseEndsWatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.xml")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := s.Watch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-ch; ok {
		// one pending signal may precede the close
		if _, ok := <-ch; ok {
			t.Fatal("channel open after Close")
		}
	}
	if _, _, err := s.Load(context.Background()); err == nil {
		t.Fatal("Load after Close")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestOpen_Errors(t *testing.T) {
	for _, path := range []string{"", Scheme, "/nonexistent-dir-xyz/s.xml"} {
		if _, err := Open(path); err == nil {
			t.Errorf("Open(%q) succeeded", path)
		}
	}
}

// Concurrency across processes: helperEnv makes the test binary a writer.
const (
	helperEnvPath = "XMLSTORE_HELPER_PATH"
	helperEnvID   = "XMLSTORE_HELPER_ID"
	procs         = 8
	editsPerProc  = 50
)

// TestHelperProcess is a writer process of TestStore_ConcurrentProcesses;
// run on its own it does nothing.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnvPath)
	if path == "" {
		t.Skip("helper process only")
	}
	id := os.Getenv(helperEnvID)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i := range editsPerProc {
		if _, _, err := policy.Update(ctx, s, addTask(fmt.Sprintf("p%s-edit%02d", id, i))); err != nil {
			t.Fatalf("process %s edit %d: %v", id, i, err)
		}
	}
}

func TestStore_ConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.xml")
	s := openStore(t, path)
	if _, err := s.Save(ctx, initialStore(t), 0); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cmds := make([]*exec.Cmd, procs)
	outs := make([]*bytes.Buffer, procs)
	for i := range cmds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnvPath+"="+path, helperEnvID+"="+strconv.Itoa(i))
		outs[i] = &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = outs[i], outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", i, err, outs[i])
		}
	}
	t.Logf("%d processes × %d edits in %v", procs, editsPerProc, time.Since(start))
	p, rev, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := policy.Revision(1 + procs*editsPerProc); rev != want {
		t.Errorf("revision %d, want %d", rev, want)
	}
	app := p.Applications[0]
	for i := range procs {
		for j := range editsPerProc {
			if _, err := app.Task(fmt.Sprintf("p%d-edit%02d", i, j)); err != nil {
				t.Errorf("lost edit: %v", err)
			}
		}
	}
	if n := len(app.Tasks); n != 1+procs*editsPerProc {
		t.Errorf("%d tasks, want %d", n, 1+procs*editsPerProc)
	}
}
