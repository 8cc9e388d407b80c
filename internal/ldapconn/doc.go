// Package ldapconn dials LDAP servers for azgate's two LDAP clients: the
// directory (ldapdir) and the LDAP policy store (policy/ldapstore).
//
// It is internal plumbing, not an API: each client keeps its own
// configuration, its own sentinel errors (both wrap what this package
// returns in their ErrUnavailable) and its own request loop. What they
// share lives here:
//
//   - [Dial]: connect within a timeout, upgrade with StartTLS, bind, with
//     ctx's deadline and cancellation bounding every step;
//   - [TLSConfig]: TLS 1.2+ to a host, trusting a PEM file of CAs;
//   - [Pool]: idle bound connections kept for reuse;
//   - [Timeout] and [Unusable]: how long one request may take, and whether
//     an LDAP result means the connection must be dropped.
//
// # Usage
//
//	p := &ldapconn.Pool{Config: ldapconn.Config{URL: u, BindDN: dn, Password: pw,
//		DialTimeout: 5 * time.Second, RequestTimeout: 10 * time.Second}, MaxIdle: 2}
//	conn, err := p.Get(ctx) // idle, or dialled and bound
//	...                      // requests; drop conn on a transport error
//	p.Put(conn)
package ldapconn
