// Package policy is azgate's model of an Authorization Manager (AzMan)
// policy store and the contract every store implements.
//
// A [Policy] holds store-level application groups and applications. An
// [Application] holds operations, tasks (a role definition is a task marked
// as such), application groups, role assignments ([Role], AzMan's AzRole)
// and scopes. A [Scope] holds tasks, groups and role assignments of its own;
// operations exist only at application level.
//
// Objects link to each other by GUID, as in the MS-AZMP XML format. Edits go
// through [Policy.Edit], which applies a change to a copy and validates the
// result, so a failed edit never leaves a half-changed policy. [Policy.Validate]
// checks name uniqueness, link targets and kinds, and the absence of cycles;
// its errors name the object and the offending link.
//
// Stores implement [Store]; the XML file store lives in policy/xmlstore and
// the LDAP store in policy/ldapstore. Package authz compiles a Policy into
// decisions; this package makes none.
package policy
