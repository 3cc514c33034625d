package i18n_test

import (
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// TestMessageTranslatesRuntimeText: messages made at run time (a file's
// name, a line number and a reason) are translated by their shape, part
// by part; English stays as it is; text with no translation is left
// alone, its punctuation too.
func TestMessageTranslatesRuntimeText(t *testing.T) {
	b := i18n.MustLoad()
	for _, tc := range []struct{ in, zh string }{
		{"f1.csv: line 3: malformed record: 1 fields, but the header has 3", "f1.csv：第 3 行：记录格式错误：有 1 个字段，但表头有 3 个"},
		{"line 7: malformed record: text after a closing quote (byte 4); quote the whole field and double the inner quotes",
			"第 7 行：记录格式错误：右引号之后还有文字（第 4 字节）；请给整个字段加上引号，并把字段内的引号写两遍"},
		{"u.csv: line 3: malformed record: a quoted field opened on line 3 is never closed: it runs to the end of the file (line 9); add the closing quote, or double the quote if it is part of the text",
			"u.csv：第 3 行：记录格式错误：第 3 行开始的带引号字段始终没有闭合：它一直延续到文件末尾（第 9 行）；请补上右引号，如果这个引号是文字的一部分，请把它写两遍"},
		{"line 2: malformed record: the quoted field opened on line 2 runs to a quote on line 4 that text follows (byte 3): a closing quote is missing, or a quote inside the field is not doubled",
			"第 2 行：记录格式错误：第 2 行开始的带引号字段一直延续到第 4 行的一个引号，而该引号后面还有文字（第 3 字节）：缺少右引号，或者字段内的引号没有写两遍"},
		{"t.csv.gz: malformed record: the file is gzip-compressed, not text; decompress it first", "t.csv.gz：记录格式错误：文件是 gzip 压缩文件，不是文本；请先解压"},
		{"empty file: no header line", "空文件：没有表头行"},
		{"g.csv: line 40002: malformed record: the file holds a NUL byte, which text never does: it is binary or damaged; save it again as CSV",
			"g.csv：第 40002 行：记录格式错误：文件含有 NUL 字节，文本文件不会有：文件是二进制文件或已损坏；请重新另存为 CSV"},
		{"d.csv: empty file: no header line", "d.csv：空文件：没有表头行"},
		{`unknown stage "bogus"`, `未知阶段 "bogus"`},
		{"Title is required.", "标题为必填项。"},
		{"some.csv: an unforeseen problem", "some.csv: an unforeseen problem"},
		{"no colon at all", "no colon at all"},
		// Clauses joined by "; ", each with its own label: split at the
		// join first (the label-first split left the first clause English).
		{`categorical: ref.csv line 2 has "a-1", not a number; id-like: 30 distinct values among 30 in the reference: not tested (name it in --columns to test it)`,
			`类别列：ref.csv 第 2 行为 "a-1"，不是数字；类似标识符：参照中有 30 个不同取值，共 30 个值：未检验（在 --columns 中指明该列即可检验）`},
	} {
		if got := b.Message("zh-CN", tc.in); got != tc.zh {
			t.Errorf("zh-CN %q:\n got %q\nwant %q", tc.in, got, tc.zh)
		}
		if got := b.Message("en", tc.in); got != tc.in {
			t.Errorf("en %q: got %q, want it unchanged", tc.in, got)
		}
	}
	// The web pages give the form's advice, not the CLI's flags, in both
	// languages.
	for locale, want := range map[string]string{
		"en":    `no business unit named "Nowhere" (tick “Create business units the file names that do not exist yet” to create it)`,
		"zh-CN": `没有名为 "Nowhere" 的业务单元（勾选“创建文件中出现但尚不存在的业务单元”即可创建）`,
	} {
		if got := b.Message(locale, `no business unit named "Nowhere" (use --create-missing to create it)`); got != want {
			t.Errorf("%s: got %q, want %q", locale, got, want)
		}
	}
}

// TestMessageLongTextQuick: a long message (a row's reason echoing a huge
// cell) is returned as it is, without matching it against every shape
// (it took seconds a megabyte).
func TestMessageLongTextQuick(t *testing.T) {
	b := i18n.MustLoad()
	long := `no business unit named "line 1: ` + strings.Repeat("a: ", 400_000) + `"`
	if got := b.Message("zh-CN", long); got != long {
		t.Errorf("a long message was changed")
	}
}

// The command line's "cli.msgpat." shape words a message for a terminal,
// where the web's shape of the same English speaks of a form: CLIMessage
// takes it, nested in a longer message too; Message keeps the web's.
func TestCLIMessage(t *testing.T) {
	b := i18n.MustLoad()
	msg := "f.csv: line 2: invalid text encoding: field 2 has byte 0xE9, which is not valid utf-8 (chosen); pass the file's encoding explicitly (--encoding gb18030, windows-1252, …) or save it as UTF-8"
	cli, web := b.CLIMessage("zh-CN", msg), b.Message("zh-CN", msg)
	if !strings.Contains(cli, "请用 --encoding 指明文件的编码") || strings.Contains(cli, "网页") || !strings.HasPrefix(cli, "f.csv：第 2 行：") {
		t.Errorf("CLIMessage: %q", cli)
	}
	if !strings.Contains(web, "网页上在表单中选择") {
		t.Errorf("Message (the web's): %q", web)
	}
	if got := b.CLIMessage("en", msg); got != msg {
		t.Errorf("English: %q", got)
	}
}

// TestMessageTimeStamps: a time stamp in a message's part (a retraining
// task's reason, a paused monitor's refusal) is written as the pages
// write a time in each language, not as RFC 3339.
func TestMessageTimeStamps(t *testing.T) {
	b := i18n.MustLoad()
	for _, tc := range []struct{ in, en, zh string }{
		{"Accuracy breached in each of 7 windows in a row, to 2026-08-29T00:00:00Z.",
			"Accuracy breached in each of 7 windows in a row, to 29 Aug 2026 00:00 UTC.",
			"截至 2026年8月29日 00:00 UTC，连续 7 个窗口准确率均低于阈值。"},
		{"The monitor is paused (ai@example.com, 2026-03-01T09:30:00+08:00: new features); resume it to evaluate it.",
			"The monitor is paused (ai@example.com, 1 Mar 2026 01:30 UTC: new features); resume it to evaluate it.",
			"监控器已暂停（ai@example.com，2026年3月1日 01:30 UTC：new features）；请先恢复再评估。"},
		// A quoted value is the user's, kept as written.
		{`unknown stage "2026-08-29T00:00:00Z"`, `unknown stage "2026-08-29T00:00:00Z"`, `未知阶段 "2026-08-29T00:00:00Z"`},
	} {
		if got := b.Message("en", tc.in); got != tc.en {
			t.Errorf("en %q:\n got %q\nwant %q", tc.in, got, tc.en)
		}
		if got := b.Message("zh-CN", tc.in); got != tc.zh {
			t.Errorf("zh-CN %q:\n got %q\nwant %q", tc.in, got, tc.zh)
		}
	}
}

// TestDuplicateTitleMessages: the 409 of a duplicate use case or goal
// names where the one that exists is — its business unit, or none — in
// both languages; "this business unit" was said of records with none.
func TestDuplicateTitleMessages(t *testing.T) {
	b := i18n.MustLoad()
	const names = `"Churn" / "流失"`
	for _, tc := range []struct{ en, zh string }{
		{`A use case titled ` + names + ` already exists in this business unit (ID 7).`, `本业务单元已有标题为 ` + names + ` 的用例（ID 7）。`},
		{`A use case titled ` + names + ` already exists among the use cases with no business unit (ID 7).`, `未归属业务单元的用例中已有标题为 ` + names + ` 的用例（ID 7）。`},
		{`A goal titled "Grow" already exists in this business unit (ID 3).`, `本业务单元已有标题为 "Grow" 的目标（ID 3）。`},
		{`A goal titled "Grow" already exists among the goals with no business unit (ID 3).`, `未归属业务单元的目标中已有标题为 "Grow" 的目标（ID 3）。`},
		{`line 2: a use case titled ` + names + ` already exists in this business unit (ID 7); it is not imported twice`,
			`第 2 行：此业务单元中已有标题为 ` + names + ` 的用例（ID 7）；同一用例不会导入两次`},
		{`line 2: a use case titled ` + names + ` already exists among the use cases with no business unit (ID 7); it is not imported twice`,
			`第 2 行：未归属业务单元的用例中已有标题为 ` + names + ` 的用例（ID 7）；同一用例不会导入两次`},
	} {
		if got := b.Message("en", tc.en); got != tc.en {
			t.Errorf("en %q: got %q, want it unchanged", tc.en, got)
		}
		if got := b.Message("zh-CN", tc.en); got != tc.zh {
			t.Errorf("zh-CN %q:\n got %q\nwant %q", tc.en, got, tc.zh)
		}
	}
}
