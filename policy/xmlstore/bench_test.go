package xmlstore

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/azgate/azgate/policy"
)

// bigPolicy is the default store plus n tasks, each linking two operations,
// and n role assignments, each with two members.
func bigPolicy(b *testing.B, n int) *policy.Policy {
	b.Helper()
	p := initialStore(b)
	app := p.Applications[0]
	for i := range n {
		t := &policy.Task{GUID: policy.NewGUID(), Name: fmt.Sprintf("task %d", i), Description: "a task",
			OperationLinks: []string{app.Operations[i%34].GUID, app.Operations[(i+1)%34].GUID}}
		app.Tasks = append(app.Tasks, t)
		app.Roles = append(app.Roles, &policy.Role{GUID: policy.NewGUID(), Name: fmt.Sprintf("role %d", i),
			TaskLinks: []string{t.GUID}, Members: []string{fmt.Sprintf(`CONTOSO\user%d`, i), "S-1-5-32-544"}})
	}
	if err := p.Validate(); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkParse: go test ./policy/xmlstore -run XXX -bench Parse
func BenchmarkParse(b *testing.B) {
	for _, n := range []int{0, 1000, 10000} {
		data, err := Marshal(bigPolicy(b, n), 1)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("tasks=%d/bytes=%d", n, len(data)), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, _, _, err := Parse(bytes.NewReader(data), "bench.xml"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSave measures a whole Save: lock, read, marshal, fsync, rename.
func BenchmarkSave(b *testing.B) {
	for _, n := range []int{0, 1000} {
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			ctx := context.Background()
			s, err := Open(filepath.Join(b.TempDir(), "s.xml"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			p := bigPolicy(b, n)
			rev := policy.Revision(0)
			for b.Loop() {
				if rev, err = s.Save(ctx, p, rev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
