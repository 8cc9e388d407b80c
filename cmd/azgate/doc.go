// Command azgate is the one azgate binary: it edits and inspects policy
// stores, answers access checks from the command line, serves the HTTP API
// and drives the bundled management engine.
//
// It is for operators and scripts. Every command takes --store URL
// (default $AZGATE_STORE, else msxml://./InitialStore.xml); see
// policy/stores for the supported URLs.
//
// # Layout
//
// One file per command group (store.go, task.go, role.go, ...). Commands
// parse flags, call library code (policy, authz, stores) and print; they hold
// no policy logic. Every top-level command is listed once in root.go.
// [run] is the entry point: it executes a command line and maps the error to
// an exit code (0 success, 1 a negative answer such as a denied check, 2 any
// error), so tests call it in-process with their own writers.
package main
