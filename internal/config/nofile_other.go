//go:build !unix

package config

// OpenFileLimit is 0 here: no limit to read.
func OpenFileLimit() int { return 0 }
