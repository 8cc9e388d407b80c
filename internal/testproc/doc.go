// Package testproc runs the real azgate binary for azgate's own tests
// (server end-to-end tests, the scale-out test); it is never for
// production code.
//
// [Binary] builds ./cmd/azgate once per test process; a package that uses
// it calls [Main] from its TestMain so that the binary is removed
// afterwards. [Serve] starts `azgate serve` on a loopback port, reads the
// address the server reports on stderr, waits until /healthz answers, and
// kills the process when the test ends. [WaitHealthy] is the wait alone,
// for servers a test runs in-process. [Buffer] collects a server's stderr.
//
// # Usage
//
//	func TestMain(m *testing.M) { testproc.Main(m) }
//
//	p := testproc.Serve(t, testproc.Binary(t), testproc.Options{Env: env},
//		"serve", "--store", url, "--listen", "127.0.0.1:0")
//	resp, err := http.Get(p.Base + "/readyz")
//	p.Stop(t) // SIGTERM; fails unless the server exits cleanly
package testproc
