//go:build !linux

package httpx

// renameNoReplace renames from to to unless to exists (renameChecked).
func renameNoReplace(from, to string) error { return renameChecked(from, to) }
