package authzentodo

import cryptorand "crypto/rand"

func rand() string { return cryptorand.Text() }
