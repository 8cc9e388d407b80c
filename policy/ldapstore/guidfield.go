package ldapstore

import "github.com/azgate/azgate/policy"

// storeGUID and setStoreGUID carry the store's own GUID (the
// msDS-AzObjectGuid of the store entry) to and from the policy. The model
// has no field for it yet; until it has, a store keeps the GUID it was
// created with.
func storeGUID(*policy.Policy) string { return "" }

func setStoreGUID(*policy.Policy, string) {}
