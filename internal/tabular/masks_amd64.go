package tabular

// sepMasks flags the separators and line breaks of c, 64 bytes at a time
// (len(c)/64 groups; the rest of c is the caller's): bit b of masks[q]
// is set when c[64q+b] is sep or '\n'. high reports whether a byte of
// those groups is past ASCII. On amd64 it is SSE2 assembly (every amd64
// CPU has it: nothing to detect), 16 bytes compared at once, where
// sepMasksGo takes 8 in several steps.
func sepMasks(c []byte, sep byte, masks []uint64) (high bool) {
	masks = masks[:len(c)/64] // the assembly writes that many
	return sepMasksSSE2(c, sep, masks)
}

//go:noescape
func sepMasksSSE2(c []byte, sep byte, masks []uint64) (high bool)
