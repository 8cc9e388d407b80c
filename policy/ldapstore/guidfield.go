package ldapstore

import "github.com/azgate/azgate/policy"

// storeGUID and setStoreGUID carry the store's own GUID (the
// msDS-AzObjectGuid of the store entry, AzAdminManager's Guid) to and from
// the policy. A save over an existing store keeps the store's GUID, as the
// XML store keeps its file's.
func storeGUID(p *policy.Policy) string { return p.GUID }

func setStoreGUID(p *policy.Policy, g string) { p.GUID = g }
