// Package stores opens a policy store from its URL. It is for cmd/azgate
// and the server wiring: the only place that knows every store backend.
//
// Supported URLs:
//
//	msxml://PATH   an MS-AZMP XML file (policy/xmlstore); PATH is relative
//	               ("msxml://./InitialStore.xml") or absolute
//	               ("msxml:///var/lib/azgate/store.xml")
//	msldap://DN            an AzMan store in an LDAP directory (policy/ldapstore),
//	msldap://HOST:PORT/DN  e.g. msldap://CN=AzStore,CN=Program Data,DC=example,DC=org;
//	                       the server, bind DN and password come from Options.LDAP
//	                       or $AZGATE_LDAP_URL, $AZGATE_LDAP_BIND_DN, $AZGATE_LDAP_PASSWORD
package stores
