// Package ldapschema ships the OpenLDAP schema for Authorization Manager
// (AzMan) directory objects: the msDS-Az* classes and attributes of Active
// Directory, with Microsoft's OIDs, plus the AD-style group, container,
// securityPrincipal, foreignSecurityPrincipal, user and computer classes
// an AzMan store (and an AD-shaped test directory) needs.
//
// It is for two readers: policy/ldapstore, which writes and reads stores
// laid out as README.md describes, and internal/slapdtest, which loads
// [LDIF] into every test directory. Operators load azman.ldif into a
// running slapd with
//
//	ldapadd -Y EXTERNAL -H ldapi:/// -f azman.ldif
//
// or include azman.schema from slapd.conf. The two files say the same
// thing; TestLDIFMatchesSchema keeps them in step (go test -run
// TestLDIFMatchesSchema -update regenerates azman.ldif).
package ldapschema
