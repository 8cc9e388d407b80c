// Package casbinmodel states AzMan's decision rule as a Casbin model and
// compiles an azgate policy into Casbin policy lines.
//
// It is the specification the compiled checker in package authz is tested
// against (a differential test runs random and large stores through both
// and requires identical decisions), and an export for Casbin tooling:
// Model is shipped as policies/azman.conf, Policy and ClientLines give the
// p, g, g2 and g3 lines, NewEnforcer a ready casbin.Enforcer.
//
// Application-group membership is not monotonic (a non-member is never in
// the group), so it is computed per client outside Casbin (ClientLines).
// Business rules and LDAP-query groups depend on the request; every path
// through them is left out, so Casbin denies where the checker would have
// to run them.
//
// Servers deciding requests use authz; nothing on the decision path
// imports this package.
package casbinmodel
