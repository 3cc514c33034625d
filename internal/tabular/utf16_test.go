package tabular

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"
)

// utf16Bytes encodes s as UTF-16 without a byte-order mark.
func utf16Bytes(s string, big bool) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		if big {
			b = binary.BigEndian.AppendUint16(b, u)
		} else {
			b = binary.LittleEndian.AppendUint16(b, u)
		}
	}
	return string(b)
}

// TestUTF16WithoutBOMNamed: a UTF-16 file without a byte-order mark is
// refused as UTF-16 — with a request to save it as UTF-8 — also when its
// first characters put NUL bytes on both sides of the pairs (一 is U+4E00:
// 00 4E in little-endian, its zero on the side ASCII's zeros are not),
// and when Chinese outnumbers ASCII in the sample; never as "binary".
func TestUTF16WithoutBOMNamed(t *testing.T) {
	texts := map[string]string{
		"一 first":           "一,二,三\n1,2,3\n4,5,6\n",
		"U+4E00 and U+5200": "一,刀,丁\n10,20,30\n",
		"mostly Chinese":    "用户编号,年龄分组,所在城市,注册渠道\n一,二十至三十,北京,线上\n",
		"ASCII first":       "a,b\n1,2\n",
	}
	for name, text := range texts {
		for _, big := range []bool{false, true} {
			_, err := Open(strings.NewReader(utf16Bytes(text, big)), Options{Name: "u.csv"})
			if !errors.Is(err, ErrOption) || !strings.Contains(err.Error(), "the file is UTF-16") {
				t.Errorf("%s (big-endian %v): got %v, want it refused as UTF-16", name, big, err)
			}
		}
	}
}

// TestBinaryNotUTF16: files that are not text and hold NUL bytes are
// refused for them (or for their format), never called UTF-16: binary
// formats' headers, random bytes, and ASCII text with a stray NUL.
func TestBinaryNotUTF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int, zeros int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(255) + 1)
		}
		for range zeros {
			b[rng.IntN(n)] = 0
		}
		return string(b)
	}
	cases := map[string]string{
		"PNG":                 "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00\x5c\x72\xa8\x66",
		"ELF":                 "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x3e\x00\x01\x00\x00\x00\x40\x10\x00\x00",
		"SQLite":              "SQLite format 3\x00\x10\x00\x01\x01\x00\x40\x20\x20\x00\x00\x00\x02\x00\x00\x00\x05",
		"PDF with a NUL":      "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 5 >>\nstream\n\x00\x01\x02\x03\x04\nendstream\n",
		"ASCII, a stray NUL":  "a,b\n1,2\n3,4\n5,\x006\n7,8\n9,10\n",
		"random, a few zeros": random(4096, 16),
		"random, many zeros":  random(4096, 600),
	}
	for i := range 50 {
		cases["random "+string(rune('A'+i%26))+string(rune('a'+i/26))] = random(256+rng.IntN(512), 1+rng.IntN(100))
	}
	for name, data := range cases {
		if looksUTF16([]byte(data)) {
			t.Errorf("%s: looks like UTF-16, want not", name)
		}
		_, err := Open(strings.NewReader(data), Options{Name: "b.csv"})
		if err == nil || strings.Contains(err.Error(), "UTF-16") {
			t.Errorf("%s: got %v, want it refused, not as UTF-16", name, err)
		}
	}
}
