// Package policygen makes policies for tests and benchmarks: the large
// policy (GenerateLarge: 10,000 users, 2,000 nested groups, 1,000 scopes)
// with requests over it, and random small stores (RandomStore) for the
// differential tests that hold the checker to the Casbin model.
//
// It is not part of azgate's API: the shapes change whenever a test needs
// them to.
package policygen
