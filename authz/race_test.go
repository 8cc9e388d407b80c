//go:build race

package authz

// raceEnabled: the race detector changes allocation counts (sync.Pool drops items).
const raceEnabled = true
