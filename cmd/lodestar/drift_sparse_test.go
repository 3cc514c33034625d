package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDriftSparseCategories: `lodestar drift` tests categorical columns by
// the monitors' code (monitor.CategoricalDrift), so sparse categories pool
// alike. Two files of 5,000 rows of one distribution, uniform over 20,000
// values (88% of the reference's distinct, short of the ID-like rule),
// read Jensen–Shannon about 0.74 before: now the column is not tested, its
// note says why, in English and Chinese, and the verdict is undetermined
// rather than drift. A current file concentrated on ten of those values
// drifts, tested over the ten and one bin for the rest.
func TestDriftSparseCategories(t *testing.T) {
	file := func(name string, seed uint64, values int) string {
		rng := rand.New(rand.NewPCG(seed, 5))
		var b strings.Builder
		b.WriteString("code\n")
		for range 5000 {
			fmt.Fprintf(&b, "u%05d\n", rng.IntN(values))
		}
		return writeFile(t, name, b.String())
	}
	ref, same, ten := file("ref.csv", 1, 20000), file("same.csv", 2, 20000), file("ten.csv", 3, 10)

	code, out, errOut := runCLI(t, "drift", "--reference", ref, "--current", same, "--format", "json")
	var d struct {
		Verdict string `json:"verdict"`
		Columns []struct {
			Test       string `json:"test"`
			Drifted    bool   `json:"drifted"`
			IDLike     bool   `json:"id_like"`
			Categories int    `json:"categories"`
			Pooled     int    `json:"pooled_categories"`
			Note       string `json:"note"`
		} `json:"columns"`
	}
	if err := json.Unmarshal([]byte(out), &d); code != 0 || err != nil {
		t.Fatalf("exit %d, %v: %s", code, err, errOut)
	}
	c := d.Columns[0]
	want := fmt.Sprintf("sparse: none of its %d categories is expected 5 or more times in each sample (5000 reference values, 5000 current): not tested", c.Categories)
	if c.Test != "none" || c.Drifted || c.IDLike || c.Pooled != c.Categories || c.Categories < 7000 || !strings.HasSuffix(c.Note, want) || d.Verdict != "undetermined" {
		t.Errorf("same distribution: test %s, drifted %v, id_like %v, %d of %d pooled, note %q, verdict %s; want not tested (%q), undetermined",
			c.Test, c.Drifted, c.IDLike, c.Pooled, c.Categories, c.Note, d.Verdict, want)
	}
	if _, zh, _ := runWith(zhEnvOf, "drift", "--reference", ref, "--current", same); !strings.Contains(zh, fmt.Sprintf("类别稀疏：%d 个类别中没有一个在两个样本中的期望次数都达到 5 次（参照 5000 个值，当前 5000 个）：未检验", c.Categories)) {
		t.Errorf("Chinese report:\n%s", zh)
	}

	dt := runDriftJSON(t, "--reference", ref, "--current", ten)
	if c := dt.Columns[0]; c.Test != "jensenshannon" || !c.Drifted || !dt.DatasetDrift || !strings.Contains(c.Note, "pooled into one bin: ") {
		t.Errorf("concentrated on ten values: test %s, drifted %v, note %q; want drifted by Jensen–Shannon over the ten and the pooled rest", c.Test, c.Drifted, c.Note)
	}
}
