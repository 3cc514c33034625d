package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// driftHTMLFiles: "moved" drifts, "same" does not, "city" is Chinese
// text with a new value, "empty" has no values in the current file.
func driftHTMLFiles(t *testing.T) (ref, cur string) {
	t.Helper()
	var r, c strings.Builder
	r.WriteString("moved,same,city,empty\n")
	c.WriteString("moved,same,city,empty\n")
	for i := 0; i < 300; i++ {
		v := float64(i % 60)
		r.WriteString(fmt.Sprintf("%s,%s,%s,%d\n", fmtNum(v), fmtNum(v), []string{"北京", "上海"}[i%2], i))
		c.WriteString(fmt.Sprintf("%s,%s,%s,\n", fmtNum(v+30), fmtNum(v), []string{"北京", "广州"}[i%2]))
	}
	return writeFile(t, "ref.csv", r.String()), writeFile(t, "cur.csv", c.String())
}

func runDriftHTML(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runCLI(t, append([]string{"drift", "--format", "html"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	return out
}

// The report says what Evidently's does: the verdict with its share and
// threshold, the drifted columns, each file's rows, every threshold in
// force, each column's test, threshold, p-value, PSI with its grade in
// words and missing values with their share.
func TestDriftHTMLContents(t *testing.T) {
	ref, cur := driftHTMLFiles(t)
	out := runDriftHTML(t, "--reference", ref, "--current", cur, "--p-value", "0.01", "--psi-warn", "0.2", "--psi-drift", "0.3")
	for _, want := range []string{
		`<html lang="en">`,
		"Data set drift: 2 of 3 tested columns drifted (66.7%), at or above the threshold of 50%.",
		`Drifted columns:</b> <a href="#col-1" class="name">moved</a>, <a href="#col-3" class="name">city</a>`,
		`<td class="n">300</td>`,
		"drift when p &lt; 0.01", "stable &lt; 0.2 ≤ warn &lt; 0.3 ≤ drift", "at least 50% of the tested columns",
		"(drift at p &lt; 0.01)", `<span class="grade">(drift)</span>`, `<span class="grade">(stable)</span>`,
		`<span class="tag drift">drift</span>`, `<span class="tag ok">stable</span>`, `<span class="tag na">not tested</span>`,
		"0 /<br>300 (100.0%)", "no values in the current sample",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in the report", want)
		}
	}
	// Drifted columns first, then stable, then untested.
	order := regexp.MustCompile(`<tr id="col-(\d+)">`).FindAllStringSubmatch(out, -1)
	var got []string
	for _, m := range order {
		got = append(got, m[1])
	}
	if strings.Join(got, ",") != "1,3,2,4" {
		t.Errorf("rows in order %v, want drifted (1, 3), stable (2), untested (4)", got)
	}
}

// --lang zh-CN writes the report in Chinese from the catalogs: the
// page's language, headers, verdict, grades and the run-time notes, and
// no catalog key is missing (a missing one shows as [key]).
func TestDriftHTMLChinese(t *testing.T) {
	ref, cur := driftHTMLFiles(t)
	out := runDriftHTML(t, "--reference", ref, "--current", cur, "--lang", "zh-CN")
	for _, want := range []string{`<html lang="zh-CN">`, "数据漂移报告", "数据集发生漂移：2 列漂移，共检验 3 列（66.7%），达到阈值 50%。",
		"漂移的列：", `<th scope="col">列</th>`, "p &lt; 0.05 时判为漂移", `<span class="tag drift">漂移</span>`,
		`<span class="tag na">未检验</span>`, "类别列：", "不是数字", "当前样本中没有值", "各箱行数占比"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in the Chinese report", want)
		}
	}
	for _, english := range []string{"Data drift report", "Drifted columns", "not tested", "not a number", "no values in", "Distribution of", ">Column<", "Thresholds"} {
		if strings.Contains(out, english) {
			t.Errorf("the Chinese report has English %q", english)
		}
	}
	for _, lang := range []string{"en", "zh-CN"} {
		out := runDriftHTML(t, "--reference", ref, "--current", cur, "--lang", lang)
		if m := regexp.MustCompile(`\[[a-z_]+\.[a-z_.]+\]`).FindString(out); m != "" {
			t.Errorf("%s: a catalog key is missing: %s", lang, m)
		}
	}
	// Every key the report uses is in both catalogs.
	b := i18n.MustLoad()
	src := driftHTML.Tree.Root.String()
	keys := regexp.MustCompile(`"(driftreport\.[a-z_.]+)"`).FindAllStringSubmatch(src, -1)
	if len(keys) < 10 {
		t.Fatalf("found only %d keys in the template", len(keys))
	}
	for _, k := range keys {
		for _, loc := range i18n.Locales {
			if !b.Has(loc, k[1]) {
				t.Errorf("key %s missing from %s", k[1], loc)
			}
		}
	}
}

// The language: --lang (en, zh-CN, zh, zh_CN), else the locale of the
// environment, else English; another --lang is bad usage, before any
// file is read.
func TestDriftLang(t *testing.T) {
	ref, cur := driftHTMLFiles(t)
	for _, c := range []struct {
		lang string
		env  map[string]string
		want string
	}{
		{"", nil, "en"},
		{"zh", nil, "zh-CN"},
		{"zh_CN", nil, "zh-CN"},
		{"en", map[string]string{"LANG": "zh_CN.UTF-8"}, "en"},
		{"", map[string]string{"LANG": "zh_CN.UTF-8"}, "zh-CN"},
		{"", map[string]string{"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"},
		{"", map[string]string{"LC_MESSAGES": "zh_CN"}, "zh-CN"},
	} {
		args := []string{"drift", "--format", "html", "--reference", ref, "--current", cur}
		if c.lang != "" {
			args = append(args, "--lang", c.lang)
		}
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr, func(k string) string { return c.env[k] })
		if code != 0 || !strings.Contains(stdout.String(), `<html lang="`+c.want+`">`) {
			t.Errorf("--lang %q env %v: exit %d (%s), want a report in %s", c.lang, c.env, code, stderr.String(), c.want)
		}
	}
	code, _, errOut := runCLI(t, "drift", "--reference", "nowhere.csv", "--current", cur, "--lang", "fr")
	if code != 2 || !strings.Contains(errOut, `--lang "fr": want en or zh-CN`) {
		t.Errorf("--lang fr: exit %d, %q; want 2 naming the flag", code, errOut)
	}
}

// Accessible and self-contained: headers with scope, every chart named
// (aria-label and <title>), the drift verdicts in words as well as colour,
// no file fetched (a script, style sheet, image or font).
func TestDriftHTMLAccessibleAndOffline(t *testing.T) {
	ref, cur := driftHTMLFiles(t)
	out := runDriftHTML(t, "--reference", ref, "--current", cur)
	if n := strings.Count(out, `<th scope="col"`); n < 10 {
		t.Errorf("%d column headers with scope, want the table's", n)
	}
	if n := strings.Count(out, `<th scope="row">`); n < 4+3 {
		t.Errorf("%d row headers, want one a column and the data sets' facts", n)
	}
	svgs := regexp.MustCompile(`<svg [^>]*role="img" aria-label="[^"]+"><title>[^<]+</title>`).FindAllString(out, -1)
	if len(svgs) != strings.Count(out, "<svg") || len(svgs) < 3 {
		t.Errorf("%d of %d charts named", len(svgs), strings.Count(out, "<svg"))
	}
	if strings.Count(out, `<meta name="viewport"`) != 1 || !strings.Contains(out, "@media (max-width:760px)") {
		t.Errorf("no narrow-screen layout")
	}
	if m := regexp.MustCompile(`(?i)(src=|href="(https?:)?//|<link|<script|@import|url\(|@font-face)`).FindString(out); m != "" {
		t.Errorf("the report fetches something: %q", m)
	}
}

// 500 columns of long names: a report of a few MB (a chart is a few
// KB), the summary naming 20 drifted columns and counting the rest.
func TestDriftHTMLManyColumns(t *testing.T) {
	const cols = 500
	var r, c strings.Builder
	for j := 0; j < cols; j++ {
		if j > 0 {
			r.WriteString(",")
			c.WriteString(",")
		}
		name := fmt.Sprintf("feature_%03d_%s", j, strings.Repeat("long_name_", 8))
		r.WriteString(name)
		c.WriteString(name)
	}
	r.WriteString("\n")
	c.WriteString("\n")
	for i := 0; i < 100; i++ {
		for j := 0; j < cols; j++ {
			if j > 0 {
				r.WriteString(",")
				c.WriteString(",")
			}
			v := float64((i*7+j)%100) / 10
			shift := 0.0
			if j%2 == 0 {
				shift = 20
			}
			r.WriteString(fmtNum(v))
			c.WriteString(fmtNum(v + shift))
		}
		r.WriteString("\n")
		c.WriteString("\n")
	}
	out := runDriftHTML(t, "--reference", writeFile(t, "r.csv", r.String()), "--current", writeFile(t, "c.csv", c.String()))
	if len(out) > 5<<20 {
		t.Errorf("report of %d bytes for %d columns", len(out), cols)
	}
	summary := out[strings.Index(out, "Drifted columns:"):]
	summary = summary[:strings.Index(summary, "</p>")]
	if n := strings.Count(summary, "<a "); n != maxDriftedListed || !strings.Contains(summary, "and 230 more, first in the table below") {
		t.Errorf("summary names %d columns: %s", n, summary)
	}
	if n := strings.Count(out, "<tr id="); n != cols {
		t.Errorf("%d rows, want %d", n, cols)
	}
}
