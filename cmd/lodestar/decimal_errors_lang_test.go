package main

import (
	"strings"
	"testing"
)

// TestDecimalRefusalsInChinese: a Parquet DECIMAL drift cannot read — beyond
// float64's range, or a byte array with no bytes — is refused in Chinese
// under --lang zh-CN, as the file's other refusals are (both stayed English).
func TestDecimalRefusalsInChinese(t *testing.T) {
	t.Parallel()
	for msg, want := range map[string]string{
		`ref.parquet: column "price": row 3: the DECIMAL is beyond float64's range (±1.8e308)`: `ref.parquet：列 "price"：第 3 行：该 DECIMAL 超出 float64 的范围（±1.8e308）`,
		`cur.parquet: column "amount": row 12: an empty DECIMAL (no bytes)`:                    `cur.parquet：列 "amount"：第 12 行：DECIMAL 为空（没有字节）`,
	} {
		got := errorText("zh-CN", msg)
		if !strings.Contains(got, strings.SplitN(want, "：", 2)[1]) {
			t.Errorf("%q in Chinese: %q, want %q", msg, got, want)
		}
	}
}
