// Package authzentodo is the AuthZEN interop "Todo" scenario served by
// azgate: an AzMan store (TodoStore.xml) and a local directory
// (directory.json) that give the working group's published decisions, and
// serve.sh, which starts azgate for them. See README.md.
//
// The package holds only tests: the interop decision files run against
// serve.sh's azgate, and `go test -run TestGenerate -update` writes the
// store and the directory again.
package authzentodo
