//go:build !amd64

package dataset

// useCommonAsm is false: commonCells is amd64 assembly.
var useCommonAsm = false

// There is no SSSE3 path either.
var commonSSSE3, haveSSSE3 = false, false

func commonNumbersAsm(data []byte, start, end []int32, k int, num [][]float64, ints []bool, left []int32) []int32 {
	return commonNumbersGo(data, start, end, k, num, ints, left)
}
