package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestDriftRefusalsInChinese: with --lang zh-CN, every refusal of a
// flag's value (the thresholds', the tests', --format, --bins …) and the
// line --fail-on-drift writes when the data set drifted read in Chinese,
// as --columns's refusals do: only the flags and the values given stay
// as written.
func TestDriftRefusalsInChinese(t *testing.T) {
	ref := writeFile(t, "ref.csv", "x\n1\n2\n3\n4\n5\n6\n7\n8\n")
	cur := writeFile(t, "cur.csv", "x\n101\n102\n103\n104\n105\n106\n107\n108\n")
	for _, c := range []struct {
		args []string
		code int
		want string // a part of the Chinese message
	}{
		{[]string{"--format", "xml"}, 2, `--format "xml"：只能是 text、json 或 html`},
		{[]string{"--exact-limit", "0"}, 2, "--exact-limit 须至少为 1"},
		{[]string{"--bins", "5"}, 2, "--bins 5：须在 10 到 1000000 之间"},
		{[]string{"--psi-bins", "1"}, 2, "--psi-bins 1：须在 2 到 1000 之间"},
		{[]string{"--small-sample", "0"}, 2, "--small-sample 0：须至少为 1"},
		{[]string{"--p-value", "0"}, 2, "--p-value 0：须为大于 0 的有限数"},
		{[]string{"--share", "inf"}, 2, "--share +Inf：须为大于 0 的有限数"},
		{[]string{"--missing-rise", "2"}, 2, "--missing-rise 2：须为行数的占比"},
		{[]string{"--numeric-test", "foo"}, 2, `数值检验 "foo"：只能是 auto、ks、wasserstein 或 psi`},
		{[]string{"--categorical-test", "bar"}, 2, `类别检验 "bar"：只能是 auto、chi2、jensenshannon 或 psi`},
		{[]string{"--psi-warn", "0.3", "--psi-drift", "0.2"}, 2, "PSI 阈值 0.3/0.2：须满足 0 < 警示 ≤ 漂移"},
		{[]string{"--p-value", "1.5"}, 2, "p 值阈值 1.5：须在 0 与 1 之间"},
		{[]string{"--share", "2"}, 2, "占比 2：须大于 0 且至多为 1"},
		{[]string{"--fail-on-drift"}, 3, "数据集发生漂移：1 列漂移，共检验 1 列（100.0%；阈值 50%）"},
	} {
		args := append([]string{"drift", "--reference", ref, "--current", cur, "--format", "json"}, c.args...)
		code, _, errOut := runWith(zhEnvOf, args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, c.code, c.want)
			continue
		}
		msg := errOut[strings.LastIndex(errOut, "lodestar: "):]
		if left := englishLeft(msg, []string{ref, cur}, []string{"drift", "PSI", "text", "json", "html", "auto", "ks", "wasserstein", "psi", "chi2", "jensenshannon", "Inf"}); len(left) > 0 {
			t.Errorf("%q: English left %q in %q", c.args, left, msg)
		}
	}
}

// TestDriftTempFileErrorInChinese: a temporary file that cannot be made
// (TMPDIR gone) is named in Chinese too.
func TestDriftTempFileErrorInChinese(t *testing.T) {
	ref := writeFile(t, "ref.csv", "x\n1\n2\n")
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "gone"))
	code, _, errOut := runWith(zhEnvOf, "drift", "--reference", ref, "--current", ref)
	if code != 1 || !strings.Contains(errOut, "lodestar: 临时文件：") || strings.Contains(errOut, "temporary file") {
		t.Errorf("exit %d, stderr %q; want exit 1 and 临时文件", code, errOut)
	}
}

// TestDriftParquetRefusalsInChinese: what drift says of a Parquet file it
// refuses — named .parquet but not Parquet, an infinite number, bytes
// that are not UTF-8 — reads in Chinese under --lang zh-CN.
func TestDriftParquetRefusalsInChinese(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "fake.parquet")
	if err := os.WriteFile(fake, []byte("x\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	type num struct {
		X float64 `parquet:"x"`
	}
	inf := filepath.Join(dir, "inf.parquet")
	if err := parquet.WriteFile(inf, []num{{1}, {2}, {math.Inf(1)}}); err != nil {
		t.Fatal(err)
	}
	type text struct {
		S string `parquet:"s"`
	}
	bad := filepath.Join(dir, "bad.parquet")
	if err := parquet.WriteFile(bad, []text{{"ok"}, {"caf\xe9"}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file, want string
	}{
		{fake, `：不是 Parquet 文件：文件名表明是 Parquet，但开头不是 Parquet 的标识字节 "PAR1"`},
		{inf, `：列 "x"：第 3 行：+Inf 不是有限数`},
		{bad, `：列 "s"：第 2 行：这些字节不是 UTF-8 文本`},
	} {
		code, _, errOut := runWith(zhEnvOf, "drift", "--reference", c.file, "--current", c.file)
		if code != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and %q", filepath.Base(c.file), code, errOut, c.want)
			continue
		}
		if left := englishLeft(errOut, []string{c.file}, []string{"Parquet", "PAR1", "Inf"}); len(left) > 0 {
			t.Errorf("%s: English left %q in %q", filepath.Base(c.file), left, errOut)
		}
	}
}
