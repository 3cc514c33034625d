package dataset

import (
	"bytes"
	"testing"
)

// commonMode is one way commonNumbers can run: the Go loop, the assembly
// loop on plain amd64 instructions, or the assembly loop with its SSSE3
// path (where the CPU has SSSE3).
type commonMode struct {
	name       string
	asm, ssse3 bool
}

// commonModes are the ways this machine can run.
func commonModes() []commonMode {
	m := []commonMode{{"go", false, false}, {"asm", true, false}}
	if haveSSSE3 {
		m = append(m, commonMode{"asm-ssse3", true, true})
	}
	return m
}

// use makes commonNumbers run this way until the test ends.
func (m commonMode) use(t testing.TB) {
	asm, ssse3 := useCommonAsm, commonSSSE3
	t.Cleanup(func() { useCommonAsm, commonSSSE3 = asm, ssse3 })
	useCommonAsm, commonSSSE3 = m.asm, m.ssse3
}

// numbers is commonNumbers run this way.
func (m commonMode) numbers(data []byte, start, end []int32, k int, num [][]float64, ints []bool, left []int32) []int32 {
	was := commonSSSE3
	defer func() { commonSSSE3 = was }()
	commonSSSE3 = m.ssse3
	if m.asm {
		return commonNumbersAsm(data, start, end, k, num, ints, left)
	}
	return commonNumbersGo(data, start, end, k, num, ints, left)
}

// BenchmarkCommonNumbers times commonNumbers alone on a block of
// bench/drift/gen's cells (BenchmarkScanCSV's drift-like case), each way
// this machine can run it.
func BenchmarkCommonNumbers(b *testing.B) {
	const k, rows = 20, 2000
	data := benchCSV(rows, k, driftLikeCell())
	data = data[bytes.IndexByte(data, '\n')+1:] // the header off
	var start, end []int32
	s := 0
	for i, c := range data {
		if c == ',' || c == '\n' {
			start, end = append(start, int32(s)), append(end, int32(i))
			s = i + 1
		}
	}
	num := make([][]float64, k)
	for j := range num {
		num[j] = make([]float64, rows)
	}
	ints := make([]bool, k)
	for _, m := range commonModes() {
		b.Run(m.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			var left []int32 // kept between runs, as scanCSV keeps it
			for range b.N {
				left = m.numbers(data, start, end, k, num, ints, left[:0])
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(start)), "ns/cell")
		})
	}
}
