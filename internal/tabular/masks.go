package tabular

import "encoding/binary"

// sepMasksGo is sepMasks in Go: each 64 bytes' separators and line
// breaks found eight bytes at a time (a byte is flagged exactly: no carry
// crosses bytes), their flags gathered into the mask's bits.
func sepMasksGo(c []byte, sep byte, masks []uint64) (high bool) {
	const ones, low7 = 0x0101010101010101, 0x7f7f7f7f7f7f7f7f
	sepWord, lfWord := ones*uint64(sep), ones*uint64('\n')
	// zero marks the bytes of x that are 0 with their top bit.
	zero := func(x uint64) uint64 { return ^((x&low7 + low7) | x | low7) }
	var seen uint64
	for q := range len(c) / 64 {
		var m uint64
		for w := range 8 {
			x := binary.LittleEndian.Uint64(c[q*64+w*8:])
			seen |= x
			z := zero(x^sepWord) | zero(x^lfWord)
			// The top bit of byte b to bit b: each lands alone in the
			// top byte of the product.
			m |= ((z >> 7) * 0x0102040810204080 >> 56) << (8 * w)
		}
		masks[q] = m
	}
	return seen&^low7 != 0
}
