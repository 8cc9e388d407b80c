// Package authz makes azgate's access decisions. It is for the server's check
// endpoint, the engine interceptor and the HTTP middleware, which ask it one
// question — may this client do these operations in this scope? — and for
// administrators, who ask it why (Explain) and who (WhoCan).
//
// [Compile] turns an AzMan policy (package policy) into a [Checker]: an
// immutable index answering [Checker.AccessCheck] with a few map lookups and
// bit tests and no per-request cache. A Checker is safe for concurrent use;
// when the policy changes, compile a new one and swap it in.
//
// Checks name operations by ID in an operation catalog: by default the
// Hyper-V catalog (package operations). A management server with its own
// operations gives Compile its own catalog ([Options].Operations, at most
// [MaxOperations]); the store application's operations are matched to it by
// name, and AccessCheck, Explain, WhoCan, [Middleware] and
// [RouteOperationsFor] then take that catalog's IDs.
//
// Semantics are AzMan's (see DESIGN.md): a check in scope S consults the role
// assignments at application level and in S. Access is granted when some
// path client → role assignment (a member, or an application group linked to
// it) → role definition / task (recursively) or a direct operation link →
// operation holds and every business rule on the path is true. Application
// groups are Basic (members, non-members, nested groups; a non-member is
// never in the group), LDAP query or business rule groups, at store,
// application or scope level. There is no deny beyond non-members. Any error
// on a path denies that path (fail closed) and is reported in [Result.Err]
// when no other path grants.
//
// The index: every principal string named anywhere in the policy (folded to
// lower case) has one 128-byte record reached through an open-addressing
// table of 8-byte slots (a 32-bit hash tag and the record's index); the
// record holds the key itself (inline up to 56 bytes) and lists the role
// assignments the principal is a direct member of and the application
// groups it may be in that assignments link, split by level (application,
// then per scope, sorted), each with a 64-bit mask of the catalog
// operations it can grant (all of them, and those granted without any
// business rule). In front of the table, a blocked Bloom filter (one
// 64-bit word a lookup, 16 to 32 bits a key, small enough to stay in cache)
// turns away most of a client's identifiers and groups that the policy
// never names, which are about half of them, before they cost a table
// probe.
//
// A check maps each operation ID to its bit through a table built at
// compile time (dense by ID, or a map for catalogs whose IDs are spread
// wide), hashes the client's identifiers and groups (case-insensitively,
// eight bytes at a time, one multiply per sixteen bytes; a string with a
// non-ASCII byte or surrounding space takes a slower path through
// names.Key, the one rule names compare by), collects the assignments in reach for the scope,
// evaluates only the application groups that could grant a requested
// operation (non-members subtracted, memoised per request in pooled
// scratch), and stops as soon as rule-free grants cover every operation.
// Business rules are evaluated only on paths that need them. The only
// allocation is the results; [Checker.AccessCheckInto] writes them into a
// caller's reusable [Buffer] instead.
//
// Business rules are expressions (expr-lang) or JScript scripts (goja),
// compiled once in Compile. A JScript rule runs on a fresh runtime per
// evaluation that holds only the ECMAScript builtins and AzMan's
// AccessCheck object, under [Options].RuleTimeLimit; VBScript rules deny.
// A rule language without a script is no rule.
//
// The same semantics are modelled in Casbin by package casbinmodel (the
// model is shipped as policies/azman.conf); its differential tests hold the
// Checker to the Casbin decisions over random and large stores. This
// package imports neither Casbin nor net/http: the HTTP middleware is
// package httpauthz.
package authz
