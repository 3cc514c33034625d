//go:build !amd64

package tabular

// sepMasks is sepMasksGo where there is no assembly for it.
func sepMasks(c []byte, sep byte, masks []uint64) (high bool) {
	return sepMasksGo(c, sep, masks)
}
