package web

import (
	"testing"

	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// The note beside a drift row's test: a feature not tested says why, a
// tested one that pooled categories says so, translated; a few-valued
// numeric feature's "tested as categorical", which the kind column says,
// is left out, alone or before a pooled clause.
func TestDriftNote(t *testing.T) {
	en := &Page{ID: &httpx.Identity{Locale: "en"}, bundle: i18n.MustLoad()}
	zh := &Page{ID: &httpx.Identity{Locale: "zh-CN"}, bundle: i18n.MustLoad()}
	pooled := "pooled into one bin: 7 of 12 categories, each expected fewer than 5 times in a sample"
	sparse := "sparse: none of its 9 categories is expected 5 or more times in each sample (20 reference values, 30 current): not tested"
	for _, c := range []struct {
		name     string
		col      driftColumn
		en, zhCN string
	}{
		{"not tested", driftColumn{Test: monitor.TestNone, Kind: monitor.Categorical, Note: sparse}, sparse,
			"类别稀疏：9 个类别中没有一个在两个样本中的期望次数都达到 5 次（参照 20 个值，当前 30 个）：未检验"},
		{"tested, pooled", driftColumn{Test: monitor.TestChiSquare, Kind: monitor.Categorical, Note: pooled}, pooled,
			"合并为一组检验：7 个类别（共 12 个）在某个样本中的期望次数不到 5 次"},
		{"few values, pooled", driftColumn{Test: monitor.TestChiSquare, Kind: monitor.Numeric, Categories: 5,
			Note: "at most 5 distinct values: tested as categorical; " + pooled}, pooled,
			"合并为一组检验：7 个类别（共 12 个）在某个样本中的期望次数不到 5 次"},
		{"few values", driftColumn{Test: monitor.TestChiSquare, Kind: monitor.Numeric, Categories: 3,
			Note: "at most 5 distinct values: tested as categorical"}, "", ""},
		{"no note", driftColumn{Test: monitor.TestJensenShannon, Kind: monitor.Categorical}, "", ""},
	} {
		if got := en.DriftNote(c.col); got != c.en {
			t.Errorf("%s: %q, want %q", c.name, got, c.en)
		}
		if got := zh.DriftNote(c.col); got != c.zhCN {
			t.Errorf("%s in Chinese: %q, want %q", c.name, got, c.zhCN)
		}
	}
}
