// Package slapdtest runs a real OpenLDAP slapd for tests.
//
// It is for azgate's own tests (ldapdir, policy/ldapstore, the scale-out
// test), never for production code. Start launches slapd on a loopback
// port with a fresh cn=config and mdb database under t.TempDir(), with the
// core, cosine, nis and inetorgperson schemas and azgate's AzMan schema
// (policies/ldapschema) loaded, seeds it, waits until an administrator bind
// succeeds, and stops it in t.Cleanup. StartPair does the same for two
// providers replicating each other (multi-provider syncrepl).
//
// slapd, slapadd and ldapmodify must be installed (Debian: apt-get install
// slapd ldap-utils). When they are missing the test fails — it does not
// skip — because CI installs them and a skipped directory test hides bugs.
//
// # Usage
//
//	srv := slapdtest.Start(t, slapdtest.Options{Seed: ldif})
//	srv.AddLDIF(t, moreLDIF)          // ldapmodify -a: entries or changetype records
//	conn := srv.Conn(t)               // admin-bound *ldap.Conn, closed at cleanup
//	srv.Stop()                        // simulate an outage
//	srv.Restart()                     // same port, same data
//
// # Ports
//
// The harness asks the kernel for a free port, closes it and lets slapd
// bind it. If slapd loses that race ("Address already in use") the harness
// retries on a new port; a stranger answering on the port cannot pass for
// slapd because readiness is an administrator bind with a random password.
package slapdtest
