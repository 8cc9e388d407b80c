// Package scaletest holds the scale-out test: two OpenLDAP providers in
// multi-provider replication (internal/slapdtest.StartPair) and two real
// `azgate serve` processes built from ./cmd/azgate, one on each provider,
// sharing one msldap:// policy store. It is for azgate's own CI, not for
// import; docs/scale-out.md describes the deployment it checks.
package scaletest
