package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
)

// reportCase is one command run whose text report is checked in both
// languages.
type reportCase struct {
	name string
	args []string
	zh   []string // in the Chinese report, word for word
	en   []string // in the English report, and not in the Chinese one
	// tables are the Chinese report's tables: the start of the heading
	// line and the number of lines.
	tables []reportTable
}

type reportTable struct {
	head  string
	lines int
}

// reportCases are runs of the four commands on small files, with Chinese
// names in them so that the tables' alignment is tested too.
func reportCases(t *testing.T) []reportCase {
	t.Helper()
	ab := writeFile(t, "ab.csv", "variant,n,sum,sum_squares\nA,10000,50000,260000\nB,10000,50600,266000\n城市组,10000,49900,259500\n")
	pr := writeFile(t, "pr.csv", "variant,n,sum\nA,40,12\nB,40,32\n")
	fa := writeFile(t, "fa.csv", "组,y,p\n北京,1,1\n北京,0,1\n北京,1,0\n上海,1,0\n上海,0,0\n上海,1,1\n上海,0,0\n")
	ref, cur := driftHTMLFiles(t)
	srv := newModelServer(t, linearModel)
	lin, _, _ := linearData(t, 300)
	return []reportCase{
		{"abtest mean", []string{"abtest", "--data", ab, "--sequential"},
			[]string{
				"（各组汇总统计；编码 utf-8（自动检测），逗号分隔）", "指标：均值；显著性水平 alpha = 0.05\n",
				"分组         n      均值  标准差    占比    预期占比  \nA（对照组）  10000  5     1.00005   33.33%  33.33%    \n",
				"样本比例，相对于假定的均等分流（未给出 --split）：卡方 = 0，自由度 = 2，p = 1.0000：一致\n",
				"序贯检验：始终有效的 95% 置信序列，rho = 0.02866（在每组比较共 10000 个单元时最窄）；结论以置信序列为准。\n",
				"\nB 对比 A\n  差值      +0.06（固定样本量 95% 置信区间：+0.0323038 至 +0.0876962）\n  相对变化  +1.20%（95% 置信区间：+0.64% 至 +1.76%）\n",
				"  Welch t 检验：t = 4.2463，自由度 = 19997.9，p = 2.18e-05\n",
				"  始终有效的 95% 置信序列 +0.0167053 至 +0.103295，p = 0.0009；不含 0：差异已确立，测试可以停止\n",
				"  结论：可以上线 — 主要指标显著提升（相对变化 +1.20%，始终有效 p 值 = 0.0009）\n",
				"  始终有效的 95% 置信序列 -0.053871 至 +0.033871，p = 1.0000；包含 0：尚未确立差异\n",
				"  结论：继续运行 — 暂无显著差异（始终有效 p 值 = 1.0000 ≥ alpha = 0.05）\n",
			},
			[]string{"A/B test:", "per-variant statistics", "Metric: mean", "variant", "(control)", "Sample ratio", "vs A", "difference", "relative",
				"fixed-horizon", "verdict", "SHIP", "the primary metric", "always-valid", "no significant difference", "EXCLUDES 0", "includes 0"}, []reportTable{{"分组  ", 4}}},
		{"abtest proportion", []string{"abtest", "--data", pr, "--metric", "proportion", "--sequential", "--split", "90,10"},
			[]string{
				"指标：比例；", "  比率  ", "样本比例，相对于计划分流：卡方 = 142.2，自由度 = 1，p = 8.70e-33：样本比例失衡（p < 0.001）。实际分流与计划不符；请先修复分组或日志，再采信任何结果。\n",
				"  双比例 z 检验：z = 4.4947，p = 6.97e-06\n",
				"  警告：较小的一组只有 40 个单元：置信序列是渐近的，每组需要数百个单元，因此仅供参考\n",
				"  结论：不宜上线 — 样本比例失衡（卡方检验 p = 8.7e-33 < 0.001）：实际分流与计划不符，结果不可信；请先修复分组或日志\n",
			},
			[]string{"proportion", "rate", "MISMATCH", "warning", "only 40 units", "DO-NOT-SHIP", "sample ratio mismatch"}, []reportTable{{"分组  ", 3}}},
		{"fairness", []string{"fairness", "--data", fa, "--group", "组", "--label", "y", "--prediction", "p", "--bootstrap", "200", "--seed", "3"},
			[]string{
				"公平性审计：" + fa + "，7 行，2 组（分组列 \"组\"），真实结果列 \"y\"，决策列 \"p\"\n",
				"        分组  n  真正例  假正例  真负例  假负例  基础率  选择率  真正率  假正率  假负率  精确率  准确率  影响比          \n" +
					"        上海  4       1       0       2       1  0.5000  0.2500  0.5000  0.0000  0.5000  1.0000  0.7500  0.3750  低于 4/5\n" +
					"        北京  3       1       1       0       1  0.6667  0.6667  0.5000  1.0000  0.5000  0.5000  0.3333  1.0000      参照\n" +
					"  （全部行）  7       2       1       2       2  0.5714  0.4286  0.5000  0.3333  0.5000  0.6667  0.5714                  \n" +
					"（“—”表示分母为零的比率：未定义，而非 0）\n",
				"参照组：北京（选择率最高）\n",
				"                    95% 置信区间                            \n人口均等差  0.4167  [0.0750, 1.0000]（3 次重抽样未定义）    \n",
				"均等几率差  1.0000  [1.0000, 1.0000]（114 次重抽样未定义）  \n",
				"五分之四规则：未通过：低于参照组 4/5 的组：上海\n",
				"置信区间：200 次自助法重抽样，种子 3，对全部行做多项式重抽样（等同于有放回地重抽行），百分位区间。\n",
			},
			[]string{"Fairness audit", "group", "selection", "accuracy", "(all rows)", "reference", "Demographic parity", "replicates",
				"Four-fifths rule", "NOT met", "multinomial", "interval"}, []reportTable{{"        分组", 4}, {"                    95%", 6}}},
		{"fairness negative", []string{"fairness", "--data", fa, "--group", "组", "--label", "y", "--prediction", "p", "--favourable", "negative"},
			[]string{"参照组：上海（有利结果比率最高）\n有利结果：负类预测；影响比和五分之四规则比较各组获得它的比率（1 − 选择率）\n",
				"五分之四规则：未通过：低于参照组 4/5 的组：北京\n"},
			[]string{"Favourable outcome", "highest favourable rate"}, []reportTable{{"        分组", 4}}},
		{"explain model", []string{"explain", "--model", filepath.Join(explainTestdata, "reg.json"), "--data", filepath.Join(explainTestdata, "data.csv")},
			[]string{
				"：reg:squarederror，30 棵树，最大深度 6，8 个特征；base_score 0.5（边际 0.5）\n",
				"：200 行。SHAP 值位于边际空间（连接函数 identity）；偏置（期望边际）10.2909。\n",
				"全局重要性（平均 |SHAP|）：\n  1  f2  5.98086    \n",
				"逐行解释（文件中的行号；各特征的 SHAP 值）：\n  行号      预测值        边际     偏置          f0",
				"核验：每行均满足 偏置 + Σ SHAP = 边际（最大偏差 ",
			},
			[]string{"Model ", "trees", "Global importance", "Per row", "prediction", "margin", "Check:"}, []reportTable{{"  1  f2", 8}, {"  行号", 201}}},
		{"explain endpoint", []string{"explain", "--endpoint", srv.URL, "--data", lin, "--label", "y", "--repeats", "3"},
			[]string{
				"置换重要性：模型 " + srv.URL + "，数据 " + lin + "：300 行，3 个特征，目标列 \"y\"\n",
				"指标：mse（越低越好），原始数据上为 0.00967003；每个特征打乱 3 次，种子 1；共对数据评分 10 次。\n",
				"重要性为打乱该特征列后指标变差的幅度（≤ 0：模型不依赖该特征）。\n",
				"  排名  特征  重要性    标准差  \n  1     x0    16.6116   0.639   \n",
			},
			[]string{"Permutation importance", "lower is better", "shuffles", "rank", "feature", "importance"}, []reportTable{{"  排名", 4}}},
		{"drift", []string{"drift", "--reference", ref, "--current", cur},
			[]string{
				"漂移：当前 " + cur + "（300 行），参照 " + ref + "（300 行）\n",
				"列     类型  检验    统计量      p 值     PSI  PSI 等级  漂移  缺失（参照）  缺失（当前）\n" +
					"moved  数值  KS      0.5000  1.89e-34  4.3463  漂移      漂移             0             0\n",
				"city   类别  卡方  300.0000  7.18e-66  8.5155  漂移      漂移             0             0\n",
				"empty  数值  无           —         —       —            —                0  300 (100.0%)\n",
				"漂移由各列的检验判定：Wasserstein（距离 ÷ 参照标准差）≥ 0.1，Jensen–Shannon ≥ 0.1，\nKS 与卡方检验 p < 0.05；",
				"  city：类别列：" + ref + " 第 2 行为 \"北京\"，不是数字\n", "\n  empty：当前样本中没有值\n", "  empty：警告：缺失值占比由 0.0% 升至 100.0%（Fisher 精确检验，单侧：p = ", "\n警告：\n  缺失值增多：empty\n  新类别：city\n",
				"数据集漂移：是 — 2 列漂移，共检验 3 列（66.7%；阈值 50%）\n",
			},
			[]string{"Drift of", "column  kind", "numeric", "categorical", "chi2", "DRIFT", "stable", "missing", "not a number", "no values", "Dataset drift", "YES"}, []reportTable{{"列  ", 5}}},
	}
}

// number is a figure as the reports write it; one glued to a word (the
// 2 of chi2, the 0 of f0) is not a figure.
var number = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_.])([-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)`)

func figures(s string) []string {
	var out []string
	for _, m := range number.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// The text reports in Chinese: headings, verdicts and notes translated,
// the same figures as the English report in the same order, and no
// English left of what the English report says; its tables line up.
func TestReportsInChinese(t *testing.T) {
	for _, c := range reportCases(t) {
		code, en, errOut := runCLI(t, append(c.args, "--lang", "en")...)
		if code != 0 {
			t.Fatalf("%s: en: exit %d: %s", c.name, code, errOut)
		}
		code, zh, errOut := runCLI(t, append(c.args, "--lang", "zh-CN")...)
		if code != 0 {
			t.Fatalf("%s: zh-CN: exit %d: %s", c.name, code, errOut)
		}
		for _, want := range c.zh {
			if !strings.Contains(zh, want) {
				t.Errorf("%s: the Chinese report lacks %q:\n%s", c.name, want, zh)
			}
		}
		for _, english := range c.en {
			if !strings.Contains(en, english) {
				t.Errorf("%s: the English report lacks %q:\n%s", c.name, english, en)
			}
			if strings.Contains(zh, english) {
				t.Errorf("%s: the Chinese report has English %q:\n%s", c.name, english, zh)
			}
		}
		if m := regexp.MustCompile(`\[[a-z_-]+\.[a-z_.-]+\]`).FindString(zh); m != "" {
			t.Errorf("%s: a catalog key is missing: %s", c.name, m)
		}
		fe, fz := figures(en), figures(zh)
		if len(fe) < 10 || !slices.Equal(fe, fz) {
			t.Errorf("%s: the figures differ:\nen %q\nzh %q", c.name, fe, fz)
		}
		// Every table is padded to its last column or right-aligned, so
		// its lines take the same number of terminal cells (tabwriter
		// counted a Chinese character as one).
		lines := strings.Split(zh, "\n")
		for _, tb := range c.tables {
			i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, tb.head) })
			if i < 0 || i+tb.lines > len(lines) {
				t.Errorf("%s: no table of %d lines from %q", c.name, tb.lines, tb.head)
				continue
			}
			for _, l := range lines[i+1 : i+tb.lines] {
				if cellWidth(l) != cellWidth(lines[i]) {
					t.Errorf("%s: table lines out of line (%d cells, then %d):\n%s\n%s", c.name, cellWidth(lines[i]), cellWidth(l), lines[i], l)
				}
			}
		}
	}
}

// reportRuns are a run of each command that needs no server, for the
// language rules.
func reportRuns(t *testing.T) map[string][]string {
	t.Helper()
	ab := writeFile(t, "ab.csv", "variant,n,sum,sum_squares\nA,100,500,2600\nB,100,506,2660\n")
	fa := writeFile(t, "fa.csv", "g,y,p\na,1,1\na,0,1\nb,1,0\nb,0,0\n")
	ref, cur := driftHTMLFiles(t)
	return map[string][]string{
		"abtest":   {"abtest", "--data", ab},
		"fairness": {"fairness", "--data", fa, "--group", "g", "--label", "y", "--prediction", "p"},
		"explain":  {"explain", "--model", filepath.Join(explainTestdata, "reg.json"), "--data", filepath.Join(explainTestdata, "data.csv")},
		"drift":    {"drift", "--reference", ref, "--current", cur},
	}
}

// chineseMark is a word each command's Chinese report has.
var chineseMark = map[string]string{"abtest": "对照组", "fairness": "五分之四规则", "explain": "全局重要性", "drift": "数据集漂移"}

// The language: --lang (en, zh-CN, zh, zh_CN), else the locale of the
// environment (LC_ALL, LC_MESSAGES, LANG: the first set), else English.
func TestReportLangFromLocale(t *testing.T) {
	for cmd, args := range reportRuns(t) {
		for _, c := range []struct {
			lang    string
			env     map[string]string
			chinese bool
		}{
			{"", nil, false},
			{"", map[string]string{"LANG": "zh_CN.UTF-8"}, true},
			{"", map[string]string{"LC_MESSAGES": "zh_CN"}, true},
			{"", map[string]string{"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, false},
			{"", map[string]string{"LANG": "en_US.UTF-8"}, false},
			{"en", map[string]string{"LC_ALL": "zh_CN.UTF-8"}, false},
			{"zh", nil, true},
			{"zh_CN", map[string]string{"LANG": "en_GB.UTF-8"}, true},
		} {
			a := args
			if c.lang != "" {
				a = append(slices.Clone(args), "--lang", c.lang)
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), a, &stdout, &stderr, func(k string) string { return c.env[k] })
			if code != 0 {
				t.Fatalf("%s --lang %q env %v: exit %d: %s", cmd, c.lang, c.env, code, stderr.String())
			}
			if got := strings.Contains(stdout.String(), chineseMark[cmd]); got != c.chinese {
				t.Errorf("%s --lang %q env %v: Chinese %v, want %v:\n%s", cmd, c.lang, c.env, got, c.chinese, stdout.String())
			}
		}
	}
}

// Another --lang is bad usage (exit 2) naming the flag and the languages,
// before any file is read (the files here do not exist).
func TestReportLangUnknown(t *testing.T) {
	for cmd, args := range map[string][]string{
		"abtest":   {"abtest", "--data", "nowhere.csv"},
		"fairness": {"fairness", "--data", "nowhere.csv", "--group", "g", "--label", "y", "--prediction", "p"},
		"explain":  {"explain", "--model", "nowhere.json", "--data", "nowhere.csv"},
		"drift":    {"drift", "--reference", "nowhere.csv", "--current", "nowhere.csv"},
	} {
		for _, lang := range []string{"fr", "zh-TW", "english"} {
			code, out, errOut := runCLI(t, append(args, "--lang", lang)...)
			if want := fmt.Sprintf("%s: --lang %q: want en or zh-CN", cmd, lang); code != 2 || out != "" || !strings.Contains(errOut, want) {
				t.Errorf("%s --lang %s: exit %d, stdout %q, stderr %q; want 2 and %q", cmd, lang, code, out, errOut, want)
			}
		}
	}
}

// JSON and CSV are for programs: the same bytes whatever the language.
func TestReportLangLeavesMachineFormats(t *testing.T) {
	zhEnv := func(k string) string { return map[string]string{"LANG": "zh_CN.UTF-8"}[k] }
	for cmd, args := range reportRuns(t) {
		formats := []string{"json", "csv"}
		if cmd == "drift" {
			formats = []string{"json"}
		}
		for _, f := range formats {
			a := append(slices.Clone(args), "--format", f)
			code, en, errOut := runCLI(t, a...)
			var zh, stderr bytes.Buffer
			zcode := run(context.Background(), append(a, "--lang", "zh-CN"), &zh, &stderr, zhEnv)
			if code != 0 || zcode != 0 || en != zh.String() || len(en) < 50 {
				t.Errorf("%s --format %s: exit %d/%d (%s%s); English and Chinese runs differ:\n%s\n%s", cmd, f, code, zcode, errOut, stderr.String(), en, zh.String())
			}
		}
	}
}

// writeTabbed lays out ASCII exactly as text/tabwriter (padding 2, every
// cell ended by a tab) did, which the reports used before, so English
// reports are unchanged.
func TestWriteTabbedAsTabwriter(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		rows := make([][]string, 1+r.IntN(5))
		cols := 1 + r.IntN(6)
		for i := range rows {
			for range cols {
				rows[i] = append(rows[i], strings.Repeat(string(rune('a'+r.IntN(26))), r.IntN(9)))
			}
		}
		for _, right := range []bool{false, true} {
			var want, got bytes.Buffer
			var flags uint
			if right {
				flags = tabwriter.AlignRight
			}
			tw := tabwriter.NewWriter(&want, 0, 4, 2, ' ', flags)
			for _, row := range rows {
				fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
			}
			tw.Flush()
			writeTabbed(&got, rows, right)
			if got.String() != want.String() {
				t.Fatalf("case %d right %v: got\n%q\nwant\n%q", n, right, got.String(), want.String())
			}
		}
	}
	var b bytes.Buffer
	writeTabbed(&b, [][]string{{"分组", "n"}, {"A", "10"}}, false)
	if b.String() != "分组  n   \nA     10  \n" {
		t.Errorf("wide cells: got %q", b.String())
	}
}
