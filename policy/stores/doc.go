// Package stores opens a policy store from its URL. It is for cmd/azgate
// and the server wiring: the only place that knows every store backend.
//
// Supported URLs:
//
//	msxml://PATH   an MS-AZMP XML file (policy/xmlstore); PATH is relative
//	               ("msxml://./InitialStore.xml") or absolute
//	               ("msxml:///var/lib/azgate/store.xml")
//	msldap://...   an AzMan store in an LDAP directory (not supported yet)
package stores
